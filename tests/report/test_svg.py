"""The graph picture: layered in lanes with few crossings, colours apart for colour-blind readers, zoom and groups."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import math
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.generate import generated_world, plan_text
from release_gate import Evaluation, FakeStateProvider, SnapshotStateProvider, check, parse_plan
from release_gate.evaluate import HoldStatus, ReleaseStatus, evaluate
from release_gate.examples import PLAN, STATE, example_path
from release_gate.graph import Edge, EdgeKind, NodeKind, build_graph, release_node
from release_gate.plan import ItemRef
from release_gate.report import svg
from release_gate.report._common import fmt_time
from release_gate.report._graph_layout import count_crossings, layout, segments_of
from release_gate.report.graph import EDGE_WORD, FILL, ink
from release_gate.state import IssueState, PrState
from tests.conftest import ROOT, Run

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def founding() -> Evaluation:
    """Evaluate the founding plan against the built-in state (``release_gate.examples``)."""
    return check(example_path(PLAN), SnapshotStateProvider(example_path(STATE)))


def _tree(text: str) -> ET.Element:
    return ET.fromstring(text.removeprefix('<?xml version="1.0" encoding="UTF-8"?>\n'))  # noqa: S314 - our own output


def _classes(element: ET.Element) -> list[str]:
    return element.get("class", "").split()


def _nodes(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if "node" in _classes(g)]


# -- colours: apart for colour-blind readers ------------------------------------------------------

MACHADO = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}
"""Machado, Oliveira and Fernandes (2009), severity 1, on linear sRGB."""
VISIONS = (None, *MACHADO)
MIN_DELTA_E = 11.0
"""The least CIEDE2000 difference between two status colours, under every vision."""
STATUSES = {
    *(str(s) for s in ReleaseStatus),
    *(str(s) for s in HoldStatus),
    *(str(s) for s in PrState),
    *(str(s) for s in IssueState),
    "not opened",
}
"""Every status word a node can have (``Engine.node_status``)."""


def _linear(colour: str) -> tuple[float, float, float]:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return r, g, b


def _seen(colour: str, vision: str | None) -> tuple[float, float, float]:
    """Return *colour* as CIE L*a*b* (D65), as seen with *vision* (None: normal)."""
    rgb = _linear(colour)
    if vision is not None:
        r, g, b = (min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in MACHADO[vision])
        rgb = (r, g, b)
    r, g, b = rgb
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    fx, fy, fz = (t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _hue_step(h1: float, h2: float) -> float:
    """Return the hue difference, in (-180, 180]."""
    step = h2 - h1
    if step > 180:
        return step - 360
    if step < -180:
        return step + 360
    return step


def _mean_hue(h1: float, h2: float) -> float:
    if abs(h1 - h2) <= 180:
        return (h1 + h2) / 2
    return (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2


def delta_e_2000(one: Sequence[float], two: Sequence[float]) -> float:
    """Return the CIEDE2000 colour difference of two L*a*b* colours (Sharma, Wu and Dalal 2005)."""
    (l1, a1, b1), (l2, a2, b2) = one, two
    mean_c = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(mean_c**7 / (mean_c**7 + 25**7)))
    c1, c2 = math.hypot((1 + g) * a1, b1), math.hypot((1 + g) * a2, b2)
    h1 = math.degrees(math.atan2(b1, (1 + g) * a1)) % 360 if c1 else 0.0
    h2 = math.degrees(math.atan2(b2, (1 + g) * a2)) % 360 if c2 else 0.0
    chromatic = c1 * c2 != 0
    big_dh = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(_hue_step(h1, h2) / 2)) if chromatic else 0.0
    mean_l, mean_cp = (l1 + l2) / 2, (c1 + c2) / 2
    mean_h = _mean_hue(h1, h2) if chromatic else h1 + h2
    t = (
        1
        - 0.17 * math.cos(math.radians(mean_h - 30))
        + 0.24 * math.cos(math.radians(2 * mean_h))
        + 0.32 * math.cos(math.radians(3 * mean_h + 6))
        - 0.20 * math.cos(math.radians(4 * mean_h - 63))
    )
    rc = 2 * math.sqrt(mean_cp**7 / (mean_cp**7 + 25**7))
    rotation = -math.sin(math.radians(60 * math.exp(-(((mean_h - 275) / 25) ** 2)))) * rc
    sl = 1 + 0.015 * (mean_l - 50) ** 2 / math.sqrt(20 + (mean_l - 50) ** 2)
    sc, sh = 1 + 0.045 * mean_cp, 1 + 0.015 * mean_cp * t
    dl, dc, dh = (l2 - l1) / sl, (c2 - c1) / sc, big_dh / sh
    return math.sqrt(dl**2 + dc**2 + dh**2 + rotation * dc * dh)


@pytest.mark.parametrize(
    ("one", "two", "expected"),
    [
        ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
        ((50, 3.1571, -77.2803), (50, 0, -82.7485), 2.8615),
        ((50, -1.3802, -84.2814), (50, 0, -82.7485), 1.0000),
        ((50, 0, 0), (50, -1, 2), 2.3669),
        ((50, 2.5, 0), (73, 25, -18), 27.1492),
        ((50, 2.5, 0), (56, -27, -3), 31.9030),
        ((50, 2.5, 0), (58, 24, 15), 19.4535),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
        ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
        ((84.25, 5.74, 96.0), (84.52, 5.75, 93.09), 0.5887),
    ],
)
def test_colour_difference_matches_the_published_test_data(
    one: tuple[float, float, float], two: tuple[float, float, float], expected: float
) -> None:
    """The CIEDE2000 of the colour check gives Sharma, Wu and Dalal's (2005) published values."""
    assert delta_e_2000(one, two) == pytest.approx(expected, abs=5e-5)
    assert delta_e_2000(two, one) == pytest.approx(expected, abs=5e-5)


def test_the_simulation_confuses_what_colour_blind_readers_confuse() -> None:
    """The check can fail: red and green, far apart to most readers, nearly meet under deuteranopia."""
    normal = delta_e_2000(_seen("#FF0000", None), _seen("#00AA00", None))
    deutan = delta_e_2000(_seen("#FF0000", "deuteranopia"), _seen("#00AA00", "deuteranopia"))
    assert normal > 70
    assert deutan < MIN_DELTA_E / 3
    assert _seen("#FFFFFF", "tritanopia") == pytest.approx((100, 0, 0), abs=0.05)  # white stays white


def test_every_status_has_its_own_colour() -> None:
    """FILL colours every status word a node can have, and only those; no two share a colour."""
    assert set(FILL) == STATUSES
    assert len({colour.upper() for colour in FILL.values()}) == len(FILL)


@pytest.mark.parametrize("vision", VISIONS, ids=lambda v: v or "normal")
def test_status_colours_stay_apart(vision: str | None) -> None:
    """Every two status colours differ by at least MIN_DELTA_E (CIEDE2000), as seen with *vision*."""
    seen = {status: _seen(colour, vision) for status, colour in FILL.items()}
    closest = min((delta_e_2000(seen[a], seen[b]), a, b) for a, b in itertools.combinations(sorted(seen), 2))
    assert closest[0] >= MIN_DELTA_E, closest


def test_the_words_on_every_status_colour_are_readable() -> None:
    """The text colour of each fill contrasts with it at least 4.5:1 (WCAG AA)."""
    for status, fill in FILL.items():
        lighter, darker = sorted((_luminance(fill), _luminance(ink(fill))), reverse=True)
        assert (lighter + 0.05) / (darker + 0.05) >= 4.5, status


def _luminance(colour: str) -> float:
    r, g, b = _linear(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# -- layout: few crossings -------------------------------------------------------------------------


def _orders(cells: dict[tuple[int, str], list[str]], lanes: Sequence[str], layers: int) -> Iterator[list[list[str]]]:
    """Yield every order of the layers that keeps lanes as bands: each lane order, each order within each cell."""
    keys = sorted(cells)
    for lane_order in itertools.permutations(lanes):
        for inner in itertools.product(*(itertools.permutations(cells[key]) for key in keys)):
            chosen = dict(zip(keys, inner, strict=True))
            yield [[n for lane in lane_order for n in chosen.get((index, lane), ())] for index in range(layers)]


def test_the_founding_plan_is_drawn_with_the_fewest_crossings(founding: Evaluation) -> None:
    """The founding plan's picture has 0 crossings, and no order of its layers (lanes kept as bands) has fewer.

    The search is exhaustive: every order of the lanes times every order within every
    (lane, layer) cell, dummy points of long edges included.
    """
    placed = svg._arrange(svg._scene(founding))
    assert svg.crossings(founding) == placed.crossings == 0
    assert count_crossings(placed.layers, placed.segments) == 0
    cells: dict[tuple[int, str], list[str]] = {}
    for index, layer in enumerate(placed.layers):
        for node in layer:
            cells.setdefault((index, placed.lane_of[node]), []).append(node)
    counts = [count_crossings(order, placed.segments) for order in _orders(cells, placed.lanes, len(placed.layers))]
    # 5 lanes; cells of more than one: chart and z2jh#758; kubespawner and a dummy point of the hold's edge
    # to #205; #230, #231, #232 and the next dummy point; #205 and kubespawner#223.
    assert len(counts) == math.factorial(5) * 2 * 2 * math.factorial(4) * 2
    assert min(counts) == placed.crossings
    assert max(counts) > 0  # the search could have found fewer, had there been fewer


def test_the_layout_untangles_a_crossing() -> None:
    """Two edges given crossed are drawn uncrossed, by reordering a layer or by reordering the lanes."""
    layers = {"a": 0, "b": 0, "c": 1, "d": 1}
    placed = layout(["a", "b", "c", "d"], ["x"], dict.fromkeys("abcd", "x"), layers, [("a", "d"), ("b", "c")])
    assert placed.crossings == 0
    assert count_crossings([["a", "b"], ["c", "d"]], placed.segments) == 1  # as given
    lanes = {"x0": "X", "y1": "Y", "z0": "Z", "z1": "Z"}
    layers = {"x0": 0, "z0": 0, "y1": 1, "z1": 1}
    placed = layout(["x0", "y1", "z0", "z1"], ["X", "Y", "Z"], lanes, layers, [("x0", "z1"), ("z0", "y1")])
    assert count_crossings([["x0", "z0"], ["y1", "z1"]], placed.segments) == 1  # lanes as given
    assert placed.crossings == 0
    assert placed.lanes.index("Y") > placed.lanes.index("Z")


@st.composite
def _layered(draw: st.DrawFn) -> tuple[list[str], dict[str, int], dict[str, str], list[tuple[str, str]]]:
    count = draw(st.integers(2, 14))
    nodes = [f"n{i}" for i in range(count)]
    layer_of = {n: draw(st.integers(0, 3)) for n in nodes}
    lane_of = {n: draw(st.sampled_from(["a", "b", "c"])) for n in nodes}
    pairs = [(s, t) for s in nodes for t in nodes if layer_of[s] < layer_of[t]]
    edges = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=20)) if pairs else []
    return nodes, layer_of, lane_of, edges


@settings(max_examples=150, deadline=None)
@given(_layered())
def test_the_layout_never_adds_crossings(
    case: tuple[list[str], dict[str, int], dict[str, str], list[tuple[str, str]]],
) -> None:
    """The order found never crosses more than the order given, and says truly how often it crosses."""
    nodes, layer_of, lane_of, edges = case
    placed = layout(nodes, ["a", "b", "c"], lane_of, layer_of, edges)
    everything = [*nodes, *(point for route in placed.routes for point in route[1:-1])]
    given_order = [
        [n for lane in "abc" for n in everything if placed.lane_of[n] == lane and placed.layer_of[n] == index]
        for index in range(len(placed.layers))
    ]
    assert placed.crossings <= count_crossings(given_order, placed.segments)
    assert placed.crossings == count_crossings(placed.layers, placed.segments)
    for layer in placed.layers:
        lanes = [placed.lane_of[n] for n in layer]
        assert lanes == sorted(lanes, key=list(placed.lanes).index)  # lanes stay bands
    for route, (source, target) in zip(placed.routes, edges, strict=True):
        assert (route[0], route[-1]) == (source, target)
        assert [placed.layer_of[n] for n in route] == list(range(layer_of[source], layer_of[target] + 1))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=25))
def test_crossings_are_counted_pair_by_pair(pairs: list[tuple[int, int]]) -> None:
    """count_crossings agrees with checking every two segments: ends in opposite orders cross."""
    layers = [[f"u{i}" for i in range(7)], [f"v{i}" for i in range(7)]]
    segments = [(f"u{a}", f"v{b}") for a, b in pairs]
    naive = sum(1 for (a, b), (c, d) in itertools.combinations(pairs, 2) if (a - c) * (b - d) < 0)
    assert count_crossings(layers, segments) == naive


def test_segments_skip_what_stays_in_a_layer() -> None:
    """A piece of an edge within one layer (a cycle) is not a segment between layers."""
    assert segments_of([("a", "b"), ("b", "c")], {"a": 0, "b": 0, "c": 1}) == (("b", "c"),)


# -- the picture ------------------------------------------------------------------------------------


def test_every_node_says_its_status_in_words(founding: Evaluation) -> None:
    """Each release, hold, PR and issue is a box filled by status, whose second line says kind and status."""
    root = _tree(svg.render_svg(founding))
    boxes = [g for g in _nodes(root) if "lane" not in _classes(g)]
    assert sorted(g.get("data-id", "") for g in boxes) == sorted(
        n.id for n in founding.nodes if n.kind is not NodeKind.REPO
    )
    for g in boxes:
        status = founding.node_status[g.get("data-id", "")]
        assert g.get("data-status") == status
        assert f"status-{status.replace(' ', '-')}" in _classes(g)
        words = "".join("".join(t.itertext()) for t in g.iter(f"{SVG}text") if "status" in _classes(t))
        assert words.startswith(f"{g.get('data-kind')} · {status}")
    assert root.get("data-crossings") == "0"


def test_repositories_are_lanes(founding: Evaluation) -> None:
    """Each repository is a labelled band (the node itself), and every box says whose lane it is in."""
    root = _tree(svg.graph_svg(founding))
    lanes = {g.get("data-id"): g for g in _nodes(root) if "lane" in _classes(g)}
    assert set(lanes) == {n.id for n in founding.nodes if n.kind is NodeKind.REPO}
    for repo_id, lane in lanes.items():
        assert lane.find(f"{SVG}rect[@class='band']") is not None
        assert "".join(lane.find(f"{SVG}text[@class='lane-label']").itertext()).startswith(  # type: ignore[union-attr]
            next(n.label for n in founding.nodes if n.id == repo_id)
        )
    in_repo = {e.source: e.target for e in founding.edges if e.kind is EdgeKind.IN_REPO}
    for g in _nodes(root):
        if "lane" not in _classes(g) and g.get("data-kind") != "hold":
            assert g.get("data-lane") == in_repo[g.get("data-id", "")]
    holds = {g.get("data-id"): g.get("data-lane") for g in _nodes(root) if g.get("data-kind") == "hold"}
    assert holds == {
        "hold:kubespawner-big-prs": "repo:jupyterhub/kubespawner",
        "hold:z2jh-big-prs": "repo:jupyterhub/zero-to-jupyterhub-k8s",
    }
    assert not any(p.get("data-kind") == "in-repo" for p in root.iter(f"{SVG}path"))


def test_a_hold_across_repositories_has_a_lane_of_its_own() -> None:
    """A hold on PRs of two repositories sits in the lane "across repositories", after the repositories' lanes."""
    plan = parse_plan(
        '[plan]\nname = "two"\n[repos.a]\ngithub = "o/a"\n[repos.b]\ngithub = "o/b"\n'
        '[releases.a]\nversion = ">=1"\n[holds.big]\nprs = ["a#1", "b#2"]\nuntil = ["a"]\n'
    )
    fake = FakeStateProvider(taken_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)).repo("o/a").repo("o/b")
    root = _tree(svg.graph_svg(check(plan, fake.pull("o/a", 1).pull("o/b", 2))))
    hold = next(g for g in _nodes(root) if g.get("data-id") == "hold:big")
    assert hold.get("data-lane") == ""
    bands = [g for g in root.iter(f"{SVG}g") if "lane" in _classes(g)]
    assert [g.get("data-lane") for g in bands] == ["repo:o/a", "repo:o/b", ""]
    assert "across repositories" in "".join(bands[-1].itertext())
    assert "node" not in _classes(bands[-1])  # not a graph node: the page counts one .node per node


def test_edges_have_arrowheads_and_a_legend_by_kind(founding: Evaluation) -> None:
    """Each edge kind has its own look and arrowhead, each edge drawn uses its kind's, and the legend names them."""
    out = svg.render_svg(founding)
    root = _tree(out)
    markers = {m.get("id") for m in root.iter(f"{SVG}marker")}
    looks = {(style.colour, style.dash, style.hollow) for style in svg.EDGE_STYLE.values()}
    assert len(looks) == len(svg.EDGE_STYLE) == len(EdgeKind) - 1  # every kind but in-repo (the lanes)
    drawn = [p for p in root.iter(f"{SVG}path") if "edge" in _classes(p) and p.get("data-source")]
    assert len(drawn) == sum(1 for e in founding.edges if e.kind is not EdgeKind.IN_REPO)
    for path in drawn:
        assert path.get("marker-end") == f"url(#graph-arrow-{path.get('data-kind')})"
        assert f"graph-arrow-{path.get('data-kind')}" in markers
    legend = root.find(f".//{SVG}g[@class='legend']")
    assert legend is not None
    words = " ".join(legend.itertext())
    for kind, style in svg.EDGE_STYLE.items():
        assert f"{EDGE_WORD[kind]} ({style.meaning})" in words
        assert f"#graph .edge.kind-{kind} {{ stroke: {style.colour};" in out
    for status in set(founding.node_status.values()):
        assert status in words


def _points(d: str) -> Iterator[tuple[float, float]]:
    """Sample a path of M, C and L commands."""
    numbers = [float(n) for n in re.findall(r"-?[\d.]+", d)]
    commands = re.findall(r"[MCL]", d)
    at, index = (numbers[0], numbers[1]), 2
    for command in commands[1:]:
        if command == "L":
            end = (numbers[index], numbers[index + 1])
            yield from ((at[0] + (end[0] - at[0]) * s / 20, at[1] + (end[1] - at[1]) * s / 20) for s in range(21))
            at, index = end, index + 2
            continue
        c1, c2, end = ((numbers[index + i], numbers[index + i + 1]) for i in (0, 2, 4))
        for step in range(41):
            t = step / 40
            u = 1 - t
            yield (
                u**3 * at[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t**3 * end[0],
                u**3 * at[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t**3 * end[1],
            )
        at, index = end, index + 6


@pytest.mark.parametrize("case", ["founding", "pr-family"])
def test_no_edge_cuts_through_a_box(case: str, founding: Evaluation) -> None:
    """No edge passes over a box other than its two ends (part-of edges included)."""
    scenario = ROOT / "tests" / "scenarios" / "pr-family"
    evaluation = (
        founding
        if case == "founding"
        else check(scenario / "plan.toml", SnapshotStateProvider(scenario / "state.json"))
    )
    root = _tree(svg.render_svg(evaluation))
    boxes = {}
    for g in _nodes(root):
        if "lane" not in _classes(g):
            x, y = (float(v) for v in re.findall(r"[\d.]+", g.get("transform", "")))
            boxes[g.get("data-id")] = (x, y)
    width, height = svg._W, svg._H
    for path in root.iter(f"{SVG}path"):
        if not path.get("data-source"):
            continue
        ends = {path.get("data-source"), path.get("data-target")}
        for px, py in _points(path.get("d", "")):
            for node, (x, y) in boxes.items():
                inside = x + 1 < px < x + width - 1 and y + 1 < py < y + height - 1
                assert node in ends or not inside, (path.get("data-source"), path.get("data-target"), node)


def test_a_proposed_release_is_dashed_not_blocked(founding: Evaluation) -> None:
    """batchspawner, proposed and blocked, is drawn white and dashed with a status stripe, and says it is proposed."""
    assert founding.release("batchspawner").status is ReleaseStatus.BLOCKED
    out = svg.render_svg(founding)
    node = next(g for g in _nodes(_tree(out)) if g.get("data-id") == release_node("batchspawner"))
    assert {"proposed", "status-blocked"} <= set(_classes(node))
    assert "release · blocked (proposed)" in "".join(node.itertext())
    assert node.find(f"{SVG}rect[@class='stripe']") is not None
    blocked = out.index("#graph .node.status-blocked .box")
    proposed = out.index("#graph .node.proposed .box, #graph .swatch.proposed { fill: #fff; stroke-dasharray: 5 3;")
    assert proposed > blocked  # the later rule wins: white, dashed
    others = [g for g in _nodes(_tree(out)) if "proposed" in _classes(g)]
    assert [g.get("data-id") for g in others] == [release_node("batchspawner")]
    assert "proposed release (never blocks)" in out


def test_a_cycle_is_drawn_within_one_layer(founding: Evaluation) -> None:
    """Two nodes that point at each other share a layer; the edges between them bend beside it."""
    pr230, pr205 = "pr:jupyterhub/kubespawner#230", "pr:jupyterhub/kubespawner#205"
    # #205 as a part of #230, while #230 is already a part of #205: a cycle of two
    part = {ItemRef("jupyterhub/kubespawner", 230): [ItemRef("jupyterhub/kubespawner", 205)]}
    cyclic = dataclasses.replace(founding, graph=founding.graph.with_parts(part))
    assert Edge(pr205, pr230, EdgeKind.PART_OF) in cyclic.edges
    root = _tree(svg.graph_svg(cyclic))
    at = {g.get("data-id"): g.get("transform", "") for g in _nodes(root)}
    assert at[pr230].split(",")[0] == at[pr205].split(",")[0]  # the same x: one layer
    bends = [p for p in root.iter(f"{SVG}path") if {p.get("data-source"), p.get("data-target")} == {pr230, pr205}]
    assert len(bends) == 2  # one each way
    for path in bends:
        numbers = [float(n) for n in re.findall(r"[\d.]+", path.get("d", ""))]
        assert numbers[-2] == numbers[0] + 4  # leaves the box's right side and comes back to it
    assert root.get("data-crossings") == str(svg.crossings(cyclic))


def test_the_picture_scales_to_its_container(founding: Evaluation) -> None:
    """The page's SVG has a viewBox and width 100%; the standalone file has its natural size in pixels."""
    page = _tree(svg.graph_svg(founding))
    assert page.get("id") == "graph"
    assert page.get("width") == "100%"
    assert page.get("height") is None
    width, height = float(page.get("data-width", "")), float(page.get("data-height", ""))
    assert page.get("viewBox") == f"0 0 {width:g} {height:g}"
    alone = _tree(svg.render_svg(founding))
    assert (alone.get("width"), alone.get("height")) == (alone.get("data-width"), alone.get("data-height"))
    assert float(alone.get("data-width", "")) < 1300
    assert page.find(f".//{SVG}g[@class='viewport']") is not None
    assert {b.get("data-graph-zoom") for b in page.iter(f"{SVG}g") if b.get("data-graph-zoom")} == {"in", "out", "fit"}


def test_the_standalone_picture_has_title_legend_and_times(founding: Evaluation) -> None:
    """`graph --format svg` is titled with the plan's name, and says when the state was taken and the verdicts' time."""
    root = _tree(svg.render_svg(founding))
    header = " ".join(root.find(f".//{SVG}g[@class='header']").itertext())  # type: ignore[union-attr]
    assert founding.plan.name in header
    assert f"state taken {fmt_time(founding.taken_at)}; verdicts as of {fmt_time(founding.as_of)}" in header
    assert root.find(f".//{SVG}g[@class='legend']") is not None
    assert _tree(svg.graph_svg(founding)).find(f".//{SVG}g[@class='header']") is None  # the page has its own


def test_the_picture_for_a_png_has_no_script_nor_buttons(founding: Evaluation) -> None:
    """Without interaction (a PNG) the picture has neither the script nor the zoom buttons."""
    out = svg.render_svg(founding, interactive=False)
    assert "<script" not in out
    assert "data-graph-zoom" not in out
    assert "<script><![CDATA[" in svg.render_svg(founding)


def _big(families: int = 3) -> Evaluation:
    """Evaluate a generated plan of about 1,150 nodes (50 repos, 1,000 PRs), with a few families of split PRs."""
    text = plan_text(50, 1000)
    for i in range(families):
        text += f'\n[families."r{i}#5"]\nparts = ["r{i}#19", "r{i}#20"]\n'
    plan = parse_plan(text)

    return evaluate(build_graph(plan), generated_world(50, 1000))


def test_big_plans_collapse_families_and_holds() -> None:
    """From COLLAPSE_AT nodes on, each hold and each family is one node listing its members, drawn in a hidden panel."""
    evaluation = _big()
    assert len(evaluation.nodes) >= svg.COLLAPSE_AT
    root = _tree(svg.graph_svg(evaluation))
    assert root.get("data-collapsed") == "true"
    nodes = _nodes(root)
    assert sorted(g.get("data-id", "") for g in nodes) == sorted(n.id for n in evaluation.nodes)
    groups = {g.get("data-id"): g for g in nodes if "group" in _classes(g)}
    parts: dict[str, set[str]] = {}
    for edge in evaluation.edges:
        if edge.kind is EdgeKind.PART_OF:
            parts.setdefault(edge.target, set()).add(edge.source)
    assert len(parts) == 3
    for parent, found in parts.items():
        assert set(groups[parent].get("data-members", "").split()) == found
    for hold in evaluation.holds:
        members = set(groups[f"hold:{hold.id}"].get("data-members", "").split())
        held = {f"pr:{pr.ref.slug.lower()}#{pr.ref.number}" for pr in hold.prs}
        assert members == held - {m for found in parts.values() for m in found} - set(parts)
    panels = {p.get("data-group"): p for p in root.iter(f"{SVG}g") if p.get("class") == "members"}
    assert set(panels) == set(groups)
    for group_id, group in groups.items():
        inside = {g.get("data-id") for g in _nodes(panels[group_id])}
        assert inside == set(group.get("data-members", "").split())
        assert group.get("aria-expanded") == "false"
    members = {m for g in groups.values() for m in g.get("data-members", "").split()}
    for path in root.iter(f"{SVG}path"):
        assert path.get("data-source") not in members
        assert path.get("data-target") not in members


def test_small_plans_are_not_collapsed(founding: Evaluation) -> None:
    """Below COLLAPSE_AT nodes every node is drawn in place: no groups."""
    out = svg.graph_svg(founding)
    assert 'data-collapsed="false"' in out
    assert 'class="members"' not in out
    assert "data-members" not in out


# -- in a real browser --------------------------------------------------------------------------------


def _browse(browser: Path, page: Path, tmp_path: Path) -> dict[str, Any]:
    shutil.copyfile(ROOT / "tests" / "svg_check.mjs", browser / "svg_check.mjs")
    shot = tmp_path / "shot.png"
    result = subprocess.run(
        ["node", "svg_check.mjs", str(page), str(shot)],
        cwd=browser,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    seen: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return seen


@pytest.mark.slow
def test_the_standalone_picture_in_a_browser(founding: Evaluation, browser: Path, tmp_path: Path) -> None:
    """In Chromium: no console errors, every node shows its status word, the legend shows, wheel zooms, drag pans."""
    page = tmp_path / "graph.svg"
    page.write_text(svg.render_svg(founding), encoding="utf-8")
    seen = _browse(browser, page, tmp_path)
    assert seen["errors"] == []
    nodes = seen["nodes"]
    assert isinstance(nodes, list)
    assert len(nodes) == len(founding.nodes)
    for node in nodes:
        if node["kind"] != "repo":
            assert node["shown"].startswith(f"{node['kind']} · {node['status']}"), node
            assert node["width"] > 0, node
    assert seen["legend"] > 0
    assert float(seen["zoomed"]) > 1
    assert seen["panned"] != seen["before"]
    assert seen["fit"] == "1"
    assert seen["clickedAfterDrag"] is False


@pytest.mark.slow
def test_groups_expand_in_a_browser(browser: Path, tmp_path: Path) -> None:
    """In Chromium, inside a page: a hold drawn as a group shows its members when clicked, and hides them again."""
    page = tmp_path / "page.html"
    page.write_text(f"<!doctype html><html><body><div>{svg.graph_svg(_big(0))}</div></body></html>", encoding="utf-8")
    seen = _browse(browser, page, tmp_path)
    assert seen["errors"] == []
    assert seen["group"] == {"before": False, "open": True, "after": False, "expanded": "true"}


@pytest.mark.slow
def test_graph_png_is_drawn_at_twice_the_size(browser: Path, run_cli: Callable[..., Run], tmp_path: Path) -> None:
    """`graph --format png` draws the picture at 2x: twice its natural width and height."""
    del browser  # makes sure chromium is there
    out = tmp_path / "graph.png"
    result = run_cli("graph", "--format", "png", "-o", str(out))
    assert result.code == 0, result.err
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    picture = _tree(run_cli("graph", "--format", "svg").out)
    assert (width, height) == (
        2 * math.ceil(float(picture.get("data-width", ""))),
        2 * math.ceil(float(picture.get("data-height", ""))),
    )
