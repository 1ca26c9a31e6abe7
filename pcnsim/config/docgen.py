"""The README's scenario reference and outcome tables, generated from the schema and the outcome registry.

The same rows, as plain text, are what `pcnsim params` and `pcnsim outcomes` print.

Each table sits in README.md between `<!-- generated: NAME -->` and
`<!-- end generated -->`; regenerate them all with

    python -m pcnsim.config.docgen

(tests/test_docs.py checks that the README holds what this renders). A row's
meaning is the field's `description`, its default the schema's default, and
its allowed values come from the field's constraints and `rule` note.
"""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ..engine.outcomes import NATIONAL, PCN, Registry
from . import files, safe_yaml
from .errors import ScenarioError, shown
from .schema import SEED_MAX, Scenario, Spread

README = Path(__file__).resolve().parents[2] / "README.md"


def _number(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) >= 10_000:
        value = int(value)
    if value == SEED_MAX:
        return "2⁶³ − 1"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:g}"


def strip_annotation(annotation: Any) -> tuple[Any, list, bool]:
    """The bare type, the constraints found on the way, and whether None is allowed."""
    metadata, optional = [], False
    while True:
        if get_origin(annotation) is Annotated:
            for meta in annotation.__metadata__:
                metadata.extend(meta.metadata if isinstance(meta, FieldInfo) else [meta])
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(members) < len(get_args(annotation))
            annotation = members[0]
        else:
            return annotation, metadata, optional


def _bounds(metadata: list, whole: bool) -> str:
    """`a – b`, `(a, b]`, `≥ a` ... from annotated_types constraints."""
    low = high = None
    for meta in metadata:
        if isinstance(meta, at.Ge):
                low = ("[", meta.ge)
        elif isinstance(meta, at.Gt):
            low = ("(", meta.gt)
        elif isinstance(meta, at.Le):
            high = ("]", meta.le)
        elif isinstance(meta, at.Lt):
            high = (")", meta.lt)
    kind = "whole, " if whole else ""
    if low and high:
        if low[0] == "[" and high[0] == "]":
            return f"{kind}{_number(low[1])} – {_number(high[1])}"
        return f"{kind}{low[0]}{_number(low[1])}, {_number(high[1])}{high[0]}"
    if low:
        return f"{kind}{'≥' if low[0] == '[' else '>'} {_number(low[1])}"
    if high:
        return f"{kind}{'≤' if high[0] == ']' else '<'} {_number(high[1])}"
    return kind.rstrip(", ") or "number"


def _lengths(metadata: list) -> tuple[int | None, int | None]:
    low = next((m.min_length for m in metadata if isinstance(m, at.MinLen)), None)
    high = next((m.max_length for m in metadata if isinstance(m, at.MaxLen)), None)
    return low, high


def _allowed(annotation: Any, metadata: list) -> str:
    bare, inner, optional = strip_annotation(annotation)
    metadata = metadata + inner
    if get_origin(bare) is Literal:
        text = ", ".join(f"`{v}`" for v in get_args(bare))
    elif isinstance(bare, type) and issubclass(bare, Spread):
        text = "spread: " + ", ".join(f"{name} {_allowed(part.annotation, part.metadata)}"
                                      for name, part in bare.model_fields.items())
    elif get_origin(bare) is tuple:
        items = get_args(bare)
        text = f"{len(items)} weights, each {_allowed(items[0], [])}"
    elif get_origin(bare) is list:
        item = get_args(bare)[0]
        low, high = _lengths(metadata)
        count = f"{low or 0} – {_number(high)}" if high else "any number of"
        item_bare, _, _ = strip_annotation(item)
        what = ("streams" if isinstance(item_bare, type) and issubclass(item_bare, BaseModel) else
                "names" if item_bare is str else f"values, each {_allowed(item, [])}")
        text = f"list of {count} {what}"
    elif bare is str:
        _, high = _lengths(metadata)
        text = f"text, up to {_number(high)} characters" if high else "text"
    else:
        text = _bounds(metadata, bare is int)
    return f"none, or {text}" if optional else text


def _default(field: FieldInfo) -> str:
    value = field.default
    if value is None:
        return "none"
    if isinstance(value, Spread):
        return f"{_number(value.mean)} ± {_number(value.sd)}"
    if isinstance(value, str):
        return f"`{value}`" if value else "empty"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(_number if not isinstance(value[0], str) else str, value)) if value else "none"
    return _number(value)


def _type(annotation: Any) -> str:
    """What kind of value a field takes, in a word or two."""
    bare, _, optional = strip_annotation(annotation)
    if get_origin(bare) is Literal:
        word = "choice"
    elif isinstance(bare, type) and issubclass(bare, Spread):
        word = "spread"
    elif get_origin(bare) in (tuple, list):
        word = "weights" if get_origin(bare) is tuple else "list"
    else:
        word = {bool: "true/false", int: "whole number", float: "number", str: "text"}.get(bare, "value")
    return f"{word} or none" if optional else word


def _rows(model: type[BaseModel], prefix: str = ""):
    """(dotted key, default, allowed, meaning, type) of every settable field, in the schema's order."""
    for name, field in model.model_fields.items():
        key = prefix + name
        bare, _, _ = strip_annotation(field.annotation)
        item = get_args(bare)[0] if get_origin(bare) is list else None
        if isinstance(bare, type) and issubclass(bare, BaseModel) and not issubclass(bare, Spread):
            yield from _rows(bare, key + ".")
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        allowed = _allowed(field.annotation, list(field.metadata))
        if "rule" in extra:
            allowed += f"; {extra['rule']}"
        yield key, _default(field), allowed, field.description or "", _type(field.annotation)
        if isinstance(item, type) and issubclass(item, BaseModel):
            yield from _rows(item, key + "[].")


def _table(header: list[str], rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def scenario_reference() -> str:
    return _table(["key", "default", "allowed", "meaning"],
                  [(f"`{key}`", default, allowed, meaning) for key, default, allowed, meaning, _ in _rows(Scenario)])


def outcome_table(registry: Registry) -> str:
    return _table(["column", "meaning"], [(f"`{o.name}`", o.doc) for o in registry.outcomes])


def _plain(rows: list[tuple[str, ...]]) -> str:
    """Rows as left-aligned columns for a terminal (the last column unpadded), markdown's backticks dropped."""
    rows = [tuple(cell.replace("`", "") for cell in row) for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths)), row[-1]]).rstrip() for row in rows)


def outcome_listing() -> str:
    """Every outcome a run can record, national and per PCN, with its kind and meaning (`pcnsim outcomes`)."""
    parts = []
    for title, registry in (("national: one row per recorded week (timeseries.csv, a sweep's timeseries/)",
                             NATIONAL),
                            ("per PCN: one row per PCN every record_levels_every weeks (pcns.csv; ics.csv rolls "
                             "them up per ICS)", PCN)):
        parts.append(title + "\n" + _plain([("outcome", "kind", "meaning"),
                                             *((o.name, o.kind, o.doc) for o in registry.outcomes)]))
    return "\n\n".join(parts)


def _under(key: str, prefix: str) -> bool:
    return key == prefix or key.startswith((prefix + ".", prefix + "[]."))


def parameter_listing(prefix: str | None = None) -> str:
    """Every settable dotted scenario field (or those under `prefix`, a section or a field) with its type,
    default, allowed values and meaning (`pcnsim params`); an unknown prefix is a one-line error."""
    rows = [(key, kind, default, allowed, meaning) for key, default, allowed, meaning, kind in _rows(Scenario)]
    if prefix is not None:
        picked = [row for row in rows if _under(row[0], prefix.replace("[]", ""))]
        if not picked:
            parent = prefix.rpartition(".")[0]
            inside = [row[0] for row in rows if parent and _under(row[0], parent)]
            allowed = inside or list(dict.fromkeys(row[0].split(".")[0].removesuffix("[]") for row in rows))
            where = f"fields of {parent}" if inside else "top-level sections and fields"
            raise ScenarioError(f"params {shown(prefix)}: no such scenario section or field; {where}: {', '.join(allowed)}")
        rows = picked
    return _plain([("key", "type", "default", "allowed", "meaning"), *rows])


def input_limits() -> str:
    return (f"Scenario and experiment files are read only if they are regular files of at\n"
            f"most {files.MAX_BYTES // 1_000_000} MB of UTF-8 YAML; a key given twice, nesting deeper than "
            f"{safe_yaml.MAX_DEPTH} levels or\n"
            f"aliases that expand to over {safe_yaml.MAX_NODES:,} values are refused, as is any `--set`\n"
            "value that would be.")


SECTIONS = {
    "input limits": input_limits,
    "scenario reference": scenario_reference,
    "national outcomes": lambda: outcome_table(NATIONAL),
    "PCN outcomes": lambda: outcome_table(PCN),
}


def render(text: str) -> str:
    """`text` with every generated section replaced by what the schema and registry say now."""
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- generated: {re.escape(name)} .*?-->\n).*?(<!-- end generated -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"README.md has no '<!-- generated: {name} ... -->' marker")
        text = pattern.sub(lambda m: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def regenerate(path: Path, render) -> None:
    """Rewrite `path` with its generated sections as `render` makes them now, and say whether it changed."""
    text = path.read_text(encoding="utf-8")
    new = render(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
        print(f"updated {path}")
    else:
        print(f"{path} is current")


def main() -> int:
    regenerate(README, render)
    return 0


if __name__ == "__main__":
    sys.exit(main())
