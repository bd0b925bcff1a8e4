"""Golden scenarios: each folder of tests/scenarios is a plan, a state and the expected outputs.

A folder holds ``plan.toml`` and ``state.json`` (or points at other files in ``runs.toml``)
and ``runs.toml``, a list of runs::

    [[run]]
    name = "before-tag"              # expected/before-tag.{txt,json,md} or .err
    args = ["--as-of", "2018-06-14"] # appended to: COMMAND PLAN --snapshot STATE
    exit = 1
    command = ["explain", "chart"]   # optional; default ["check"]
    formats = ["text", "json", "markdown"]  # optional; text only for explain

Run ``pytest tests/test_scenarios.py --update-goldens`` to rewrite the expected files
after an intended change, and review the diff.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from release_gate import __version__
from tests.conftest import Run

SCENARIOS = Path(__file__).parent / "scenarios"
_SUFFIX = {"text": "txt", "json": "json", "markdown": "md"}


@dataclass(frozen=True)
class Case:
    """One run of one scenario in one format."""

    folder: Path
    name: str
    argv: tuple[str, ...]
    exit: int
    fmt: str

    @property
    def expected(self) -> Path:
        """The golden file: stdout for a clean run, stderr for an input error."""
        suffix = "err" if self.exit == 2 else _SUFFIX[self.fmt]
        return self.folder / "expected" / f"{self.name}.{suffix}"


def _cases() -> list[Case]:
    cases = []
    for folder in sorted(p for p in SCENARIOS.iterdir() if p.is_dir()):
        spec = tomllib.loads((folder / "runs.toml").read_text(encoding="utf-8"))
        plan = spec.get("plan", "plan.toml")
        state = spec.get("state", "state.json")
        for run in spec["run"]:
            command = run.get("command", ["check"])
            full = command == ["check"] and run["exit"] != 2
            formats = run.get("formats", ["text", "json", "markdown"] if full else ["text"])
            for fmt in formats:
                fmt_args = ("--format", fmt) if fmt != "text" else ("--color", "never")
                argv = (*command, plan, "--snapshot", state, *run.get("args", ()), *fmt_args)
                cases.append(Case(folder, run["name"], argv, run["exit"], fmt))
    return cases


def _normalise(text: str) -> str:
    return text.replace(f'"version": "{__version__}"', '"version": "VERSION"')


@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"{c.folder.name}/{c.name}/{c.fmt}")
def test_scenario(
    case: Case, run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """The command's output and exit code for each scenario run match the golden files."""
    monkeypatch.chdir(case.folder)
    result = run_cli(*case.argv)
    actual = _normalise(result.err if case.exit == 2 else result.out)
    if request.config.getoption("--update-goldens"):
        case.expected.parent.mkdir(exist_ok=True)
        case.expected.write_text(actual, encoding="utf-8")
    assert result.code == case.exit, result.err
    assert "Traceback" not in result.err
    assert actual == case.expected.read_text(encoding="utf-8")
