"""The one-way pipeline in one call: plan file -> graph -> state -> evaluation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from release_gate.evaluate import Evaluation, evaluate
from release_gate.graph import build_graph
from release_gate.plan.model import Plan
from release_gate.plan.reader import load_plan
from release_gate.state import StateProvider, request_for

__all__ = ["check"]


def check(plan: Plan | str | Path, provider: StateProvider, *, as_of: dt.datetime | None = None) -> Evaluation:
    """Evaluate *plan* (a :class:`Plan` or a plan file path) against the state *provider* reads.

    Raises :class:`~release_gate.errors.PlanError` for a bad plan, whatever the provider
    raises when no state can be read, and :class:`ValueError` for an *as_of* after the
    state was taken.
    """
    if not isinstance(plan, Plan):
        plan = load_plan(plan)
    graph = build_graph(plan)
    state = provider.fetch(request_for(plan, (*graph.pull_requests(), *graph.issues())))
    return evaluate(graph, state, as_of=as_of)
