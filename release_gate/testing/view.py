"""The state as GitHub shows it, shared by the fake's REST routes and GraphQL resolvers.

A `State` records what release-gate needs; GitHub shows more
(commit SHAs for everything, tags in an order, a file's history as commits). What the state
does not record is made up the same way every time, so answers are stable from run to run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from release_gate.state import FileHistory, PullRequest, RepoState, State, Tag, Unknown
from release_gate.times import iso_time

__all__ = [
    "EPOCH",
    "FileCommit",
    "FileUnreadableError",
    "file_commits",
    "file_text",
    "head_sha",
    "iso",
    "search",
    "sha",
    "tag_sha",
    "tags_newest_first",
    "tree_entries",
]

EPOCH = "1970-01-01T00:00:00Z"
"""The creation time of an item whose state does not know it."""


def sha(*parts: str) -> str:
    """Return a made-up commit SHA, the same for the same *parts*."""
    return hashlib.sha1("/".join(parts).encode(), usedforsecurity=False).hexdigest()


def iso(value: dt.datetime | None) -> str | None:
    """Return *value* as GitHub writes times, or ``None``."""
    return None if value is None else iso_time(value)


def head_sha(pr: PullRequest) -> str:
    """Return the SHA of *pr*'s head commit (made up when the state does not know it)."""
    return pr.head_sha or sha(pr.ref.slug, "head", str(pr.ref.number))


def tags_newest_first(repo: RepoState) -> list[Tag]:
    """Return *repo*'s tags as GitHub lists them: newest first, undated ones last."""
    far_past = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(repo.tags, key=lambda t: (t.date or far_past, t.name), reverse=True)


def tag_sha(repo: RepoState, tag: Tag) -> str:
    """Return the SHA of the commit *tag* points at (made up when the state does not know it)."""
    return tag.sha or sha(repo.slug, "tag", tag.name)


@dataclass(frozen=True, slots=True)
class FileCommit:
    """A commit that changed one file, as the fake serves it."""

    sha: str
    when: dt.datetime
    text: str | None
    """The file's text after the commit; ``None`` when the commit deleted it."""


class FileUnreadableError(Exception):
    """A file the fake's state records as unknown: GitHub fails to read it."""


def file_commits(repo: RepoState, path: str, until: dt.datetime | None = None) -> list[FileCommit]:
    """Return the commits that changed *path* on the default branch, newest first, up to *until*.

    A version whose date the state does not know is served as made when the file was read.
    Raises `FileUnreadableError` for a file the state records as unknown.
    """
    history: FileHistory | Unknown | None = repo.files.get(path)
    if history is None:
        return []
    if isinstance(history, Unknown):
        raise FileUnreadableError(history.reason)
    commits = []
    for version in history.versions:
        when = version.since or history.read_at
        if until is None or when <= until:
            commit = version.commit or sha(repo.slug, "file", path, iso_time(when))
            commits.append(FileCommit(commit, when, version.text))
    return commits


def file_text(repo: RepoState, path: str, ref: str | None = None) -> str | None:
    """Return the text of *path* at commit *ref* (a SHA of `file_commits`), or on the default branch."""
    try:
        commits = file_commits(repo, path)
    except FileUnreadableError:
        return None
    if ref is None:
        return commits[0].text if commits else None
    return next((c.text for c in commits if c.sha == ref), None)


def search(state: State, bodies: Mapping[tuple[str, int], str], query: str) -> list[PullRequest]:
    """Return the pull requests a GitHub search for *query* finds (``repo:`` and words), in order.

    A word matches when the title or the body (*bodies*, by item key) contains it.
    """
    repo = re.search(r"repo:(\S+)", query)
    words = [w.strip('"') for w in re.findall(r'"[^"]*"|\S+', query) if ":" not in w]
    found = []
    for (slug, _), item in sorted(state.items.items()):
        if not isinstance(item, PullRequest) or (repo and slug != repo.group(1).lower()):
            continue
        text = f"{item.title}\n{bodies.get(item.ref.key, '')}".lower()
        if all(word.lower() in text for word in words):
            found.append(item)
    return found


def tree_entries(repo: RepoState, folder: str) -> list[tuple[str, str]] | None:
    """Return the entries of *folder* on the default branch (``""``: the root), as ``(name, "blob" or "tree")``.

    The tree is made of the files the state records with a text at their last version, sorted
    by name; ``None`` when no such file is in *folder*, as GitHub has no empty folders.
    """
    prefix = f"{folder.strip('/')}/" if folder.strip("/") else ""
    entries: dict[str, str] = {}
    for path in repo.files:
        if not path.startswith(prefix) or file_text(repo, path) is None:
            continue
        name, _, rest = path[len(prefix) :].partition("/")
        entries[name] = "tree" if rest else "blob"
    return sorted(entries.items()) if entries else None
