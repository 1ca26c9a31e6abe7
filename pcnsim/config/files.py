"""Scenario files: reading YAML safely, `--set` overrides, loading, validating and writing back."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import safe_yaml
from .errors import ScenarioError, first_error, one_line, shown
from .reading import read_text
from .schema import Scenario

MAX_BYTES = 1_000_000  # a scenario or experiment file is a few kB
MAX_KEY_PARTS = 16  # parts of a `--set` key; the deepest scenario field has 4


def validate(data: Any, source: str) -> Scenario:
    """Validate a mapping as a Scenario, raising ScenarioError with one line."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: the file must hold a mapping of scenario fields, not {type(data).__name__}")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise one_line(Scenario, exc, source) from None


def read_yaml(path: Path, what: str = "a scenario file") -> Any:
    """A YAML file's one document, read only from a regular file of at most MAX_BYTES (pcnsim.config.safe_yaml)."""
    return safe_yaml.parse(read_text(path, MAX_BYTES, what), str(path))


def read_section(path: Path, model: type, what: str, fields: str):
    """A YAML file of one mapping, validated as `model`, with the one-line errors (`what`: "an experiment file";
    `fields`: what the mapping holds, for the error)."""
    data = read_yaml(path, what)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: the file must hold a mapping of {fields}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise one_line(model, exc, str(path)) from None


def apply_overrides(data: dict, overrides: list[str], source: str) -> dict:
    """Apply `dotted.key=value` overrides (list items by index, e.g. mandates.0.count=3).

    Values are parsed as YAML (with the same limits as a file), so numbers,
    booleans and lists keep their types.
    """
    data = copy.deepcopy(data)
    defaults = Scenario().model_dump(mode="json")
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ScenarioError(f"{source}: --set {shown(item)}: expected dotted.key=value")
        if len(raw) > MAX_BYTES:
            raise ScenarioError(f"{source}: --set {shown(key)}: the value is over {MAX_BYTES:,} characters")
        *parents, last = key.split(".")
        if len(parents) >= MAX_KEY_PARTS:
            raise ScenarioError(f"{source}: --set {shown(key)}: a key has at most {MAX_KEY_PARTS} parts")
        value = safe_yaml.parse(raw, f"{source}: --set {key}")
        node: Any = data
        default: Any = defaults  # the schema's default at the same path, while the path follows it
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
                default = default.get(part) if isinstance(default, dict) and isinstance(part, str) else None
                if isinstance(node, dict) and node.get(part) is None:
                    # A section the file leaves out (or leaves unset, as null) starts from its default, so
                    # that setting one field keeps the others' defaults (a spread's sd, say) rather than
                    # the bare class's.
                    node[part] = copy.deepcopy(default) if isinstance(default, dict) else {}
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
    try:
        return Scenario.model_validate(resolve_files(data, Path(path).parent))
    except ValidationError as exc:
        raise one_line(Scenario, exc, _source(str(path), overrides or [], first_error(exc))) from None


def _source(path: str, overrides: list[str], error: dict) -> str:
    """The file, with the `--set` option that gave the field in error, if one did."""
    field = ".".join(str(part) for part in error["loc"])
    for item in reversed(overrides):
        key = item.partition("=")[0]
        if field == key or field.startswith(key + ".") or key.startswith(field + "."):
            return f"{path} (--set {key})"
    return path


NETWORK_FILES = ("file", "list_sizes_file", "edges_file")  # a structure's own files, read with its scenario


def resolve_files(data: dict, folder: Path) -> dict:
    """Make a csv or nhs structure's file paths absolute, read relative to the scenario file's folder."""
    network = data.get("network")
    if not isinstance(network, dict):
        return data
    resolved = dict(network)
    for key in NETWORK_FILES:
        value = resolved.get(key)
        if isinstance(value, str) and value and "\x00" not in value and not Path(value).is_absolute():
            try:
                resolved[key] = str((folder / value).resolve())
            except (OSError, RuntimeError):  # a symbolic link loop: reading the file says so in one line
                resolved[key] = os.path.normpath(Path(folder, value).absolute())
    return {**data, "network": resolved}


def dump(scenario: Scenario) -> str:
    """The fully resolved scenario as YAML: every field, enough to rerun exactly."""
    return safe_yaml.dump(scenario.model_dump(mode="json"))
