"""A fake GitHub for tests: real HTTP on 127.0.0.1, driven by PyGithub as it drives GitHub.

`FakeGitHub` serves a `State` through the REST endpoints
release-gate uses (`release_gate.testing.routes`) and a GraphQL endpoint that runs every
query through graphql-core against GitHub's published schema
(`release_gate.testing.graphql`). It counts requests, can add latency, injects faults
(`Fault`) and records the commit statuses posted to it and the issues made and edited through it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from release_gate.plan.model import ItemRef
from release_gate.state import State
from release_gate.testing import graphql, routes
from release_gate.testing.routes import FakeIssue, PostedStatus
from release_gate.testing.server import FaultInjection, GitHubHandler, HandlerClass, RecordedRequest, Served

__all__ = ["FakeGitHub"]


class FakeGitHub(Served, FaultInjection):
    """A fake GitHub serving *state* on ``http://127.0.0.1:PORT``; use it as a context manager.

    *schema* is GitHub's GraphQL schema (`load_github_schema`); without it the GraphQL
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
        super().__init__()
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
        self.issues: dict[tuple[str, int], FakeIssue] = {}
        """Issues made through the API (the gate's status issue), by ``(owner/name lower-cased, number)``."""
        self.forbid_issues = False  # 403 to creating or editing an issue (a token without issues: write)
        self.milestones: dict[ItemRef, str] = {}
        """Pull requests and the title of the milestone each is in (a state records no milestones)."""
        self.node_errors: dict[ItemRef, str] = {}
        """PRs or issues whose GraphQL node fails with this error type (a partial error)."""
        self.rest_answers: dict[tuple[str, str], tuple[int, Any]] = {}
        """Answers that replace the fake's own REST answers: ``(method, path pattern)`` -> ``(status, JSON body)``.

        The pattern is a regular expression matched in full against the path below the API
        root, e.g. ``("GET", r"/repos/jupyterhub/kubespawner/collaborators/[^/]+/permission")``;
        the first that matches wins. Use it for what GitHub answers rarely: a body of a shape
        its REST description does not allow (``(200, {"role_name": "admin"})``), a 422, or a
        lasting 502 on one route only. Faults that any request may meet are `inject`'s.
        """
        self.rate_limit = 5000
        self.rate_used = 0
        self.not_modified = 0
        """REST GETs answered 304 Not Modified (their If-None-Match named the current ETag)."""
        self.graphql_cost = 0
        """GraphQL points charged so far (see `estimated_cost`)."""
        self.host = "127.0.0.1"
        """The host its URLs name (it listens on 127.0.0.1; tests may resolve another name to it)."""

    # -- lifecycle ------------------------------------------------------------------------

    thread_name = "fake-github"

    def handler(self) -> HandlerClass:
        """Return the handler class of the fake GitHub."""
        return GitHubHandler

    @property
    def url(self) -> str:
        """The REST API root to give PyGithub (``base_url``)."""
        return f"http://{self.host}:{self.port}{self.prefix}"

    @property
    def graphql_requests(self) -> list[RecordedRequest]:
        """The GraphQL requests received."""
        return [r for r in self.requests if r.graphql]

    def reset_at(self) -> dt.datetime:
        """When the rate limit resets, as its answers say: an hour from now, to the second."""
        return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).replace(microsecond=0)

    def add_issue(
        self,
        slug: str,
        title: str,
        body: str,
        *,
        open: bool = True,  # noqa: A002 - GitHub's word for it
        labels: tuple[str, ...] = (),
    ) -> int:
        """Give *slug* an issue as if made through the API (an earlier status issue, say); return its number."""
        with self.lock:
            number = routes.next_number(self, slug)
            self.issues[slug.lower(), number] = FakeIssue(slug, number, title, body, open, labels)
        return number

    # -- answers --------------------------------------------------------------------------

    def graphql(self, document: str, variables: Mapping[str, Any] | None) -> dict[str, Any]:
        """Validate *document* against GitHub's schema and run it against the state."""
        return graphql.run(self, document, variables)

    def rest(
        self, method: str, path: str, query: Mapping[str, list[str]], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        """Answer one REST request: ``(status, JSON body, extra headers)`` (see `routes`)."""
        return routes.answer(self, method, path, query, body)
