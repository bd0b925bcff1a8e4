"""Answers kept on disk with their ETag, so a repeated read asks "changed since?" and gets 304.

GitHub's REST API, PyPI's JSON API and Helm indexes on static hosting all send an ``ETag``.
Asked again with ``If-None-Match``, they answer ``304 Not Modified`` without a body when
nothing changed, and a 304 to an authorised GitHub request does not count against the rate
limit. A sweep every 30 minutes then costs next to nothing when nothing moved.

What is kept: the URL (with the ``Accept`` header it was asked with), the ETag, the body,
and the headers a reader needs to replay the answer (``Content-Type``, ``Link`` for pages).
Never a request header, so never a token. One file per answer, written atomically; a file
that cannot be read or written is a miss, never an error. GraphQL answers are not kept:
GraphQL is POST, which has no conditional form.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["KEPT_HEADERS", "CachedAnswer", "ResponseCache"]

KEPT_HEADERS = ("content-type", "link")
"""The response headers kept with a body: what PyGithub and the registry reader look at."""


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """One answer kept on disk."""

    etag: str
    body: bytes
    headers: Mapping[str, str]


class ResponseCache:
    """A folder of answers, keyed by what was asked (see the module doc).

    :attr:`revalidated` counts the answers confirmed by a 304 since the cache was made,
    :attr:`stored` the answers written.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.revalidated = 0
        self.stored = 0

    def _path(self, key: str) -> Path:
        return self.folder / (hashlib.sha256(key.encode()).hexdigest()[:40] + ".json")

    def get(self, key: str) -> CachedAnswer | None:
        """Return the answer kept for *key*, if there is a readable one."""
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
            if not isinstance(entry, dict) or entry.get("key") != key:
                return None
            headers = {str(k): str(v) for k, v in dict(entry.get("headers") or {}).items()}
            return CachedAnswer(str(entry["etag"]), base64.b64decode(entry["body"]), headers)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, etag: str, body: bytes, headers: Mapping[str, str]) -> None:
        """Keep *body* with its *etag* for *key* (the headers in :data:`KEPT_HEADERS` only)."""
        kept = {name: value for name, value in headers.items() if name.lower() in KEPT_HEADERS}
        entry = {"key": key, "etag": etag, "headers": kept, "body": base64.b64encode(body).decode("ascii")}
        name = ""
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(entry, out)
            Path(name).replace(self._path(key))
            self.stored += 1
        except OSError:
            pass  # a cache that cannot be written only costs the next read a full answer
        finally:
            if name:
                with contextlib.suppress(OSError):
                    Path(name).unlink(missing_ok=True)
