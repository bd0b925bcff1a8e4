"""Where releases are published: the PyPI JSON API and Helm repository indexes.

`RegistryReader` reads what a plan's sources need over HTTP: for a PyPI project, the
project document lists the versions and the per-version endpoint confirms, for each version
that could satisfy a release, its files and which are yanked; for a Helm chart, the
repository's ``index.yaml`` (redirects followed). With a
`ResponseCache`, every GET is conditional on the ETag of
the answer kept from an earlier read. What cannot be read is an
`Unknown` with the reason, never an exception.

Only a whole answer is believed. The HTTP layer (`release_gate.sources._http`) asks again
for a body cut short or that does not parse, for a 5xx, a 429 and a 403 rate limit, within the
read's budget, and ends the read of an index that asks for a wait over
`MAX_WAIT`. Here, a Helm index must have ``apiVersion``,
``entries`` and ``generated`` (which Helm writes after the entries, so a file cut short has
none) and every entry of the chart its ``name``, ``version`` and ``created``; a PyPI project
whose two documents disagree about a candidate (files in one, none or a 404 in the other, or
other yanks) is asked again, and is unknown if they still disagree.

`LiveStateProvider` joins it to the GitHub provider.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

import yaml

from release_gate._version import __version__
from release_gate.plan.model import Repo, Source
from release_gate.sources._http import BACKOFF, Format, Http, HttpError, NotParsedError, Response, Service, at_once
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

__all__ = ["INDEXES", "RegistryReader"]

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there: indexes are big


INDEXES = Service(
    name="the index",
    reads="the package indexes",
    address="the index's URL in the plan (published.pypi_index, published.helm.index)",
    redirects=True,  # a moved Helm index is followed
    netrc=True,  # a private index may take the credentials ~/.netrc has for it
)
"""PyPI and Helm indexes, as the HTTP layer names them and reads them."""


def _json(answer: Response) -> Any:
    return json.loads(answer.body) if answer.status == 200 else None


def _yaml(answer: Response) -> Any:
    if answer.status != 200:
        return None
    try:
        return yaml.load(answer.body, Loader=_LOADER)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from None


_JSON = Format("JSON", _json)
_YAML = Format("YAML", _yaml)


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
        self.progress = progress
        self.cache = cache
        self._http = Http(
            INDEXES,
            timeout=timeout,
            retries=retries,
            budget=budget,
            cache=cache,
            headers={"User-Agent": f"release-gate/{__version__}", "Accept": "application/json"},
        )

    @property
    def requests(self) -> int:
        """The requests sent in the last read (every attempt, 304s included)."""
        return self._http.sent

    def read(self, request: StateRequest, *, halt: threading.Event | None = None) -> dict[str, Registry | Unknown]:
        """Read every registry *request* names, all at once (at most `WORKERS` requests in flight).

        Once *halt* is set, the requests not yet sent are not sent: what they would have read
        is unknown. Progress says how many of the registries are read, as each is.
        """
        self._http.begin(halt)
        entries = list(request.registries)
        done = 0
        lock = threading.Lock()

        def one(source: Source, name: str, url: str) -> Registry | Unknown:
            nonlocal done
            found = self.read_one(source, name, url, request)
            with lock:
                done += 1
                if self.progress is not None:
                    self.progress(f"read {done} of {len(entries)} projects and charts from package indexes")
            return found

        if self.progress is not None and entries:
            self.progress(f"reading {len(entries)} projects and charts from package indexes")
        read = at_once([functools.partial(one, *entry) for entry in entries])
        return {registry_key(source, name): found for (source, name, _), found in zip(entries, read, strict=True)}

    def read_one(self, source: Source, name: str, url: str, request: StateRequest) -> Registry | Unknown:
        """Read one registry entry of *request* (``request.registries`` lists them): a project or a chart."""
        if source is Source.PYPI:
            wants = [(repo, req) for repo, req in request.wants if _publishes(repo, source, name)]
            return self._pypi(name, url, wants)
        return self._helm(name, url)

    def _get(self, url: str, fmt: Format) -> tuple[int, Any]:
        """GET *url* through the HTTP layer: ``(status, body read with fmt)``; raises `HttpError`."""
        answer = self._http.send("GET", url, fmt=fmt)
        return answer.status, answer.parsed

    # -- PyPI -----------------------------------------------------------------------------

    def _pypi(self, name: str, index: str, wants: list[tuple[Repo, VersionRequirement]]) -> Registry | Unknown:
        project = f"{index.rstrip('/')}/{name}"
        try:
            status, document = self._get(f"{project}/json", _JSON)
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
                    status, document = self._get(f"{project}/{version}/json", _JSON)
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
                    self._http.pause(BACKOFF * 2**attempt)
                    status, again = self._get(f"{project}/json", _JSON)
                    listed = _listed(again) if status == 200 else None
                    if listed is None or version not in listed:
                        return Unknown(
                            f"PyPI ({index}) gave no version list with {version} for {name!r} when asked again"
                        )
                    versions[version] = listed[version]
                versions[version] = confirmed or Published(version, None, 0, 0)
        except HttpError as error:
            return Unknown(f"PyPI ({index}) could not be read for {name!r}: {error.problem}")
        except (ValueError, AttributeError, TypeError, RecursionError):
            return Unknown(f"PyPI ({index}) could not be read for {name!r}: the answer is not shaped as PyPI's")
        return Registry(Source.PYPI, name, index, tuple(versions.values()))

    # -- Helm -----------------------------------------------------------------------------

    def _helm(self, chart: str, url: str) -> Registry | Unknown:
        try:
            status, index = self._get(url, _YAML)
        except NotParsedError:  # also a date or number out of range
            return Unknown(f"the Helm index {url} is not YAML")
        except HttpError as error:
            return Unknown(f"the Helm index {url} could not be read: {error.problem}")
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
