"""The Mermaid diagrams parse with the real Mermaid parser (npm mermaid, run by node)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from release_gate import SnapshotStateProvider, check
from release_gate.report import markdown
from release_gate.report.graph import render_mermaid
from tests.conftest import EXAMPLE_PLAN, EXAMPLE_STATE

pytestmark = pytest.mark.slow

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
CASES = {
    "jupyterhub-2018": (EXAMPLE_PLAN, EXAMPLE_STATE),
    "pr-family": (SCENARIOS / "pr-family" / "plan.toml", SCENARIOS / "pr-family" / "state.json"),
    "unknown-state": (SCENARIOS / "unknown-state" / "plan.toml", SCENARIOS / "unknown-state" / "state.json"),
    "violated-hold": (SCENARIOS / "violated-hold" / "plan.toml", SCENARIOS / "violated-hold" / "state.json"),
}


def _parse(parser: Path, text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    diagram = tmp_path / "diagram.mmd"
    diagram.write_text(text, encoding="utf-8")
    return subprocess.run(
        ["node", "mermaid_parse.mjs", str(diagram)],
        cwd=parser,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_graph_and_report_diagrams_parse(case: str, mermaid_parser: Path, tmp_path: Path) -> None:
    """`graph --format mermaid` and the Markdown report's diagram are flowcharts Mermaid accepts."""
    plan, state = CASES[case]
    evaluation = check(plan, SnapshotStateProvider(state))
    result = _parse(mermaid_parser, render_mermaid(evaluation), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"type":"flowchart-v2"' in result.stdout
    block = markdown.render(evaluation).split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert _parse(mermaid_parser, block, tmp_path).returncode == 0


def test_the_parser_rejects_a_broken_diagram(mermaid_parser: Path, tmp_path: Path) -> None:
    """The check can fail: a diagram with a broken node is rejected."""
    result = _parse(mermaid_parser, "flowchart LR\n  a -- b\n  a[[[\n", tmp_path)
    assert result.returncode == 1
    assert "Parse error" in result.stdout
