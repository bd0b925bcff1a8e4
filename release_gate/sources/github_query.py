"""The GraphQL queries that read a whole plan's state from GitHub, and the reading of their answers.

Pure: text in, text out, no network. `release_gate.sources.github` sends the queries through
PyGithub. One aliased query carries every repo's tags, releases and default branch, every
PR and issue (as ``issueOrPullRequest``, so a number may be either), every file the plan
reads and the search for the parts of split PRs. It is split only past `MAX_UNITS`
per query; follow-up queries fetch older pages of tags and search results by cursor, only
where the first page left a release undecided.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from release_gate.errors import StateUnavailableError
from release_gate.plan.model import ItemRef
from release_gate.sources._shape import Unreadable as _Unreadable
from release_gate.sources._shape import child as _child
from release_gate.sources._shape import flag as _flag
from release_gate.sources._shape import kind as _kind
from release_gate.sources._shape import nodes as _nodes
from release_gate.sources._shape import obj as _obj
from release_gate.sources._shape import text as _text
from release_gate.sources._shape import when as _when
from release_gate.state import (
    FileHistory,
    FileVersion,
    GitHubRelease,
    Issue,
    IssueState,
    PrState,
    PullRequest,
    ReadStats,
    RepoState,
    State,
    StateRequest,
    Tag,
    Unknown,
    is_part_of,
)
from release_gate.times import iso_time, parse_time

__all__ = [
    "MAX_UNITS",
    "PAGE",
    "Batch",
    "Gathered",
    "GraphQLRateLimited",
    "failed_in_passing",
    "first_batches",
    "more_batches",
    "read_answer",
    "state_of",
]

_S = TypeVar("_S", PrState, IssueState)

PAGE = 100
"""Items per connection page: GitHub's maximum."""

MAX_UNITS = 400
"""How much one query may carry: a repo's tags and releases count 3, an item, file or search 1.

Far inside GitHub's limits (500,000 nodes, 100 per connection; our heaviest query is about
50,000 nodes), and small enough that GitHub answers well inside its 10-second limit.
"""

_FRAGMENTS = {
    "TagPage": """fragment TagPage on RefConnection {
  pageInfo { hasNextPage endCursor }
  nodes {
    name
    target {
      __typename
      oid
      ... on Commit { committedDate }
      ... on Tag { tagger { date } target { __typename oid ... on Commit { committedDate } } }
    }
  }
}""",
    "Pull": """fragment Pull on PullRequest {
  number title prState: state createdAt mergedAt closedAt isDraft
  headRefName headRefOid headRepositoryOwner { login } reviewDecision
  labels(first: 20) { nodes { name } }
  commits(last: 1) { nodes { commit { statusCheckRollup { state } } } }
}""",
    "Item": """fragment Item on IssueOrPullRequest {
  __typename
  ... on Issue { number title issueState: state createdAt closedAt }
  ... on PullRequest { ...Pull }
}""",
    # Search results carry no nested connections: each would cost a request per result.
    "SearchPage": """fragment SearchPage on SearchResultItemConnection {
  issueCount
  pageInfo { hasNextPage endCursor }
  nodes {
    __typename
    ... on PullRequest {
      number title body prState: state createdAt mergedAt closedAt isDraft
      headRefName headRefOid headRepositoryOwner { login } reviewDecision
    }
  }
}""",
}

_TAGS = 'refs(refPrefix: "refs/tags/", first: 100{after}, orderBy: {{field: TAG_COMMIT_DATE, direction: DESC}})'


class GraphQLRateLimited(Exception):  # noqa: N818 - it is a condition, named as GitHub names it
    """GitHub answered RATE_LIMITED: the GraphQL budget is spent until ``reset``."""

    def __init__(self, message: str, reset: dt.datetime | None) -> None:
        self.reset = reset
        super().__init__(message)


class _Kind(enum.StrEnum):
    """What one alias of a query reads."""

    REPO = "repo"
    """A repo's first page of tags, its releases and its default branch."""
    TAGS = "tags"
    """A later page of a repo's tags."""
    ITEM = "item"
    """A PR or issue."""
    FILE = "file"
    """The history of a default-branch file."""
    SEARCH = "search"
    """A page of the search for the parts of a split PR."""


_NEEDS = {
    _Kind.REPO: ("TagPage",),
    _Kind.TAGS: ("TagPage",),
    _Kind.ITEM: ("Item", "Pull"),
    _Kind.FILE: (),
    _Kind.SEARCH: ("SearchPage",),
}
"""The fragments each kind of target uses."""


@dataclass(frozen=True, slots=True)
class _Target:
    kind: _Kind
    slug: str
    ref: ItemRef | None = None
    path: str = ""


@dataclass(frozen=True, slots=True)
class Batch:
    """One GraphQL query and what each alias in it stands for."""

    text: str
    variables: Mapping[str, Any]
    targets: Mapping[tuple[str, ...], _Target]
    """Alias path (``("r0",)``, ``("r0", "i3")``, ``("s0",)``) -> what it reads."""


@dataclass(frozen=True, slots=True)
class _FileRead:
    """The commits that changed one file, as far as they were read."""

    versions: tuple[FileVersion, ...]
    """Newest first."""
    complete: bool
    """Whether they go back to the file's first commit."""


@dataclass(slots=True)
class _RepoRead:
    """What the queries answered about one repo so far (gathered page by page, then made a RepoState)."""

    slug: str
    """As the plan writes it (the first target that named the repo)."""
    tags: list[Tag] = field(default_factory=list)
    """Newest first, page after page."""
    default_branch: str = ""
    releases: tuple[GitHubRelease, ...] = ()
    files: dict[str, _FileRead | Unknown] = field(default_factory=dict)

    def state(self, read_at: dt.datetime) -> RepoState:
        """Return the repo's state; its files as read at *read_at*."""
        files = {
            path: read if isinstance(read, Unknown) else FileHistory(read_at, read.versions, read.complete)
            for path, read in self.files.items()
        }
        return RepoState(self.slug, tuple(self.tags), self.default_branch, files, self.releases)


@dataclass(slots=True)
class Gathered:
    """What the queries answered so far, gathered into the parts of a State."""

    repos: dict[str, _RepoRead | Unknown] = field(default_factory=dict)
    """By lower-cased slug: what was read of each repo, or why it could not be (it stays so)."""
    items: dict[tuple[str, int], PullRequest | Issue | Unknown] = field(default_factory=dict)
    families: dict[tuple[str, int], list[ItemRef] | Unknown] = field(default_factory=dict)
    """Parts found by search, by the parent's key; `Unknown` once a search failed or fell short."""
    search_read: dict[ItemRef, int] = field(default_factory=dict)
    """How many results each family's search gave so far, to compare with GitHub's count."""
    cost: int = 0
    remaining: int | None = None
    reset: dt.datetime | None = None
    more_tags: dict[str, str] = field(default_factory=dict)
    """Repos whose tags are undecided and have older pages: slug -> cursor."""
    more_search: dict[ItemRef, str] = field(default_factory=dict)
    """Family searches with more results: parent -> cursor."""


def _search_query(parent: ItemRef) -> str:
    # GitHub search matches "#205" in titles ("[Part 4 of #205]") and descriptions
    # ("split out of #205"); is_part_of() then keeps only the real parts.
    return f'repo:{parent.slug} is:pr "#{parent.number}"'


def _units(target: _Target) -> int:
    return 3 if target.kind is _Kind.REPO else 1


class _Builder:
    def __init__(self, request: StateRequest) -> None:
        self.request = request
        self.repo_blocks: dict[str, list[str]] = {}
        self.repo_alias: dict[str, str] = {}
        self.top: list[str] = []
        self.variables: dict[str, Any] = {}
        self.declared: list[str] = []
        self.targets: dict[tuple[str, ...], _Target] = {}
        self.units = 0
        self.fragments: set[str] = set()

    def var(self, prefix: str, value: str, kind: str = "String!") -> str:
        name = f"{prefix}{len(self.variables)}"
        self.variables[name] = value
        self.declared.append(f"${name}: {kind}")
        return f"${name}"

    def repo(self, slug: str) -> str:
        key = slug.lower()
        if key not in self.repo_alias:
            alias = f"r{len(self.repo_alias)}"
            self.repo_alias[key] = alias
            self.repo_blocks[key] = []
            owner, name = slug.split("/", 1)
            owner_var, name_var = self.var("o", owner), self.var("n", name)
            self.repo_blocks[key].append(f"{alias}: repository(owner: {owner_var}, name: {name_var}) {{")
        return self.repo_alias[key]

    def add(self, target: _Target, cursor: str | None = None) -> None:
        self.units += _units(target)
        self.fragments.update(_NEEDS[target.kind])
        if target.kind is _Kind.SEARCH:
            assert target.ref is not None
            alias = f"s{len(self.top)}"
            after = f", after: {self.var('c', cursor)}" if cursor else ""
            query = self.var("q", _search_query(target.ref))
            self.top.append(f"{alias}: search(query: {query}, type: ISSUE, first: {PAGE}{after}) {{ ...SearchPage }}")
            self.targets[(alias,)] = target
            return
        alias = self.repo(target.slug)
        block = self.repo_blocks[target.slug.lower()]
        if target.kind is _Kind.REPO:
            block.append(f"nameWithOwner defaultBranchRef {{ name }} tags: {_TAGS.format(after='')} {{ ...TagPage }}")
            block.append(
                f"releases(first: {PAGE}, orderBy: {{field: CREATED_AT, direction: DESC}}) "
                "{ nodes { tagName isDraft isPrerelease publishedAt } }"
            )
            self.targets[(alias,)] = target
        elif target.kind is _Kind.TAGS:
            after = f", after: {self.var('c', cursor or '')}"
            block.append(f"tags: {_TAGS.format(after=after)} {{ ...TagPage }}")
            self.targets[(alias,)] = target
        elif target.kind is _Kind.ITEM:
            assert target.ref is not None
            item_alias = f"i{target.ref.number}"
            block.append(f"{item_alias}: issueOrPullRequest(number: {target.ref.number}) {{ ...Item }}")
            self.targets[(alias, item_alias)] = target
        elif target.kind is _Kind.FILE:
            # The commits of the default branch that changed the file, newest first, up to the
            # moment asked for: the first one's text is the file at that moment, its date says
            # since when. A timeline asks for a page of them, to go back in time.
            file_alias = f"f{len(block)}"
            path = self.var("p", target.path)
            until = self.request.as_of
            bound = f", until: {self.var('t', iso_time(until), 'GitTimestamp!')}" if until else ""
            first = PAGE if self.request.files_since else 1
            text = f"file(path: {path}) {{ object {{ ... on Blob {{ text isTruncated }} }} }}"
            block.append(
                f'{file_alias}: object(expression: "HEAD") {{ ... on Commit {{ '
                f"history(first: {first}, path: {path}{bound}) {{ "
                f"pageInfo {{ hasNextPage }} nodes {{ oid committedDate {text} }} }} }} }}"
            )
            self.targets[(alias, file_alias)] = target

    def batch(self) -> Batch:
        body = ["rateLimit { cost remaining resetAt }"]
        body.extend("\n    ".join(lines) + "\n  }" for lines in self.repo_blocks.values())
        body.extend(self.top)
        declared = f"({', '.join(self.declared)})" if self.declared else ""
        # GraphQL rejects a document that defines a fragment it does not use.
        fragments = "\n".join(_FRAGMENTS[name] for name in _FRAGMENTS if name in self.fragments)
        text = f"query ReleaseGateState{declared} {{\n  " + "\n  ".join(body) + "\n}\n" + fragments + "\n"
        return Batch(text, dict(self.variables), dict(self.targets))


def _pack(targets: Sequence[tuple[_Target, str | None]], request: StateRequest) -> list[Batch]:
    batches: list[Batch] = []
    builder = _Builder(request)
    for target, cursor in targets:
        if builder.units and builder.units + _units(target) > MAX_UNITS:
            batches.append(builder.batch())
            builder = _Builder(request)
        builder.add(target, cursor)
    if builder.units:
        batches.append(builder.batch())
    return batches


def first_batches(request: StateRequest) -> list[Batch]:
    """Return the queries that read everything *request* asks for (one, unless it is large)."""
    targets: list[tuple[_Target, str | None]] = []
    by_repo: dict[str, list[_Target]] = {}
    for slug in request.repos:
        by_repo.setdefault(slug.lower(), []).append(_Target(_Kind.REPO, slug))
    for ref in request.items:
        by_repo.setdefault(ref.slug.lower(), []).append(_Target(_Kind.ITEM, ref.slug, ref))
    for slug, path in request.files:
        by_repo.setdefault(slug.lower(), []).append(_Target(_Kind.FILE, slug, path=path))
    for group in by_repo.values():  # a repo's fields stay together in one query where they fit
        targets.extend((t, None) for t in group)
    targets.extend((_Target(_Kind.SEARCH, parent.slug, parent), None) for parent in request.families)
    return _pack(targets, request)


def more_batches(answer: Gathered, request: StateRequest) -> list[Batch]:
    """Return the follow-up queries for older tag pages and more search results."""
    slugs = {slug.lower(): slug for slug in request.repos}
    targets: list[tuple[_Target, str | None]] = [
        (_Target(_Kind.TAGS, slugs.get(key, key)), cursor) for key, cursor in sorted(answer.more_tags.items())
    ]
    targets.extend(
        (_Target(_Kind.SEARCH, parent.slug, parent), cursor) for parent, cursor in answer.more_search.items()
    )
    return _pack(targets, request)


def _state(data: Mapping[str, Any], key: str, states: Mapping[str, _S]) -> _S:
    value = _text(data, key)
    if value not in states:
        raise _Unreadable(f"{key} is not {' or '.join(states)}")
    return states[value]


_PR_STATES = {"OPEN": PrState.OPEN, "MERGED": PrState.MERGED, "CLOSED": PrState.CLOSED}
_ISSUE_STATES = {"OPEN": IssueState.OPEN, "CLOSED": IssueState.CLOSED}


def _tag(node: Mapping[str, Any]) -> Tag:
    target = _child(node, "target")
    if target.get("__typename") == "Tag":
        inner = _child(target, "target")
        date = _when(_child(target, "tagger"), "date") or _when(inner, "committedDate")
        sha = _text(inner, "oid", null=True)
    else:
        date = _when(target, "committedDate")
        sha = _text(target, "oid", null=True)
    return Tag(_text(node, "name"), sha, date)


def _time(value: object) -> dt.datetime | None:
    return parse_time(value) if isinstance(value, str) else None


def _pull(ref: ItemRef, data: Mapping[str, Any]) -> PullRequest:
    owner = _text(_child(data, "headRepositoryOwner"), "login", null=True)
    branch = _text(data, "headRefName")
    commits = _nodes(data.get("commits"), "commits", null=True)
    rollup = _child(_child(commits[0], "commit"), "statusCheckRollup") if commits else {}
    return PullRequest(
        ref=ref,
        state=_state(data, "prState", _PR_STATES),
        title=_text(data, "title"),
        draft=_flag(data, "isDraft"),
        head=f"{owner}:{branch}" if owner else branch,
        created_at=_when(data, "createdAt"),
        merged_at=_when(data, "mergedAt"),
        closed_at=_when(data, "closedAt"),
        head_sha=_text(data, "headRefOid"),
        review_decision=_text(data, "reviewDecision", null=True),
        checks=_text(rollup, "state", null=True),
        labels=tuple(_text(label, "name") for label in _nodes(data.get("labels"), "labels", null=True)),
    )


def _item(ref: ItemRef, data: Mapping[str, Any]) -> PullRequest | Issue:
    kind = data.get("__typename")
    if kind == "PullRequest":
        return _pull(ref, data)
    if kind != "Issue":
        raise _Unreadable("__typename is not Issue or PullRequest")
    return Issue(
        ref=ref,
        state=_state(data, "issueState", _ISSUE_STATES),
        title=_text(data, "title"),
        created_at=_when(data, "createdAt"),
        closed_at=_when(data, "closedAt"),
    )


@dataclass(frozen=True, slots=True)
class _RepoPage:
    """One page of a repo's answer."""

    first: tuple[str, tuple[GitHubRelease, ...]] | None
    """On the first page: the default branch and the GitHub releases."""
    tags: tuple[Tag, ...]
    cursor: str | None
    """Where the next page of tags starts, if there is one."""


def _repo_page(value: object, *, first: bool) -> _RepoPage:
    """Read a repo's answer: default branch and releases (on the first page), tags, the next page's cursor."""
    repo = _obj(value, "repository")
    head = None
    if first:
        branch = _text(_child(repo, "defaultBranchRef"), "name", null=True)
        releases = tuple(
            GitHubRelease(_text(r, "tagName"), _flag(r, "isDraft"), _flag(r, "isPrerelease"), _when(r, "publishedAt"))
            for r in _nodes(repo.get("releases"), "releases")
        )
        head = (branch, releases)
    tags = tuple(_tag(node) for node in _nodes(repo.get("tags"), "tags"))
    info = _obj(_obj(repo.get("tags"), "tags").get("pageInfo"), "tags.pageInfo")
    return _RepoPage(head, tags, _text(info, "endCursor", null=True) if _flag(info, "hasNextPage") else None)


def _search_page(parent: ItemRef, value: object) -> tuple[list[PullRequest], str | None, int, int]:
    """Read one page of the search for *parent*'s parts.

    Return the parts it found, the next page's cursor, how many results the page gave and
    how many GitHub counts in all (``issueCount``).
    """
    page = _obj(value, "search")
    count = page.get("issueCount")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise _Unreadable(f"issueCount is {_kind(count)}, not a count")
    raw = page.get("nodes")
    given = len(raw) if isinstance(raw, list) else 0
    parts = []
    for node in _nodes(page, "search"):
        if node.get("__typename") != "PullRequest":
            continue
        number = node.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
            raise _Unreadable(f"a result's number is {_kind(number)}, not a PR number")
        part = ItemRef(parent.slug, number)
        if number != parent.number and is_part_of(parent.number, _text(node, "title"), _text(node, "body")):
            parts.append(_pull(part, node))
    info = _obj(page.get("pageInfo"), "search.pageInfo")
    cursor = _text(info, "endCursor", null=True) if _flag(info, "hasNextPage") else None
    if cursor == "":
        raise _Unreadable("pageInfo says there is a next page, without a cursor")
    return parts, cursor, given, count


def _file_versions(path: str, value: object) -> _FileRead:
    """Read the commits that changed *path* (newest first): the file's versions, and whether that is all of them."""
    if value is None:  # no HEAD: an empty repository has no files
        return _FileRead((), complete=True)
    history = _obj(_obj(value, "object").get("history"), "history")
    versions: list[FileVersion] = []
    for node in _nodes(history, "history"):
        since = _when(node, "committedDate")
        if since is None:
            raise _Unreadable("a commit without committedDate")
        entry = node.get("file")
        text: str | None = None
        if entry is not None:
            blob = _child(_obj(entry, "file"), "object")
            if blob.get("isTruncated") is True:
                raise _Unreadable(f"GitHub cut the text of {path} short (too large)")
            if not isinstance(blob.get("text"), str):
                raise _Unreadable(f"{path} is not a text file")
            text = blob["text"]
        if versions and versions[-1].since is not None and since > versions[-1].since:
            # Commit dates out of order (a branch merged with older commits): what came
            # before cannot be placed in time, so the history read ends here.
            return _FileRead(tuple(versions), complete=False)
        versions.append(FileVersion(text, since, _text(node, "oid")))
    more = _flag(_obj(history.get("pageInfo"), "history.pageInfo"), "hasNextPage")
    return _FileRead(tuple(versions), complete=not more)


def _at(data: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


_TRANSIENT_TYPES = frozenset({"INTERNAL", "TIMEOUT", "SERVICE_UNAVAILABLE"})


def failed_in_passing(response: Mapping[str, Any]) -> bool:
    """Whether *response* has errors worth asking again: a part of the query that timed out.

    GitHub answers "Something went wrong while executing your query" for a part that took
    too long, with that part's path and no type; NOT_FOUND, FORBIDDEN and the like are
    answers, and asking again would give them again.
    """
    errors = response.get("errors")
    if not isinstance(errors, list):
        return False
    return any(
        isinstance(error, Mapping)
        and error.get("path")
        and (not error.get("type") or (isinstance(error["type"], str) and error["type"] in _TRANSIENT_TYPES))
        for error in errors
    )


def read_answer(batch: Batch, response: object, answer: Gathered, request: StateRequest) -> None:
    """Fold one query's *response* (``{"data": ..., "errors": [...]}``) into *answer*.

    Errors with a path make that target `Unknown` (``not found`` for NOT_FOUND); a
    RATE_LIMITED error raises `GraphQLRateLimited`; an error without a path, or one
    that cannot be read, makes every target of the query unknown. A target whose answer is
    not shaped as the query asked is unknown too (a search: as if it failed). A response
    that is not a GraphQL response raises `StateUnavailableError`.
    """
    data = response.get("data") if isinstance(response, Mapping) else None
    errors = response.get("errors") if isinstance(response, Mapping) else None
    if not isinstance(response, Mapping) or not isinstance(data, Mapping | None) or not isinstance(errors, list | None):
        raise StateUnavailableError(
            "GitHub", "its GraphQL answer was not a GraphQL response", "GitHub may be having trouble; try again later"
        )
    data = data or {}
    errors = errors or []
    _read_rate(answer, data.get("rateLimit"))
    for error in errors:
        if isinstance(error, Mapping) and error.get("type") == "RATE_LIMITED":
            message = error.get("message")
            raise GraphQLRateLimited(message if isinstance(message, str) else "API rate limit exceeded", answer.reset)
    failures = _Failures.of(errors)
    for path, target in batch.targets.items():
        failed, value = failures.at(path), _at(data, path)
        match target.kind:
            case _Kind.REPO | _Kind.TAGS:
                _read_repo(answer, target, value, failed, request)
            case _Kind.ITEM:
                _read_item(answer, target, value, failed)
            case _Kind.FILE:
                _read_file(answer, target, value, failed)
            case _Kind.SEARCH:
                assert target.ref is not None
                _read_search(answer, target.ref, value, failed)


def _read_rate(answer: Gathered, rate: object) -> None:
    """Count the query's cost, and keep what is left of the budget and when it resets."""
    if not isinstance(rate, Mapping):
        return
    cost, remaining = rate.get("cost"), rate.get("remaining")
    answer.cost += cost if isinstance(cost, int) and not isinstance(cost, bool) else 0
    if isinstance(remaining, int) and not isinstance(remaining, bool):
        answer.remaining = remaining
    answer.reset = _time(rate.get("resetAt")) or answer.reset


@dataclass(frozen=True, slots=True)
class _Failures:
    """The errors of one answer: why the whole query failed, or the parts that did."""

    whole_query: str | None
    """Why every target is unknown: an error without a path, or one that cannot be read (the last one)."""
    by_path: Mapping[tuple[str, ...], str]
    """Why a target failed, by its alias path (a repo's path for every field of that repo but items and files)."""

    @classmethod
    def of(cls, errors: Sequence[object]) -> _Failures:
        """Read GraphQL *errors* (RATE_LIMITED ones are raised before)."""
        whole_query: str | None = None
        by_path: dict[tuple[str, ...], str] = {}
        for error in errors:
            if not isinstance(error, Mapping) or not isinstance(error.get("path"), list | None):
                whole_query = "GitHub answered an error that could not be read"
                continue
            path = tuple(p if isinstance(p, str) else "" for p in (error.get("path") or [])[:2])
            message = error.get("message")
            message = message if isinstance(message, str) and message else "error"
            reason = "not found" if error.get("type") == "NOT_FOUND" else f"GitHub answered: {message}"
            if not path:
                whole_query = reason
            else:
                by_path[path if len(path) >= 2 and path[1].startswith(("i", "f")) else path[:1]] = reason
        return cls(whole_query, by_path)

    def at(self, path: tuple[str, ...]) -> str | None:
        """Return why the target at *path* failed, or ``None``."""
        return self.whole_query or self.by_path.get(path) or (self.by_path.get(path[:1]) if len(path) > 1 else None)


def _read_repo(answer: Gathered, target: _Target, value: object, failed: str | None, request: StateRequest) -> None:
    """Fold a repo's page (tags; on the first, its branch and releases) into *answer*; a failed one makes it unknown."""
    key = target.slug.lower()
    if failed or value is None:
        detail = failed or "no answer"
        if detail == "not found":
            detail += "; check repos.*.github in the plan, and that the token can see the repo"
        answer.repos[key] = Unknown(f"{target.slug}: {detail}")
        return
    entry = answer.repos.setdefault(key, _RepoRead(target.slug))
    if isinstance(entry, Unknown):
        return
    answer.more_tags.pop(key, None)
    try:
        page = _repo_page(value, first=target.kind is _Kind.REPO)
    except _Unreadable as error:
        answer.repos[key] = Unknown(f"{target.slug}: GitHub's answer could not be read ({error})")
        return
    if page.first is not None:
        entry.default_branch, entry.releases = page.first
    entry.tags.extend(page.tags)
    if page.cursor is not None and not request.tags_decided(target.slug, entry.tags):
        answer.more_tags[key] = page.cursor


def _read_item(answer: Gathered, target: _Target, value: object, failed: str | None) -> None:
    """Fold a PR or issue into *answer*: unknown when it failed, is missing or cannot be read."""
    ref = target.ref
    assert ref is not None
    if failed or value is None:
        why = failed or "not found"
        hint = f"no PR or issue #{ref.number} in {ref.slug}; check the number in the plan"
        answer.items[ref.key] = Unknown(hint if why == "not found" else why)
        return
    try:
        answer.items[ref.key] = _item(ref, _obj(value, "the answer"))
    except _Unreadable as error:
        answer.items[ref.key] = Unknown(f"{ref}: GitHub's answer could not be read ({error})")


def _read_file(answer: Gathered, target: _Target, value: object, failed: str | None) -> None:
    """Fold a file's history into its repo in *answer* (unless the repo is unknown): unknown when it failed."""
    entry = answer.repos.setdefault(target.slug.lower(), _RepoRead(target.slug))
    if isinstance(entry, Unknown):
        return  # the repo's own reason says it all
    if failed:
        entry.files[target.path] = Unknown(f"{target.path} of {target.slug}: {failed}")
        return
    try:
        entry.files[target.path] = _file_versions(target.path, value)
    except _Unreadable as error:
        entry.files[target.path] = Unknown(f"{target.path} of {target.slug} could not be read ({error})")


def _read_search(answer: Gathered, parent: ItemRef, value: object, failed: str | None) -> None:
    """Fold one page of the search for *parent*'s parts into *answer*; a failed or short search makes them unknown.

    The parts listed in the plan and those titled as parts still count then, but the family
    is not known to be whole, so a hold over it is never free by accident.
    """
    if isinstance(answer.families.get(parent.key), Unknown):
        return
    answer.more_search.pop(parent, None)
    why = f"GitHub's search for the parts of {parent} failed" + (f": {failed}" if failed else "")
    if failed or value is None:
        answer.families[parent.key] = Unknown(why if failed else f"{why}: no answer")
        return
    try:
        pulls, cursor, given, count = _search_page(parent, value)
    except _Unreadable as error:
        answer.families[parent.key] = Unknown(
            f"GitHub's answer to the search for the parts of {parent} could not be read ({error})"
        )
        return
    parts = answer.families.setdefault(parent.key, [])
    assert not isinstance(parts, Unknown)
    for pull in pulls:
        parts.append(pull.ref)
        answer.items.setdefault(pull.ref.key, pull)
    answer.search_read[parent] = answer.search_read.get(parent, 0) + given
    if cursor is not None:
        answer.more_search[parent] = cursor
    elif answer.search_read[parent] < count:
        answer.families[parent.key] = Unknown(
            f"GitHub's search for the parts of {parent} counted {count} results but gave "
            f"{answer.search_read[parent]}, so parts may be missing"
        )


def state_of(answer: Gathered, request: StateRequest, *, taken_at: dt.datetime, source: str, stats: ReadStats) -> State:
    """Turn everything the queries answered into a `State`; what is missing is unknown."""
    read_at = request.as_of or taken_at
    repos: dict[str, RepoState | Unknown] = {}
    for slug in request.repos:
        entry = answer.repos.get(slug.lower())
        if entry is None:
            repos[slug.lower()] = Unknown(f"{slug}: GitHub gave no answer")
        else:
            repos[slug.lower()] = entry if isinstance(entry, Unknown) else entry.state(read_at)
    only_files = [(slug, path) for slug, path in request.files if slug.lower() not in repos]
    for slug, path in only_files:  # a repo read for its files only (a feedstock's recipe): no tags
        entry = answer.repos.setdefault(slug.lower(), _RepoRead(slug))
        if isinstance(entry, _RepoRead):
            entry.files.setdefault(path, Unknown(f"{path} of {slug}: GitHub gave no answer"))
    for slug, _ in only_files:
        entry = answer.repos[slug.lower()]
        repos[slug.lower()] = entry if isinstance(entry, Unknown) else entry.state(read_at)
    items = dict(answer.items)
    for ref in request.items:
        items.setdefault(ref.key, Unknown(f"{ref}: GitHub gave no answer"))
    families: dict[tuple[str, int], tuple[ItemRef, ...] | Unknown] = {
        key: parts if isinstance(parts, Unknown) else tuple(sorted(set(parts)))
        for key, parts in answer.families.items()
    }
    for parent in request.families:
        families.setdefault(parent.key, Unknown(f"GitHub gave no answer to the search for the parts of {parent}"))
    return State(taken_at, source, repos, items, families, stats)
