"""The fake GitHub's GraphQL side: GitHub's schema, the resolvers over a state, cost and errors.

Every query is validated against **GitHub's published schema** (npm package
``@octokit/graphql-schema``, `SCHEMA_PACKAGE`) and run with graphql-core, so a query
GitHub would reject fails here too. graphql-core is imported only when a query is served or
the schema is built (``pip install 'release-plan-gate[testing]'``).

The resolvers serve what release-gate reads: ``rateLimit``, ``search`` and, on
``repository``, ``refs`` (tags), ``releases``, ``issueOrPullRequest``, ``object`` (a file's
text, a folder's tree, and the default branch's head with a file's ``history``), and for
``release-gate init`` ``pullRequests`` (by state and label) and ``milestones`` (by title, with
their pull requests). Errors carry GitHub's top-level ``type`` (``NOT_FOUND``, ``FORBIDDEN``...).
"""

from __future__ import annotations

import functools
import re
import subprocess
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_gate.plan.model import ItemRef
from release_gate.state import GitHubRelease, Issue, IssueState, PrState, PullRequest, RepoState, Tag
from release_gate.testing.view import (
    EPOCH,
    FileCommit,
    FileUnreadableError,
    file_commits,
    file_text,
    head_sha,
    iso,
    search,
    sha,
    tag_sha,
    tags_newest_first,
    tree_entries,
)
from release_gate.times import iso_time, parse_time

if TYPE_CHECKING:
    from release_gate.testing.github import FakeGitHub

__all__ = [
    "SCHEMA_PACKAGE",
    "estimated_cost",
    "fetch_github_schema",
    "load_github_schema",
    "partial",
    "run",
]

SCHEMA_PACKAGE = "@octokit/graphql-schema@15.26.1"
"""The pinned npm package that carries GitHub's public GraphQL schema."""

DEFAULT_SCHEMA_CACHE = Path(".cache") / "github-schema"


def fetch_github_schema(cache: Path = DEFAULT_SCHEMA_CACHE) -> Path:
    """Return the path of GitHub's ``schema.graphql``, downloading the pinned package with npm once."""
    target = cache / "package" / "schema.graphql"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - a fixed command: npm pack of the pinned package
        ["npm", "pack", SCHEMA_PACKAGE, "--silent"],  # noqa: S607 - npm from PATH, as a developer runs it
        cwd=cache,
        check=True,
        capture_output=True,
        timeout=300,
    )
    archive = next(cache.glob("octokit-graphql-schema-*.tgz"))
    with tarfile.open(archive) as tar:
        member = tar.getmember("package/schema.graphql")
        tar.extract(member, cache, filter="data")
    return target


@functools.cache
def _schema_from(path: str) -> Any:
    from graphql import build_schema  # noqa: PLC0415 - graphql-core is needed by the fake only

    schema = build_schema(Path(path).read_text(encoding="utf-8"), assume_valid_sdl=True)
    # GitHub's SDL trips graphql-core's own strict checks of the schema (duplicate field
    # definitions, deprecations on interface fields); queries are still validated.
    schema._validation_errors = []  # noqa: SLF001 - graphql-core has no public switch for this
    return schema


def load_github_schema(path: str | Path | None = None) -> Any:
    """Build (once per path) GitHub's GraphQL schema with graphql-core."""
    return _schema_from(str(path or fetch_github_schema()))


class _GitHubError(Exception):
    """An error a resolver raises; GitHub writes its *kind* as the error's ``type``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.extensions = {"type": kind}


def _not_found(message: str) -> _GitHubError:
    return _GitHubError("NOT_FOUND", message)


# -- nodes ----------------------------------------------------------------------------------


def _pull_node(fake: FakeGitHub, pr: PullRequest) -> dict[str, Any]:
    """Return *pr* as a ``PullRequest`` node."""
    owner, _, branch = pr.head.partition(":") if ":" in pr.head else ("", "", pr.head)
    return {
        "__typename": "PullRequest",
        "number": pr.ref.number,
        "title": pr.title,
        "body": fake.bodies.get(pr.ref.key, ""),
        "state": {PrState.OPEN: "OPEN", PrState.MERGED: "MERGED", PrState.CLOSED: "CLOSED"}[pr.state],
        "createdAt": iso(pr.created_at) or EPOCH,
        "mergedAt": iso(pr.merged_at),
        "closedAt": iso(pr.closed_at),
        "isDraft": pr.draft,
        "headRefName": branch or "main",
        "headRefOid": head_sha(pr),
        "headRepositoryOwner": {"__typename": "User", "login": owner} if owner else None,
        "reviewDecision": pr.review_decision or None,
        "labels": lambda _info, **_: {"nodes": [{"name": name} for name in pr.labels]},
        "commits": lambda _info, **_: {
            "nodes": [{"commit": {"statusCheckRollup": {"state": pr.checks} if pr.checks else None}}]
        },
    }


def _item_node(fake: FakeGitHub, item: PullRequest | Issue) -> dict[str, Any]:
    if isinstance(item, PullRequest):
        return _pull_node(fake, item)
    return {
        "__typename": "Issue",
        "number": item.ref.number,
        "title": item.title,
        "state": "CLOSED" if item.state is IssueState.CLOSED else "OPEN",
        "createdAt": iso(item.created_at) or EPOCH,
        "closedAt": iso(item.closed_at),
    }


def _tag_node(repo: RepoState, tag: Tag) -> dict[str, Any]:
    commit = tag_sha(repo, tag)
    if tag.date is None:  # an undated tag: an annotated tag of a tree, which has no date
        target = {
            "__typename": "Tag",
            "oid": sha(commit),
            "tagger": None,
            "target": {"__typename": "Tree", "oid": commit},
        }
    else:
        target = {"__typename": "Commit", "oid": commit, "committedDate": iso(tag.date)}
    return {"name": tag.name, "target": target}


# -- repository resolvers -------------------------------------------------------------------


def _refs(repo: RepoState, _info: Any, first: int = 100, after: str | None = None, **_: Any) -> dict[str, Any]:
    """``refs``: the tags, newest first, a page at a time (cursors ``cursor:N``)."""
    tags = tags_newest_first(repo)
    start = int(after.split(":")[1]) if after else 0
    page = tags[start : start + first]
    end = start + len(page)
    return {
        "totalCount": len(tags),
        "pageInfo": {"hasNextPage": end < len(tags), "endCursor": f"cursor:{end}" if page else None},
        "nodes": [_tag_node(repo, tag) for tag in page],
    }


def _issue_or_pull(fake: FakeGitHub, slug: str, _info: Any, number: int) -> dict[str, Any]:
    """``issueOrPullRequest``: the item, or the error ``node_errors`` names for it."""
    ref = ItemRef(slug, number)
    found = fake.state.items.get(ref.key)
    if ref.key in {r.key for r in fake.node_errors}:
        kind = next(v for r, v in fake.node_errors.items() if r.key == ref.key)
        if kind == "NOT_FOUND":
            raise _not_found(f"Could not resolve to an issue or pull request with the number of {number}.")
        raise _GitHubError(kind, f"{kind.title()}: cannot read {ref}")
    if not isinstance(found, PullRequest | Issue):
        raise _not_found(f"Could not resolve to an issue or pull request with the number of {number}.")
    return _item_node(fake, found)


def _file_entry(commit: FileCommit, _info: Any, **_: Any) -> dict[str, Any] | None:
    if commit.text is None:
        return None
    return {"object": {"__typename": "Blob", "text": commit.text, "isTruncated": False}}


def _history(
    repo: RepoState, _info: Any, first: int = 100, path: str | None = None, until: str | None = None, **_: Any
) -> dict[str, Any]:
    """``history(path:, until:)`` of the default branch's head: the commits that changed one file."""
    if path is None:
        raise _GitHubError("INTERNAL", "the fake serves the history of one path only")
    try:
        commits = file_commits(repo, path, parse_time(until) if until else None)
    except FileUnreadableError as error:
        raise _GitHubError("FORBIDDEN", str(error)) from None
    return {
        "pageInfo": {"hasNextPage": len(commits) > first, "endCursor": None},
        "nodes": [
            {"oid": c.sha, "committedDate": iso_time(c.when), "file": functools.partial(_file_entry, c)}
            for c in commits[:first]
        ],
    }


def _blob(text: str) -> dict[str, Any]:
    return {"__typename": "Blob", "text": text, "isTruncated": False}


def _tree(repo: RepoState, folder: str) -> dict[str, Any] | None:
    """Return a folder of the default branch as a ``Tree``; ``None`` when there is no such folder."""
    entries = tree_entries(repo, folder)
    if entries is None:
        return None
    listed = []
    for name, kind in entries:
        path = f"{folder}/{name}" if folder else name
        listed.append(
            {
                "name": name,
                "path": path,
                "type": kind,
                "mode": 0o40000 if kind == "tree" else 0o100644,
                "oid": sha(repo.slug, kind, path),
                "object": functools.partial(_entry_object, repo, path, kind),
            }
        )
    return {"__typename": "Tree", "oid": sha(repo.slug, "tree", folder), "entries": listed}


def _entry_object(repo: RepoState, path: str, kind: str, _info: Any, **_: Any) -> dict[str, Any] | None:
    """Return a tree entry's ``object``: the folder's tree, or the file's blob."""
    if kind == "tree":
        return _tree(repo, path)
    text = file_text(repo, path)
    return None if text is None else _blob(text)


def _object(repo: RepoState, _info: Any, expression: str) -> dict[str, Any] | None:
    """``object(expression:)``: ``HEAD`` (the default branch's head commit), ``HEAD:PATH`` a file or a folder."""
    if expression == "HEAD":
        return {"__typename": "Commit", "oid": sha(repo.slug, "head"), "history": functools.partial(_history, repo)}
    path = expression.split(":", 1)[1] if ":" in expression else expression
    text = file_text(repo, path)
    return _tree(repo, path.strip("/")) if text is None else _blob(text)


def _release_node(release: GitHubRelease) -> dict[str, Any]:
    return {
        "tagName": release.tag,
        "isDraft": release.draft,
        "isPrerelease": release.prerelease,
        "publishedAt": iso(release.published_at),
    }


def _releases(repo: RepoState, _info: Any, first: int = 100, **_: Any) -> dict[str, Any]:
    """``releases``: the GitHub releases, as the state lists them."""
    return {"nodes": [_release_node(r) for r in repo.releases[:first]]}


_PR_STATES = {"OPEN": PrState.OPEN, "MERGED": PrState.MERGED, "CLOSED": PrState.CLOSED}


def _pull_requests(  # noqa: PLR0917 - GitHub's arguments, and what the fake binds first
    fake: FakeGitHub,
    slug: str,
    milestone: str | None,
    _info: Any,
    first: int = 100,
    after: str | None = None,
    states: list[str] | None = None,
    labels: list[str] | None = None,
    **_: Any,
) -> dict[str, Any]:
    """``pullRequests(states:, labels:)`` of a repository (any of the labels), or of one *milestone*."""
    wanted_states = {_PR_STATES[s] for s in states} if states else set(_PR_STATES.values())
    wanted_labels = {label.lower() for label in labels or ()}
    in_milestone = {ref.key: title for ref, title in fake.milestones.items()}
    found = [
        pr
        for pr in fake.state.pull_requests(slug)
        if pr.state in wanted_states
        and (not wanted_labels or any(label.lower() in wanted_labels for label in pr.labels))
        and (milestone is None or in_milestone.get(pr.ref.key) == milestone)
    ]
    start = int(after.split(":")[1]) if after else 0
    page = found[start : start + first]
    end = start + len(page)
    return {
        "totalCount": len(found),
        "pageInfo": {"hasNextPage": end < len(found), "endCursor": f"cursor:{end}" if page else None},
        "nodes": [_pull_node(fake, pr) for pr in page],
    }


def _milestones(
    fake: FakeGitHub, slug: str, _info: Any, first: int = 100, query: str | None = None, **_: Any
) -> dict[str, Any]:
    """``milestones(query:)``: the milestones of the repository's pull requests whose title contains *query*."""
    titles = sorted({title for ref, title in fake.milestones.items() if ref.key[0] == slug.lower()})
    found = [t for t in titles if query is None or query.lower() in t.lower()][:first]
    return {
        "totalCount": len(found),
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "nodes": [
            {
                "title": title,
                "number": titles.index(title) + 1,
                "state": "OPEN",
                "pullRequests": functools.partial(_pull_requests, fake, slug, title),
            }
            for title in found
        ],
    }


def _repository(fake: FakeGitHub, owner: str, name: str) -> dict[str, Any]:
    """``repository(owner:, name:)``; ``NOT_FOUND`` for a repository the state does not have."""
    repo = fake.state.repos.get(f"{owner}/{name}".lower())
    slug = f"{owner}/{name}"
    if not isinstance(repo, RepoState):
        raise _not_found(f"Could not resolve to a Repository with the name '{slug}'.")
    return {
        "nameWithOwner": repo.slug,
        "defaultBranchRef": {"name": repo.default_branch or "main"},
        "refs": functools.partial(_refs, repo),
        "releases": functools.partial(_releases, repo),
        "issueOrPullRequest": functools.partial(_issue_or_pull, fake, slug),
        "object": functools.partial(_object, repo),
        "pullRequests": functools.partial(_pull_requests, fake, slug, None),
        "milestones": functools.partial(_milestones, fake, slug),
    }


# -- the root -------------------------------------------------------------------------------


def _search(
    fake: FakeGitHub, _info: Any, query: str, first: int = 100, after: str | None = None, **_: Any
) -> dict[str, Any]:
    """``search``: the pull requests found; ``issueCount`` counts the ``search_misses`` withheld."""
    everything = search(fake.state, fake.bodies, query)
    results = everything[: len(everything) - fake.search_misses] if fake.search_misses else everything
    start = int(after.split(":")[1]) if after else 0
    page = results[start : start + first]
    end = start + len(page)
    return {
        "issueCount": len(everything),
        "pageInfo": {"hasNextPage": end < len(results), "endCursor": f"cursor:{end}" if page else None},
        "nodes": [_pull_node(fake, pr) for pr in page],
    }


def _root(fake: FakeGitHub, cost: int = 1) -> dict[str, Any]:
    reset = iso_time(fake.reset_at())
    return {
        "rateLimit": {
            "cost": cost,
            "remaining": fake.rate_limit - fake.rate_used,
            "resetAt": reset,
            "limit": fake.rate_limit,
        },
        "repository": lambda _info, owner, name, **_: _repository(fake, owner, name),
        "search": functools.partial(_search, fake),
    }


def run(fake: FakeGitHub, document: str, variables: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate *document* against *fake*'s schema and run it against its state; return GitHub's answer."""
    from graphql import graphql_sync, parse, validate  # noqa: PLC0415 - needed by the fake only

    try:
        ast = parse(document)
    except Exception as error:  # noqa: BLE001 - any parse failure is GitHub's "Parse error"
        fake.invalid_queries.append((document, [str(error)]))
        return {"errors": [{"message": f"Parse error: {error}"}]}
    problems = validate(fake.schema, ast)
    if problems:
        fake.invalid_queries.append((document, [p.message for p in problems]))
        return {"errors": [{"message": p.message, "locations": [{"line": 1, "column": 1}]} for p in problems]}
    cost = estimated_cost(document)
    with fake.lock:
        fake.graphql_cost += cost
    result = graphql_sync(fake.schema, document, root_value=_root(fake, cost), variable_values=dict(variables or {}))
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [_format_error(e) for e in result.errors]
    return answer


def estimated_cost(document: str) -> int:
    """Estimate GitHub's charge for a query as its docs describe it.

    GitHub adds up the requests needed to fill every connection (a connection under a
    list counts once per parent), divides by 100 and rounds, with a minimum of 1. Here:
    a repository's tags and releases, each PR's labels and commits (2 per item alias),
    and each search (1; its results carry no connections).
    """
    repos = len(re.findall(r": repository\(", document))
    items = len(re.findall(r": issueOrPullRequest\(", document))
    searches = len(re.findall(r": search\(", document))
    requests = 2 * repos + 2 * items + searches
    return max(1, round(requests / 100))


def _format_error(error: Any) -> dict[str, Any]:
    formatted = dict(error.formatted)
    original = getattr(error, "original_error", None)
    kind = getattr(original, "extensions", {}).get("type") if original is not None else None
    formatted.pop("extensions", None)
    if kind:
        formatted["type"] = kind  # GitHub puts the error type at the top level
    return formatted


def partial(answer: dict[str, Any]) -> dict[str, Any]:
    """Fail the first alias of *answer* as GitHub does when part of a query times out."""
    data = dict(answer.get("data") or {})
    alias = next((key for key in data if key != "rateLimit"), next(iter(data), None))
    if alias is None:
        return answer
    data[alias] = None
    error = {
        "path": [alias],
        "locations": [{"line": 1, "column": 1}],
        "message": "Something went wrong while executing your query. This may be the result of a timeout.",
    }
    return {"data": data, "errors": [*(answer.get("errors") or []), error]}
