"""What-if: evaluating the plan as if events had happened, and the ranked next actions."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from release_gate import Evaluation, ReleaseStatus, SnapshotStateProvider, load_plan
from release_gate.evaluate import ChangeKind
from release_gate.evaluate.whatif import Assumption, AssumptionKind, parse_assumption, what_if
from release_gate.graph import build_graph
from release_gate.state import request_for
from tests.conftest import EXAMPLE_PLAN, EXAMPLE_STATE, Run

OUT_AND_PINNED = (
    "jupyterhub==0.9.2 released",
    "oauthenticator==0.8.0 released",
    "kubespawner#230 merged",
    "kubespawner#232 merged",
    "kubespawner==0.9.0b1 released",
    "chart pins jupyterhub==0.9.2",
    "chart pins oauthenticator==0.8.0",
    "chart pins kubespawner==0.9.0b1",
)


def _assume(*texts: str) -> Evaluation:
    plan = load_plan(EXAMPLE_PLAN)
    graph = build_graph(plan)
    state = SnapshotStateProvider(EXAMPLE_STATE).fetch(request_for(plan, ()))
    return what_if(graph, state, [parse_assumption(plan, t) for t in texts])


def test_chart_unblocked_once_the_packages_are_released_and_pinned() -> None:
    """Assuming the three packages released and pinned, the chart can be cut and kubespawner's hold frees."""
    evaluation = _assume(*OUT_AND_PINNED)
    assert evaluation.release("chart").status is ReleaseStatus.UNBLOCKED
    changed = {(c.kind, c.id): (c.before, c.after) for c in evaluation.changed}
    assert changed[(ChangeKind.RELEASE, "chart")] == ("blocked", "unblocked")
    assert changed[(ChangeKind.HOLD, "kubespawner-big-prs")] == ("held", "free")
    assert {c.when for c in evaluation.changed} == {evaluation.as_of}  # made true at the moment evaluated
    assert evaluation.assumptions == OUT_AND_PINNED


@pytest.mark.parametrize(
    ("text", "assumption"),
    [
        ("kubespawner==0.9.0b1 released", (AssumptionKind.RELEASED, "kubespawner", "0.9.0b1", "")),
        ("kubespawner#230 merged", (AssumptionKind.MERGED, "kubespawner#230", "", "")),
        ("jupyterhub#2043 closed", (AssumptionKind.CLOSED, "jupyterhub#2043", "", "")),
        ("chart pins kubespawner==0.9.0b1", (AssumptionKind.PINS, "chart", "0.9.0b1", "jupyterhub-kubespawner")),
    ],
)
def test_each_form_of_assumption_has_its_kind(text: str, assumption: tuple[AssumptionKind, str, str, str]) -> None:
    """Each form of assumption is read into its kind, what it names, and the version and package it gives."""
    assert parse_assumption(load_plan(EXAMPLE_PLAN), text) == Assumption(text, *assumption)


def test_released_but_not_pinned_still_blocks_the_chart() -> None:
    """Releasing the packages is not enough while the chart still pins the old ones."""
    chart = _assume(*OUT_AND_PINNED[:5]).release("chart")
    assert chart.status is ReleaseStatus.BLOCKED
    assert {b.detail for b in chart.blockers} == {
        "pins jupyterhub-kubespawner from git 7ae9900; the plan needs >=0.9.0b1 released",
        "pins oauthenticator==0.7.2; the plan needs >0.7.3",
        "pins jupyterhub==0.9.1; the plan needs >0.9.1",
    }


def test_merging_one_part_leaves_kubespawner_blocked_by_the_other() -> None:
    """Assuming #230 merged leaves kubespawner blocked by #232 alone, and nothing changes status."""
    evaluation = _assume("kubespawner#230 merged")
    assert [b.condition for b in evaluation.release("kubespawner").blockers] == ["needs kubespawner#232 merged"]
    assert evaluation.changed == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("chrt==1.0 released", "no release 'chrt'"),
        ("kubespawner#abc merged", "is not a PR or issue reference"),
        ("kubespawner pins x==1", "has no requirements file in its pins"),
        ("release everything", "is not an assumption"),
    ],
)
def test_bad_assumption_is_exit_2(run_cli: Callable[..., Run], text: str, message: str) -> None:
    """An assumption that names nothing in the plan, or is no assumption, is exit 2 with the forms that work."""
    result = run_cli("check", "--assume", text)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err


def test_cli_shows_what_changes(run_cli: Callable[..., Run]) -> None:
    """`check --assume` prints the report of the assumed state and a What if section; JSON carries it too."""
    args = [arg for text in OUT_AND_PINNED for arg in ("--assume", text)]
    result = run_cli("check", *args, "--color", "never")
    assert "What if\n  assuming jupyterhub==0.9.2 released" in result.out
    assert "  release chart: blocked -> unblocked" in result.out
    document = json.loads(run_cli("check", *args, "--format", "json").out)
    assert {"kind": "release", "id": "chart", "before": "blocked", "after": "unblocked"} in document["what_if"][
        "changes"
    ]


def test_next_ranks_actions_by_what_they_unblock(run_cli: Callable[..., Run]) -> None:
    """`release-gate next` lists first the actions that help the most releases."""
    result = run_cli("next")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == "1. merge kubespawner#230 (helps 2: kubespawner, chart)"
    assert lines[-1] == "7. merge batchspawner#112 (helps 1: batchspawner)"
