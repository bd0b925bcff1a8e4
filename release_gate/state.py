"""What the world looked like: tags, pull requests, issues, files; and the provider seam.

State is read by a :class:`StateProvider` (a recorded snapshot today; live GitHub through
the same interface) into a :class:`World`. Anything that could not be read is an
:class:`Unknown` value carrying the reason, never an exception and never a default that
could count as "met".
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from release_gate.model import ItemRef, Plan
from release_gate.times import show_time

__all__ = [
    "Issue",
    "IssueState",
    "PrState",
    "PullRequest",
    "RepoState",
    "StateProvider",
    "StateRequest",
    "Tag",
    "Unknown",
    "World",
    "request_for",
]


@dataclass(frozen=True, slots=True)
class Unknown:
    """Something that could not be found out, and why."""

    reason: str


class PrState(enum.StrEnum):
    """Where a pull request stands."""

    OPEN = "open"
    MERGED = "merged"
    CLOSED = "closed"
    """Closed without being merged."""


class IssueState(enum.StrEnum):
    """Where an issue stands."""

    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Tag:
    """A git tag; ``date`` is when it was made (tagger or commit date), if known."""

    name: str
    sha: str = ""
    date: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class PullRequest:
    """A pull request as it stood when the state was read."""

    ref: ItemRef
    state: PrState
    title: str = ""
    draft: bool = False
    head: str = ""
    created_at: dt.datetime | None = None
    merged_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None

    def at(self, when: dt.datetime) -> PullRequest | Unknown | None:
        """Return this PR as it stood at *when*; ``None`` if it was not opened yet."""
        if self.created_at is not None and self.created_at > when:
            return None
        ended = self.merged_at if self.state is PrState.MERGED else self.closed_at
        if self.state is PrState.OPEN:
            return self
        if ended is None:
            return Unknown(
                f"{self.state} at a time the state does not record, so its state at {show_time(when)} is unknown"
            )
        if ended > when:
            return replace(self, state=PrState.OPEN, merged_at=None, closed_at=None)
        return self


@dataclass(frozen=True, slots=True)
class Issue:
    """An issue as it stood when the state was read."""

    ref: ItemRef
    state: IssueState
    title: str = ""
    created_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None

    def at(self, when: dt.datetime) -> Issue | Unknown | None:
        """Return this issue as it stood at *when*; ``None`` if it was not opened yet."""
        if self.created_at is not None and self.created_at > when:
            return None
        if self.state is IssueState.OPEN:
            return self
        if self.closed_at is None:
            return Unknown(f"closed at a time the state does not record, so its state at {show_time(when)} is unknown")
        if self.closed_at > when:
            return replace(self, state=IssueState.OPEN, closed_at=None)
        return self


@dataclass(frozen=True, slots=True)
class RepoState:
    """A repository's tags and the files of its default branch that the plan reads."""

    slug: str
    tags: tuple[Tag, ...] = ()
    default_branch: str = ""
    files: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class World:
    """Everything a provider read, keyed case-insensitively by repo and number."""

    taken_at: dt.datetime
    """When the state was read; verdicts can be asked for this moment or any earlier one."""
    source: str
    """Where it came from, for reports: ``snapshot config/x.state.json``."""
    repos: Mapping[str, RepoState | Unknown] = field(default_factory=dict)
    """By lower-cased ``owner/name``."""
    items: Mapping[tuple[str, int], PullRequest | Issue | Unknown] = field(default_factory=dict)
    """By :attr:`ItemRef.key`."""

    def repo(self, slug: str) -> RepoState | Unknown:
        """Return the state of repo *slug*, or :class:`Unknown` if it was not read."""
        return self.repos.get(slug.lower(), Unknown(f"{slug} is not in the state ({self.source})"))

    def item(self, ref: ItemRef) -> PullRequest | Issue | Unknown:
        """Return the PR or issue *ref*, or :class:`Unknown` if it was not read."""
        return self.items.get(ref.key, Unknown(f"{ref} is not in the state ({self.source})"))

    def pull_requests(self, slug: str) -> Iterator[PullRequest]:
        """Yield every PR of repo *slug* in the state (for finding the parts of a family)."""
        for (item_slug, _), item in sorted(self.items.items()):
            if item_slug == slug.lower() and isinstance(item, PullRequest):
                yield item


@dataclass(frozen=True, slots=True)
class StateRequest:
    """What a plan needs to know: which repos' tags, which PRs and issues, which families."""

    repos: tuple[str, ...]
    items: tuple[ItemRef, ...]
    """PRs and issues (a provider returns whichever each number is)."""
    families: tuple[ItemRef, ...] = ()
    """Parents of families whose parts should also be found (``discover = true``)."""


def request_for(plan: Plan, items: tuple[ItemRef, ...]) -> StateRequest:
    """Return the state request for *plan*, given every item its graph names."""
    slugs = {r.slug for r in plan.repos} | {ref.slug for ref in items}
    return StateRequest(
        repos=tuple(sorted(slugs, key=str.lower)),
        items=tuple(sorted(set(items))),
        families=tuple(f.parent for f in plan.families if f.discover),
    )


class StateProvider(Protocol):
    """A source of state: a recorded snapshot, a fake, or (later) live GitHub.

    ``fetch`` returns a :class:`World` with an entry for everything requested; what could
    not be read for one repo or item is an :class:`Unknown` entry (a missing entry is read
    as unknown too). Only when nothing at all can be read does it raise
    :class:`~release_gate.errors.StateUnavailableError`.
    """

    def fetch(self, request: StateRequest) -> World:
        """Read the state *request* asks for."""
        ...
