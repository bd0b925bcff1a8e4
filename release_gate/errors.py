"""The one exception tree of release-gate; every error carries structured fields.

The CLI maps these to exit codes in one place: `InputError` and its subclasses
exit 2 (bad plan, snapshot, option), `StateUnavailableError` exits 3. A message
quotes text from outside (a snapshot's keys, a package name, GitHub's error message):
each part is cleaned to one line where the message is built, so the only line breaks in
a message are a `PlanError`'s, one per problem.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from release_gate.untrusted import clean

__all__ = [
    "InputError",
    "NotInPlanError",
    "PlanError",
    "PlanIssue",
    "ReleaseGateError",
    "SnapshotError",
    "StateUnavailableError",
    "UsageError",
]


class ReleaseGateError(Exception):
    """Any error raised by release-gate on purpose; its message is fit for a user."""


class InputError(ReleaseGateError):
    """Input that release-gate cannot use: a plan, a snapshot, an option (exit code 2)."""


@dataclass(frozen=True, slots=True)
class PlanIssue:
    """One problem in a plan file: where it is and what to do about it."""

    key: str
    """Dotted key path (``releases.chart.after[1]``), or ``""`` for the whole file."""
    message: str
    """What is wrong and how to fix it, in one or two sentences."""
    line: int | None = None
    """1-based line in the file, where it is known."""

    def location(self, path: str) -> str:
        """Return ``file:line: key`` for this issue."""
        where = f"{path}:{self.line}" if self.line else path
        return f"{where}: {self.key}" if self.key else where


class PlanError(InputError):
    """A plan file that cannot be used; lists every problem found, not just the first."""

    def __init__(self, path: str, issues: tuple[PlanIssue, ...]) -> None:
        self.path = path
        self.issues = tuple(sorted(issues, key=lambda i: (i.line or 0, i.key, i.message)))
        count = len(self.issues)
        head = f"{clean(path)}: the plan has {count} problem{'s' if count != 1 else ''}"
        body = "\n".join(f"  {clean(issue.location(path))}: {clean(issue.message)}" for issue in self.issues)
        super().__init__(f"{head}:\n{body}")


class SnapshotError(InputError):
    """A state snapshot file that cannot be read."""

    def __init__(self, path: str, problem: str, fix: str) -> None:
        self.path = path
        self.problem = problem
        self.fix = fix
        super().__init__(f"{clean(path)}: {clean(problem)}. {clean(fix)}")


class UsageError(InputError):
    """An option or argument that cannot be used as given."""

    def __init__(self, option: str, problem: str, fix: str) -> None:
        self.option = option
        self.problem = problem
        self.fix = fix
        super().__init__(f"{clean(option)}: {clean(problem)}. {clean(fix)}")


class StateUnavailableError(ReleaseGateError):
    """No state could be read at all (exit code 3); per-item gaps are ``Unknown`` values."""

    def __init__(self, source: str, problem: str, hint: str = "") -> None:
        self.source = source
        self.problem = problem
        self.hint = hint
        super().__init__(f"{clean(source)}: {clean(problem)}" + (f". {clean(hint)}" if hint else ""))


class NotInPlanError(ReleaseGateError, KeyError):
    """A release or hold id that the plan does not have; also a `KeyError` (and so a `LookupError`).

    Raised by [`Evaluation.release`][release_gate.evaluate.verdicts.Evaluation.release] and
    [`Evaluation.hold`][release_gate.evaluate.verdicts.Evaluation.hold]; code that catches
    `KeyError` keeps working.
    """

    _SHOWN = 20
    """The most ids the message lists."""

    def __init__(self, kind: Literal["release", "hold"], id: str, known: tuple[str, ...]) -> None:  # noqa: A002 - the id field of verdicts
        self.kind = kind
        """What was looked up: ``release`` or ``hold``."""
        self.id = id
        """The id asked for."""
        self.known = known
        """The ids of that kind the plan has, in plan order."""
        self.close: str | None = next(iter(difflib.get_close_matches(id, known, n=1)), None)
        """The plan's id closest to [`id`][release_gate.errors.NotInPlanError.id], if any is close."""
        hint = f" (did you mean {clean(self.close)!r}?)" if self.close else ""
        shown = ", ".join(clean(name) for name in known[: self._SHOWN]) + (", ..." if len(known) > self._SHOWN else "")
        listed = f"; its {kind}s: {shown}" if known else f"; it has no {kind}s"
        super().__init__(f"the plan has no {kind} {clean(id)!r}{hint}{listed}")

    def __str__(self) -> str:
        """Return the message itself (`KeyError` would show it quoted)."""
        return str(self.args[0])
