"""The one HTTP layer: every request release-gate sends, to GitHub (through PyGithub) or a package index.

`Http` sends one request and gives back a whole answer, or raises `HttpError`,
which says what went wrong and what to do (never a header, so never the token). In one place:

- **Retries.** A 500, 502, 503 or 504, a 429, a 403 that is a rate limit, a connection that
  fails or breaks off, no answer within the timeout, a body cut short (shorter than its
  ``Content-Length``) and a body that does not parse (`Format`) are asked again, up to
  ``retries`` times, after a backoff of 0.5 s, then 1 s, or after the wait the server asks
  for: its ``Retry-After``; for a rate limit that asks none, until it resets if it says it
  has no requests left, else the `Service`'s wait. A wait over ``max_wait``
  (`MAX_WAIT`) ends the read of that source at once, saying so. urllib3's own retries
  are off: this layer is the only one that asks again.
- **The time budget.** No request is sent, and no wait begun, that would pass ``budget``
  seconds since `Http.begin`.
- **Limits.** An answer over `MAX_ANSWER` is not read to its end; one whose length is
  not its ``Content-Length`` is cut short.
- **The answer cache.** With a `ResponseCache`, every GET
  is conditional on the ETag of the answer kept from an earlier read, and a 304 gives the
  kept answer back (POSTs, GraphQL's included, are never kept).
- **HEAD.** A HEAD's answer has no body: none is read, and its ``Content-Length`` (the
  GET's) is not compared with one. HEAD answers are never kept.
- **Hosts that failed.** A host that keeps failing, or asks for a wait past ``max_wait``, is
  not asked again until the next `Http.begin`.
- **Reads at once.** One `Http` may send from several threads at once (`at_once` runs a
  read's requests so, at most `WORKERS` at a time): its count of requests, failed hosts and
  answer cache are kept under a lock, its connections (a pool of `WORKERS` per host) are
  reused, and `Http.stop` ends the requests still to be sent, and the waits between them,
  when one read has failed for good.

A `Service` names the source in messages and sets what differs between sources.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from release_gate.sources.cache import ResponseCache

__all__ = [
    "BACKOFF",
    "MAX_ANSWER",
    "MAX_WAIT",
    "WORKERS",
    "Format",
    "Http",
    "HttpError",
    "NotParsedError",
    "NotSentError",
    "Response",
    "Service",
    "at_once",
    "limited",
    "reset_time",
]

T = TypeVar("T")

MAX_ANSWER = 64 << 20
"""The most one answer may carry (64 MiB; the largest public Helm indexes are a few MiB)."""

MAX_WAIT = 30.0
"""The longest wait a server may ask for (seconds) before the read of that source ends."""

BACKOFF = 0.5
"""Seconds before asking again the first time; doubled each time."""

WORKERS = 6
"""The most requests one source (GitHub; the package indexes) has in flight at once.

Six: what a browser opens to one host, so what servers and CDNs (PyPI's, GitHub Pages')
expect of one client, and far below the 100 concurrent requests GitHub's secondary rate limit
allows. The founding plan needs 1 GitHub query and 5 index documents (4 PyPI projects, 1 Helm
index): all of them in flight together. More threads would only take turns on a small
machine's cores, reading the answers.
"""

_ASK_AGAIN = frozenset({429, 500, 502, 503, 504})
"""Statuses asked again (and a 403 that says it is a rate limit)."""
_RATE_LIMIT = re.compile(rb"rate.?limit|too many requests", re.IGNORECASE)
_SECONDARY = re.compile(rb"secondary rate limit", re.IGNORECASE)
_NO_ROUTE = re.compile(r"refused|resolve|Name or service|NameResolution")
_BROKEN = (requests.exceptions.ConnectionError, requests.exceptions.Timeout, requests.exceptions.ChunkedEncodingError)
"""What fails on the way: asked again."""


@dataclass(frozen=True, slots=True)
class Service:
    """A source as messages name it, and what differs from one source to another."""

    name: str
    """Who answers, in a sentence: ``GitHub``, ``the index``."""
    reads: str
    """What a read's budget covers: ``GitHub``, ``the package indexes``."""
    address: str
    """Where its address is set, for the hint when it cannot be reached."""
    limit_hint: str = "Try again after that"
    """What to do when it rate limits."""
    rate_limit_wait: float | None = None
    """The wait for a rate limit that names none (GitHub asks for a minute); ``None``: the backoff."""
    vary: tuple[str, ...] = ()
    """Request headers its answers vary with, kept in the cache's key with the URL."""
    redirects: bool = False
    """Follow redirects (PyGithub follows GitHub's itself)."""
    netrc: bool = False
    """Send the credentials ``~/.netrc`` has for the host (never with a token of ours)."""


@dataclass(frozen=True, slots=True)
class Response:
    """A whole answer: its status, headers (case-insensitive) and body, and the body as its `Format` reads it."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    parsed: Any = None

    @property
    def text(self) -> str:
        """The body as text (UTF-8, as GitHub and the indexes send JSON)."""
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class Format:
    """How an answer's body is read: *read* raises ValueError (or RecursionError) when it is not one."""

    name: str
    """For messages: ``JSON``, ``YAML``."""
    read: Callable[[Response], Any]


class HttpError(Exception):
    """A request that gave no usable answer: *problem* says what went wrong, *hint* what to do."""

    def __init__(self, problem: str, hint: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint


class NotParsedError(HttpError):
    """An answer whose body its `Format` could not read, also after the retries."""


class NotSentError(HttpError):
    """A request not sent because of another's failure: its host failed earlier in the read, or the read was stopped."""


class _CutShortError(Exception):
    """A body whose length is not its ``Content-Length``."""


class _Again(Exception):  # noqa: N818 - not an error: an attempt to make again
    """An attempt to make again: what to say if it was the last, and the wait the server asked for.

    *down*: the host is at fault (it is not asked again in this read); *too_long*: what to say
    when *wait* is past the longest wait.
    """

    def __init__(
        self, last: HttpError, *, down: bool = False, wait: float | None = None, too_long: HttpError | None = None
    ) -> None:
        super().__init__(last.problem)
        self.last = last
        self.down = down
        self.wait = wait
        self.too_long = too_long


class _NoAuth(requests.auth.AuthBase):
    """No credentials from ``~/.netrc`` (requests adds them when a request has none)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


class Http:
    """Sends requests for one `Service`; see the module doc for what it does with each."""

    def __init__(
        self,
        service: Service,
        *,
        timeout: float,
        retries: int,
        budget: float,
        max_wait: float = MAX_WAIT,
        cache: ResponseCache | None = None,
        headers: Mapping[str, str] | None = None,
        on_send: Callable[[int], None] | None = None,
    ) -> None:
        self.service = service
        self.timeout = timeout
        self.retries = retries
        self.budget = budget
        self.max_wait = max_wait
        self.cache = cache
        self.on_send = on_send
        """Called before each request is sent, with the number sent since `begin`."""
        self.sent = 0
        self._started = time.monotonic()
        self._down: dict[str, HttpError] = {}
        self._lock = threading.Lock()
        """Held while the count of requests or the failed hosts change (requests go from several threads)."""
        self._halt = threading.Event()
        self._session = requests.Session()
        self._session.headers.update(headers or {})
        if not service.netrc:
            self._session.auth = _NoAuth()
        # This layer asks again, knowing the budget and the body; a connection per request in flight is kept.
        adapter = HTTPAdapter(max_retries=0, pool_maxsize=WORKERS)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def begin(self, halt: threading.Event | None = None) -> None:
        """Start a read: its budget's clock, no request sent, no host failed.

        Once *halt* is set (by `stop`, or by whoever gave it), no request of the read is sent
        and no wait goes on: each raises `NotSentError`.
        """
        with self._lock:
            self._started = time.monotonic()
            self.sent = 0
            self._down.clear()
            self._halt = halt if halt is not None else threading.Event()

    def stop(self) -> None:
        """End the read: the requests not yet sent, and the waits before asking again, raise `NotSentError`."""
        self._halt.set()

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        data: Any = None,
        fmt: Format | None = None,
    ) -> Response:
        """Send *method* *url*; return the whole answer, read with *fmt*, or raise `HttpError`.

        Answers that ask to be asked again (500, 502, 503, 504, 429, a 403 rate limit) are never
        returned: after the retries they raise. Every other status is returned, for the caller to read.
        """
        host = urllib.parse.urlsplit(url).netloc
        for attempt in range(self.retries + 1):
            self._may_ask(host)
            try:
                return self._attempt(method, url, headers, data, fmt)
            except _Again as again:
                if again.too_long is not None and again.wait is not None and again.wait > self.max_wait:
                    raise self._fail(host, again.too_long) from None  # a rate limit is the host's
                if attempt == self.retries:
                    raise (self._fail(host, again.last) if again.down else again.last) from None
                if again.wait is None:
                    self.pause(BACKOFF * 2**attempt)
                else:
                    self._wait_asked(again.wait)
        raise AssertionError  # pragma: no cover - the loop returns or raises

    def pause(self, seconds: float) -> None:
        """Wait *seconds* before asking again; raise `HttpError` when that would pass the budget."""
        if self._elapsed() + seconds > self.budget:
            raise HttpError(
                f"not asked again: {self.service.reads} would take longer than {self.budget:.0f} s in all",
                self._slow_hint(),
            )
        self._sleep(seconds)

    def _may_ask(self, host: str) -> None:
        """Raise `NotSentError` when the read was stopped, or *host* failed earlier in it."""
        if self._halt.is_set():
            raise NotSentError(f"not asked: the read of {self.service.reads} was stopped", self._trouble_hint())
        with self._lock:
            failed = self._down.get(host)
        if failed is not None:
            raise NotSentError(f"not asked: {host} failed earlier in this read ({failed.problem})", failed.hint)

    def _sleep(self, seconds: float) -> None:
        """Sleep *seconds*, unless the read is stopped meanwhile (then raise `NotSentError`)."""
        if self._halt.wait(seconds):
            raise NotSentError(f"not asked again: the read of {self.service.reads} was stopped", self._trouble_hint())

    def _parsed(self, answer: Response, fmt: Format) -> Response:
        """Return *answer* read with *fmt*; raise `_Again` when it is not one (last: `NotParsedError`)."""
        try:
            return replace(answer, parsed=fmt.read(answer))
        except (ValueError, RecursionError):
            problem = f"{self.service.name}'s answer was not valid {fmt.name}"
            raise _Again(NotParsedError(problem, self._trouble_hint())) from None

    # -- one attempt ------------------------------------------------------------------------

    def _attempt(
        self, method: str, url: str, headers: Mapping[str, str] | None, data: Any, fmt: Format | None
    ) -> Response:
        if self._elapsed() > self.budget:
            raise HttpError(
                f"not asked: {self.service.reads} took longer than {self.budget:.0f} s in all", self._slow_hint()
            )
        name = self.service.name
        try:
            answer = self._exchange(method, url, headers, data)
        except _CutShortError as error:
            problem = f"{name}'s answer was cut short ({error}), again after the retries"
            raise _Again(HttpError(problem, self._trouble_hint())) from None
        except _BROKEN as error:
            raise self._broken(error) from None
        except requests.RequestException as error:  # a request that cannot be sent as it is
            raise HttpError(f"the request failed ({type(error).__name__})", "Try again later") from None
        if answer.status in _ASK_AGAIN or (answer.status == 403 and _rate_limited(answer)):
            raise self._ask_again(answer)
        return answer if fmt is None else self._parsed(answer, fmt)

    def _exchange(self, method: str, url: str, headers: Mapping[str, str] | None, data: Any) -> Response:
        """Send one request and read its answer: a kept one on a 304, and keep a new one with an ETag."""
        asked = CaseInsensitiveDict(headers or {})
        key = " ".join([url, *(asked.get(name, "") for name in self.service.vary)])
        cache = self.cache if method == "GET" else None
        kept = cache.get(key) if cache is not None else None
        if kept is not None:
            asked["If-None-Match"] = kept.etag
        with self._lock:  # counted, and said, in the order sent
            self.sent += 1
            if self.on_send is not None:
                self.on_send(self.sent)
        with self._session.request(
            method,
            url,
            headers=asked,
            data=data,
            timeout=self.timeout,
            allow_redirects=self.service.redirects,
            stream=True,
        ) as response:
            if response.status_code == 304 and cache is not None and kept is not None:
                with cache.lock:
                    cache.revalidated += 1
                replayed = CaseInsensitiveDict(response.headers)
                replayed.update(kept.headers)
                return Response(200, replayed, kept.body)
            body = b"" if method == "HEAD" else self._body(response, url)
        etag = response.headers.get("ETag")
        if cache is not None and response.status_code == 200 and etag:
            cache.put(key, etag, body, response.headers)
        return Response(response.status_code, response.headers, body)

    def _body(self, response: requests.Response, url: str) -> bytes:
        """Read *response*'s body, up to `MAX_ANSWER` and as long as its ``Content-Length`` says."""
        body = bytearray()
        for chunk in response.iter_content(1 << 16):
            body += chunk
            if len(body) > MAX_ANSWER:
                raise HttpError(
                    f"{url} answered more than {MAX_ANSWER >> 20} MiB; release-gate stops there",
                    f"Check {self.service.address}",
                )
        _check_length(response)
        return bytes(body)

    # -- what to say ------------------------------------------------------------------------

    def _broken(self, error: requests.RequestException) -> _Again:
        """Say what failed on the way (the connection, the time, the body) and whether the host is at fault."""
        name, text = self.service.name, str(error)
        if isinstance(error, requests.exceptions.ChunkedEncodingError):
            return _Again(HttpError(f"{name}'s answer was cut short, again after the retries", self._trouble_hint()))
        if isinstance(error, requests.exceptions.Timeout) or "timed out" in text.lower():
            return _Again(HttpError(f"{name} did not answer in time", "Try again later, or raise --timeout"), down=True)
        if _NO_ROUTE.search(text):
            return _Again(HttpError("cannot connect", f"Check the network and {self.service.address}"), down=True)
        broke = HttpError("the connection broke off, again after the retries", self._trouble_hint())
        return _Again(broke, down=True)

    def _ask_again(self, answer: Response) -> _Again:
        """Say how long to wait before asking again after *answer*, and what to say if it still fails.

        The wait is the ``Retry-After`` asked for; for a rate limit that asks none, until it
        resets if it has no requests left, else the service's wait; else the backoff (``None``).
        """
        service = self.service
        wait = _retry_after(answer.headers.get("Retry-After"))
        reset = None
        if wait is None and _rate_limited(answer):
            if answer.headers.get("X-RateLimit-Remaining") == "0":
                reset = reset_time(answer.headers)
            wait = service.rate_limit_wait
            if reset is not None:  # until it resets, within that second
                wait = max(0.0, (reset - dt.datetime.now(dt.UTC)).total_seconds()) + 1
        too_long = f"rate limited; {service.name} asks to wait {wait or 0:.0f} s"
        too_long = limited(reset) if reset else f"{too_long}; release-gate waits at most {self.max_wait:.0f} s"
        last = self._kept_failing(answer, reset)
        return _Again(last, down=True, wait=wait, too_long=HttpError(too_long, service.limit_hint))

    def _kept_failing(self, answer: Response, reset: dt.datetime | None) -> HttpError:
        """Say what an answer that asks to be asked again means once the retries are spent."""
        name = self.service.name
        if answer.status == 429:
            return HttpError(limited(reset), self.service.limit_hint)
        if answer.status == 403:  # GitHub's secondary rate limits, and an index's 403 that says it limits
            secondary = " (secondary rate limit)" if _SECONDARY.search(answer.body[:4096]) else ""
            return HttpError(f"rate limited: {name} kept asking to wait{secondary}", "Wait a minute and try again")
        return HttpError(f"{name} kept failing after the retries", self._trouble_hint())

    def _wait_asked(self, seconds: float) -> None:
        if self._elapsed() + seconds > self.budget:
            raise HttpError(
                f"rate limited; {self.service.name} asks to wait {seconds:.0f} s, "
                f"past the {self.budget:.0f} s budget of {self.service.reads}",
                self.service.limit_hint,
            )
        self._sleep(seconds)

    def _fail(self, host: str, error: HttpError) -> HttpError:
        """Remember that *host* failed (it is not asked again in this read); return *error*."""
        with self._lock:
            self._down.setdefault(host, error)
        return error

    def _elapsed(self) -> float:
        return time.monotonic() - self._started

    def _trouble_hint(self) -> str:
        return f"{_capital(self.service.name)} may be having trouble; try again later"

    def _slow_hint(self) -> str:
        return f"{_capital(self.service.name)} is slow or failing; try again later"


def at_once(calls: Sequence[Callable[[], T]], *, stop: Callable[[], None] | None = None) -> list[T]:
    """Run *calls* at once, at most `WORKERS` at a time, each in one thread; return their results in order.

    When one raises, *stop* is called (`Http.stop`: the others end at their next request or
    wait) and, once every call has ended, the first error in the order of *calls* is raised:
    one of its own before one that only follows another's (`NotSentError`), so what a failed
    read says does not depend on which thread was faster. A single call runs in this thread.
    """
    if len(calls) <= 1:
        return [call() for call in calls]
    with ThreadPoolExecutor(min(WORKERS, len(calls)), thread_name_prefix="release-gate") as pool:
        futures = [pool.submit(call) for call in calls]
        try:
            for future in as_completed(futures):
                if future.exception() is not None and stop is not None:
                    stop()
        except BaseException:  # interrupted (Ctrl-C): end the others soon, then pass it on
            if stop is not None:
                stop()
            raise
    errors = [error for future in futures if (error := future.exception()) is not None]
    if errors:
        raise next((error for error in errors if not isinstance(error, NotSentError)), errors[0])
    return [future.result() for future in futures]


def limited(reset: dt.datetime | None) -> str:
    """Say that a source is rate limited, and when the limit resets if it is known."""
    return f"rate limited; it resets at {reset:%Y-%m-%d %H:%M:%S} UTC" if reset else "rate limited"


def reset_time(headers: Mapping[str, Any] | None) -> dt.datetime | None:
    """Return when a rate limit resets (``X-RateLimit-Reset``, in seconds since the epoch), if readable."""
    value = {str(k).lower(): v for k, v in (headers or {}).items()}.get("x-ratelimit-reset")
    try:
        return dt.datetime.fromtimestamp(int(float(value)), dt.UTC) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _rate_limited(answer: Response) -> bool:
    """Whether an answer is a rate limit: a 429, or a 403 that asks to wait, has no requests left, or says so."""
    return answer.status == 429 or (
        answer.status == 403
        and (
            answer.headers.get("Retry-After") is not None
            or answer.headers.get("X-RateLimit-Remaining") == "0"
            or _RATE_LIMIT.search(answer.body[:4096]) is not None
        )
    )


def _retry_after(value: str | None) -> float | None:
    """Read a ``Retry-After`` (seconds, or an HTTP date); ``None`` if absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value) if len(value) < 10 else 1e9  # past any wait, however many digits follow
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _check_length(response: requests.Response) -> None:
    """Raise `_CutShortError` when the bytes received are not the ``Content-Length`` announced.

    The bytes counted are those on the wire (``raw.tell()``), so a gzip-compressed answer is
    measured before it is decoded, as its ``Content-Length`` counts it.
    """
    declared = response.headers.get("Content-Length")
    chunked = "chunked" in response.headers.get("Transfer-Encoding", "").lower()
    if declared is None or chunked or response.status_code in (204, 304):
        return
    values = {value.strip() for value in declared.split(",")}
    if len(values) != 1 or not next(iter(values)).isdigit():
        raise _CutShortError(f"an unreadable Content-Length, {declared[:40]!r}")
    expected, received = int(values.pop()), response.raw.tell()
    if received != expected:
        raise _CutShortError(f"{received} of the {expected} bytes announced")
