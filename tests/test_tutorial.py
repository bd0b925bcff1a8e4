"""The tutorial is true: its commands give exactly the outputs it shows, and its plan excerpts are the real plan."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from release_gate.examples import PLAN, example_path
from tests.conftest import ROOT, Run

TUTORIAL = ROOT / "docs" / "tutorial.md"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _sessions() -> list[tuple[str, str]]:
    """Return each ``$ command`` of the tutorial's console blocks with the output shown under it."""
    steps = []
    for kind, body in _FENCE.findall(TUTORIAL.read_text(encoding="utf-8")):
        if kind != "console":
            continue
        for chunk in re.split(r"^\$ ", body, flags=re.MULTILINE)[1:]:
            command, _, output = chunk.partition("\n")
            steps.append((command, output))
    return steps


def test_every_command_gives_the_output_shown(
    run_cli: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run in order in an empty folder, as a reader would, each command prints exactly what the tutorial shows."""
    monkeypatch.chdir(tmp_path)
    steps = _sessions()
    assert len(steps) >= 6
    for command, shown in steps:
        program, *argv = shlex.split(command)
        assert program == "release-gate"
        run = run_cli(*argv, env={})  # no COLUMNS, and no terminal: text is 100 columns wide, as shown
        assert run.out + run.err == shown, f"$ {command}"


def test_plan_excerpts_are_the_shipped_plan() -> None:
    """Every TOML block of the tutorial is a verbatim excerpt of the built-in plan, so it cannot drift from it."""
    plan = example_path(PLAN).read_text(encoding="utf-8")
    blocks = [body for kind, body in _FENCE.findall(TUTORIAL.read_text(encoding="utf-8")) if kind == "toml"]
    assert len(blocks) >= 5
    for block in blocks:
        assert block in plan, block.splitlines()[0]
