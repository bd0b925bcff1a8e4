"""Live state from GitHub through PyGithub: the only module that imports PyGithub.

With a token, the whole plan is read with one aliased GraphQL query (split only when it is
very large; older pages of tags are read only while a release is still undecided), sent
through PyGithub's requester. Without a token, public repositories are read through the
REST API with lazy PyGithub objects and as few requests as the plan allows.

The requests that do not wait for another's answer are in flight together
(`release_gate.sources._http.at_once`, at most ``WORKERS`` at a time): the queries of a
large plan, and without a token every repo's tags, pin file, PR, issue and search. Each
runs with a PyGithub client of its own, so no requester is shared between threads; the
answers are read in the plan's order, and the first failure in that order is the one said.

PyGithub drives the requests, and every one goes through the HTTP layer
(`release_gate.sources._http`), as the package indexes' do: PyGithub's own retries and
throttle are off, and the layer asks again (twice by default, with a short backoff, or after
a ``Retry-After`` of at most ``max_wait``), keeps to the read's ``budget``, limits each
answer's size, checks its ``Content-Length``, makes GETs conditional on the answer cache's
ETags, and says what went wrong. A live read takes at most ``budget`` seconds plus one
request's worst case: ``(retries + 1) * timeout``, plus backoff and ``Retry-After`` waits of
at most ``max_wait`` each (defaults: 60 s + 3 x 10 s + 1.5 s + 2 x 30 s, about 2.5 minutes);
past that, or on a bad token, an exhausted rate limit or a server that keeps failing, it
raises `StateUnavailableError`, which never names the token.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, NoReturn, TypeVar

from github import Auth, Github, GithubException
from github.GithubException import BadCredentialsException, UnknownObjectException
from github.Issue import Issue as GithubIssue

from release_gate.errors import StateUnavailableError
from release_gate.plan.model import ItemRef
from release_gate.plan.reader import pin_path_problem
from release_gate.sources._http import (
    BACKOFF,
    Format,
    Http,
    HttpError,
    Response,
    Service,
    at_once,
    limited,
    reset_time,
)
from release_gate.sources.cache import ResponseCache
from release_gate.sources.github_query import (
    Batch,
    Gathered,
    GraphQLRateLimited,
    failed_in_passing,
    first_batches,
    more_batches,
    read_answer,
    state_of,
)
from release_gate.state import (
    FileHistory,
    FileVersion,
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
    satisfies,
)

__all__ = ["DEFAULT_API_URL", "GitHubGateClient", "GitHubStateProvider", "GraphQLQuery", "ListedIssue", "OpenPull"]

DEFAULT_API_URL = "https://api.github.com"
MAX_ROUNDS = 20
"""Follow-up rounds for older tag pages and search results before giving up on a repo."""
MAX_REST_TAG_PAGES = 10
MAX_REST_FILE_VERSIONS = 10
"""Versions of one pin file read without a token (a request each); earlier moments are then unknown."""
MAX_SEARCH_PAGES = 10
"""GitHub's search gives at most 1,000 results: 10 pages of 100."""

T = TypeVar("T")

GraphQLQuery = Callable[[str, Mapping[str, Any]], Mapping[str, Any]]
"""Send one GraphQL query with its variables; return GitHub's whole answer (`GitHubStateProvider.read_with`)."""
_Parts = list[tuple[tuple[str, int], PullRequest | Issue]]
"""The parts of a split PR a search found, by key, as the search shows them."""

GITHUB = Service(
    name="GitHub",
    reads="GitHub",
    address="the API URL (--github-url, GITHUB_API_URL)",
    limit_hint="Try again after that, or use a token with a larger budget",
    rate_limit_wait=60.0,  # GitHub: "wait at least one minute" when a rate limit names no time
    vary=("Accept",),
)
"""GitHub, as the HTTP layer names it and reads it."""


def _json_like(answer: Response) -> None:
    """Check what PyGithub will read as JSON is JSON (it reads a body that starts with ``{`` or ``[`` so)."""
    text = answer.text
    if text.startswith(("{", "[")):
        json.loads(text)


_JSON_LIKE = Format("JSON", _json_like)


def _client(token: str | None, base_url: str, timeout: int, http: Http) -> Github:
    """Return PyGithub with its own retries and throttle off, every request sent through *http*."""
    client = Github(
        auth=Auth.Token(token) if token else None,
        base_url=base_url,
        timeout=timeout,
        retry=0,
        per_page=100,
        lazy=True,
        seconds_between_requests=None,
        seconds_between_writes=None,
        user_agent="release-gate",
    )
    _route(client.requester, http)
    return client


_CONNECTION_CLASSES = {
    "_Requester__connectionClass": "",
    "_Requester__httpConnectionClass": "http",
    "_Requester__httpsConnectionClass": "https",
}
"""PyGithub's requester builds every connection from one of these (private) attributes; the
first is the one for its base URL's scheme."""


def _route(requester: Any, http: Http) -> None:
    """Make every connection *requester* builds one that sends through *http* (`_Connection`).

    PyGithub has no public transport hook: its requester builds each connection from the
    classes in its private attributes (`_CONNECTION_CLASSES`), so this sets them, on
    this requester only. If a PyGithub release builds connections otherwise, release-gate
    refuses to read GitHub rather than read it without retries, limits and budget;
    tests/test_http.py fails first. (PyGithub copies a requester, unrouted, only to change its
    authentication or laziness, which release-gate never asks for; the same test checks that
    the fake GitHub sees no request the layer did not send.)
    """
    if not all(isinstance(getattr(requester, name, None), type) for name in _CONNECTION_CLASSES):
        raise RuntimeError(
            "this PyGithub release builds its connections in a way release-gate does not know "
            "(Requester.__connectionClass); install a PyGithub release release-gate supports"
        )
    scheme = urllib.parse.urlsplit(requester.base_url).scheme
    for name, protocol in _CONNECTION_CLASSES.items():
        setattr(requester, name, functools.partial(_Connection, http, protocol or scheme))


class _Connection:
    """What PyGithub takes for a connection (its requests-based ones' interface), sending through the HTTP layer."""

    def __init__(self, http: Http, protocol: str, host: str, port: int | None = None, **_: Any) -> None:
        self.http = http
        self.protocol = protocol
        self.host = host
        self.port = port or (443 if protocol == "https" else 80)
        self._asked: tuple[str, str, Any, dict[str, str]] = ("GET", "", None, {})

    def request(
        self,
        verb: str,
        url: str,
        input: Any,  # noqa: A002 - PyGithub's name
        headers: dict[str, str],
        stream: bool = False,
    ) -> None:
        """Take the request to send (PyGithub sends it with `getresponse`)."""
        del stream  # PyGithub streams downloads only, which release-gate never asks for
        self._asked = (verb, f"{self.protocol}://{self.host}:{self.port}{url}", input, headers)

    def getresponse(self) -> _Reply:
        """Send the request through the HTTP layer and return its whole answer."""
        verb, url, data, headers = self._asked
        return _Reply(self.http.send(verb, url, headers=headers, data=data, fmt=_JSON_LIKE))

    def close(self) -> None:
        """Nothing to close: the HTTP layer keeps its connections."""


class _Reply:
    """An answer as PyGithub reads one (an httplib-like response)."""

    def __init__(self, answer: Response) -> None:
        self.status = answer.status
        self.headers = answer.headers
        self._text = answer.text

    def getheaders(self) -> Any:
        """Return the headers' items."""
        return self.headers.items()

    def read(self) -> str:
        """Return the body as text."""
        return self._text


class GitHubStateProvider:
    """Reads the state a plan needs from GitHub (or GitHub Enterprise Server).

    *token* enables the GraphQL path (one round trip for the whole plan); without one,
    public repositories are read through REST (60 requests an hour per IP address).
    *base_url* is the REST API root: ``https://api.github.com`` or ``https://HOST/api/v3``;
    the GraphQL endpoint is derived from it as PyGithub does.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        base_url: str = DEFAULT_API_URL,
        timeout: int = 10,
        retries: int = 2,
        max_wait: float = 30.0,
        budget: float = 60.0,
        cache: ResponseCache | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.budget = budget
        self.retries = retries
        self.progress = progress
        """Called with a short line before each request (what is read, requests so far)."""
        self._has_token = bool(token)
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.cache = cache
        self._http = Http(
            GITHUB, timeout=timeout, retries=retries, budget=budget, max_wait=max_wait, cache=cache, on_send=self._sent
        )
        self._new_client: Callable[[], Github] = lambda: _client(token, self.base_url, timeout, self._http)
        """A new PyGithub client (a closure: the token is in no attribute of this object)."""
        self._github = self._new_client()
        self._lock = threading.Lock()
        """Held while the parts read at once count what they asked again, or take a client."""
        self._clients: list[Github] = []
        """The clients of the last read's parts, one each (`_own_client`)."""
        self._asked_again = 0

    @property
    def source(self) -> str:
        """How reports name this source."""
        how = "GraphQL" if self._has_token else "REST, no token"
        return f"GitHub {self.base_url} ({how})"

    def fetch(self, request: StateRequest) -> State:
        """Read everything *request* names; see the class and module docs for how."""
        self._http.begin()
        self._asked_again = 0
        self._clients = []
        taken_at = self._clock()
        with _described(self.base_url):
            if self._has_token:
                return self._fetch_graphql(request, taken_at)
            return self._fetch_rest(request, taken_at)

    # -- GraphQL -------------------------------------------------------------------------

    def _own_client(self) -> Github:
        """Return a new client for one part of a read, which runs in one thread (PyGithub's requester is not shared)."""
        client = self._new_client()
        with self._lock:
            self._clients.append(client)
        return client

    def _send(
        self, text: str, variables: Mapping[str, Any], client: Github | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Send one GraphQL query (with *client*, else the provider's own); return the headers and GitHub's answer."""
        requester = (client or self._github).requester
        for attempt in range(self.retries + 1):
            headers, data = requester.requestJsonAndCheck(
                "POST", requester.graphql_url, input={"query": text, "variables": dict(variables)}
            )
            if not isinstance(data, dict) or not isinstance(data.get("data", {}), dict | None):
                self._unavailable("GitHub's GraphQL answer was not a GraphQL response")
            # Part of the query timed out on GitHub's side: ask again, as often as the
            # retries allow in the whole read (a GitHub that keeps failing is not asked forever).
            with self._lock:
                again = attempt < self.retries and failed_in_passing(data) and self._asked_again < self.retries
                if again:
                    self._asked_again += 1
            if not again:
                break
            self._http.pause(BACKOFF * 2**attempt)
        return headers, data

    def _post(self, batches: list[Batch], answer: Gathered, request: StateRequest) -> None:
        """Send *batches* at once, then fold their answers into *answer* in their order."""

        def send(batch: Batch) -> tuple[dict[str, Any], dict[str, Any]]:
            return self._send(batch.text, batch.variables, self._own_client())

        answers = at_once([functools.partial(send, batch) for batch in batches], stop=self._http.stop)
        for batch, (headers, data) in zip(batches, answers, strict=True):
            answer.reset = reset_time(headers) or answer.reset  # GraphQL's rateLimit may be missing from an error
            read_answer(batch, data, answer, request)

    def _fetch_graphql(self, request: StateRequest, taken_at: dt.datetime) -> State:
        answer = Gathered()
        self._post(first_batches(request), answer, request)
        slugs = {slug.lower(): slug for slug in request.repos}
        rounds = 0
        while answer.more_tags or answer.more_search:
            rounds += 1
            if rounds > MAX_ROUNDS:
                for key in answer.more_tags:
                    answer.repos[key] = Unknown(f"{slugs.get(key, key)}: more than {MAX_ROUNDS} pages of tags")
                for parent in answer.more_search:
                    answer.families[parent.key] = Unknown(
                        f"the search for the parts of {parent} has more than {MAX_ROUNDS} pages; parts may be missing"
                    )
                break
            self._post(more_batches(answer, request), answer, request)
        notes = (f"read older pages of tags or search results in {rounds} more round(s)",) if rounds else ()
        stats = ReadStats(self._http.sent, answer.cost, answer.remaining, answer.reset, notes)
        return state_of(answer, request, taken_at=taken_at, source=self.source, stats=stats)

    # -- other readers' GraphQL queries (release-gate init) ---------------------------------

    def read_with(self, read: Callable[[GraphQLQuery], T]) -> T:
        """Run *read*, another reader's GraphQL queries (``release-gate init``'s), as one read of GitHub.

        *read* is given a function that sends one query with its variables and returns GitHub's
        whole answer (``{"data": ..., "errors": [...]}``). The queries go as the plan's do:
        through PyGithub's requester and the HTTP layer, a part that timed out asked again,
        all within the read's ``budget``. GraphQL needs a token: without one, nothing is sent.
        What goes wrong raises `StateUnavailableError`, which never
        names the token.
        """
        if not self._has_token:
            self._unavailable(
                "reading repositories through GitHub's GraphQL API needs a token, and none is set",
                "Set GH_TOKEN or GITHUB_TOKEN (a token with no scopes reads public repositories; "
                "`gh auth token` prints yours), or name the variable with --token-env",
            )
        self._http.begin()
        self._asked_again = 0
        with _described(self.base_url):
            return read(lambda text, variables: self._send(text, variables)[1])

    @property
    def requests_sent(self) -> int:
        """How many HTTP requests the last read sent."""
        return self._http.sent

    # -- REST (no token) ----------------------------------------------------------------------

    def _fetch_rest(self, request: StateRequest, taken_at: dt.datetime) -> State:
        """Read every repo's tags and pin files, every item and every search at once; then put them together.

        What the plan reads of a repo that could not be read is put as before, when it was
        read after the repo: its items are unknown, its files not asked for.
        """
        read_at = request.as_of or self._clock()
        slugs = {slug.lower() for slug in request.repos}
        # A repo read for its files only (a feedstock's recipe) has no read of its own: its files are read alone.
        files = list(request.files)
        calls: list[Callable[[], Any]] = [functools.partial(self._rest_repo, slug, request) for slug in request.repos]
        calls += [functools.partial(self._rest_file, slug, path, request, read_at) for slug, path in files]
        calls += [functools.partial(self._rest_item, ref) for ref in request.items]
        calls += [functools.partial(self._rest_family, parent) for parent in request.families]
        results = iter(at_once(calls, stop=self._http.stop))
        read_repos = [next(results) for _ in request.repos]
        read_files = [next(results) for _ in files]
        repos: dict[str, RepoState | Unknown] = {}
        for slug, read in zip(request.repos, read_repos, strict=True):
            pairs = zip(files, read_files, strict=True)
            own = [(path, found) for (of, path), found in pairs if of.lower() == slug.lower()]
            repos[slug.lower()] = read if isinstance(read, Unknown) else replace(read, files=_files_of(own))
        for (slug, path), found in zip(files, read_files, strict=True):
            if slug.lower() not in slugs:
                entry = repos.setdefault(slug.lower(), RepoState(slug))
                gone = Unknown(f"{path} of {slug}: not found (no such repository, or not public)")
                assert isinstance(entry, RepoState)  # only file-only repos are made here
                repos[slug.lower()] = replace(
                    entry, files={**entry.files, path: gone if isinstance(found, _RepoGone) else found}
                )
        items: dict[tuple[str, int], PullRequest | Issue | Unknown] = {}
        for ref in request.items:
            item = next(results)
            unread = isinstance(repos.get(ref.slug.lower()), Unknown)
            items[ref.key] = Unknown(f"{ref}: its repository could not be read") if unread else item
        families: dict[tuple[str, int], tuple[ItemRef, ...] | Unknown] = {}
        for parent in request.families:
            families[parent.key], parts = next(results)
            for key, part in parts:
                items.setdefault(key, part)
        return State(taken_at, self.source, repos, items, families, self._rest_stats())

    def _rest_stats(self) -> ReadStats:
        """Say what the REST read cost, and what is left of the rate limit (its parts' fewest, as of their answers)."""
        notes = (
            (
                "no token: read anonymously through the REST API, which allows 60 requests an hour per IP "
                f"address (this read used {self._http.sent}); set GH_TOKEN or GITHUB_TOKEN to read the whole "
                "plan in one GraphQL request"
            ),
        )
        seen = [
            (client.requester.rate_limiting[0], client.requester.rate_limiting_resettime)
            for client in self._clients
            if client.requester.rate_limiting[0] >= 0
        ]
        remaining, reset = min(seen, key=lambda limit: (limit[0], -limit[1])) if seen else (-1, 0)
        return ReadStats(
            self._http.sent,
            0,
            remaining if remaining >= 0 else None,
            dt.datetime.fromtimestamp(reset, dt.UTC) if reset > 0 else None,
            notes,
        )

    def _rest_repo(self, slug: str, request: StateRequest) -> RepoState | Unknown:
        """Read *slug*'s tags, and the dates of those that could satisfy a release (its files are read apart)."""
        repo = self._own_client().get_repo(slug)  # lazy: no request
        tags: list[Tag] = []
        try:
            pages = repo.get_tags()
            for page in range(MAX_REST_TAG_PAGES):
                found = pages.get_page(page)
                tags.extend(Tag(t.name, t.commit.sha) for t in found)
                if len(found) < 100:
                    break
            else:
                return Unknown(f"{slug}: more than {MAX_REST_TAG_PAGES * 100} tags; use a token (GraphQL)")
        except UnknownObjectException:
            return Unknown(f"{slug}: not found; check repos.*.github in the plan, and that it is public (no token)")
        # Tags carry no date in REST: read the dates of the tags that can satisfy a release.
        wanted = [
            tag
            for tag in tags
            if any(r.slug.lower() == slug.lower() and satisfies(r, req, tag) for r, req in request.wants)
        ]
        dates = {tag.name: _commit_date(repo, tag.sha) for tag in wanted}
        dated = tuple(Tag(t.name, t.sha, _utc(dates[t.name]) if t.name in dates else None) for t in tags)
        return RepoState(slug, dated, "", {})

    def _rest_file(
        self, slug: str, path: str, request: StateRequest, read_at: dt.datetime
    ) -> FileHistory | Unknown | _RepoGone:
        """Read *path* on the default branch as of the request's moment: the commits that changed it, then its text.

        One request lists the commits (newest first, up to the moment); one more reads the
        text at each version needed (the last, or every one since ``files_since``). A repo
        that is not there gives `_RepoGone`, for `_files_of` to raise unless the repo's own read
        found it gone too.
        """
        problem = pin_path_problem(path)
        if problem is not None:  # the plan reader refuses it; never build another API path from it
            return Unknown(f"{path!r} is not a path inside {slug}: {problem}")
        repo = self._own_client().get_repo(slug)  # lazy: no request
        listed = repo.get_commits(path=path, until=request.as_of) if request.as_of else repo.get_commits(path=path)
        try:
            page = listed.get_page(0)
        except UnknownObjectException as error:
            return _RepoGone(error)
        versions: list[FileVersion] = []
        for commit in page:
            since = _utc(commit.commit.committer.date)
            if since is None or (versions and versions[-1].since is not None and since > versions[-1].since):
                return FileHistory(read_at, tuple(versions), complete=False)  # undated or out of order: stop here
            try:
                text = self._rest_text(repo, path, commit.sha)
            except _NotAFileError as error:
                return Unknown(f"{path} of {slug} could not be read ({error})")
            versions.append(FileVersion(text, since, commit.sha))
            if request.files_since is None or since <= request.files_since:
                break
            if len(versions) == MAX_REST_FILE_VERSIONS:  # each costs a request of the anonymous 60 an hour
                return FileHistory(read_at, tuple(versions), complete=False)
        whole = len(versions) == len(page) and len(page) < 100
        return FileHistory(read_at, tuple(versions), complete=whole)

    def _rest_text(self, repo: Any, path: str, sha: str) -> str | None:
        """Return the text of *path* at commit *sha*; ``None`` when the commit deleted it."""
        try:
            content = repo.get_contents(path, sha)
        except UnknownObjectException:
            return None
        if isinstance(content, list) or content.encoding != "base64":
            raise _NotAFileError(f"{path} is a folder or too large to read through the API")
        return content.decoded_content.decode("utf-8", errors="replace")  # type: ignore[no-any-return]

    def _rest_item(self, ref: ItemRef) -> PullRequest | Issue | Unknown:
        issue = self._own_client().get_repo(ref.slug).get_issue(ref.number)  # lazy: no request
        try:
            _ = issue.state  # lazy: reading a property sends the request
        except UnknownObjectException:
            return Unknown(f"no PR or issue #{ref.number} in {ref.slug}; check the number in the plan")
        return _rest_issue(ref, issue)

    def _rest_family(self, parent: ItemRef) -> tuple[tuple[ItemRef, ...] | Unknown, _Parts]:
        """Find the parts of split PR *parent* by search; unknown when the search is incomplete or unreadable.

        Also return the parts found, by key, as the search shows them (for the items not read
        themselves). GitHub's search may time out and say so with ``incomplete_results``; it
        also gives at most 1,000 results. Either way parts may be missing, and a hold over the
        family must not come out free because of it.
        """
        found: _Parts = []
        return self._search_parts(parent, found), found

    def _search_parts(self, parent: ItemRef, found: _Parts) -> tuple[ItemRef, ...] | Unknown:
        """Search for *parent*'s parts, page by page, adding each part to *found*; see `_rest_family`."""
        query = f'repo:{parent.slug} is:pr "#{parent.number}"'
        parts: list[ItemRef] = []
        given = 0
        client = self._own_client()
        requester = client.requester
        for page in range(1, MAX_SEARCH_PAGES + 1):
            _, data = requester.requestJsonAndCheck(
                "GET", "/search/issues", {"q": query, "per_page": 100, "page": page}
            )
            why = _search_shape(data)
            if why:
                return Unknown(f"GitHub's answer to the search for the parts of {parent} could not be read ({why})")
            if data["incomplete_results"]:
                return Unknown(f"GitHub's search for the parts of {parent} gave incomplete results (it timed out)")
            for raw in data["items"]:
                given += 1
                issue = client.create_from_raw_data(GithubIssue, raw)
                part = ItemRef(parent.slug, raw["number"])
                if part.number != parent.number and is_part_of(parent.number, raw["title"], raw.get("body") or ""):
                    parts.append(part)
                    found.append((part.key, _rest_issue(part, issue)))
            if len(data["items"]) < 100 or given >= data["total_count"]:
                break
        if given < data["total_count"]:
            return Unknown(
                f"GitHub's search for the parts of {parent} counted {data['total_count']} results but gave "
                f"{given}, so parts may be missing"
            )
        return tuple(sorted(parts))

    # -- limits and errors ------------------------------------------------------------------

    def _sent(self, count: int) -> None:
        """Say, before each request, what is read and how many requests so far."""
        if self.progress is not None:
            how = "GraphQL" if self._has_token else "REST"
            self.progress(f"reading GitHub ({how}): request {count}")

    def _unavailable(self, problem: str, hint: str = "") -> NoReturn:
        raise StateUnavailableError(f"GitHub ({self.base_url})", problem, hint)


@contextlib.contextmanager
def _described(base_url: str, what: str = "") -> Iterator[None]:
    """Turn what goes wrong reading GitHub into `StateUnavailableError`: what happened and what to do.

    Errors `_describe` does not know (bugs) pass through; so does a `StateUnavailableError`.
    With *what*, the problem names the read or write that failed, and a 403 names the
    permission it needs.
    """
    try:
        yield
    except StateUnavailableError:
        raise
    except Exception as error:
        described = _describe(error)
        if described is None:
            raise
        problem, hint = described
        if what:
            if "forbidden" in problem and "issue" in what:
                hint = "The token needs issues: write (permissions: in the workflow) to keep the status issue"
            elif "forbidden" in problem and "status" in what:
                hint = "The token needs statuses: write (permissions: in the workflow)"
            problem = f"{what}: {problem}"
        raise StateUnavailableError(f"GitHub ({base_url})", problem, hint) from None


def _describe(error: BaseException) -> tuple[str, str] | None:
    """Say what went wrong and what to do, for the errors a live read can meet (never the token).

    What the HTTP layer gave up on it has said already; here, what GitHub answered.
    """
    if isinstance(error, HttpError):
        return error.problem, error.hint
    if isinstance(error, GraphQLRateLimited):
        return limited(error.reset), GITHUB.limit_hint
    if isinstance(error, BadCredentialsException):
        return "the token was refused (401 Bad credentials)", (
            "Check the token in GH_TOKEN, GITHUB_TOKEN or --token-env: it may be mistyped, expired or revoked"
        )
    if isinstance(error, GithubException):
        return _refused(error)
    if isinstance(error, _UnexpectedAnswerError):
        return f"GitHub's answer is not shaped as its REST API describes ({error})", (
            "A proxy may have answered, or the API changed; try again later, and report it if it stays"
        )
    return None


def _refused(error: GithubException) -> tuple[str, str]:
    """Say what an answer of GitHub's that is not a success means (the layer asked again for those worth it)."""
    if error.status == 401:
        return "GitHub requires a token for this (401)", "Set GH_TOKEN or GITHUB_TOKEN"
    if error.status == 403:
        return "access forbidden (403)", "Check that the token may read these repositories"
    if error.status == 404:
        return "not found (404)", "Check the repository and number, and that the token may read them"
    if 400 <= error.status < 500:
        message = error.data.get("message") if isinstance(error.data, dict) else None
        said = f": {message}" if isinstance(message, str) and message else ""
        return f"GitHub refused the request ({error.status}{said})", "Check the request; it will not succeed as is"
    return f"GitHub answered {error.status}", "GitHub may be having trouble; try again later"


class _NotAFileError(Exception):
    """A pin file that the contents API does not give as one text file."""


@dataclass(frozen=True, slots=True)
class _RepoGone:
    """A pin file whose repo GitHub answered 404 for: raised unless the repo's own read found it gone."""

    error: UnknownObjectException


def _files_of(read: list[tuple[str, FileHistory | Unknown | _RepoGone]]) -> dict[str, FileHistory | Unknown]:
    """Return a found repo's pin files, as read; raise a 404 for one (as when files were read after the repo)."""
    files: dict[str, FileHistory | Unknown] = {}
    for path, found in read:
        if isinstance(found, _RepoGone):
            raise found.error
        files[path] = found
    return files


def _search_shape(data: object) -> str:
    """Return what is wrong with a REST search answer's shape, or ``""`` when it is as documented."""
    if not isinstance(data, dict):
        return "not a JSON object"
    count, items = data.get("total_count"), data.get("items")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return "total_count is not a count"
    if not isinstance(data.get("incomplete_results"), bool):
        return "incomplete_results is not true or false"
    if not isinstance(items, list):
        return "items is not a list"
    for item in items:
        if not isinstance(item, dict):
            return "a result is not an object"
        number = item.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
            return "a result has no number"
        if not isinstance(item.get("title"), str) or not isinstance(item.get("body"), str | None):
            return f"result #{number} has no title"
    return ""


def _commit_date(repo: Any, sha: str) -> dt.datetime | None:
    return repo.get_git_commit(sha).committer.date  # type: ignore[no-any-return]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _rest_issue(ref: ItemRef, issue: Any) -> PullRequest | Issue:
    """Read a REST issue (which may be a PR) into state; PRs carry ``pull_request.merged_at``."""
    created, closed = _utc(issue.created_at), _utc(issue.closed_at)
    if issue.pull_request is None:
        state = IssueState.CLOSED if issue.state == "closed" else IssueState.OPEN
        return Issue(ref, state, issue.title or "", created, closed)
    merged = _utc(issue.pull_request.merged_at)
    pr_state = PrState.OPEN if issue.state == "open" else PrState.MERGED if merged else PrState.CLOSED
    return PullRequest(
        ref=ref,
        state=pr_state,
        title=issue.title or "",
        draft=bool(issue.draft),
        created_at=created,
        merged_at=merged,
        closed_at=closed,
        labels=tuple(label.name for label in issue.labels),
    )


@dataclass(frozen=True, slots=True)
class OpenPull:
    """An open pull request as the merge gate lists it."""

    number: int
    sha: str
    """The head commit, where its status goes."""
    labels: tuple[str, ...] | None
    """Its label names; ``None`` when GitHub's answer did not say them in the documented shape."""


@dataclass(frozen=True, slots=True)
class ListedIssue:
    """An issue as the merge gate lists it (the status issue is found among them by its marker)."""

    number: int
    title: str
    body: str
    open: bool
    labels: tuple[str, ...] = ()


class _UnexpectedAnswerError(ValueError):
    """A 200 whose JSON is not shaped as GitHub's REST description says."""


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _UnexpectedAnswerError(f"{what} is not an object")
    return value


def _string(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise _UnexpectedAnswerError(f"{what} is not a non-empty string")
    return value


def _label_names(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _UnexpectedAnswerError(f"{what} is not a list")
    return tuple(
        _string(_object(label, f"a label of {what}").get("name"), f"a label name of {what}") for label in value
    )


def _when(value: object) -> dt.datetime | None:
    """Read a timestamp GitHub gives only for showing it; ``None`` when it is not one."""
    try:
        return _utc(dt.datetime.fromisoformat(value)) if isinstance(value, str) else None
    except ValueError:
        return None


_NEXT = re.compile(r'<[^>]*>\s*;\s*rel="next"')
_PULL_PAGES = 50
_EVENT_PAGES = 30
_ISSUE_PAGES = 10
_NO_COMMIT = "no commit found for sha"


class GitHubGateClient:
    """What the merge gate reads and writes on the gated repository, through PyGithub's requester.

    Every method raises `StateUnavailableError` (with a hint,
    never the token) when GitHub cannot be read or written, or answers with JSON that is
    not shaped as GitHub's REST description says. The REST answers are read as JSON and
    checked here, not through PyGithub's objects, so an answer of an unexpected shape is
    a state that cannot be read, never a crash or a guess. Every request goes through the
    HTTP layer, as the provider's do; each method is one read or write, with its own
    *budget* of seconds. Creating an issue is never asked again (a create that seemed to
    fail may have made the issue: asked again, it could make two); every other request is.
    """

    def __init__(
        self,
        *,
        token: str | None,
        base_url: str = DEFAULT_API_URL,
        timeout: int = 10,
        retries: int = 2,
        cache: ResponseCache | None = None,
        max_wait: float = 30.0,
        budget: float = 60.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self._http = Http(GITHUB, timeout=timeout, retries=retries, budget=budget, max_wait=max_wait, cache=cache)
        self._github = _client(token, self.base_url, timeout, self._http)
        self._once_http = Http(GITHUB, timeout=timeout, retries=0, budget=budget, max_wait=max_wait)
        self._once = _client(token, self.base_url, timeout, self._once_http)
        """Sends what must not be sent twice: the creation of an issue."""

    def _guard(self, what: str, call: Callable[..., T], *args: Any) -> T:
        """Run *call* (one read or write, with its own *budget*), saying *what* when GitHub cannot be read."""
        self._http.begin()
        self._once_http.begin()
        with _described(self.base_url, what):
            return call(*args)

    def _get(self, path: str, parameters: dict[str, Any] | None = None) -> tuple[dict[str, Any], Any]:
        return self._github.requester.requestJsonAndCheck("GET", path, parameters=parameters)

    def _list(self, path: str, pages: int, **parameters: str) -> list[Any]:
        """Return every entry of the paginated list at *path* (at most *pages* pages of 100)."""
        found: list[Any] = []
        for page in range(1, pages + 1):
            headers, data = self._get(path, {**parameters, "per_page": 100, "page": page})
            if not isinstance(data, list):
                raise _UnexpectedAnswerError("the answer is not a list")
            found.extend(data)
            link = {str(k).lower(): str(v) for k, v in headers.items()}.get("link", "")
            if not data or _NEXT.search(link) is None:
                return found
        raise StateUnavailableError(
            f"GitHub ({self.base_url})",
            f"{path} lists more than {pages * 100} entries, more than release-gate reads",
            "Please report it",
        )

    def plan_text(self, slug: str, path: str) -> tuple[str, str]:
        """Return the plan file at *path* on *slug*'s default branch, and where it was read (for messages)."""

        def read() -> tuple[str, str]:
            repo = self._github.get_repo(slug)
            branch = repo.default_branch
            try:
                content = repo.get_contents(path, ref=branch)
            except UnknownObjectException:
                raise StateUnavailableError(
                    f"GitHub ({self.base_url})",
                    f"{slug} has no {path} on its default branch ({branch})",
                    "Commit the plan there, or name it with --plan and --plan-repo",
                ) from None
            if isinstance(content, list):
                raise StateUnavailableError(
                    f"GitHub ({self.base_url})", f"{slug}:{path} is a folder", "Name the plan file"
                )
            return content.decoded_content.decode("utf-8", errors="replace"), f"{slug}:{path}@{branch}"

        return self._guard("reading the plan", read)

    def open_pulls(self, slug: str) -> list[OpenPull]:
        """Return every open PR of *slug* (``GET /repos/{owner}/{repo}/pulls``).

        An entry without a number or head SHA makes the whole listing unreadable (there
        is no telling what else is wrong); one whose labels are not in the documented
        shape is listed with ``labels=None``.
        """

        def read() -> list[OpenPull]:
            pulls = []
            for index, entry in enumerate(self._list(f"{_repo_path(slug)}/pulls", _PULL_PAGES, state="open")):
                pull = _object(entry, f"entry {index}")
                number = pull.get("number")
                if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
                    raise _UnexpectedAnswerError(f"entry {index} has no PR number")
                sha = _string(_object(pull.get("head"), f"the head of #{number}").get("sha"), f"#{number}'s head SHA")
                try:
                    labels: tuple[str, ...] | None = _label_names(pull.get("labels"), f"#{number}'s labels")
                except _UnexpectedAnswerError:
                    labels = None
                pulls.append(OpenPull(number, sha, labels))
            return pulls

        return self._guard("listing open pull requests", read)

    def labels(self, slug: str, number: int) -> tuple[str, ...]:
        """Return the label names of issue or PR *number* (``GET /repos/{owner}/{repo}/issues/{number}``)."""

        def read() -> tuple[str, ...]:
            _, data = self._get(f"{_repo_path(slug)}/issues/{number}")
            return _label_names(_object(data, "the answer").get("labels"), f"#{number}'s labels")

        return self._guard(f"reading the labels of #{number}", read)

    def label_added(self, slug: str, number: int, label: str) -> tuple[str, dt.datetime | None] | None:
        """Return who added *label* to *number* last, and when; ``None`` if no event says so.

        Reads ``GET /repos/{owner}/{repo}/issues/{number}/events``. A ``labeled`` event
        whose label is not an object with a name, or one of *label* without an actor
        login, is an answer of an unexpected shape: who added the label cannot be told.
        """

        def read() -> tuple[str, dt.datetime | None] | None:
            found = None
            for index, entry in enumerate(self._list(f"{_repo_path(slug)}/issues/{number}/events", _EVENT_PAGES)):
                event = _object(entry, f"event {index}")
                if event.get("event") != "labeled":
                    continue
                name = _string(_object(event.get("label"), f"the label of event {index}").get("name"), "a label name")
                if name == label:
                    actor = _object(event.get("actor"), f"the actor of event {index} ({label})")
                    found = (
                        _string(actor.get("login"), f"the actor login of event {index}"),
                        _when(event.get("created_at")),
                    )
            return found

        return self._guard(f"reading who labelled #{number}", read)

    def permission(self, slug: str, login: str) -> str:
        """Return *login*'s permission on *slug* (``admin``, ``write``, ``read``, ``none``...)."""

        def read() -> str:
            path = f"{_repo_path(slug)}/collaborators/{urllib.parse.quote(login, safe='')}/permission"
            _, data = self._get(path)
            return _string(_object(data, "the answer").get("permission"), "'permission'")

        return self._guard(f"reading the permission of @{login}", read)

    def status(self, slug: str, sha: str, context: str) -> tuple[str, str] | None:
        """Return the latest ``(state, description)`` of *context* on *sha*, if any.

        Reads ``GET /repos/{owner}/{repo}/commits/{ref}/statuses`` (newest first), its
        first page of 100: a status further back is as good as none (the gate posts again).
        """

        def read() -> tuple[str, str] | None:
            path = f"{_repo_path(slug)}/commits/{urllib.parse.quote(sha, safe='')}/statuses"
            _, data = self._get(path, {"per_page": 100})
            if not isinstance(data, list):
                raise _UnexpectedAnswerError("the answer is not a list")
            for index, entry in enumerate(data):
                status = _object(entry, f"status {index}")
                if _string(status.get("context"), f"the context of status {index}").lower() == context.lower():
                    description = status.get("description")
                    if description is not None and not isinstance(description, str):
                        raise _UnexpectedAnswerError(f"the description of status {index} is not a string")
                    return _string(status.get("state"), f"the state of status {index}"), description or ""
            return None

        return self._guard(f"reading the commit status of {sha}", read)

    def post_status(self, slug: str, sha: str, *, state: str, description: str, context: str, target_url: str) -> None:
        """Post a commit status on *sha* (``POST /repos/{owner}/{repo}/statuses/{sha}``)."""
        body = {"state": state, "description": description, "context": context}
        if target_url:
            body["target_url"] = target_url

        def post() -> None:
            path = f"{_repo_path(slug)}/statuses/{urllib.parse.quote(sha, safe='')}"
            try:
                self._github.requester.requestJsonAndCheck("POST", path, input=body)
            except GithubException as error:
                message = error.data.get("message") if isinstance(error.data, dict) else None
                if error.status == 422 and isinstance(message, str) and message.lower().startswith(_NO_COMMIT):
                    raise StateUnavailableError(
                        f"GitHub ({self.base_url})",
                        f"posting the commit status: GitHub has no commit {sha}: 422 {message}",
                        "The commit may be gone (a force-push, a merge group the queue removed); "
                        "the next run posts on the new head",
                    ) from None
                raise

        self._guard(f"posting the commit status on {sha}", post)

    def labelled_issues(self, slug: str, label: str) -> list[ListedIssue]:
        """Return every issue of *slug*, open or closed, that carries *label* (``GET /repos/{owner}/{repo}/issues``).

        Pull requests carrying it are left out. An entry without a number, a title, a body
        that is text or nothing, or an open or closed state makes the whole listing
        unreadable: an issue missed would be created again.
        """

        def read() -> list[ListedIssue]:
            found = []
            path = f"{_repo_path(slug)}/issues"
            for index, entry in enumerate(self._list(path, _ISSUE_PAGES, state="all", labels=label)):
                issue = _object(entry, f"entry {index}")
                if issue.get("pull_request") is not None:
                    continue
                found.append(_listed_issue(issue, f"entry {index}"))
            return found

        return self._guard(f"listing the issues labelled {label}", read)

    def create_issue(self, slug: str, *, title: str, body: str, labels: tuple[str, ...]) -> ListedIssue:
        """Create an issue on *slug* (``POST /repos/{owner}/{repo}/issues``); return it as GitHub made it.

        Sent once, never asked again: when it seems to fail, GitHub may have made the issue all
        the same, and the next listing finds it.
        """

        def post() -> ListedIssue:
            body_sent = {"title": title, "body": body, "labels": list(labels)}
            try:
                _, data = self._once.requester.requestJsonAndCheck(
                    "POST", f"{_repo_path(slug)}/issues", input=body_sent
                )
            except HttpError as error:
                problem = f"{error.problem} (sent once, never again: GitHub may have made it all the same"
                raise HttpError(f"{problem}, and the next sweep finds it)", error.hint) from None
            return _listed_issue(_object(data, "the answer"), "the new issue")

        return self._guard("creating the status issue", post)

    def edit_issue(self, slug: str, number: int, *, title: str, body: str) -> None:
        """Replace the title and the whole body of issue *number* in one request (``PATCH .../issues/{number}``)."""

        def patch() -> None:
            path = f"{_repo_path(slug)}/issues/{number}"
            self._github.requester.requestJsonAndCheck("PATCH", path, input={"title": title, "body": body})

        self._guard(f"editing the status issue #{number}", patch)


def _listed_issue(issue: dict[str, Any], what: str) -> ListedIssue:
    """Read one issue of a listing or a creation, checked as GitHub's REST description shapes it."""
    number = issue.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise _UnexpectedAnswerError(f"{what} has no issue number")
    title, body, state = issue.get("title"), issue.get("body"), issue.get("state")
    if not isinstance(title, str) or not isinstance(body, str | None) or state not in ("open", "closed"):
        raise _UnexpectedAnswerError(f"#{number} has no title, body or state of the documented shape")
    return ListedIssue(
        number, title, body or "", state == "open", _label_names(issue.get("labels"), f"#{number}'s labels")
    )


def _repo_path(slug: str) -> str:
    owner, _, name = slug.partition("/")
    return f"/repos/{urllib.parse.quote(owner, safe='')}/{urllib.parse.quote(name, safe='')}"
