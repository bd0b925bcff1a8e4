"""Answers kept on disk with their ETag, so a repeated read asks "changed since?" and gets 304.

The HTTP layer (`release_gate.sources._http`) keeps and asks for them, for GitHub and the
package indexes alike.

GitHub's REST API, PyPI's JSON API and Helm indexes on static hosting all send an ``ETag``.
Asked again with ``If-None-Match``, they answer ``304 Not Modified`` without a body when
nothing changed, and a 304 to an authorised GitHub request does not count against the rate
limit. A sweep every 30 minutes then costs next to nothing when nothing moved.

What is kept: the URL (with the ``Accept`` header it was asked with), the ETag, the body,
and the headers a reader needs to replay the answer (``Content-Type``, ``Link`` for pages).
Never a request header, so never a token. One file per answer, written atomically; a file
that cannot be read or written is a miss, never an error. GraphQL answers are not kept:
GraphQL is POST, which has no conditional form.

A 304 confirms the ETag, not the body, so each file also holds the SHA-256 digest of its key,
ETag, kept headers and body: a file whose digest does not match (edited, corrupted, or
written by a release-gate without digests) is a miss, and is removed. The digest is not a
secret: it catches corruption and edits that do not recompute it, not someone who can write
the folder and recomputes it. Who can write the folder is the boundary (it is made readable
and writable by its owner only; see docs/explanation/security.md).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import tempfile
import threading
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

    `revalidated` counts the answers confirmed by a 304 since the cache was made,
    `stored` the answers written. Reads that run at once may share it: each file is written
    whole under a name of its own, then renamed into place, and `lock` is held while a count
    changes.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.revalidated = 0
        self.stored = 0
        self.lock = threading.Lock()

    def _path(self, key: str) -> Path:
        return self.folder / (hashlib.sha256(key.encode()).hexdigest()[:40] + ".json")

    def get(self, key: str) -> CachedAnswer | None:
        """Return the answer kept for *key*, if there is a readable one that matches its digest.

        A file that is not one (not JSON, another key, a digest that does not match) is
        removed, so the next answer is kept in its place.
        """
        path = self._path(key)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, ValueError):  # ValueError: not UTF-8
            return None
        answer = _answer(key, text)
        if answer is None:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        return answer

    def put(self, key: str, etag: str, body: bytes, headers: Mapping[str, str]) -> None:
        """Keep *body* with its *etag* for *key* (the headers in `KEPT_HEADERS` only)."""
        kept = {name: value for name, value in headers.items() if name.lower() in KEPT_HEADERS}
        digest = _digest(key, CachedAnswer(etag, body, kept))
        entry = {
            "key": key,
            "etag": etag,
            "headers": kept,
            "body": base64.b64encode(body).decode("ascii"),
            "digest": digest,
        }
        name = ""
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(entry, out)
            Path(name).replace(self._path(key))
            with self.lock:
                self.stored += 1
        except OSError:
            pass  # a cache that cannot be written only costs the next read a full answer
        finally:
            if name:
                with contextlib.suppress(OSError):
                    Path(name).unlink(missing_ok=True)


def _answer(key: str, text: str) -> CachedAnswer | None:
    """Read the kept file *text* for *key*: ``None`` unless it is an answer whose digest matches."""
    try:
        entry = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    etag, headers, body, digest = (entry.get(name) for name in ("etag", "headers", "body", "digest"))
    if not (isinstance(etag, str) and isinstance(headers, dict) and isinstance(body, str) and isinstance(digest, str)):
        return None
    try:
        data = base64.b64decode(body, validate=True)
    except ValueError:  # binascii.Error
        return None
    answer = CachedAnswer(etag, data, {str(name): str(value) for name, value in headers.items()})
    expected = _digest(key, answer)
    return answer if hmac.compare_digest(digest.encode("utf-8"), expected.encode("ascii")) else None


def _digest(key: str, answer: CachedAnswer) -> str:
    """Return the SHA-256 of *key* and everything kept of *answer* (headers in a fixed order), in hex."""
    headers = sorted((str(name), str(value)) for name, value in answer.headers.items())
    text = json.dumps([key, answer.etag, headers], ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode() + b"\n" + answer.body).hexdigest()
