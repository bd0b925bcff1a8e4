"""The one-way pipeline: plan file -> graph -> state -> evaluation, the one way every command reads and evaluates.

`check` runs it in one call. `read` stops after the state is read, and returns
a `Reading`: the graph and the state, which evaluates as of any moment the state
covers, with any what-if assumptions, and which timelines are drawn from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from release_gate.evaluate import Evaluation, evaluate
from release_gate.evaluate.whatif import Assumption, what_if
from release_gate.graph import ReleaseGraph, build_graph
from release_gate.plan.model import Plan
from release_gate.plan.reader import load_plan
from release_gate.state import State, StateProvider, StateRequest, request_for

__all__ = ["Reading", "check", "plan_request", "read"]


@dataclass(frozen=True, slots=True)
class Reading:
    """A plan's graph and the state read for it."""

    graph: ReleaseGraph
    state: State

    def evaluate(self, *, as_of: dt.datetime | None = None, assume: Sequence[Assumption] = ()) -> Evaluation:
        """Evaluate as of *as_of* (default: when the state was taken), as if *assume* had happened.

        Raises `ValueError` for an *as_of* after the state was taken.
        """
        if assume:
            return what_if(self.graph, self.state, tuple(assume), as_of=as_of)
        return evaluate(self.graph, self.state, as_of=as_of)


def plan_request(
    graph: ReleaseGraph, *, as_of: dt.datetime | None = None, files_since: dt.datetime | None = None
) -> StateRequest:
    """Return the state request for *graph*'s plan: its repos, and every PR and issue the graph names.

    *as_of* asks for the pin files as they were at that moment; *files_since* also for their
    versions since then (a timeline looks back to it).
    """
    items = (*graph.pull_requests(), *graph.issues())
    return request_for(graph.plan, items, as_of=as_of, files_since=files_since)


def read(
    plan: Plan | str | Path,
    provider: StateProvider,
    *,
    as_of: dt.datetime | None = None,
    files_since: dt.datetime | None = None,
) -> Reading:
    """Read the state *plan* (a [`Plan`][release_gate.plan.model.Plan] or a plan file path) needs from *provider*.

    Raises [`PlanError`][release_gate.errors.PlanError] for a bad plan, and whatever the provider
    raises when no state can be read.
    """
    if not isinstance(plan, Plan):
        plan = load_plan(plan)
    graph = build_graph(plan)
    return Reading(graph, provider.fetch(plan_request(graph, as_of=as_of, files_since=files_since)))


def check(plan: Plan | str | Path, provider: StateProvider, *, as_of: dt.datetime | None = None) -> Evaluation:
    """Evaluate *plan* (a `Plan` or a plan file path) against the state *provider* reads.

    *plan* is a [`Plan`][release_gate.plan.model.Plan] or the path of a plan file.

    Raises [`PlanError`][release_gate.errors.PlanError] for a bad plan, whatever the provider
    raises when no state can be read, and `ValueError` for an *as_of* after the
    state was taken.
    """
    return read(plan, provider, as_of=as_of).evaluate(as_of=as_of)
