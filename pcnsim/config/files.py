"""Scenario files: reading YAML safely, `--set` overrides, loading, validating and writing back."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import ScenarioError, one_line
from .schema import Scenario


def validate(data: Any, source: str) -> Scenario:
    """Validate a mapping as a Scenario, raising ScenarioError with one line."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: the file must hold a mapping of scenario fields, not {type(data).__name__}")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise one_line(Scenario, exc, source) from None


def read_yaml(path: Path) -> Any:
    """Load a YAML file safely, turning I/O and syntax problems into ScenarioError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ScenarioError(f"{path}: malformed YAML{where}: {problem}") from None


def apply_overrides(data: dict, overrides: list[str], source: str) -> dict:
    """Apply `dotted.key=value` overrides (list items by index, e.g. mandates.0.count=3).

    Values are parsed as YAML, so numbers, booleans and lists keep their types.
    """
    data = copy.deepcopy(data)
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ScenarioError(f"{source}: --set {item!r}: expected dotted.key=value")
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError:
            raise ScenarioError(f"{source}: --set {key}: cannot parse value {raw!r}") from None
        *parents, last = key.split(".")
        node: Any = data
        for depth, part in enumerate(parents + [last]):
            here = ".".join(parents[: depth + 1]) if depth < len(parents) else key
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ScenarioError(f"{source}: --set {key}: {here} needs an index below {len(node)}")
                part = int(part)
            elif not isinstance(node, dict):
                raise ScenarioError(f"{source}: --set {key}: {here} is inside a value, not a section")
            if depth == len(parents):
                node[part] = value
            else:
                if isinstance(node, dict) and part not in node:
                    node[part] = {}
                node = node[part]
    return data


def load(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Read, override and validate a scenario file."""
    data = read_yaml(Path(path))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: the file must hold a mapping of scenario fields, not {type(data).__name__}")
    if overrides:
        data = apply_overrides(data, overrides, f"{path} (--set)")
    return validate(_resolve_files(data, Path(path).parent), str(path))


def _resolve_files(data: dict, folder: Path) -> dict:
    """Make a csv structure's file paths absolute, read relative to the scenario file's folder."""
    network = data.get("network")
    if not isinstance(network, dict):
        return data
    resolved = dict(network)
    for key in ("file", "edges_file"):
        if isinstance(resolved.get(key), str) and not Path(resolved[key]).is_absolute():
            resolved[key] = str((folder / resolved[key]).resolve())
    return {**data, "network": resolved}


def dump(scenario: Scenario) -> str:
    """The fully resolved scenario as YAML: every field, enough to rerun exactly."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False)
