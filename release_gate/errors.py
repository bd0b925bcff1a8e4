"""The one exception tree of release-gate; every error carries structured fields.

The CLI maps these to exit codes in one place: :class:`InputError` and its subclasses
exit 2 (bad plan, snapshot, option), :class:`StateUnavailableError` exits 3. A message
quotes text from outside (a snapshot's keys, a package name, GitHub's error message):
each part is cleaned to one line where the message is built, so the only line breaks in
a message are a :class:`PlanError`'s, one per problem.
"""

from __future__ import annotations

from dataclasses import dataclass

from release_gate.untrusted import clean

__all__ = [
    "InputError",
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
