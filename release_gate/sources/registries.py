"""Where releases are published: package indexes (the Simple API, PyPI's JSON API), npm registries, Helm indexes.

`RegistryReader` reads what a plan's sources need over HTTP, one request per project or
chart: for a PyPI project, the index's Simple API page in its JSON form (PEP 691, with PEP
700's ``versions`` and upload times; yanks per file, PEP 592), or, from an index that does
not answer it (an HTML page, a 404 or 406, another ``Content-Type``), PyPI's JSON API
document (`release_gate.sources.pypi` reads both, and says where an index answers each); for
an npm package, the registry's full package document (`release_gate.sources.npm`); for
a Helm chart, the repository's ``index.yaml`` (redirects followed), of which only that
chart is built (`release_gate.sources.helm_index`). With a `ResponseCache`, every GET is
conditional on the ETag of the answer kept from an earlier read, kept by URL and ``Accept``.
What cannot be read is an `Unknown` with the reason, never an exception.

Only a whole answer is believed. The HTTP layer (`release_gate.sources._http`) asks again
for a body cut short or that does not parse, for a 5xx, a 429 and a 403 rate limit, within the
read's budget, and ends the read of an index that asks for a wait over
`MAX_WAIT`. Here, a Helm index must have ``apiVersion``,
``entries`` and ``generated`` (which Helm writes after the entries, so a file cut short has
none) and every entry of the chart its ``name``, ``version`` and ``created``; a PyPI answer
must be consistent (every file of a version it lists, about the project asked for; see
`release_gate.sources.pypi`).

`LiveStateProvider` joins it to the GitHub provider.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import yaml

from release_gate._version import __version__
from release_gate.plan.model import Repo, Source
from release_gate.sources._http import Format, Http, HttpError, NotParsedError, Response, Service, at_once
from release_gate.sources.cache import ResponseCache
from release_gate.sources.conda import package_url, read_package
from release_gate.sources.helm_index import LOADER, FullLoadNeeded, read_index
from release_gate.sources.npm import FULL, document_url, is_abbreviated, read_document
from release_gate.sources.oci import OciReader
from release_gate.sources.pypi import (
    JSON_API,
    SIMPLE_JSON,
    DoubtfulAnswer,
    UnlistedFile,
    endpoints,
    is_simple_json,
    read_legacy,
    read_simple,
)
from release_gate.state import (
    Published,
    Registry,
    State,
    StateRequest,
    Unknown,
    registry_key,
)
from release_gate.times import parse_time
from release_gate.versions import VersionRequirement, parse_version

__all__ = ["INDEXES", "RegistryReader"]

_HELM_ACCEPT = "application/x-yaml, text/yaml;q=0.9, */*;q=0.8"
"""What a chart index is asked as (GitHub Pages and other static hosts send any file as it is)."""


INDEXES = Service(
    name="the index",
    reads="the package indexes",
    address=(
        "the index's URL in the plan (published.pypi_index, published.npm_registry, published.conda.api, "
        "published.helm.index)"
    ),
    vary=("Accept",),  # one URL of the Simple API answers JSON or HTML as asked: kept apart
    redirects=True,  # a moved Helm index is followed
    netrc=True,  # a private index may take the credentials ~/.netrc has for it
)
"""PyPI and Helm indexes, as the HTTP layer names them and reads them."""


def _json(answer: Response) -> Any:
    return json.loads(answer.body) if answer.status == 200 else None


def _simple_json(answer: Response) -> Any:
    """Read the Simple API's JSON; ``None`` for any other answer (HTML, another type, a 404)."""
    if answer.status != 200 or not is_simple_json(answer.headers.get("Content-Type")):
        return None
    return json.loads(answer.body)


def _helm_index(chart: str) -> Format:
    """Read a Helm index for *chart* (only its entries are built; the whole file when that could differ)."""

    def read(answer: Response) -> Any:
        if answer.status != 200:
            return None
        try:
            try:
                return read_index(answer.body, chart)
            except FullLoadNeeded:
                return yaml.load(answer.body, Loader=LOADER)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)
        except yaml.YAMLError as error:
            raise ValueError(str(error)) from None

    return Format("YAML", read)


_JSON = Format("JSON", _json)
_SIMPLE = Format("JSON", _simple_json)


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
        oci_roots: Mapping[str, str] | None = None,
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
            headers={"User-Agent": f"release-gate/{__version__}", "Accept": JSON_API},
        )
        self._images = OciReader(
            timeout=timeout,
            retries=retries,
            budget=budget,
            headers={"User-Agent": f"release-gate/{__version__}"},
            roots=oci_roots or {},
        )
        """Container images (`release_gate.sources.oci`); *oci_roots* puts a known registry elsewhere (a fake)."""

    @property
    def requests(self) -> int:
        """The requests sent in the last read (every attempt, 304s included), the images' too."""
        return self._http.sent + self._images.requests

    def read_images(
        self, request: StateRequest, state: State, *, halt: threading.Event | None = None
    ) -> dict[str, Registry | Unknown]:
        """Check the images *request*'s releases name, for the versions *state* (everything else, read) shows."""
        if not request.images:
            return {}
        if self.progress is not None:
            self.progress(f"checking the images of {len(request.images)} releases")
        return self._images.read(request.images, state, as_of=request.as_of, halt=halt)

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
            dated = request.as_of is not None or request.files_since is not None
            return self._pypi(name, url, wants, dated=dated)
        if source is Source.NPM:
            wants = [(repo, req) for repo, req in request.wants if _publishes(repo, source, name)]
            dated = request.as_of is not None or request.files_since is not None
            return self._npm(name, url, wants, dated=dated)
        if source is Source.CONDA:
            return self._conda(name, url, [repo for repo, _ in request.wants if _publishes(repo, source, name)])
        return self._helm(name, url)

    def _get(self, url: str, fmt: Format, accept: str) -> Response:
        """GET *url* as *accept* through the HTTP layer, read with *fmt*; raises `HttpError`."""
        return self._http.send("GET", url, headers={"Accept": accept}, fmt=fmt)

    # -- PyPI -----------------------------------------------------------------------------

    def _pypi(
        self, name: str, index: str, wants: list[tuple[Repo, VersionRequirement]], *, dated: bool
    ) -> Registry | Unknown:
        """Read a project from its Simple API page (PEP 691 JSON), or from the JSON API of an index without one."""
        where = endpoints(index)

        def candidate(version: str) -> bool:
            return _could_satisfy(version, wants)

        read: dict[str, Any] = {"candidate": candidate, "dated": dated}

        def attempt() -> Registry | Unknown:
            simple = None
            if (url := where.simple_url(name)) is not None:
                simple = self._get(url, _SIMPLE, SIMPLE_JSON)
                if simple.status == 200 and is_simple_json(simple.headers.get("Content-Type")):
                    try:
                        return Registry(Source.PYPI, name, index, read_simple(simple.parsed, name, **read))
                    except UnlistedFile as unlisted:  # which release a file is of: the JSON API knows
                        return self._pypi_json_api(name, index, unlisted, read)
                if simple.status == 404 and index.rstrip("/") == where.simple:
                    return _no_project(index, name)  # the API the plan names has none: no other is asked
                if simple.status not in (200, 404, 406):
                    return Unknown(f"PyPI ({index}) answered {simple.status} for {name!r}")
            url = where.legacy_url(name)
            if url is None:
                assert simple is not None  # endpoints() names at least one API
                return _without_json(index, name, simple, asked_json_api=False)
            answer = self._get(url, _JSON, JSON_API)
            if answer.status == 404:
                return _no_project(index, name) if simple is None else _without_json(index, name, simple)
            if answer.status != 200:
                return Unknown(f"PyPI ({index}) answered {answer.status} for {name!r}")
            return Registry(Source.PYPI, name, index, read_legacy(answer.parsed, name, **read))

        return _guarded(f"PyPI ({index})", name, "PyPI's", attempt)

    def _pypi_json_api(self, name: str, index: str, unlisted: UnlistedFile, read: dict[str, Any]) -> Registry | Unknown:
        """Read *name* from the JSON API when its Simple API page has a file of an unlisted version.

        Believed only when the two agree: every version the JSON API gives files is one the
        Simple API lists (else the index contradicts itself, and the project is unknown).
        """
        url = endpoints(index).legacy_url(name)
        if url is None:
            return Unknown(f"PyPI ({index}) could not be read for {name!r}: {unlisted.reason}")
        answer = self._get(url, _JSON, JSON_API)
        if answer.status != 200:
            return Unknown(f"PyPI ({index}) could not be read for {name!r}: {unlisted.reason}")
        versions = read_legacy(answer.parsed, name, **read)
        extra = sorted(p.version for p in versions if p.files and p.version not in set(unlisted.listed))
        if extra:
            return Unknown(
                f"PyPI ({index}) contradicts itself for {name!r}: its JSON API has files of {', '.join(extra[:3])}, "
                "which its Simple API does not list"
            )
        return Registry(Source.PYPI, name, index, versions)

    # -- npm ------------------------------------------------------------------------------

    def _npm(
        self, name: str, registry: str, wants: list[tuple[Repo, VersionRequirement]], *, dated: bool
    ) -> Registry | Unknown:
        """Read a package from its full package document (one GET, asked as JSON: never the abbreviated form)."""
        where = f"npm ({registry})"

        def candidate(version: str) -> bool:
            return _could_satisfy(version, wants)

        def attempt() -> Registry | Unknown:
            answer = self._get(document_url(registry, name), _JSON, FULL)
            if answer.status == 404:
                return Unknown(f"{where} has no package {name!r}; check published.npm in the plan")
            if answer.status in (401, 403):
                return Unknown(
                    f"{where} refused to read {name!r} ({answer.status}): a private package needs the registry's "
                    "credentials in ~/.netrc"
                )
            if answer.status != 200:
                return Unknown(f"{where} answered {answer.status} for {name!r}")
            if is_abbreviated(answer.headers.get("Content-Type")):
                return Unknown(f"{where} answered the abbreviated package document for {name!r}, which has no times")
            versions = read_document(answer.parsed, name, candidate=candidate, dated=dated)
            return Registry(Source.NPM, name, registry, versions)

        return _guarded(where, name, "npm's", attempt)

    # -- conda ----------------------------------------------------------------------------

    def _conda(self, place: str, api: str, packagings: list[Repo]) -> Registry | Unknown:
        """Read a conda package from anaconda.org's package document (one GET); *place* is ``CHANNEL/NAME``."""
        channel, _, name = place.partition("/")
        where = f"the conda channel {channel} ({api})"
        labels = {repo.conda.labels for repo in packagings if repo.conda is not None} or {("main",)}
        if len(labels) > 1:
            counted = " and ".join(sorted(", ".join(each) for each in labels))
            return Unknown(
                f"the plan counts different labels of {place} ({counted}); give every release of it the same "
                "published.conda.labels"
            )

        def attempt() -> Registry | Unknown:
            answer = self._get(package_url(api, place), _JSON, "application/json")
            if answer.status == 404:
                return Unknown(f"{where} has no package {name!r}; check published.conda.name in the plan")
            if answer.status != 200:
                return Unknown(f"{where} answered {answer.status} for {name!r}")
            return Registry(Source.CONDA, place, api, read_package(answer.parsed, place, labels.pop()))

        return _guarded(where, name, "anaconda.org's", attempt)

    # -- Helm -----------------------------------------------------------------------------

    def _helm(self, chart: str, url: str) -> Registry | Unknown:
        try:
            answer = self._get(url, _helm_index(chart), _HELM_ACCEPT)
            status, index = answer.status, answer.parsed
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


def _no_project(index: str, name: str) -> Unknown:
    return Unknown(f"PyPI ({index}) has no project {name!r}; check published.pypi in the plan")


def _without_json(index: str, name: str, simple: Response, *, asked_json_api: bool = True) -> Unknown:
    """Say that the Simple API answered *simple*, not its JSON (PEP 691), and no JSON API answered either."""
    if simple.status == 404:
        return _no_project(index, name)
    what = str(simple.headers.get("Content-Type") or "no Content-Type")
    what = "406 Not Acceptable" if simple.status == 406 else what
    instead = "its JSON API has no such project" if asked_json_api else "release-gate knows no JSON API there"
    return Unknown(
        f"PyPI ({index}) does not answer the Simple API's JSON (PEP 691) for {name!r}: it answered {what[:80]}, "
        f"and {instead}; release-gate reads the Simple API's JSON or PyPI's JSON API"
    )


def _guarded(where: str, name: str, shape: str, attempt: Callable[[], Registry | Unknown]) -> Registry | Unknown:
    """Run one index reader's *attempt*; whatever goes wrong on the way is an `Unknown` saying so, never an exception.

    The HTTP layer's failures, answers the reader cannot believe (`DoubtfulAnswer`) and answers
    shaped as no index's (*shape* names whose: ``"npm's"``) all end here, for every reader alike.
    """
    try:
        return attempt()
    except HttpError as error:
        return Unknown(f"{where} could not be read for {name!r}: {error.problem}")
    except DoubtfulAnswer as doubt:
        return Unknown(f"{where} could not be read for {name!r}: {doubt.reason}")
    except (ValueError, TypeError, AttributeError, RecursionError):
        return Unknown(f"{where} could not be read for {name!r}: the answer is not shaped as {shape}")


def _publishes(repo: Repo, source: Source, name: str) -> bool:
    """Return whether *repo* (a release's packaging, from ``request.wants``) publishes *name* to *source*."""
    place = repo.place(source)
    return place is not None and registry_key(source, place[0]) == registry_key(source, name)


def _could_satisfy(version: str, wants: Iterable[tuple[Repo, VersionRequirement]]) -> bool:
    for repo, requirement in wants:
        parsed = parse_version(repo.scheme, version)
        if parsed is not None and requirement.check(parsed) is None:
            return True
    return False


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
