"""The plan as a typed dependency graph of repos, releases, PRs, issues and holds.

This is the only module that imports networkx. The graph answers structural questions
(the release order in waves, which PRs and issues the plan needs to know about, what a
family covers); it holds no state from GitHub.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from release_gate.model import ItemRef, Plan

__all__ = ["Edge", "EdgeKind", "Node", "NodeKind", "ReleaseGraph", "build_graph", "find_cycle"]


class NodeKind(enum.StrEnum):
    """What a graph node stands for."""

    REPO = "repo"
    RELEASE = "release"
    PR = "pr"
    ISSUE = "issue"
    HOLD = "hold"


class EdgeKind(enum.StrEnum):
    """What an edge means; every edge points from the dependent to what it depends on."""

    IN_REPO = "in-repo"
    """A release, PR or issue belongs to a repo."""
    AFTER = "after"
    """A release ships after another release."""
    NEEDS_PR = "needs-pr"
    """A release needs a PR merged."""
    NEEDS_ISSUE = "needs-issue"
    """A release needs an issue closed."""
    HOLDS = "holds"
    """A hold keeps a PR from merging."""
    UNTIL = "until"
    """A hold lasts until a release is out."""
    PART_OF = "part-of"
    """A PR is a part of a split PR (its family parent)."""


@dataclass(frozen=True, slots=True, order=True)
class Node:
    """A graph node: ``kind:name`` ids such as ``release:chart`` or ``pr:jupyterhub/kubespawner#230``."""

    id: str
    kind: NodeKind
    label: str
    """Short display name: ``chart``, ``kubespawner#230``."""
    ref: ItemRef | None = None
    """The PR or issue a PR or issue node stands for."""


@dataclass(frozen=True, slots=True, order=True)
class Edge:
    """A typed edge from the dependent node to the node it depends on."""

    source: str
    target: str
    kind: EdgeKind


def release_node(release_id: str) -> str:
    """Return the node id of a release."""
    return f"release:{release_id}"


def item_node(kind: NodeKind, ref: ItemRef) -> str:
    """Return the node id of a PR or issue."""
    return f"{kind}:{ref.slug.lower()}#{ref.number}"


def find_cycle(after: Mapping[str, Iterable[str]]) -> tuple[str, ...] | None:
    """Return a cycle among releases as a closed path (``a, b, a``), or ``None``.

    *after* maps each release id to the ids it must come after; unknown ids are ignored.

    >>> find_cycle({"chart": ["kubespawner"], "kubespawner": ["chart"]})
    ('chart', 'kubespawner', 'chart')
    >>> find_cycle({"chart": ["kubespawner"], "kubespawner": []}) is None
    True
    """
    graph: nx.DiGraph[str] = nx.DiGraph()
    for release, upstreams in after.items():
        graph.add_node(release)
        graph.add_edges_from((release, u) for u in upstreams if u in after)
    try:
        edges = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return None
    path = [edges[0][0], *(target for _, target in edges)]
    return tuple(path)


class ReleaseGraph:
    """The dependency graph of one plan (immutable once built)."""

    __slots__ = ("_graph", "plan")

    def __init__(self, plan: Plan, graph: nx.MultiDiGraph[str]) -> None:
        self.plan = plan
        self._graph = graph

    @property
    def nodes(self) -> tuple[Node, ...]:
        """Every node, sorted by id."""
        return tuple(sorted(Node(n, d["kind"], d["label"], d.get("ref")) for n, d in self._graph.nodes(data=True)))

    @property
    def edges(self) -> tuple[Edge, ...]:
        """Every edge, sorted."""
        return tuple(sorted({Edge(s, t, k) for s, t, k in self._graph.edges(keys=True)}))

    def release_waves(self, release_ids: Iterable[str] | None = None) -> tuple[tuple[str, ...], ...]:
        """Return releases in waves: each wave's releases wait only on earlier waves.

        With *release_ids*, only those releases are placed (edges to others are ignored),
        which gives the order of what is still to ship.
        """
        wanted = set(release_ids) if release_ids is not None else {r.id for r in self.plan.releases}
        order: nx.DiGraph[str] = nx.DiGraph()
        order.add_nodes_from(wanted)
        for release in self.plan.releases:
            if release.id in wanted:
                order.add_edges_from((u, release.id) for u in release.after if u in wanted)
        return tuple(tuple(sorted(wave)) for wave in nx.topological_generations(order))

    def with_parts(self, parts: Mapping[ItemRef, Iterable[ItemRef]]) -> ReleaseGraph:
        """Return a copy with more family parts (found in the state) attached to their parents."""
        graph = self._graph.copy()
        for parent, found in parts.items():
            for part in found:
                _add_item(graph, self.plan, NodeKind.PR, part)
                graph.add_edge(item_node(NodeKind.PR, part), item_node(NodeKind.PR, parent), key=EdgeKind.PART_OF)
        return ReleaseGraph(self.plan, graph)

    def dependents(self, node_id: str) -> tuple[str, ...]:
        """Return the nodes that depend on *node_id* directly."""
        if node_id not in self._graph:
            return ()
        return tuple(sorted(set(self._graph.predecessors(node_id))))

    def pull_requests(self) -> tuple[ItemRef, ...]:
        """Every PR the plan names (needs, holds, families), sorted."""
        return self._items(NodeKind.PR)

    def issues(self) -> tuple[ItemRef, ...]:
        """Every issue the plan names (needs, watch), sorted."""
        return self._items(NodeKind.ISSUE)

    def _items(self, kind: NodeKind) -> tuple[ItemRef, ...]:
        return tuple(sorted({d["ref"] for _, d in self._graph.nodes(data=True) if d["kind"] is kind}))


def _add_item(graph: nx.MultiDiGraph[str], plan: Plan, kind: NodeKind, ref: ItemRef) -> str:
    """Add a PR or issue node (and its repo) unless it is there; return its id."""
    node = item_node(kind, ref)
    if node not in graph:
        repo = f"repo:{ref.slug.lower()}"
        if repo not in graph:
            graph.add_node(repo, kind=NodeKind.REPO, label=ref.slug)
        graph.add_node(node, kind=kind, label=plan.short(ref), ref=ref)
        graph.add_edge(node, repo, key=EdgeKind.IN_REPO)
    return node


def build_graph(plan: Plan) -> ReleaseGraph:
    """Build the dependency graph of a validated *plan*."""
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()

    def add_item(kind: NodeKind, ref: ItemRef) -> str:
        return _add_item(graph, plan, kind, ref)

    for repo in plan.repos:
        graph.add_node(f"repo:{repo.slug.lower()}", kind=NodeKind.REPO, label=repo.id)
    for release in plan.releases:
        node = release_node(release.id)
        graph.add_node(node, kind=NodeKind.RELEASE, label=release.id)
        graph.add_edge(node, f"repo:{plan.repo(release.repo).slug.lower()}", key=EdgeKind.IN_REPO)
    for release in plan.releases:
        node = release_node(release.id)
        for upstream in release.after:
            graph.add_edge(node, release_node(upstream), key=EdgeKind.AFTER)
        for ref in release.needs_prs:
            graph.add_edge(node, add_item(NodeKind.PR, ref), key=EdgeKind.NEEDS_PR)
        for ref in release.needs_issues:
            graph.add_edge(node, add_item(NodeKind.ISSUE, ref), key=EdgeKind.NEEDS_ISSUE)
    for family in plan.families:
        parent = add_item(NodeKind.PR, family.parent)
        for part in family.parts:
            graph.add_edge(add_item(NodeKind.PR, part), parent, key=EdgeKind.PART_OF)
    for hold in plan.holds:
        node = f"hold:{hold.id}"
        graph.add_node(node, kind=NodeKind.HOLD, label=hold.id)
        for ref in (*hold.prs, *hold.exempt):
            add_item(NodeKind.PR, ref)
        for ref in hold.prs:
            graph.add_edge(node, item_node(NodeKind.PR, ref), key=EdgeKind.HOLDS)
        for release_id in hold.until:
            graph.add_edge(node, release_node(release_id), key=EdgeKind.UNTIL)
    for watch in plan.watch:
        # A watched number may be a PR or an issue; the state tells. It is drawn as an issue,
        # attached to its repo only: it never blocks anything.
        add_item(NodeKind.ISSUE, watch.ref)
    return ReleaseGraph(plan, graph)
