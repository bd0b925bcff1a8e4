"""A conda channel's answer about one package, read: anaconda.org's package document.

Where to ask (`package_url`): ``{api}/package/{channel}/{name}`` (``https://api.anaconda.org/
package/conda-forge/jupyterhub``), one GET per package: every file of every version, each with
its ``version``, ``labels``, ``attrs.subdir`` (the platform) and ``upload_time`` (the upload to
the channel, written ``2018-08-11 14:41:03.311000+00:00``). A channel's ``repodata.json`` is
not read: it holds the whole channel (hundreds of MB for conda-forge) and only build times.

What is believed (`read_package`): one whole answer about the package asked for. Per version,
each platform's first upload of a file that carries one of the counted labels (``main`` unless
the plan says otherwise) is recorded (`Published.platforms`); files under no counted label
(``broken``, or a label the plan does not count) are counted in `Published.yanked`, and never
make a version released. A version listed in ``versions`` with no file has none (like PyPI's
"no files"). ``latest_version`` is never read: anaconda.org keeps it stale for months. A label
change has no time in the answer, so a file marked broken now is read as never counted (the
safe direction for a check as of a past moment).

Anything doubtful raises `DoubtfulAnswer`, which the reader turns into an `Unknown`: an answer
that is not an object, about another package or channel, without a ``files`` list or with a
``versions`` that is not a list of strings, and a file without its version, labels, subdir or
upload time, or with an upload time that is not a time.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

from release_gate.sources.pypi import DoubtfulAnswer
from release_gate.state import Published
from release_gate.times import parse_time

__all__ = ["package_url", "read_package"]


def package_url(api: str, place: str) -> str:
    """Return the URL of a package's document on anaconda.org's API; *place* is ``CHANNEL/NAME``.

    >>> package_url("https://api.anaconda.org", "conda-forge/jupyterhub")
    'https://api.anaconda.org/package/conda-forge/jupyterhub'
    """
    channel, _, name = place.partition("/")
    quoted = "/".join(urllib.parse.quote(part, safe="") for part in (channel, name))
    return f"{api.rstrip('/')}/package/{quoted}"


def read_package(document: Any, place: str, labels: tuple[str, ...]) -> tuple[Published, ...]:
    """Read the package document of *place* (``CHANNEL/NAME``), counting files under *labels*.

    Each version's `Published` has its files, those under no counted label as ``yanked``, each
    platform's first counted upload in ``platforms`` (sorted by platform) and the first counted
    upload of all as its ``date``. Raises `DoubtfulAnswer` (see the module doc).
    """
    if not isinstance(document, dict):
        raise DoubtfulAnswer("the answer is not a JSON object")
    channel, _, name = place.partition("/")
    if document.get("name") != name:
        raise DoubtfulAnswer(f"the answer is about the package {str(document.get('name'))[:100]!r}")
    owner = document.get("owner")
    login = owner.get("login") if isinstance(owner, dict) else owner
    if login is None or str(login).lower() != channel.lower():  # no owner: no telling whose package it is
        raise DoubtfulAnswer(f"the answer is about the channel {str(login)[:100]!r}")
    files, listed = document.get("files"), document.get("versions", [])
    if not isinstance(files, list):
        raise DoubtfulAnswer("it is not shaped as anaconda.org's package document (no 'files' list)")
    if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
        raise DoubtfulAnswer("its 'versions' is not a list of versions")
    counted = set(labels)
    found: dict[str, tuple[int, int, dict[str, dt.datetime]]] = {v: (0, 0, {}) for v in listed}
    for number, entry in enumerate(files, 1):
        version, file_labels, subdir, uploaded = _file(entry, number)
        files_of, others, first = found.get(version, (0, 0, {}))
        if counted.isdisjoint(file_labels) or "broken" in file_labels:  # broken outweighs any other label
            others += 1
        elif subdir not in first or uploaded < first[subdir]:
            first[subdir] = uploaded
        found[version] = (files_of + 1, others, first)
    return tuple(
        Published(
            version,
            min(first.values(), default=None),
            files_of,
            others,
            platforms=tuple(sorted(first.items())),
        )
        for version, (files_of, others, first) in found.items()
    )


def _file(entry: object, number: int) -> tuple[str, tuple[str, ...], str, dt.datetime]:
    """Return a file's ``(version, labels, subdir, upload time)``; raises `DoubtfulAnswer` when one is missing."""
    what = f"file {number}"
    if not isinstance(entry, dict):
        raise DoubtfulAnswer(f"{what} is not an object")
    version, labels, uploaded = entry.get("version"), entry.get("labels"), entry.get("upload_time")
    attrs = entry.get("attrs")
    subdir = attrs.get("subdir") if isinstance(attrs, dict) else None
    if not isinstance(version, str) or not version:
        raise DoubtfulAnswer(f"{what} has no version")
    what = f"file {number} (of {version[:40]})"
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise DoubtfulAnswer(f"{what} has no list of labels")
    if not isinstance(subdir, str) or not subdir:
        raise DoubtfulAnswer(f"{what} has no platform (attrs.subdir)")
    if uploaded is None:
        raise DoubtfulAnswer(f"{what} has no upload time")
    when = parse_time(uploaded) if isinstance(uploaded, str) else None
    if when is None:
        raise DoubtfulAnswer(f"{what} has an upload time that is not a time ({str(uploaded)[:40]!r})")
    return version, tuple(labels), subdir, when
