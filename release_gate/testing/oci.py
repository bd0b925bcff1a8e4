"""A fake OCI registry with its token service, Docker Hub's tag API and Quay's tag history, on 127.0.0.1.

`FakeOci` answers as a registry of the distribution API does to an anonymous client:
every ``/v2/`` request without a token it issued for that repository gets a 401 with a
``WWW-Authenticate: Bearer realm=…,service=…,scope=…`` challenge; ``GET /token`` issues an
opaque token per scope (``token`` and ``access_token``, ``expires_in``); ``HEAD`` (and GET)
``/v2/PATH/manifests/TAG`` answer 200 with ``Docker-Content-Digest`` and the manifest's type
and length, 404 for a tag the repository does not have (and for a tag holding an OCI index
when the OCI types are not in ``Accept``), and, for a repository it does not have or that is
`private`, a 401 even with a token (Docker Hub's answer) or a 404 ``NAME_UNKNOWN``
(`missing_status`). ``GET /v2/PATH/tags/list`` lists the tags. Push times: Docker Hub's
``GET /v2/namespaces/NS/repositories/REPO/tags/TAG`` (``tag_last_pushed``) and Quay's
``GET /api/v1/repository/NS/REPO/tag/?specificTag=TAG`` (lifetimes with ``start_ts`` and
``end_ts``). Put it in a `RegistryReader`'s ``oci_roots`` (``{"docker.io": fake.url}``) to
stand for Docker Hub or Quay, or name it in an image (``127.0.0.1:PORT/org/image:{version}``)
as any registry. `inject` fails requests as the other fakes do; `tokens` are the tokens it
issued (a test looks for them where none may be); `requests` records every request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from release_gate.testing.server import FaultInjection, FaultyHandler, HandlerClass, RecordedRequest, Served, route_of
from release_gate.times import iso_time

__all__ = ["DOCKER_V2", "OCI_INDEX", "FakeOci", "FakeTag"]

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
_SERVICE = "fake-registry"


@dataclass(frozen=True, slots=True)
class FakeTag:
    """One tag of an image on the fake."""

    pushed: dt.datetime | None = None
    """When it was last pushed (``None``: the date APIs do not know it)."""
    media_type: str = DOCKER_V2
    ended: tuple[tuple[dt.datetime, dt.datetime], ...] = ()
    """Earlier lifetimes of the tag (Quay's history): ``(start, end)``."""

    @property
    def manifest(self) -> bytes:
        """The manifest's bytes (only their length and digest are ever served on a HEAD)."""
        return json.dumps({"schemaVersion": 2, "mediaType": self.media_type, "pushed": str(self.pushed)}).encode()

    @property
    def digest(self) -> str:
        """The manifest's digest, as ``Docker-Content-Digest`` names it."""
        return "sha256:" + hashlib.sha256(self.manifest).hexdigest()


class FakeOci(Served, FaultInjection):
    """A fake container registry and token service; see the module doc."""

    def __init__(self) -> None:
        super().__init__()
        self.images: dict[str, dict[str, FakeTag]] = {}
        """Repositories by path, each its tags."""
        self.private: set[str] = set()
        """Repositories that exist but answer an anonymous client as if they did not."""
        self.missing_status = 401
        """How a repository it does not have (or a private one) answers with a token: 401 (Docker Hub) or 404."""
        self.scope_in_challenge = True
        """Name the scope in the challenge (Quay leaves it out)."""
        self.challenge: str | None = None
        """A ``WWW-Authenticate`` to send instead of the Bearer challenge (``Basic realm=...``)."""
        self.token_status = 200
        """How the token service answers."""
        self.token_body: Any = None
        """What the token service sends instead of a token (``{}``: no token)."""
        self.realm: str | None = None
        """The realm to name instead of this server's ``/token``."""
        self.hub_dates = True
        """Answer Docker Hub's tag API."""
        self.quay_dates = True
        """Answer Quay's tag history."""
        self.tokens: list[str] = []
        """Every token issued."""
        self.requests: list[RecordedRequest] = []
        self.slow_seconds = 5.0
        self._scopes: dict[str, str] = {}

    thread_name = "fake-oci"

    def handler(self) -> HandlerClass:
        """Return the handler class of the fake registry."""
        return _Handler

    @property
    def url(self) -> str:
        """The server's root URL (``http://127.0.0.1:PORT``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        """The host an image reference names it by (``127.0.0.1:PORT``)."""
        return self.url.removeprefix("http://")

    def push(self, path: str, tag: str, pushed: dt.datetime | None = None, **kw: Any) -> FakeTag:
        """Push *tag* of repository *path* (made if new); return it."""
        made = FakeTag(pushed, **kw)
        self.images.setdefault(path, {})[tag] = made
        return made

    def manifest_gets(self) -> list[RecordedRequest]:
        """Return the GETs of a manifest received (a pull on Docker Hub: release-gate sends none)."""
        return [r for r in self.requests if r.method == "GET" and "/manifests/" in r.path]

    # -- answers ----------------------------------------------------------------------------

    def issue(self, query: Mapping[str, list[str]]) -> tuple[int, bytes, dict[str, str]]:
        """Answer the token service: an opaque token for the scope asked."""
        if self.token_status != 200:
            return self.token_status, b'{"details": "no"}', {}
        if self.token_body is not None:
            return 200, json.dumps(self.token_body).encode(), {}
        scope = query.get("scope", [""])[0]
        if query.get("service", [_SERVICE])[0] != _SERVICE:
            return 400, b'{"details": "unknown service"}', {}
        token = "fake-oci-" + secrets.token_urlsafe(24)
        with self.lock:
            self.tokens.append(token)
            self._scopes[token] = scope
        issued = iso_time(dt.datetime.now(dt.UTC))
        body = {"token": token, "access_token": token, "expires_in": 300, "issued_at": issued}
        return 200, json.dumps(body).encode(), {}

    def allowed(self, authorization: str, path: str) -> bool:
        """Whether *authorization* carries a token issued for pulling *path*."""
        token = authorization.removeprefix("Bearer ").strip()
        with self.lock:
            return authorization.startswith("Bearer ") and self._scopes.get(token) == f"repository:{path}:pull"

    def challenge_for(self, path: str) -> str:
        """Return the ``WWW-Authenticate`` of a 401 for *path*."""
        if self.challenge is not None:
            return self.challenge
        realm = self.realm or f"{self.url}/token"
        scope = f',scope="repository:{path}:pull"' if self.scope_in_challenge and path else ""
        return f'Bearer realm="{realm}",service="{_SERVICE}"{scope}'

    def hub_tag(self, path: str, tag: str) -> tuple[int, bytes, dict[str, str]]:
        """Answer Docker Hub's tag API."""
        found = self.images.get(path, {}).get(tag) if path not in self.private else None
        if not self.hub_dates or found is None:
            return 404, b'{"message": "httperror 404: tag not found", "errinfo": {}}', {}
        pushed = iso_time(found.pushed) if found.pushed else None
        body = {"name": tag, "digest": found.digest, "tag_status": "active", "tag_last_pushed": pushed}
        return 200, json.dumps(body).encode(), {}

    def quay_tags(self, path: str, tag: str) -> tuple[int, bytes, dict[str, str]]:
        """Answer Quay's tag history: each lifetime of *tag*, the current one without ``end_ts``."""
        if not self.quay_dates or path not in self.images or path in self.private:
            return 404, b'{"detail": "Not Found"}', {}
        found = self.images[path].get(tag)
        lifetimes: list[dict[str, Any]] = []
        if found is not None:
            lifetimes.extend(
                {"name": tag, "start_ts": int(start.timestamp()), "end_ts": int(end.timestamp())}
                for start, end in found.ended
            )
            if found.pushed is not None:
                lifetimes.append(
                    {"name": tag, "start_ts": int(found.pushed.timestamp()), "manifest_digest": found.digest}
                )
        return 200, json.dumps({"tags": lifetimes, "page": 1, "has_additional": False}).encode(), {}


class _Handler(FaultyHandler):
    """Answers one connection's requests as a registry, its token service and its date APIs do."""

    fake: FakeOci

    def __init__(self, fake: FakeOci, *args: Any) -> None:
        self.fake = fake
        super().__init__(*args)

    def do_GET(self) -> None:  # noqa: N802 - the stdlib names it
        """Answer a GET."""
        with self.fake.in_flight.answering():
            self._answer()

    def do_HEAD(self) -> None:  # noqa: N802 - the stdlib names it
        """Answer a HEAD: a GET's status and headers, no body."""
        with self.fake.in_flight.answering():
            self._answer()

    def _send(self, status: int, payload: bytes, content_type: str, headers: Mapping[str, str] | None = None) -> None:
        if self.command != "HEAD":
            super()._send(status, payload, content_type, headers)
            return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))  # the GET's length, as registries send it
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def _answer(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        authorization = self.headers.get("Authorization", "")
        with self.fake.lock:
            self.fake.requests.append(
                RecordedRequest(
                    self.command,
                    parts.path,
                    parts.query,
                    authorized=bool(authorization),
                    accept=self.headers.get("Accept", ""),
                )
            )
        injection = self.fake.take_fault(is_graphql=False, route=route_of(self.command, parts.path, parts.query))
        if injection is not None:
            if self.command == "HEAD":
                self.close_connection = True
            if self._transport_fault(injection, self.fake.slow_seconds):
                return
        status, body, headers = self._route(parts.path, urllib.parse.parse_qs(parts.query), authorization)
        kind = headers.pop("Content-Type", "application/json")
        self._send(status, body, kind, headers)

    def _route(
        self, path: str, query: Mapping[str, list[str]], authorization: str
    ) -> tuple[int, bytes, dict[str, str]]:
        fake = self.fake
        if path == "/token":
            return fake.issue(query)
        if match := re.fullmatch(r"/v2/namespaces/([^/]+)/repositories/([^/]+)/tags/([^/]+)", path):
            return fake.hub_tag(f"{match.group(1)}/{match.group(2)}", urllib.parse.unquote(match.group(3)))
        if match := re.fullmatch(r"/api/v1/repository/([^/]+)/([^/]+)/tag/", path):
            return fake.quay_tags(f"{match.group(1)}/{match.group(2)}", query.get("specificTag", [""])[0])
        if match := re.fullmatch(r"/v2/(.+)/(manifests/[^/]+|tags/list)", path):
            return self._registry(match.group(1), urllib.parse.unquote(match.group(2)), authorization)
        if path == "/v2/":
            return 401, b'{"errors": [{"code": "UNAUTHORIZED"}]}', {"WWW-Authenticate": fake.challenge_for("")}
        return 404, b'{"errors": [{"code": "NOT_FOUND"}]}', {}

    def _registry(self, name: str, what: str, authorization: str) -> tuple[int, bytes, dict[str, str]]:
        fake = self.fake
        unauthorized = b'{"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}'
        challenge = {"WWW-Authenticate": fake.challenge_for(name)}
        if not fake.allowed(authorization, name):
            return 401, unauthorized, challenge
        tags = fake.images.get(name) if name not in fake.private else None
        if tags is None:
            if fake.missing_status == 401:
                return 401, unauthorized, challenge
            return 404, b'{"errors": [{"code": "NAME_UNKNOWN", "message": "repository name not known"}]}', {}
        if what == "tags/list":
            return 200, json.dumps({"name": name, "tags": sorted(tags)}).encode(), {}
        found = tags.get(what.removeprefix("manifests/"))
        accept = self.headers.get("Accept", "")
        if found is None or (found.media_type == OCI_INDEX and OCI_INDEX not in accept):
            return 404, b'{"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]}', {}
        return 200, found.manifest, {"Content-Type": found.media_type, "Docker-Content-Digest": found.digest}
