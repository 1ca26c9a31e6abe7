"""Malformed inputs generated from the schemas themselves (sklearn's generate_invalid_param_val idea).

For each field of the scenario and experiment models: out-of-range values
from its own bounds, non-finite numbers, wrong types, None where None is not
allowed, over-long text and lists; for each section an unknown key; for
each key a duplicate. Shared by tests/test_inputs.py and the count in its
closing note.
"""

from __future__ import annotations

import math
from typing import Any, Literal, get_args, get_origin

import annotated_types as at
import yaml
from pydantic import BaseModel



def refusal(argv, capsys) -> str:
    """Run the CLI in-process; return its one error line, failing unless the contract holds."""
    from pcnsim.cli import main

    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2, f"exit {code} for {argv}: {captured.err[-300:]}"
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err[:500]
    assert "Traceback" not in captured.err and "Warning" not in captured.err
    return lines[0]


def leaves(model: type[BaseModel], prefix: tuple = ()):
    """(path, bare type, constraints, optional) for every leaf field; list items of models at index 0."""
    from pcnsim.config.docgen import strip_annotation

    for name, field in model.model_fields.items():
        bare, metadata, optional = strip_annotation(field.annotation)
        metadata = list(field.metadata) + metadata
        path = prefix + (name,)
        item = get_args(bare)[0] if get_origin(bare) is list else None
        if isinstance(bare, type) and issubclass(bare, BaseModel):
            yield from leaves(bare, path)
        elif isinstance(item, type) and issubclass(item, BaseModel):
            yield from leaves(item, path + (0,))
        else:
            yield path, bare, metadata, optional


def sections(model: type[BaseModel], prefix: tuple = ()):
    """The path of every mapping in the model, the top level first."""
    from pcnsim.config.docgen import strip_annotation

    yield prefix
    for name, field in model.model_fields.items():
        bare, _, _ = strip_annotation(field.annotation)
        item = get_args(bare)[0] if get_origin(bare) is list else None
        if isinstance(bare, type) and issubclass(bare, BaseModel):
            yield from sections(bare, prefix + (name,))
        elif isinstance(item, type) and issubclass(item, BaseModel):
            yield from sections(item, prefix + (name, 0))


def _bound(metadata, kinds):
    for meta in metadata:
        for kind, attribute in kinds:
            if isinstance(meta, kind):
                return kind, getattr(meta, attribute)
    return None, None


def bad_values(bare: Any, metadata: list, optional: bool) -> list:
    """Values the field must refuse."""
    from pcnsim.config.docgen import strip_annotation

    low_kind, low = _bound(metadata, [(at.Ge, "ge"), (at.Gt, "gt")])
    high_kind, high = _bound(metadata, [(at.Le, "le"), (at.Lt, "lt")])
    max_length = next((m.max_length for m in metadata if isinstance(m, at.MaxLen)), None)
    out: list = []
    if bare is int:
        out += [True, 2.5, 3.0, "3", [1], {"k": 1}]
        if low is not None:
            out.append(int(low) - 1 if low_kind is at.Ge else int(low))
        if high is not None:
            out += [int(high) + 1 if high_kind is at.Le else int(high), 10**30]
    elif bare is float:
        out += [True, "0.5", [0.5], {"k": 0.5}, math.nan, math.inf, -math.inf]
        if low is not None:
            out.append(low - max(1.0, abs(low)) if low_kind is at.Ge else low)
        if high is not None:
            out += [high + max(1.0, abs(high)) if high_kind is at.Le else high, 1e300]
    elif get_origin(bare) is Literal:
        out += ["no_such_choice", 3, True]
    elif bare is str:
        out += [5, ["x"], "a\x00b"]
        if max_length:
            out.append("x" * (max_length + 1))
    elif get_origin(bare) is list:
        item, item_meta, _ = strip_annotation(get_args(bare)[0])
        out += ["text", 5, [None]]
        good = "v" if item is str else 0.5
        if max_length:
            out.append([f"{good}{i}" if item is str else good for i in range(max_length + 1)])
        out.append([bad_values(item, item_meta, False)[0]])
    elif get_origin(bare) is tuple:
        n = len(get_args(bare))
        out += ["text", [0.1] * (n - 1), [0.1] * (n + 1), [math.nan] + [0.1] * (n - 1), [-1.0] + [0.1] * (n - 1),
                [0.0] * n, [math.inf] * n]
    if not optional:
        out.append(None)
    return out


def nested(path: tuple, value: Any) -> dict:
    """{a: {b: [{c: value}]}} for path (a, b, 0, c)."""
    for part in reversed(path):
        value = [value] if isinstance(part, int) else {part: value}
    return value


def merged(base: dict, path: tuple, value: Any) -> dict:
    """A copy of base with value at path (list items created where missing)."""
    import copy

    data = copy.deepcopy(base)
    node: Any = data
    for depth, part in enumerate(path[:-1]):
        following = path[depth + 1]
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(part, int):
            while len(node) <= part:
                node.append(copy.deepcopy(empty))
            if not isinstance(node[part], type(empty)):
                node[part] = empty
        elif not isinstance(node.get(part), type(empty)):
            node[part] = empty
        node = node[part]
    if isinstance(path[-1], int):
        while len(node) <= path[-1]:
            node.append({})
    node[path[-1]] = value
    return data


def duplicate_key_text(path: tuple, value: Any) -> str:
    """YAML with the last key of path given twice (the same value both times)."""
    lines, indent = [], ""
    for part in path[:-1]:
        if isinstance(part, int):
            continue
        lines.append(f"{indent}{part}:")
        indent += "  "
    if len(path) > 1 and isinstance(path[-2], int):  # inside a list item
        scalar = yaml.safe_dump(value, default_flow_style=True).splitlines()[0]
        lines.append(f"{indent}- {path[-1]}: {scalar}")
        lines.append(f"{indent}  {path[-1]}: {scalar}")
    else:
        scalar = yaml.safe_dump(value, default_flow_style=True).splitlines()[0]
        lines += [f"{indent}{path[-1]}: {scalar}"] * 2
    return "\n".join(lines) + "\n"


def flow(value: Any) -> str:
    """A value as one line of YAML, as typed after `--set key=`."""
    return yaml.safe_dump([value], default_flow_style=True, width=10**9).strip()[1:-1]


def dotted(path: tuple) -> str:
    return ".".join(map(str, path))
