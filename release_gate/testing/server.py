"""A fake GitHub for tests: real HTTP on 127.0.0.1, driven by PyGithub as it drives GitHub.

:class:`FakeGitHub` serves a :class:`~release_gate.state.State` through the REST endpoints
release-gate uses and a GraphQL endpoint that runs every query through graphql-core
against **GitHub's published schema** (npm package ``@octokit/graphql-schema``), so a query
GitHub would reject fails here too. It counts requests, can add latency, injects faults
(:class:`Fault`) and records the commit statuses posted to it.

Use it to test your own plans::

    from release_gate import GitHubStateProvider, check, load_snapshot
    from release_gate.testing import FakeGitHub, load_github_schema

    state = load_snapshot("config/jupyterhub-2018-08-09.state.json")
    with FakeGitHub(state, schema=load_github_schema()) as fake:
        provider = GitHubStateProvider(token=fake.token, base_url=fake.url)
        evaluation = check("config/jupyterhub-2018.toml", provider)

It needs graphql-core (``pip install 'release-gate[testing]'``) and the schema, which
:func:`fetch_github_schema` downloads once with npm into a cache folder.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import functools
import gzip
import hashlib
import json
import re
import subprocess
import tarfile
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import yaml

from release_gate.plan.model import ItemRef, Source
from release_gate.state import (
    Issue,
    IssueState,
    PrState,
    Published,
    PullRequest,
    Registry,
    RepoState,
    State,
    Tag,
    Unknown,
    registry_key,
)
from release_gate.times import iso_time, parse_time

__all__ = [
    "SCHEMA_PACKAGE",
    "FakeGitHub",
    "FakeRegistries",
    "Fault",
    "PostedStatus",
    "RecordedRequest",
    "fetch_github_schema",
    "load_github_schema",
]

SCHEMA_PACKAGE = "@octokit/graphql-schema@15.26.1"
"""The pinned npm package that carries GitHub's public GraphQL schema."""

DEFAULT_SCHEMA_CACHE = Path(".cache") / "github-schema"


class Fault(enum.StrEnum):
    """Ways the fake can fail a request."""

    SERVER_ERROR = "500"
    BAD_GATEWAY = "502"
    SERVICE_UNAVAILABLE = "503"
    SECONDARY_RATE_LIMIT = "403-secondary"
    """403 with GitHub's secondary-rate-limit message and ``Retry-After``."""
    TOO_MANY_REQUESTS = "429"
    """429 with ``Retry-After``."""
    PRIMARY_EXHAUSTED = "primary-exhausted"
    """403 "API rate limit exceeded" with ``x-ratelimit-remaining: 0`` and a reset an hour away."""
    GRAPHQL_RATE_LIMITED = "graphql-rate-limited"
    """200 whose body carries a RATE_LIMITED GraphQL error (how GitHub's GraphQL says it)."""
    GRAPHQL_PARTIAL = "graphql-partial"
    """200 with the data of the first alias missing and an error with its path (GitHub's
    "Something went wrong while executing your query"); REST requests are answered normally."""
    MALFORMED_JSON = "malformed-json"
    TRUNCATED = "truncated"
    """A body shorter than its Content-Length."""
    RESET = "reset"
    """The connection is closed without an answer."""
    SLOW = "slow"
    """The answer comes after ``slow_seconds`` (set it past the client's timeout)."""


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the fake received."""

    method: str
    path: str
    query: str = ""
    authorized: bool = False
    graphql: str = ""
    """The GraphQL document, for GraphQL requests."""


@dataclass(frozen=True, slots=True)
class PostedStatus:
    """A commit status posted to the fake."""

    repo: str
    sha: str
    state: str
    context: str
    description: str
    target_url: str


_POLL = 0.02
"""How often a fake's server loop looks for shutdown (the stdlib's 0.5 s makes every stop slow)."""
_GRAPHQL_ONLY = frozenset({Fault.GRAPHQL_RATE_LIMITED, Fault.GRAPHQL_PARTIAL})


@dataclass(slots=True)
class _Injection:
    fault: Fault
    times: int | None
    skip: int
    where: str
    retry_after: int


class _NotFoundError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.extensions = {"type": "NOT_FOUND"}


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
    schema._validation_errors = []  # noqa: SLF001
    return schema


def load_github_schema(path: str | Path | None = None) -> Any:
    """Build (once per path) GitHub's GraphQL schema with graphql-core."""
    return _schema_from(str(path or fetch_github_schema()))


def _sha(*parts: str) -> str:
    return hashlib.sha1("/".join(parts).encode(), usedforsecurity=False).hexdigest()


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else iso_time(value)


_EPOCH = "1970-01-01T00:00:00Z"


class _Faults:
    """Fault injection shared by the fakes (see :class:`Fault`)."""

    _injections: list[_Injection]
    _lock: threading.Lock
    close_connections: bool = False
    """Close the connection after every answer, so each request connects (and resolves) anew."""

    def inject(
        self, fault: Fault, *, times: int | None = 1, skip: int = 0, where: str = "any", retry_after: int = 1
    ) -> None:
        """Fail the next *times* matching requests (``None``: all) after *skip* of them.

        *where* is ``any``, ``graphql`` or ``rest``.
        """
        with self._lock:
            self._injections.append(_Injection(fault, times, skip, where, retry_after))

    def clear_faults(self) -> None:
        """Forget every injected fault."""
        with self._lock:
            self._injections.clear()

    def _take_fault(self, is_graphql: bool) -> _Injection | None:
        with self._lock:
            for injection in self._injections:
                if injection.where not in ("any", "graphql" if is_graphql else "rest"):
                    continue
                if not is_graphql and injection.fault in _GRAPHQL_ONLY:
                    continue
                if injection.skip > 0:
                    injection.skip -= 1
                    return None
                if injection.times is None:
                    return injection
                if injection.times > 0:
                    injection.times -= 1
                    return injection
            return None


class FakeGitHub(_Faults):
    """A fake GitHub serving *state* on ``http://127.0.0.1:PORT``; use it as a context manager.

    *schema* is GitHub's GraphQL schema (:func:`load_github_schema`); without it the GraphQL
    endpoint answers 501. *token* is the one token accepted (``None``: any token, and
    anonymous REST). *prefix* is ``/api/v3`` (GitHub Enterprise layout, GraphQL at
    ``/api/graphql``) or ``""`` (GraphQL at ``/graphql``). *latency* is added to every answer.
    """

    def __init__(
        self,
        state: State | None = None,
        *,
        schema: Any = None,
        token: str | None = "test-token",  # noqa: S107 - the fake's own token, not a secret
        prefix: str = "/api/v3",
        latency: float = 0.0,
        bodies: Mapping[ItemRef, str] | None = None,
        slow_seconds: float = 5.0,
    ) -> None:
        self.state = state or State(dt.datetime.now(dt.UTC), "empty")
        self.schema = schema
        self.token = token
        self.prefix = prefix
        self.latency = latency
        self.slow_seconds = slow_seconds
        self.bodies = {ref.key: text for ref, text in (bodies or {}).items()}
        self.requests: list[RecordedRequest] = []
        self.statuses: list[PostedStatus] = []
        self.invalid_queries: list[tuple[str, list[str]]] = []
        """GraphQL documents that GitHub's schema rejects, with the errors: tests assert none."""
        self.label_events: dict[tuple[str, int], list[tuple[str, str, dt.datetime]]] = {}
        """``(owner/name lower-cased, number)`` -> ``(label, who added it, when)`` events."""
        self.permissions: dict[str, str] = {}
        """Logins and their permission on every repo (``admin``, ``write``...); others have ``read``."""
        self.branch_files: dict[str, dict[str, str]] = {}
        """Files of branches other than the default one (a PR's head, say), by branch name."""
        self.search_misses = 0
        """Withhold the last this many results of every search, as a search that timed out on GitHub's
        side does: REST says ``incomplete_results``, GraphQL still counts them in ``issueCount``."""
        self.forbid_statuses = False
        """Answer 403 to posted statuses (a token without ``statuses: write``)."""
        self.node_errors: dict[ItemRef, str] = {}
        """PRs or issues whose GraphQL node fails with this error type (a partial error)."""
        self.rest_answers: dict[tuple[str, str], tuple[int, Any]] = {}
        """Answers that replace the fake's own REST answers: ``(method, path pattern)`` -> ``(status, JSON body)``.

        The pattern is a regular expression matched in full against the path below the API
        root, e.g. ``("GET", r"/repos/jupyterhub/kubespawner/collaborators/[^/]+/permission")``;
        the first that matches wins. Use it for what GitHub answers rarely: a body of a shape
        its REST description does not allow (``(200, {"role_name": "admin"})``), a 422, or a
        lasting 502 on one route only. Faults that any request may meet are :meth:`inject`'s.
        """
        self.rate_limit = 5000
        self.rate_used = 0
        self.not_modified = 0
        """REST GETs answered 304 Not Modified (their If-None-Match named the current ETag)."""
        self.graphql_cost = 0
        """GraphQL points charged so far (see :func:`_estimated_cost`)."""
        self._injections: list[_Injection] = []
        self._lock = threading.Lock()
        self.host = "127.0.0.1"
        """The host its URLs name (it listens on 127.0.0.1; tests may resolve another name to it)."""
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start serving on a free port of 127.0.0.1."""
        handler = functools.partial(_Handler, self)
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(_POLL,), name="fake-github", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        """The port it listens on."""
        assert self._server is not None, "start the fake first"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The REST API root to give PyGithub (``base_url``)."""
        return f"http://{self.host}:{self.port}{self.prefix}"

    @property
    def graphql_requests(self) -> list[RecordedRequest]:
        """The GraphQL requests received."""
        return [r for r in self.requests if r.graphql]

    # -- the state as GitHub shows it ------------------------------------------------------

    def _repo(self, owner: str, name: str) -> RepoState | Unknown | None:
        return self.state.repos.get(f"{owner}/{name}".lower())

    def _item(self, slug: str, number: int) -> PullRequest | Issue | Unknown | None:
        return self.state.items.get(ItemRef(slug, number).key)

    def _tags_newest_first(self, repo: RepoState) -> list[Tag]:
        far_past = dt.datetime.min.replace(tzinfo=dt.UTC)
        return sorted(repo.tags, key=lambda t: (t.date or far_past, t.name), reverse=True)

    def _tag_sha(self, repo: RepoState, name: str, sha: str) -> str:
        return sha or _sha(repo.slug, "tag", name)

    def _file_commits(self, repo: RepoState, path: str, until: dt.datetime | None = None) -> list[_FileCommit]:
        """Return the commits that changed *path* on the default branch, newest first, up to *until*.

        A version whose date the state does not know is served as made when the file was read.
        Raises :class:`_FileUnreadableError` for a file the state records as unknown.
        """
        history = repo.files.get(path)
        if history is None:
            return []
        if isinstance(history, Unknown):
            raise _FileUnreadableError(history.reason)
        commits = []
        for version in history.versions:
            when = version.since or history.read_at
            if until is None or when <= until:
                sha = version.commit or _sha(repo.slug, "file", path, iso_time(when))
                commits.append(_FileCommit(sha, when, version.text))
        return commits

    def _file_text(self, repo: RepoState, path: str, ref: str | None = None) -> str | None:
        """Return the text of *path* at commit *ref* (a SHA of :meth:`_file_commits`), or on the default branch."""
        try:
            commits = self._file_commits(repo, path)
        except _FileUnreadableError:
            return None
        if ref is None:
            return commits[0].text if commits else None
        return next((c.text for c in commits if c.sha == ref), None)

    # GraphQL ------------------------------------------------------------------------------

    def _gql_pull(self, pr: PullRequest) -> dict[str, Any]:
        owner, _, branch = pr.head.partition(":") if ":" in pr.head else ("", "", pr.head)
        return {
            "__typename": "PullRequest",
            "number": pr.ref.number,
            "title": pr.title,
            "body": self.bodies.get(pr.ref.key, ""),
            "state": {PrState.OPEN: "OPEN", PrState.MERGED: "MERGED", PrState.CLOSED: "CLOSED"}[pr.state],
            "createdAt": _iso(pr.created_at) or _EPOCH,
            "mergedAt": _iso(pr.merged_at),
            "closedAt": _iso(pr.closed_at),
            "isDraft": pr.draft,
            "headRefName": branch or "main",
            "headRefOid": pr.head_sha or _sha(pr.ref.slug, "head", str(pr.ref.number)),
            "headRepositoryOwner": {"__typename": "User", "login": owner} if owner else None,
            "reviewDecision": pr.review_decision or None,
            "labels": lambda _info, **_: {"nodes": [{"name": name} for name in pr.labels]},
            "commits": lambda _info, **_: {
                "nodes": [{"commit": {"statusCheckRollup": {"state": pr.checks} if pr.checks else None}}]
            },
        }

    def _gql_item(self, item: PullRequest | Issue) -> dict[str, Any]:
        if isinstance(item, PullRequest):
            return self._gql_pull(item)
        return {
            "__typename": "Issue",
            "number": item.ref.number,
            "title": item.title,
            "state": "CLOSED" if item.state is IssueState.CLOSED else "OPEN",
            "createdAt": _iso(item.created_at) or _EPOCH,
            "closedAt": _iso(item.closed_at),
        }

    def _gql_repo(self, owner: str, name: str) -> dict[str, Any]:
        repo = self._repo(owner, name)
        slug = f"{owner}/{name}"
        if not isinstance(repo, RepoState):
            raise _NotFoundError(f"Could not resolve to a Repository with the name '{slug}'.")

        def refs(_info: Any, first: int = 100, after: str | None = None, **_: Any) -> dict[str, Any]:
            tags = self._tags_newest_first(repo)
            start = int(after.split(":")[1]) if after else 0
            page = tags[start : start + first]
            nodes = []
            for tag in page:
                sha = self._tag_sha(repo, tag.name, tag.sha)
                if tag.date is None:  # an undated tag: an annotated tag of a tree, which has no date
                    target = {
                        "__typename": "Tag",
                        "oid": _sha(sha),
                        "tagger": None,
                        "target": {"__typename": "Tree", "oid": sha},
                    }
                else:
                    target = {"__typename": "Commit", "oid": sha, "committedDate": _iso(tag.date)}
                nodes.append({"name": tag.name, "target": target})
            end = start + len(page)
            return {
                "totalCount": len(tags),
                "pageInfo": {"hasNextPage": end < len(tags), "endCursor": f"cursor:{end}" if page else None},
                "nodes": nodes,
            }

        def item(_info: Any, number: int) -> dict[str, Any]:
            found = self._item(slug, number)
            ref = ItemRef(slug, number)
            if ref.key in {r.key for r in self.node_errors}:
                kind = next(v for r, v in self.node_errors.items() if r.key == ref.key)
                if kind == "NOT_FOUND":
                    raise _NotFoundError(f"Could not resolve to an issue or pull request with the number of {number}.")
                raise _GitHubGraphQLError(kind, f"{kind.title()}: cannot read {ref}")
            if not isinstance(found, PullRequest | Issue):
                raise _NotFoundError(f"Could not resolve to an issue or pull request with the number of {number}.")
            return self._gql_item(found)

        def history(
            _info: Any, first: int = 100, path: str | None = None, until: str | None = None, **_: Any
        ) -> dict[str, Any]:
            if path is None:
                raise _GitHubGraphQLError("INTERNAL", "the fake serves the history of one path only")
            try:
                commits = self._file_commits(repo, path, parse_time(until) if until else None)
            except _FileUnreadableError as error:
                raise _GitHubGraphQLError("FORBIDDEN", str(error)) from None

            def entry(commit: _FileCommit) -> dict[str, Any] | None:
                if commit.text is None:
                    return None
                return {"object": {"__typename": "Blob", "text": commit.text, "isTruncated": False}}

            return {
                "pageInfo": {"hasNextPage": len(commits) > first, "endCursor": None},
                "nodes": [
                    {"oid": c.sha, "committedDate": iso_time(c.when), "file": lambda _i, c=c, **_: entry(c)}
                    for c in commits[:first]
                ],
            }

        def blob(_info: Any, expression: str) -> dict[str, Any] | None:
            if expression == "HEAD":  # the default branch's head commit
                return {"__typename": "Commit", "oid": _sha(repo.slug, "head"), "history": history}
            path = expression.split(":", 1)[1] if ":" in expression else expression
            text = self._file_text(repo, path)
            return None if text is None else {"__typename": "Blob", "text": text}

        def releases(_info: Any, first: int = 100, **_: Any) -> dict[str, Any]:
            return {
                "nodes": [
                    {
                        "tagName": r.tag,
                        "isDraft": r.draft,
                        "isPrerelease": r.prerelease,
                        "publishedAt": _iso(r.published_at),
                    }
                    for r in repo.releases[:first]
                ]
            }

        return {
            "nameWithOwner": repo.slug,
            "defaultBranchRef": {"name": repo.default_branch or "main"},
            "refs": refs,
            "releases": releases,
            "issueOrPullRequest": item,
            "object": blob,
        }

    def _search(self, query: str) -> list[PullRequest]:
        repo = re.search(r"repo:(\S+)", query)
        words = [w.strip('"') for w in re.findall(r'"[^"]*"|\S+', query) if ":" not in w]
        found = []
        for (slug, _), item in sorted(self.state.items.items()):
            if not isinstance(item, PullRequest) or (repo and slug != repo.group(1).lower()):
                continue
            text = f"{item.title}\n{self.bodies.get(item.ref.key, '')}".lower()
            if all(word.lower() in text for word in words):
                found.append(item)
        return found

    def _gql_root(self, cost: int = 1) -> dict[str, Any]:
        def search(_info: Any, query: str, first: int = 100, after: str | None = None, **_: Any) -> dict[str, Any]:
            everything = self._search(query)
            results = everything[: len(everything) - self.search_misses] if self.search_misses else everything
            start = int(after.split(":")[1]) if after else 0
            page = results[start : start + first]
            end = start + len(page)
            return {
                "issueCount": len(everything),
                "pageInfo": {"hasNextPage": end < len(results), "endCursor": f"cursor:{end}" if page else None},
                "nodes": [self._gql_pull(pr) for pr in page],
            }

        reset = iso_time(self._reset_time())
        return {
            "rateLimit": {
                "cost": cost,
                "remaining": self.rate_limit - self.rate_used,
                "resetAt": reset,
                "limit": self.rate_limit,
            },
            "repository": lambda _info, owner, name, **_: self._gql_repo(owner, name),
            "search": search,
        }

    def _reset_time(self) -> dt.datetime:
        return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).replace(microsecond=0)

    def graphql(self, document: str, variables: Mapping[str, Any] | None) -> dict[str, Any]:
        """Validate *document* against GitHub's schema and run it against the state."""
        from graphql import graphql_sync, parse, validate  # noqa: PLC0415 - needed by the fake only

        try:
            ast = parse(document)
        except Exception as error:  # noqa: BLE001 - any parse failure is GitHub's "Parse error"
            self.invalid_queries.append((document, [str(error)]))
            return {"errors": [{"message": f"Parse error: {error}"}]}
        problems = validate(self.schema, ast)
        if problems:
            self.invalid_queries.append((document, [p.message for p in problems]))
            return {"errors": [{"message": p.message, "locations": [{"line": 1, "column": 1}]} for p in problems]}
        cost = _estimated_cost(document)
        with self._lock:
            self.graphql_cost += cost
        result = graphql_sync(
            self.schema, document, root_value=self._gql_root(cost), variable_values=dict(variables or {})
        )
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [_format_error(e) for e in result.errors]
        return answer

    # REST ---------------------------------------------------------------------------------

    def _rest_issue(self, base: str, item: PullRequest | Issue) -> dict[str, Any]:
        slug = item.ref.slug
        data: dict[str, Any] = {
            "url": f"{base}/repos/{slug}/issues/{item.ref.number}",
            "number": item.ref.number,
            "title": item.title,
            "body": self.bodies.get(item.ref.key, ""),
            "state": "open" if item.state in (PrState.OPEN, IssueState.OPEN) else "closed",
            "created_at": _iso(item.created_at) or _EPOCH,
            "closed_at": _iso(item.closed_at),
            "labels": [{"name": n} for n in getattr(item, "labels", ())],
            "user": {"login": "someone"},
        }
        if isinstance(item, PullRequest):
            data["draft"] = item.draft
            data["pull_request"] = {
                "url": f"{base}/repos/{slug}/pulls/{item.ref.number}",
                "merged_at": _iso(item.merged_at),
            }
        return data

    def _rest_pull(self, base: str, pr: PullRequest) -> dict[str, Any]:
        data = self._rest_issue(base, pr)
        data.pop("pull_request", None)
        sha = pr.head_sha or _sha(pr.ref.slug, "head", str(pr.ref.number))
        branch = pr.head.partition(":")[2] if ":" in pr.head else pr.head
        data.update(
            url=f"{base}/repos/{pr.ref.slug}/pulls/{pr.ref.number}",
            issue_url=f"{base}/repos/{pr.ref.slug}/issues/{pr.ref.number}",
            merged=pr.state is PrState.MERGED,
            merged_at=_iso(pr.merged_at),
            head={"sha": sha, "ref": branch or "main", "label": pr.head or branch or "main"},
            base={"sha": _sha(pr.ref.slug, "base"), "ref": "main", "label": "main"},
        )
        return data

    def rest(
        self, method: str, path: str, query: Mapping[str, list[str]], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        """Answer one REST request: ``(status, JSON body, extra headers)``."""
        for (verb, pattern), answer in list(self.rest_answers.items()):
            if verb == method and re.fullmatch(pattern, path):
                return answer[0], answer[1], {}
        base = self.url
        page = int((query.get("page") or ["1"])[0])
        per_page = int((query.get("per_page") or ["30"])[0])
        not_found: tuple[int, Any, dict[str, str]] = (
            404,
            {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
            {},
        )
        if path == "/rate_limit":
            core = {
                "limit": self.rate_limit,
                "remaining": self.rate_limit - self.rate_used,
                "reset": int(self._reset_time().timestamp()),
                "used": self.rate_used,
            }
            return 200, {"resources": {"core": core, "graphql": core}, "rate": core}, {}
        if path == "/search/issues":
            everything = self._search(urllib.parse.unquote_plus((query.get("q") or [""])[0]))
            results = everything[: len(everything) - self.search_misses] if self.search_misses else everything
            chunk = results[(page - 1) * per_page : page * per_page]
            headers = {}
            if page * per_page < len(results):
                q = urllib.parse.quote((query.get("q") or [""])[0])
                headers["Link"] = f'<{base}/search/issues?q={q}&per_page={per_page}&page={page + 1}>; rel="next"'
            items = [self._rest_issue(base, pr) for pr in chunk]
            incomplete = len(results) < len(everything)
            return 200, {"total_count": len(results), "incomplete_results": incomplete, "items": items}, headers
        match = re.match(r"^/repos/([^/]+)/([^/]+)(/.*)?$", path)
        if not match:
            return not_found
        owner, name, rest = match.group(1), match.group(2), match.group(3) or ""
        slug = f"{owner}/{name}"
        repo = self._repo(owner, name)
        if method == "POST" and self.forbid_statuses and rest.startswith("/statuses/"):
            return 403, {"message": "Resource not accessible by integration"}, {}
        if method == "POST" and (status := re.match(r"^/statuses/([0-9a-f]{7,40})$", rest)):
            if not isinstance(body, dict) or body.get("state") not in ("error", "failure", "pending", "success"):
                return 422, {"message": "Validation Failed"}, {}
            posted = PostedStatus(
                slug,
                status.group(1),
                body["state"],
                body.get("context", "default"),
                body.get("description", ""),
                body.get("target_url", ""),
            )
            with self._lock:
                self.statuses.append(posted)
            return (
                201,
                {
                    "url": f"{base}/repos/{slug}/statuses/{posted.sha}",
                    "state": posted.state,
                    "context": posted.context,
                    "description": posted.description,
                    "target_url": posted.target_url,
                },
                {},
            )
        if not isinstance(repo, RepoState):
            return not_found
        if rest == "":
            return (
                200,
                {
                    "url": f"{base}/repos/{slug}",
                    "full_name": repo.slug,
                    "name": name,
                    "default_branch": repo.default_branch or "main",
                },
                {},
            )
        if rest == "/pulls":
            open_pulls = [
                item
                for (item_slug, _), item in sorted(self.state.items.items())
                if item_slug == slug.lower() and isinstance(item, PullRequest) and item.state is PrState.OPEN
            ]
            pulls = [self._rest_pull(base, pr) for pr in open_pulls]
            return (200, *_page_of(pulls, f"{base}{path}", query))
        if events := re.match(r"^/issues/(\d+)/events$", rest):
            labelled = self.label_events.get((slug.lower(), int(events.group(1))), [])
            listed = [
                {
                    "id": index + 1,
                    "url": f"{base}/repos/{slug}/issues/events/{index + 1}",
                    "event": "labeled",
                    "label": {"name": label, "color": "ededed"},
                    "actor": {"login": actor, "url": f"{base}/users/{actor}"},
                    "created_at": _iso(when),
                }
                for index, (label, actor, when) in enumerate(labelled)
            ]
            return (200, *_page_of(listed, f"{base}{path}", query))
        if who := re.match(r"^/collaborators/([^/]+)/permission$", rest):
            login = who.group(1)
            permission = self.permissions.get(login, "read")
            return 200, {"permission": permission, "role_name": permission, "user": {"login": login}}, {}
        if rest == "/tags":
            tags = self._tags_newest_first(repo)
            tag_page = tags[(page - 1) * per_page : page * per_page]
            headers = {}
            if page * per_page < len(tags):
                headers["Link"] = f'<{base}/repos/{slug}/tags?per_page={per_page}&page={page + 1}>; rel="next"'
            return (
                200,
                [
                    {
                        "name": t.name,
                        "commit": {
                            "sha": (sha := self._tag_sha(repo, t.name, t.sha)),
                            "url": f"{base}/repos/{slug}/commits/{sha}",
                        },
                    }
                    for t in tag_page
                ],
                headers,
            )
        if commit := re.match(r"^/(?:git/)?commits/([0-9a-f]{40})$", rest):
            for tag in repo.tags:
                if self._tag_sha(repo, tag.name, tag.sha) == commit.group(1):
                    sha = commit.group(1)
                    person = {"name": "someone", "email": "someone@example.invalid", "date": _iso(tag.date)}
                    git = {
                        "sha": sha,
                        "url": f"{base}/repos/{slug}/git/commits/{sha}",
                        "committer": person,
                        "author": person,
                        "message": tag.name,
                    }
                    if rest.startswith("/git/"):
                        return 200, git, {}
                    return 200, {"sha": sha, "url": f"{base}/repos/{slug}/commits/{sha}", "commit": git}, {}
            return not_found
        if number := re.match(r"^/(issues|pulls)/(\d+)$", rest):
            item = self._item(slug, int(number.group(2)))
            if not isinstance(item, PullRequest | Issue) or (
                number.group(1) == "pulls" and not isinstance(item, PullRequest)
            ):
                return not_found
            if number.group(1) == "pulls":
                assert isinstance(item, PullRequest)
                return 200, self._rest_pull(base, item), {}
            return 200, self._rest_issue(base, item), {}
        if rest == "/commits" and query.get("path"):
            file_path = query["path"][0]
            until = parse_time(query["until"][0]) if query.get("until") else None
            try:
                commits = self._file_commits(repo, file_path, until)
            except _FileUnreadableError:
                return 500, {"message": "Server Error"}, {}
            changes = [
                {
                    "sha": c.sha,
                    "url": f"{base}/repos/{slug}/commits/{c.sha}",
                    "commit": {
                        "message": f"Change {file_path}",
                        "committer": {"name": "someone", "email": "someone@example.invalid", "date": _iso(c.when)},
                        "author": {"name": "someone", "email": "someone@example.invalid", "date": _iso(c.when)},
                    },
                }
                for c in commits
            ]
            return (200, *_page_of(changes, f"{base}{path}", query))
        if content := re.match(r"^/contents/(.+)$", rest):
            file_path = urllib.parse.unquote(content.group(1))
            ref = (query.get("ref") or [repo.default_branch or "main"])[0]
            if ref in self.branch_files and ref != (repo.default_branch or "main"):
                text = self.branch_files[ref].get(file_path)
            else:
                text = self._file_text(repo, file_path, ref if re.fullmatch(r"[0-9a-f]{40}", ref) else None)
            if text is None:
                return not_found
            encoded = base64.b64encode(text.encode()).decode()
            return (
                200,
                {
                    "type": "file",
                    "encoding": "base64",
                    "name": file_path.rsplit("/", 1)[-1],
                    "path": file_path,
                    "content": encoded,
                    "url": f"{base}/repos/{slug}/contents/{file_path}",
                },
                {},
            )
        # Only the route of GitHub's published REST description, "List commit statuses for a
        # reference", newest first; not the older GET /repos/{o}/{r}/statuses/{ref} that
        # PyGithub's Commit.get_statuses() asks, so a client that drifts back to it fails here.
        if method == "GET" and (statuses := re.match(r"^/commits/([^/]+)/statuses$", rest)):
            with self._lock:
                found = [
                    s for s in reversed(self.statuses) if s.repo.lower() == slug.lower() and s.sha == statuses.group(1)
                ]
            listed = [
                {"state": s.state, "context": s.context, "description": s.description, "target_url": s.target_url}
                for s in found
            ]
            return (200, *_page_of(listed, f"{base}{path}", query))
        return not_found


@dataclass(frozen=True, slots=True)
class _FileCommit:
    """A commit that changed one file, as the fake serves it."""

    sha: str
    when: dt.datetime
    text: str | None
    """The file's text after the commit; ``None`` when the commit deleted it."""


class _FileUnreadableError(Exception):
    """A file the fake's state records as unknown: GitHub fails to read it."""


def _page_of(entries: list[Any], url: str, query: Mapping[str, list[str]]) -> tuple[list[Any], dict[str, str]]:
    """Return the page of *entries* that *query* asks for (``page``, ``per_page``), and a ``Link`` to the next one."""
    page = max(int((query.get("page") or ["1"])[0]), 1)
    per_page = min(max(int((query.get("per_page") or ["30"])[0]), 1), 100)
    headers = {}
    if page * per_page < len(entries):
        others = urllib.parse.urlencode(
            [(key, value) for key, values in sorted(query.items()) if key != "page" for value in values]
        )
        headers["Link"] = f'<{url}?{others}&page={page + 1}>; rel="next"'
    return entries[(page - 1) * per_page : page * per_page], headers


def _estimated_cost(document: str) -> int:
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


class _GitHubGraphQLError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.extensions = {"type": kind}


def _format_error(error: Any) -> dict[str, Any]:
    formatted = dict(error.formatted)
    original = getattr(error, "original_error", None)
    kind = getattr(original, "extensions", {}).get("type") if original is not None else None
    formatted.pop("extensions", None)
    if kind:
        formatted["type"] = kind  # GitHub puts the error type at the top level
    return formatted


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client goes away (timeouts and resets are what the tests make happen)."""


_SECONDARY_MESSAGE = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."


class _FaultyHandler(BaseHTTPRequestHandler):
    """What the fakes' handlers share: sending an answer, and the faults of any HTTP server."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # keep-alive answers would otherwise stall ~40 ms each

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Stay quiet: tests read the recorded requests instead."""

    fake: _Faults

    def _send(self, status: int, payload: bytes, content_type: str, headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        if self.fake.close_connections:
            self.send_header("Connection", "close")
            self.close_connection = True
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _transport_fault(self, injection: _Injection, slow_seconds: float) -> bool:
        """Answer with *injection* when it is one any server can give; False: answer normally."""
        match injection.fault:
            case Fault.SERVER_ERROR:
                self._send(500, b'{"message": "Server Error"}', "application/json")
            case Fault.BAD_GATEWAY:
                self._send(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
            case Fault.SERVICE_UNAVAILABLE:
                self._send(503, b"<html><body><h1>503 Service Unavailable</h1></body></html>", "text/html")
            case Fault.TOO_MANY_REQUESTS:
                retry = {"Retry-After": str(injection.retry_after)}
                self._send(429, b'{"message": "Too Many Requests"}', "application/json", retry)
            case Fault.MALFORMED_JSON:
                self._send(200, b'{"data": {"r0": [', "application/json; charset=utf-8")
            case Fault.TRUNCATED:
                payload = b'{"data": {"rateLimit": {"cost": 1}}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload) + 100))
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()
                self.close_connection = True
            case Fault.RESET:
                self.close_connection = True
                self.connection.shutdown(2)
            case Fault.SLOW:
                time.sleep(slow_seconds)
                return False
            case _:
                return False  # a fault only GitHub gives
        return True


class _Handler(_FaultyHandler):
    fake: FakeGitHub

    def __init__(self, fake: FakeGitHub, *args: Any) -> None:
        self.fake = fake
        super().__init__(*args)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        fake = self.fake
        parsed = urllib.parse.urlsplit(self.path)
        path = parsed.path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        auth = self.headers.get("Authorization", "")
        given = auth.split(" ", 1)[1] if " " in auth else ""
        graphql_paths = {"/graphql", "/api/graphql"} if fake.prefix else {"/graphql"}
        is_graphql = method == "POST" and path in graphql_paths
        document = ""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        if is_graphql and isinstance(body, dict):
            document = str(body.get("query") or "")
        with fake._lock:  # noqa: SLF001
            fake.requests.append(RecordedRequest(method, path, parsed.query, bool(given), document))
        if fake.latency:
            time.sleep(fake.latency)
        injection = fake._take_fault(is_graphql)  # noqa: SLF001
        if injection is not None and self._fault(injection):
            return
        if given and fake.token is not None and given != fake.token:
            self._json(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
            return
        if is_graphql:
            if not given:
                self._json(401, {"message": "This endpoint requires you to be authenticated."})
                return
            if fake.schema is None:
                self._json(501, {"message": "the fake has no GraphQL schema"})
                return
            fake.rate_used += 1
            variables = body.get("variables") if isinstance(body, dict) else None
            answer = fake.graphql(document, variables)
            if injection is not None and injection.fault is Fault.GRAPHQL_PARTIAL:
                answer = _partial(answer)
            self._json(200, answer, resource="graphql")
            return
        prefix = fake.prefix
        if prefix and not path.startswith(prefix + "/") and path != prefix:
            self._json(404, {"message": "Not Found"})
            return
        status, data, headers = fake.rest(method, path[len(prefix) :] or "/", urllib.parse.parse_qs(parsed.query), body)
        if method == "GET" and status == 200 and self.headers.get("If-None-Match") == _etag(data):
            # GitHub: a 304 to an authorised request does not count against the rate limit.
            fake.rate_used += 0 if given else 1
            fake.not_modified += 1
            self._send(304, b"", "application/json; charset=utf-8", {**self._rate_headers(None), "ETag": _etag(data)})
            return
        fake.rate_used += 1
        self._json(status, data, headers=headers)

    def _fault(self, injection: _Injection) -> bool:
        fake = self.fake
        reset = str(int(fake._reset_time().timestamp()))  # noqa: SLF001
        match injection.fault:
            case Fault.SERVER_ERROR:
                self._json(500, {"message": "Server Error"})
            case Fault.GRAPHQL_PARTIAL:
                return False  # answered by the GraphQL branch, with one alias failed
            case Fault.SECONDARY_RATE_LIMIT:
                self._json(
                    403,
                    {"message": _SECONDARY_MESSAGE},
                    headers={"Retry-After": str(injection.retry_after)},
                )
            case Fault.PRIMARY_EXHAUSTED:
                self._json(
                    403,
                    {
                        "message": "API rate limit exceeded for 127.0.0.1.",
                        "documentation_url": "https://docs.github.com/rest",
                    },
                    remaining=0,
                    headers={"x-ratelimit-reset": reset},
                )
            case Fault.GRAPHQL_RATE_LIMITED:
                self._json(
                    200,
                    {
                        "data": None,
                        "errors": [
                            {"type": "RATE_LIMITED", "message": "API rate limit already exceeded for user ID 1."}
                        ],
                    },
                    remaining=0,
                    resource="graphql",
                )
            case _:
                return self._transport_fault(injection, fake.slow_seconds)
        return True

    def _json(
        self,
        status: int,
        data: Any,
        *,
        headers: Mapping[str, str] | None = None,
        remaining: int | None = None,
        resource: str = "core",
    ) -> None:
        extra = {**self._rate_headers(remaining, resource), "ETag": _etag(data), **(headers or {})}
        self._send(status, json.dumps(data).encode(), "application/json; charset=utf-8", extra)

    def _rate_headers(self, remaining: int | None, resource: str = "core") -> dict[str, str]:
        fake = self.fake
        left = fake.rate_limit - fake.rate_used if remaining is None else remaining
        return {
            "x-ratelimit-limit": str(fake.rate_limit),
            "x-ratelimit-remaining": str(max(left, 0)),
            "x-ratelimit-reset": str(int(fake._reset_time().timestamp())),  # noqa: SLF001
            "x-ratelimit-used": str(fake.rate_used),
            "x-ratelimit-resource": resource,
        }


def _etag(data: Any) -> str:
    return '"' + _sha(json.dumps(data, sort_keys=True, default=str)) + '"'


def _partial(answer: dict[str, Any]) -> dict[str, Any]:
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


class FakeRegistries(_Faults):
    """A fake PyPI JSON API and Helm repository, serving a State's registries on 127.0.0.1.

    PyPI answers ``/pypi/NAME/json`` (every version, with its files: a version may have none,
    some files are yanked) and ``/pypi/NAME/VERSION/json``; each Helm chart is served at
    ``/helm/CHART/index.yaml`` as Helm writes it (keys in alphabetical order, so ``generated``
    comes after ``entries`` and each entry's ``version`` last; entries unsorted, as a file on
    GitHub Pages is; ``ETag`` and ``304`` on ``If-None-Match``), and ``/moved/CHART/index.yaml``
    redirects there. :meth:`inject` fails requests as any HTTP server can (5xx, 429,
    malformed or truncated bodies, resets, slow answers); :attr:`Fault.SECONDARY_RATE_LIMIT`
    is a 403 that says "rate limit exceeded" (with ``Retry-After`` unless ``retry_after=0``).
    :attr:`pypi_index` and :meth:`helm_index` are the URLs to put in a plan;
    :attr:`extra_entries` adds raw index entries (dev builds, entries that are not SemVer);
    :attr:`broken_index` serves a body that is not YAML; :attr:`cut_index` and
    :attr:`cut_index_short` serve an index cut short; :attr:`missing_version_documents`
    makes a mirror without per-version documents; :attr:`gzip` compresses answers.
    """

    def __init__(self, state: State, *, latency: float = 0.0) -> None:
        self.state = state
        self.latency = latency
        self.requests: list[RecordedRequest] = []
        self.extra_entries: dict[str, list[dict[str, Any]]] = {}
        self.broken_index = False
        self.cut_index: int | str | None = None
        """Serve each chart index cut short, with a Content-Length that matches the cut body (so
        HTTP sees a whole answer, as after an interrupted upload or a proxy that cut it): an
        ``int`` keeps that many whole entries of the chart, as written, and drops the rest and
        ``generated`` (a cut at an entry boundary); a ``str`` cuts right after the first
        occurrence of that text (``"version: 0.7.0"`` cuts ``version: 0.7.0-15e87d6``)."""
        self.cut_index_short = False
        """With :attr:`cut_index`, announce the Content-Length of the whole index but send only
        the cut body, then close the connection: a body shorter than its Content-Length."""
        self.missing_version_documents: int | None = 0
        """Answer 404 to this many requests for per-version documents (``/pypi/NAME/VERSION/json``);
        ``None``: to every one, as a mirror that serves only the project documents does."""
        self.gzip = False
        """Send answers gzip-compressed (``Content-Encoding: gzip``, Content-Length of the
        compressed bytes) to clients that accept it, as GitHub Pages and PyPI do."""
        self.down = False
        """Answer 503 to everything (an index that is down)."""
        self.slow_seconds = 5.0
        """How late a :attr:`Fault.SLOW` answer comes."""
        self.not_modified = 0
        """GETs answered 304 Not Modified."""
        self._injections: list[_Injection] = []
        self._lock = threading.Lock()
        self.host = "127.0.0.1"
        """The host its URLs name (it listens on 127.0.0.1; tests may resolve another name to it)."""
        self._server: _Server | None = None

    def __enter__(self) -> Self:
        handler = functools.partial(_RegistryHandler, self)
        self._server = _Server(("127.0.0.1", 0), handler)
        server = threading.Thread(target=self._server.serve_forever, args=(_POLL,), name="fake-registries", daemon=True)
        server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        """The server's root URL."""
        assert self._server is not None, "start the fake first"
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def pypi_index(self) -> str:
        """The JSON API root to put in ``published.pypi_index``."""
        return f"{self.url}/pypi"

    def helm_index(self, chart: str) -> str:
        """Return the ``index.yaml`` URL to put in ``published.helm.index``."""
        return f"{self.url}/helm/{chart}/index.yaml"

    def example_plan(self) -> str:
        """Return the built-in example plan's text with its PyPI and Helm URLs pointing here."""
        from release_gate.examples import PLAN, example_path  # noqa: PLC0415 - only this needs it

        text = example_path(PLAN).read_text(encoding="utf-8")
        text = text.replace("https://jupyterhub.github.io/helm-chart/index.yaml", self.helm_index("jupyterhub"))
        return re.sub(
            r'published = \{ pypi = "([^"]+)" \}',
            rf'published = {{ pypi = "\1", pypi_index = "{self.pypi_index}" }}',
            text,
        )

    def answer(self, path: str) -> tuple[int, bytes, str]:
        """Answer a GET of *path*: ``(status, body, content type)``; the whole index, never cut."""
        if self.down:
            return 503, b'{"message": "Service Unavailable"}', "application/json"
        if match := re.match(r"^/pypi/([^/]+)/(?:([^/]+)/)?json$", path):
            registry = self.state.registries.get(registry_key(Source.PYPI, match.group(1)))
            if not isinstance(registry, Registry):
                return 404, b'{"message": "Not Found"}', "application/json"
            by_version = {p.version: p for p in registry.versions}
            if match.group(2) is not None:
                wanted = by_version.get(match.group(2))
                if wanted is None or self._version_document_missing():
                    return 404, b'{"message": "Not Found"}', "application/json"
                document = {
                    "info": {"name": registry.name, "version": wanted.version},
                    "urls": _files(registry.name, wanted),
                }
            else:
                latest = registry.versions[-1].version if registry.versions else None
                document = {
                    "info": {"name": registry.name, "version": latest},
                    "releases": {p.version: _files(registry.name, p) for p in registry.versions},
                }
            return 200, json.dumps(document).encode(), "application/json"
        if match := re.match(r"^/helm/([^/]+)/index\.yaml$", path):
            if self.broken_index:
                return 200, b"entries: [unclosed\n  - : :", "application/x-yaml"
            chart = match.group(1)
            registry = self.state.registries.get(registry_key(Source.HELM, chart))
            entries = [
                {
                    "apiVersion": "v1",
                    "name": chart,
                    "version": p.version,
                    "created": _iso(p.date),
                    "urls": [f"{chart}-{p.version}.tgz"],
                }
                for p in (registry.versions if isinstance(registry, Registry) else ())
            ]
            entries += self.extra_entries.get(chart, [])
            # GitHub Pages serves the file as written, where entries are not in version order.
            entries.sort(key=lambda e: hashlib.sha1(str(e.get("version")).encode(), usedforsecurity=False).hexdigest())
            index = {
                "apiVersion": "v1",
                "entries": {chart: entries} if isinstance(registry, Registry) else {},
                "generated": _iso(self.state.taken_at),
            }
            # Helm writes the keys in alphabetical order: `generated` after `entries`, `version` last.
            return 200, yaml.safe_dump(index, sort_keys=True).encode(), "application/x-yaml"
        return 404, b"Not Found", "text/plain"

    def _version_document_missing(self) -> bool:
        with self._lock:
            if self.missing_version_documents is None:
                return True
            if self.missing_version_documents > 0:
                self.missing_version_documents -= 1
                return True
            return False

    def cut(self, body: bytes) -> bytes:
        """Return *body*, an index as :meth:`answer` writes it, cut as :attr:`cut_index` says."""
        if self.cut_index is None:
            return body
        if isinstance(self.cut_index, str):
            text = self.cut_index.encode()
            at = body.find(text)
            return body if at < 0 else body[: at + len(text)]
        lines = body.splitlines(keepends=True)
        starts = [n for n, line in enumerate(lines) if line.startswith(b"  - ")]  # the chart's entries
        end = next((n for n, line in enumerate(lines) if line.startswith(b"generated:")), len(lines))
        return b"".join(lines[: starts[self.cut_index] if self.cut_index < len(starts) else end])


def _files(name: str, published: Published) -> list[dict[str, Any]]:
    """PyPI file entries for a version: ``files`` of them, the first ``yanked`` yanked."""
    stem = name.replace("-", "_")
    return [
        {
            "filename": f"{stem}-{published.version}-{n}.tar.gz",
            "upload_time_iso_8601": _iso(published.date),
            "yanked": n < published.yanked,
            "yanked_reason": "broken" if n < published.yanked else None,
        }
        for n in range(published.files)
    ]


class _RegistryHandler(_FaultyHandler):
    fake: FakeRegistries

    def __init__(self, fake: FakeRegistries, *args: Any) -> None:
        self.fake = fake
        super().__init__(*args)

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        self.fake.requests.append(RecordedRequest("GET", path))
        if self.fake.latency:
            time.sleep(self.fake.latency)
        injection = self.fake._take_fault(is_graphql=False)  # noqa: SLF001
        if injection is not None and injection.fault is Fault.SECONDARY_RATE_LIMIT:
            retry = {"Retry-After": str(injection.retry_after)} if injection.retry_after > 0 else {}
            self._send(403, b'{"message": "Forbidden: rate limit exceeded"}', "application/json", retry)
            return
        if injection is not None and self._transport_fault(injection, self.fake.slow_seconds):
            return
        if moved := re.match(r"^/moved/([^/]+)/index\.yaml$", path):
            self.send_response(301)
            self.send_header("Location", f"{self.fake.url}/helm/{moved.group(1)}/index.yaml")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status, whole, kind = self.fake.answer(path)
        body = self.fake.cut(whole) if status == 200 and path.startswith("/helm/") else whole
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'
        if status == 200 and self.headers.get("If-None-Match") == etag:
            self.fake.not_modified += 1
            self._send(304, b"", kind, {"ETag": etag})
            return
        headers = {"ETag": etag}
        short = self.fake.cut_index_short and len(body) < len(whole)
        if self.fake.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
            body, whole = gzip.compress(body, mtime=0), gzip.compress(whole, mtime=0)
            headers["Content-Encoding"] = "gzip"
        if short:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(whole)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(status, body, kind, headers)


def main(argv: list[str] | None = None) -> int:
    """Serve a snapshot as a fake GitHub until interrupted: ``python -m release_gate.testing STATE``."""
    import argparse  # noqa: PLC0415 - only this command line needs it
    import sys  # noqa: PLC0415

    from release_gate.sources.snapshot import load_snapshot  # noqa: PLC0415

    parser = argparse.ArgumentParser(
        prog="python -m release_gate.testing",
        description="Serve a release-gate state snapshot as a fake GitHub on 127.0.0.1 (REST and GraphQL).",
    )
    parser.add_argument("state", help="a snapshot file (JSON), e.g. config/jupyterhub-2018-08-09.state.json")
    parser.add_argument("--token", default="test-token", help="the one token accepted (default: test-token)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--schema", help="GitHub's schema.graphql (default: fetched with npm into .cache/)")
    args = parser.parse_args(argv)
    fake = FakeGitHub(
        load_snapshot(args.state), schema=load_github_schema(args.schema), token=args.token, latency=args.latency
    )
    fake.start()
    sys.stdout.write(f"{fake.url}\n")  # the first line: what to pass as --github-url
    sys.stdout.write(f"fake GitHub serving {args.state}; token {args.token!r}; Ctrl-C to stop\n")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0
