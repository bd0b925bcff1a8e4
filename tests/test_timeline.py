"""The timeline of verdicts over a period, from the times the state records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from release_gate import load_plan, load_snapshot
from release_gate.evaluate import Change, ChangeKind
from release_gate.evaluate.timeline import timeline
from release_gate.graph import build_graph
from tests.conftest import Run

AS_OF = Path(__file__).parent / "scenarios" / "as-of"


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_release_and_hold_change_when_the_tag_lands() -> None:
    """Jupyterhub 0.9.0 is tagged on 2018-06-15: the release becomes released and its hold free at that moment."""
    graph = build_graph(load_plan(AS_OF / "plan.toml"))
    changes = timeline(
        graph, load_snapshot(AS_OF / "state.json"), _at("2018-04-01T00:00:00Z"), _at("2018-08-01T00:00:00Z")
    )
    tag = _at("2018-06-15T13:37:43Z")
    assert changes == (
        Change(_at("2018-04-01T00:00:00Z"), ChangeKind.RELEASE, "jupyterhub", "", "unblocked"),
        Change(_at("2018-04-01T00:00:00Z"), ChangeKind.HOLD, "wait-for-0-9", "", "held"),
        Change(tag, ChangeKind.RELEASE, "jupyterhub", "unblocked", "released"),
        Change(tag, ChangeKind.HOLD, "wait-for-0-9", "held", "free"),
    )


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    """The end of the period may not come before its start."""
    graph = build_graph(load_plan(AS_OF / "plan.toml"))
    with pytest.raises(ValueError, match="ends before it starts"):
        timeline(graph, load_snapshot(AS_OF / "state.json"), _at("2018-07-01T00:00:00Z"), _at("2018-06-01T00:00:00Z"))


def test_cli_prints_the_changes(run_cli: Callable[..., Run]) -> None:
    """`timeline FROM TO PLAN --snapshot FILE` prints one row per change; a TO after the state is exit 2."""
    args = (str(AS_OF / "plan.toml"), "--snapshot", str(AS_OF / "state.json"))
    result = run_cli("timeline", "2018-06-01", "2018-07-01", *args)
    assert result.code == 0
    assert "2018-06-15 13:37 UTC  release  jupyterhub    unblocked  released" in result.out
    late = run_cli("timeline", "2018-06-01", "2019-01-01", *args)
    assert late.code == 2
    assert "TO: 2019-01-01 is after the state was taken" in late.err
