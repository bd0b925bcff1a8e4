"""The GraphQL queries that read a whole plan's state from GitHub, and the reading of their answers.

Pure: text in, text out, no network. :mod:`release_gate.github` sends the queries through
PyGithub. One aliased query carries every repo's tags, releases and default branch, every
PR and issue (as ``issueOrPullRequest``, so a number may be either), every file the plan
reads and the search for the parts of split PRs. It is split only past :data:`MAX_UNITS`
per query; follow-up queries fetch older pages of tags and search results by cursor, only
where the first page left a release undecided.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from release_gate.model import ItemRef
from release_gate.state import (
    GitHubRelease,
    Issue,
    IssueState,
    PrState,
    PullRequest,
    ReadStats,
    RepoState,
    StateRequest,
    Tag,
    Unknown,
    World,
    is_part_of,
)
from release_gate.times import parse_time

__all__ = [
    "MAX_UNITS",
    "PAGE",
    "Answer",
    "Batch",
    "GraphQLRateLimited",
    "first_batches",
    "more_batches",
    "read_answer",
    "world_of",
]

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
_NEEDS = {"repo": ("TagPage",), "tags": ("TagPage",), "item": ("Item", "Pull"), "search": ("SearchPage",)}

_TAGS = 'refs(refPrefix: "refs/tags/", first: 100{after}, orderBy: {{field: TAG_COMMIT_DATE, direction: DESC}})'


class GraphQLRateLimited(Exception):  # noqa: N818 - it is a condition, named as GitHub names it
    """GitHub answered RATE_LIMITED: the GraphQL budget is spent until ``reset``."""

    def __init__(self, message: str, reset: dt.datetime | None) -> None:
        self.reset = reset
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class _Target:
    kind: str
    """``repo`` (tags, releases, branch), ``tags`` (a later page), ``item``, ``file``, ``search``."""
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


@dataclass(slots=True)
class Answer:
    """What the queries answered so far, gathered into the parts of a World."""

    repos: dict[str, dict[str, Any]] = field(default_factory=dict)
    """By lower-cased slug: ``tags`` (list), ``releases``, ``default_branch``, ``files``, or ``unknown``."""
    items: dict[tuple[str, int], PullRequest | Issue | Unknown] = field(default_factory=dict)
    families: dict[tuple[str, int], list[ItemRef]] = field(default_factory=dict)
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
    return 3 if target.kind == "repo" else 1


class _Builder:
    def __init__(self) -> None:
        self.repo_blocks: dict[str, list[str]] = {}
        self.repo_alias: dict[str, str] = {}
        self.top: list[str] = []
        self.variables: dict[str, Any] = {}
        self.declared: list[str] = []
        self.targets: dict[tuple[str, ...], _Target] = {}
        self.units = 0
        self.fragments: set[str] = set()

    def var(self, prefix: str, value: str) -> str:
        name = f"{prefix}{len(self.variables)}"
        self.variables[name] = value
        self.declared.append(f"${name}: String!")
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
        self.fragments.update(_NEEDS.get(target.kind, ()))
        if target.kind == "search":
            assert target.ref is not None
            alias = f"s{len(self.top)}"
            after = f", after: {self.var('c', cursor)}" if cursor else ""
            query = self.var("q", _search_query(target.ref))
            self.top.append(f"{alias}: search(query: {query}, type: ISSUE, first: {PAGE}{after}) {{ ...SearchPage }}")
            self.targets[(alias,)] = target
            return
        alias = self.repo(target.slug)
        block = self.repo_blocks[target.slug.lower()]
        if target.kind == "repo":
            block.append(f"nameWithOwner defaultBranchRef {{ name }} tags: {_TAGS.format(after='')} {{ ...TagPage }}")
            block.append(
                f"releases(first: {PAGE}, orderBy: {{field: CREATED_AT, direction: DESC}}) "
                "{ nodes { tagName isDraft isPrerelease publishedAt } }"
            )
            self.targets[(alias,)] = target
        elif target.kind == "tags":
            after = f", after: {self.var('c', cursor or '')}"
            block.append(f"tags: {_TAGS.format(after=after)} {{ ...TagPage }}")
            self.targets[(alias,)] = target
        elif target.kind == "item":
            assert target.ref is not None
            item_alias = f"i{target.ref.number}"
            block.append(f"{item_alias}: issueOrPullRequest(number: {target.ref.number}) {{ ...Item }}")
            self.targets[(alias, item_alias)] = target
        elif target.kind == "file":
            file_alias = f"f{len(block)}"
            expression = self.var("e", f"HEAD:{target.path}")
            block.append(f"{file_alias}: object(expression: {expression}) {{ ... on Blob {{ text }} }}")
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


def _pack(targets: Sequence[tuple[_Target, str | None]]) -> list[Batch]:
    batches: list[Batch] = []
    builder = _Builder()
    for target, cursor in targets:
        if builder.units and builder.units + _units(target) > MAX_UNITS:
            batches.append(builder.batch())
            builder = _Builder()
        builder.add(target, cursor)
    if builder.units:
        batches.append(builder.batch())
    return batches


def first_batches(request: StateRequest) -> list[Batch]:
    """Return the queries that read everything *request* asks for (one, unless it is large)."""
    targets: list[tuple[_Target, str | None]] = []
    by_repo: dict[str, list[_Target]] = {}
    for slug in request.repos:
        by_repo.setdefault(slug.lower(), []).append(_Target("repo", slug))
    for ref in request.items:
        by_repo.setdefault(ref.slug.lower(), []).append(_Target("item", ref.slug, ref))
    for slug, path in request.files:
        by_repo.setdefault(slug.lower(), []).append(_Target("file", slug, path=path))
    for group in by_repo.values():  # a repo's fields stay together in one query where they fit
        targets.extend((t, None) for t in group)
    targets.extend((_Target("search", parent.slug, parent), None) for parent in request.families)
    return _pack(targets)


def more_batches(answer: Answer, slugs: Mapping[str, str]) -> list[Batch]:
    """Return the follow-up queries for older tag pages and more search results."""
    targets: list[tuple[_Target, str | None]] = [
        (_Target("tags", slugs.get(key, key)), cursor) for key, cursor in sorted(answer.more_tags.items())
    ]
    targets.extend((_Target("search", parent.slug, parent), cursor) for parent, cursor in answer.more_search.items())
    return _pack(targets)


def _tag(node: Mapping[str, Any]) -> Tag:
    target = node.get("target") or {}
    date = None
    if target.get("__typename") == "Tag":
        date = (target.get("tagger") or {}).get("date") or (target.get("target") or {}).get("committedDate")
        sha = (target.get("target") or {}).get("oid", "")
    else:
        date = target.get("committedDate")
        sha = target.get("oid", "")
    return Tag(node["name"], sha or "", parse_time(date) if date else None)


def _time(value: object) -> dt.datetime | None:
    return parse_time(value) if isinstance(value, str) else None


def _pull(ref: ItemRef, data: Mapping[str, Any]) -> PullRequest:
    owner = (data.get("headRepositoryOwner") or {}).get("login")
    head = f"{owner}:{data.get('headRefName', '')}" if owner else data.get("headRefName") or ""
    commits = (data.get("commits") or {}).get("nodes") or []
    rollup = ((commits[0] or {}).get("commit") or {}).get("statusCheckRollup") if commits else None
    return PullRequest(
        ref=ref,
        state={"OPEN": PrState.OPEN, "MERGED": PrState.MERGED}.get(data.get("prState", ""), PrState.CLOSED),
        title=data.get("title") or "",
        draft=bool(data.get("isDraft")),
        head=head,
        created_at=_time(data.get("createdAt")),
        merged_at=_time(data.get("mergedAt")),
        closed_at=_time(data.get("closedAt")),
        head_sha=data.get("headRefOid") or "",
        review_decision=data.get("reviewDecision") or "",
        checks=(rollup or {}).get("state") or "",
        labels=tuple(label["name"] for label in ((data.get("labels") or {}).get("nodes") or []) if label),
    )


def _item(ref: ItemRef, data: Mapping[str, Any]) -> PullRequest | Issue:
    if data.get("__typename") == "PullRequest":
        return _pull(ref, data)
    return Issue(
        ref=ref,
        state=IssueState.CLOSED if data.get("issueState") == "CLOSED" else IssueState.OPEN,
        title=data.get("title") or "",
        created_at=_time(data.get("createdAt")),
        closed_at=_time(data.get("closedAt")),
    )


def _at(data: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def read_answer(batch: Batch, response: Mapping[str, Any], answer: Answer, request: StateRequest) -> None:
    """Fold one query's *response* (``{"data": ..., "errors": [...]}``) into *answer*.

    Errors with a path make that target :class:`Unknown` (``not found`` for NOT_FOUND); a
    RATE_LIMITED error raises :class:`GraphQLRateLimited`; an error without a path makes
    every target of the query unknown.
    """
    data = response.get("data") or {}
    errors = list(response.get("errors") or [])
    rate = data.get("rateLimit") or {}
    answer.cost += int(rate.get("cost") or 0)
    if rate.get("remaining") is not None:
        answer.remaining = int(rate["remaining"])
    answer.reset = _time(rate.get("resetAt")) or answer.reset
    for error in errors:
        if error.get("type") == "RATE_LIMITED":
            raise GraphQLRateLimited(str(error.get("message") or "API rate limit exceeded"), answer.reset)
    failed: dict[tuple[str, ...], str] = {}
    whole_query: str | None = None
    for error in errors:
        path = tuple(str(p) for p in (error.get("path") or []))
        message = str(error.get("message") or "error")
        reason: str = "not found" if error.get("type") == "NOT_FOUND" else f"GitHub answered: {message}"
        if not path:
            whole_query = reason
        else:
            failed[path[:2] if len(path) >= 2 and path[1].startswith(("i", "f")) else path[:1]] = reason
    for path, target in batch.targets.items():
        found = whole_query or failed.get(path) or (failed.get(path[:1]) if len(path) > 1 else None)
        value = _at(data, path)
        key = target.slug.lower()
        if target.kind in ("repo", "tags"):
            if found or value is None:
                detail = found or "no answer"
                why = f"{target.slug}: {detail}" + (
                    "; check repos.*.github in the plan, and that the token can see the repo"
                    if detail == "not found"
                    else ""
                )
                answer.repos[key] = {"unknown": why}
                continue
            entry = answer.repos.setdefault(key, {"slug": target.slug, "tags": [], "files": {}})
            if "unknown" in entry:
                continue
            if target.kind == "repo":
                entry["default_branch"] = (value.get("defaultBranchRef") or {}).get("name", "")
                entry["releases"] = [
                    GitHubRelease(
                        r["tagName"], bool(r.get("isDraft")), bool(r.get("isPrerelease")), _time(r.get("publishedAt"))
                    )
                    for r in ((value.get("releases") or {}).get("nodes") or [])
                    if r
                ]
            page = value.get("tags") or {}
            entry["tags"].extend(_tag(n) for n in (page.get("nodes") or []) if n)
            info = page.get("pageInfo") or {}
            answer.more_tags.pop(key, None)
            if info.get("hasNextPage") and not request.tags_decided(target.slug, entry["tags"]):
                answer.more_tags[key] = info.get("endCursor") or ""
        elif target.kind == "item":
            assert target.ref is not None
            if found or value is None:
                why = found or "not found"
                hint = f"no PR or issue #{target.ref.number} in {target.ref.slug}; check the number in the plan"
                answer.items[target.ref.key] = Unknown(hint if why == "not found" else why)
            else:
                answer.items[target.ref.key] = _item(target.ref, value)
        elif target.kind == "file":
            entry = answer.repos.setdefault(key, {"slug": target.slug, "tags": [], "files": {}})
            if not found and isinstance(value, Mapping) and isinstance(value.get("text"), str):
                entry.setdefault("files", {})[target.path] = value["text"]
        elif target.kind == "search":
            assert target.ref is not None
            parts = answer.families.setdefault(target.ref.key, [])
            if found:
                continue  # the parts listed in the plan still count; titles in the state too
            for node in (value or {}).get("nodes") or []:
                if not node or node.get("__typename") != "PullRequest":
                    continue
                part = ItemRef(target.ref.slug, int(node["number"]))
                if part.number != target.ref.number and is_part_of(
                    target.ref.number, node.get("title") or "", node.get("body") or ""
                ):
                    parts.append(part)
                    answer.items.setdefault(part.key, _pull(part, node))
            info = (value or {}).get("pageInfo") or {}
            answer.more_search.pop(target.ref, None)
            if info.get("hasNextPage"):
                answer.more_search[target.ref] = info.get("endCursor") or ""


def world_of(answer: Answer, request: StateRequest, *, taken_at: dt.datetime, source: str, stats: ReadStats) -> World:
    """Turn everything the queries answered into a :class:`World`; what is missing is unknown."""
    repos: dict[str, RepoState | Unknown] = {}
    for slug in request.repos:
        entry = answer.repos.get(slug.lower())
        if entry is None:
            repos[slug.lower()] = Unknown(f"{slug}: GitHub gave no answer")
        elif "unknown" in entry:
            repos[slug.lower()] = Unknown(entry["unknown"])
        else:
            repos[slug.lower()] = RepoState(
                entry.get("slug", slug),
                tuple(entry["tags"]),
                entry.get("default_branch", ""),
                dict(entry.get("files", {})),
                tuple(entry.get("releases", ())),
            )
    items = dict(answer.items)
    for ref in request.items:
        items.setdefault(ref.key, Unknown(f"{ref}: GitHub gave no answer"))
    families = {key: tuple(sorted(set(parts))) for key, parts in answer.families.items()}
    return World(taken_at, source, repos, items, families, stats)
