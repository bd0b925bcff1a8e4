"""Where releases are published: the PyPI JSON API and Helm repository indexes.

:class:`RegistryReader` reads what a plan's sources need over HTTP (requests, with bounded
retries and a timeout): for a PyPI project, the project document lists the versions and the
per-version endpoint confirms, for each version that could satisfy a release, its files and
which are yanked; for a Helm chart, the repository's ``index.yaml`` (redirects followed,
conditional GET with an ETag when a cache folder is given). What cannot be read is an
:class:`~release_gate.state.Unknown` with the reason, never an exception.

:class:`LiveStateProvider` joins it to the GitHub provider: one ``fetch`` reads everything.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import requests
import yaml
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from release_gate import __version__
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

__all__ = ["LiveStateProvider", "RegistryReader"]

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there: indexes are big


class RegistryReader:
    """Reads PyPI projects and Helm charts; see the module doc."""

    def __init__(
        self,
        *,
        timeout: float = 10,
        retries: int = 2,
        cache_dir: Path | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.timeout = timeout
        self.progress = progress
        self.cache_dir = cache_dir
        self.requests = 0
        self._session = requests.Session()
        self._session.headers["User-Agent"] = f"release-gate/{__version__}"
        retry = Retry(total=retries, backoff_factor=0.5, status_forcelist=(500, 502, 503, 504), allowed_methods={"GET"})
        self._session.mount("http://", HTTPAdapter(max_retries=retry))
        self._session.mount("https://", HTTPAdapter(max_retries=retry))

    def read(self, request: StateRequest) -> dict[str, Registry | Unknown]:
        """Read every registry *request* names."""
        found: dict[str, Registry | Unknown] = {}
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

    def _get(self, url: str, *, conditional: bool = False) -> tuple[int, bytes]:
        """GET *url*: ``(status, body)``; raises requests' exceptions when it cannot be read."""
        headers = {"Accept": "application/json"}
        cached = self._cached(url) if conditional else None
        if cached is not None:
            headers["If-None-Match"] = cached[0]
        self.requests += 1
        response = self._session.get(url, headers=headers, timeout=self.timeout, allow_redirects=True)
        if response.status_code == 304 and cached is not None:
            return 200, cached[1]
        if conditional and response.status_code == 200 and response.headers.get("ETag"):
            self._store(url, response.headers["ETag"], response.content)
        return response.status_code, response.content

    def _cache_path(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".json")

    def _cached(self, url: str) -> tuple[str, bytes] | None:
        path = self._cache_path(url)
        try:
            entry = json.loads(path.read_text(encoding="utf-8")) if path else None
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("url") != url:
            return None
        return str(entry["etag"]), str(entry["body"]).encode()

    def _store(self, url: str, etag: str, body: bytes) -> None:
        path = self._cache_path(url)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps({"url": url, "etag": etag, "body": body.decode("utf-8", "replace")}), encoding="utf-8"
            )
        except OSError:
            pass  # a cache that cannot be written only costs the next run a full download

    # -- PyPI -----------------------------------------------------------------------------

    def _pypi(self, name: str, index: str, wants: list[tuple[Repo, VersionRequirement]]) -> Registry | Unknown:
        project = f"{index.rstrip('/')}/{name}"
        try:
            status, body = self._get(f"{project}/json")
            if status == 404:
                return Unknown(f"PyPI ({index}) has no project {name!r}; check published.pypi in the plan")
            if status != 200:
                return Unknown(f"PyPI ({index}) answered {status} for {name!r}")
            document = json.loads(body)
            releases = document.get("releases")
            if not isinstance(releases, dict):
                return Unknown(f"PyPI ({index}) gave no version list for {name!r}")
            versions = {version: _published(version, files) for version, files in releases.items()}
            for version in versions:
                if not _could_satisfy(version, wants):
                    continue
                # The per-version document is the authority on a candidate's files and yanks.
                status, body = self._get(f"{project}/{version}/json")
                if status == 200:
                    versions[version] = _published(version, json.loads(body).get("urls") or [])
                elif status == 404:
                    versions[version] = Published(version, None, 0, 0)
        except (requests.RequestException, ValueError, AttributeError, TypeError) as error:
            return Unknown(f"PyPI ({index}) could not be read for {name!r}: {_why(error)}")
        return Registry(Source.PYPI, name, index, tuple(versions.values()))

    # -- Helm -----------------------------------------------------------------------------

    def _helm(self, chart: str, url: str) -> Registry | Unknown:
        try:
            status, body = self._get(url, conditional=True)
        except requests.RequestException as error:
            return Unknown(f"the Helm index {url} could not be read: {_why(error)}")
        if status != 200:
            return Unknown(f"the Helm index {url} answered {status}")
        try:
            index = yaml.load(body, Loader=_LOADER)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)
        except yaml.YAMLError:
            return Unknown(f"the Helm index {url} is not YAML")
        entries = index.get("entries") if isinstance(index, dict) else None
        if not isinstance(entries, dict):
            return Unknown(f"{url} is not a Helm repository index (no 'entries')")
        if chart not in entries or not isinstance(entries[chart], list):
            return Unknown(f"the Helm index {url} has no chart {chart!r}; check published.helm.chart in the plan")
        versions = [
            Published(str(entry["version"]), _helm_time(entry.get("created")))
            for entry in entries[chart]
            if isinstance(entry, dict) and entry.get("version") is not None
        ]
        return Registry(Source.HELM, chart, url, tuple(versions))


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


def _published(version: str, files: list[Any]) -> Published:
    """Read a PyPI version from its files: the first upload's time, how many files, how many yanked."""
    times = [t for f in files if isinstance(f, dict) and (t := parse_time(str(f.get("upload_time_iso_8601", ""))))]
    yanked = sum(1 for f in files if isinstance(f, dict) and f.get("yanked"))
    return Published(version, min(times) if times else None, len(files), yanked)


def _helm_time(value: object) -> dt.datetime | None:
    """Read an entry's ``created``: YAML loads it as a datetime, or it stays a string."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return parse_time(value) if isinstance(value, str) else None


def _why(error: BaseException) -> str:
    text = str(error)
    if isinstance(error, requests.exceptions.RetryError):
        status = re.search(r"too many (\d+) error", text)
        return f"it kept failing{f' ({status.group(1)})' if status else ''}, also after the retries"
    if "timed out" in text.lower():
        return "no answer in time"
    if isinstance(error, requests.ConnectionError):
        return "cannot connect"
    if isinstance(error, ValueError):
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
