"""Wording shared by the reporters: times, status words, reason chains, the verdict line.

What these return is clean (`clean`): one line, whatever the
tags, versions and reasons from outside hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from release_gate.evaluate import (
    Answer,
    DeadlineVerdict,
    Evaluation,
    HoldStatus,
    Outcome,
    Reason,
    ReleaseStatus,
    ReleaseVerdict,
)
from release_gate.plan.model import Intent, Source
from release_gate.times import show_time
from release_gate.untrusted import clean

SOURCE_LABEL = {
    Source.TAGS: "tag",
    Source.GITHUB_RELEASES: "GitHub release",
    Source.PYPI: "PyPI",
    Source.HELM: "chart index",
    Source.NPM: "npm",
    Source.CONDA: "conda-forge",
    Source.RECIPE: "feedstock recipe",
    Source.OCI: "image",
}
"""How a report names one item of each source: ``tag v0.9.0``, ``PyPI 0.9.0b1``."""

__all__ = ["SOURCE_LABEL", "chain", "deadline_text", "fmt_time", "release_detail", "status_text", "verdict_line"]


def fmt_time(when: dt.datetime | None) -> str:
    """``2018-08-09 18:00 UTC``, or ``unknown``."""
    return "unknown" if when is None else show_time(when)


def status_text(verdict: ReleaseVerdict) -> str:
    """Return the status word, marked ``(proposed)`` for a release still to be decided."""
    if verdict.release.intent is Intent.PROPOSED:
        return f"{verdict.status} (proposed)"
    return str(verdict.status)


def deadline_text(deadline: DeadlineVerdict | None) -> str:
    """``jupytercon 2018-08-23: 14 days left, on track``."""
    if deadline is None:
        return ""
    days = deadline.days_left
    when = (
        "today"
        if days == 0
        else f"{days} day{'s' if abs(days) != 1 else ''} left"
        if days > 0
        else f"{-days} day{'s' if days != -1 else ''} ago"
    )
    return f"{clean(deadline.deadline.id)} {deadline.deadline.date:%Y-%m-%d}: {when}, {deadline.status}"


def release_detail(verdict: ReleaseVerdict) -> str:
    """One line on how a release stands: the evidence, or what it waits on."""
    match verdict.status:
        case ReleaseStatus.RELEASED:
            assert verdict.released is not None
            evidence = verdict.released
            where = f"tag {clean(evidence.tag)}" if evidence.source is Source.TAGS else SOURCE_LABEL[evidence.source]
            if evidence.source is Source.GITHUB_RELEASES:
                where = f"GitHub release {clean(evidence.tag)}"
            return f"{clean(evidence.version)} ({where}, {fmt_time(evidence.date)})"
        case ReleaseStatus.UNBLOCKED:
            return "can be cut now (every precondition met)"
        case _:
            unmet = sum(1 for r in verdict.blockers if r.outcome is Outcome.UNMET)
            unknown = len(verdict.blockers) - unmet
            parts = [
                f"{n} precondition{'s' if n != 1 else ''} {word}"
                for n, word in ((unmet, "unmet"), (unknown, "unknown"))
                if n
            ]
            if verdict.status is ReleaseStatus.UNKNOWN and not unknown:
                parts.append("whether it is out is unknown")
            return ", ".join(parts) or "0 preconditions unmet"


def reason_text(reason: Reason) -> str:
    """``needs kubespawner#230 merged: open`` (the detail may quote GitHub, an index or a file: cleaned)."""
    return f"{clean(reason.condition)}: {clean(reason.detail)}"


def chain(reason: Reason, depth: int = 0) -> Iterator[tuple[int, Reason]]:
    """Yield a reason and everything under it, with its depth, down to the root causes."""
    yield depth, reason
    for cause in reason.causes:
        yield from chain(cause, depth + 1)


def _some(names: list[str], most: int = 8) -> str:
    """Name up to *most* items, then how many more: a large plan's verdict line stays one line."""
    shown = ", ".join(clean(name) for name in names[:most])
    return shown if len(names) <= most else f"{shown} and {len(names) - most} more"


def verdict_line(evaluation: Evaluation) -> str:
    """One sentence: the answer and the counts behind it."""
    planned = [r for r in evaluation.releases if r.release.intent is Intent.PLANNED]
    parts = []
    for status, word in (
        (ReleaseStatus.UNBLOCKED, "can ship now"),
        (ReleaseStatus.BLOCKED, "blocked"),
        (ReleaseStatus.UNKNOWN, "unknown"),
        (ReleaseStatus.RELEASED, "released"),
    ):
        ids = [r.id for r in planned if r.status is status]
        if ids:
            parts.append(f"{len(ids)} {word} ({_some(ids)})")
    for hold_status in (HoldStatus.VIOLATED, HoldStatus.UNKNOWN, HoldStatus.HELD):
        prs = [pr.label for h in evaluation.holds for pr in h.prs if pr.status is hold_status]
        if prs:
            parts.append(f"{len(prs)} PR{'s' if len(prs) != 1 else ''} {hold_status} ({_some(prs)})")
    return f"{_head(evaluation, planned)}: {'; '.join(parts) if parts else 'nothing planned'}"


def _head(evaluation: Evaluation, planned: list[ReleaseVerdict]) -> str:
    """Return the verdict line's first word: the answer, and for a blocked answer what blocks it.

    ``blocked`` when a planned release is; else ``violated`` when a hold was broken, else
    ``held`` (PRs still waiting, nothing blocked). The exit code follows the answer only.
    """
    match evaluation.answer():
        case Answer.CLEAR:
            return "clear"
        case Answer.UNKNOWN:
            return "unknown"
        case Answer.BLOCKED if any(r.status is ReleaseStatus.BLOCKED for r in planned):
            return "blocked"
        case Answer.BLOCKED if any(h.status is HoldStatus.VIOLATED for h in evaluation.holds):
            return "violated"
        case Answer.BLOCKED:
            return "held"
