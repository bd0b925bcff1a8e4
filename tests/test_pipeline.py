"""The pipeline: one way to read a plan's state and evaluate it (release_gate.pipeline)."""

from __future__ import annotations

import datetime as dt

from release_gate import SnapshotStateProvider, check, load_plan
from release_gate.evaluate import ReleaseStatus
from release_gate.evaluate.whatif import parse_assumption
from release_gate.graph import build_graph
from release_gate.pipeline import plan_request, read
from release_gate.state import request_for
from release_gate.testing import FakeStateProvider
from tests.conftest import EXAMPLE_PLAN, EXAMPLE_STATE

TAKEN = dt.datetime(2018, 8, 9, 18, tzinfo=dt.UTC)


def test_the_request_names_the_graphs_items_and_the_moments_asked_for() -> None:
    """plan_request asks for every PR and issue the graph names, the files as of a moment and since another."""
    plan = load_plan(EXAMPLE_PLAN)
    graph = build_graph(plan)
    since = TAKEN - dt.timedelta(days=30)
    request = plan_request(graph, as_of=TAKEN, files_since=since)
    assert request == request_for(plan, (*graph.pull_requests(), *graph.issues()), as_of=TAKEN, files_since=since)
    assert (request.as_of, request.files_since) == (TAKEN, since)
    assert {ref.key for ref in graph.pull_requests()} <= {ref.key for ref in request.items}


def test_check_reads_the_pin_files_as_of_the_moment_it_evaluates() -> None:
    """check(..., as_of=T) asks for the files as of T, so pins are judged by the file of that moment, not today's."""
    fake = FakeStateProvider(taken_at=TAKEN)
    as_of = TAKEN - dt.timedelta(days=1)
    check(EXAMPLE_PLAN, fake, as_of=as_of)
    assert [request.as_of for request in fake.requests] == [as_of]


def test_a_reading_returns_the_state_and_evaluates_again_with_assumptions() -> None:
    """read() keeps the state beside the graph; its evaluation is check()'s, and --assume's what-if on request."""
    plan = load_plan(EXAMPLE_PLAN)
    reading = read(plan, SnapshotStateProvider(EXAMPLE_STATE))
    assert reading.state.taken_at == check(plan, SnapshotStateProvider(EXAMPLE_STATE)).as_of
    assert reading.evaluate().release("chart").status is ReleaseStatus.BLOCKED
    assumed = reading.evaluate(assume=[parse_assumption(plan, "kubespawner==0.9.0b1 released")])
    assert assumed.assumptions == ("kubespawner==0.9.0b1 released",)
    assert assumed.release("kubespawner").status is ReleaseStatus.RELEASED
