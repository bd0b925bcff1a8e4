"""The dependency graph as Graphviz DOT or Mermaid, coloured by status (labels cleaned: one line each)."""

from __future__ import annotations

import re

from release_gate.evaluate import Evaluation
from release_gate.graph import EdgeKind, NodeKind, release_node
from release_gate.plan.model import Intent
from release_gate.untrusted import clean

__all__ = ["EDGE_WORD", "FILL", "ink", "proposed_nodes", "render_dot", "render_mermaid"]

FILL = {
    "released": "#228833",
    "merged": "#225522",
    "tagged": "#332288",
    "unblocked": "#77AADD",
    "free": "#99DDFF",
    "blocked": "#EE6677",
    "violated": "#882255",
    "held": "#DDAA33",
    "open": "#EEDD88",
    "unknown": "#AA4499",
    "closed": "#BBBBBB",
    "not opened": "#FFFFFF",
}
"""The colour of each status word a node can have, one colour each, from Paul Tol's schemes.

Chosen to stay apart for readers with protanopia, deuteranopia and tritanopia (simulated
with Machado et al. 2009: every two are at least 11 CIEDE2000 apart under each, which
tests/report/test_svg.py checks), and every node says its status in words too.
"""


def ink(fill: str) -> str:
    """Return the text colour for a node filled with *fill* (``#rrggbb``): black or white, whichever reads better.

    >>> ink("#FFFFFF"), ink("#882255")
    ('#000000', '#FFFFFF')
    """
    channels = [int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # WCAG contrast with black is (L + 0.05) / 0.05, with white 1.05 / (L + 0.05): equal at L = 0.179.
    return "#000000" if (luminance + 0.05) ** 2 >= 1.05 * 0.05 else "#FFFFFF"


_SHAPE = {
    NodeKind.REPO: "folder",
    NodeKind.RELEASE: "box",
    NodeKind.PR: "ellipse",
    NodeKind.ISSUE: "note",
    NodeKind.HOLD: "octagon",
}
EDGE_WORD = {
    EdgeKind.AFTER: "after",
    EdgeKind.NEEDS_PR: "needs",
    EdgeKind.NEEDS_ISSUE: "needs",
    EdgeKind.HOLDS: "holds",
    EdgeKind.UNTIL: "until",
    EdgeKind.PART_OF: "part of",
    EdgeKind.IN_REPO: "in repo",
}
"""The word each edge is labelled with: ``chart -- after --> kubespawner`` reads as a sentence."""


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def proposed_nodes(evaluation: Evaluation) -> frozenset[str]:
    """Return the ids of the release nodes still proposed (drawn dashed: they never block the plan)."""
    return frozenset(release_node(r.id) for r in evaluation.releases if r.release.intent is Intent.PROPOSED)


def render_dot(evaluation: Evaluation) -> str:
    """Render the graph as Graphviz DOT (``dot -Tsvg`` draws it): filled by status, edges labelled by kind."""
    lines = ["digraph release_plan {", "  rankdir=LR;", '  node [style=filled, fontname="Helvetica"];']
    proposed = proposed_nodes(evaluation)
    for node in evaluation.nodes:
        status = evaluation.node_status.get(node.id, "")
        shown = f"{status} (proposed)" if node.id in proposed else status
        label = f"{clean(node.label)}\n{clean(shown)}" if status else clean(node.label)
        fill = FILL.get(status, "#FFFFFF")
        style = ', style="filled,dashed", penwidth=2' if node.id in proposed else ""
        lines.append(
            f"  {_quote(clean(node.id))} [label={_quote(label)}, shape={_SHAPE[node.kind]}, "
            f"fillcolor={_quote(fill)}, fontcolor={_quote(ink(fill))}{style}];"
        )
    for edge in evaluation.edges:
        label = EDGE_WORD[edge.kind]
        style = ", style=dotted" if edge.kind is EdgeKind.IN_REPO else ""
        lines.append(f"  {_quote(clean(edge.source))} -> {_quote(clean(edge.target))} [label={_quote(label)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_id(node_id: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", node_id)


def _mermaid_label(text: str) -> str:
    return clean(text).replace('"', "#quot;")


_MERMAID_SHAPES = {
    NodeKind.REPO: ('[/"', '"/]'),
    NodeKind.RELEASE: ('["', '"]'),
    NodeKind.PR: ('("', '")'),
    NodeKind.ISSUE: ('>"', '"]'),
    NodeKind.HOLD: ('{{"', '"}}'),
}


def render_mermaid(evaluation: Evaluation) -> str:
    """Render the graph as a Mermaid flowchart (GitHub renders it in Markdown): filled by status, edges labelled."""
    lines = ["flowchart LR"]
    proposed = proposed_nodes(evaluation)
    for node in evaluation.nodes:
        status = evaluation.node_status.get(node.id, "")
        opening, closing = _MERMAID_SHAPES[node.kind]
        shown = f"{status} (proposed)" if node.id in proposed else status
        label = _mermaid_label(f"{node.label}<br/>{shown}" if status else node.label)
        lines.append(f"  {_mermaid_id(node.id)}{opening}{label}{closing}")
    for edge in evaluation.edges:
        label = EDGE_WORD[edge.kind]
        arrow = f"-. {label} .->" if edge.kind is EdgeKind.IN_REPO else f"-- {label} -->"
        lines.append(f"  {_mermaid_id(edge.source)} {arrow} {_mermaid_id(edge.target)}")
    used = sorted({s for s in evaluation.node_status.values() if s in FILL})
    lines.extend(
        f"  classDef {status.replace(' ', '_')} fill:{FILL[status]},color:{ink(FILL[status])},stroke:#333"
        for status in used
    )
    if proposed:
        lines.append("  classDef proposed stroke-dasharray:5 3,stroke-width:2px")
    for node in evaluation.nodes:
        status = evaluation.node_status.get(node.id, "")
        if status in FILL:
            lines.append(f"  class {_mermaid_id(node.id)} {status.replace(' ', '_')}")
    lines.extend(f"  class {_mermaid_id(node)} proposed" for node in sorted(proposed))
    return "\n".join(lines) + "\n"
