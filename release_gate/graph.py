"""The plan as a typed dependency graph of repos, releases, PRs, issues and holds.

This is the only module that imports networkx. The graph answers structural questions
(the release order in waves, which PRs and issues the plan needs to know about, what a
family covers); it holds no state from GitHub.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Collection, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from operator import attrgetter, itemgetter

import networkx as nx

from release_gate.plan.model import ItemRef, Plan

__all__ = [
    "Edge",
    "EdgeKind",
    "Node",
    "NodeKind",
    "ReleaseGraph",
    "build_graph",
    "find_cycle",
    "hold_node",
    "item_node",
    "layer_ranks",
    "release_node",
    "repo_node",
]


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


def repo_node(slug: str) -> str:
    """Return the node id of a repo (``repo:jupyterhub/kubespawner``; slugs are lower-cased)."""
    return f"repo:{slug.lower()}"


def release_node(release_id: str) -> str:
    """Return the node id of a release (``release:chart``)."""
    return f"release:{release_id}"


def hold_node(hold_id: str) -> str:
    """Return the node id of a hold (``hold:kubespawner-big-prs``)."""
    return f"hold:{hold_id}"


def item_node(kind: NodeKind, ref: ItemRef) -> str:
    """Return the node id of a PR or issue (``pr:jupyterhub/kubespawner#230``)."""
    return f"{_PREFIX[kind]}{ref.slug.lower()}#{ref.number}"


_PREFIX = {kind: f"{kind.value}:" for kind in NodeKind}
_ITEM_KINDS = (NodeKind.PR, NodeKind.ISSUE)
"""``pr:`` for NodeKind.PR...: formatting the enum member itself is slow, and there is a node id per PR."""


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
    if nx.is_directed_acyclic_graph(graph):
        return None  # the usual answer, and much quicker to give than find_cycle's
    edges = nx.find_cycle(graph)
    return (edges[0][0], *(target for _, target in edges))


def layer_ranks(node_ids: Iterable[str], edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Return a layer for each of *node_ids*, for drawing the graph left to right.

    Every edge ``(source, target)`` between two of *node_ids* goes from a layer to a later
    one, or stays in one layer when the two wait on each other in a cycle (the layers are
    those of the graph's condensation then). The layers are ``topological_generations``
    (the longest path from a node nothing points to), except that such a node is moved to
    just before the nearest node it points to, so that it draws no long edge. A node with no
    edge at all is in layer 0. Edges to ids not in *node_ids* are ignored.

    >>> layer_ranks(["chart", "hub", "pr"], [("chart", "hub"), ("hub", "pr")])
    {'chart': 0, 'hub': 1, 'pr': 2}
    >>> layer_ranks(["hold", "chart", "hub", "pr"], [("chart", "hub"), ("hub", "pr"), ("hold", "pr")])
    {'hold': 1, 'chart': 0, 'hub': 1, 'pr': 2}
    >>> layer_ranks(["a", "b", "c"], [("a", "b"), ("b", "a"), ("b", "c")])
    {'a': 0, 'b': 0, 'c': 1}
    """
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(node_ids)
    graph.add_edges_from((s, t) for s, t in edges if s in graph and t in graph and s != t)
    condensed = nx.condensation(graph)
    component_of: Mapping[str, int] = condensed.graph["mapping"]
    rank: dict[int, int] = {}
    for layer, components in enumerate(nx.topological_generations(condensed)):
        for component in components:
            rank[component] = layer
    for component in condensed:
        successors = [rank[s] for s in condensed.successors(component)]
        if successors and condensed.in_degree(component) == 0:
            rank[component] = min(successors) - 1
    return {node: rank[component_of[node]] for node in graph}


def _release_order(plan: Plan, release_ids: Collection[str], upstreams: Collection[str]) -> nx.DiGraph[str]:
    """Return the releases *release_ids* with an edge from each upstream in *upstreams* to each release after it."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(release_ids)
    graph.add_edges_from(
        (upstream, release.id)
        for release in plan.releases
        if release.id in release_ids
        for upstream in release.after
        if upstream in upstreams
    )
    return graph


_EdgeValue = tuple[str, str, EdgeKind]
"""An edge as the graph keeps it: ``(source, target, kind)``, the order of `Edge`'s fields."""


class ReleaseGraph:
    """The dependency graph of one plan (immutable once built by `build_graph`).

    It keeps its nodes by id and its typed edges as plain values, which is what large plans
    (100,000 nodes) need to build and evaluate quickly: the PR and issue nodes as their refs,
    by kind (the index `item_nodes` reads), each edge as a tuple, except the edge from each PR
    and issue to its repo, which its ref says; the `Node` and `Edge` values, sorted, are made
    when `nodes` and `edges` are first asked for (by the reports that draw the graph).
    Questions about the structure that need graph algorithms go to a networkx graph built from
    them on first use.
    """

    __slots__ = ("_edge_set", "_edges", "_items", "_networkx", "_node_map", "_nodes", "_release_graph", "plan")

    def __init__(
        self,
        plan: Plan,
        nodes: Mapping[str, Node],
        items: Mapping[NodeKind, Mapping[str, ItemRef]],
        edges: AbstractSet[_EdgeValue],
    ) -> None:
        """Keep what `build_graph` gathered (as it is: nothing changes it afterwards)."""
        self.plan = plan
        self._node_map = nodes
        """The repo, release and hold nodes by id."""
        self._items = items
        """The PR and the issue nodes: their refs by node id, by kind."""
        self._edge_set = edges
        """The edges, but for those from a PR or issue to its repo (`_in_repo`)."""
        self._nodes: tuple[Node, ...] | None = None
        self._edges: tuple[Edge, ...] | None = None
        self._networkx: nx.MultiDiGraph[str] | None = None
        self._release_graph: nx.DiGraph[str] | None = None

    @property
    def nodes(self) -> tuple[Node, ...]:
        """Every node, sorted by id."""
        if self._nodes is None:
            short = self.plan.short
            made = [
                Node(node, kind, short(ref), ref) for kind, refs in self._items.items() for node, ref in refs.items()
            ]
            made.extend(self._node_map.values())
            # Ids are unique, so ordering by id is the nodes' own order.
            made.sort(key=_NODE_ORDER)
            self._nodes = tuple(made)
        return self._nodes

    @property
    def edges(self) -> tuple[Edge, ...]:
        """Every edge, sorted."""
        if self._edges is None:
            # Edge's own order, (source, target, kind), by stable sorts on one field at a time from
            # the last: quicker than comparing the tuples.
            edges = sorted(itertools.chain(self._edge_set, self._in_repo()), key=_KIND)
            edges.sort(key=_TARGET)
            edges.sort(key=_SOURCE)
            self._edges = tuple(Edge(source, target, kind) for source, target, kind in edges)
        return self._edges

    def item_nodes(self) -> Iterator[tuple[str, ItemRef]]:
        """Yield the id and ref of every PR and issue node (in no particular order)."""
        for refs in self._items.values():
            yield from refs.items()

    def _in_repo(self) -> Iterator[_EdgeValue]:
        """Yield the edge from each PR and issue to its repo."""
        for node, ref in self.item_nodes():
            yield node, repo_node(ref.slug), EdgeKind.IN_REPO

    def release_waves(self, release_ids: Iterable[str] | None = None) -> tuple[tuple[str, ...], ...]:
        """Return releases in waves: each wave's releases wait only on earlier waves.

        With *release_ids*, only those releases are placed (edges to others are ignored),
        which gives the order of what is still to ship. Raises networkx's
        ``NetworkXUnfeasible`` when the releases wait on each other in a cycle.
        """
        if release_ids is None:
            order = self._releases()
        else:
            wanted = set(release_ids)
            order = _release_order(self.plan, wanted, wanted)
        return tuple(tuple(sorted(wave)) for wave in nx.topological_generations(order))

    def downstream(self, release_ids: Iterable[str], through: Collection[str]) -> dict[str, set[str]]:
        """Return, for each of *release_ids*, the releases that wait on it, directly or not.

        A release waits on those it names in ``after``; the wait passes on through the
        releases of *through* only (those not out yet: a release that is out holds nothing up
        any more), which should hold *release_ids* too.
        """
        waits = _release_order(self.plan, {r.id for r in self.plan.releases}, through)
        return {release_id: nx.descendants(waits, release_id) for release_id in release_ids}

    def with_parts(self, parts: Mapping[ItemRef, Iterable[ItemRef]]) -> ReleaseGraph:
        """Return a copy with more family parts (found in the state) attached to their parents.

        When every part is attached already, the graph itself is returned (it never changes).
        """
        new = [
            (part, edge)
            for parent, found in parts.items()
            for part in found
            if (edge := (item_node(NodeKind.PR, part), item_node(NodeKind.PR, parent), EdgeKind.PART_OF))
            not in self._edge_set
        ]
        if not new:
            return self
        builder = _Builder(self)
        for part, edge in new:
            builder.item(NodeKind.PR, part)
            builder.edges.add(edge)
        return builder.graph(self.plan)

    def dependents(self, node_id: str) -> tuple[str, ...]:
        """Return the nodes that depend on *node_id* directly."""
        graph = self._graph()
        if node_id not in graph:
            return ()
        return tuple(sorted(set(graph.predecessors(node_id))))

    def pull_requests(self) -> tuple[ItemRef, ...]:
        """Every PR the plan names (needs, holds, families), sorted."""
        return self._refs(NodeKind.PR)

    def issues(self) -> tuple[ItemRef, ...]:
        """Every issue the plan names (needs, watch), sorted."""
        return self._refs(NodeKind.ISSUE)

    def _refs(self, kind: NodeKind) -> tuple[ItemRef, ...]:
        return tuple(sorted(set(self._items[kind].values())))

    def _releases(self) -> nx.DiGraph[str]:
        """Return the releases, with an edge from each to those after it (built on first use)."""
        if self._release_graph is None:
            releases = {r.id for r in self.plan.releases}
            self._release_graph = _release_order(self.plan, releases, releases)
        return self._release_graph

    def _graph(self) -> nx.MultiDiGraph[str]:
        """Return the graph as networkx sees it (built on first use)."""
        if self._networkx is None:
            graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
            graph.add_nodes_from(self._node_map)
            graph.add_nodes_from(node for node, _ in self.item_nodes())
            graph.add_edges_from(self._edge_set)
            graph.add_edges_from(self._in_repo())
            self._networkx = graph
        return self._networkx


_NODE_ORDER = attrgetter("id")
_SOURCE, _TARGET, _KIND = itemgetter(0), itemgetter(1), itemgetter(2)


class _Builder:
    """Gathers a graph's nodes and edges (private: `build_graph` and `ReleaseGraph.with_parts` use it)."""

    __slots__ = ("edges", "items", "nodes")

    def __init__(self, graph: ReleaseGraph | None = None) -> None:
        """Start empty, or from *graph*'s nodes and edges (copied)."""
        self.nodes: dict[str, Node] = {} if graph is None else dict(graph._node_map)  # noqa: SLF001 - its builder
        items = {} if graph is None else graph._items  # noqa: SLF001
        self.items: dict[NodeKind, dict[str, ItemRef]] = {kind: dict(items.get(kind, {})) for kind in _ITEM_KINDS}
        self.edges: set[_EdgeValue] = set() if graph is None else set(graph._edge_set)  # noqa: SLF001

    def item(self, kind: NodeKind, ref: ItemRef) -> str:
        """Add a PR or issue node (and its repo) unless it is there; return its id (`item_node`)."""
        slug = ref.slug.lower()
        node = f"{_PREFIX[kind]}{slug}#{ref.number}"
        refs = self.items[kind]
        if node not in refs:
            repo = f"repo:{slug}"  # repo_node
            if repo not in self.nodes:
                self.nodes[repo] = Node(repo, NodeKind.REPO, ref.slug)
            refs[node] = ref  # and the edge to its repo, which the ref says
        return node

    def graph(self, plan: Plan) -> ReleaseGraph:
        return ReleaseGraph(plan, self.nodes, self.items, self.edges)


def build_graph(plan: Plan) -> ReleaseGraph:
    """Build the dependency graph of a validated *plan*."""
    builder = _Builder()
    nodes, edges, add_item = builder.nodes, builder.edges, builder.item
    pr, issue = NodeKind.PR, NodeKind.ISSUE
    for repo in plan.repos:
        node = repo_node(repo.slug)
        nodes[node] = Node(node, NodeKind.REPO, repo.id)
    for release in plan.releases:
        node = release_node(release.id)
        nodes[node] = Node(node, NodeKind.RELEASE, release.id)
        edges.add((node, repo_node(plan.repo(release.repo).slug), EdgeKind.IN_REPO))
    for release in plan.releases:
        node = release_node(release.id)
        edges.update((node, release_node(upstream), EdgeKind.AFTER) for upstream in release.after)
        edges.update((node, add_item(pr, ref), EdgeKind.NEEDS_PR) for ref in release.needs_prs)
        edges.update((node, add_item(issue, ref), EdgeKind.NEEDS_ISSUE) for ref in release.needs_issues)
    for family in plan.families:
        parent = add_item(pr, family.parent)
        edges.update((add_item(pr, part), parent, EdgeKind.PART_OF) for part in family.parts)
    for hold in plan.holds:
        node = hold_node(hold.id)
        nodes[node] = Node(node, NodeKind.HOLD, hold.id)
        edges.update((node, add_item(pr, ref), EdgeKind.HOLDS) for ref in hold.prs)
        for ref in hold.exempt:
            add_item(pr, ref)
        edges.update((node, release_node(release_id), EdgeKind.UNTIL) for release_id in hold.until)
    for watch in plan.watch:
        # A watched number may be a PR or an issue; the state tells. It is drawn as an issue,
        # attached to its repo only: it never blocks anything.
        add_item(issue, watch.ref)
    return builder.graph(plan)
