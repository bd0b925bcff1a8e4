"""A fake package index (the Simple API, PyPI's JSON API) and Helm repository serving a state's registries."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import html
import json
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from packaging.utils import canonicalize_name

from release_gate.plan.model import Source
from release_gate.state import Published, Registry, State, registry_key
from release_gate.testing.server import FaultInjection, HandlerClass, RecordedRequest, RegistryHandler, Served
from release_gate.testing.view import iso
from release_gate.times import iso_time

__all__ = ["NPM_ABBREVIATED", "SIMPLE_JSON", "CondaFile", "FakeRegistries", "PackageFile", "SimpleApi", "pypi_history"]

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
"""The content type of the Simple API's JSON form (PEP 691), major version 1."""
_NOT_FOUND = 404, b'{"message": "Not Found"}', "application/json"
_NPM_NOT_FOUND = 404, b'{"error":"Not found"}', "application/json"
_CONDA_NOT_FOUND = 404, b'{"error": "could not be found"}', "application/json"
NPM_ABBREVIATED = "application/vnd.npm.install-v1+json"
"""The abbreviated package document's content type (what ``npm install`` asks for): no ``time``."""
_HISTORY = Path(__file__).with_name("pypi_history.json")


class SimpleApi(enum.StrEnum):
    """How the fake index answers its Simple API (``/simple/NAME/``)."""

    JSON = "json"
    """PEP 691 JSON to a client that asks for it (``Accept``), else PEP 503 HTML, as PyPI does."""
    HTML_ONLY = "html-only"
    """PEP 503 HTML whatever is asked, as an index without PEP 691 does."""
    NOT_ACCEPTABLE = "406"
    """406 Not Acceptable to a client that asks for JSON only."""
    ABSENT = "absent"
    """404: an index that serves only the JSON API (``/pypi/NAME/json``)."""


@dataclass(frozen=True, slots=True)
class PackageFile:
    """One file of a version on the fake index."""

    filename: str
    uploaded: str | None
    """Its upload time as the index writes it (``None``: not recorded)."""
    yanked: bool | str = False
    """``True``, or the reason it was yanked; ``False``: not yanked."""


def pypi_history() -> dict[str, dict[str, list[PackageFile]]]:
    """Return the founding plan's projects as PyPI had them on 2026-12-05: project -> version -> files.

    Every version and file, from ``release_gate/testing/pypi_history.json`` (file names, upload
    times and yanks as PyPI serves them; hashes, URLs and sizes left out). Put it in
    `FakeRegistries.releases` to serve today's history.
    """
    data = json.loads(_HISTORY.read_text(encoding="utf-8"))
    return {
        project: {version: [PackageFile(*entry) for entry in files] for version, files in versions.items()}
        for project, versions in data.items()
        if not project.startswith("_")
    }


class FakeRegistries(Served, FaultInjection):
    """A fake package index and Helm repository, serving a State's registries on 127.0.0.1.

    The index answers the Simple API at ``/simple/NAME/`` (PEP 691 JSON with PEP 700's
    ``versions`` and ``upload-time``, or PEP 503 HTML, as `simple` says) and PyPI's JSON API at
    ``/pypi/NAME/json`` (every version, with its files: a version may have none, some files are
    yanked). Each Helm chart is served at ``/helm/CHART/index.yaml`` as Helm writes it (keys
    in alphabetical order, so ``generated`` comes after ``entries`` and each entry's
    ``version`` last; entries unsorted, as a file on GitHub Pages is; ``ETag`` and ``304`` on
    ``If-None-Match``), and ``/moved/CHART/index.yaml`` redirects there. `inject` fails
    requests as any HTTP server can (5xx, 429, malformed or truncated bodies, resets, slow
    answers); `Fault.SECONDARY_RATE_LIMIT` is a 403 that says "rate limit exceeded" (with
    ``Retry-After`` unless ``retry_after=0``). `pypi_index`, `simple_index` and `helm_index`
    are the URLs to put in a plan; `releases` serves projects file by file (`pypi_history`);
    `edit_simple` and `edit_legacy` change a document before it is served; `extra_entries`
    adds raw index entries (dev builds, entries that are not SemVer) and `index_texts` serves a
    chart's index as given; `broken_index` serves a body that is not YAML; `cut_index` and
    `cut_index_short` serve an index cut short; `gzip` compresses answers.

    An npm registry answers at `npm_registry` (``/npm/NAME``, a scoped name as ``@scope/name``,
    ``@scope%2Fname``, ``@scope%2fname`` or ``%40scope%2Fname``): the full package document
    of each npm package in the state (``versions``, with each version's ``deprecated``
    message; ``time`` with ``created``, ``modified`` and every dated version; ``dist-tags``),
    or the abbreviated one (no ``time``) to a client that asks for it, as the registry does;
    ``ETag`` and ``304``; ``{"error":"Not found"}`` for a package it does not have;
    `npm_unpublished` packages as a registry shows a package whose every version was
    unpublished; `edit_npm` changes a document before it is served.

    anaconda.org's API answers at `conda_api` (``/conda/package/CHANNEL/NAME``): the package
    document of each conda package in the state (``CHANNEL/NAME``), one ``main`` file per
    platform a version has (at its first upload) and one ``broken`` file per file not counted
    (``yanked``), or the files of `conda_files` as given (any labels); ``latest_version`` is
    the first version, stale as anaconda.org's often is; 404 for a package it does not have;
    `edit_conda` changes a document before it is served.
    """

    def __init__(self, state: State, *, latency: float = 0.0) -> None:
        super().__init__()
        self.state = state
        self.latency = latency
        self.requests: list[RecordedRequest] = []
        self.simple = SimpleApi.JSON
        """How the Simple API answers (see `SimpleApi`)."""
        self.json_api = True
        """Serve PyPI's JSON API (``/pypi/NAME/json``); ``False``: 404, as an index with the Simple API only."""
        self.api_version = "1.1"
        """The ``meta.api-version`` of the Simple API's JSON; ``1.0`` leaves out PEP 700's fields."""
        self.releases: dict[str, dict[str, list[PackageFile]]] = {}
        """Projects served file by file (by name, as PEP 503 compares them), instead of from the state."""
        self.edit_simple: Callable[[dict[str, Any]], Any] | None = None
        """Called with each Simple API JSON document; what it returns is served."""
        self.edit_legacy: Callable[[dict[str, Any]], Any] | None = None
        """Called with each JSON API document; what it returns is served."""
        self.edit_npm: Callable[[dict[str, Any]], Any] | None = None
        """Called with each npm package document (full or abbreviated); what it returns is served."""
        self.npm_unpublished: set[str] = set()
        """npm packages served as unpublished: a document with ``time.unpublished`` and no ``versions``."""
        self.conda_files: dict[str, list[CondaFile]] = {}
        """conda packages served file by file (by ``CHANNEL/NAME``), instead of from the state."""
        self.edit_conda: Callable[[dict[str, Any]], Any] | None = None
        """Called with each anaconda.org package document; what it returns is served."""
        self.extra_entries: dict[str, list[dict[str, Any]]] = {}
        self.index_texts: dict[str, bytes] = {}
        """Chart indexes served as these bytes, by chart (instead of written from the state)."""
        self.broken_index = False
        self.cut_index: int | str | None = None
        """Serve each chart index cut short, with a Content-Length that matches the cut body (so
        HTTP sees a whole answer, as after an interrupted upload or a proxy that cut it): an
        ``int`` keeps that many whole entries of the chart, as written, and drops the rest and
        ``generated`` (a cut at an entry boundary); a ``str`` cuts right after the first
        occurrence of that text (``"version: 0.7.0"`` cuts ``version: 0.7.0-15e87d6``)."""
        self.cut_index_short = False
        """With `cut_index`, announce the Content-Length of the whole index but send only
        the cut body, then close the connection: a body shorter than its Content-Length."""
        self.gzip = False
        """Send answers gzip-compressed (``Content-Encoding: gzip``, Content-Length of the
        compressed bytes) to clients that accept it, as GitHub Pages and PyPI do."""
        self.down = False
        """Answer 503 to everything (an index that is down)."""
        self.slow_seconds = 5.0
        """How late a `Fault.SLOW` answer comes."""
        self.not_modified = 0
        """GETs answered 304 Not Modified."""
        self.host = "127.0.0.1"
        """The host its URLs name (it listens on 127.0.0.1; tests may resolve another name to it)."""

    thread_name = "fake-registries"

    def handler(self) -> HandlerClass:
        """Return the handler class of the fake indexes."""
        return RegistryHandler

    @property
    def url(self) -> str:
        """The server's root URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def pypi_index(self) -> str:
        """The JSON API root, as plans name PyPI's (``https://pypi.org/pypi``), for ``published.pypi_index``."""
        return f"{self.url}/pypi"

    @property
    def simple_index(self) -> str:
        """The Simple API's base, as pip names PyPI's (``https://pypi.org/simple``), for ``published.pypi_index``."""
        return f"{self.url}/simple"

    @property
    def npm_registry(self) -> str:
        """The npm registry's root, as plans name npm's (https://registry.npmjs.org), for ``published.npm_registry``."""
        return f"{self.url}/npm"

    @property
    def conda_api(self) -> str:
        """anaconda.org's API root, as plans name it (https://api.anaconda.org), for ``published.conda.api``."""
        return f"{self.url}/conda"

    def helm_index(self, chart: str) -> str:
        """Return the ``index.yaml`` URL to put in ``published.helm.index``."""
        return f"{self.url}/helm/{chart}/index.yaml"

    def example_plan(self) -> str:
        """Return the built-in example plan's text with its PyPI and Helm URLs pointing here."""
        from release_gate.examples import PLAN, example_path  # noqa: PLC0415 - only this needs it

        text = example_path(PLAN).read_text(encoding="utf-8")
        text = text.replace("https://jupyterhub.github.io/helm-chart/index.yaml", self.helm_index("jupyterhub"))
        return re.sub(
            r'published = \{ pypi = "([^"]+)" \}',
            rf'published = {{ pypi = "\1", pypi_index = "{self.pypi_index}" }}',
            text,
        )

    def answer(self, path: str, accept: str = "") -> tuple[int, bytes, str]:
        """Answer a GET of *path* asked with *accept*: ``(status, body, content type)``; the whole index, never cut."""
        if self.down:
            return 503, b'{"message": "Service Unavailable"}', "application/json"
        if match := re.match(r"^/\+?simple/([^/]+)/$", path):  # devpi names it +simple
            return self._simple(match.group(1), accept)
        if match := re.match(r"^/pypi/([^/]+)/json$", path):
            return self._legacy(match.group(1)) if self.json_api else _NOT_FOUND
        if match := re.match(r"^/npm/((?:@|%40)[^/%]+(?:/|%2[Ff])[^/]+|[^/@%][^/]*)$", path):
            return self._npm(urllib.parse.unquote(match.group(1)), accept)
        if match := re.match(r"^/conda/package/([^/]+)/([^/]+)$", path):
            return self._conda(urllib.parse.unquote(match.group(1)), urllib.parse.unquote(match.group(2)))
        if match := re.match(r"^/helm/([^/]+)/index\.yaml$", path):
            if self.broken_index:
                return 200, b"entries: [unclosed\n  - : :", "application/x-yaml"
            return self._helm(match.group(1))
        return 404, b"Not Found", "text/plain"

    def _project(self, name: str) -> tuple[str, dict[str, list[PackageFile]]] | None:
        """Return a project's name as its index writes it and its files by version; ``None``: no such project."""
        key = canonicalize_name(name)
        served = {canonicalize_name(project): (project, files) for project, files in self.releases.items()}
        if key in served:
            return served[key]
        registry = self.state.registries.get(registry_key(Source.PYPI, name))
        if not isinstance(registry, Registry):
            return None
        return registry.name, {p.version: _files(registry.name, p) for p in registry.versions}

    def _simple(self, name: str, accept: str) -> tuple[int, bytes, str]:
        """Answer the Simple API's project page: PEP 691 JSON or PEP 503 HTML, as `simple` and *accept* say."""
        if self.simple is SimpleApi.ABSENT:
            return _NOT_FOUND
        wants_json = SIMPLE_JSON in accept or "application/vnd.pypi.simple.latest+json" in accept
        if self.simple is SimpleApi.NOT_ACCEPTABLE and wants_json and "text/html" not in accept:
            return 406, b"Not Acceptable", "text/plain"
        project = self._project(name)
        if project is None:
            return 404, b"<html><body>Not Found</body></html>", "text/html"
        if wants_json and self.simple is SimpleApi.JSON:
            document = _simple_document(*project, api_version=self.api_version)
            if self.edit_simple is not None:
                document = self.edit_simple(document)
            return 200, json.dumps(document).encode(), SIMPLE_JSON
        return 200, _simple_page(*project).encode(), "text/html"

    def _legacy(self, name: str) -> tuple[int, bytes, str]:
        """Answer PyPI's JSON API for a project (``/pypi/NAME/json``): every version with its files."""
        project = self._project(name)
        if project is None:
            return _NOT_FOUND
        display, versions = project
        latest = next(reversed(versions), None)
        document: Any = {
            "info": {"name": display, "version": latest},
            "releases": {version: [_legacy_file(f) for f in files] for version, files in versions.items()},
        }
        if self.edit_legacy is not None:
            document = self.edit_legacy(document)
        return 200, json.dumps(document).encode(), "application/json"

    def _npm(self, name: str, accept: str) -> tuple[int, bytes, str]:
        """Answer an npm package document: the full one, or the abbreviated one when *accept* asks for it."""
        registry = self.state.registries.get(registry_key(Source.NPM, name))
        taken = iso_time(self.state.taken_at)
        if name in self.npm_unpublished:
            unpublished = {"time": taken, "versions": [p.version for p in getattr(registry, "versions", ())]}
            document: Any = {
                "_id": name,
                "name": name,
                "time": {"created": taken, "modified": taken, "unpublished": unpublished},
            }
            return 200, json.dumps(document).encode(), "application/json"
        if not isinstance(registry, Registry):
            return _NPM_NOT_FOUND
        abbreviated = NPM_ABBREVIATED in accept
        document = _npm_document(name, registry.versions, taken, abbreviated=abbreviated)
        if self.edit_npm is not None:
            document = self.edit_npm(document)
        kind = NPM_ABBREVIATED if abbreviated else "application/json"
        return 200, json.dumps(document).encode(), kind

    def _conda(self, channel: str, name: str) -> tuple[int, bytes, str]:
        """Answer anaconda.org's package document for *name* in *channel*: every file of every version."""
        place = f"{channel}/{name}"
        files = self.conda_files.get(place)
        if files is None:
            registry = self.state.registries.get(registry_key(Source.CONDA, place))
            if not isinstance(registry, Registry):
                return _CONDA_NOT_FOUND
            files = [f for p in registry.versions for f in _conda_files(p)]
        document: Any = _conda_document(channel, name, files)
        if self.edit_conda is not None:
            document = self.edit_conda(document)
        return 200, json.dumps(document).encode(), "application/json"

    def _helm(self, chart: str) -> tuple[int, bytes, str]:
        """Answer a Helm repository's ``index.yaml`` for *chart*, as Helm writes it and GitHub Pages serves it."""
        if chart in self.index_texts:
            return 200, self.index_texts[chart], "application/x-yaml"
        registry = self.state.registries.get(registry_key(Source.HELM, chart))
        entries = [
            {
                "apiVersion": "v1",
                "name": chart,
                "version": p.version,
                "created": iso(p.date),
                "urls": [f"{chart}-{p.version}.tgz"],
            }
            for p in (registry.versions if isinstance(registry, Registry) else ())
        ]
        entries += self.extra_entries.get(chart, [])
        # GitHub Pages serves the file as written, where entries are not in version order.
        entries.sort(key=lambda e: hashlib.sha1(str(e.get("version")).encode(), usedforsecurity=False).hexdigest())
        index = {
            "apiVersion": "v1",
            "entries": {chart: entries} if isinstance(registry, Registry) else {},
            "generated": iso(self.state.taken_at),
        }
        # Helm writes the keys in alphabetical order: `generated` after `entries`, `version` last.
        return 200, yaml.safe_dump(index, sort_keys=True).encode(), "application/x-yaml"

    def cut(self, body: bytes) -> bytes:
        """Return *body*, an index as `answer` writes it, cut as `cut_index` says."""
        if self.cut_index is None:
            return body
        if isinstance(self.cut_index, str):
            text = self.cut_index.encode()
            at = body.find(text)
            return body if at < 0 else body[: at + len(text)]
        lines = body.splitlines(keepends=True)
        starts = [n for n, line in enumerate(lines) if line.startswith(b"  - ")]  # the chart's entries
        end = next((n for n, line in enumerate(lines) if line.startswith(b"generated:")), len(lines))
        return b"".join(lines[: starts[self.cut_index] if self.cut_index < len(starts) else end])


@dataclass(frozen=True, slots=True)
class CondaFile:
    """One file of a conda package, as anaconda.org lists it."""

    version: str
    subdir: str
    """Its platform: ``linux-64``, ``noarch``."""
    uploaded: dt.datetime
    labels: tuple[str, ...] = ("main",)


def _conda_files(published: Published) -> list[CondaFile]:
    """Return the files a conda version of a state stands for: one counted file per platform, the rest broken."""
    files = [CondaFile(published.version, subdir, when) for subdir, when in published.platforms]
    when = published.date or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    files += [CondaFile(published.version, "noarch", when, ("broken",)) for _ in range(published.yanked)]
    return files


def _conda_document(channel: str, name: str, files: list[CondaFile]) -> dict[str, Any]:
    """Write a package document as anaconda.org's API does (the fields release-gate reads, and a few it does not)."""
    versions = list(dict.fromkeys(f.version for f in files))
    entries = [
        {
            "basename": f"{f.subdir}/{name}-{f.version}-0.conda",
            "labels": list(f.labels),
            "attrs": {"name": name, "version": f.version, "subdir": f.subdir, "build": "0"},
            "full_name": f"{channel}/{name}/{f.version}/{f.subdir}/{name}-{f.version}-0.conda",
            "owner": channel,
            "upload_time": f.uploaded.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00:00"),
            "version": f.version,
            "type": "conda",
        }
        for f in files
    ]
    return {
        "name": name,
        "full_name": f"{channel}/{name}",
        "owner": {"login": channel, "user_type": "org"},
        "files": entries,
        "versions": versions,
        "conda_platforms": sorted({f.subdir for f in files} - {"noarch"}),
        "latest_version": versions[0] if versions else None,
        "html_url": f"http://anaconda.org/{channel}/{name}",
    }


def _npm_document(name: str, versions: tuple[Published, ...], taken: str, *, abbreviated: bool) -> dict[str, Any]:
    """Write a package document as the npm registry does: full (with ``time``) or abbreviated (install-v1)."""
    manifests: dict[str, Any] = {}
    for p in versions:
        manifest: dict[str, Any] = {"name": name, "version": p.version, "dist": {"tarball": f"{name}-{p.version}.tgz"}}
        if p.deprecated:
            manifest["deprecated"] = p.deprecated
        manifests[p.version] = manifest
    finals = [p.version for p in versions if "-" not in p.version]
    tags = {"latest": finals[-1]} if finals else {}
    if abbreviated:
        return {"name": name, "modified": taken, "dist-tags": tags, "versions": manifests}
    dates = [iso_time(p.date) for p in versions if p.date is not None]
    times = {"created": min(dates, default=taken), "modified": taken}
    times.update({p.version: iso_time(p.date) for p in versions if p.date is not None})
    return {"_id": name, "name": name, "dist-tags": tags, "versions": manifests, "time": times}


_WHEEL_TAGS = ("py3-none-any", "py2-none-any")


def _files(name: str, published: Published) -> list[PackageFile]:
    """Files for a version, named as setuptools names them: an sdist, then wheels; the first ``yanked`` yanked."""
    sdist, wheel = name, re.sub(r"[-_.]+", "_", name)
    names = [
        f"{sdist}-{published.version}.tar.gz" if n == 0 else f"{wheel}-{published.version}-{_wheel_tag(n)}.whl"
        for n in range(published.files)
    ]
    uploaded = iso(published.date)
    return [
        PackageFile(filename, uploaded, "broken" if n < published.yanked else False) for n, filename in enumerate(names)
    ]


def _wheel_tag(n: int) -> str:
    return _WHEEL_TAGS[n - 1] if n <= len(_WHEEL_TAGS) else f"cp3{n}-cp3{n}-manylinux_2_17_x86_64"


def _simple_document(name: str, versions: dict[str, list[PackageFile]], *, api_version: str) -> dict[str, Any]:
    """Write a project's page of the Simple API as PEP 691 JSON (with PEP 700's fields from API 1.1 on)."""
    pep700 = api_version != "1.0"
    files = []
    for listed in versions.values():
        for f in listed:
            entry: dict[str, Any] = {
                "filename": f.filename,
                "url": f"../../files/{f.filename}",
                "hashes": {"sha256": hashlib.sha256(f.filename.encode()).hexdigest()},
                "requires-python": None,
                "yanked": f.yanked,
            }
            if pep700:
                entry["size"] = 1000 + len(f.filename)
                if f.uploaded is not None:
                    entry["upload-time"] = f.uploaded
            files.append(entry)
    document: dict[str, Any] = {"meta": {"api-version": api_version}, "name": canonicalize_name(name), "files": files}
    if pep700:
        document["versions"] = list(versions)
    return document


def _simple_page(name: str, versions: dict[str, list[PackageFile]]) -> str:
    """Write a project's page of the Simple API as PEP 503 HTML (one link per file; PEP 592's yanks)."""
    links = "".join(
        f'<a href="/files/{html.escape(f.filename)}"{" data-yanked" if f.yanked else ""}>{html.escape(f.filename)}</a>'
        for files in versions.values()
        for f in files
    )
    title = f"<title>Links for {html.escape(name)}</title>"
    return f"<!DOCTYPE html><html><head>{title}</head><body>{links}</body></html>"


def _legacy_file(f: PackageFile) -> dict[str, Any]:
    """Write a file as PyPI's JSON API lists it (no ``upload_time_iso_8601`` when the upload time is not recorded)."""
    entry: dict[str, Any] = {
        "filename": f.filename,
        "yanked": bool(f.yanked),
        "yanked_reason": f.yanked if isinstance(f.yanked, str) else None,
    }
    if f.uploaded is not None:
        entry["upload_time_iso_8601"] = f.uploaded
    return entry
