"""The dependency graph drawn as SVG: for the dashboard, and as a standalone picture (``graph --format svg``).

Pure: an `Evaluation` in, SVG text out; text from outside is cleaned and escaped, and the
picture carries its own style and a small script (zoom, pan, expand), so that the
dashboard and the standalone file look and behave the same.

The drawing
    Layered, left to right: every edge points from what depends to what it depends on, so
    that it reads as a sentence (``chart`` *after* ``kubespawner``, ``kubespawner`` *needs*
    ``#230``). The layers come from `release_gate.graph.layer_ranks`, the order within each
    layer from `release_gate.report._graph_layout` (median sweeps, few crossings). Each
    repository is a lane: a labelled band holding its releases, PRs and issues (a hold is
    in the lane of the PRs it holds, or in a lane *across repositories*). Edges have an
    arrowhead and a style per kind; each node is filled with its status's colour
    (``report.graph.FILL``: Paul Tol's colours, apart for colour-blind readers too) and says
    its status in words. A proposed release is dashed and white, with its status colour in
    a stripe: it never blocks the plan. Plans of `COLLAPSE_AT` nodes or more draw each
    family of split PRs and each hold as one node that expands when clicked.

The contract with the page (``report/html.py`` embeds `graph_svg`)
    ``svg#graph``
        ``viewBox`` and ``width="100%"`` (it scales to its container; the standalone file
        has its size in pixels instead); ``data-width``/``data-height``: its natural size
        in pixels; ``data-crossings``: the layout's edge crossings; ``data-collapsed``:
        ``"true"`` when families and holds are drawn as groups; ``data-zoom``: the current
        zoom factor (the script keeps it up to date).
    ``g.viewport``
        Everything that zooms and pans (lanes, edges, nodes); the script sets its
        ``transform``. The legend (``g.legend``) and the zoom buttons (``g.zoom-controls``)
        stay put.
    ``g.node``
        One per graph node, and nothing else has the class: ``data-id`` (the node id, the
        key of the page's explanations), ``data-label``, ``data-kind`` (``release``,
        ``pr``, ``issue``, ``hold``, ``repo``), ``data-status`` (the status word, empty for
        a repo) and ``data-lane`` (the id of the repo whose lane it is in, empty across
        repositories); classes ``kind-<kind>``, ``status-<status>`` (spaces as ``-``;
        ``status-none`` for a repo), and as they apply ``lane`` (a repository: the band
        itself is the node), ``proposed``, ``part`` (a part of a split PR), ``group`` (a
        collapsed family or hold: ``data-members`` lists its members' ids, separated by
        spaces; ``aria-expanded`` and the class ``expanded`` say whether it is open) and
        ``member`` (a node inside a group; ``data-group`` is the group's id).
    ``g.members``
        A group's members, with ``data-group``; shown while it has the class ``expanded``.
    ``path.edge``
        One per edge drawn: ``data-source``, ``data-target``, ``data-kind``, class
        ``kind-<kind>``. Edges into a repository are not drawn (the lanes show them); in a
        collapsed plan an edge to a member is drawn to its group.
    ``[data-graph-zoom]``
        Any element of the page with ``data-graph-zoom="in"``, ``"out"`` or ``"fit"``
        zooms the graph when clicked (the picture has three such buttons of its own).
    Behaviour
        The mouse wheel zooms about the pointer; dragging pans (a drag is never taken for a
        click on a node); clicking a group (or Enter or Space on it) expands or closes it.
        The page may add listeners to ``.node`` (the dashboard explains a node on click)
        and may hide nodes and edges with its own classes.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from release_gate.evaluate import Evaluation
from release_gate.graph import Edge, EdgeKind, Node, NodeKind, layer_ranks
from release_gate.report._common import fmt_time
from release_gate.report._graph_layout import DUMMY, Layout, layout
from release_gate.report.graph import EDGE_WORD, FILL, ink, proposed_nodes
from release_gate.untrusted import clean

__all__ = ["COLLAPSE_AT", "EDGE_STYLE", "crossings", "graph_svg", "render_svg"]

COLLAPSE_AT = 1000
"""From this many graph nodes on, each family and each hold is drawn as one expandable node."""

SHARED_LANE = ""
"""The lane of a hold whose PRs are in several repositories."""

_W, _H, _DUMMY_H, _GAP_X, _GAP_Y = 188, 44, 6, 64, 10
_MARGIN, _LANE_TOP, _LANE_BOTTOM = 16, 22, 10
_CHAR, _LABEL_CHARS = 7.0, 24


@dataclass(frozen=True, slots=True)
class EdgeStyle:
    """How an edge kind is drawn, and what the legend says of it."""

    colour: str
    dash: str
    width: float
    meaning: str
    hollow: bool = False


EDGE_STYLE = {
    EdgeKind.AFTER: EdgeStyle("#222222", "", 2.0, "release A ships after release B"),
    EdgeKind.NEEDS_PR: EdgeStyle("#4477AA", "", 1.4, "A needs PR B merged"),
    EdgeKind.NEEDS_ISSUE: EdgeStyle("#4477AA", "9 3 2 3", 1.4, "A needs issue B closed"),
    EdgeKind.HOLDS: EdgeStyle("#AA3377", "7 4", 1.6, "hold A keeps PR B from merging"),
    EdgeKind.UNTIL: EdgeStyle("#AA3377", "2 3", 1.6, "hold A lasts until release B is out"),
    EdgeKind.PART_OF: EdgeStyle("#666666", "4 2", 1.2, "PR A is a part of split PR B", hollow=True),
}
"""The edges drawn, by kind (edges into a repository are drawn as its lane)."""


def _h(text: str) -> str:
    """Clean, then escape for SVG: text from outside shows its control characters, never acts on them."""
    return html.escape(clean(text))


def _cut(text: str, chars: int) -> str:
    """Return *text* (cleaned) cut to *chars* characters, with an ellipsis when it was longer."""
    text = clean(text)
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _css(status: str) -> str:
    return status.replace(" ", "-") or "none"


# -- what is drawn ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Scene:
    """The boxes, lanes and edges to draw (with groups in a collapsed plan), before any geometry."""

    boxes: tuple[Node, ...]
    lanes: tuple[tuple[str, str], ...]
    """``(lane id, label)``: a repo node id, or `SHARED_LANE`."""
    lane_of: Mapping[str, str]
    edges: tuple[Edge, ...]
    members: Mapping[str, tuple[Node, ...]] = field(default_factory=dict)


def _lanes(evaluation: Evaluation) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Return each node's lane, and the lanes in the plan's order of repositories."""
    lane_of = {e.source: e.target for e in evaluation.edges if e.kind is EdgeKind.IN_REPO}
    held: dict[str, set[str]] = {}
    until: dict[str, set[str]] = {}
    for edge in evaluation.edges:
        if edge.kind in (EdgeKind.HOLDS, EdgeKind.UNTIL):
            found = held if edge.kind is EdgeKind.HOLDS else until
            found.setdefault(edge.source, set()).add(lane_of.get(edge.target, SHARED_LANE))
    for node in evaluation.nodes:
        if node.kind is NodeKind.HOLD:
            lanes_of_hold = held.get(node.id) or until.get(node.id) or set()
            lane_of[node.id] = next(iter(lanes_of_hold)) if len(lanes_of_hold) == 1 else SHARED_LANE
    by_id = {n.id: n for n in evaluation.nodes}
    declared = [f"repo:{repo.slug.lower()}" for repo in evaluation.plan.repos]
    repos = [r for r in declared if r in by_id] + sorted(
        n.id for n in evaluation.nodes if n.kind is NodeKind.REPO and n.id not in declared
    )
    lanes = [(repo, by_id[repo].label) for repo in repos]
    if SHARED_LANE in lane_of.values():
        lanes.append((SHARED_LANE, "across repositories"))
    return lane_of, lanes


def _groups(evaluation: Evaluation) -> dict[str, list[str]]:
    """Return the groups of a collapsed plan: each family's parent and each hold, with their members."""
    groups: dict[str, list[str]] = {}
    grouped: set[str] = set()
    for edge in evaluation.edges:
        if edge.kind is EdgeKind.PART_OF and edge.source not in grouped and edge.source not in groups:
            groups.setdefault(edge.target, []).append(edge.source)
            grouped.update((edge.source, edge.target))
    for edge in evaluation.edges:
        if edge.kind is EdgeKind.HOLDS and edge.target not in grouped:
            groups.setdefault(edge.source, []).append(edge.target)
            grouped.add(edge.target)
    return groups


def _scene(evaluation: Evaluation) -> _Scene:
    """Return what to draw: every node but the repositories (lanes), and every edge but those into them."""
    lane_of, lanes = _lanes(evaluation)
    drawn = [e for e in evaluation.edges if e.kind is not EdgeKind.IN_REPO]
    boxes = [n for n in evaluation.nodes if n.kind is not NodeKind.REPO]
    if len(evaluation.nodes) < COLLAPSE_AT:
        return _Scene(tuple(boxes), tuple(lanes), lane_of, tuple(drawn))
    groups = _groups(evaluation)
    head = {member: group for group, members in groups.items() for member in members}
    by_id = {n.id: n for n in evaluation.nodes}
    edges = {
        Edge(head.get(e.source, e.source), head.get(e.target, e.target), e.kind)
        for e in drawn
        if head.get(e.source, e.source) != head.get(e.target, e.target)
    }
    members = {group: tuple(by_id[m] for m in sorted(ids)) for group, ids in groups.items()}
    shown = tuple(n for n in boxes if n.id not in head)
    return _Scene(shown, tuple(lanes), lane_of, tuple(sorted(edges)), members)


def _layers(scene: _Scene) -> dict[str, int]:
    """Return each box's layer; a PR or issue that no drawn edge touches goes in the last layer."""
    ids = [n.id for n in scene.boxes]
    layer_of = layer_ranks(ids, [(e.source, e.target) for e in scene.edges])
    touched = {e.source for e in scene.edges} | {e.target for e in scene.edges}
    last = max(layer_of.values(), default=0)
    for node in scene.boxes:
        if node.id not in touched and node.kind in (NodeKind.PR, NodeKind.ISSUE):
            layer_of[node.id] = last
    return layer_of


def _arrange(scene: _Scene) -> Layout:
    """Return the order of every layer (few crossings), in lanes."""
    return layout(
        [n.id for n in scene.boxes],
        [lane for lane, _ in scene.lanes],
        {n.id: scene.lane_of.get(n.id, SHARED_LANE) for n in scene.boxes},
        _layers(scene),
        [(e.source, e.target) for e in scene.edges],
    )


def crossings(evaluation: Evaluation) -> int:
    """Return how many times the edges of the drawn graph cross (``data-crossings`` of the picture)."""
    return _arrange(_scene(evaluation)).crossings


# -- geometry ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Geometry:
    """Where things are: each box's and dummy point's top-left corner, each lane's band, the size."""

    at: Mapping[str, tuple[float, float]]
    bands: tuple[tuple[str, str, float, float], ...]
    """``(lane id, label, top, height)``."""
    width: float
    height: float


def _geometry(scene: _Scene, placed: Layout) -> _Geometry:
    """Stack each lane's cells, centred in the lane's band; lanes one under the other."""
    height_of = dict.fromkeys(placed.lanes, 0.0)
    cells: dict[tuple[str, int], list[str]] = {}
    for index, layer in enumerate(placed.layers):
        for node in layer:
            cells.setdefault((placed.lane_of[node], index), []).append(node)
    for (lane, _), cell in cells.items():
        height_of[lane] = max(height_of[lane], _stack(cell))
    labels = dict(scene.lanes)
    at: dict[str, tuple[float, float]] = {}
    bands = []
    top = float(_MARGIN)
    for lane in placed.lanes:
        inner = max(height_of[lane], _H)
        bands.append((lane, labels.get(lane, ""), top, _LANE_TOP + inner + _LANE_BOTTOM))
        for index in range(len(placed.layers)):
            cell = cells.get((lane, index), [])
            y = top + _LANE_TOP + (inner - _stack(cell)) / 2
            for node in cell:
                at[node] = (_MARGIN + index * (_W + _GAP_X), y)
                y += _size(node) + _GAP_Y
        top += _LANE_TOP + inner + _LANE_BOTTOM
    columns = max(len(placed.layers), 1)
    return _Geometry(at, tuple(bands), 2 * _MARGIN + columns * _W + (columns - 1) * _GAP_X, top + _MARGIN)


def _size(node: str) -> float:
    return _DUMMY_H if node.startswith(DUMMY) else _H


def _stack(cell: Sequence[str]) -> float:
    return sum(_size(n) for n in cell) + _GAP_Y * max(len(cell) - 1, 0)


# -- drawing -------------------------------------------------------------------------------------


def _edge_path(route: Sequence[str], geometry: _Geometry) -> str:
    """Return the path of an edge through its route: curves between layers, straight through dummy points."""
    x, y = geometry.at[route[0]]
    start_x, start_y = x + _W, y + _H / 2
    if len(route) == 2 and geometry.at[route[1]][0] == x:
        end_y = geometry.at[route[1]][1] + _H / 2
        bend = start_x + _GAP_X / 2
        return f"M{start_x:g},{start_y:g} C{bend:g},{start_y:g} {bend:g},{end_y:g} {start_x + 4:g},{end_y:g}"
    parts = [f"M{start_x:g},{start_y:g}"]
    for point in route[1:]:
        px, py = geometry.at[point]
        py += _size(point) / 2
        middle = (start_x + px) / 2
        parts.append(f"C{middle:g},{start_y:g} {middle:g},{py:g} {px:g},{py:g}")
        start_x, start_y = px + _W, py
        if point.startswith(DUMMY):
            parts.append(f"L{start_x:g},{py:g}")
    return " ".join(parts)


def _edges(scene: _Scene, placed: Layout, geometry: _Geometry, labels: Mapping[str, str]) -> list[str]:
    parts = []
    for edge, route in zip(scene.edges, placed.routes, strict=True):
        title = f"{labels[edge.source]} {EDGE_WORD[edge.kind]} {labels[edge.target]}"
        parts.append(
            f'<path class="edge kind-{edge.kind}" data-source="{_h(edge.source)}" data-target="{_h(edge.target)}" '
            f'data-kind="{edge.kind}" marker-end="url(#graph-arrow-{edge.kind})" '
            f'd="{_edge_path(route, geometry)}"><title>{_h(title)}</title></path>'
        )
    return parts


@dataclass(frozen=True, slots=True)
class _Look:
    """What every node needs to know to draw itself: statuses, parts, proposed releases."""

    status: Mapping[str, str]
    parts: frozenset[str]
    proposed: frozenset[str]


def _node(node: Node, x: float, y: float, look: _Look, more: tuple[str, str] = ("", "")) -> str:
    """Return one node: a box filled with its status's colour, its label, and its kind and status in words.

    *more* is more classes (each after a space) and more attributes (each after a space).
    """
    status = look.status.get(node.id, "")
    proposed = node.id in look.proposed
    shown = f"{status} (proposed)" if proposed else status
    classes = f"node kind-{node.kind} status-{_css(status)}"
    classes += (" proposed" if proposed else "") + (" part" if node.id in look.parts else "")
    words = f"{node.kind} · {shown}"
    stripe = f'<rect class="stripe" width="8" height="{_H}" rx="2"/>' if proposed else ""
    return (
        f'<g class="{classes}{more[0]}" data-id="{_h(node.id)}" data-label="{_h(node.label)}" data-kind="{node.kind}" '
        f'data-status="{_h(status)}"{more[1]} tabindex="0" transform="translate({x:g},{y:g})">'
        f"<title>{_h(node.label)}: {_h(words)}</title>"
        f'<rect class="box" width="{_W}" height="{_H}" rx="6"/>{stripe}'
        f'<text x="12" y="18" class="label">{_h(_cut(node.label, _LABEL_CHARS))}</text>'
        f'<text x="12" y="35" class="status">{_h(_cut(words, _LABEL_CHARS + 8))}</text></g>'
    )


def _nodes(scene: _Scene, geometry: _Geometry, look: _Look) -> list[str]:
    parts = []
    for node in scene.boxes:
        x, y = geometry.at[node.id]
        lane = f' data-lane="{_h(scene.lane_of.get(node.id, SHARED_LANE))}"'
        members = scene.members.get(node.id)
        if not members:
            parts.append(_node(node, x, y, look, ("", lane)))
            continue
        ids = " ".join(_h(m.id) for m in members)
        group = f' data-members="{ids}" aria-expanded="false" role="button"{lane}'
        drawn = _node(node, x, y, look, (" group", group))
        count = f'<text x="{_W - 8}" y="18" class="count">+{len(members)} ▸</text>'
        parts.append(drawn.removesuffix("</g>") + count + "</g>")
    return parts


def _panels(scene: _Scene, geometry: _Geometry, look: _Look) -> list[str]:
    """Return each group's members, in a panel under the group (shown while expanded)."""
    parts = []
    for group, members in sorted(scene.members.items()):
        x, y = geometry.at[group]
        height = len(members) * (_H + 6) + 6
        inner = [f'<rect class="panel" x="-6" y="0" width="{_W + 12}" height="{height}" rx="8"/>']
        for index, member in enumerate(members):
            lane = _h(scene.lane_of.get(member.id, SHARED_LANE))
            more = (" member", f' data-group="{_h(group)}" data-lane="{lane}"')
            inner.append(_node(member, 0, 6 + index * (_H + 6), look, more))
        parts.append(
            f'<g class="members" data-group="{_h(group)}" transform="translate({x:g},{y + _H + 4:g})">'
            + "".join(inner)
            + "</g>"
        )
    return parts


def _bands(geometry: _Geometry, repos: Mapping[str, Node]) -> list[str]:
    parts = []
    for lane, label, top, height in geometry.bands:
        band = f'<rect class="band" x="4" y="{top:g}" width="{geometry.width - 8:g}" height="{height - 4:g}" rx="8"/>'
        text = f'<text class="lane-label" x="14" y="{top + 15:g}">{_h(label)}</text>'
        node = repos.get(lane)
        if node is None:
            parts.append(f'<g class="lane shared" data-lane="">{band}{text}</g>')
            continue
        slug = node.id.removeprefix("repo:")
        if slug != node.label.lower():
            text = text.replace("</text>", f' <tspan class="slug">{_h(slug)}</tspan></text>')
        parts.append(
            f'<g class="node lane kind-repo status-none" data-id="{_h(node.id)}" data-label="{_h(node.label)}" '
            f'data-kind="repo" data-status="" data-lane="{_h(node.id)}" tabindex="0">'
            f"<title>repository {_h(node.label)}</title>{band}{text}</g>"
        )
    return parts


# -- legend, header, style and script ------------------------------------------------------------


def _legend_items(evaluation: Evaluation, proposed: bool) -> tuple[list[tuple[float, str]], list[tuple[float, str]]]:
    """Return the legend's two rows of items, each ``(width, SVG at x=0)``: statuses, then edges."""
    used = set(evaluation.node_status.values())
    statuses: list[tuple[float, str]] = []
    for status, fill in FILL.items():
        if status in used:
            swatch = f'<rect class="swatch status-{_css(status)}" width="14" height="14" rx="3" fill="{fill}"/>'
            text = f'<text x="20" y="12">{html.escape(status)}</text>'
            statuses.append((32 + _CHAR * len(status), f"{swatch}{text}"))
    if proposed:
        swatch = '<rect class="swatch proposed" width="14" height="14" rx="3"/>'
        text = '<text x="20" y="12">proposed release (never blocks)</text>'
        statuses.append((32 + _CHAR * 31, f"{swatch}{text}"))
    edges: list[tuple[float, str]] = []
    for kind, style in EDGE_STYLE.items():
        words = f"{EDGE_WORD[kind]} ({style.meaning})"
        line = f'<path class="edge kind-{kind}" d="M0,7 L34,7" marker-end="url(#graph-arrow-{kind})"/>'
        edges.append((48 + _CHAR * len(words), f'{line}<text x="42" y="12">{html.escape(words)}</text>'))
    edges.append(
        (
            48 + _CHAR * 22,
            '<rect class="band" width="34" height="14" rx="3"/><text x="42" y="12">a repository (a lane)</text>',
        )
    )
    return statuses, edges


def _legend(evaluation: Evaluation, width: float, top: float, proposed: bool) -> tuple[str, float]:
    """Return the legend (statuses and edge kinds, wrapped to *width*) and its height."""
    rows = []
    y = top
    for title, items in zip(("Status", "A → B"), _legend_items(evaluation, proposed), strict=True):
        x = _MARGIN + 64.0
        line = [f'<text class="legend-title" x="{_MARGIN}" y="{y + 12:g}">{title}</text>']
        for item_width, drawn in items:
            if x + item_width > width - _MARGIN and x > _MARGIN + 64:
                x, y = _MARGIN + 64.0, y + 22
            line.append(f'<g class="legend-item" transform="translate({x:g},{y:g})">{drawn}</g>')
            x += item_width + 12
        rows.append("".join(line))
        y += 26
    return f'<g class="legend">{"".join(rows)}</g>', y - top


def _header(evaluation: Evaluation) -> tuple[str, float]:
    """Return the standalone picture's title (the plan's name) and the state's time, and its height."""
    when = f"state taken {fmt_time(evaluation.taken_at)}; verdicts as of {fmt_time(evaluation.as_of)}"
    title = f'<text class="title" x="{_MARGIN}" y="{_MARGIN + 16}">{_h(evaluation.plan.name)}</text>'
    line = f'<text class="when" x="{_MARGIN}" y="{_MARGIN + 36}">{_h(when)}</text>'
    return f'<g class="header">{title}{line}</g>', _MARGIN + 48.0


def _controls(width: float, top: float) -> str:
    """Return the zoom buttons (in, out, fit), at the top right."""
    buttons = []
    for index, (action, sign) in enumerate((("in", "+"), ("out", "\u2212"), ("fit", "fit"))):
        x = width - _MARGIN - (3 - index) * 34
        buttons.append(
            f'<g class="zoom-button" data-graph-zoom="{action}" role="button" tabindex="0" '
            f'aria-label="zoom {action}" transform="translate({x:g},{top:g})">'
            f'<rect width="30" height="22" rx="4"/><text x="15" y="15">{sign}</text></g>'
        )
    return f'<g class="zoom-controls">{"".join(buttons)}</g>'


def _style() -> str:
    """Return the picture's style: scoped to ``#graph``, so that it styles nothing else of a page."""
    rules = [
        "#graph { font-family: system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; height: auto; }",
        "#graph text { font-size: 12px; fill: #222; }",
        "#graph .title { font-size: 18px; font-weight: 700; } #graph .when { fill: #444; }",
        "#graph .legend-title { font-weight: 700; }",
        "#graph .band { fill: #f4f6f8; stroke: #d0d7de; } #graph .lane-label { font-weight: 700; fill: #57606a; }",
        "#graph .lane-label .slug { font-weight: 400; }",
        "#graph .node .box { stroke: #333; stroke-width: 1; } #graph .node text.label { font-weight: 700; }",
        "#graph .node text.status { font-size: 11px; } #graph .node text.count { text-anchor: end; }",
        "#graph .node:focus { outline: none; } #graph .node:focus .box { stroke-width: 3; }",
        "#graph .node.group { cursor: pointer; } #graph .node.group.expanded .box { stroke-width: 3; }",
        "#graph .members { display: none; } #graph .members.expanded { display: inline; }",
        "#graph .members .panel { fill: #fff; stroke: #333; stroke-dasharray: 3 2; }",
        "#graph .edge { fill: none; }",
        "#graph .zoom-button { cursor: pointer; } #graph .zoom-button rect { fill: #fff; stroke: #8c959f; }",
        "#graph .zoom-button text { text-anchor: middle; font-weight: 700; }",
        "#graph.panning { cursor: grabbing; }",
    ]
    for status, fill in FILL.items():
        css = _css(status)
        rules.append(f"#graph .node.status-{css} .box, #graph .node.status-{css} .stripe {{ fill: {fill}; }}")
        rules.append(f"#graph .node.status-{css} text {{ fill: {ink(fill)}; }}")
    rules.append(
        "#graph .node.proposed .box, #graph .swatch.proposed { fill: #fff; stroke-dasharray: 5 3; stroke-width: 2; }"
    )
    rules.append("#graph .swatch.proposed { stroke: #333; } #graph .node.proposed text { fill: #222; }")
    for kind, style in EDGE_STYLE.items():
        dash = f" stroke-dasharray: {style.dash};" if style.dash else ""
        rules.append(f"#graph .edge.kind-{kind} {{ stroke: {style.colour}; stroke-width: {style.width};{dash} }}")
    return "<style>" + " ".join(rules) + "</style>"


def _markers() -> str:
    """Return an arrowhead per edge kind (hollow for a part of a split PR)."""
    found = []
    for kind, style in EDGE_STYLE.items():
        fill = "#fff" if style.hollow else style.colour
        found.append(
            f'<marker id="graph-arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" '
            f'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{fill}" '
            f'stroke="{style.colour}" stroke-width="1.2"/></marker>'
        )
    return "<defs>" + "".join(found) + "</defs>"


_SCRIPT = """<script><![CDATA[
(function () {
  var svg = document.getElementById("graph");
  if (!svg || svg.getAttribute("data-ready") === "true") { return; }
  svg.setAttribute("data-ready", "true");
  var view = svg.querySelector(".viewport");
  var zoom = 1, dx = 0, dy = 0, drag = null, moved = false;
  function apply() {
    view.setAttribute("transform", "translate(" + dx + "," + dy + ") scale(" + zoom + ")");
    svg.setAttribute("data-zoom", String(Math.round(zoom * 1000) / 1000));
  }
  function at(event) {
    var point = svg.createSVGPoint();
    point.x = event.clientX; point.y = event.clientY;
    return point.matrixTransform(view.parentNode.getScreenCTM().inverse());
  }
  function middle() {
    var box = view.parentNode.getBBox();
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }
  function scale(factor, point) {
    var next = Math.min(8, Math.max(0.05, zoom * factor));
    dx = point.x - (point.x - dx) * next / zoom; dy = point.y - (point.y - dy) * next / zoom;
    zoom = next; apply();
  }
  svg.addEventListener("wheel", function (event) {
    event.preventDefault();
    scale(Math.exp(-event.deltaY * 0.0015), at(event));
  }, { passive: false });
  svg.addEventListener("pointerdown", function (event) {
    moved = false;
    if (event.button !== 0 || event.target.closest("[data-graph-zoom]")) { return; }
    drag = { start: at(event), dx: dx, dy: dy, id: event.pointerId };
  });
  svg.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    var now = at(event), x = now.x - drag.start.x, y = now.y - drag.start.y;
    if (!moved && Math.abs(x) + Math.abs(y) < 4 / zoom) { return; }
    if (!moved) { moved = true; svg.setPointerCapture(drag.id); svg.classList.add("panning"); }
    dx = drag.dx + x; dy = drag.dy + y; apply();
  });
  function stop() { drag = null; svg.classList.remove("panning"); }
  svg.addEventListener("pointerup", stop);
  svg.addEventListener("pointercancel", stop);
  svg.addEventListener("click", function (event) {
    if (moved) { event.stopPropagation(); event.preventDefault(); moved = false; }
  }, true);
  function control(event) {
    var button = event.target.closest ? event.target.closest("[data-graph-zoom]") : null;
    if (!button) { return; }
    var action = button.getAttribute("data-graph-zoom");
    if (action === "in") { scale(1.25, middle()); }
    else if (action === "out") { scale(0.8, middle()); }
    else { zoom = 1; dx = 0; dy = 0; apply(); }
  }
  document.addEventListener("click", control);
  document.addEventListener("keydown", function (event) { if (event.key === "Enter") { control(event); } });
  function toggle(group) {
    var open = !group.classList.contains("expanded");
    group.classList.toggle("expanded", open);
    group.setAttribute("aria-expanded", open ? "true" : "false");
    svg.querySelectorAll(".members").forEach(function (panel) {
      if (panel.getAttribute("data-group") === group.getAttribute("data-id")) {
        panel.classList.toggle("expanded", open);
      }
    });
  }
  svg.querySelectorAll(".node.group").forEach(function (group) {
    group.addEventListener("click", function () { toggle(group); });
    group.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(group); }
    });
  });
  apply();
})();
]]></script>"""


def _svg(evaluation: Evaluation, *, standalone: bool, interactive: bool = True) -> str:
    """Return the ``<svg id="graph">`` element: header (standalone), legend, zoom buttons, lanes, edges, nodes."""
    scene = _scene(evaluation)
    placed = _arrange(scene)
    geometry = _geometry(scene, placed)
    look = _Look(
        evaluation.node_status,
        frozenset(e.source for e in evaluation.edges if e.kind is EdgeKind.PART_OF),
        proposed_nodes(evaluation),
    )
    width = max(geometry.width, 760.0)
    header, top = _header(evaluation) if standalone else ("", float(_MARGIN))
    legend, legend_height = _legend(
        evaluation, width - (0 if standalone or not interactive else 3 * 34), top, bool(look.proposed)
    )
    top += legend_height + 8
    height = top + geometry.height
    labels = {n.id: n.label for n in evaluation.nodes}
    repos = {n.id: n for n in evaluation.nodes if n.kind is NodeKind.REPO}
    size = f'width="{width:g}" height="{height:g}"' if standalone else 'width="100%"'
    drawing = [*_bands(geometry, repos), *_edges(scene, placed, geometry, labels), *_nodes(scene, geometry, look)]
    drawing += _panels(scene, geometry, look)
    return (
        f'<svg id="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" {size} '
        f'role="img" aria-labelledby="graph-title" data-width="{width:g}" data-height="{height:g}" '
        f'data-crossings="{placed.crossings}" data-collapsed="{str(bool(scene.members)).lower()}" data-zoom="1">'
        f'<title id="graph-title">Dependency graph: {_h(evaluation.plan.name)}</title>{_style()}{_markers()}'
        f"{header}{legend}{_controls(width, _MARGIN if not standalone else top - 34) if interactive else ''}"
        f'<g class="canvas" transform="translate(0,{top:g})"><clipPath id="graph-clip">'
        f'<rect width="{width:g}" height="{geometry.height:g}"/></clipPath><g clip-path="url(#graph-clip)">'
        f'<g class="viewport">{"".join(drawing)}</g></g></g>'
        f"{_SCRIPT if interactive else ''}</svg>"
    )


def render_svg(evaluation: Evaluation, *, interactive: bool = True) -> str:
    """Render the graph alone as a standalone SVG file: title, state's time, legend, the graph.

    Sized in pixels (its natural size). With *interactive* (the default) it has the zoom
    buttons and the script; without (for a PNG), neither.
    """
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{_svg(evaluation, standalone=True, interactive=interactive)}\n'


def graph_svg(evaluation: Evaluation) -> str:
    """Return the graph as an ``<svg id="graph">`` element for the dashboard: legend, zoom buttons, graph.

    It scales to its container (``width="100%"``); the module's docstring gives the classes
    and ``data-`` attributes the page can rely on.
    """
    return _svg(evaluation, standalone=False)
