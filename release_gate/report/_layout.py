"""Lines and tables fitted to a width, for the terminal report.

A line breaks at spaces, never inside a word (a URL or a ref longer than the line stays whole
and overflows it) nor inside a time (``2018-08-09 18:00 UTC``). A continuation line never
starts with a word that begins with ``:`` or with a space character, so text from outside
cannot start a line with ``::`` (the Actions runner takes such a line, after leading white
space, as a workflow command). Widths count characters; our colour codes count for nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["MIN_WIDTH", "Table", "fit", "visible"]

MIN_WIDTH = 40
"""The narrowest layout: a smaller width is taken as this."""

_MIN_FREE = 20
"""The fewest columns a wrapped free-text column may have before a table gives up its columns."""

_SGR = re.compile(r"\x1b\[[0-9;]*m")
_TIME_TAIL = re.compile(r"\d\d:\d\d\b|UTC\b")
"""The words of a time after its date (``18:00``, ``UTC``): ``2018-08-09 18:00 UTC`` stays on one line."""


def visible(text: str) -> int:
    """Return how many columns *text* takes: its characters, not counting colour codes."""
    return len(_SGR.sub("", text))


def _may_start(word: str) -> bool:
    """Whether a continuation line may start with *word*: not ``:``, a space character, nothing, or a time's tail."""
    plain = _SGR.sub("", word)
    return bool(plain) and not plain[0].isspace() and plain[0] != ":" and not _TIME_TAIL.match(plain)


def _units(text: str) -> list[str]:
    """Split *text* at the spaces a line may break at: each piece is a word and the words that may not start a line."""
    units: list[str] = []
    for word in text.split(" "):
        if units and not _may_start(word):
            units[-1] += " " + word
        else:
            units.append(word)
    return units


def fit(prefix: str, text: str, width: int | None, hang: int | None = None) -> list[str]:
    """Return *prefix* + *text* as lines of at most *width* columns (``None``: one line).

    The first word of *text* stays on the prefix's line; the continuation lines start after
    *hang* spaces (default: under the text, after the prefix), at most half the width.
    """
    start = visible(prefix)
    if width is None or start + visible(text) <= width:
        return [(prefix + text).rstrip()]
    indent = min(start if hang is None else hang, width // 2)
    first, *units = _units(text)
    lines: list[str] = []
    line, size = prefix + first, start + visible(first)
    for unit in units:
        length = visible(unit)
        if size + 1 + length > width:
            lines.append(line.rstrip())
            line, size = " " * indent + unit, indent + length
        else:
            line, size = f"{line} {unit}", size + 1 + length
    lines.append(line.rstrip())
    return lines


def _longest(text: str) -> int:
    """Return the length of the longest piece of *text* that no line may break inside."""
    return max(len(unit) for unit in _units(text))


@dataclass(frozen=True, slots=True)
class Table:
    """A table to lay out: its header, its rows, and how it may give way to a narrow width.

    When it does not fit, the *fold* columns leave the row one by one, until it fits, for
    ``key: value`` lines of their own under it (``deadline: ...``); the *free* column (free
    text: a detail, a note), if any, wraps onto continuation lines under itself. When even
    that does not fit, each row becomes a block of ``key: value`` lines.
    """

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    indent: int = 2
    show_header: bool = True
    free: int | None = None
    fold: tuple[int, ...] = ()

    def lines(self, width: int | None, paint: Callable[[int, str, str], str]) -> list[str]:
        """Lay the table out in *width* columns; *paint(column, padded, cell)* colours a cell."""
        columns = list(range(len(self.header)))
        if width is None or self._fits(columns, width):
            return self._rows(columns, {}, None, paint)
        for column in self.fold:
            columns.remove(column)
            if self._fits(columns, width) and self._folds_fit(columns, width):
                return self._rows(columns, {}, width, paint)
        room = self._room(columns, width)
        if room is not None:
            assert self.free is not None
            return self._rows(columns, {self.free: room}, width, paint)
        return self._records(width, paint)

    def _widths(self, columns: Sequence[int]) -> dict[int, int]:
        shown = [self.header, *self.rows] if self.show_header else list(self.rows)
        return {i: max((len(row[i]) for row in shown), default=0) for i in columns}

    def _fits(self, columns: Sequence[int], width: int) -> bool:
        widths = self._widths(columns)
        return self.indent + sum(widths.values()) + 2 * (len(columns) - 1) <= width

    def _fold_start(self, columns: Sequence[int]) -> int:
        """Return where a folded column's ``key: value`` line starts: under the row's second column."""
        return self.indent + self._widths(columns[:1])[columns[0]] + 2

    def _folds_fit(self, columns: Sequence[int], width: int) -> bool:
        """Whether every word of the columns folded out of *columns* fits on its ``key: value`` line."""
        start = self._fold_start(columns)
        return all(
            start + len(self.header[i]) + 2 + _longest(row[i]) <= width
            for i in set(range(len(self.header))) - set(columns)
            for row in self.rows
        )

    def _room(self, columns: Sequence[int], width: int) -> int | None:
        """Return the width the free column may wrap to, or ``None`` when that would be too narrow."""
        if self.free is None or self.free not in columns:
            return None
        widths = self._widths(columns)
        room = width - (self.indent + sum(w for i, w in widths.items() if i != self.free) + 2 * (len(columns) - 1))
        longest = max((_longest(row[self.free]) for row in self.rows), default=0)
        return room if room >= max(_MIN_FREE, longest) else None

    def _rows(
        self, columns: Sequence[int], wrapped: dict[int, int], width: int | None, paint: Callable[[int, str, str], str]
    ) -> list[str]:
        widths = self._widths(columns) | wrapped
        lines = []
        if self.show_header:
            lines.append((" " * self.indent + "  ".join(self.header[i].ljust(widths[i]) for i in columns)).rstrip())
        for row in self.rows:
            cells = {i: fit("", row[i], widths[i]) if i in wrapped else [row[i]] for i in columns}
            for depth in range(max(len(cell) for cell in cells.values())):
                parts = [
                    paint(i, cells[i][depth].ljust(widths[i]), row[i]) if depth < len(cells[i]) else " " * widths[i]
                    for i in columns
                ]
                lines.append((" " * self.indent + "  ".join(parts)).rstrip())
            for i in sorted(set(range(len(row))) - set(columns)):
                if row[i]:
                    lines.extend(fit(" " * self._fold_start(columns) + f"{self.header[i].lower()}: ", row[i], width))
        return lines

    def _records(self, width: int, paint: Callable[[int, str, str], str]) -> list[str]:
        labels = {i: f"{self.header[i].lower()}: " for i in range(1, len(self.header))}
        pad = max(map(len, labels.values()), default=0)
        lines = []
        for row in self.rows:
            lines.append(" " * self.indent + paint(0, row[0], row[0]))
            for i, label in labels.items():
                if row[i]:
                    prefix = " " * (self.indent + 2) + label.ljust(pad)
                    lines.extend(fit(prefix, paint(i, row[i], row[i]), width))
        return lines
