"""The one HTTP layer (release_gate.sources._http), against the fakes and a tiny server over real HTTP."""

from __future__ import annotations

import functools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from release_gate import check, load_snapshot
from release_gate.sources import _http
from release_gate.sources._http import Format, Http, HttpError, NotParsedError, NotSentError, Service
from release_gate.sources.cache import ResponseCache
from release_gate.sources.github import GITHUB, GitHubGateClient, GitHubStateProvider, _Connection
from release_gate.sources.registries import INDEXES
from release_gate.testing import FakeGitHub, FakeRegistries, Fault
from tests.conftest import EXAMPLE_STATE, KS
from tests.test_github import MEETING, PLAN, verdicts

JSON = Format("JSON", lambda answer: json.loads(answer.body) if answer.status == 200 else None)
SENTINEL = "ghp_SENTINEL0123456789abcdefABCDEF0123"


def _layer(service: Service = INDEXES, **options: Any) -> Http:
    """Return a layer with short limits: one retry, a 2 s timeout, a 20 s budget."""
    return Http(service, **({"timeout": 2, "retries": 1, "budget": 20.0} | options))


@pytest.fixture
def registries() -> Iterator[FakeRegistries]:
    """Serve the recorded 2018 state's PyPI projects and Helm chart."""
    with FakeRegistries(load_snapshot(EXAMPLE_STATE)) as fake:
        yield fake


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    """Serve the recorded 2018 state's REST API (no GraphQL schema needed)."""
    with FakeGitHub(load_snapshot(EXAMPLE_STATE)) as fake:
        yield fake


def _project(fake: FakeRegistries) -> str:
    return f"{fake.pypi_index}/jupyterhub/json"


def _raised(layer: Http, url: str, **kwargs: Any) -> HttpError:
    with pytest.raises(HttpError) as raised:
        layer.send("GET", url, **kwargs)
    return raised.value


# -- retries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault.SERVER_ERROR,
        Fault.BAD_GATEWAY,
        Fault.TOO_MANY_REQUESTS,
        Fault.RESET,
        Fault.TRUNCATED,
        Fault.MALFORMED_JSON,
    ],
    ids=str,
)
def test_a_fault_once_is_asked_again_and_read(registries: FakeRegistries, fault: Fault) -> None:
    """A 5xx, a 429, a reset, a body cut short or that does not parse, once: asked again, and the answer is read."""
    registries.inject(fault, times=1)
    layer = _layer()
    answer = layer.send("GET", _project(registries), fmt=JSON)
    assert answer.status == 200
    assert answer.parsed["info"]["name"] == "jupyterhub"
    assert layer.sent == len(registries.requests) == 2


@pytest.mark.parametrize(
    ("fault", "problem", "down"),
    [
        (Fault.SERVICE_UNAVAILABLE, "the index kept failing after the retries", True),
        (Fault.TOO_MANY_REQUESTS, "rate limited", True),
        (Fault.RESET, "the connection broke off, again after the retries", True),
        (Fault.TRUNCATED, "the index's answer was cut short, again after the retries", False),
        (Fault.MALFORMED_JSON, "the index's answer was not valid JSON", False),
    ],
    ids=str,
)
def test_a_fault_that_lasts_ends_saying_what_and_what_to_do(
    registries: FakeRegistries, fault: Fault, problem: str, down: bool
) -> None:
    """A lasting fault ends after the retries saying what and what to do; a failing host is not asked again."""
    registries.inject(fault, times=None)
    layer = _layer()
    error = _raised(layer, _project(registries), fmt=JSON)
    assert (error.problem, bool(error.hint)) == (problem, True)
    assert isinstance(error, NotParsedError) == (fault is Fault.MALFORMED_JSON)
    assert len(registries.requests) == 2
    again = _raised(layer, _project(registries), fmt=JSON)
    assert again.problem.startswith("not asked: 127.0.0.1:") == down
    assert len(registries.requests) == (2 if down else 4)
    layer.begin()  # a new read asks every host again
    _raised(layer, _project(registries), fmt=JSON)
    assert len(registries.requests) == (4 if down else 6)


def test_a_forbidden_answer_is_given_back_not_asked_again(github: FakeGitHub) -> None:
    """A 403 that is not a rate limit, and a 404, are answers: given back at once, for the caller to read."""
    github.rest_answers["GET", f"/repos/{KS}"] = (403, {"message": "Resource not accessible by integration"})
    layer = _layer(GITHUB)
    assert layer.send("GET", f"{github.url}/repos/{KS}").status == 403
    assert layer.send("GET", f"{github.url}/repos/{KS}/issues/99999").status == 404
    assert len(github.requests) == 2


def test_no_answer_in_time_and_no_host_say_so(registries: FakeRegistries) -> None:
    """A slow answer past the timeout, a name that does not resolve and a closed port each say what to check."""
    registries.slow_seconds = 1.5
    registries.inject(Fault.SLOW, times=None)
    slow = _raised(_layer(timeout=0.5, retries=0), _project(registries))
    assert (slow.problem, slow.hint) == ("the index did not answer in time", "Try again later, or raise --timeout")
    unresolved = _raised(_layer(retries=0), "http://no-such-index.test/pypi/x/json")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    refused = _raised(_layer(retries=0), f"http://127.0.0.1:{port}/pypi/x/json")
    for error in (unresolved, refused):
        assert error.problem == "cannot connect"
        assert error.hint == f"Check the network and {INDEXES.address}"


# -- waits and the budget --------------------------------------------------------------------------


def test_a_wait_within_the_longest_is_waited_for(registries: FakeRegistries) -> None:
    """A 429 asking to wait 1 s is waited for, then asked again and read."""
    registries.inject(Fault.TOO_MANY_REQUESTS, times=1, retry_after=1)
    started = time.monotonic()
    assert _layer().send("GET", _project(registries)).status == 200
    assert time.monotonic() - started >= 1.0


def test_a_wait_past_the_longest_ends_the_source_at_once(registries: FakeRegistries) -> None:
    """A 429 asking to wait 59 s is not waited for: one request, and the host is not asked again in the read."""
    registries.inject(Fault.TOO_MANY_REQUESTS, times=None, retry_after=59)
    layer = _layer()
    started = time.monotonic()
    error = _raised(layer, _project(registries))
    assert time.monotonic() - started < 2
    assert error.problem == "rate limited; the index asks to wait 59 s; release-gate waits at most 30 s"
    assert "failed earlier in this read (rate limited; the index asks" in _raised(layer, _project(registries)).problem
    assert len(registries.requests) == 1


def test_an_exhausted_rate_limit_ends_at_once_naming_its_reset(github: FakeGitHub) -> None:
    """GitHub's 403 with no requests left until the reset an hour away ends at once, saying when it resets."""
    github.inject(Fault.PRIMARY_EXHAUSTED, times=None)
    error = _raised(_layer(GITHUB), f"{github.url}/repos/{KS}")
    assert error.problem.startswith("rate limited; it resets at ")
    assert error.problem.endswith(" UTC")
    assert error.hint == GITHUB.limit_hint
    assert len(github.requests) == 1


def test_a_rate_limit_that_names_no_wait_follows_the_service(registries: FakeRegistries) -> None:
    """A 403 rate limit naming no wait: GitHub asks for a minute (past the longest wait); an index is asked again."""
    registries.inject(Fault.SECONDARY_RATE_LIMIT, times=None, retry_after=0)
    github = _raised(_layer(GITHUB), _project(registries))
    assert github.problem == "rate limited; GitHub asks to wait 60 s; release-gate waits at most 30 s"
    assert len(registries.requests) == 1
    index = _raised(_layer(INDEXES), _project(registries))
    assert index.problem == "rate limited: the index kept asking to wait"
    assert len(registries.requests) == 3


def test_waits_and_backoffs_count_in_the_budget(registries: FakeRegistries) -> None:
    """No wait is begun, and no request sent, past the read's budget; each says so."""
    registries.inject(Fault.TOO_MANY_REQUESTS, times=None, retry_after=5)
    started = time.monotonic()
    asked = _raised(_layer(budget=2.0), _project(registries))
    assert time.monotonic() - started < 2
    assert asked.problem == "rate limited; the index asks to wait 5 s, past the 2 s budget of the package indexes"
    registries.clear_faults()
    registries.inject(Fault.SERVER_ERROR, times=None)
    layer = _layer(budget=0.2)
    layer.begin()
    backoff = _raised(layer, _project(registries))
    assert backoff.problem == "not asked again: the package indexes would take longer than 0 s in all"
    layer.begin()
    time.sleep(0.3)
    sent = len(registries.requests)
    spent = _raised(layer, _project(registries))
    assert spent.problem == "not asked: the package indexes took longer than 0 s in all"
    assert len(registries.requests) == sent


# -- limits ----------------------------------------------------------------------------------------


def test_an_answer_past_the_size_limit_is_not_read_to_its_end(
    registries: FakeRegistries, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer larger than MAX_ANSWER ends that request (never asked again); the host is still asked."""
    monkeypatch.setattr(_http, "MAX_ANSWER", 100)
    layer = _layer()
    error = _raised(layer, _project(registries))
    assert error.problem == f"{_project(registries)} answered more than 0 MiB; release-gate stops there"
    assert layer.send("GET", f"{registries.url}/nothing-here").status == 404
    assert len(registries.requests) == 2


class _OddLength(BaseHTTPRequestHandler):
    """Answers every GET with a Content-Length that is not a number, then closes the connection."""

    def do_GET(self) -> None:
        """Answer as a broken proxy might."""
        self.send_response(200)
        self.send_header("Content-Length", "about 40")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b'{"info": {}}')

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Stay quiet."""


def test_an_unreadable_content_length_is_not_a_whole_answer() -> None:
    """An answer whose Content-Length is not a number is asked again, then cut short, saying what it announced."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OddLength)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        error = _raised(_layer(), f"http://127.0.0.1:{server.server_address[1]}/x")
    finally:
        server.shutdown()
        server.server_close()
    assert error.problem == (
        "the index's answer was cut short (an unreadable Content-Length, 'about 40'), again after the retries"
    )


# -- requests at once ------------------------------------------------------------------------------


def test_at_once_gives_the_results_in_order_and_says_the_first_failure_of_its_own() -> None:
    """Calls run at once give their results in order; a failure stops the others and the first own error is raised."""

    def answer(n: int) -> int:
        time.sleep(0.01 * (10 - n))  # the first ends last
        return n

    assert _http.at_once([functools.partial(answer, n) for n in range(10)]) == list(range(10))
    stopped = threading.Event()

    def fails(problem: str, error: type[HttpError] = HttpError) -> Any:
        def call() -> None:
            time.sleep(0.1 if error is HttpError else 0)  # the one that only follows comes first
            raise error(problem, "hint")

        return call

    calls: list[Callable[[], Any]] = [lambda: 1, fails("after", NotSentError), fails("its own"), fails("later")]
    with pytest.raises(HttpError) as raised:
        _http.at_once(calls, stop=stopped.set)
    assert (raised.value.problem, stopped.is_set()) == ("its own", True)


def test_a_stopped_read_sends_nothing_more_and_waits_no_longer(registries: FakeRegistries) -> None:
    """Once a read is stopped, no request is sent and a wait before asking again ends at once, saying so."""
    layer = _layer()
    layer.begin()
    threading.Timer(0.2, layer.stop).start()
    started = time.monotonic()
    with pytest.raises(NotSentError) as waited:
        layer.pause(5.0)
    assert time.monotonic() - started < 1
    assert waited.value.problem == "not asked again: the read of the package indexes was stopped"
    stopped = _raised(layer, _project(registries))
    assert (type(stopped), stopped.problem) == (NotSentError, "not asked: the read of the package indexes was stopped")
    assert registries.requests == []
    layer.begin()  # a new read sends again
    assert layer.send("GET", _project(registries)).status == 200


def test_a_request_is_not_asked_again_once_another_found_its_host_failing(
    registries: FakeRegistries, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests to a failing host at once: once one gives up on the host, the other is not asked again."""
    monkeypatch.setattr(_http, "BACKOFF", 1.0)
    registries.inject(Fault.SERVICE_UNAVAILABLE, times=None)
    layer = _layer()  # one retry: asked at 0 s and 1 s, then the host has failed
    layer.begin()

    def later() -> HttpError:
        time.sleep(0.5)  # asked at 0.5 s, and would be again at 1.5 s
        return _raised(layer, _project(registries))

    calls: list[Callable[[], HttpError]] = [functools.partial(_raised, layer, _project(registries)), later]
    first, second = _http.at_once(calls)
    assert first.problem == "the index kept failing after the retries"
    assert isinstance(second, NotSentError)
    assert second.problem.endswith("failed earlier in this read (the index kept failing after the retries)")
    assert len(registries.requests) == 3


# -- the answer cache, redirects, credentials ----------------------------------------------------


def test_an_answer_is_kept_and_replayed_on_304(registries: FakeRegistries, tmp_path: Path) -> None:
    """A GET with an ETag is kept; asked again, the 304 gives back the kept body and headers."""
    cache = ResponseCache(tmp_path)
    layer = _layer(cache=cache)
    first = layer.send("GET", _project(registries), fmt=JSON)
    second = layer.send("GET", _project(registries), fmt=JSON)
    assert (second.status, second.body, second.parsed) == (200, first.body, first.parsed)
    assert second.headers["content-type"] == "application/json"
    assert (cache.stored, cache.revalidated, registries.not_modified) == (1, 1, 1)


def test_a_post_is_never_kept(github: FakeGitHub, tmp_path: Path) -> None:
    """A POST (a commit status; GraphQL too) is sent every time and never kept in the cache."""
    cache = ResponseCache(tmp_path / "c")
    layer = _layer(GITHUB, cache=cache)
    body = json.dumps({"state": "pending", "context": "release-gate"})
    headers = {"Authorization": f"token {github.token}", "Content-Type": "application/json"}
    url = f"{github.url}/repos/{KS}/statuses/{'2' * 40}"
    for _ in range(2):
        assert layer.send("POST", url, headers=headers, data=body).status == 201
    assert len(github.statuses) == 2
    assert (cache.stored, list(tmp_path.glob("c/*"))) == (0, [])


def test_redirects_are_followed_only_for_a_service_that_says_so(registries: FakeRegistries) -> None:
    """A moved Helm index is followed for the indexes; GitHub's redirects are PyGithub's to follow."""
    moved = f"{registries.url}/moved/jupyterhub/index.yaml"
    assert _layer(INDEXES).send("GET", moved).status == 200
    assert _layer(GITHUB).send("GET", moved).status == 301


def test_netrc_credentials_never_go_to_github(
    github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Credentials ~/.netrc has for the host are sent to an index (a private mirror), never to GitHub."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password secret\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    github.token = None  # any credentials are taken
    _layer(GITHUB).send("GET", f"{github.url}/repos/{KS}")
    _layer(INDEXES).send("GET", f"{github.url}/repos/{KS}")
    assert [r.authorized for r in github.requests] == [False, True]


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.PRIMARY_EXHAUSTED, Fault.RESET, Fault.SLOW], ids=str)
def test_what_went_wrong_never_shows_the_token(github: FakeGitHub, fault: Fault) -> None:
    """The problem and hint of a request that carried a token never show it, in any form."""
    github.token, github.slow_seconds = SENTINEL, 1.5
    github.inject(fault, times=None)
    error = _raised(
        _layer(GITHUB, timeout=1), f"{github.url}/repos/{KS}", headers={"Authorization": f"token {SENTINEL}"}
    )
    assert SENTINEL not in f"{error} {error.problem} {error.hint} {error!r}"
    assert github.requests[0].authorized


# -- PyGithub drives, the layer sends ---------------------------------------------------------------


def test_pygithub_sends_every_request_through_the_layer(github: FakeGitHub) -> None:
    """PyGithub builds its connections from the layer's (a private attribute: this fails if a release renames it)."""
    provider = GitHubStateProvider(base_url=github.url, retries=1, clock=lambda: MEETING)
    requester = provider._github.requester
    for name in ("_Requester__connectionClass", "_Requester__httpConnectionClass", "_Requester__httpsConnectionClass"):
        built = vars(requester)[name]
        assert isinstance(built, functools.partial)
        assert (built.func, built.args[0]) == (_Connection, provider._http)
    whole = check(PLAN, provider)
    first = len(github.requests)
    assert provider._http.sent == first > 5
    github.inject(Fault.RESET, times=1)
    again = check(PLAN, provider)
    assert verdicts(again) == verdicts(whole)
    assert provider._http.sent == len(github.requests) - first == first + 1  # the layer asked again, PyGithub did not


def test_the_gate_client_sends_through_the_layer_with_a_budget_per_call(github: FakeGitHub) -> None:
    """The gate's client retries through the layer, and each call has its own budget."""
    client = GitHubGateClient(token=github.token, base_url=github.url, retries=1, budget=1.0)
    github.inject(Fault.SERVER_ERROR, times=1)
    assert client.labels(KS, 205) == client.labels(KS, 205)
    time.sleep(1.1)  # past the budget of a call, not of the next one
    assert client.permission(KS, "consideRatio") == "read"
    assert len(github.requests) == 4
