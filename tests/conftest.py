"""Shared fixtures: the built-in example, and the command line run in-process."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from release_gate import Evaluation, SnapshotStateProvider, check
from release_gate.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_PLAN = ROOT / "config" / "jupyterhub-2018.toml"
EXAMPLE_STATE = ROOT / "config" / "jupyterhub-2018-08-09.state.json"


@dataclass(frozen=True)
class Run:
    """What one run of the command line did."""

    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """Run ``release-gate ARGS`` in-process with colour-neutral environment; return code and output."""
    for name in ("NO_COLOR", "FORCE_COLOR", "RELEASE_GATE_DEBUG"):
        monkeypatch.delenv(name, raising=False)

    def run(*argv: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), stdout=out, stderr=err)
        return Run(code, out.getvalue(), err.getvalue())

    return run


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--update-goldens``: rewrite the expected outputs of the golden scenarios."""
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite tests/scenarios/*/expected/* from the current output (review the diff!)",
    )


@pytest.fixture(scope="session")
def example() -> Evaluation:
    """Evaluate the JupyterHub plan of 2018-08-09 against the state recorded at the meeting."""
    return check(EXAMPLE_PLAN, SnapshotStateProvider(EXAMPLE_STATE))
