"""YAML for user input: safe tags only, no duplicate keys, and bounded nesting and alias expansion.

PyYAML's safe loader lets the last of two equal keys win, composes nesting
recursively (a few hundred levels end in RecursionError) and lets aliases
share nodes, so a few lines can stand for billions of values ("billion
laughs") that validation then walks. This loader refuses all three with one
line, before anything is built: nesting is counted while composing, and the
size of the document with every alias expanded is counted over the composed
nodes (each node once), never by expanding it.

Numbers in exponent form without a dot (`1e-3`) are floats here, as in YAML 1.2
and JSON; the dumper quotes strings that would read back as such floats.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from .errors import ScenarioError

MAX_DEPTH = 32  # nested lists and mappings; a scenario needs 4
MAX_NODES = 100_000  # values in the document with every alias expanded; a scenario has a few hundred

_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")


class Loader(yaml.SafeLoader):
    """SafeLoader that counts nesting while composing and refuses duplicate keys."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        if self._depth > MAX_DEPTH:
            mark = self.peek_event().start_mark
            raise _Refused(f"line {mark.line + 1}: nested more than {MAX_DEPTH} levels deep")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode):
            first: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    earlier = first.get(key)
                except TypeError:
                    continue  # an unhashable key: the base constructor refuses it
                if earlier is not None:
                    raise _Refused(f"line {line}: key {key!r} appears twice (first on line {earlier}); "
                                   "give each key once")
                first[key] = line
        return super().construct_mapping(node, deep=deep)


Loader.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789."))


class Dumper(yaml.SafeDumper):
    """SafeDumper that reads numbers as Loader does, so what it writes reads back the same."""


Dumper.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789."))


class _Refused(Exception):
    """A document this loader will not build; the message is one line without the source."""


def _expanded_size(root: Node) -> int:
    """How many nodes the document has with every alias expanded, counting each distinct node once.

    Stops as soon as the count passes MAX_NODES; a node that contains itself
    (an alias to an enclosing anchor) is refused.
    """
    size: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            total = 1 + sum(size[id(c)] for c in _children(node))
            if total > MAX_NODES:
                raise _Refused(f"line {node.start_mark.line + 1}: with its aliases expanded the document holds "
                               f"over {MAX_NODES:,} values; write the values out instead of nesting aliases")
            size[key] = total
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise _Refused(f"line {node.start_mark.line + 1}: an alias refers to a value that contains it")
        open_nodes.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                raise _Refused(f"line {child.start_mark.line + 1}: an alias refers to a value that contains it")
            if id(child) not in size:
                stack.append((child, False))
    return size[id(root)]


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def parse(text: str, source: str) -> Any:
    """The one YAML document in `text`, or ScenarioError with one line naming `source`."""
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node)
        return loader.construct_document(node)
    except _Refused as exc:
        raise ScenarioError(f"{source}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ScenarioError(f"{source}: malformed YAML{where}: {problem}") from None
    finally:
        loader.dispose()


def dump(data: Any) -> str:
    """Data as block YAML in the order given, readable back by parse."""
    return yaml.dump(data, Dumper=Dumper, sort_keys=False)
