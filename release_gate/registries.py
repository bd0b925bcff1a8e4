"""Where releases are published: the PyPI JSON API and Helm repository indexes.

:class:`RegistryReader` reads what a plan's sources need over HTTP (requests, with bounded
retries and a timeout): for a PyPI project, the project document lists the versions and the
per-version endpoint confirms, for each version that could satisfy a release, its files and
which are yanked; for a Helm chart, the repository's ``index.yaml`` (redirects followed).
With a :class:`~release_gate.cache.ResponseCache`, every GET is conditional on the ETag of
the answer kept from an earlier read. What cannot be read is an
:class:`~release_gate.state.Unknown` with the reason, never an exception.

:class:`LiveStateProvider` joins it to the GitHub provider: one ``fetch`` reads everything.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import time
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

import requests
import yaml
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from release_gate import __version__
from release_gate.cache import ResponseCache
from release_gate.model import Repo, Source
from release_gate.state import (
    Published,
    ReadStats,
    Registry,
    StateProvider,
    StateRequest,
    Unknown,
    World,
    registry_key,
)
from release_gate.times import parse_time
from release_gate.versions import VersionRequirement, parse_version

__all__ = ["MAX_ANSWER", "LiveStateProvider", "RegistryReader"]

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there: indexes are big


MAX_ANSWER = 64 << 20
"""The most one answer may carry (64 MiB; the largest public Helm indexes are a few MiB)."""


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
        retry = _CappedRetry(
            total=retries, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504), allowed_methods={"GET"}
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

        A body cut short or one that does not parse is asked for again, as often as the
        retries allow (urllib3 retries only what fails before the body); raises requests'
        exceptions or *parse*'s when it still cannot be read.
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
            except (requests.exceptions.ChunkedEncodingError, ValueError, yaml.YAMLError):
                if attempt == self.retries:
                    raise
                time.sleep(0.5 * 2**attempt)
            except _TooLargeError:
                raise  # the answer, not the host, is at fault: other projects there are still asked
            except requests.RequestException as error:
                # A host that fails after the retries is not asked again in this read, so a
                # plan with many projects on one index that is down ends in bounded time.
                self._down[host] = _why(error)
                raise
        raise AssertionError  # pragma: no cover - the loop returns or raises

    def _fetch(self, url: str) -> tuple[int, bytes]:
        """GET *url*: ``(status, body)``; raises requests' exceptions when it cannot be read.

        With a cache, an answer kept from an earlier read is asked for with its ETag, and a
        304 gives the kept body.
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
            if self.cache is not None and answer.status_code == 200 and answer.headers.get("ETag"):
                self.cache.put(url, answer.headers["ETag"], bytes(body), answer.headers)
            return answer.status_code, bytes(body)

    # -- PyPI -----------------------------------------------------------------------------

    def _pypi(self, name: str, index: str, wants: list[tuple[Repo, VersionRequirement]]) -> Registry | Unknown:
        project = f"{index.rstrip('/')}/{name}"
        try:
            status, document = self._get(f"{project}/json", json.loads)
            if status == 404:
                return Unknown(f"PyPI ({index}) has no project {name!r}; check published.pypi in the plan")
            if status != 200:
                return Unknown(f"PyPI ({index}) answered {status} for {name!r}")
            releases = document.get("releases")
            if not isinstance(releases, dict):
                return Unknown(f"PyPI ({index}) gave no version list for {name!r}")
            versions = {version: _published(version, files) for version, files in releases.items()}
            for version in versions:
                if not _could_satisfy(version, wants):
                    continue
                # The per-version document is the authority on a candidate's files and yanks.
                status, document = self._get(f"{project}/{version}/json", json.loads)
                if status == 200:
                    versions[version] = _published(version, document.get("urls") or [])
                elif status == 404:
                    versions[version] = Published(version, None, 0, 0)
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
        if chart not in entries or not isinstance(entries[chart], list):
            return Unknown(f"the Helm index {url} has no chart {chart!r}; check published.helm.chart in the plan")
        versions = [
            Published(str(entry["version"]), _helm_time(entry.get("created")))
            for entry in entries[chart]
            if isinstance(entry, dict) and isinstance(entry.get("version"), str | int | float)
        ]
        return Registry(Source.HELM, chart, url, tuple(versions))


def _yaml(body: bytes) -> Any:
    return yaml.load(body, Loader=_LOADER)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)


class _CappedRetry(Retry):
    """urllib3's Retry, honouring Retry-After only up to a minute (urllib3 would sleep any)."""

    MAX_WAIT = 60.0

    def get_retry_after(self, response: Any) -> float | None:
        wait = super().get_retry_after(response)
        return None if wait is None else min(wait, self.MAX_WAIT)


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


class _GaveUpError(requests.RequestException):
    """A read skipped because its host already failed in this read, or the budget is spent."""


class _TooLargeError(_GaveUpError):
    """An answer past :data:`MAX_ANSWER`, not read to its end."""


def _why(error: BaseException) -> str:
    if isinstance(error, _GaveUpError):
        return str(error)
    text = str(error)
    if isinstance(error, requests.exceptions.RetryError):
        status = re.search(r"too many (\d+) error", text)
        return f"it kept failing{f' ({status.group(1)})' if status else ''}, also after the retries"
    if "timed out" in text.lower():
        return "no answer in time"
    if isinstance(error, requests.ConnectionError):
        return "cannot connect"
    if isinstance(error, ValueError | RecursionError):
        return "the answer is not valid JSON"
    return type(error).__name__


class LiveStateProvider:
    """GitHub plus the package indexes and chart repositories the plan publishes to."""

    def __init__(self, github: StateProvider, registries: RegistryReader) -> None:
        self.github = github
        self.registries = registries

    def fetch(self, request: StateRequest) -> World:
        """Read GitHub, then every registry; the read's cost counts both."""
        world = self.github.fetch(request)
        self.registries.requests = 0
        found = self.registries.read(request)
        stats = world.stats or ReadStats()
        stats = dataclasses.replace(stats, registry_requests=self.registries.requests)
        return dataclasses.replace(world, registries=found, stats=stats)
