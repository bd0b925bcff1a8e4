"""The plan as a typed dependency graph: build_graph, ReleaseGraph and find_cycle."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import pytest

from release_gate.graph import (
    Edge,
    EdgeKind,
    Node,
    NodeKind,
    ReleaseGraph,
    build_graph,
    find_cycle,
    hold_node,
    item_node,
    layer_ranks,
    release_node,
    repo_node,
)
from release_gate.plan.model import ItemRef, Plan
from release_gate.plan.reader import load_plan, parse_plan

EXAMPLE_PLAN = Path(__file__).resolve().parent.parent / "config" / "jupyterhub-2018.toml"

KUBE = "jupyterhub/kubespawner"
Z2JH = "jupyterhub/zero-to-jupyterhub-k8s"


@pytest.fixture(scope="module")
def example() -> Plan:
    """Return the example plan of the JupyterHub 2018 meeting."""
    return load_plan(EXAMPLE_PLAN)


@pytest.fixture(scope="module")
def graph(example: Plan) -> ReleaseGraph:
    """Return the graph of the example plan."""
    return build_graph(example)


@pytest.fixture(scope="module")
def small() -> ReleaseGraph:
    """Return the graph of a small inline plan with issues, except-lists and a foreign repo."""
    plan = parse_plan(
        textwrap.dedent("""
            [plan]
            name = "small"

            [repos.kubespawner]
            github = "jupyterhub/kubespawner"

            [repos.hub]
            github = "jupyterhub/jupyterhub"

            [releases.kubespawner]
            version = ">1"
            needs = { prs = ["other/lib#4"], issues = ["kubespawner#50", "hub#51"] }

            [releases.hub-next]
            repo = "hub"
            version = ">2"
            after = ["kubespawner"]

            [families."kubespawner#300"]
            parts = ["kubespawner#301"]

            [holds.big]
            prs = ["kubespawner#300"]
            except = ["kubespawner#301", "kubespawner#302"]
            until = ["hub-next"]

            [[watch]]
            ref = "hub#60"
        """),
        path="small.toml",
    )
    return build_graph(plan)


def node(graph: ReleaseGraph, node_id: str) -> Node:
    """Return the node with *node_id*; fail the test when there is none."""
    found = [n for n in graph.nodes if n.id == node_id]
    assert len(found) == 1, f"{node_id} not in {[n.id for n in graph.nodes]}"
    return found[0]


def edges_of(graph: ReleaseGraph, kind: EdgeKind) -> set[tuple[str, str]]:
    """Return the (source, target) pairs of the edges of *kind*."""
    return {(e.source, e.target) for e in graph.edges if e.kind is kind}


# -- release waves ----------------------------------------------------------------------------


def test_release_waves_of_the_example(graph: ReleaseGraph) -> None:
    """The four Python releases come in the first wave and the chart, which waits on three of them, second."""
    assert graph.release_waves() == (("batchspawner", "jupyterhub", "kubespawner", "oauthenticator"), ("chart",))


@pytest.mark.parametrize(
    ("subset", "waves"),
    [
        (["chart"], (("chart",),)),
        (["chart", "jupyterhub"], (("jupyterhub",), ("chart",))),
        (["chart", "batchspawner"], (("batchspawner", "chart"),)),
        ([], ()),
    ],
)
def test_release_waves_of_a_subset(graph: ReleaseGraph, subset: list[str], waves: tuple[tuple[str, ...], ...]) -> None:
    """Restricted to a subset, waves place only those releases and ignore edges to the others."""
    assert graph.release_waves(subset) == waves


def test_release_waves_of_a_chain(small: ReleaseGraph) -> None:
    """A release after another comes in a later wave."""
    assert small.release_waves() == (("kubespawner",), ("hub-next",))


CHAIN = """
[plan]
name = "chain"

[repos.a]
github = "o/a"

[releases.a]
version = ">1"

[releases.b]
repo = "a"
version = ">1"
after = ["a"]

[releases.c]
repo = "a"
version = ">1"
after = ["b"]

[releases.d]
repo = "a"
version = ">1"
after = ["a", "c"]
"""


@pytest.mark.parametrize(
    ("through", "downstream"),
    [
        ({"a", "b", "c", "d"}, {"a": {"b", "c", "d"}, "b": {"c", "d"}, "c": {"d"}, "d": set()}),
        ({"a", "c"}, {"a": {"b", "d"}, "c": {"d"}}),
        ({"a"}, {"a": {"b", "d"}}),
    ],
)
def test_downstream_passes_through_releases_not_out(through: set[str], downstream: dict[str, set[str]]) -> None:
    """downstream() lists the releases after each one, and after those only where they are not out either."""
    graph = build_graph(parse_plan(CHAIN))
    assert graph.downstream(sorted(through), through) == downstream


# -- nodes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node_id", "kind", "label"),
    [
        ("release:chart", NodeKind.RELEASE, "chart"),
        ("release:kubespawner", NodeKind.RELEASE, "kubespawner"),
        (f"pr:{KUBE}#230", NodeKind.PR, "kubespawner#230"),
        (f"pr:{KUBE}#205", NodeKind.PR, "kubespawner#205"),
        (f"pr:{Z2JH}#758", NodeKind.PR, "z2jh#758"),
        ("pr:jupyterhub/batchspawner#112", NodeKind.PR, "batchspawner#112"),
        ("issue:jupyterhub/jupyterhub#2043", NodeKind.ISSUE, "jupyterhub#2043"),
        (f"repo:{Z2JH}", NodeKind.REPO, "z2jh"),
        ("hold:kubespawner-big-prs", NodeKind.HOLD, "kubespawner-big-prs"),
    ],
)
def test_nodes_have_kinds_and_labels(graph: ReleaseGraph, node_id: str, kind: NodeKind, label: str) -> None:
    """Each node has a typed kind and a short label (release id, repo id, short ref)."""
    found = node(graph, node_id)
    assert found.kind is kind
    assert found.label == label


def test_node_counts_of_the_example(graph: ReleaseGraph) -> None:
    """The example graph has 5 repos, 5 releases, 6 PRs, 2 issues and 2 holds, sorted by id."""
    counts = {kind: sum(1 for n in graph.nodes if n.kind is kind) for kind in NodeKind}
    assert counts == {NodeKind.REPO: 5, NodeKind.RELEASE: 5, NodeKind.PR: 6, NodeKind.ISSUE: 2, NodeKind.HOLD: 2}
    ids = [n.id for n in graph.nodes]
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids))


def test_refs_outside_the_plan_are_labelled_in_full(small: ReleaseGraph) -> None:
    """A PR of a repo the plan does not define is labelled owner/name#N, its repo node by slug."""
    assert node(small, "pr:other/lib#4").label == "other/lib#4"
    assert node(small, "repo:other/lib").label == "other/lib"
    assert node(small, "repo:other/lib").kind is NodeKind.REPO


# -- edges ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target", "kind"),
    [
        ("release:chart", "release:kubespawner", EdgeKind.AFTER),
        ("release:chart", "release:oauthenticator", EdgeKind.AFTER),
        ("release:chart", "release:jupyterhub", EdgeKind.AFTER),
        ("release:kubespawner", f"pr:{KUBE}#230", EdgeKind.NEEDS_PR),
        ("release:kubespawner", f"pr:{KUBE}#232", EdgeKind.NEEDS_PR),
        ("hold:kubespawner-big-prs", f"pr:{KUBE}#205", EdgeKind.HOLDS),
        ("hold:kubespawner-big-prs", "release:kubespawner", EdgeKind.UNTIL),
        ("hold:z2jh-big-prs", "release:chart", EdgeKind.UNTIL),
        (f"pr:{KUBE}#231", f"pr:{KUBE}#205", EdgeKind.PART_OF),
        ("release:chart", f"repo:{Z2JH}", EdgeKind.IN_REPO),
        (f"pr:{KUBE}#230", f"repo:{KUBE}", EdgeKind.IN_REPO),
    ],
)
def test_edges_are_typed(graph: ReleaseGraph, source: str, target: str, kind: EdgeKind) -> None:
    """Edges point from the dependent to what it depends on, with their meaning as kind."""
    assert Edge(source, target, kind) in graph.edges


def test_after_edges_of_the_example(graph: ReleaseGraph) -> None:
    """The only AFTER edges are the chart's three."""
    assert edges_of(graph, EdgeKind.AFTER) == {
        ("release:chart", "release:kubespawner"),
        ("release:chart", "release:oauthenticator"),
        ("release:chart", "release:jupyterhub"),
    }


def test_part_of_edges_go_from_part_to_parent(graph: ReleaseGraph) -> None:
    """Every family part has a PART_OF edge to its parent, and nothing else does."""
    assert edges_of(graph, EdgeKind.PART_OF) == {(f"pr:{KUBE}#{n}", f"pr:{KUBE}#205") for n in (230, 231, 232)}


def test_holds_edges_do_not_include_exceptions(graph: ReleaseGraph) -> None:
    """A hold has HOLDS edges to its held PRs only, not to its except-list."""
    assert edges_of(graph, EdgeKind.HOLDS) == {
        ("hold:kubespawner-big-prs", f"pr:{KUBE}#205"),
        ("hold:z2jh-big-prs", f"pr:{Z2JH}#758"),
    }


def test_every_release_pr_and_issue_is_in_its_repo(graph: ReleaseGraph) -> None:
    """Every release, PR and issue node has exactly one IN_REPO edge, to a repo node."""
    in_repo = edges_of(graph, EdgeKind.IN_REPO)
    kinds = {n.id: n.kind for n in graph.nodes}
    for n in graph.nodes:
        if n.kind in {NodeKind.RELEASE, NodeKind.PR, NodeKind.ISSUE}:
            targets = [t for s, t in in_repo if s == n.id]
            assert len(targets) == 1, n
            assert kinds[targets[0]] is NodeKind.REPO
    assert edges_of(graph, EdgeKind.NEEDS_ISSUE) == set()


def test_needs_issue_edges(small: ReleaseGraph) -> None:
    """A release's needed issues are ISSUE nodes with NEEDS_ISSUE edges."""
    assert edges_of(small, EdgeKind.NEEDS_ISSUE) == {
        ("release:kubespawner", f"issue:{KUBE}#50"),
        ("release:kubespawner", "issue:jupyterhub/jupyterhub#51"),
    }
    assert node(small, f"issue:{KUBE}#50").kind is NodeKind.ISSUE


def test_edges_are_sorted_and_unique(graph: ReleaseGraph) -> None:
    """ReleaseGraph.edges is sorted and lists each edge once."""
    assert list(graph.edges) == sorted(set(graph.edges))


# -- pull requests, issues, dependents ------------------------------------------------------------


def test_pull_requests_of_the_example(graph: ReleaseGraph) -> None:
    """pull_requests() lists every PR the example names, from needs, holds, families and except-lists, sorted."""
    assert graph.pull_requests() == (
        ItemRef("jupyterhub/batchspawner", 112),
        ItemRef(KUBE, 205),
        ItemRef(KUBE, 230),
        ItemRef(KUBE, 231),
        ItemRef(KUBE, 232),
        ItemRef(Z2JH, 758),
    )


def test_pull_requests_include_except_only_prs(small: ReleaseGraph) -> None:
    """A PR named only in a hold's except-list is still among pull_requests()."""
    assert small.pull_requests() == (
        ItemRef(KUBE, 300),
        ItemRef(KUBE, 301),
        ItemRef(KUBE, 302),
        ItemRef("other/lib", 4),
    )


def test_issues_of_the_example(graph: ReleaseGraph) -> None:
    """issues() lists the watched items of the example."""
    assert graph.issues() == (ItemRef("jupyterhub/jupyterhub", 2043), ItemRef(KUBE, 223))


def test_issues_include_needed_and_watched(small: ReleaseGraph) -> None:
    """issues() lists needed issues and watched items together, sorted."""
    assert small.issues() == (
        ItemRef("jupyterhub/jupyterhub", 51),
        ItemRef("jupyterhub/jupyterhub", 60),
        ItemRef(KUBE, 50),
    )


@pytest.mark.parametrize(
    ("node_id", "dependents"),
    [
        ("release:kubespawner", ("hold:kubespawner-big-prs", "release:chart")),
        ("release:chart", ("hold:z2jh-big-prs",)),
        (f"pr:{KUBE}#205", ("hold:kubespawner-big-prs", f"pr:{KUBE}#230", f"pr:{KUBE}#231", f"pr:{KUBE}#232")),
        (f"pr:{KUBE}#230", ("release:kubespawner",)),
        ("release:batchspawner", ()),
        ("release:nope", ()),
    ],
)
def test_dependents(graph: ReleaseGraph, node_id: str, dependents: tuple[str, ...]) -> None:
    """dependents() lists the nodes with an edge to the node (sorted), and nothing for unknown ids."""
    assert graph.dependents(node_id) == dependents


def test_repo_dependents(graph: ReleaseGraph) -> None:
    """A repo's dependents are its releases, PRs and issues."""
    assert graph.dependents(f"repo:{KUBE}") == (
        f"issue:{KUBE}#223",
        f"pr:{KUBE}#205",
        f"pr:{KUBE}#230",
        f"pr:{KUBE}#231",
        f"pr:{KUBE}#232",
        "release:kubespawner",
    )


def test_node_ids_are_kind_and_name(graph: ReleaseGraph) -> None:
    """The node id helpers give the ids the graph uses: kind, colon, the name (repo slugs lower-cased)."""
    ref = ItemRef("JupyterHub/KubeSpawner", 230)
    assert repo_node("JupyterHub/KubeSpawner") == f"repo:{KUBE}"
    assert release_node("chart") == "release:chart"
    assert hold_node("kubespawner-big-prs") == "hold:kubespawner-big-prs"
    assert item_node(NodeKind.PR, ref) == f"pr:{KUBE}#230"
    assert item_node(NodeKind.ISSUE, ref) == f"issue:{KUBE}#230"
    ids = {n.id for n in graph.nodes}
    assert {repo_node(KUBE), release_node("chart"), hold_node("kubespawner-big-prs")} <= ids
    assert item_node(NodeKind.PR, ref) in ids


def test_graph_keeps_its_plan(example: Plan, graph: ReleaseGraph) -> None:
    """The graph keeps the plan it was built from."""
    assert graph.plan is example


# -- find_cycle -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "after",
    [
        {"a": ["a"]},
        {"a": ["b"], "b": ["a"]},
        {"a": ["b"], "b": ["c"], "c": ["a"]},
        {"x": [], "a": ["b", "x"], "b": ["c"], "c": ["a", "x"]},
        {"chart": ["kubespawner"], "kubespawner": ["hub"], "hub": ["kubespawner"]},
    ],
)
def test_find_cycle_returns_a_closed_path(after: dict[str, list[str]]) -> None:
    """find_cycle returns a closed path whose every step is an 'after' entry."""
    cycle = find_cycle(after)
    assert cycle is not None
    assert len(cycle) >= 2
    assert cycle[0] == cycle[-1]
    assert len(set(cycle[:-1])) == len(cycle) - 1
    for source, target in itertools.pairwise(cycle):
        assert target in after[source], (source, target)


@pytest.mark.parametrize(
    ("after", "length"),
    [({"a": ["a"]}, 2), ({"a": ["b"], "b": ["a"]}, 3), ({"a": ["b"], "b": ["c"], "c": ["a"]}, 4)],
)
def test_find_cycle_path_lengths(after: dict[str, list[str]], length: int) -> None:
    """The closed path of a cycle of n releases has n + 1 entries."""
    cycle = find_cycle(after)
    assert cycle is not None
    assert len(cycle) == length


@pytest.mark.parametrize(
    "after",
    [
        {},
        {"a": []},
        {"chart": ["kubespawner"], "kubespawner": []},
        {"a": ["b"], "b": ["c"], "c": []},
        {"a": ["ghost"], "ghost2": ["a"]},
        {"a": ["zzz"]},
    ],
)
def test_find_cycle_returns_none_without_a_cycle(after: dict[str, list[str]]) -> None:
    """find_cycle returns None when there is no cycle among the known ids."""
    assert find_cycle(after) is None


def test_find_cycle_ignores_unknown_ids() -> None:
    """Ids that are not keys of the mapping do not form or close a cycle."""
    assert find_cycle({"a": ["b"], "c": ["a"]}) is None
    assert find_cycle({"a": ["b", "a"], "c": []}) == ("a", "a")


def test_find_cycle_accepts_tuples() -> None:
    """find_cycle accepts any iterable of upstream ids, as plans store tuples."""
    assert find_cycle({"a": ("b",), "b": ("a",)}) in (("a", "b", "a"), ("b", "a", "b"))


# -- layers for drawing --------------------------------------------------------------------------


def test_layer_ranks_put_every_edge_forward(graph: ReleaseGraph) -> None:
    """Every edge of the founding plan goes from a layer to a later one; a hold sits just before what it holds."""
    ids = [n.id for n in graph.nodes]
    edges = [(e.source, e.target) for e in graph.edges]
    layers = layer_ranks(ids, edges)
    assert set(layers) == set(ids)
    assert all(layers[s] < layers[t] for s, t in edges)
    hold = hold_node("kubespawner-big-prs")
    assert layers[hold] == min(layers[t] for s, t in edges if s == hold) - 1
    assert layers[release_node("chart")] < layers[release_node("kubespawner")]


def test_layer_ranks_keep_a_cycle_in_one_layer() -> None:
    """Nodes that wait on each other share a layer (the condensation's); what they point to comes after."""
    layers = layer_ranks(["a", "b", "c", "d"], [("a", "b"), ("b", "a"), ("b", "c"), ("x", "a")])
    assert layers == {"a": 0, "b": 0, "c": 1, "d": 0}


def test_layer_ranks_pull_a_source_next_to_its_target() -> None:
    """A node nothing points to is drawn just before the nearest node it points to, not in layer 0."""
    edges = [("a", "b"), ("b", "c"), ("c", "d"), ("late", "d"), ("late", "c")]
    layers = layer_ranks(["a", "b", "c", "d", "late", "alone"], edges)
    assert layers["late"] == 1
    assert layers["alone"] == 0
    assert [layers[n] for n in "abcd"] == [0, 1, 2, 3]
