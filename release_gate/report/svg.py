"""The dependency graph drawn as SVG: for the dashboard, and as a standalone picture (``graph --format svg``).

Pure: an `Evaluation` in, SVG text out. Every node carries its status as a class
(``status-blocked``) and its explanation's key (``data-id``); text from outside is cleaned
and escaped.
"""

from __future__ import annotations

import html

from release_gate.evaluate import Evaluation
from release_gate.graph import EdgeKind, Node, NodeKind, release_node
from release_gate.report.graph import FILL
from release_gate.untrusted import clean

__all__ = ["graph_svg", "render_svg"]

_WIDTH, _HEIGHT, _GAP_X, _GAP_Y = 200, 46, 70, 18


def _h(text: str) -> str:
    """Clean, then escape for SVG: text from outside shows its control characters, never acts on them."""
    return html.escape(clean(text))


def _columns(evaluation: Evaluation) -> list[list[Node]]:
    """Return the columns: holds, releases by wave (released first), PRs and issues, repos."""
    by_kind: dict[NodeKind, list[Node]] = {}
    for node in evaluation.nodes:
        by_kind.setdefault(node.kind, []).append(node)
    waves: dict[int, list[Node]] = {}
    wave_of = {release_node(r.id): r.wave for r in evaluation.releases}
    for node in by_kind.get(NodeKind.RELEASE, []):
        waves.setdefault(wave_of.get(node.id, 0), []).append(node)
    columns = [by_kind.get(NodeKind.HOLD, [])]
    columns += [waves[w] for w in sorted(waves)]
    columns.append(by_kind.get(NodeKind.PR, []) + by_kind.get(NodeKind.ISSUE, []))
    columns.append(by_kind.get(NodeKind.REPO, []))
    return [c for c in columns if c]


def _svg(evaluation: Evaluation) -> tuple[str, int, int]:
    """Return the graph's ``<svg>`` element, and its width and height."""
    columns = _columns(evaluation)
    place: dict[str, tuple[int, int]] = {}
    for col, nodes in enumerate(columns):
        for row, node in enumerate(nodes):
            place[node.id] = (20 + col * (_WIDTH + _GAP_X), 20 + row * (_HEIGHT + _GAP_Y))
    width = 40 + len(columns) * (_WIDTH + _GAP_X)
    height = 40 + max(len(c) for c in columns) * (_HEIGHT + _GAP_Y)
    parts = [
        (
            f'<svg id="graph" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="dependency graph">'
        )
    ]
    parts_of = {e.source for e in evaluation.edges if e.kind is EdgeKind.PART_OF}
    for edge in evaluation.edges:
        if edge.source not in place or edge.target not in place:
            continue
        (x1, y1), (x2, y2) = place[edge.source], place[edge.target]
        a = (x1 + _WIDTH, y1 + _HEIGHT // 2) if x2 > x1 else (x1, y1 + _HEIGHT // 2)
        b = (x2, y2 + _HEIGHT // 2) if x2 > x1 else (x2 + _WIDTH, y2 + _HEIGHT // 2)
        mid = (a[0] + b[0]) // 2
        parts.append(
            f'<path class="edge kind-{edge.kind}" data-source="{_h(edge.source)}" '
            f'data-target="{_h(edge.target)}" d="M{a[0]},{a[1]} C{mid},{a[1]} {mid},{b[1]} {b[0]},{b[1]}"/>'
        )
    for node in evaluation.nodes:
        x, y = place[node.id]
        status = evaluation.node_status.get(node.id, "")
        extra = " part" if node.id in parts_of else ""
        kind_status = _h(f"{node.kind} · {status}" if status else str(node.kind))
        parts.append(
            f'<g class="node kind-{node.kind} status-{status.replace(" ", "-") or "none"}{extra}" '
            f'data-id="{_h(node.id)}" data-label="{_h(node.label)}" tabindex="0" '
            f'transform="translate({x},{y})"><title>{_h(node.label)}: {_h(status)}</title>'
            f'<rect width="{_WIDTH}" height="{_HEIGHT}" rx="6"/>'
            f'<text x="10" y="19" class="label">{_h(clean(node.label)[:28])}</text>'
            f'<text x="10" y="36" class="status">{kind_status}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts), width, height


_SVG_STYLE = (
    ".node rect { stroke: #333; stroke-width: 1; fill: #fff; } text { font: 12px sans-serif; }"
    " .node text.label { font-weight: 600; } .node text.status { font-size: 11px; fill: #444; }"
    " .edge { fill: none; stroke: #999; stroke-width: 1.2; }"
    " .edge.kind-in-repo { stroke-dasharray: 3 3; stroke: #ccc; }"
)


def render_svg(evaluation: Evaluation) -> str:
    """Render the graph alone as a standalone SVG file (the dashboard's picture, for docs and slides)."""
    svg, _, _ = _svg(evaluation)
    colours = "".join(
        f" .node.status-{status.replace(' ', '-')} rect {{ fill: {fill}; }}" for status, fill in sorted(FILL.items())
    )
    head, _, rest = svg.partition(">")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{head}><style>{_SVG_STYLE}{colours}</style>{rest}\n'


def graph_svg(evaluation: Evaluation) -> str:
    """Return the graph as an ``<svg id="graph">`` element, for the dashboard (styled by the page)."""
    return _svg(evaluation)[0]
