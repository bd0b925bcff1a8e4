"""The order of a layered drawing: which node goes above which, in lanes, with few edge crossings.

Pure and generic (ids, lanes, layers and edges in; orders out): the SVG picture
(`release_gate.report.svg`) gives each node a layer (``release_gate.graph.layer_ranks``)
and a lane (its repository), and this module orders each layer.

An edge that spans several layers passes a *dummy* point in each layer between its ends,
so that every edge is drawn as segments between neighbouring layers; two segments between
the same two layers cross when their ends are in opposite orders, which is what
`count_crossings` counts (drawn as curves that are monotone in both directions, as the
picture draws them, they cross exactly that often).

Lanes are bands: within a layer the nodes of one lane are together, and the lanes come in
the same order in every layer. The order is found by median sweeps (each node moved to the
median position of its neighbours in the layer before, then after, several times), an
exchange of neighbouring nodes while that removes crossings, and a search over the order
of the lanes (sorted by barycentre, then neighbouring lanes swapped while that helps);
the best order seen is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

__all__ = ["Layout", "count_crossings", "layout"]

_SWEEPS = 8
"""Rounds of down-and-up median sweeps."""
_LANE_SEARCH_LIMIT = 60
"""Lanes past which the swaps of neighbouring lanes (a full count each) are skipped."""
DUMMY = "\x00"
"""The prefix of a dummy point's id (no node id can start with it)."""


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each node and dummy point sits: its layer and lane, and the order of every layer."""

    lanes: tuple[str, ...]
    """The lanes from top to bottom."""
    layers: tuple[tuple[str, ...], ...]
    """Each layer's ids (nodes and dummy points) from top to bottom, lane by lane."""
    layer_of: Mapping[str, int]
    lane_of: Mapping[str, str]
    routes: tuple[tuple[str, ...], ...]
    """For each edge given, the ids it passes: its source, its dummy points, its target."""
    crossings: int
    """The number of edge crossings of this order (`count_crossings`)."""

    @property
    def segments(self) -> tuple[tuple[str, str], ...]:
        """Every piece of every edge between two neighbouring layers."""
        return segments_of(self.routes, self.layer_of)


def segments_of(routes: Iterable[Sequence[str]], layer_of: Mapping[str, int]) -> tuple[tuple[str, str], ...]:
    """Return the pieces of *routes* that join neighbouring layers (a piece within one layer crosses nothing)."""
    return tuple((a, b) for route in routes for a, b in pairwise(route) if layer_of[b] == layer_of[a] + 1)


def count_crossings(layers: Sequence[Sequence[str]], segments: Iterable[tuple[str, str]]) -> int:
    """Return how many pairs of *segments* cross, given each layer's order from top to bottom.

    Each segment joins an id of one layer to an id of the next. Two segments cross when
    their ends are in opposite orders; segments that share an end do not cross.

    >>> count_crossings([["a", "b"], ["c", "d"]], [("a", "d"), ("b", "c")])
    1
    >>> count_crossings([["a", "b"], ["c", "d"]], [("a", "c"), ("b", "d"), ("a", "d")])
    0
    """
    position = {node: index for layer in layers for index, node in enumerate(layer)}
    layer_index = {node: index for index, layer in enumerate(layers) for node in layer}
    between: dict[int, list[tuple[int, int]]] = {}
    for source, target in segments:
        between.setdefault(layer_index[source], []).append((position[source], position[target]))
    return sum(_inversions([target for _, target in sorted(pairs)]) for pairs in between.values())


def _inversions(values: list[int]) -> int:
    """Return how many pairs of *values* are in decreasing order (a Fenwick tree: n log n)."""
    if len(values) < 2:
        return 0
    size = max(values) + 1
    tree = [0] * (size + 1)
    found = 0
    for seen, value in enumerate(values):
        index = value + 1  # how many seen so far are at most value
        at_most = 0
        while index > 0:
            at_most += tree[index]
            index -= index & -index
        found += seen - at_most
        index = value + 1
        while index <= size:
            tree[index] += 1
            index += index & -index
    return found


class _Order:
    """The working order: lanes, and in each layer, each lane's ids (its *cell*)."""

    __slots__ = ("cells", "lane_of", "lanes", "layer_count", "layer_of", "segments", "whole")

    def __init__(
        self,
        lanes: list[str],
        cells: dict[tuple[int, str], list[str]],
        layer_of: Mapping[str, int],
        lane_of: Mapping[str, str],
        segments: Sequence[tuple[str, str]],
    ) -> None:
        self.lanes = lanes
        self.cells = cells
        self.layer_of = layer_of
        self.lane_of = lane_of
        self.segments = segments
        self.layer_count = 1 + max(layer_of.values(), default=0)
        self.whole: dict[str, list[str]] = {}
        """Each id's neighbours: before (``<``) and after (``>``) it, by id and side."""
        for source, target in segments:
            self.whole.setdefault(source + ">", []).append(target)
            self.whole.setdefault(target + "<", []).append(source)

    def layers(self) -> list[list[str]]:
        return [
            [node for lane in self.lanes for node in self.cells.get((index, lane), ())]
            for index in range(self.layer_count)
        ]

    def crossings(self) -> int:
        return count_crossings(self.layers(), self.segments)

    def snapshot(self) -> tuple[list[str], dict[tuple[int, str], list[str]]]:
        return list(self.lanes), {key: list(cell) for key, cell in self.cells.items()}

    def restore(self, saved: tuple[list[str], dict[tuple[int, str], list[str]]]) -> None:
        self.lanes, self.cells = list(saved[0]), {key: list(cell) for key, cell in saved[1].items()}

    def sweep(self, *, down: bool) -> None:
        """Sort each layer's cells by the median position of their ids' neighbours in the layer before (or after)."""
        order = range(1, self.layer_count) if down else range(self.layer_count - 2, -1, -1)
        side = "<" if down else ">"
        layers = self.layers()
        for index in order:
            fixed = {node: at for at, node in enumerate(layers[index - 1 if down else index + 1])}
            for lane in self.lanes:
                cell = self.cells.get((index, lane))
                if not cell or len(cell) < 2:
                    continue
                keys: dict[str, float | None] = {}
                for node in cell:
                    near = sorted(fixed[n] for n in self.whole.get(node + side, ()))
                    keys[node] = _median(near) if near else None
                cell[:] = _sorted_keeping_free(cell, keys)
            layers[index] = [node for lane in self.lanes for node in self.cells.get((index, lane), ())]

    def transpose(self) -> None:
        """Exchange neighbours within a cell while that removes crossings (counted locally)."""
        improved = True
        rounds = 0
        while improved and rounds < _SWEEPS:
            improved, rounds = False, rounds + 1
            layers = self.layers()
            position = {node: at for layer in layers for at, node in enumerate(layer)}
            for cell in self.cells.values():
                for at in range(len(cell) - 1):
                    upper, lower = cell[at], cell[at + 1]
                    if self._pair(upper, lower, position) > self._pair(lower, upper, position):
                        cell[at], cell[at + 1] = lower, upper
                        position[upper], position[lower] = position[lower], position[upper]
                        improved = True

    def _pair(self, upper: str, lower: str, position: Mapping[str, int]) -> int:
        """Count the crossings between the segments of *upper* and those of *lower* when *upper* is above."""
        found = 0
        for side in "<>":
            for a in self.whole.get(upper + side, ()):
                for b in self.whole.get(lower + side, ()):
                    found += position[a] > position[b]
        return found

    def sort_lanes(self) -> None:
        """Order the lanes by the mean position of their ids' neighbours (a lane with none keeps its place)."""
        layers = self.layers()
        position = {node: at / max(len(layer), 1) for layer in layers for at, node in enumerate(layer)}
        sums: dict[str, list[float]] = {lane: [0.0, 0.0] for lane in self.lanes}
        for (_, lane), cell in self.cells.items():
            for node in cell:
                for side in "<>":
                    for near in self.whole.get(node + side, ()):
                        sums[lane][0] += position[near]
                        sums[lane][1] += 1
        keys = {lane: total / count if count else None for lane, (total, count) in sums.items()}
        self.lanes = _sorted_keeping_free(self.lanes, keys)

    def swap_lanes(self, best: int) -> int:
        """Swap neighbouring lanes while that removes crossings; return the crossings after."""
        improved = True
        while improved:
            improved = False
            for at in range(len(self.lanes) - 1):
                self.lanes[at], self.lanes[at + 1] = self.lanes[at + 1], self.lanes[at]
                found = self.crossings()
                if found < best:
                    best, improved = found, True
                else:
                    self.lanes[at], self.lanes[at + 1] = self.lanes[at + 1], self.lanes[at]
        return best


def _median(values: list[int]) -> float:
    middle = len(values) // 2
    return float(values[middle]) if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def _sorted_keeping_free(items: list[str], keys: Mapping[str, float | None]) -> list[str]:
    """Sort *items* by *keys*; an item whose key is None keeps its place, the others fill the rest in order."""
    keyed = sorted((key, at) for at, item in enumerate(items) if (key := keys[item]) is not None)
    moving = iter(items[at] for _, at in keyed)
    return [item if keys[item] is None else next(moving) for item in items]


def _with_dummies(
    edges: Sequence[tuple[str, str]], layer_of: Mapping[str, int], lane_of: Mapping[str, str]
) -> tuple[tuple[tuple[str, ...], ...], dict[str, int], dict[str, str]]:
    """Return each edge's route through a dummy point per layer it passes (in its source's lane)."""
    layers, lanes = dict(layer_of), dict(lane_of)
    routes = []
    for number, (source, target) in enumerate(edges):
        route = [source]
        for step, layer in enumerate(range(layer_of[source] + 1, layer_of[target])):
            dummy = f"{DUMMY}{number}.{step}"
            layers[dummy], lanes[dummy] = layer, lane_of[source]
            route.append(dummy)
        route.append(target)
        routes.append(tuple(route))
    return tuple(routes), layers, lanes


def layout(
    nodes: Sequence[str],
    lanes: Sequence[str],
    lane_of: Mapping[str, str],
    layer_of: Mapping[str, int],
    edges: Sequence[tuple[str, str]],
) -> Layout:
    """Order *nodes* in their layers (*layer_of*) and *lanes* (*lane_of*) so that *edges* cross little.

    Every edge goes from a layer to a later one, or stays within one layer (it is then
    drawn beside the layer and crosses nothing counted). *nodes* and *lanes* give the
    starting order; the same input always gives the same order.
    """
    routes, layer_with, lane_with = _with_dummies(edges, layer_of, lane_of)
    cells: dict[tuple[int, str], list[str]] = {}
    for node in (*nodes, *(point for route in routes for point in route[1:-1])):
        cells.setdefault((layer_with[node], lane_with[node]), []).append(node)
    work = _Order(list(lanes), cells, layer_with, lane_with, segments_of(routes, layer_with))
    best, saved = work.crossings(), work.snapshot()
    for _ in range(2):
        for _ in range(_SWEEPS):
            for down in (True, False):
                work.sweep(down=down)
                work.transpose()
                found = work.crossings()
                if found < best:
                    best, saved = found, work.snapshot()
        work.restore(saved)
        work.sort_lanes()
        found = work.crossings()
        if found < best:
            best, saved = found, work.snapshot()
        work.restore(saved)
        if len(lanes) <= _LANE_SEARCH_LIMIT:
            best = work.swap_lanes(best)
            saved = work.snapshot()
    work.restore(saved)
    return Layout(
        tuple(work.lanes), tuple(tuple(layer) for layer in work.layers()), layer_with, lane_with, routes, best
    )
