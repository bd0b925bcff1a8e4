"""An npm registry's answer about one package, read: its full package document ("packument").

Where to ask (`document_url`): ``{registry}/{name}``, a scoped name's ``/`` escaped
(``@jupyterlab%2Fgit``), as npm and the registry's own clients write it. It is asked as
``application/json``, the *full* document: the abbreviated one (``Accept:
application/vnd.npm.install-v1+json``, what ``npm install`` asks for) has no ``time``, so no
dates; an answer in that form is not believed.

What is believed (`read_document`): one whole answer about the package asked for. Each key
of ``versions`` is a version published and still there (one unpublished is only in
``time``: not offered); its date is ``time[version]``; a version whose manifest has a
non-empty ``deprecated`` message (or ``true``) is deprecated: it does not count, and the
message says why. An empty ``deprecated`` is an un-deprecated version (``npm deprecate
pkg@1.0.0 ""``). ``dist-tags`` (``latest``, ``next``) never decide: the plan asks about a
version, not a tag. npm keeps no date for a deprecation, so it is read as it is now, also
for a check as of a past moment (which can then only say "not released" more often, never
less).

Anything doubtful raises `DoubtfulAnswer`, which the reader turns into an `Unknown`: an
answer that is not an object, about another package, with no ``versions`` object (a package
whose every version was unpublished says so), a manifest that is not an object or names
another version, a ``deprecated`` that is neither a message nor a boolean, a ``time`` that
is not an object of times, and, when the state is read as of a past moment, a candidate
version with no time.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

from release_gate.sources.pypi import DoubtfulAnswer
from release_gate.state import Published
from release_gate.times import parse_time
from release_gate.untrusted import clean

__all__ = ["ABBREVIATED", "FULL", "document_url", "read_document"]

FULL = "application/json"
"""What release-gate asks an npm registry for: the full package document, with ``time``."""
ABBREVIATED = "application/vnd.npm.install-v1+json"
"""The abbreviated document npm install asks for: no ``time``, so never asked for, and not believed."""

_MESSAGE = 200
"""The most of a deprecation message shown (some are paragraphs)."""


def document_url(registry: str, name: str) -> str:
    """Return the URL of *name*'s package document on *registry* (a scoped name's ``/`` escaped).

    >>> document_url("https://registry.npmjs.org", "@jupyterlab/git")
    'https://registry.npmjs.org/@jupyterlab%2Fgit'
    >>> document_url("https://registry.npmjs.org/", "left-pad")
    'https://registry.npmjs.org/left-pad'
    """
    return f"{registry.rstrip('/')}/{urllib.parse.quote(name, safe='@')}"


def is_abbreviated(content_type: str | None) -> bool:
    """Whether a ``Content-Type`` is the abbreviated document's (parameters aside)."""
    return (content_type or "").split(";", 1)[0].strip().lower() == ABBREVIATED


def read_document(document: Any, name: str, *, candidate: Callable[[str], bool], dated: bool) -> tuple[Published, ...]:
    """Read *name*'s full package document: every version in ``versions``, dated by ``time``, deprecated or not.

    *candidate* says which versions could satisfy a release; with *dated* (the state is read
    as of a past moment) each of them needs its time. Raises `DoubtfulAnswer` (see the module doc).
    """
    if not isinstance(document, dict):
        raise DoubtfulAnswer("the answer is not a JSON object")
    found = document.get("name")
    if found != name:
        raise DoubtfulAnswer(f"the answer is about the package {str(found)[:100]!r}")
    times = document.get("time", {})
    if not isinstance(times, dict):
        raise DoubtfulAnswer("its 'time' is not an object of times")
    versions = document.get("versions")
    if versions is None and "unpublished" in times:
        raise DoubtfulAnswer("every version of it was unpublished; check published.npm in the plan")
    if not isinstance(versions, dict):
        raise DoubtfulAnswer("it is not shaped as an npm package document (no 'versions' object)")
    return tuple(
        _published(version, manifest, times.get(version), candidate=candidate, dated=dated)
        for version, manifest in versions.items()
    )


def _published(
    version: str, manifest: object, when: object, *, candidate: Callable[[str], bool], dated: bool
) -> Published:
    if not isinstance(manifest, dict):
        raise DoubtfulAnswer(f"the manifest of {version[:40]} is not an object")
    if manifest.get("version", version) != version:
        raise DoubtfulAnswer(f"the manifest listed as {version[:40]} is of {str(manifest.get('version'))[:40]}")
    date = None
    if when is not None:
        date = parse_time(when) if isinstance(when, str) else None
        if date is None:
            raise DoubtfulAnswer(f"the time of {version[:40]} is {str(when)[:40]!r}, not a time")
    elif dated and candidate(version):
        raise DoubtfulAnswer(
            f"{version[:40]} could satisfy a release, but its 'time' has no date for it, "
            "which a check as of a past moment needs"
        )
    return Published(version, date, deprecated=_deprecated(version, manifest.get("deprecated")))


def _deprecated(version: str, value: object) -> str:
    """Return why *version* is deprecated; empty when it is not (absent, ``false``, or ``""``: un-deprecated)."""
    if value is None or value is False or value == "":
        return ""
    if value is True:
        return "(no message)"
    if isinstance(value, str):
        text = " ".join(clean(value).split())
        return (text[:_MESSAGE] + "…" if len(text) > _MESSAGE else text) or "(no message)"
    raise DoubtfulAnswer(f"the 'deprecated' of {version[:40]} is neither a message nor true or false")
