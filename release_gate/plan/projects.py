"""What a repository's own files say it publishes and pins: pure reading, for ``release-gate init``.

Text in, facts out, no I/O: the Python project's name (``pyproject.toml``, ``setup.cfg`` or a
``name=`` literal in ``setup.py``), the Helm charts (``Chart.yaml``: name, ``appVersion``,
dependencies), what requirements files and dependency lists pin exactly, and the tag patterns
a repository's tags follow. `release_gate.sources.repo_facts` asks GitHub for the files
`files_to_read` names; `release_gate.plan.draft` turns the facts into a plan.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

__all__ = [
    "ROOT_FILES",
    "Chart",
    "ChartDependency",
    "Pinned",
    "PythonProject",
    "TagPattern",
    "charts",
    "exact_pins",
    "files_to_read",
    "is_requirements",
    "python_project",
    "tag_patterns",
]

ROOT_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "Chart.yaml", "requirements.txt")
"""The files read at the root of every repository, with its tags, in the first query."""

MAX_DEPTH = 3
"""How deep in the tree charts and requirements files are looked for (``images/hub/requirements.txt``: 3)."""

_SKIPPED_FOLDERS = frozenset(
    {"test", "tests", "testing", "example", "examples", "doc", "docs", "vendor", "node_modules", "third_party"}
)
"""Folders whose charts and requirements are not the repository's own releases."""

_REQUIREMENTS = re.compile(r"^(?:.*[-_.])?requirements(?:[-_.].*)?\.(?:txt|in)$", re.IGNORECASE)
_NOT_RUNTIME = re.compile(r"(?:^|[-_.])(?:dev|test|tests|testing|doc|docs|lint|ci|build)(?:[-_.]|$)", re.IGNORECASE)
"""Requirements files for development, tests, docs or CI: what they pin is not what is released."""

_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
"""A PyPI project or Helm chart name."""


def files_to_read(paths: Iterable[str]) -> tuple[str, ...]:
    """Return the files of a repository's tree that say what it publishes or pins, beyond `ROOT_FILES`.

    Charts (``Chart.yaml``) and runtime requirements files up to `MAX_DEPTH` folders
    deep, outside tests, examples, docs and vendored code, and not in a chart's own
    ``charts/`` folder (its vendored dependencies).

    >>> files_to_read(["README.md", "jupyterhub/Chart.yaml", "images/hub/requirements.txt", "dev-requirements.txt"])
    ('images/hub/requirements.txt', 'jupyterhub/Chart.yaml')
    """
    found = []
    for path in paths:
        parts = path.split("/")
        if path in ROOT_FILES or len(parts) > MAX_DEPTH or _SKIPPED_FOLDERS.intersection(p.lower() for p in parts[:-1]):
            continue
        chart = parts[-1] == "Chart.yaml" and "charts" not in parts[1:-1]
        if chart or is_requirements(path):
            found.append(path)
    return tuple(sorted(found))


def is_requirements(path: str) -> bool:
    """Return whether *path* names a runtime requirements file (not one for development, tests, docs or CI).

    >>> is_requirements("images/hub/requirements.txt"), is_requirements("requirements-dev.txt")
    (True, False)
    """
    name = path.rpartition("/")[2]
    return bool(_REQUIREMENTS.match(name)) and not _NOT_RUNTIME.search(name.rsplit(".", 1)[0])


# -- the Python project ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PythonProject:
    """A Python project at a repository's root, as its packaging files name it."""

    name: str
    where: str
    """Where the name was read: ``pyproject.toml [project] name``."""
    dependencies: tuple[str, ...] = ()
    """Its runtime requirements (PEP 508 strings), as far as the file lists them literally."""
    dependencies_from: str = ""
    """Where the dependencies were read."""


def python_project(files: Mapping[str, str]) -> PythonProject | None:
    r"""Return the Python project *files* (by path) define at the root, or ``None``.

    ``pyproject.toml`` (``[project] name``, else ``[tool.poetry] name``) first, then
    ``setup.cfg`` (``[metadata] name``), then the first ``name=`` string literal of ``setup.py``.
    A file that cannot be read, or a name that is not a project name, counts as no name.

    >>> python_project({"setup.cfg": "[metadata]\nname = acme-widgets\n"}).where
    'setup.cfg [metadata] name'
    """
    for read in (_pyproject, _setup_cfg, _setup_py):
        found = read(files)
        if found is not None:
            return found
    return None


def _pyproject(files: Mapping[str, str]) -> PythonProject | None:
    text = files.get("pyproject.toml")
    if text is None:
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    project = data.get("project")
    if isinstance(project, dict) and isinstance(project.get("name"), str) and _NAME.match(project["name"]):
        listed = project.get("dependencies")
        dependencies = tuple(d for d in listed if isinstance(d, str)) if isinstance(listed, list) else ()
        return PythonProject(
            project["name"], "pyproject.toml [project] name", dependencies, "pyproject.toml [project] dependencies"
        )
    poetry = data.get("tool", {}).get("poetry") if isinstance(data.get("tool"), dict) else None
    if isinstance(poetry, dict) and isinstance(poetry.get("name"), str) and _NAME.match(poetry["name"]):
        return PythonProject(poetry["name"], "pyproject.toml [tool.poetry] name")
    return None


def _setup_cfg(files: Mapping[str, str]) -> PythonProject | None:
    text = files.get("setup.cfg")
    if text is None:
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    name = parser.get("metadata", "name", fallback="").strip()
    if not _NAME.match(name):
        return None
    listed = parser.get("options", "install_requires", fallback="")
    dependencies = tuple(line.strip() for line in listed.splitlines() if line.strip())
    return PythonProject(name, "setup.cfg [metadata] name", dependencies, "setup.cfg [options] install_requires")


_SETUP_NAME = re.compile(r"""\bname\s*=\s*(['"])([A-Za-z0-9][A-Za-z0-9._-]*)\1""")


def _setup_py(files: Mapping[str, str]) -> PythonProject | None:
    text = files.get("setup.py")
    match = _SETUP_NAME.search(text) if text is not None else None
    if match is None or not _NAME.match(match.group(2)):
        return None
    return PythonProject(match.group(2), "setup.py name=")


# -- Helm charts ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChartDependency:
    """One entry of a chart's ``dependencies``."""

    name: str
    version: str
    repository: str = ""


@dataclass(frozen=True, slots=True)
class Chart:
    """A Helm chart as its ``Chart.yaml`` describes it."""

    path: str
    """The ``Chart.yaml`` it was read from."""
    name: str
    app_version: str = ""
    dependencies: tuple[ChartDependency, ...] = ()

    @property
    def folder(self) -> str:
        """The chart's folder (``""`` at the root)."""
        return self.path.rpartition("/")[0]


def charts(files: Mapping[str, str]) -> tuple[Chart, ...]:
    r"""Return the charts of every ``Chart.yaml`` in *files* (by path) that names one, by path.

    >>> charts({"jupyterhub/Chart.yaml": "name: jupyterhub\nversion: v0.7-dev\nappVersion: v0.8.1\n"})[0].name
    'jupyterhub'
    """
    found = []
    for path, text in sorted(files.items()):
        if path.rpartition("/")[2] != "Chart.yaml":
            continue
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not _NAME.match(data["name"]):
            continue
        app = data.get("appVersion")
        listed = data.get("dependencies")
        dependencies = tuple(
            ChartDependency(str(d["name"]), str(d.get("version") or ""), str(d.get("repository") or ""))
            for d in (listed if isinstance(listed, list) else ())
            if isinstance(d, dict) and isinstance(d.get("name"), str)
        )
        found.append(Chart(path, data["name"], "" if app is None else str(app), dependencies))
    return tuple(found)


# -- what files pin -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pinned:
    """A package a file pins to one version (``name==1.2.3``), or installs from a URL (a git commit)."""

    name: str
    """The package's canonical name (PEP 503); ``""`` for a URL that does not say it."""
    line: int
    version: str = ""
    """The version of an ``==`` pin; ``""`` for a URL."""
    slug: str = ""
    """The GitHub repository (``owner/name``, lower-cased) a URL installs from."""
    ref: str = ""
    """The git ref of a URL (``7ae9900``)."""

    def __str__(self) -> str:
        """Say what it pins: ``jupyterhub==0.9.1``, ``jupyterhub/kubespawner from git 7ae9900``."""
        if self.version:
            return f"{self.name}=={self.version}"
        return f"{self.name or self.slug or 'a package'} from " + (f"git {self.ref}" if self.ref else "a URL")


_URL = re.compile(r"^(?:git\+|hg\+|svn\+|bzr\+)?(?:https?|ssh|git|file)://\S+$")
_GITHUB = re.compile(r"github\.com[/:]([A-Za-z0-9-]+/[A-Za-z0-9._-]+?)(?:\.git)?(?:@([^#\s]+))?(?:#|$)")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9._-]+)")


def exact_pins(lines: Sequence[str]) -> tuple[Pinned, ...]:
    """Return what requirement *lines* pin exactly: ``==`` (or ``===``) one version, or a URL.

    A lower bound (``jupyterhub>=0.8``) is not a pin: it does not wait for the next release.
    Comments, options (``-r``, ``--index-url``) and lines that are no requirement are passed over.

    >>> [str(p) for p in exact_pins(["jupyterhub==0.9.1", "git+https://github.com/jupyterhub/kubespawner@7ae9900"])]
    ['jupyterhub==0.9.1', 'jupyterhub/kubespawner from git 7ae9900']
    >>> exact_pins(["jupyterhub>=0.8", "-r base.txt"])
    ()
    """
    found = []
    for number, raw in enumerate(lines, start=1):
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            pinned = _pinned(line, number)
            if pinned is not None:
                found.append(pinned)
    return tuple(found)


def _pinned(line: str, number: int) -> Pinned | None:
    """Read one requirement line: a pin, a URL, or ``None``."""
    if _URL.match(line):
        return _from_url(line, "", number)
    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        return None
    name = canonicalize_name(requirement.name)
    if requirement.url:
        return _from_url(requirement.url, name, number)
    clauses = list(requirement.specifier)
    if len(clauses) == 1 and clauses[0].operator in ("==", "===") and "*" not in clauses[0].version:
        return Pinned(name, number, clauses[0].version)
    return None


def _from_url(url: str, name: str, number: int) -> Pinned:
    egg, github = _EGG.search(url), _GITHUB.search(url)
    name = name or (canonicalize_name(egg.group(1)) if egg else "")
    if github is None:
        return Pinned(name, number)
    return Pinned(name, number, slug=github.group(1).lower(), ref=github.group(2) or "")


# -- tags -----------------------------------------------------------------------------------------

_TAG = re.compile(
    r"^(?P<prefix>(?:.*[^0-9A-Za-z.{}])?[vV]?)(?P<version>\d+(?:\.\d+)+(?:[-+._]?[0-9A-Za-z][0-9A-Za-z.+-]*)?)$"
)
"""A tag that names a version: a prefix (``v``, ``pkg-v``, ``chart-``, none), then a dotted version."""


@dataclass(frozen=True, slots=True)
class TagPattern:
    """A tag pattern of the plan (``v{version}``) and the tags that follow it."""

    pattern: str
    tags: tuple[str, ...]
    """Newest first."""

    @property
    def stem(self) -> str:
        """What the prefix names, canonical: ``pkg-v`` -> ``pkg``, ``v`` -> ``""``."""
        prefix = self.pattern.partition("{version}")[0]
        return canonicalize_name(re.sub(r"[-_./@]*[vV]?$", "", prefix)) if prefix else ""


def tag_patterns(tags: Sequence[str]) -> tuple[TagPattern, ...]:
    """Return the patterns *tags* (newest first) follow: the most tags first, then the newest.

    >>> [(p.pattern, len(p.tags)) for p in tag_patterns(["chart-1.1.0", "v0.5.0", "chart-1.0.0", "latest"])]
    [('chart-{version}', 2), ('v{version}', 1)]
    """
    by_pattern: dict[str, list[str]] = {}
    for tag in tags:
        match = _TAG.match(tag)
        if match is not None:
            by_pattern.setdefault(f"{match.group('prefix')}{{version}}", []).append(tag)
    newest = {pattern: tags.index(listed[0]) for pattern, listed in by_pattern.items()}
    counts = Counter({pattern: len(listed) for pattern, listed in by_pattern.items()})
    order = sorted(by_pattern, key=lambda p: (-counts[p], newest[p], p))
    return tuple(TagPattern(p, tuple(by_pattern[p])) for p in order)
