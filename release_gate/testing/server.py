"""The fakes' HTTP side: a threaded server on 127.0.0.1, its request handlers, and fault injection.

Every fake records the requests it receives (`RecordedRequest`) and how many it answers at
once (`InFlight`), can add latency, and fails requests when told to (`Fault`,
`FaultInjection.inject`), the Nth of all or of those on one route.
`GitHubHandler` answers GraphQL and REST as GitHub does, with its rate-limit headers,
ETags and 304s, from a `FakeGitHub`;
`RegistryHandler` answers as PyPI and a Helm repository do, from a
`FakeRegistries`.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import gzip
import hashlib
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self

from release_gate.testing.graphql import partial
from release_gate.testing.view import sha

if TYPE_CHECKING:
    from release_gate.testing.github import FakeGitHub
    from release_gate.testing.registries import FakeRegistries

__all__ = [
    "Fault",
    "FaultInjection",
    "FaultyHandler",
    "GitHubHandler",
    "HandlerClass",
    "InFlight",
    "Injection",
    "QuietServer",
    "RecordedRequest",
    "RegistryHandler",
    "Served",
    "route_of",
    "serve",
]


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


_GRAPHQL_ONLY = frozenset({Fault.GRAPHQL_RATE_LIMITED, Fault.GRAPHQL_PARTIAL})


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the fake received."""

    method: str
    path: str
    query: str = ""
    authorized: bool = False
    graphql: str = ""
    """The GraphQL document, for GraphQL requests."""
    accept: str = ""
    """The ``Accept`` it was asked with (recorded by the fake registries)."""


@dataclass(slots=True)
class Injection:
    """A fault waiting for the requests it fails (see `FaultInjection.inject`)."""

    fault: Fault
    times: int | None
    skip: int
    where: str
    retry_after: int
    route: re.Pattern[str] | None = None
    """Only requests whose route (`route_of`) it finds count, and meet the fault."""
    hits: int = 0
    """The requests that met it so far."""


def route_of(method: str, path: str, query: str = "", graphql: str = "") -> str:
    """Return what an injection's *route* is looked for in: ``METHOD PATH[?QUERY]``, then a GraphQL body if any.

    A client that sends requests at once sends them in no fixed order, so "the third request"
    may be any of them; "the first request on this route" is the same one in every run.
    """
    return f"{method} {path}{'?' + query if query else ''}{' ' + graphql if graphql else ''}"


class InFlight:
    """How many requests the fakes that share it are answering at the moment, and the most at once so far."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.most = 0

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Count one request as being answered while the block runs (its latency included)."""
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            yield
        finally:
            with self._lock:
                self.now -= 1


class FaultInjection:
    """Fault injection shared by the fakes (see `Fault`), and the count of requests answered at once."""

    close_connections: bool = False
    """Close the connection after every answer, so each request connects (and resolves) anew."""

    def __init__(self) -> None:
        self._injections: list[Injection] = []
        self.lock = threading.Lock()
        """Held while a server thread changes what the fake records or counts."""
        self.in_flight = InFlight()
        """Requests being answered at once; give two fakes the same one to count across both."""

    def inject(
        self,
        fault: Fault,
        *,
        times: int | None = 1,
        skip: int = 0,
        where: str = "any",
        retry_after: int = 1,
        route: str | None = None,
    ) -> Injection:
        """Fail the next *times* matching requests (``None``: all) after *skip* of them; return the injection.

        *where* is ``any``, ``graphql`` or ``rest``. With *route* (a regular expression), only
        the requests whose `route_of` it is found in match.
        """
        injection = Injection(fault, times, skip, where, retry_after, re.compile(route) if route else None)
        with self.lock:
            self._injections.append(injection)
        return injection

    def clear_faults(self) -> None:
        """Forget every injected fault."""
        with self.lock:
            self._injections.clear()

    def take_fault(self, is_graphql: bool, route: str = "") -> Injection | None:
        """Return the fault the request being answered (on *route*) meets, if any, and count it as used."""
        with self.lock:
            for injection in self._injections:
                if injection.where not in ("any", "graphql" if is_graphql else "rest"):
                    continue
                if not is_graphql and injection.fault in _GRAPHQL_ONLY:
                    continue
                if injection.route is not None and injection.route.search(route) is None:
                    continue
                if injection.skip > 0:
                    injection.skip -= 1
                    return None
                if injection.times is not None and injection.times <= 0:
                    continue
                if injection.times is not None:
                    injection.times -= 1
                injection.hits += 1
                return injection
            return None


_POLL = 0.02
"""How often a fake's server loop looks for shutdown (the stdlib's 0.5 s makes every stop slow)."""


class QuietServer(ThreadingHTTPServer):
    """A threaded HTTP server that says nothing when a client goes away."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client goes away (timeouts and resets are what the tests make happen)."""


def serve(handler: Callable[..., BaseHTTPRequestHandler], name: str) -> tuple[QuietServer, threading.Thread]:
    """Start serving with *handler* on a free port of 127.0.0.1, in a daemon thread called *name*."""
    server = QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(_POLL,), name=name, daemon=True)
    thread.start()
    return server, thread


HandlerClass = Callable[..., BaseHTTPRequestHandler]
"""A fake's handler class: made with the fake, then what `BaseHTTPRequestHandler` takes."""


class Served:
    """A fake served over HTTP on 127.0.0.1 while in a ``with`` block (or between `start` and `stop`).

    A fake names its handler class (`handler`, given the fake) and its thread's name; every
    fake starts, stops and tells its port the same way.
    """

    thread_name = "fake"
    _server: QuietServer | None = None
    _thread: threading.Thread | None = None
    _port: int | None = None

    def handler(self) -> HandlerClass:
        """Return the handler class that answers for this fake (made with the fake as its first argument)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start serving on a free port of 127.0.0.1."""
        self._server, self._thread = serve(functools.partial(self.handler(), self), self.thread_name)
        self._port = int(self._server.server_address[1])

    def stop(self) -> None:
        """Stop serving (its `port` and URLs stay what they were, for what a test checks afterwards)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        """The port it listens on (or listened on, once stopped)."""
        assert self._port is not None, "start the fake first"
        return self._port


class FaultyHandler(BaseHTTPRequestHandler):
    """What the fakes' handlers share: sending an answer, and the faults of any HTTP server."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # keep-alive answers would otherwise stall ~40 ms each

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Stay quiet: tests read the recorded requests instead."""

    fake: FaultInjection

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

    def _transport_fault(self, injection: Injection, slow_seconds: float) -> bool:
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
                self._send_truncated(b'{"data": {"rateLimit": {"cost": 1}}}')
            case Fault.RESET:
                self.close_connection = True
                self.connection.shutdown(2)
            case Fault.SLOW:
                time.sleep(slow_seconds)
                return False
            case _:
                return False  # a fault only GitHub gives
        return True

    def _send_truncated(self, payload: bytes) -> None:
        """Send *payload* under a Content-Length 100 bytes longer, then close the connection."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload) + 100))
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()
        self.close_connection = True


_SECONDARY_MESSAGE = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
_DOCS = "https://docs.github.com/rest"


def etag(data: Any) -> str:
    """Return the ETag of a JSON answer: the same for the same data."""
    return '"' + sha(json.dumps(data, sort_keys=True, default=str)) + '"'


@dataclass(frozen=True, slots=True)
class _Request:
    """What the GitHub handler reads of a request before answering it."""

    path: str
    query: str
    token: str
    """The token of its ``Authorization`` header ("" without one)."""
    body: Any
    """Its body as JSON (``None`` when empty or not JSON)."""
    document: str
    """The GraphQL document, for GraphQL requests."""
    is_graphql: bool


class GitHubHandler(FaultyHandler):
    """Answers one connection's requests as GitHub does, from a `FakeGitHub`."""

    fake: FakeGitHub

    def __init__(self, fake: FakeGitHub, *args: Any) -> None:
        self.fake = fake
        super().__init__(*args)

    def do_GET(self) -> None:
        """Answer a GET."""
        self._serve("GET")

    def do_POST(self) -> None:
        """Answer a POST."""
        self._serve("POST")

    def do_PATCH(self) -> None:
        """Answer a PATCH (editing an issue)."""
        self._serve("PATCH")

    def _read(self, method: str) -> _Request:
        parsed = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        auth = self.headers.get("Authorization", "")
        graphql_paths = {"/graphql", "/api/graphql"} if self.fake.prefix else {"/graphql"}
        is_graphql = method == "POST" and parsed.path in graphql_paths
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        document = str(body.get("query") or "") if is_graphql and isinstance(body, dict) else ""
        token = auth.split(" ", 1)[1] if " " in auth else ""
        return _Request(parsed.path, parsed.query, token, body, document, is_graphql)

    def _serve(self, method: str) -> None:
        with self.fake.in_flight.answering():
            self._serve_one(method)

    def _serve_one(self, method: str) -> None:
        fake = self.fake
        request = self._read(method)
        with fake.lock:
            fake.requests.append(
                RecordedRequest(method, request.path, request.query, bool(request.token), request.document)
            )
        if fake.latency:
            time.sleep(fake.latency)
        graphql = json.dumps(request.body) if request.is_graphql else ""
        injection = fake.take_fault(request.is_graphql, route_of(method, request.path, request.query, graphql))
        if injection is not None and self._fault(injection):
            return
        if request.token and fake.token is not None and request.token != fake.token:
            self._json(401, {"message": "Bad credentials", "documentation_url": _DOCS})
        elif request.is_graphql:
            self._answer_graphql(request, injection)
        else:
            self._answer_rest(method, request)

    def _answer_graphql(self, request: _Request, injection: Injection | None) -> None:
        fake = self.fake
        if not request.token:
            self._json(401, {"message": "This endpoint requires you to be authenticated."})
            return
        if fake.schema is None:
            self._json(501, {"message": "the fake has no GraphQL schema"})
            return
        fake.rate_used += 1
        variables = request.body.get("variables") if isinstance(request.body, dict) else None
        answer = fake.graphql(request.document, variables)
        if injection is not None and injection.fault is Fault.GRAPHQL_PARTIAL:
            answer = partial(answer)
        self._json(200, answer, resource="graphql")

    def _answer_rest(self, method: str, request: _Request) -> None:
        fake, path, prefix = self.fake, request.path, self.fake.prefix
        if prefix and not path.startswith(prefix + "/") and path != prefix:
            self._json(404, {"message": "Not Found"})
            return
        query = urllib.parse.parse_qs(request.query)
        status, data, headers = fake.rest(method, path[len(prefix) :] or "/", query, request.body)
        if method == "GET" and status == 200 and self.headers.get("If-None-Match") == etag(data):
            # GitHub: a 304 to an authorised request does not count against the rate limit.
            fake.rate_used += 0 if request.token else 1
            fake.not_modified += 1
            self._send(304, b"", "application/json; charset=utf-8", {**self._rate_headers(None), "ETag": etag(data)})
            return
        fake.rate_used += 1
        self._json(status, data, headers=headers)

    def _fault(self, injection: Injection) -> bool:
        """Answer with *injection*; False: answer normally (a fault that is not for this answer)."""
        match injection.fault:
            case Fault.SERVER_ERROR:
                self._json(500, {"message": "Server Error"})
            case Fault.GRAPHQL_PARTIAL:
                return False  # answered by the GraphQL branch, with one alias failed
            case Fault.SECONDARY_RATE_LIMIT:
                self._json(403, {"message": _SECONDARY_MESSAGE}, headers={"Retry-After": str(injection.retry_after)})
            case Fault.PRIMARY_EXHAUSTED:
                reset = str(int(self.fake.reset_at().timestamp()))
                message = {"message": "API rate limit exceeded for 127.0.0.1.", "documentation_url": _DOCS}
                self._json(403, message, remaining=0, headers={"x-ratelimit-reset": reset})
            case Fault.GRAPHQL_RATE_LIMITED:
                error = {"type": "RATE_LIMITED", "message": "API rate limit already exceeded for user ID 1."}
                self._json(200, {"data": None, "errors": [error]}, remaining=0, resource="graphql")
            case _:
                return self._transport_fault(injection, self.fake.slow_seconds)
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
        extra = {**self._rate_headers(remaining, resource), "ETag": etag(data), **(headers or {})}
        self._send(status, json.dumps(data).encode(), "application/json; charset=utf-8", extra)

    def _rate_headers(self, remaining: int | None, resource: str = "core") -> dict[str, str]:
        fake = self.fake
        left = fake.rate_limit - fake.rate_used if remaining is None else remaining
        return {
            "x-ratelimit-limit": str(fake.rate_limit),
            "x-ratelimit-remaining": str(max(left, 0)),
            "x-ratelimit-reset": str(int(fake.reset_at().timestamp())),
            "x-ratelimit-used": str(fake.rate_used),
            "x-ratelimit-resource": resource,
        }


class RegistryHandler(FaultyHandler):
    """Answers one connection's requests as PyPI and a Helm repository do, from a `FakeRegistries`."""

    fake: FakeRegistries

    def __init__(self, fake: FakeRegistries, *args: Any) -> None:
        self.fake = fake
        super().__init__(*args)

    def do_GET(self) -> None:
        """Answer a GET: a fault if one is injected, a redirect, else the index (cut, gzipped as told)."""
        with self.fake.in_flight.answering():
            self._get()

    def _get(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        self.fake.requests.append(RecordedRequest("GET", path, accept=self.headers.get("Accept", "")))
        if self.fake.latency:
            time.sleep(self.fake.latency)
        if self._fault(path):
            return
        if moved := re.match(r"^/moved/([^/]+)/index\.yaml$", path):
            self.send_response(301)
            self.send_header("Location", f"{self.fake.url}/helm/{moved.group(1)}/index.yaml")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._answer(path)

    def _fault(self, path: str) -> bool:
        """Answer with the fault this request (of *path*) meets, if any; False: answer normally."""
        injection = self.fake.take_fault(is_graphql=False, route=route_of("GET", path))
        if injection is not None and injection.fault is Fault.SECONDARY_RATE_LIMIT:
            retry = {"Retry-After": str(injection.retry_after)} if injection.retry_after > 0 else {}
            self._send(403, b'{"message": "Forbidden: rate limit exceeded"}', "application/json", retry)
            return True
        return injection is not None and self._transport_fault(injection, self.fake.slow_seconds)

    def _answer(self, path: str) -> None:
        fake = self.fake
        status, whole, kind = fake.answer(path, self.headers.get("Accept", ""))
        body = fake.cut(whole) if status == 200 and path.startswith("/helm/") else whole
        current = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'
        if status == 200 and self.headers.get("If-None-Match") == current:
            fake.not_modified += 1
            self._send(304, b"", kind, {"ETag": current, "Vary": "Accept"})
            return
        headers = {"ETag": current, "Vary": "Accept"}
        short = fake.cut_index_short and len(body) < len(whole)
        if fake.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
            body, whole = gzip.compress(body, mtime=0), gzip.compress(whole, mtime=0)
            headers["Content-Encoding"] = "gzip"
        if short:
            self._send_short(status, body, kind, len(whole), headers)
        else:
            self._send(status, body, kind, headers)

    def _send_short(self, status: int, body: bytes, kind: str, length: int, headers: dict[str, str]) -> None:
        """Send *body* under a Content-Length of *length* (longer), then close the connection."""
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(length))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True
