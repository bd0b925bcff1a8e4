"""Reading GitHub's JSON answers by shape: each helper gives the value asked for, or raises `Unreadable`.

Pure. A part of an answer that is not shaped as the query asked is never guessed at: the
readers turn `Unreadable` into `Unknown` (or a failed read), never into a default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from release_gate.times import parse_time

__all__ = ["Unreadable", "child", "count", "flag", "items", "kind", "nodes", "obj", "text", "when"]


class Unreadable(Exception):  # noqa: N818 - a condition of GitHub's answer, not an error of ours
    """A part of GitHub's answer that is not shaped as the query asked."""


def kind(value: object) -> str:
    """Name *value*'s JSON kind for a message: ``null``, ``str``, ``dict``..."""
    return "null" if value is None else type(value).__name__


def obj(value: object, what: str) -> Mapping[str, Any]:
    """Return *value* if it is an object."""
    if not isinstance(value, Mapping):
        raise Unreadable(f"{what} is {kind(value)}, not an object")
    return value


def items(value: object, what: str) -> list[Any]:
    """Return *value* if it is a list."""
    if not isinstance(value, list):
        raise Unreadable(f"{what} is {kind(value)}, not a list")
    return value


def child(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """Return the object ``data[key]``; an empty one for null."""
    value = data.get(key)
    return {} if value is None else obj(value, key)


def text(data: Mapping[str, Any], key: str, *, null: bool = False) -> str:
    """Return the string ``data[key]``; ``""`` for null where *null*."""
    value = data.get(key)
    if value is None and null:
        return ""
    if not isinstance(value, str):
        raise Unreadable(f"{key} is {kind(value)}, not a string")
    return value


def count(data: Mapping[str, Any], key: str) -> int:
    """Return the count ``data[key]``: a whole number, not negative."""
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Unreadable(f"{key} is {kind(value)}, not a count")
    return value


def flag(data: Mapping[str, Any], key: str) -> bool:
    """Return the boolean ``data[key]``."""
    value = data.get(key)
    if not isinstance(value, bool):
        raise Unreadable(f"{key} is {kind(value)}, not true or false")
    return value


def when(data: Mapping[str, Any], key: str) -> dt.datetime | None:
    """Return the time ``data[key]``; ``None`` for null."""
    value = data.get(key)
    if value is None:
        return None
    parsed = parse_time(value) if isinstance(value, str) else None
    if parsed is None:
        raise Unreadable(f"{key} is not an ISO 8601 time")
    return parsed


def nodes(connection: object, what: str, *, null: bool = False) -> list[Mapping[str, Any]]:
    """Return the nodes of *connection*, without null nodes; none for a null connection where *null*."""
    if connection is None and null:
        return []
    found = obj(connection, what).get("nodes")
    if not isinstance(found, list):
        raise Unreadable(f"{what}.nodes is {kind(found)}, not a list")
    return [obj(node, f"{what}.nodes[{i}]") for i, node in enumerate(found) if node is not None]
