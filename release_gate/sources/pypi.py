"""A package index's answer about one project, read: the Simple API's JSON (PEP 691, 700) or PyPI's JSON API.

Where to ask (`endpoints`): a plan names its index by its Simple API base
(``https://pypi.org/simple``, as pip's ``--index-url`` does) or, as plans always could, by
PyPI's JSON API root (``https://pypi.org/pypi``); either names the other when its last
segment is ``simple`` or ``pypi``. Any other URL is read as a JSON API root, as before.

What is believed (`read_simple`, `read_legacy`): one whole, consistent answer. A file
belongs to the version its file name says (wheel, sdist or egg, compared as PEP 440 and
PEP 503 say), and the Simple API must list that version in ``versions`` (PEP 700: every file
is of a listed version); a version listed with no files is not released, and one whose
every file is yanked (PEP 592) counts as yanked. A version's date is its first upload, known
only when every file of it has an upload time. Anything doubtful raises `DoubtfulAnswer`,
which the reader turns into an `Unknown`: a ``meta.api-version`` that is not 1.x, a missing
``versions`` (API 1.1 and later), an answer about another project, a file of another
project or of a version not listed, a yank or upload time that is not one, and, when the
state is read as of a past moment, a candidate version whose files have no upload time.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from release_gate.state import Published
from release_gate.times import parse_time
from release_gate.versions import MAX_VERSION_LENGTH

__all__ = [
    "JSON_API",
    "SIMPLE_JSON",
    "DoubtfulAnswer",
    "Endpoints",
    "UnlistedFile",
    "endpoints",
    "is_simple_json",
    "read_legacy",
    "read_simple",
]

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
"""The Simple API's JSON form, major version 1 (PEP 691): what release-gate asks for and reads."""
JSON_API = "application/json"
"""PyPI's JSON API (``INDEX/NAME/json``), asked only when an index does not answer `SIMPLE_JSON`."""

_SDISTS = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tbz", ".txz", ".tar")
_INSTALLERS = (".exe", ".msi", ".rpm", ".dmg")
"""Old installers (bdist_wininst, bdist_msi, bdist_rpm, bdist_dmg) that PyPI still lists next to old
versions' wheels and sdists: their names say no version in a form pip reads, and pip never
installs them. They are left out: a version has fewer files, never more, so nothing becomes
more released for it."""
_API_VERSION = re.compile(r"(\d{1,4})\.(\d{1,4})")


class DoubtfulAnswer(Exception):  # noqa: N818 - what the index said, not a failure of release-gate's
    """An answer that cannot be believed as it is; *reason* says why, for the `Unknown`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnlistedFile(DoubtfulAnswer):
    """A Simple API page with a file of a version its ``versions`` does not list.

    PyPI does this for a file uploaded under one version whose name says another (a
    ``X.post0`` file in release X); the JSON API, which groups files by release, can say
    which. *listed* is what ``versions`` lists.
    """

    def __init__(self, reason: str, listed: tuple[str, ...]) -> None:
        super().__init__(reason)
        self.listed = listed


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where an index answers: its Simple API base, and PyPI's JSON API root (``None``: not known)."""

    simple: str | None
    legacy: str | None

    def simple_url(self, project: str) -> str | None:
        """Return the project's page of the Simple API (its name normalised, as PEP 503 asks), if the base is known."""
        return None if self.simple is None else f"{self.simple}/{canonicalize_name(project)}/"

    def legacy_url(self, project: str) -> str | None:
        """Return the project's document of the JSON API, if its root is known."""
        return None if self.legacy is None else f"{self.legacy}/{project}/json"


def endpoints(index: str) -> Endpoints:
    """Return where *index* (a plan's ``published.pypi_index``) answers each API.

    >>> endpoints("https://pypi.org/pypi")
    Endpoints(simple='https://pypi.org/simple', legacy='https://pypi.org/pypi')
    >>> endpoints("https://pypi.org/simple/")
    Endpoints(simple='https://pypi.org/simple', legacy='https://pypi.org/pypi')
    >>> endpoints("https://devpi.example/root/pypi/+simple")
    Endpoints(simple='https://devpi.example/root/pypi/+simple', legacy=None)
    >>> endpoints("https://mirror.example/json")
    Endpoints(simple=None, legacy='https://mirror.example/json')
    """
    base = index.rstrip("/")
    last = urllib.parse.urlsplit(base).path.rsplit("/", 1)[-1]
    if last == "simple":
        return Endpoints(base, base.removesuffix("simple") + "pypi")
    if last == "+simple":
        return Endpoints(base, None)
    if last == "pypi":
        return Endpoints(base.removesuffix("pypi") + "simple", base)
    return Endpoints(None, base)


def is_simple_json(content_type: str | None) -> bool:
    """Whether a ``Content-Type`` is the Simple API's JSON, version 1 (parameters aside)."""
    return (content_type or "").split(";", 1)[0].strip().lower() == SIMPLE_JSON


# -- the Simple API (PEP 691, PEP 700) ------------------------------------------------------------------


def read_simple(document: Any, project: str, *, candidate: Callable[[str], bool], dated: bool) -> tuple[Published, ...]:
    """Read the Simple API's JSON page of *project*: every version it lists, with its files.

    *candidate* says which versions could satisfy a release; with *dated* (the state is read
    as of a past moment) each of them needs the upload time of every file. Raises
    `DoubtfulAnswer` (see the module doc).
    """
    if not isinstance(document, dict):
        raise DoubtfulAnswer("the answer is not a JSON object")
    minor = _api_minor(document.get("meta"))
    _same_project(document.get("name"), project)
    files = document.get("files")
    if not isinstance(files, list):
        raise DoubtfulAnswer("the answer has no list of files")
    listed = document.get("versions")
    if listed is None and minor == 0:  # API 1.0 (PEP 691 alone): the files are all there is
        found = (_file_version(_filename(f), project) for f in files)
        listed = list(dict.fromkeys(_derived(version) for version in found if version is not None))
    versions = _versions(listed)
    owned: dict[str, list[dict[str, Any]]] = {version: [] for version in versions}
    owner = _Owners(versions)
    for entry in files:
        if (version := _file_version(_filename(entry), project)) is not None:
            owned[owner.of(_filename(entry), version)].append(entry)
    return tuple(
        _published(version, [_simple_file(f) for f in owned[version]], candidate=candidate, dated=dated)
        for version in versions
    )


def _api_minor(meta: object) -> int:
    """Return the minor version of ``meta.api-version``; raise unless it is 1.x."""
    version = meta.get("api-version") if isinstance(meta, dict) else None
    found = _API_VERSION.fullmatch(version) if isinstance(version, str) else None
    if found is None:
        raise DoubtfulAnswer(f"its meta.api-version is {str(version)[:40]!r}, not a version of the Simple API")
    if found.group(1) != "1":
        raise DoubtfulAnswer(f"it answers the Simple API {version}; release-gate reads version 1.x")
    return int(found.group(2))


def _same_project(name: object, project: str) -> None:
    if not isinstance(name, str) or canonicalize_name(name) != canonicalize_name(project):
        raise DoubtfulAnswer(f"the answer is about the project {str(name)[:100]!r}")


def _versions(listed: object) -> list[str]:
    if listed is None:
        raise DoubtfulAnswer("the answer has no 'versions', which the Simple API 1.1 (PEP 700) lists")
    if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
        raise DoubtfulAnswer("its 'versions' is not a list of strings")
    if len(set(listed)) != len(listed):
        raise DoubtfulAnswer("its 'versions' lists a version twice")
    if any(len(version) > MAX_VERSION_LENGTH for version in listed):
        raise DoubtfulAnswer(f"its 'versions' has a text of over {MAX_VERSION_LENGTH} characters, which is no version")
    return listed


def _filename(entry: object) -> str:
    name = entry.get("filename") if isinstance(entry, dict) else None
    if not isinstance(name, str) or not name:
        raise DoubtfulAnswer("a file has no file name")
    return name


def _simple_file(entry: dict[str, Any]) -> tuple[str, dt.datetime | None, bool]:
    """Read a file of the Simple API: its name, upload time (PEP 700) and whether it is yanked (PEP 592)."""
    name = entry["filename"]
    uploaded = entry.get("upload-time")
    when = None
    if uploaded is not None:
        when = parse_time(uploaded) if isinstance(uploaded, str) else None
        if when is None:
            raise DoubtfulAnswer(f"the upload-time of {name} is {str(uploaded)[:40]!r}, not a time")
    yanked = entry.get("yanked", False)
    if not isinstance(yanked, bool) and not (isinstance(yanked, str) and yanked):
        raise DoubtfulAnswer(f"the file {name} has a 'yanked' that is neither true, false nor a reason")
    return name, when, bool(yanked)


# -- PyPI's JSON API ---------------------------------------------------------------------------------------


def read_legacy(document: Any, project: str, *, candidate: Callable[[str], bool], dated: bool) -> tuple[Published, ...]:
    """Read PyPI's JSON API document of *project* (``INDEX/NAME/json``): every version in ``releases``, with its files.

    Raises `DoubtfulAnswer` as `read_simple` does.
    """
    info = document.get("info") if isinstance(document, dict) else None
    _same_project(info.get("name") if isinstance(info, dict) else None, project)
    releases = document.get("releases")
    if not isinstance(releases, dict):
        raise DoubtfulAnswer("the answer has no 'releases'")
    return tuple(
        _published(str(version), _legacy_files(str(version), files), candidate=candidate, dated=dated)
        for version, files in releases.items()
    )


def _legacy_files(version: str, files: object) -> list[tuple[str, dt.datetime | None, bool]]:
    if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
        raise DoubtfulAnswer(f"the files of {version} are not a list of objects")
    read = []
    for entry in files:
        name = str(entry.get("filename", "a file"))
        uploaded = entry.get("upload_time_iso_8601")
        when = parse_time(uploaded) if isinstance(uploaded, str) else None
        if uploaded is not None and when is None:
            raise DoubtfulAnswer(f"the upload time of {name} is {str(uploaded)[:40]!r}, not a time")
        read.append((name, when, bool(entry.get("yanked"))))
    return read


# -- what both give ------------------------------------------------------------------------------------


def _published(
    version: str,
    files: list[tuple[str, dt.datetime | None, bool]],
    *,
    candidate: Callable[[str], bool],
    dated: bool,
) -> Published:
    """Read a version from its files: its first upload (when every file has its time), files, yanked files."""
    times = [when for _, when, _ in files if when is not None]
    if dated and len(times) < len(files) and candidate(version):
        undated = next(name for name, when, _ in files if when is None)
        raise DoubtfulAnswer(
            f"{version} could satisfy a release, but its file {undated} has no upload time, "
            "which a check as of a past moment needs"
        )
    first = min(times) if files and len(times) == len(files) else None
    return Published(version, first, len(files), sum(1 for _, _, yanked in files if yanked))


# -- which version a file is of --------------------------------------------------------------------------


def _file_version(filename: str, project: str) -> str | None:
    """Return the version *filename* names (a wheel, sdist or egg of *project*); raise when it names none.

    An old installer (`_INSTALLERS`) gives ``None``: it is not read.

    >>> _file_version("jupyterhub_kubespawner-7.0.0-py3-none-any.whl", "jupyterhub-kubespawner")
    '7.0.0'
    >>> _file_version("jupyterhub-kubespawner-0.10.0.tar.gz", "jupyterhub-kubespawner")
    '0.10.0'
    """
    lower = filename.lower()
    if lower.endswith((".whl", ".egg")):
        parts = filename[:-4].split("-")
        if len(parts) < (5 if lower.endswith(".whl") else 2):
            raise DoubtfulAnswer(f"the file name {filename[:100]!r} does not name a version")
        name, version = parts[0], parts[1]
    else:
        suffix = next((s for s in _SDISTS if lower.endswith(s)), None)
        if suffix is None and lower.endswith(_INSTALLERS):
            return None
        if suffix is None:
            raise DoubtfulAnswer(f"release-gate cannot tell which version the file {filename[:100]!r} is of")
        name, version = _split_sdist(filename[: -len(suffix)], project)
    if canonicalize_name(name) != canonicalize_name(project) or not version:
        raise DoubtfulAnswer(f"the file {filename[:100]!r} is not a file of {project!r}")
    return version


def _split_sdist(stem: str, project: str) -> tuple[str, str]:
    """Split an sdist's name at the dash after *project*'s name (names and versions may hold dashes)."""
    wanted = canonicalize_name(project)
    for at in (n for n, char in enumerate(stem) if char == "-"):
        if canonicalize_name(stem[:at]) == wanted:
            return stem[:at], stem[at + 1 :]
    return stem, ""


def _canonical(version: str) -> str | None:
    if len(version) > MAX_VERSION_LENGTH:  # no version; and packaging would choke on its numbers
        return None
    try:
        return str(Version(version))
    except InvalidVersion:
        return None


def _derived(version: str) -> str:
    """Return the version a file names as an index without a version list (API 1.0) would list it."""
    return _canonical(version) or version


class _Owners:
    """Finds the listed version a file's version is: the same text, else the same PEP 440 version."""

    def __init__(self, versions: Iterable[str]) -> None:
        self.listed = set(versions)
        self.by_canonical: dict[str, list[str]] = {}
        for version in self.listed:
            if (canonical := _canonical(version)) is not None:
                self.by_canonical.setdefault(canonical, []).append(version)

    def of(self, filename: str, version: str) -> str:
        for spelling in (version, version.replace("_", "-")):
            if spelling in self.listed:
                return spelling
        matches = self.by_canonical.get(_canonical(version) or "", [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise DoubtfulAnswer(f"the file {filename[:100]!r} could be of {' or '.join(sorted(matches))}")
        raise UnlistedFile(
            f"the file {filename[:100]!r} is of {version[:40]}, a version the index does not list", tuple(self.listed)
        )
