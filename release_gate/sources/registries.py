"""Where releases are published: the PyPI JSON API and Helm repository indexes.

:class:`RegistryReader` reads what a plan's sources need over HTTP (requests, with bounded
retries and a timeout): for a PyPI project, the project document lists the versions and the
per-version endpoint confirms, for each version that could satisfy a release, its files and
which are yanked; for a Helm chart, the repository's ``index.yaml`` (redirects followed).
With a :class:`~release_gate.cache.ResponseCache`, every GET is conditional on the ETag of
the answer kept from an earlier read. What cannot be read is an
:class:`~release_gate.state.Unknown` with the reason, never an exception.

Only a whole answer is believed. A body that is not as long as its ``Content-Length`` is
asked for again; a Helm index must have ``apiVersion``, ``entries`` and ``generated`` (which
Helm writes after the entries, so a file cut short has none) and every entry of the chart
its ``name``, ``version`` and ``created``; a PyPI project whose two documents disagree about
a candidate (files in one, none or a 404 in the other, or other yanks) is asked again, and is
unknown if they still disagree. 5xx, 429 and a 403 that says it is a rate limit are asked
again after the backoff or the ``Retry-After`` asked for; a ``Retry-After`` over
:data:`MAX_WAIT`, or one that would pass the read's budget, ends the read of that index at
once.

:class:`~release_gate.sources.live.LiveStateProvider` joins it to the GitHub provider.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import requests
import yaml
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from release_gate._version import __version__
from release_gate.plan.model import Repo, Source
from release_gate.sources.cache import ResponseCache
from release_gate.state import (
    Published,
    Registry,
    StateRequest,
    Unknown,
    registry_key,
)
from release_gate.times import parse_time
from release_gate.versions import VersionRequirement, parse_version

__all__ = ["MAX_ANSWER", "MAX_WAIT", "RegistryReader"]

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there: indexes are big


MAX_ANSWER = 64 << 20
"""The most one answer may carry (64 MiB; the largest public Helm indexes are a few MiB)."""

MAX_WAIT = 30.0
"""The longest ``Retry-After`` waited for (seconds); an index asking for more is not asked again in the read."""

_ASK_AGAIN = frozenset({429, 500, 502, 503, 504})
"""Statuses asked again after a wait (and a 403 that says it is a rate limit)."""
_RATE_LIMIT = re.compile(rb"rate.?limit|too many requests", re.IGNORECASE)


class RegistryReader:
    """Reads PyPI projects and Helm charts; see the module doc."""

    def __init__(
        self,
        *,
        timeout: float = 10,
        retries: int = 2,
        budget: float = 60.0,
        cache: ResponseCache | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.timeout = timeout
        self.retries = retries
        self.budget = budget
        self._started = 0.0
        self.progress = progress
        self.cache = cache
        self.requests = 0
        self._down: dict[str, str] = {}
        """Hosts that failed in this read, and why."""
        self._session = requests.Session()
        self._session.headers["User-Agent"] = f"release-gate/{__version__}"
        # urllib3 retries what fails before an answer (connecting, a timeout, a reset); answers
        # that ask to be asked again are retried in _get, which knows the budget and the body.
        retry = Retry(
            total=retries,
            backoff_factor=0.5,
            status_forcelist=(),
            allowed_methods={"GET"},
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        self._session.mount("http://", HTTPAdapter(max_retries=retry))
        self._session.mount("https://", HTTPAdapter(max_retries=retry))

    def read(self, request: StateRequest) -> dict[str, Registry | Unknown]:
        """Read every registry *request* names."""
        found: dict[str, Registry | Unknown] = {}
        self._down.clear()
        self._started = time.monotonic()
        for source, name, url in request.registries:
            if self.progress is not None:
                self.progress(f"reading {name} ({source}): {self.requests} request(s) to package indexes so far")
            wants = [(repo, req) for repo, req in request.wants if _publishes(repo, source, name)]
            if source is Source.PYPI:
                found[registry_key(source, name)] = self._pypi(name, url, wants)
            else:
                found[registry_key(source, name)] = self._helm(name, url)
        return found

    # -- HTTP -----------------------------------------------------------------------------

    def _get(self, url: str, parse: Callable[[bytes], Any]) -> tuple[int, Any]:
        """GET *url* and parse a 200's body with *parse*: ``(status, parsed)``, ``None`` unless 200.

        A body cut short or one that does not parse, a 5xx, a 429 and a 403 rate limit are
        asked for again, as often as the retries allow (urllib3 retries only what fails before
        an answer), after the backoff or the ``Retry-After`` the index asks for (see
        :meth:`_pause`); raises requests' exceptions or *parse*'s when it still cannot be read.
        """
        host = urllib.parse.urlsplit(url).netloc
        if host in self._down:
            raise _GaveUpError(f"not asked: {host} failed earlier in this read ({self._down[host]})")
        if time.monotonic() - self._started > self.budget:
            raise _GaveUpError(f"not asked: the package indexes took longer than {self.budget:.0f} s in all")
        for attempt in range(self.retries + 1):
            try:
                status, body = self._fetch(url)
                return status, parse(body) if status == 200 else None
            except _AskAgainError as error:
                if attempt == self.retries:
                    self._down[host] = why = f"it kept failing ({error.status}), also after the retries"
                    raise _GaveUpError(why) from None
                if error.wait is None:
                    self._pause(host, 0.5 * 2**attempt)
                else:
                    self._pause(host, error.wait, asked=True)
            except (requests.exceptions.ChunkedEncodingError, ValueError, yaml.YAMLError):
                if attempt == self.retries:
                    raise
                self._pause(host, 0.5 * 2**attempt)
            except _TooLargeError:
                raise  # the answer, not the host, is at fault: other projects there are still asked
            except requests.RequestException as error:
                # A host that fails after the retries is not asked again in this read, so a
                # plan with many projects on one index that is down ends in bounded time.
                self._down[host] = _why(error)
                raise
        raise AssertionError  # pragma: no cover - the loop returns or raises

    def _pause(self, host: str, seconds: float, *, asked: bool = False) -> None:
        """Wait *seconds* before asking *host* again; *asked*: the index asked for it (``Retry-After``).

        A wait over :data:`MAX_WAIT` the index asks for is refused at once (and the host is
        not asked again in this read: a rate limit is the host's); a wait that would pass the
        read's budget is refused too. Both raise :class:`_GaveUpError` saying so.
        """
        if asked and seconds > MAX_WAIT:
            self._down[host] = why = (
                f"the index asks to wait {seconds:.0f} s; release-gate waits at most {MAX_WAIT:.0f} s"
            )
            raise _GaveUpError(why)
        if time.monotonic() - self._started + seconds > self.budget:
            if asked:
                raise _GaveUpError(
                    f"the index asks to wait {seconds:.0f} s, past the package indexes' budget of {self.budget:.0f} s"
                )
            raise _GaveUpError(
                f"not asked again: the package indexes would take longer than {self.budget:.0f} s in all"
            )
        time.sleep(seconds)

    def _fetch(self, url: str) -> tuple[int, bytes]:
        """GET *url*: ``(status, body)``; raises requests' exceptions when it cannot be read.

        With a cache, an answer kept from an earlier read is asked for with its ETag, and a
        304 gives the kept body. A body whose length is not its ``Content-Length`` raises
        :class:`_CutShortError`; an answer that asks to be asked again, :class:`_AskAgainError`.
        """
        headers = {"Accept": "application/json"}
        cached = self.cache.get(url) if self.cache is not None else None
        if cached is not None:
            headers["If-None-Match"] = cached.etag
        self.requests += 1
        with self._session.get(url, headers=headers, timeout=self.timeout, allow_redirects=True, stream=True) as answer:
            if answer.status_code == 304 and cached is not None and self.cache is not None:
                self.cache.revalidated += 1
                return 200, cached.body
            body = bytearray()
            for chunk in answer.iter_content(1 << 16):
                body += chunk
                if len(body) > MAX_ANSWER:
                    raise _TooLargeError(f"{url} answered more than {MAX_ANSWER >> 20} MiB; release-gate stops there")
            _check_length(answer)
            status = answer.status_code
            if status in _ASK_AGAIN or (status == 403 and _rate_limited(answer.headers, bytes(body))):
                raise _AskAgainError(status, _retry_after(answer.headers.get("Retry-After")))
            if self.cache is not None and status == 200 and answer.headers.get("ETag"):
                self.cache.put(url, answer.headers["ETag"], bytes(body), answer.headers)
            return status, bytes(body)

    # -- PyPI -----------------------------------------------------------------------------

    def _pypi(self, name: str, index: str, wants: list[tuple[Repo, VersionRequirement]]) -> Registry | Unknown:
        project = f"{index.rstrip('/')}/{name}"
        try:
            status, document = self._get(f"{project}/json", json.loads)
            if status == 404:
                return Unknown(f"PyPI ({index}) has no project {name!r}; check published.pypi in the plan")
            if status != 200:
                return Unknown(f"PyPI ({index}) answered {status} for {name!r}")
            versions = _listed(document)
            if versions is None:
                return Unknown(f"PyPI ({index}) gave no version list for {name!r}")
            for version in versions:
                if not _could_satisfy(version, wants):
                    continue
                # The per-version document is the authority on a candidate's files and yanks,
                # once it agrees with the project document; if they disagree, both are asked again.
                for attempt in range(self.retries + 1):
                    status, document = self._get(f"{project}/{version}/json", json.loads)
                    if status not in (200, 404):
                        return Unknown(f"PyPI ({index}) answered {status} for {name!r} {version}")
                    confirmed = _published(version, document.get("urls") or []) if status == 200 else None
                    if _agree(versions[version], confirmed):
                        break
                    if attempt == self.retries:
                        return Unknown(
                            f"PyPI ({index}) contradicts itself for {name!r}"
                            f"{', also when asked again' if self.retries else ''}: "
                            f"the project document lists {version} {_listing(versions[version])}, "
                            f"its version document {_confirming(confirmed)}"
                        )
                    self._pause(urllib.parse.urlsplit(project).netloc, 0.5 * 2**attempt)
                    status, again = self._get(f"{project}/json", json.loads)
                    listed = _listed(again) if status == 200 else None
                    if listed is None or version not in listed:
                        return Unknown(
                            f"PyPI ({index}) gave no version list with {version} for {name!r} when asked again"
                        )
                    versions[version] = listed[version]
                versions[version] = confirmed or Published(version, None, 0, 0)
        except (requests.RequestException, ValueError, AttributeError, TypeError, RecursionError) as error:
            return Unknown(f"PyPI ({index}) could not be read for {name!r}: {_why(error)}")
        return Registry(Source.PYPI, name, index, tuple(versions.values()))

    # -- Helm -----------------------------------------------------------------------------

    def _helm(self, chart: str, url: str) -> Registry | Unknown:
        try:
            status, index = self._get(url, _yaml)
        except requests.RequestException as error:
            return Unknown(f"the Helm index {url} could not be read: {_why(error)}")
        except (yaml.YAMLError, ValueError, RecursionError):  # ValueError: a date or number out of range
            return Unknown(f"the Helm index {url} is not YAML")
        if status != 200:
            return Unknown(f"the Helm index {url} answered {status}")
        entries = index.get("entries") if isinstance(index, dict) else None
        if not isinstance(entries, dict):
            return Unknown(f"{url} is not a Helm repository index (no 'entries')")
        if index.get("apiVersion") is None:
            return Unknown(f"the Helm index {url} is not whole: it has no 'apiVersion'")
        if index.get("generated") is None:
            return Unknown(
                f"the Helm index {url} is not whole: it has no 'generated', which Helm writes after the entries, "
                "so the file was cut short"
            )
        if chart not in entries or not isinstance(entries[chart], list):
            return Unknown(f"the Helm index {url} has no chart {chart!r}; check published.helm.chart in the plan")
        versions: list[Published] = []
        for number, entry in enumerate(entries[chart], 1):
            read = _entry(chart, entry)
            if isinstance(read, str):
                return Unknown(f"the Helm index {url} is not whole: entry {number} of chart {chart!r} {read}")
            versions.append(read)
        return Registry(Source.HELM, chart, url, tuple(versions))


def _yaml(body: bytes) -> Any:
    return yaml.load(body, Loader=_LOADER)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)


def _publishes(repo: Repo, source: Source, name: str) -> bool:
    if source is Source.PYPI:
        return repo.pypi is not None and registry_key(source, repo.pypi) == registry_key(source, name)
    return repo.helm is not None and repo.helm.chart == name


def _could_satisfy(version: str, wants: Iterable[tuple[Repo, VersionRequirement]]) -> bool:
    for repo, requirement in wants:
        parsed = parse_version(repo.scheme, version)
        if parsed is not None and requirement.check(parsed) is None:
            return True
    return False


def _published(version: str, files: object) -> Published:
    """Read a PyPI version from its files: the first upload's time, how many files, how many yanked."""
    if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
        raise TypeError(f"the files of {version} are not a list of objects")
    times = [t for f in files if isinstance(f, dict) and (t := parse_time(str(f.get("upload_time_iso_8601", ""))))]
    yanked = sum(1 for f in files if isinstance(f, dict) and f.get("yanked"))
    return Published(version, min(times) if times else None, len(files), yanked)


def _helm_time(value: object) -> dt.datetime | None:
    """Read an entry's ``created``: YAML loads it as a datetime, or it stays a string."""
    if isinstance(value, dt.datetime):
        try:
            return value.astimezone(dt.UTC) if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        except OverflowError:  # 0001-01-01 east of UTC
            return None
    return parse_time(value) if isinstance(value, str) else None


def _entry(chart: str, entry: object) -> Published | str:
    """Read one entry of *chart* in a Helm index; a string says what makes it malformed.

    Helm writes ``name`` (the chart's), ``version`` and ``created`` in every entry.
    """
    if not isinstance(entry, dict):
        return "is not a mapping"
    name, version, created = entry.get("name"), entry.get("version"), entry.get("created")
    if name is None:
        return "has no 'name'"
    if name != chart:
        return f"names the chart {str(name)[:100]!r}"
    if version is None:
        return "has no 'version'"
    if isinstance(version, bool) or not isinstance(version, str | int | float):
        return "has a 'version' that is not a string"
    if created is None:
        return "has no 'created'"
    date = _helm_time(created)
    if date is None:
        return "has a 'created' that is not a time"
    return Published(str(version), date)


def _listed(document: object) -> dict[str, Published] | None:
    """Read a PyPI project document's versions, as it lists them; ``None`` without a version list."""
    releases = document.get("releases") if isinstance(document, dict) else None
    if not isinstance(releases, dict):
        return None
    return {str(version): _published(str(version), files) for version, files in releases.items()}


def _agree(listed: Published, confirmed: Published | None) -> bool:
    """Whether a version's per-version document (``None``: a 404) agrees with the project document's listing."""
    if confirmed is None:
        return listed.files == 0
    return (listed.files > 0) == (confirmed.files > 0) and listed.yanked == confirmed.yanked


def _files_text(published: Published) -> str:
    files = "no files" if published.files == 0 else f"{published.files} file{'s' * (published.files != 1)}"
    return f"{files} ({published.yanked} yanked)" if published.yanked else files


def _listing(published: Published) -> str:
    return f"with {_files_text(published)}"


def _confirming(published: Published | None) -> str:
    return "answers 404" if published is None else f"lists {_files_text(published)}"


def _check_length(answer: requests.Response) -> None:
    """Raise :class:`_CutShortError` when the bytes received are not the ``Content-Length`` announced.

    The bytes counted are those on the wire (``raw.tell()``), so a gzip-compressed answer is
    measured before it is decoded, as its ``Content-Length`` counts it.
    """
    declared = answer.headers.get("Content-Length")
    chunked = "chunked" in answer.headers.get("Transfer-Encoding", "").lower()
    if declared is None or chunked or answer.status_code in (204, 304):
        return
    values = {value.strip() for value in declared.split(",")}
    if len(values) != 1 or not next(iter(values)).isdigit():
        raise _CutShortError(f"the answer has an unreadable Content-Length ({declared[:40]!r})")
    expected, received = int(values.pop()), answer.raw.tell()
    if received != expected:
        raise _CutShortError(f"the answer was cut short: {received} of the {expected} bytes announced")


def _rate_limited(headers: Mapping[str, str], body: bytes) -> bool:
    """Whether a 403 is a rate limit: it asks to wait, says it has no requests left, or says so."""
    return (
        headers.get("Retry-After") is not None
        or headers.get("X-RateLimit-Remaining") == "0"
        or _RATE_LIMIT.search(body[:4096]) is not None
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


class _GaveUpError(requests.RequestException):
    """A read skipped because its host already failed in this read, or the budget is spent."""


class _TooLargeError(_GaveUpError):
    """An answer past :data:`MAX_ANSWER`, not read to its end."""


class _CutShortError(requests.exceptions.ChunkedEncodingError):
    """A body whose length is not its ``Content-Length``."""


class _AskAgainError(requests.RequestException):
    """An answer that asks to be asked again (5xx, 429, a 403 rate limit), with the wait it asks for."""

    def __init__(self, status: int, wait: float | None) -> None:
        super().__init__(f"{status}")
        self.status = status
        self.wait = wait


def _why(error: BaseException) -> str:
    if isinstance(error, _GaveUpError):
        return str(error)
    if isinstance(error, _CutShortError):
        return f"{error}, also after the retries"
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "the answer was cut short, also after the retries"
    text = str(error)
    if "timed out" in text.lower():
        return "no answer in time"
    if isinstance(error, requests.ConnectionError):
        return "cannot connect"
    if isinstance(error, ValueError | RecursionError):
        return "the answer is not valid JSON"
    return type(error).__name__
