"""The status issue: one GitHub issue per plan, kept up to date by the gate's sweeps.

Like the dependency dashboards teams already rely on (Renovate's "Dependency Dashboard"),
it is the page a maintainer opens first: the Markdown report, in the dashboard's order, with
links and no mentions. Pure: what the issue says (`title`, `body`) and what to do given the
issues found (`decide`), with no I/O and no import of a source; `release_gate.gate.run`
lists, creates and edits it through `GitHubGateClient <release_gate.sources.github.GitHubGateClient>`.

How it is found. It carries the label `LABEL`, and its body starts with a hidden marker (an
HTML comment naming the plan's path and repository, `marker`), so several plans can each keep
one in the same repository. The gate lists the issues with that label, open and closed: one
request, consistent at once (a search would not find an issue made seconds before, and the
next sweep would make a second), and a listing of every open issue would cost a request per
hundred. The marker, not the label or the title, decides which issue is the plan's.

What is done. No issue with the marker: one is created. An open one: it is edited, in one
request with its whole title and body, and only when they differ from what it says now (the
report leaves out when the state was read, so a sweep that finds nothing changed edits
nothing). Only closed ones: nothing; closing the issue stops the updates, and reopening it
starts them again. Several open: the oldest is kept up to date, and the others named.
"""

from __future__ import annotations

import enum
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from release_gate.evaluate import Evaluation
from release_gate.report import links, markdown
from release_gate.untrusted import clean

__all__ = ["LABEL", "TITLE_LIMIT", "ListedIssue", "Step", "Update", "body", "decide", "marker", "title"]

LABEL = "release-gate/status"
"""The label the status issue carries: the gate lists the issues with it, then reads their markers."""
TITLE_LIMIT = 256
"""GitHub's cap on an issue's title."""


class Step(enum.StrEnum):
    """What a sweep does to the status issue."""

    CREATE = "created"
    EDIT = "edited"
    KEEP = "unchanged"
    """It says what it should already."""
    CLOSED = "closed"
    """Someone closed it: it is left as it is."""


@dataclass(frozen=True, slots=True)
class Update:
    """What to do to the plan's status issue, and with what title and body."""

    step: Step
    number: int | None
    """The issue to edit (or left unchanged, or closed); ``None`` when it is to be created."""
    title: str
    body: str
    others: tuple[int, ...] = ()
    """Other issues that carry the same marker (made by hand, or by an older release-gate): named, left alone."""


class ListedIssue(Protocol):
    """An issue as listed (`release_gate.sources.github.ListedIssue` is one): all `decide` reads of it."""

    @property
    def number(self) -> int:
        """The issue's number."""

    @property
    def title(self) -> str:
        """Its title."""

    @property
    def body(self) -> str:
        """Its body (empty when it has none)."""

    @property
    def open(self) -> bool:
        """Whether it is open."""


def marker(plan_repo: str, plan_path: str) -> str:
    """Return the hidden marker that names the plan an issue reports on (its path and repository).

    The path and repository are quoted, so nothing in them can end the comment.

    >>> marker("JupyterHub/kubespawner", ".github/release-plan.toml")
    '<!-- release-gate status issue: plan .github/release-plan.toml in jupyterhub/kubespawner -->'
    """
    path = urllib.parse.quote(plan_path, safe="/._~")
    repo = urllib.parse.quote(plan_repo.lower(), safe="/._~")
    return f"<!-- release-gate status issue: plan {path} in {repo} -->"


def title(evaluation: Evaluation) -> str:
    """Return the issue's title: ``Release plan: NAME``, cleaned, mentioning no one, within GitHub's cap."""
    text = markdown.quiet(clean(f"Release plan: {evaluation.plan.name}"))
    return text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 1] + "…"


def body(evaluation: Evaluation, *, mark: str, repository: str, server: str = links.GITHUB) -> str:
    """Return the issue's body: the marker, the Markdown report (without read times), a footer; within the cap."""
    head = f"{mark}\n"
    foot = (
        "\n---\n\n_Kept up to date by release-gate on each sweep of "
        f"{markdown.inline(repository)}, edited only when the report changes: edits made here are overwritten. "
        "Close the issue to stop the updates._\n"
    )
    limit = markdown.COMMENT_LIMIT - len(head) - len(foot)
    return head + markdown.render(evaluation, limit=limit, server=server, taken=False) + foot


def _same(issue: ListedIssue, wanted_title: str, wanted_body: str) -> bool:
    """Whether *issue* says what it should (GitHub may give line ends back as CR LF)."""
    return issue.title == wanted_title and issue.body.replace("\r\n", "\n") == wanted_body


def decide(found: Sequence[ListedIssue], mark: str, wanted_title: str, wanted_body: str) -> Update:
    """Return what to do, given the issues *found* with the label: create, edit, keep or leave closed.

    Only the issues whose body starts with *mark* count (after any blank lines GitHub kept).
    """
    mine = sorted((issue for issue in found if issue.body.lstrip().startswith(mark)), key=lambda i: i.number)
    opened = [issue for issue in mine if issue.open]
    if opened:
        first = opened[0]
        others = tuple(issue.number for issue in opened[1:])
        step = Step.KEEP if _same(first, wanted_title, wanted_body) else Step.EDIT
        return Update(step, first.number, wanted_title, wanted_body, others)
    if mine:
        return Update(Step.CLOSED, mine[-1].number, wanted_title, wanted_body)
    return Update(Step.CREATE, None, wanted_title, wanted_body)
