"""One-line errors for the user: ScenarioError, and pydantic's errors turned into one line.

Every bad input ends as `error: FILE: field.path: what is allowed` on stderr
and exit status 2 (pcnsim.cli.main); this module says how the line reads.
"""

from __future__ import annotations

from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError


class ScenarioError(ValueError):
    """A scenario that cannot be run; the message is one line for the user."""



def _allowed_keys(schema: type[BaseModel], loc: tuple) -> list[str]:
    """Field names allowed at the parent of an error location, for 'unknown key' messages."""
    model: Any = schema
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        model = get_args(annotation)[0] if get_origin(annotation) is list else annotation
    return list(model.model_fields)


def _describe(schema: type[BaseModel], error: dict) -> tuple[str, str]:
    loc = tuple(error["loc"])
    path = ".".join(str(p) for p in loc) or "(top level)"
    if error["type"] == "extra_forbidden":
        return path, "unknown key; allowed: " + ", ".join(_allowed_keys(schema, loc))
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if "input" in error and error["type"] not in ("missing",) and not isinstance(error["input"], dict):
        message += f" (got {error['input']!r})"
    return path, message


def one_line(schema: type[BaseModel], exc: ValidationError, source: str) -> ScenarioError:
    """The first problem pydantic found, as one line naming the source, the field and what is allowed."""
    path, message = _describe(schema, exc.errors()[0])
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return ScenarioError(f"{source}: {path}: {message}{suffix}")
