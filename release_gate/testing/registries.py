"""A fake PyPI JSON API and Helm repository, serving a state's registries over HTTP on 127.0.0.1."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
from typing import Any, Self

import yaml

from release_gate.plan.model import Source
from release_gate.state import Published, Registry, State, registry_key
from release_gate.testing.server import FaultInjection, QuietServer, RecordedRequest, RegistryHandler, serve
from release_gate.testing.view import iso

__all__ = ["FakeRegistries"]

_NOT_FOUND = 404, b'{"message": "Not Found"}', "application/json"


class FakeRegistries(FaultInjection):
    """A fake PyPI JSON API and Helm repository, serving a State's registries on 127.0.0.1.

    PyPI answers ``/pypi/NAME/json`` (every version, with its files: a version may have none,
    some files are yanked) and ``/pypi/NAME/VERSION/json``; each Helm chart is served at
    ``/helm/CHART/index.yaml`` as Helm writes it (keys in alphabetical order, so ``generated``
    comes after ``entries`` and each entry's ``version`` last; entries unsorted, as a file on
    GitHub Pages is; ``ETag`` and ``304`` on ``If-None-Match``), and ``/moved/CHART/index.yaml``
    redirects there. `inject` fails requests as any HTTP server can (5xx, 429,
    malformed or truncated bodies, resets, slow answers); `Fault.SECONDARY_RATE_LIMIT`
    is a 403 that says "rate limit exceeded" (with ``Retry-After`` unless ``retry_after=0``).
    `pypi_index` and `helm_index` are the URLs to put in a plan;
    `extra_entries` adds raw index entries (dev builds, entries that are not SemVer);
    `broken_index` serves a body that is not YAML; `cut_index` and
    `cut_index_short` serve an index cut short; `missing_version_documents`
    makes a mirror without per-version documents; `gzip` compresses answers.
    """

    def __init__(self, state: State, *, latency: float = 0.0) -> None:
        super().__init__()
        self.state = state
        self.latency = latency
        self.requests: list[RecordedRequest] = []
        self.extra_entries: dict[str, list[dict[str, Any]]] = {}
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
        self.missing_version_documents: int | None = 0
        """Answer 404 to this many requests for per-version documents (``/pypi/NAME/VERSION/json``);
        ``None``: to every one, as a mirror that serves only the project documents does."""
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
        self._server: QuietServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        self._server, self._thread = serve(functools.partial(RegistryHandler, self), "fake-registries")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        """The server's root URL."""
        assert self._server is not None, "start the fake first"
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def pypi_index(self) -> str:
        """The JSON API root to put in ``published.pypi_index``."""
        return f"{self.url}/pypi"

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

    def answer(self, path: str) -> tuple[int, bytes, str]:
        """Answer a GET of *path*: ``(status, body, content type)``; the whole index, never cut."""
        if self.down:
            return 503, b'{"message": "Service Unavailable"}', "application/json"
        if match := re.match(r"^/pypi/([^/]+)/(?:([^/]+)/)?json$", path):
            return self._pypi(match.group(1), match.group(2))
        if match := re.match(r"^/helm/([^/]+)/index\.yaml$", path):
            if self.broken_index:
                return 200, b"entries: [unclosed\n  - : :", "application/x-yaml"
            return self._helm(match.group(1))
        return 404, b"Not Found", "text/plain"

    def _pypi(self, name: str, version: str | None) -> tuple[int, bytes, str]:
        """Answer from PyPI's JSON API: the project document, or one version's (*version*)."""
        registry = self.state.registries.get(registry_key(Source.PYPI, name))
        if not isinstance(registry, Registry):
            return _NOT_FOUND
        if version is not None:
            wanted = {p.version: p for p in registry.versions}.get(version)
            if wanted is None or self._version_document_missing():
                return _NOT_FOUND
            info = {"name": registry.name, "version": wanted.version}
            document: dict[str, Any] = {"info": info, "urls": _files(registry.name, wanted)}
        else:
            latest = registry.versions[-1].version if registry.versions else None
            document = {
                "info": {"name": registry.name, "version": latest},
                "releases": {p.version: _files(registry.name, p) for p in registry.versions},
            }
        return 200, json.dumps(document).encode(), "application/json"

    def _helm(self, chart: str) -> tuple[int, bytes, str]:
        """Answer a Helm repository's ``index.yaml`` for *chart*, as Helm writes it and GitHub Pages serves it."""
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

    def _version_document_missing(self) -> bool:
        with self.lock:
            if self.missing_version_documents is None:
                return True
            if self.missing_version_documents > 0:
                self.missing_version_documents -= 1
                return True
            return False

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


def _files(name: str, published: Published) -> list[dict[str, Any]]:
    """PyPI file entries for a version: ``files`` of them, the first ``yanked`` yanked."""
    stem = name.replace("-", "_")
    return [
        {
            "filename": f"{stem}-{published.version}-{n}.tar.gz",
            "upload_time_iso_8601": iso(published.date),
            "yanked": n < published.yanked,
            "yanked_reason": "broken" if n < published.yanked else None,
        }
        for n in range(published.files)
    ]
