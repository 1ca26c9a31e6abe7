"""One-line errors for the user: ScenarioError, and pydantic's errors turned into one line.

Every bad input ends as `error: FILE: field.path: what is allowed` on stderr
and exit status 2 (pcnsim.cli.main); this module says how the line reads.
"""

from __future__ import annotations

import re
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_SHOWN = 60  # characters of a bad value quoted back in a message


class ScenarioError(ValueError):
    """A scenario that cannot be run; the message is one line for the user (control characters escaped)."""

    def __init__(self, message: str):
        super().__init__(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(message)))


def shown(value: Any) -> str:
    """A value as the user wrote it, shortened to one readable fragment."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 5] + " ...)"


def _tags(annotation: Any) -> dict[str, Any]:
    """The members of a tagged union by tag (pydantic puts the tag in an error's location)."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) not in (Union, types.UnionType):
        return {}
    tagged = {}
    for member in get_args(annotation):
        for meta in getattr(member, "__metadata__", ()):
            if isinstance(meta, Tag):
                tagged[meta.tag] = member
    return tagged


def _unwrap(annotation: Any) -> Any:
    """The type inside Annotated[...] and Optional[...]."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (Union, types.UnionType) and not _tags(annotation):
            members = [a for a in get_args(annotation) if a is not type(None)]
            models = [m for m in map(_unwrap, members) if isinstance(m, type) and issubclass(m, BaseModel)]
            annotation = models[0] if models else members[0]
        else:
            return annotation


def _walk(schema: type[BaseModel], loc: tuple) -> tuple[tuple, Any]:
    """An error location without union tags, and the type found there (through lists, dicts and unions)."""
    node: Any = schema
    path = []
    for part in loc:
        tagged = _tags(node)
        if part in tagged:
            node = tagged[part]
            continue
        path.append(part)
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            node = node.model_fields[part].annotation if part in node.model_fields else Any
            continue
        origin = get_origin(node)
        args = get_args(node)
        node = (args[-1] if origin is dict else args[0]) if origin in (list, tuple, dict) and args else Any
    return tuple(path), _unwrap(node)


def _describe(schema: type[BaseModel], error: dict) -> tuple[str, str]:
    loc, _ = _walk(schema, tuple(error["loc"]))
    path = ".".join(str(p) for p in loc)  # empty for a rule across sections, whose message names the fields
    if error["type"] == "extra_forbidden":
        _, parent = _walk(schema, tuple(error["loc"])[:-1])
        allowed = list(parent.model_fields) if isinstance(parent, type) and issubclass(parent, BaseModel) else []
        return path, "unknown key; allowed: " + ", ".join(allowed)
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if "input" in error and error["type"] not in ("missing",) and not isinstance(error["input"], dict):
        message += f" (got {shown(error['input'])})"
    return path, message


def first_error(exc: ValidationError) -> dict:
    """The problem to report: an unknown key first (often a misspelt one), then a wrong value, then a missing one."""
    return min(exc.errors(), key=lambda e: {"extra_forbidden": 0, "missing": 2}.get(e["type"], 1))


def one_line(schema: type[BaseModel], exc: ValidationError, source: str) -> ScenarioError:
    """The first problem pydantic found, as one line naming the source, the field and what is allowed."""
    path, message = _describe(schema, first_error(exc))
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return ScenarioError(f"{source}: {path + ': ' if path else ''}{message}{suffix}")
