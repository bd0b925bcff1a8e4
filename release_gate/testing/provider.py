"""An in-memory state provider for tests, examples and your own scripts (no network, no files).

>>> import datetime as dt
>>> fake = FakeStateProvider(taken_at=dt.datetime(2018, 8, 20, tzinfo=dt.UTC))
>>> fake.tag("jupyterhub/kubespawner", "v0.9.0b1", "2018-08-19T12:00:00Z").pull(
...     "jupyterhub/kubespawner", 232, "merged", merged_at="2018-08-15T09:00:00Z")
FakeStateProvider(2 repos and items)
"""

from __future__ import annotations

import datetime as dt

from release_gate.plan.model import ItemRef, Source
from release_gate.state import (
    FileHistory,
    FileVersion,
    Issue,
    IssueState,
    PrState,
    Published,
    PullRequest,
    Registry,
    RepoState,
    State,
    StateRequest,
    Tag,
    Unknown,
    registry_key,
)
from release_gate.times import parse_time

__all__ = ["FakeStateProvider"]


def _time(value: str | dt.datetime | None) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = parse_time(value)
    if parsed is None:
        raise ValueError(f"{value!r} is not an ISO 8601 time with a timezone")
    return parsed


class FakeStateProvider:
    """Builds a [`State`][release_gate.state.State] from calls; each builder method returns ``self``."""

    def __init__(self, *, taken_at: dt.datetime, source: str = "fake state") -> None:
        self.taken_at = taken_at
        self.source = source
        self._repos: dict[str, RepoState | Unknown] = {}
        self._items: dict[tuple[str, int], PullRequest | Issue | Unknown] = {}
        self._registries: dict[str, Registry | Unknown] = {}
        self.requests: list[StateRequest] = []
        """Every request received, for tests that check what was asked."""

    def __repr__(self) -> str:
        return f"FakeStateProvider({len(self._repos) + len(self._items)} repos and items)"

    def _repo(self, slug: str) -> RepoState:
        repo = self._repos.get(slug.lower())
        if not isinstance(repo, RepoState):
            repo = RepoState(slug)
            self._repos[slug.lower()] = repo
        return repo

    def repo(self, slug: str, *, files: dict[str, str] | None = None) -> FakeStateProvider:
        """Record repo *slug* (with no tags yet) and the default-branch *files* as they are when the state is taken.

        Those files are known at that moment only (``--as-of`` an earlier one finds them
        unknown); [`file`][release_gate.testing.provider.FakeStateProvider.file] records a file with its history.
        """
        repo = self._repo(slug)
        read = {path: FileHistory.current(text, self.taken_at) for path, text in (files or {}).items()}
        self._repos[slug.lower()] = RepoState(
            repo.slug, repo.tags, repo.default_branch or "main", {**repo.files, **read}
        )
        return self

    def file(self, slug: str, path: str, *versions: tuple[str | None, str | dt.datetime]) -> FakeStateProvider:
        """Record default-branch file *path* of *slug* by its versions ``(text, since)``, oldest first.

        The file did not exist before the first version; a text of ``None`` deletes it.
        """
        repo = self._repo(slug)
        newest_first = tuple(FileVersion(text, _time(since)) for text, since in reversed(versions))
        history = FileHistory(self.taken_at, newest_first, complete=True)
        self._repos[slug.lower()] = RepoState(
            repo.slug, repo.tags, repo.default_branch or "main", {**repo.files, path: history}, repo.releases
        )
        return self

    def tag(self, slug: str, name: str, date: str | dt.datetime | None = None, sha: str = "") -> FakeStateProvider:
        """Record tag *name* in repo *slug*."""
        repo = self._repo(slug)
        self._repos[slug.lower()] = RepoState(
            repo.slug, (*repo.tags, Tag(name, sha, _time(date))), repo.default_branch, repo.files
        )
        return self

    def pull(
        self,
        slug: str,
        number: int,
        state: str = "open",
        *,
        title: str = "",
        draft: bool = False,
        created_at: str | dt.datetime | None = None,
        merged_at: str | dt.datetime | None = None,
        closed_at: str | dt.datetime | None = None,
    ) -> FakeStateProvider:
        """Record pull request *slug*#*number* (``open``, ``merged`` or ``closed``).

        Its repo is recorded too (with no tags yet), unless it is already recorded as unknown.
        """
        self._repos.setdefault(slug.lower(), RepoState(slug))
        merged = _time(merged_at)
        self._items[ItemRef(slug, number).key] = PullRequest(
            ItemRef(slug, number),
            PrState(state),
            title,
            draft,
            "",
            _time(created_at),
            merged,
            _time(closed_at) or merged,
        )
        return self

    def issue(
        self,
        slug: str,
        number: int,
        state: str = "open",
        *,
        title: str = "",
        closed_at: str | dt.datetime | None = None,
    ) -> FakeStateProvider:
        """Record issue *slug*#*number* (``open`` or ``closed``); its repo as `pull` does."""
        self._repos.setdefault(slug.lower(), RepoState(slug))
        self._items[ItemRef(slug, number).key] = Issue(
            ItemRef(slug, number), IssueState(state), title, None, _time(closed_at)
        )
        return self

    def published(
        self,
        source: str,
        name: str,
        version: str,
        date: str | dt.datetime | None = None,
        *,
        files: int = 1,
        yanked: int = 0,
        deprecated: str = "",
        platforms: dict[str, str | dt.datetime] | None = None,
    ) -> FakeStateProvider:
        """Record *version* of PyPI project, npm package or Helm chart *name* (*source* ``pypi``, ``npm``, ``helm``).

        A conda package (*source* ``conda``, *name* ``CHANNEL/NAME``) has *platforms*: each
        platform's first counted upload.
        """
        kind = Source(source)
        key = registry_key(kind, name)
        old = self._registries.get(key)
        versions = old.versions if isinstance(old, Registry) else ()
        uploads = {subdir: _time(when) for subdir, when in (platforms or {}).items()}
        built = tuple(sorted((subdir, when) for subdir, when in uploads.items() if when is not None))
        published = Published(version, _time(date), files, yanked, deprecated, built)
        self._registries[key] = Registry(kind, name, "", (*versions, published))
        return self

    def unknown(self, slug: str, number: int | None = None, reason: str = "could not be read") -> FakeStateProvider:
        """Record that repo *slug* (or its item *number*) could not be read."""
        if number is None:
            self._repos[slug.lower()] = Unknown(reason)
        else:
            self._items[ItemRef(slug, number).key] = Unknown(reason)
        return self

    def fetch(self, request: StateRequest) -> State:
        """Return everything recorded so far."""
        self.requests.append(request)
        return State(
            self.taken_at, self.source, dict(self._repos), dict(self._items), registries=dict(self._registries)
        )
