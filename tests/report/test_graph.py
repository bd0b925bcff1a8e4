"""The graph as Graphviz DOT and Mermaid: every node once, every edge between declared nodes."""

from __future__ import annotations

import re

from release_gate import Evaluation
from release_gate.report.graph import render_dot, render_mermaid


def test_dot_declares_every_node_and_edge(example: Evaluation) -> None:
    """DOT output declares each node once, with its status, and one line per edge."""
    out = render_dot(example)
    assert out.startswith("digraph release_plan {\n")
    assert out.endswith("}\n")
    declared = re.findall(r'^  "([^"]+)" \[label=', out, flags=re.MULTILINE)
    assert sorted(declared) == sorted(n.id for n in example.nodes)
    assert len(re.findall(r" -> ", out)) == len(example.edges)
    assert '"release:chart" [label="chart\\nblocked"' in out


def test_mermaid_edges_join_declared_nodes(example: Evaluation) -> None:
    """Every Mermaid edge joins two declared nodes, and every node gets its status class."""
    out = render_mermaid(example)
    lines = out.splitlines()
    assert lines[0] == "flowchart LR"
    declared = {m.group(1) for line in lines if (m := re.match(r"^  (n_\w+)[\[\(\{>]", line))}
    assert len(declared) == len(example.nodes)
    for line in lines:
        edge = re.match(r"^  (n_\w+) (?:-- [a-z ]+ -->|-\.->) (n_\w+)$", line)
        if edge:
            assert {edge.group(1), edge.group(2)} <= declared
    assert "  class n_release_chart blocked" in lines
    assert "  class n_pr_jupyterhub_kubespawner_205 held" in lines
