"""Pins: what a release's files say it depends on (requirements files), read with packaging.

A pin file is a pip requirements file: PEP 508 lines (``jupyterhub==0.9.1``,
``name @ git+https://...``) and bare VCS URLs
(``git+https://github.com/jupyterhub/kubespawner@7ae9900``), whose package is named by
``#egg=NAME`` or, failing that, by the plan repo whose GitHub repository the URL names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from release_gate.plan.model import Plan

__all__ = ["Pin", "canonical_name", "forgotten_after", "pin_entry", "read_entry", "read_pins"]

_URL = re.compile(r"^(?:git\+|hg\+|svn\+|bzr\+)?(?:https?|ssh|git|file)://\S+$")
_GITHUB = re.compile(r"github\.com[/:]([A-Za-z0-9-]+/[A-Za-z0-9._-]+?)(?:\.git)?(?:@([^#\s]+))?(?:#|$)")


def canonical_name(name: str) -> str:
    """Normalise a package name as PEP 503 says (`packaging.utils.canonicalize_name`).

    >>> canonical_name("JupyterHub_KubeSpawner")
    'jupyterhub-kubespawner'
    """
    return canonicalize_name(name)


@dataclass(frozen=True, slots=True)
class Pin:
    """One package a pin file names."""

    name: str
    """Canonical package name."""
    path: str
    """The file it is in."""
    line: int
    specifier: str = ""
    url: str = ""
    ref: str = ""
    """The git ref of a URL pin (``7ae9900``)."""

    def exact(self) -> str | None:
        """Return the version of an ``==`` pin, or ``None`` when the pin is not one exact version."""
        match = re.fullmatch(r"===?\s*([^,\s*]+)", self.specifier.strip())
        return match.group(1) if match else None


def _name_of_url(url: str, plan: Plan) -> tuple[str | None, str]:
    egg = re.search(r"[#&]egg=([A-Za-z0-9._-]+)", url)
    github = _GITHUB.search(url)
    ref = github.group(2) if github and github.group(2) else ""
    if egg:
        return canonical_name(egg.group(1)), ref
    if github:
        slug = github.group(1).lower()
        for repo in plan.repos:
            if repo.slug.lower() == slug:
                return canonical_name(repo.pypi or _only_project(plan, repo.id) or repo.id), ref
        return canonical_name(slug.split("/")[1]), ref
    return None, ref


def _only_project(plan: Plan, repo_id: str) -> str | None:
    """Return the one PyPI project the releases of repo *repo_id* publish, or ``None`` (none, or several).

    A URL that names a monorepo without ``#egg=`` installs one of its packages: which one is
    only clear when its releases publish one project between them.
    """
    projects = {
        canonical_name(project)
        for release in plan.releases
        if release.repo == repo_id and (project := plan.packaging(release).pypi)
    }
    return projects.pop() if len(projects) == 1 else None


_ENTRY = re.compile(r"^(?P<path>[^#]+?)(?:#(?P<key>[A-Za-z0-9_.-]+)=(?P<package>[A-Za-z0-9_.-]+))?$")


def pin_entry(entry: str) -> tuple[str, str, str] | None:
    """Split a ``pins`` entry into ``(path, key, package)``; ``None`` when it is malformed.

    ``images/hub/requirements.txt`` is a requirements file (no key);
    ``jupyterhub/Chart.yaml#appVersion=jupyterhub`` says that key ``appVersion`` of that YAML
    file pins package ``jupyterhub``.

    >>> pin_entry("jupyterhub/Chart.yaml#appVersion=jupyterhub")
    ('jupyterhub/Chart.yaml', 'appVersion', 'jupyterhub')
    """
    match = _ENTRY.match(entry.strip())
    if match is None:
        return None
    return match.group("path"), match.group("key") or "", match.group("package") or ""


def read_entry(text: str, entry: str, plan: Plan) -> tuple[Pin, ...]:
    """Read the pins one ``pins`` entry names from its file's *text*; raises `ValueError` when it cannot."""
    parts = pin_entry(entry)
    if parts is None:
        raise ValueError(f"{entry!r} is not a pin entry (PATH, or PATH#KEY=PACKAGE)")
    path, key, package = parts
    if not key:
        return read_pins(text, path, plan)
    import yaml  # noqa: PLC0415 - imported on use: only a PATH#KEY pin reads YAML, so offline checks stay light

    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ValueError(f"{path} is not YAML") from None
    value = document.get(key) if isinstance(document, dict) else None
    if value is None:
        raise ValueError(f"{path} has no key {key!r}")
    line = next((n for n, raw in enumerate(text.splitlines(), start=1) if raw.startswith(f"{key}:")), 0)
    version = str(value).strip()
    version = version[1:] if version[:1] in "vV" and version[1:2].isdigit() else version
    return (Pin(canonical_name(package), path, line, f"=={version}"),)


def read_pins(text: str, path: str, plan: Plan) -> tuple[Pin, ...]:
    """Read the pins of requirements file *text*; raises `ValueError` naming the line that is wrong."""
    pins = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue  # comments, and options such as -r other.txt or --index-url
        if _URL.match(line):
            name, ref = _name_of_url(line, plan)
            if name is None:
                raise ValueError(f"{path} line {number}: cannot tell which package {line!r} installs; add #egg=NAME")
            pins.append(Pin(name, path, number, url=line, ref=ref))
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            raise ValueError(f"{path} line {number}: {line!r} is not a requirement ({exc})") from None
        ref = ""
        if requirement.url:
            github = _GITHUB.search(requirement.url)
            ref = github.group(2) or "" if github else ""
        pins.append(
            Pin(canonical_name(requirement.name), path, number, str(requirement.specifier), requirement.url or "", ref)
        )
    return tuple(pins)


def forgotten_after(plan: Plan, files: Mapping[tuple[str, str], str]) -> tuple[tuple[str, str, Pin], ...]:
    """Return ``(release id, upstream release id, pin)`` for pins of planned packages missing from ``after``.

    *files* maps ``(owner/name, path)`` to the text of each pin file that was read.
    """
    by_package: dict[str, list[str]] = {}
    for release in plan.releases:
        project = plan.packaging(release).pypi
        if project:
            by_package.setdefault(canonical_name(project), []).append(release.id)
    found: list[tuple[str, str, Pin]] = []
    for release in plan.releases:
        slug = plan.repo(release.repo).slug.lower()
        for entry in release.pins:
            parts = pin_entry(entry)
            text = files.get((slug, parts[0])) if parts else None
            if text is None:
                continue
            try:
                pins = read_entry(text, entry, plan)
            except ValueError:
                continue  # check reports the bad file; here only edges are suggested
            found.extend(
                (release.id, upstream, pin)
                for pin in pins
                for upstream in by_package.get(pin.name, ())
                if upstream != release.id and upstream not in release.after
            )
    return tuple(found)
