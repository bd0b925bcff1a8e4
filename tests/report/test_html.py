"""The dashboard: one self-contained page, checked in a real headless browser."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from release_gate import Evaluation
from release_gate.graph import EdgeKind
from release_gate.report import html
from release_gate.report import svg as svg_report
from release_gate.report.graph import FILL
from tests.conftest import ROOT, Run


def test_page_is_self_contained(example: Evaluation) -> None:
    """The page loads nothing from the network: no external scripts, styles, fonts or images."""
    page = html.render(example)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script src" not in page
    assert page.count('class="node ') == len(example.nodes)


def test_untrusted_text_is_escaped() -> None:
    """Plan and PR text is HTML-escaped, and the embedded explanations cannot close their script tag."""
    import datetime as dt  # noqa: PLC0415

    from release_gate import FakeStateProvider, check, parse_plan  # noqa: PLC0415

    plan = parse_plan(
        '[plan]\nname = "<script>alert(1)</script>"\n[repos.a]\ngithub = "o/a"\n[releases.a]\nversion = ">=1"\n'
    )
    evaluation = check(plan, FakeStateProvider(taken_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)).repo("o/a"))
    page = html.render(evaluation)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.slow
def test_page_in_a_real_browser(example: Evaluation, browser: Path, tmp_path: Path) -> None:
    """In headless Chromium: no console errors, one SVG node per graph node with its status, a click explains."""
    page = tmp_path / "report.html"
    page.write_text(html.render(example), encoding="utf-8")
    screenshot = ROOT / "artifacts" / "report.png"
    screenshot.parent.mkdir(exist_ok=True)
    result = subprocess.run(
        ["node", "browser_check.mjs", str(page), str(screenshot)],
        cwd=browser,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["errors"] == []
    classes = {node["id"]: node["cls"] for node in seen["nodes"]}
    assert sorted(classes) == sorted(n.id for n in example.nodes)
    for node_id, status in example.node_status.items():
        assert f"status-{status.replace(' ', '-')}" in classes[node_id].split()
    assert "status-blocked" in classes["release:chart"].split()
    assert "status-held" in classes["pr:jupyterhub/kubespawner#205"].split()
    assert seen["explanation"].startswith("release chart: jupyterhub/zero-to-jupyterhub-k8s >=0.7.0-beta.1")
    assert "<- after kubespawner >=0.9.0b1: not released (blocked)" in seen["explanation"]
    assert 0 < seen["filtered"] < len(example.nodes)
    parts = {e.source for e in example.edges if e.kind is EdgeKind.PART_OF}
    assert seen["collapsed"] == len(example.nodes) - len(parts)
    assert screenshot.stat().st_size > 10_000


def test_graph_as_a_standalone_svg(example: Evaluation) -> None:
    """`graph --format svg` is a well-formed SVG document with one node group per graph node and its colours."""
    import xml.etree.ElementTree as ET  # noqa: PLC0415

    svg = svg_report.render_svg(example)
    root = ET.fromstring(svg.split("\n", 1)[1])  # noqa: S314 - our own output
    groups = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if "node" in g.get("class", "").split()]
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(groups) == len(example.nodes)
    assert (
        f"#graph .node.status-blocked .box, #graph .node.status-blocked .stripe {{ fill: {FILL['blocked']}; }}" in svg
    )


def test_timeline_strips(run_cli: Callable[..., Run], tmp_path: Path) -> None:
    """`report` draws a strip per release and hold, one segment per status it had, from the state's events."""
    scenario = ROOT / "tests" / "scenarios" / "as-of"
    out = tmp_path / "report.html"
    result = run_cli("report", str(scenario / "plan.toml"), "--snapshot", str(scenario / "state.json"), "-o", str(out))
    assert result.code == 0, result.err
    page = out.read_text(encoding="utf-8")
    assert "<h2>Timeline</h2>" in page
    strip = page.split('<span class="who">release jupyterhub</span>', 1)[1].split("</div>", 1)[0]
    assert re.findall(r'class="segment status-(\w+)"', strip) == ["unblocked", "released"]


@pytest.mark.slow
def test_graph_as_png(browser: Path, run_cli: Callable[..., Run], tmp_path: Path) -> None:
    """`graph --format png -o FILE` draws the picture with Chromium; without -o it is a usage error."""
    del browser  # makes sure chromium is there
    out = tmp_path / "graph.png"
    result = run_cli("graph", "--format", "png", "-o", str(out))
    assert result.code == 0, result.err
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run_cli("graph", "--format", "png").code == 2
