"""The dependency graph as Graphviz DOT or Mermaid, coloured by status (labels cleaned: one line each)."""

from __future__ import annotations

import re

from release_gate.evaluate import Evaluation
from release_gate.graph import EdgeKind, NodeKind
from release_gate.untrusted import clean

__all__ = ["render_dot", "render_mermaid"]

FILL = {
    "released": "#b7e4c7",
    "unblocked": "#d8f3dc",
    "free": "#d8f3dc",
    "merged": "#d8f3dc",
    "closed": "#e9ecef",
    "blocked": "#ffb3b3",
    "violated": "#ff6b6b",
    "held": "#ffe8a3",
    "open": "#fff3cd",
    "unknown": "#d0bfff",
    "tagged": "#cfe2ff",
}
_SHAPE = {
    NodeKind.REPO: "folder",
    NodeKind.RELEASE: "box",
    NodeKind.PR: "ellipse",
    NodeKind.ISSUE: "note",
    NodeKind.HOLD: "octagon",
}
_EDGE_LABEL = {
    EdgeKind.AFTER: "after",
    EdgeKind.NEEDS_PR: "needs",
    EdgeKind.NEEDS_ISSUE: "needs",
    EdgeKind.HOLDS: "holds",
    EdgeKind.UNTIL: "until",
    EdgeKind.PART_OF: "part of",
    EdgeKind.IN_REPO: "",
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_dot(evaluation: Evaluation) -> str:
    """Render the graph as Graphviz DOT (``dot -Tsvg`` draws it)."""
    lines = ["digraph release_plan {", "  rankdir=LR;", '  node [style=filled, fontname="Helvetica"];']
    for node in evaluation.nodes:
        status = evaluation.node_status.get(node.id, "")
        label = f"{clean(node.label)}\n{clean(status)}" if status else clean(node.label)
        fill = FILL.get(status, "#ffffff")
        lines.append(
            f"  {_quote(clean(node.id))} [label={_quote(label)}, shape={_SHAPE[node.kind]}, fillcolor={_quote(fill)}];"
        )
    for edge in evaluation.edges:
        label = _EDGE_LABEL[edge.kind]
        style = ", style=dotted" if edge.kind is EdgeKind.IN_REPO else ""
        lines.append(f"  {_quote(clean(edge.source))} -> {_quote(clean(edge.target))} [label={_quote(label)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_id(node_id: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", node_id)


def _mermaid_label(text: str) -> str:
    return clean(text).replace('"', "#quot;")


def render_mermaid(evaluation: Evaluation) -> str:
    """Render the graph as a Mermaid flowchart (GitHub renders it in Markdown)."""
    lines = ["flowchart LR"]
    shapes = {
        NodeKind.REPO: ('[/"', '"/]'),
        NodeKind.RELEASE: ('["', '"]'),
        NodeKind.PR: ('("', '")'),
        NodeKind.ISSUE: ('>"', '"]'),
        NodeKind.HOLD: ('{{"', '"}}'),
    }
    for node in evaluation.nodes:
        status = evaluation.node_status.get(node.id, "")
        opening, closing = shapes[node.kind]
        label = _mermaid_label(f"{node.label}<br/>{status}" if status else node.label)
        lines.append(f"  {_mermaid_id(node.id)}{opening}{label}{closing}")
    for edge in evaluation.edges:
        label = _EDGE_LABEL[edge.kind]
        arrow = "-.->" if edge.kind is EdgeKind.IN_REPO else f"-- {label} -->"
        lines.append(f"  {_mermaid_id(edge.source)} {arrow} {_mermaid_id(edge.target)}")
    used = sorted({s for s in evaluation.node_status.values() if s in FILL})
    lines.extend(f"  classDef {status.replace(' ', '_')} fill:{FILL[status]},stroke:#333" for status in used)
    for node in evaluation.nodes:
        status = evaluation.node_status.get(node.id, "")
        if status in FILL:
            lines.append(f"  class {_mermaid_id(node.id)} {status.replace(' ', '_')}")
    return "\n".join(lines) + "\n"
