"""The fake GitHub's REST API: a table of routes, one small function per route.

`ROUTES` maps ``(method, path pattern)`` to the function that answers it; the first
route whose method and pattern match a request answers it, and a request no route matches is
answered 404 as GitHub does. Before the table, `FakeGitHub.rest_answers
<release_gate.testing.github.FakeGitHub.rest_answers>` may replace any answer. Routes under
``/repos/OWNER/NAME`` answer 404 for a repository the state does not have (or has as
unknown), except posting a commit status, which any repository accepts.

Lists are paginated as GitHub paginates them (``page``, ``per_page``, a ``Link`` to the next
page); only the routes release-gate uses are served, the way GitHub's published REST
description says they answer. Issues made through the API (the gate's status issue) are kept
in `FakeGitHub.issues <release_gate.testing.github.FakeGitHub.issues>`, apart from the state.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from release_gate.plan.model import ItemRef
from release_gate.state import Issue, IssueState, PrState, PullRequest, RepoState
from release_gate.testing.view import (
    EPOCH,
    FileUnreadableError,
    file_commits,
    file_text,
    head_sha,
    iso,
    search,
    sha,
    tag_sha,
    tags_newest_first,
)
from release_gate.times import parse_time

if TYPE_CHECKING:
    from release_gate.testing.github import FakeGitHub

__all__ = ["ROUTES", "Answer", "FakeIssue", "PostedStatus", "Route", "answer"]

Answer = tuple[int, Any, dict[str, str]]
"""A REST answer: ``(status, JSON body, extra headers)``."""


@dataclass(frozen=True, slots=True)
class PostedStatus:
    """A commit status posted to the fake."""

    repo: str
    sha: str
    state: str
    context: str
    description: str
    target_url: str


@dataclass(frozen=True, slots=True)
class FakeIssue:
    """An issue made through the fake's API (a status issue), or given to it by a test."""

    repo: str
    number: int
    title: str
    body: str
    open: bool = True
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Call:
    """One REST request being answered by a route."""

    fake: FakeGitHub
    method: str
    path: str
    """The path below the API root, e.g. ``/repos/jupyterhub/kubespawner/tags``."""
    query: Mapping[str, list[str]]
    body: Any
    base: str
    """The API root URL: links in answers start with it."""
    page: int
    per_page: int
    """``page`` and ``per_page`` as asked (the routes that clamp them use `_page_of`)."""
    params: Mapping[str, str]
    """The named groups of the route's pattern."""

    @property
    def slug(self) -> str:
        """``OWNER/NAME`` as the path spells them."""
        return f"{self.params['owner']}/{self.params['name']}"

    @property
    def url(self) -> str:
        """The URL that was asked (without its query)."""
        return f"{self.base}{self.path}"


Handler = Callable[[Call], Answer]


@dataclass(frozen=True, slots=True)
class Route:
    """A REST route: *method* (``None``: any) and a path *pattern* matched in full."""

    method: str | None
    pattern: re.Pattern[str]
    handler: Handler


def _not_found() -> Answer:
    return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, {}


def _in_repo(handler: Callable[[Call, RepoState], Answer]) -> Handler:
    """Answer with *handler* when the state has the repository of the path, else 404."""

    @functools.wraps(handler)
    def routed(call: Call) -> Answer:
        repo = call.fake.state.repos.get(call.slug.lower())
        return handler(call, repo) if isinstance(repo, RepoState) else _not_found()

    return routed


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


def _paged(call: Call, entries: list[Any]) -> Answer:
    return (200, *_page_of(entries, call.url, call.query))


# -- how GitHub writes issues and pull requests ---------------------------------------------


def _issue_json(call: Call, item: PullRequest | Issue) -> dict[str, Any]:
    slug, base = item.ref.slug, call.base
    data: dict[str, Any] = {
        "url": f"{base}/repos/{slug}/issues/{item.ref.number}",
        "number": item.ref.number,
        "title": item.title,
        "body": call.fake.bodies.get(item.ref.key, ""),
        "state": "open" if item.state in (PrState.OPEN, IssueState.OPEN) else "closed",
        "created_at": iso(item.created_at) or EPOCH,
        "closed_at": iso(item.closed_at),
        "labels": [{"name": n} for n in getattr(item, "labels", ())],
        "user": {"login": "someone"},
    }
    if isinstance(item, PullRequest):
        data["draft"] = item.draft
        data["pull_request"] = {
            "url": f"{base}/repos/{slug}/pulls/{item.ref.number}",
            "merged_at": iso(item.merged_at),
        }
    return data


def _pull_json(call: Call, pr: PullRequest) -> dict[str, Any]:
    data = _issue_json(call, pr)
    data.pop("pull_request", None)
    branch = pr.head.partition(":")[2] if ":" in pr.head else pr.head
    data.update(
        url=f"{call.base}/repos/{pr.ref.slug}/pulls/{pr.ref.number}",
        issue_url=f"{call.base}/repos/{pr.ref.slug}/issues/{pr.ref.number}",
        merged=pr.state is PrState.MERGED,
        merged_at=iso(pr.merged_at),
        head={"sha": head_sha(pr), "ref": branch or "main", "label": pr.head or branch or "main"},
        base={"sha": sha(pr.ref.slug, "base"), "ref": "main", "label": "main"},
    )
    return data


def _person(when: str | None) -> dict[str, Any]:
    return {"name": "someone", "email": "someone@example.invalid", "date": when}


# -- the routes -----------------------------------------------------------------------------


def rate_limit(call: Call) -> Answer:
    """``GET /rate_limit``: the core and GraphQL budgets (one shared budget here)."""
    fake = call.fake
    core = {
        "limit": fake.rate_limit,
        "remaining": fake.rate_limit - fake.rate_used,
        "reset": int(fake.reset_at().timestamp()),
        "used": fake.rate_used,
    }
    return 200, {"resources": {"core": core, "graphql": core}, "rate": core}, {}


def search_issues(call: Call) -> Answer:
    """``GET /search/issues?q=``: the pull requests found, less the last ``search_misses`` of them."""
    fake, page, per_page = call.fake, call.page, call.per_page
    everything = search(fake.state, fake.bodies, urllib.parse.unquote_plus((call.query.get("q") or [""])[0]))
    results = everything[: len(everything) - fake.search_misses] if fake.search_misses else everything
    chunk = results[(page - 1) * per_page : page * per_page]
    headers = {}
    if page * per_page < len(results):
        q = urllib.parse.quote((call.query.get("q") or [""])[0])
        headers["Link"] = f'<{call.base}/search/issues?q={q}&per_page={per_page}&page={page + 1}>; rel="next"'
    items = [_issue_json(call, pr) for pr in chunk]
    incomplete = len(results) < len(everything)
    return 200, {"total_count": len(results), "incomplete_results": incomplete, "items": items}, headers


def post_status(call: Call) -> Answer:
    """``POST /repos/{o}/{r}/statuses/{sha}``: record a commit status, for any repository.

    With ``forbid_statuses`` every path under ``statuses/`` is 403; a *sha* that is not 7 to 40
    hex digits is 404, a body without a valid ``state`` 422.
    """
    fake = call.fake
    if fake.forbid_statuses:
        return 403, {"message": "Resource not accessible by integration"}, {}
    if not re.fullmatch(r"[0-9a-f]{7,40}", call.params["sha"]):
        return _not_found()
    body = call.body
    if not isinstance(body, dict) or body.get("state") not in ("error", "failure", "pending", "success"):
        return 422, {"message": "Validation Failed"}, {}
    posted = PostedStatus(
        call.slug,
        call.params["sha"],
        body["state"],
        body.get("context", "default"),
        body.get("description", ""),
        body.get("target_url", ""),
    )
    with fake.lock:
        fake.statuses.append(posted)
    created = {
        "url": f"{call.base}/repos/{call.slug}/statuses/{posted.sha}",
        "state": posted.state,
        "context": posted.context,
        "description": posted.description,
        "target_url": posted.target_url,
    }
    return 201, created, {}


@_in_repo
def repository(call: Call, repo: RepoState) -> Answer:
    """``GET /repos/{o}/{r}``: the repository and its default branch."""
    return (
        200,
        {
            "url": f"{call.base}/repos/{call.slug}",
            "full_name": repo.slug,
            "name": call.params["name"],
            "default_branch": repo.default_branch or "main",
        },
        {},
    )


@_in_repo
def open_pulls(call: Call, repo: RepoState) -> Answer:
    """``GET /repos/{o}/{r}/pulls``: the open pull requests, paginated."""
    del repo
    slug = call.slug.lower()
    pulls = [
        _pull_json(call, item)
        for (item_slug, _), item in sorted(call.fake.state.items.items())
        if item_slug == slug and isinstance(item, PullRequest) and item.state is PrState.OPEN
    ]
    return _paged(call, pulls)


@_in_repo
def issue_events(call: Call, repo: RepoState) -> Answer:
    """``GET /repos/{o}/{r}/issues/{n}/events``: the ``labeled`` events of ``label_events``, paginated."""
    del repo
    base, slug = call.base, call.slug
    labelled = call.fake.label_events.get((slug.lower(), int(call.params["number"])), [])
    listed = [
        {
            "id": index + 1,
            "url": f"{base}/repos/{slug}/issues/events/{index + 1}",
            "event": "labeled",
            "label": {"name": label, "color": "ededed"},
            "actor": {"login": actor, "url": f"{base}/users/{actor}"},
            "created_at": iso(when),
        }
        for index, (label, actor, when) in enumerate(labelled)
    ]
    return _paged(call, listed)


@_in_repo
def permission(call: Call, repo: RepoState) -> Answer:
    """``GET /repos/{o}/{r}/collaborators/{login}/permission``: from ``permissions``, else ``read``."""
    del repo
    login = call.params["login"]
    level = call.fake.permissions.get(login, "read")
    return 200, {"permission": level, "role_name": level, "user": {"login": login}}, {}


@_in_repo
def tags(call: Call, repo: RepoState) -> Answer:
    """``GET /repos/{o}/{r}/tags``: newest first, paginated (``page`` and ``per_page`` as asked)."""
    base, slug, page, per_page = call.base, call.slug, call.page, call.per_page
    newest_first = tags_newest_first(repo)
    tag_page = newest_first[(page - 1) * per_page : page * per_page]
    headers = {}
    if page * per_page < len(newest_first):
        headers["Link"] = f'<{base}/repos/{slug}/tags?per_page={per_page}&page={page + 1}>; rel="next"'
    listed = [
        {
            "name": t.name,
            "commit": {"sha": (commit := tag_sha(repo, t)), "url": f"{base}/repos/{slug}/commits/{commit}"},
        }
        for t in tag_page
    ]
    return 200, listed, headers


@_in_repo
def commit(call: Call, repo: RepoState) -> Answer:
    """``GET /repos/{o}/{r}/commits/{sha}`` and ``.../git/commits/{sha}``: a tagged commit, dated as its tag."""
    base, slug, wanted = call.base, call.slug, call.params["sha"]
    tag = next((tag for tag in repo.tags if tag_sha(repo, tag) == wanted), None)
    if tag is None:
        return _not_found()
    person = _person(iso(tag.date))
    git = {
        "sha": wanted,
        "url": f"{base}/repos/{slug}/git/commits/{wanted}",
        "committer": person,
        "author": person,
        "message": tag.name,
    }
    if call.params["git"]:
        return 200, git, {}
    return 200, {"sha": wanted, "url": f"{base}/repos/{slug}/commits/{wanted}", "commit": git}, {}


@_in_repo
def issue_or_pull(call: Call, repo: RepoState) -> Answer:
    """``GET /repos/{o}/{r}/issues/{n}`` (an issue or a pull request) and ``.../pulls/{n}``."""
    del repo
    item = call.fake.state.items.get(ItemRef(call.slug, int(call.params["number"])).key)
    if call.params["kind"] == "pulls":
        return (200, _pull_json(call, item), {}) if isinstance(item, PullRequest) else _not_found()
    return (200, _issue_json(call, item), {}) if isinstance(item, PullRequest | Issue) else _not_found()


@_in_repo
def commits_of_file(call: Call, repo: RepoState) -> Answer:
    """``GET /repos/{o}/{r}/commits?path=&until=``: the commits that changed a file, paginated; 500 if unreadable."""
    query = call.query
    if not query.get("path"):
        return _not_found()
    path = query["path"][0]
    until = parse_time(query["until"][0]) if query.get("until") else None
    try:
        commits = file_commits(repo, path, until)
    except FileUnreadableError:
        return 500, {"message": "Server Error"}, {}
    changes = [
        {
            "sha": c.sha,
            "url": f"{call.base}/repos/{call.slug}/commits/{c.sha}",
            "commit": {"message": f"Change {path}", "committer": _person(iso(c.when)), "author": _person(iso(c.when))},
        }
        for c in commits
    ]
    return _paged(call, changes)


@_in_repo
def contents(call: Call, repo: RepoState) -> Answer:
    """``GET /repos/{o}/{r}/contents/{path}?ref=``: a file on the default branch, at a commit, or on a branch."""
    path = urllib.parse.unquote(call.params["path"])
    default = repo.default_branch or "main"
    ref = (call.query.get("ref") or [default])[0]
    if ref in call.fake.branch_files and ref != default:
        text = call.fake.branch_files[ref].get(path)
    else:
        text = file_text(repo, path, ref if re.fullmatch(r"[0-9a-f]{40}", ref) else None)
    if text is None:
        return _not_found()
    encoded = base64.b64encode(text.encode()).decode()
    return (
        200,
        {
            "type": "file",
            "encoding": "base64",
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "content": encoded,
            "url": f"{call.base}/repos/{call.slug}/contents/{path}",
        },
        {},
    )


@_in_repo
def list_statuses(call: Call, repo: RepoState) -> Answer:
    """``GET /repos/{o}/{r}/commits/{ref}/statuses``: the statuses posted for a commit, newest first.

    Only the route of GitHub's published REST description, "List commit statuses for a
    reference"; not the older ``GET /repos/{o}/{r}/statuses/{ref}`` that PyGithub's
    ``Commit.get_statuses()`` asks, so a client that drifts back to it fails here.
    """
    del repo
    fake, slug, ref = call.fake, call.slug.lower(), call.params["ref"]
    with fake.lock:
        found = [s for s in reversed(fake.statuses) if s.repo.lower() == slug and s.sha == ref]
    listed = [
        {"state": s.state, "context": s.context, "description": s.description, "target_url": s.target_url}
        for s in found
    ]
    return _paged(call, listed)


def _made_issue_json(call: Call, issue: FakeIssue) -> dict[str, Any]:
    return {
        "url": f"{call.base}/repos/{issue.repo}/issues/{issue.number}",
        "html_url": f"https://github.example/{issue.repo}/issues/{issue.number}",
        "number": issue.number,
        "title": issue.title,
        "body": issue.body,
        "state": "open" if issue.open else "closed",
        "labels": [{"name": name} for name in issue.labels],
        "user": {"login": "github-actions[bot]"},
        "created_at": EPOCH,
        "closed_at": None if issue.open else EPOCH,
    }


@_in_repo
def list_issues(call: Call, repo: RepoState) -> Answer:
    """``GET /repos/{o}/{r}/issues?state=&labels=``: the issues and PRs with every label asked, newest first, paginated.

    The issues made through the API and the state's own items, as GitHub lists them both.
    """
    del repo
    fake, slug = call.fake, call.slug.lower()
    state = (call.query.get("state") or ["open"])[0]
    wanted = {name for name in (call.query.get("labels") or [""])[0].split(",") if name}
    with fake.lock:
        made = [
            (issue.number, _made_issue_json(call, issue))
            for issue in fake.issues.values()
            if issue.repo.lower() == slug
        ]
    items = [
        (item.ref.number, _issue_json(call, item))
        for (item_slug, _), item in fake.state.items.items()
        if item_slug == slug and isinstance(item, PullRequest | Issue)
    ]
    listed = [
        data
        for _, data in sorted([*made, *items], key=lambda pair: pair[0], reverse=True)
        if state in ("all", data["state"]) and wanted <= {label["name"] for label in data["labels"]}
    ]
    return _paged(call, listed)


def next_number(fake: FakeGitHub, slug: str) -> int:
    """Return the number GitHub gives the next issue of *slug*: one past every issue and PR it has."""
    taken = [number for (item_slug, number) in fake.state.items if item_slug == slug.lower()]
    taken += [issue.number for issue in fake.issues.values() if issue.repo.lower() == slug.lower()]
    return max(taken, default=0) + 1


@_in_repo
def create_issue(call: Call, repo: RepoState) -> Answer:
    """``POST /repos/{o}/{r}/issues``: make an issue; 403 with ``forbid_issues``, 422 without a title."""
    del repo
    fake, body = call.fake, call.body
    if fake.forbid_issues:
        return 403, {"message": "Resource not accessible by integration"}, {}
    if not isinstance(body, dict) or not isinstance(body.get("title"), str) or not body["title"]:
        return 422, {"message": "Validation Failed"}, {}
    labels = tuple(str(name) for name in body.get("labels") or ())
    with fake.lock:
        number = next_number(fake, call.slug)
        issue = FakeIssue(call.slug, number, body["title"], str(body.get("body") or ""), open=True, labels=labels)
        fake.issues[issue.repo.lower(), issue.number] = issue
    return 201, _made_issue_json(call, issue), {}


@_in_repo
def edit_issue(call: Call, repo: RepoState) -> Answer:
    """``PATCH /repos/{o}/{r}/issues/{n}``: change an issue made through the API; 403 with ``forbid_issues``."""
    del repo
    fake, body = call.fake, call.body
    if fake.forbid_issues:
        return 403, {"message": "Resource not accessible by integration"}, {}
    key = (call.slug.lower(), int(call.params["number"]))
    with fake.lock:
        issue = fake.issues.get(key)
        if issue is None:
            return _not_found()
        if not isinstance(body, dict):
            return 422, {"message": "Validation Failed"}, {}
        issue = dataclasses.replace(
            issue,
            title=str(body.get("title", issue.title)),
            body=str(body.get("body", issue.body)),
            open=body.get("state", "open" if issue.open else "closed") == "open",
        )
        fake.issues[key] = issue
    return 200, _made_issue_json(call, issue), {}


_REPO = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"


def _route(method: str | None, pattern: str, handler: Handler) -> Route:
    return Route(method, re.compile(pattern), handler)


ROUTES: tuple[Route, ...] = (
    _route(None, r"/rate_limit", rate_limit),
    _route(None, r"/search/issues", search_issues),
    _route("POST", _REPO + r"/statuses/(?P<sha>.*)", post_status),
    _route(None, _REPO, repository),
    _route(None, _REPO + r"/pulls", open_pulls),
    _route(None, _REPO + r"/issues/(?P<number>\d+)/events", issue_events),
    _route("GET", _REPO + r"/issues", list_issues),
    _route("POST", _REPO + r"/issues", create_issue),
    _route("PATCH", _REPO + r"/issues/(?P<number>\d+)", edit_issue),
    _route(None, _REPO + r"/collaborators/(?P<login>[^/]+)/permission", permission),
    _route(None, _REPO + r"/tags", tags),
    _route(None, _REPO + r"/(?P<git>git/)?commits/(?P<sha>[0-9a-f]{40})", commit),
    _route(None, _REPO + r"/(?P<kind>issues|pulls)/(?P<number>\d+)", issue_or_pull),
    _route(None, _REPO + r"/commits", commits_of_file),
    _route(None, _REPO + r"/contents/(?P<path>.+)", contents),
    _route("GET", _REPO + r"/commits/(?P<ref>[^/]+)/statuses", list_statuses),
)
"""The REST API the fake serves, in the order routes are tried."""


def answer(fake: FakeGitHub, method: str, path: str, query: Mapping[str, list[str]], body: Any) -> Answer:
    """Answer one REST request to *fake*: its ``rest_answers`` first, then `ROUTES`, else 404."""
    for (verb, pattern), replaced in list(fake.rest_answers.items()):
        if verb == method and re.fullmatch(pattern, path):
            return replaced[0], replaced[1], {}
    base = fake.url
    page = int((query.get("page") or ["1"])[0])
    per_page = int((query.get("per_page") or ["30"])[0])
    for route in ROUTES:
        if route.method in (None, method) and (match := route.pattern.fullmatch(path)):
            groups = {key: value or "" for key, value in match.groupdict().items()}
            return route.handler(Call(fake, method, path, query, body, base, page, per_page, groups))
    return _not_found()
