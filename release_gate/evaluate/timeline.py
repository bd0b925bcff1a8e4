"""The timeline: how each release's and hold's verdict changed over a period.

Pure: the plan's graph and a State in; the moments where something changed out. The
moments looked at are the times the state records (tags, GitHub releases, published
versions, PRs and issues opened, merged or closed, pin files changed) inside the period, plus its start.
"""

from __future__ import annotations

import datetime as dt

from release_gate.evaluate.engine import evaluate
from release_gate.evaluate.verdicts import Change, ChangeKind
from release_gate.graph import ReleaseGraph
from release_gate.state import FileHistory, Issue, PullRequest, Registry, RepoState, State

__all__ = ["moments", "timeline"]


def moments(state: State) -> set[dt.datetime]:
    """Return every moment the state records: tags, releases, published versions, PRs, issues, file changes."""
    moments: set[dt.datetime] = set()
    for repo in state.repos.values():
        if isinstance(repo, RepoState):
            moments.update(t.date for t in repo.tags if t.date)
            moments.update(r.published_at for r in repo.releases if r.published_at)
            for history in repo.files.values():
                if isinstance(history, FileHistory):
                    moments.update(v.since for v in history.versions if v.since)
    for item in state.items.values():
        if isinstance(item, PullRequest | Issue):
            moments.update(m for m in (item.created_at, item.closed_at, getattr(item, "merged_at", None)) if m)
    for registry in state.registries.values():
        if isinstance(registry, Registry):
            moments.update(p.date for p in registry.versions if p.date)
    return moments


def timeline(graph: ReleaseGraph, state: State, start: dt.datetime, end: dt.datetime) -> tuple[Change, ...]:
    """Return every change of a release's or hold's status from *start* to *end* (both within the state).

    The first changes give each status at *start* (``before`` empty). Raises `ValueError`
    when *end* is after the state was taken or before *start*.
    """
    if end < start:
        raise ValueError("the period ends before it starts")
    changes_at = sorted(m for m in moments(state) if start < m <= end)
    changes: list[Change] = []
    last: dict[tuple[ChangeKind, str], str] = {}
    for when in (start, *changes_at):
        evaluation = evaluate(graph, state, as_of=when)
        now = {(ChangeKind.RELEASE, r.id): str(r.status) for r in evaluation.releases}
        now.update({(ChangeKind.HOLD, h.id): str(h.status) for h in evaluation.holds})
        for (kind, item_id), status in now.items():
            if last.get((kind, item_id)) != status:
                changes.append(Change(when, kind, item_id, last.get((kind, item_id), ""), status))
        last = now
    return tuple(changes)
