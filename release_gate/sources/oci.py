"""Container images on OCI registries (Docker Hub, GHCR, Quay, any registry of the distribution API).

A release that names ``images`` counts only once each image exists at the tag made from the
version its deciding source shows. `OciReader` finds that out after every other source is
read (the tags depend on the versions found): for each such release, the versions that
satisfy it (`candidates`, oldest first, at most `CANDIDATES`), and for each of them each
image's tag, until one version has all its images. An image a values file names
(``PATH#KEY``) is read from the GitHub state at the moment (`values_image`): one tag, the
one written there, whatever the version.

**Existence** is a ``HEAD {registry}/v2/{path}/manifests/{tag}`` with the four manifest media
types in ``Accept`` (`MANIFESTS`; without the OCI ones some registries answer 404 for a tag
that holds an OCI index only). Never a GET of a manifest: on Docker Hub that is a pull, and
anonymous pulls are rationed. A 200 is a present tag (its ``Docker-Content-Digest`` kept); a
404 is an absent tag when the repository answers its tag list (``GET …/tags/list?n=1``, not a
pull), else the image is unknown; a 401 with a fresh token, a 403, or anything else is
unknown: release-gate reads public images only and sends no credentials.

**The anonymous token flow** (the distribution spec's token auth): the first request gets a
401 with ``WWW-Authenticate: Bearer realm=…,service=…,scope=…``; the realm (https, or http on
this machine for a local registry) is asked ``GET realm?service=…&scope=…`` with no
credentials, its ``token`` (or ``access_token``) sent as ``Authorization: Bearer`` from then
on. The token lives in memory for the read of one image only: never cached, never in a
state, a snapshot, a message or an exception.

**Push times**, for ``--as-of``: Docker Hub's tag API (``tag_last_pushed``, the *last* push:
a re-push moves it later, so an earlier moment may miss a tag that was there, never the
other way round); Quay's tag history (the ``start_ts`` of the tag's current lifetime); other
registries (GHCR) give none: the tag is undated, which answers for the moment of the read
but leaves a past moment unknown. A push time that cannot be read leaves the tag undated.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from release_gate.plan.images import DOCKER_HUB, ImageRef
from release_gate.plan.model import Source
from release_gate.sources._http import Format, Http, HttpError, Response, Service
from release_gate.state import ImageWant, Published, Registry, State, Unknown, registry_key, values_image
from release_gate.times import parse_time
from release_gate.versions import Accept, ParsedVersion, Scheme, parse_version

__all__ = ["CANDIDATES", "MANIFESTS", "OCI", "OciReader", "bearer_challenge", "candidates", "roots"]

OCI = Service(
    name="the container registry",
    reads="the container registries",
    address="the image references in the plan (images)",
    redirects=True,  # a token realm or a manifest may be served from elsewhere (requests drops Authorization)
    netrc=False,  # public images only: no credentials are ever sent
)
"""Container registries and their token services, as the HTTP layer names them."""

MANIFESTS = (
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json"
)
"""What a manifest is asked as: every kind an image tag can hold."""
_MANIFEST_TYPES = frozenset(kind.strip() for kind in MANIFESTS.split(","))
"""The ``Content-Type`` of a manifest: an answer with another, and no digest, is no image."""

CANDIDATES = 5
"""The most versions of one release whose images are checked; past them the images are unknown."""

_KNOWN = {
    DOCKER_HUB: ("https://registry-1.docker.io", "https://hub.docker.com", "hub"),
    "quay.io": ("https://quay.io", "https://quay.io", "quay"),
    "ghcr.io": ("https://ghcr.io", "", ""),
}
"""Registries by host: their API root, where push times are read, and how."""

_WORDS = {DOCKER_HUB: "Docker Hub", "quay.io": "Quay", "ghcr.io": "GHCR"}
_NAME = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
_CHALLENGE_ITEM = re.compile(
    rf'[\s,]*(?:(?P<name>{_NAME})\s*=\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^\s,"]*))|(?P<scheme>{_NAME}))'
)
_DIGEST = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[A-Za-z0-9=_-]{32,128}")
_BEARER = re.compile(r"[\x21-\x7e]{1,8192}")
"""What a token may look like to be sent in a header (printable, no spaces)."""
_LOCAL = frozenset({"localhost", "127.0.0.1"})


def _json(answer: Response) -> Any:
    return json.loads(answer.body) if answer.status == 200 else None


_JSON = Format("JSON", _json)


@dataclass(frozen=True, slots=True)
class Roots:
    """Where one registry is asked: its API root, and its push-time API (``kind`` ``hub``, ``quay`` or none)."""

    api: str
    dates: str = ""
    kind: str = ""


def roots(image: ImageRef, overrides: Mapping[str, str] | None = None) -> Roots:
    """Return where *image*'s registry is asked; *overrides* (host -> root URL) put a known registry elsewhere (a fake).

    >>> from release_gate.plan.images import parse_image
    >>> roots(parse_image("jupyterhub/k8s-hub:{version}"))
    Roots(api='https://registry-1.docker.io', dates='https://hub.docker.com', kind='hub')
    >>> roots(parse_image("localhost:5000/x:{version}")).api
    'http://localhost:5000'
    """
    api, dates, kind = _KNOWN.get(image.host, (f"https://{image.host}", "", ""))
    if overrides and image.host in overrides:
        root = overrides[image.host].rstrip("/")
        return Roots(root, root if kind else "", kind)
    if image.local:
        api = f"http://{image.host}"
    return Roots(api, dates, kind)


def bearer_challenge(header: str | None) -> dict[str, str] | None:
    """Return the parameters of the Bearer challenge in a ``WWW-Authenticate`` header; ``None`` when it has none.

    >>> bearer_challenge('Basic realm="x", Bearer realm="https://auth.docker.io/token",service="registry.docker.io"')
    {'realm': 'https://auth.docker.io/token', 'service': 'registry.docker.io'}
    >>> bearer_challenge('Basic realm="x"') is None
    True
    """
    if not header:
        return None
    challenges: list[tuple[str, dict[str, str]]] = []
    at = 0
    while at < len(header) and header[at:].strip(" \t,"):
        match = _CHALLENGE_ITEM.match(header, at)
        if match is None or match.end() == at:
            return None  # not an auth-param list: believe none of it
        at = match.end()
        if match.group("scheme") is not None:
            challenges.append((match.group("scheme").lower(), {}))
        elif challenges:
            quoted = match.group("quoted")
            value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else match.group("bare")
            challenges[-1][1][match.group("name").lower()] = value
        else:
            return None
    return next((params for scheme, params in challenges if scheme == "bearer" and "realm" in params), None)


def candidates(want: ImageWant, state: State) -> list[str] | Unknown:
    """Return the versions *want*'s deciding source offers that satisfy it, oldest first (as the engine reads them)."""
    offers = _offers(want, state)
    if isinstance(offers, Unknown):
        return offers
    partial = want.source in (Source.TAGS, Source.GITHUB_RELEASES)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    found: dict[str, tuple[dt.datetime, ParsedVersion]] = {}
    for text, date in offers:
        version = parse_version(want.repo.scheme, text, partial=partial and want.repo.scheme is Scheme.SEMVER)
        if version is None or want.requirement.check(version) is not None:
            continue
        when = date or far
        if version.text not in found or when < found[version.text][0]:
            found[version.text] = (when, version)
    return [text for text, _ in sorted(found.items(), key=lambda item: item[1])]


def _offers(want: ImageWant, state: State) -> list[tuple[str, dt.datetime | None]] | Unknown:
    """Return ``(version text, date)`` of what the deciding source shows (rejected versions left out)."""
    if want.source in (Source.TAGS, Source.GITHUB_RELEASES):
        repo = state.repo(want.repo.slug)
        if isinstance(repo, Unknown):
            return repo
        if want.source is Source.TAGS:
            pairs = [(want.repo.version_from_tag(t.name), t.date) for t in repo.tags]
        else:
            pre = want.requirement.accept is not Accept.FINAL
            pairs = [
                (want.repo.version_from_tag(r.tag), r.published_at)
                for r in repo.releases
                if not r.draft and (pre or not r.prerelease)
            ]
        return [(text, date) for text, date in pairs if text]
    place = want.repo.place(want.source)
    if place is None:
        return Unknown(f"{want.release} has no place on {want.source}")
    registry = state.registry(want.source, place[0])
    if isinstance(registry, Unknown):
        return registry
    return [(p.version, p.date) for p in registry.versions if p.files > 0 and p.yanked < p.files and not p.deprecated]


@dataclass(slots=True)
class _Image:
    """What one read found of one image: its tags checked, or why it could not be read."""

    image: ImageRef
    roots: Roots
    tags: dict[str, Published] = field(default_factory=dict)
    failed: Unknown | None = None
    exists: bool | None = None
    """Whether the repository answers its tag list (asked once, after a 404)."""
    token: str = field(default="", repr=False)
    """The anonymous token for this image, for this read only (dropped with this object)."""


class OciReader:
    """Reads whether the images of a plan's releases exist; see the module doc."""

    def __init__(
        self, *, timeout: float, retries: int, budget: float, headers: Mapping[str, str], roots: Mapping[str, str]
    ) -> None:
        self.overrides = dict(roots)
        self._http = Http(OCI, timeout=timeout, retries=retries, budget=budget, cache=None, headers=headers)

    @property
    def requests(self) -> int:
        """The requests sent in the last read."""
        return self._http.sent

    def read(
        self, wants: tuple[ImageWant, ...], state: State, *, as_of: dt.datetime | None, halt: threading.Event | None
    ) -> dict[str, Registry | Unknown]:
        """Check the images of *wants* for the versions *state* shows; return each image by its registry key."""
        self._http.begin(halt)
        images: dict[str, _Image] = {}
        when = as_of if as_of is not None else state.taken_at
        for want in wants:
            found = candidates(want, state)
            named = [values_image(state, want.repo.slug, entry, when) for entry in want.values]
            if isinstance(found, Unknown) or any(isinstance(image, Unknown) for image in named):
                continue  # the release is unknown already: its deciding source or a values file cannot be read
            needed = (*want.images, *(image for image in named if isinstance(image, ImageRef)))
            for version in found[:CANDIDATES]:
                if self._complete(needed, version, images, as_of):
                    break
        for read in images.values():
            read.token = ""  # no token outlives the read
        return {
            registry_key(Source.OCI, name): read.failed
            or Registry(Source.OCI, name, read.roots.api, tuple(read.tags.values()))
            for name, read in images.items()
        }

    def _complete(
        self, needed: tuple[ImageRef, ...], version: str, images: dict[str, _Image], as_of: dt.datetime | None
    ) -> bool:
        """Check each image *needed* at *version*'s tag; return whether all are there (by *as_of*, when given)."""
        complete = True
        for image in needed:
            read = images.get(image.name)
            if read is None:
                read = images[image.name] = _Image(image, roots(image, self.overrides))
            tag = image.tag_for(version)
            if tag is None or read.failed is not None:
                complete = False
                continue
            if tag not in read.tags:
                self._check(read, tag)
            published = read.tags.get(tag)
            if published is None or published.files == 0:
                complete = False
                continue
            if as_of is not None and (published.date is None or published.date > as_of):
                complete = False  # not there at that moment, as far as the registry says
        return complete

    def _check(self, read: _Image, tag: str) -> None:
        """HEAD *read*'s image at *tag* (the token flow first when asked); record it, or why the image is unknown."""
        try:
            found = self._exists(read, tag)
        except HttpError as error:
            found = Unknown(f"{self._where(read)} could not be read: {error.problem}")
        if isinstance(found, Unknown):
            read.failed = found
            read.token = ""
        else:
            read.tags[tag] = found

    def _exists(self, read: _Image, tag: str) -> Published | Unknown:
        image = read.image
        url = f"{read.roots.api}/v2/{image.path}/manifests/{urllib.parse.quote(tag)}"
        answer = self._head(url, read.token)
        if answer.status == 401:  # no token yet, or one that expired: one fresh token, once
            challenge = bearer_challenge(answer.headers.get("WWW-Authenticate"))
            if challenge is None:
                return Unknown(f"{self._where(read)} asks for credentials; release-gate reads public images only")
            got = self._token(read, challenge)
            if isinstance(got, Unknown):
                return got
            read.token = got
            answer = self._head(url, read.token)
        if answer.status in (401, 403):
            return self._private(read, answer.status)
        if answer.status == 200:
            digest = str(answer.headers.get("Docker-Content-Digest") or "")
            kind = str(answer.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
            if not _DIGEST.fullmatch(digest) and kind not in _MANIFEST_TYPES:
                # A web page, a login form or a catch-all answers 200 too: only a manifest is an image.
                return Unknown(
                    f"{self._where(read)} answered 200 for {image.shown(tag)} with no manifest "
                    f"(no digest, Content-Type {kind[:60] or 'none'}); check that it is a container registry"
                )
            return Published(tag, self._pushed(read, tag), 1, digest=digest if _DIGEST.fullmatch(digest) else "")
        if answer.status == 404:
            if read.exists is None:
                read.exists = self._listed(read)
            if read.exists:
                return Published(tag, None, 0)
            return Unknown(f"{self._where(read)} has no image {image.path!r}; check images in the plan")
        return Unknown(f"{self._where(read)} answered {answer.status} for {image.shown(tag)}")

    def _head(self, url: str, token: str) -> Response:
        return self._http.send("HEAD", url, headers=_headers(MANIFESTS, token))

    def _token(self, read: _Image, challenge: dict[str, str]) -> str | Unknown:
        """Ask the challenge's realm for an anonymous token; the token, or why there is none."""
        realm = challenge["realm"]
        parts = urllib.parse.urlsplit(realm)
        local = urllib.parse.urlsplit(read.roots.api).hostname in _LOCAL and parts.hostname in _LOCAL
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            return Unknown(f"{self._where(read)} names a token service that is not https; release-gate does not ask it")
        query = {"scope": challenge.get("scope") or f"repository:{read.image.path}:pull"}
        if challenge.get("service"):
            query["service"] = challenge["service"]
        url = realm + ("&" if parts.query else "?") + urllib.parse.urlencode(sorted(query.items()))
        answer = self._http.send("GET", url, headers={"Accept": "application/json"}, fmt=_JSON)
        body = answer.parsed
        value = (body.get("token") or body.get("access_token")) if isinstance(body, dict) else None
        if answer.status != 200 or not isinstance(value, str) or not _BEARER.fullmatch(value):
            what = f"answered {answer.status}" if answer.status != 200 else "gave no token"
            return Unknown(f"the token service of {self._where(read)} {what} for {read.image.path!r}")
        return value

    def _private(self, read: _Image, status: int) -> Unknown:
        return Unknown(
            f"{self._where(read)} refused {read.image.path!r} ({status}): no such public image, or it is private; "
            "release-gate reads public images only"
        )

    def _listed(self, read: _Image) -> bool:
        """Whether the repository answers its tag list (so a 404 of a tag means the tag is absent)."""
        url = f"{read.roots.api}/v2/{read.image.path}/tags/list?n=1"
        answer = self._http.send("GET", url, headers=_headers("application/json", read.token))
        try:
            listed = json.loads(answer.body) if answer.status == 200 else None
        except ValueError:
            return False
        return isinstance(listed, dict) and isinstance(listed.get("tags", []), list | None)

    def _pushed(self, read: _Image, tag: str) -> dt.datetime | None:
        """Return when *tag* was pushed, where the registry says (Docker Hub, Quay); ``None``: undated."""
        parts = read.image.path.split("/")
        if not read.roots.kind or len(parts) != 2:
            return None
        namespace, name = (urllib.parse.quote(p) for p in parts)
        quoted = urllib.parse.quote(tag)
        if read.roots.kind == "hub":
            url = f"{read.roots.dates}/v2/namespaces/{namespace}/repositories/{name}/tags/{quoted}"
        else:
            url = f"{read.roots.dates}/api/v1/repository/{namespace}/{name}/tag/?specificTag={quoted}&limit=100"
        try:
            answer = self._http.send("GET", url, headers={"Accept": "application/json"}, fmt=_JSON)
        except HttpError:
            return None  # undated: a past moment is then unknown, never "there"
        return _hub_time(answer.parsed) if read.roots.kind == "hub" else _quay_time(answer.parsed, tag)

    def _where(self, read: _Image) -> str:
        host = read.image.host
        return f"{_WORDS[host]} ({host})" if host in _WORDS and host not in self.overrides else f"the registry {host}"


def _hub_time(document: object) -> dt.datetime | None:
    """Docker Hub's tag: its ``tag_last_pushed``."""
    value = document.get("tag_last_pushed") if isinstance(document, dict) else None
    return parse_time(value) if isinstance(value, str) else None


def _quay_time(document: object, tag: str) -> dt.datetime | None:
    """Quay's tag history: the start of the tag's current lifetime (the one with no ``end_ts``)."""
    tags = document.get("tags") if isinstance(document, dict) else None
    if not isinstance(tags, list):
        return None
    starts = [
        entry["start_ts"]
        for entry in tags
        if isinstance(entry, dict)
        and entry.get("name") == tag
        and entry.get("end_ts") is None
        and type(entry.get("start_ts")) is int
    ]
    if len(starts) != 1:
        return None  # none alive, or several: not believed
    try:
        return dt.datetime.fromtimestamp(starts[0], dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _headers(accept: str, token: str) -> dict[str, str]:
    """Return the headers of a request to a registry: *accept*, and the image's token when it has one."""
    return {"Accept": accept, "Authorization": f"Bearer {token}"} if token else {"Accept": accept}
