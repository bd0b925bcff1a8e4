"""The dashboard: one self-contained HTML page (no CDN, no network) with the graph as SVG.

Releases are laid out in waves (released first, then what can ship now, then what waits),
holds on the left, PRs and issues on the right, repos last; every node carries its status
as a class (``status-blocked``) and clicking one shows its explanation. A filter box and a
switch that hides the parts of split PRs keep large plans usable.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

from release_gate.evaluate import Change, Evaluation
from release_gate.graph import Node, NodeKind, hold_node, release_node
from release_gate.plan.model import ItemRef
from release_gate.report import svg, text
from release_gate.report._common import (
    chain,
    deadline_text,
    fmt_time,
    reason_text,
    release_detail,
    status_text,
    verdict_line,
)
from release_gate.report.graph import FILL
from release_gate.untrusted import clean

__all__ = ["render"]


def _h(text: str) -> str:
    """Clean, then escape for HTML: text from outside shows its control characters, never acts on them."""
    return html.escape(clean(text))


def _explanations(evaluation: Evaluation) -> dict[str, str]:
    found: dict[str, str] = {}
    for verdict in evaluation.releases:
        found[release_node(verdict.id)] = text.render_release(evaluation, verdict.id)
    for hold in evaluation.holds:
        found[hold_node(hold.id)] = text.render_hold(evaluation, hold.id)
    for node in evaluation.nodes:
        if node.kind in (NodeKind.PR, NodeKind.ISSUE) and node.ref is not None:
            found[node.id] = _item_text(evaluation, node.ref, node)
        elif node.kind is NodeKind.REPO:
            found[node.id] = f"repository {clean(node.label)}\n"
    return found


def _item_text(evaluation: Evaluation, ref: ItemRef, node: Node) -> str:
    if node.kind is NodeKind.PR:
        return text.render_pr(evaluation, evaluation.pr(ref))
    return f"{clean(node.label)}: {clean(evaluation.node_status.get(node.id, ''))}\n"


_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; }
.meta { color: #555; margin-bottom: 1rem; }
.verdict { font-weight: 600; margin: .5rem 0 1rem; }
.toolbar { margin: .5rem 0; display: flex; gap: 1rem; align-items: center; }
#canvas { overflow: auto; border: 1px solid #ddd; max-height: 70vh; }
.node rect { stroke: #333; stroke-width: 1; fill: #fff; }
.node { cursor: pointer; }
.node.selected rect { stroke-width: 3; }
.node text.label { font-weight: 600; font-size: 12px; }
.node text.status { font-size: 11px; fill: #444; }
.edge { fill: none; stroke: #999; stroke-width: 1.2; }
.edge.kind-in-repo { stroke-dasharray: 3 3; stroke: #ccc; }
.hidden { display: none; }
#explain { background: #f6f8fa; padding: .8rem; white-space: pre-wrap; min-height: 3rem; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
.legend span { display: inline-block; padding: .1rem .4rem; margin-right: .3rem; border: 1px solid #333; }
.strip { display: flex; align-items: center; margin: .2rem 0; }
.strip .who { width: 16rem; }
.strip .bar { display: flex; flex: 1; height: 1rem; border: 1px solid #999; }
.segment { display: inline-block; height: 100%; }
"""

_SCRIPT = """
(function () {
  const explanations = JSON.parse(document.getElementById("explanations").textContent);
  const panel = document.getElementById("explain");
  function show(node) {
    document.querySelectorAll(".node.selected").forEach(n => n.classList.remove("selected"));
    node.classList.add("selected");
    panel.textContent = explanations[node.dataset.id] || node.dataset.id;
  }
  document.querySelectorAll(".node").forEach(node => {
    node.addEventListener("click", () => show(node));
    node.addEventListener("keydown", event => { if (event.key === "Enter") show(node); });
  });
  const filter = document.getElementById("filter");
  const parts = document.getElementById("collapse");
  function refresh() {
    const words = filter.value.trim().toLowerCase();
    const hidden = new Set();
    document.querySelectorAll(".node").forEach(node => {
      const off = (words && !node.dataset.label.toLowerCase().includes(words)) ||
                  (parts.checked && node.classList.contains("part"));
      node.classList.toggle("hidden", off);
      if (off) hidden.add(node.dataset.id);
    });
    document.querySelectorAll(".edge").forEach(edge => {
      edge.classList.toggle("hidden", hidden.has(edge.dataset.source) || hidden.has(edge.dataset.target));
    });
  }
  filter.addEventListener("input", refresh);
  parts.addEventListener("change", refresh);
})();
"""


def _strips(evaluation: Evaluation, steps: Sequence[Change]) -> str:
    """One strip per release and hold: coloured segments from one status change to the next."""
    if not steps:
        return ""
    start, end = steps[0].when, evaluation.as_of
    span = max((end - start).total_seconds(), 1.0)
    rows = []
    for kind, item_id in dict.fromkeys((s.kind, s.id) for s in steps):
        mine = [s for s in steps if (s.kind, s.id) == (kind, item_id)]
        cells = []
        for index, step in enumerate(mine):
            until = mine[index + 1].when if index + 1 < len(mine) else end
            width = max(100 * (until - step.when).total_seconds() / span, 0.5)
            fill = FILL.get(step.after, "#fff")
            label = f"{step.after} from {fmt_time(step.when)}"
            cells.append(
                f'<span class="segment status-{step.after}" style="width:{width:.2f}%;background:{fill}" '
                f'title="{_h(label)}"></span>'
            )
        who = f'<span class="who">{kind} {_h(item_id)}</span>'
        rows.append(f'<div class="strip">{who}<span class="bar">{"".join(cells)}</span></div>')
    return f"<h2>Timeline</h2><p class='meta'>From {_h(fmt_time(start))} to {_h(fmt_time(end))}.</p>" + "".join(rows)


def render(evaluation: Evaluation, steps: Sequence[Change] = ()) -> str:
    """Render the evaluation as one self-contained HTML page; *steps* (a timeline) adds a strip per release."""
    plan = evaluation.plan
    graph = svg.graph_svg(evaluation)
    colours = "".join(
        f".node.status-{status.replace(' ', '-')} rect {{ fill: {fill}; }}" for status, fill in sorted(FILL.items())
    )
    legend = "".join(f'<span style="background:{fill}">{_h(status)}</span>' for status, fill in sorted(FILL.items()))
    rows = []
    for verdict in evaluation.releases:
        why = "<br>".join(
            "&nbsp;" * 4 * depth + _h(reason_text(step)) for reason in verdict.blockers for depth, step in chain(reason)
        )
        rows.append(
            f"<tr class='status-{verdict.status}'><td>{_h(verdict.id)}</td>"
            f"<td>{_h(verdict.repo.slug)} <code>{_h(str(verdict.release.requirement))}</code></td>"
            f"<td><b>{_h(status_text(verdict))}</b><br>{_h(release_detail(verdict))}</td>"
            f"<td>{_h(deadline_text(verdict.deadline))}</td><td>{why}</td></tr>"
        )
    explanations = json.dumps(_explanations(evaluation), sort_keys=True).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_h(plan.name)} · release-gate</title>
<style>{_STYLE}{colours}</style>
</head>
<body>
<h1>{_h(plan.name)}</h1>
<div class="meta">State: {_h(evaluation.source)}, read {_h(fmt_time(evaluation.taken_at))};
verdicts as of {_h(fmt_time(evaluation.as_of))}.</div>
<div class="verdict">{_h(verdict_line(evaluation))}</div>
<div class="legend">{legend}</div>
<div class="toolbar">
<label>Filter <input id="filter" type="search" placeholder="kubespawner, #205…"></label>
<label><input id="collapse" type="checkbox"> hide the parts of split PRs</label>
</div>
<div id="canvas">{graph}</div>
<h2>Explanation</h2>
<pre id="explain">Click a node to see why it stands where it does.</pre>
<h2>Releases</h2>
<table><thead><tr><th>Release</th><th>Wants</th><th>Status</th><th>Deadline</th><th>Why</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
{_strips(evaluation, steps)}
<script type="application/json" id="explanations">{explanations}</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""
