"""The merge gate's decisions: which commit status each pull request gets, and why.

Pure: an `Evaluation` and what GitHub says about a PR (its
head, its labels, who added the override label and whether they may) go in; a
`Decision` comes out. `run` reads the event's PRs and posts
the statuses. Text from outside (reasons quoting GitHub, logins) is cleaned to one line in
what a decision says.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

from release_gate.errors import InputError
from release_gate.evaluate import Answer, Evaluation
from release_gate.plan.model import ItemRef
from release_gate.times import show_time
from release_gate.untrusted import clean

__all__ = [
    "DESCRIPTION_LIMIT",
    "HANDLED_EVENTS",
    "Decision",
    "Event",
    "EventKind",
    "Override",
    "StatusState",
    "UnhandledEventError",
    "decide",
    "parse_event",
    "shorten",
    "unavailable",
]

DESCRIPTION_LIMIT = 140
"""GitHub rejects a commit status description longer than this."""

WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})


class StatusState(enum.StrEnum):
    """Commit status states."""

    PENDING = "pending"
    SUCCESS = "success"
    FAILURE = "failure"
    ERROR = "error"


class EventKind(enum.StrEnum):
    """What the workflow was started by, as the gate sees it."""

    PULL_REQUEST = "pull_request"
    """``pull_request`` or ``pull_request_target``: one PR."""
    MERGE_GROUP = "merge_group"
    """A merge queue entry: one PR, judged on the merge group's commit."""
    SWEEP = "sweep"
    """``schedule``, ``workflow_dispatch``, ``repository_dispatch``: every open PR."""


@dataclass(frozen=True, slots=True)
class Event:
    """The event a gate run answers."""

    kind: EventKind
    number: int | None = None
    sha: str = ""
    """The commit to post on: the PR head, or the merge group's head."""


_QUEUE_REF = re.compile(r"gh-readonly-queue/.*/pr-([1-9][0-9]{0,17})-")

HANDLED_EVENTS = (
    "pull_request_target",
    "pull_request",
    "merge_group",
    "schedule",
    "workflow_dispatch",
    "repository_dispatch",
)
"""The events the gate runs on; any other is an `UnhandledEventError`."""

_INSTEAD = (
    "run it on pull_request_target (status mode) or pull_request (check mode) for pull requests, "
    "merge_group for a merge queue, and schedule, workflow_dispatch or repository_dispatch to re-check "
    "every open pull request"
)
_INSTEAD_OF = {
    "push": "to check the plan on a push, run `release-gate check` in that job instead",
    "release": (
        "to re-check held pull requests when a release is out, let the release workflow send a "
        "repository_dispatch of type release-gate-recheck"
    ),
}


class UnhandledEventError(InputError, ValueError):
    """An event the gate does not handle (exit 2): its `name`, and what to run the gate on instead."""

    def __init__(self, name: str) -> None:
        self.name = name
        """The event's name (``GITHUB_EVENT_NAME``), as given."""
        extra = _INSTEAD_OF.get(name)
        advice = f"{_INSTEAD}. {extra[0].upper()}{extra[1:]}" if extra else _INSTEAD
        super().__init__(f"the gate does not handle {clean(name)!r} events; {advice}")


def parse_event(name: str, payload: object) -> Event:
    """Read the event *name* and its webhook *payload*; raises `ValueError` saying what is wrong.

    An event the gate does not handle raises [`UnhandledEventError`][release_gate.gate.decide.UnhandledEventError]
    (a `ValueError` too), whatever its payload.
    """
    if name not in HANDLED_EVENTS:
        raise UnhandledEventError(name)
    if not isinstance(payload, dict):
        raise ValueError("the event payload is not a JSON object")  # noqa: TRY004 - bad input, one error kind
    if name in ("pull_request", "pull_request_target"):
        pr = payload.get("pull_request")
        number = pr.get("number") if isinstance(pr, dict) else None
        if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
            raise ValueError(f"a {name} event without pull_request.number")
        head = pr.get("head") if isinstance(pr, dict) else None
        sha = head.get("sha") if isinstance(head, dict) else None
        if not isinstance(sha, str) or not sha:
            raise ValueError(f"a {name} event without pull_request.head.sha")
        return Event(EventKind.PULL_REQUEST, number, sha)
    if name == "merge_group":
        group = payload.get("merge_group")
        if not isinstance(group, dict):
            raise ValueError("a merge_group event without merge_group")
        head_ref = group.get("head_ref")
        match = _QUEUE_REF.search(head_ref) if isinstance(head_ref, str) else None
        sha = group.get("head_sha")
        if match is None or not isinstance(sha, str) or not sha:
            raise ValueError("a merge_group event whose head_ref names no PR (gh-readonly-queue/BASE/pr-N-SHA)")
        return Event(EventKind.MERGE_GROUP, int(match.group(1)), sha)
    return Event(EventKind.SWEEP)  # schedule, workflow_dispatch, repository_dispatch


@dataclass(frozen=True, slots=True)
class Override:
    """An override label on a PR, and whether the person who added it may override."""

    label: str
    by: str
    at: dt.datetime | None
    permission: str
    """Their permission on the repo: ``admin``, ``maintain``, ``write``, ``triage``, ``read`` or ``none``."""

    @property
    def honoured(self) -> bool:
        """Whether it frees the PR (write, maintain or admin permission)."""
        return self.permission in WRITE_PERMISSIONS


@dataclass(frozen=True, slots=True)
class Decision:
    """The commit status a PR gets, and the longer explanation for the report."""

    ref: ItemRef
    label: str
    state: StatusState
    description: str
    """One clean line of at most `DESCRIPTION_LIMIT` characters (GitHub shows it beside the PR)."""
    held: bool
    detail: str
    """The full explanation (for the job summary and annotations); its line breaks, if any, are ours."""
    unknown: bool = False
    """Whether the state could not tell: the gate then fails closed (exit 3, whatever the mode)."""


def shorten(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """Cut *text* to *limit* characters, ending in an ellipsis when cut.

    >>> shorten("x" * 150)[-3:], len(shorten("x" * 150))
    ('xx…', 140)
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(text: str) -> str:
    """Return a status description: *text* cleaned, then cut to what GitHub takes."""
    return shorten(clean(text))


def unavailable(ref: ItemRef, label: str, problem: str, detail: str, *, merge_group: bool = False) -> Decision:
    """Decide for a PR when there is no evaluation at all (the plan or the state could not be read): fail closed.

    The status is ``error`` (``failure`` in a merge group, which takes only success or failure).
    """
    state = StatusState.FAILURE if merge_group else StatusState.ERROR
    return Decision(ref, label, state, _describe(f"release-gate: {problem}"), held=False, detail=detail, unknown=True)


def decide(
    evaluation: Evaluation, ref: ItemRef, *, merge_group: bool = False, override: Override | None = None
) -> Decision:
    """Decide the status of PR *ref*: pending while held, success when free, error when unknown.

    In a merge group a held PR gets ``failure``, never ``pending`` (the queue would wait
    out its timeout). An override label frees a held PR only when the person who added it
    has write, maintain or admin permission; otherwise it is ignored, and the report says so.
    """
    verdict = evaluation.pr(ref)
    label = clean(verdict.label)
    why = clean(verdict.detail)
    held_by = [(hold, detail) for hold, status, detail in verdict.holds if status.value in ("held", "violated")]
    waits = sorted({release for hold in held_by for release in evaluation.hold(hold[0]).waiting_on})
    wants = clean(", ".join(f"{r} {evaluation.release(r).release.requirement}" for r in waits))
    ignored = ""
    if override is not None and not override.honoured:
        ignored = clean(
            f"; the {override.label} label by @{override.by} is ignored ({override.permission} permission, not write)"
        )
    if verdict.answer is Answer.UNKNOWN:
        detail = f"{label}: cannot tell whether it is held: {why}"
        text = _describe(f"release-gate could not read the state: {why}")
        state = StatusState.FAILURE if merge_group else StatusState.ERROR
        return Decision(ref, label, state, text, held=False, detail=detail, unknown=True)
    if verdict.answer is Answer.BLOCKED:
        if override is not None and override.honoured:
            when = f" {show_time(override.at)}" if override.at else ""
            text = f"overridden by @{clean(override.by)}{when}; was waiting for {wants}"
            return Decision(ref, label, StatusState.SUCCESS, _describe(text), held=False, detail=f"{label}: {text}")
        text = f"waits for {wants} to be released" if wants else why
        state = StatusState.FAILURE if merge_group else StatusState.PENDING
        return Decision(ref, label, state, _describe(text), held=True, detail=f"{label}: held: {text}{ignored}")
    text = "not held by the plan" if not verdict.holds else "free: " + why.removeprefix("free: ")
    return Decision(ref, label, StatusState.SUCCESS, _describe(text), held=False, detail=f"{label}: {text}{ignored}")
