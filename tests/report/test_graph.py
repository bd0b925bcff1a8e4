"""The graph as Graphviz DOT and Mermaid: every node once, every edge between declared nodes."""

from __future__ import annotations

import re

import pytest

from release_gate import Evaluation
from release_gate.graph import EdgeKind
from release_gate.report.graph import EDGE_WORD, FILL, ink, render_dot, render_mermaid


def test_dot_declares_every_node_and_edge(example: Evaluation) -> None:
    """DOT output declares each node once, with its status, and one line per edge."""
    out = render_dot(example)
    assert out.startswith("digraph release_plan {\n")
    assert out.endswith("}\n")
    declared = re.findall(r'^  "([^"]+)" \[label=', out, flags=re.MULTILINE)
    assert sorted(declared) == sorted(n.id for n in example.nodes)
    assert len(re.findall(r" -> ", out)) == len(example.edges)
    assert '"release:chart" [label="chart\\nblocked"' in out
    assert f'fillcolor="{FILL["blocked"]}", fontcolor="#000000"' in out


def test_mermaid_edges_join_declared_nodes(example: Evaluation) -> None:
    """Every Mermaid edge joins two declared nodes, and every node gets its status class."""
    out = render_mermaid(example)
    lines = out.splitlines()
    assert lines[0] == "flowchart LR"
    declared = {m.group(1) for line in lines if (m := re.match(r"^  (n_\w+)[\[\(\{>]", line))}
    assert len(declared) == len(example.nodes)
    for line in lines:
        edge = re.match(r"^  (n_\w+) (?:-- [a-z ]+ -->|-\. in repo \.->) (n_\w+)$", line)
        if edge:
            assert {edge.group(1), edge.group(2)} <= declared
    assert "  class n_release_chart blocked" in lines
    assert "  class n_pr_jupyterhub_kubespawner_205 held" in lines


def test_dot_and_mermaid_use_the_palette_and_label_every_edge(example: Evaluation) -> None:
    """Both fill each node with FILL (text in ink), label each edge with its kind's word, and dash proposed releases."""
    dot, mermaid = render_dot(example), render_mermaid(example)
    labels = re.findall(r'^  "[^"]+" -> "[^"]+" \[label="([a-z ]+)"', dot, flags=re.MULTILINE)
    assert sorted(labels) == sorted(EDGE_WORD[e.kind] for e in example.edges)
    assert sorted(
        re.findall(r"^  n_\w+ (?:-- ([a-z ]+) -->|-\. (in repo) \.->) n_\w+$", mermaid, flags=re.MULTILINE)
    ) == sorted(
        ("", EDGE_WORD[e.kind]) if e.kind is EdgeKind.IN_REPO else (EDGE_WORD[e.kind], "") for e in example.edges
    )
    for status in set(example.node_status.values()):
        fill = FILL[status]
        assert f"classDef {status.replace(' ', '_')} fill:{fill},color:{ink(fill)},stroke:#333" in mermaid
    assert '"release:batchspawner" [label="batchspawner\\nblocked (proposed)"' in dot
    assert 'style="filled,dashed"' in dot.split('"release:batchspawner"', 1)[1].split("\n", 1)[0]
    assert dot.count("filled,dashed") == 1
    assert "  class n_release_batchspawner proposed" in mermaid.splitlines()


@pytest.mark.parametrize(
    ("fill", "text"), [("#FFFFFF", "#000000"), ("#000000", "#FFFFFF"), ("#EEDD88", "#000000"), ("#332288", "#FFFFFF")]
)
def test_ink_reads_on_its_fill(fill: str, text: str) -> None:
    """Text on a light fill is black, on a dark fill white."""
    assert ink(fill) == text
