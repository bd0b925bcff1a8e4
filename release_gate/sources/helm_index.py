"""A Helm repository's ``index.yaml``, read for one chart: libyaml parses all of it, Python builds only that chart.

An index of thousands of development builds is megabytes of YAML, and building every entry
as Python objects (``yaml.load``) takes seconds. What release-gate needs is small: the
index's ``apiVersion`` and ``generated``, and for each entry of the chart the plan names its
``name``, ``version`` and ``created``. `read_index` lets libyaml's C parser read every byte
of the file (so a file that is not YAML is still refused as a whole) and builds only those
values, with the same resolver and constructor as ``yaml.safe_load``.

Cutting the text to the chart's lines would be faster still, but cannot be made sound:
libyaml and PyYAML read a quoted scalar or a flow collection across lines whatever their
indentation, so a line that looks like a chart's key or an entry can be inside a string, and
Helm itself writes multi-line quoted descriptions. The event stream has no such doubt.

Whatever `read_index` gives is what ``yaml.safe_load`` gives for those values. Where the
two could differ it gives up (`FullLoadNeeded`) and the caller loads the whole file: an anchor
or alias anywhere (PyYAML refuses an anchor defined twice), an explicit tag anywhere, a
merge key (``<<``) or a collection used as a key anywhere, more than one document, or a
value it builds that is not a scalar (an entry that is not a mapping, a ``version`` that is
a list). The values ``yaml.safe_load`` would fail to build (a plain ``2018-02-30``) fail here
too, wherever they are: every plain scalar that looks like a number or a time is built.
Here ``yaml.safe_load`` means a load with `LOADER`, as release-gate loads a whole index:
libyaml's and PyYAML's own parsers differ at the edges (a tab after a colon).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

__all__ = ["LOADER", "FullLoadNeeded", "read_index"]

LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML was built with it (it is in the wheels PyPI serves), else PyYAML's own."""

FIELDS = frozenset({"name", "version", "created"})
"""What release-gate reads of each entry of a chart."""
_STR = "tag:yaml.org,2002:str"
_NUMERIC = frozenset("0123456789+-.")
"""First characters of the plain scalars that may resolve to a number or a time (and may fail to build)."""
_KEYS_ONLY = frozenset({"=", "<<"})
"""Plain scalars ``yaml.safe_load`` builds as keys only: as values they fail."""


class FullLoadNeeded(Exception):  # noqa: N818 - not an error: the caller loads the whole file instead
    """The file uses YAML that `read_index` does not build alike (an alias, a tag, ...): load it whole."""


_RESOLVE: Callable[[Resolver, type[ScalarNode], str, tuple[bool, bool]], str] = Resolver.resolve
"""PyYAML's resolver of implicit tags (typed here: its stubs leave it untyped)."""


class _Builder(SafeConstructor, Resolver):
    """Resolves and builds single scalars exactly as ``yaml.safe_load`` does."""

    def __init__(self) -> None:
        SafeConstructor.__init__(self)
        Resolver.__init__(self)

    def scalar(self, event: ScalarEvent) -> Any:
        tag = _RESOLVE(self, ScalarNode, event.value, event.implicit)
        try:
            return self.construct_object(ScalarNode(tag, event.value, style=event.style))
        finally:
            self.constructed_objects.clear()

    def check(self, event: ScalarEvent) -> None:
        """Build a plain scalar that may be a number or a time, for the errors ``yaml.safe_load`` would raise."""
        if _RESOLVE(self, ScalarNode, event.value, event.implicit) != _STR:
            self.scalar(event)


# Roles of the collections on the way to what is read.
_OTHER, _ROOT, _ENTRIES, _CHART, _ENTRY = range(5)


class _Walk:
    """One pass over the event stream: a stack of open collections, and what has been read."""

    def __init__(self, chart: str) -> None:
        self.chart = chart
        self.build = _Builder()
        self.index: dict[str, Any] = {}
        self.entries: dict[str, Any] | None = None
        self.items: list[dict[str, Any]] | None = None
        self.entry: dict[str, Any] | None = None
        # One frame per open collection: [role, is a mapping, expects a key, the key read (a mapping's)].
        self.stack: list[list[Any]] = []

    def role_of(self, parent: list[Any]) -> int:
        """Return the role of a collection opening as the value under *parent*'s current key (or item)."""
        role, _, _, key = parent
        if role == _ROOT and key == "entries":
            return _ENTRIES
        if role == _ENTRIES and key == self.chart:
            return _CHART
        if role == _CHART:
            return _ENTRY
        if role in (_ROOT, _ENTRY) and key in ("apiVersion", "generated", *FIELDS):
            raise FullLoadNeeded  # a value read here that is not a scalar
        return _OTHER

    def opened(self, mapping: bool) -> None:
        if not self.stack:
            if not mapping:
                raise FullLoadNeeded
            self.stack.append([_ROOT, True, True, None])
            return
        parent = self.stack[-1]
        if parent[1]:
            if parent[2]:
                raise FullLoadNeeded  # a collection as a key
            parent[2] = True
        role = self.role_of(parent)
        if role == _ENTRIES:
            if not mapping:
                raise FullLoadNeeded
            self.entries = self.index["entries"] = {}
        elif role == _CHART:
            if mapping:
                raise FullLoadNeeded
            assert self.entries is not None
            self.items = self.entries[self.chart] = []
        elif role == _ENTRY:
            if not mapping:
                raise FullLoadNeeded
            assert self.items is not None
            self.entry = {}
            self.items.append(self.entry)
        self.stack.append([role, mapping, True, None])

    def scalar(self, event: ScalarEvent) -> None:
        if not self.stack:
            raise FullLoadNeeded  # a document that is one scalar
        frame = self.stack[-1]
        role, mapping, expects_key, key = frame
        value, plain = event.value, event.implicit[0]
        if plain and value and (value[0] in _NUMERIC or (value in _KEYS_ONLY and not (mapping and expects_key))):
            self.build.check(event)
        if mapping and expects_key:
            if plain and value == "<<":
                raise FullLoadNeeded  # a merge key
            frame[2], frame[3] = False, value if role != _ENTRIES or self._names_chart(event) else None
            return
        if mapping:
            frame[2] = True
        if role == _ROOT and key in ("apiVersion", "generated", "entries"):
            self.index[key] = self.build.scalar(event)
            if key == "entries":
                self.entries = None
        elif role == _ENTRIES and key == self.chart:
            raise FullLoadNeeded  # the chart's value is not a list
        elif role == _CHART:
            raise FullLoadNeeded  # an entry that is not a mapping
        elif role == _ENTRY and key in FIELDS:
            assert self.entry is not None
            self.entry[key] = self.build.scalar(event)

    def _names_chart(self, event: ScalarEvent) -> bool:
        """Whether a key of ``entries`` is the chart's name as ``yaml.safe_load`` reads it (``on`` is True)."""
        return event.value == self.chart and _RESOLVE(self.build, ScalarNode, event.value, event.implicit) == _STR


def read_index(body: bytes | str, chart: str) -> dict[str, Any] | None:
    """Read a Helm index for *chart*: ``apiVersion``, ``generated`` and each entry's name, version and created.

    Returns what ``yaml.safe_load(body)`` has for them, in its shape (``entries`` holding the
    chart alone, each entry only those keys); raises ``yaml.YAMLError`` (or ``ValueError``)
    where ``yaml.safe_load`` would, and `FullLoadNeeded` where the two could differ.
    """
    loader = LOADER(body)
    try:
        return _read(loader, _Walk(chart))
    finally:
        loader.dispose()


def _other(walk: _Walk, frame: list[Any], event: ScalarEvent) -> None:
    """Take a scalar of a collection nothing is read from: check it as `_Walk.scalar` does, and build nothing."""
    value, plain = event.value, event.implicit[0]
    is_key = frame[1] and frame[2]
    if plain and value and (value[0] in _NUMERIC or (value in _KEYS_ONLY and not is_key)):
        walk.build.check(event)
    if is_key:
        if plain and value == "<<":
            raise FullLoadNeeded  # a merge key
        frame[2] = False
    elif frame[1]:
        frame[2] = True


def _read(loader: Any, walk: _Walk) -> dict[str, Any]:
    get, stack = loader.get_event, walk.stack
    documents = 0
    event = get()
    while event.__class__ is not StreamEndEvent:
        kind = event.__class__
        if kind is ScalarEvent:
            if event.tag is not None or event.anchor is not None:
                raise FullLoadNeeded
            if stack and stack[-1][0] == _OTHER:
                _other(walk, stack[-1], event)  # most of a big index: nothing is built there
            else:
                walk.scalar(event)
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.tag is not None or event.anchor is not None:
                raise FullLoadNeeded
            walk.opened(kind is MappingStartEvent)
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            stack.pop()
        elif kind is AliasEvent:
            raise FullLoadNeeded
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise FullLoadNeeded  # yaml.safe_load refuses a stream of several documents
        event = get()
    if documents != 1:
        raise FullLoadNeeded  # an empty stream: yaml.safe_load gives None

    return walk.index
