"""Pins: what a release's files say it depends on, each file read by its kind (`PinKind`).

A requirements file holds PEP 508 lines (``jupyterhub==0.9.1``, ``name @ git+https://...``) and
bare VCS URLs (``git+https://github.com/jupyterhub/kubespawner@7ae9900``), whose package is named
by ``#egg=NAME`` or, failing that, by the plan repo whose GitHub repository the URL names.
``pyproject.toml`` (PEP 508 dependencies), ``package.json`` (npm dependencies), ``Chart.yaml``
(chart dependencies), a values file's image mapping and conda recipes (``meta.yaml``,
``recipe.yaml``) are read too. Each `Pin` names its ecosystem; a pin is checked against the
upstream releases that publish its ``(ecosystem, name)`` (`published_keys`). Whatever cannot
be read for sure raises `ValueError` (the file) or sets `Pin.unknown` (one package): unknown,
never met.
"""

from __future__ import annotations

import enum
import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from release_gate.plan.format import PinEntry, PinKind, pin_entry_of
from release_gate.plan.model import Plan, Release, Repo
from release_gate.plan.values import PinFileError, image_mapping, image_name, yaml_at, yaml_document

__all__ = [
    "Ecosystem",
    "Pin",
    "PinFileError",
    "canonical_name",
    "chart_elsewhere",
    "conda_names",
    "forgotten_after",
    "image_name",
    "image_version",
    "pin_entry",
    "pinned_name",
    "pinned_version",
    "published_images",
    "published_keys",
    "read_entry",
    "read_pins",
    "recipe_package",
]

_URL = re.compile(r"^(?:git\+|hg\+|svn\+|bzr\+)?(?:https?|ssh|git|file)://\S+$")
_GITHUB = re.compile(r"github\.com[/:]([A-Za-z0-9-]+/[A-Za-z0-9._-]+?)(?:\.git)?(?:@([^#\s]+))?(?:#|$)")


def canonical_name(name: str) -> str:
    """Normalise a package name as PEP 503 says (`packaging.utils.canonicalize_name`).

    >>> canonical_name("JupyterHub_KubeSpawner")
    'jupyterhub-kubespawner'
    """
    return canonicalize_name(name)


class Ecosystem(enum.StrEnum):
    """Where the package a pin names is published: what its name is matched against."""

    PYPI = "pypi"
    """PyPI project names (PEP 503), against ``published.pypi``."""
    NPM = "npm"
    """npm package names, against ``published.npm``."""
    HELM = "helm"
    """Chart names, against ``published.helm.chart``."""
    OCI = "oci"
    """Container image names, against the images a release lists (`published_images`)."""
    CONDA = "conda"
    """conda package names, against ``published.conda`` and ``published.pypi`` (a feedstock builds the PyPI sdist)."""


@dataclass(frozen=True, slots=True)
class Pin:
    """One package a pin file names."""

    name: str
    """The package's name: canonical (PEP 503) for PyPI and conda, as written for npm, charts and images."""
    path: str
    """The file it is in."""
    line: int
    specifier: str = ""
    """``==X`` for one exact version; else the range as the file writes it (``>=0.8``, ``^5.0.0``)."""
    url: str = ""
    ref: str = ""
    """The git ref of a URL pin (``7ae9900``), or the tag of an image pin as written (``v0.7.0``)."""
    ecosystem: Ecosystem = Ecosystem.PYPI
    where: str = ""
    """A chart dependency's ``repository`` (``https://jupyterhub.github.io/helm-chart/``, ``@alias``)."""
    unknown: str = ""
    """Why the pinned version cannot be read (a Jinja expression, a number); the pin is then unknown."""

    @property
    def key(self) -> tuple[Ecosystem, str]:
        """Which package it is: pins of one key are reported once."""
        return (self.ecosystem, self.name)

    def exact(self) -> str | None:
        """Return the version of an ``==`` pin, or ``None`` when the pin is not one exact version."""
        match = re.fullmatch(r"===?\s*([^,\s*]+)", self.specifier.strip())
        return match.group(1) if match else None

    def shown(self, name: str) -> str:
        """Say what the file pins, in its ecosystem's words: ``jupyterhub==0.9.1``, ``@scope/pkg@5.0.0``.

        >>> Pin("x", "package.json", 3, "^5.0.0", ecosystem=Ecosystem.NPM).shown("@scope/pkg")
        '@scope/pkg@^5.0.0'
        """
        exact = self.exact()
        if self.ecosystem is Ecosystem.OCI:
            return f"{name}:{self.ref}"
        if self.ecosystem in (Ecosystem.NPM, Ecosystem.HELM):
            return f"{name}@{exact if exact is not None else self.specifier}"
        return f"{name}=={exact}" if exact is not None else f"{name}{self.specifier}"


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


def pin_entry(entry: str) -> tuple[str, str, str] | None:
    """Split a ``pins`` entry into ``(path, key, package)``; ``None`` when it is malformed.

    ``images/hub/requirements.txt`` is a requirements file (no key);
    ``jupyterhub/Chart.yaml#appVersion=jupyterhub`` says that key ``appVersion`` of that YAML
    file pins package ``jupyterhub``. The kind is `release_gate.plan.format.pin_entry_of`'s.

    >>> pin_entry("jupyterhub/Chart.yaml#appVersion=jupyterhub")
    ('jupyterhub/Chart.yaml', 'appVersion', 'jupyterhub')
    """
    parsed = pin_entry_of(entry)
    return (parsed.path, parsed.key, parsed.package) if isinstance(parsed, PinEntry) else None


def read_entry(text: str, entry: str, plan: Plan) -> tuple[Pin, ...]:
    """Read the pins one ``pins`` entry names from its file's *text*; raises `ValueError` when it cannot."""
    parsed = pin_entry_of(entry)
    if isinstance(parsed, str):
        raise PinFileError(f"{entry!r} is not a pin entry: {parsed}")
    try:
        return _read_kind(text, parsed, plan)
    except RecursionError:  # JSON, TOML or YAML nested past Python's limit: a hostile file
        raise PinFileError(f"{parsed.path} is nested too deeply to read") from None


def _read_kind(text: str, parsed: PinEntry, plan: Plan) -> tuple[Pin, ...]:
    """Read the pins of *parsed* by its kind (see `read_entry`)."""
    match parsed.kind:
        case PinKind.REQUIREMENTS:
            return read_pins(text, parsed.path, plan)
        case PinKind.YAML:
            return (_yaml_key(text, parsed),)
        case PinKind.PYPROJECT:
            return _pyproject(text, parsed.path)
        case PinKind.NPM:
            return _package_json(text, parsed.path)
        case PinKind.CHART:
            return _chart(text, parsed.path)
        case PinKind.VALUES:
            return (_values_image(text, parsed),)
        case PinKind.CONDA:
            return _conda_recipe(text, parsed.path)


def _yaml_key(text: str, entry: PinEntry) -> Pin:
    """Read ``PATH#KEY=PACKAGE``: the scalar at the key is an exact pin of the PyPI package (a leading v dropped)."""
    value, line = yaml_at(text, entry.path, entry.key)
    name = canonical_name(entry.package)
    if not isinstance(value, str):  # 1.10 is YAML's float 1.1: a number is not the version written
        why = f"it is written as {type(value).__name__} {value!r}, not as a string (quote the version)"
        return Pin(name, entry.path, line, unknown=why)
    version = value.strip()
    version = version[1:] if version[:1] in "vV" and version[1:2].isdigit() else version
    return Pin(name, entry.path, line, f"=={version}")


def _line_of(text: str, needle: str) -> int:
    """Return the first line of *text* that holds *needle* (0: none); files are small."""
    return next((n for n, raw in enumerate(text.splitlines(), start=1) if needle in raw), 0)


# -- pyproject.toml ------------------------------------------------------------------------------


def _pyproject(text: str, path: str) -> tuple[Pin, ...]:
    """Read ``[project] dependencies`` and ``[project.optional-dependencies]`` (PEP 508, as requirements lines)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PinFileError(f"{path} is not TOML ({exc})") from None
    project = data.get("project")
    if not isinstance(project, dict):
        raise PinFileError(f"{path} has no [project] table")
    if "dependencies" in project.get("dynamic", ()) or "optional-dependencies" in project.get("dynamic", ()):
        raise PinFileError(f"{path} declares its dependencies dynamic: the build decides them, not the file")
    listed = project.get("dependencies", [])
    extras = project.get("optional-dependencies", {})
    if (
        not isinstance(listed, list)
        or not isinstance(extras, dict)
        or not all(isinstance(v, list) for v in extras.values())
    ):
        raise PinFileError(f"{path}: [project] dependencies must be a list of strings, optional-dependencies a table")
    pins = []
    for line in (*listed, *(line for lines in extras.values() for line in lines)):
        if not isinstance(line, str):
            raise PinFileError(f"{path}: a dependency is not a string ({line!r:.60})")
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            raise PinFileError(f"{path}: {line!r} is not a requirement ({exc})") from None
        github = _GITHUB.search(requirement.url) if requirement.url else None
        ref = github.group(2) or "" if github else ""
        number = _line_of(text, line)
        name = canonical_name(requirement.name)
        pins.append(Pin(name, path, number, str(requirement.specifier), requirement.url or "", ref))
    return tuple(pins)


# -- package.json --------------------------------------------------------------------------------

_NPM_SECTIONS = ("dependencies", "peerDependencies", "optionalDependencies", "devDependencies")
_NPM_EXACT = re.compile(r"^[=v]?\s*(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$")
_NPM_URL = re.compile(r"^(?:git\+|git:|github:|gitlab:|bitbucket:|https?:|[A-Za-z0-9-]+/[A-Za-z0-9._-]+(?:#|$))")
_NPM_LOCAL = ("workspace:", "file:", "link:", "portal:", "patch:")


def _package_json(text: str, path: str) -> tuple[Pin, ...]:
    """Read the four dependency tables of a ``package.json``: an exact version is a pin, a range is not one."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise PinFileError(f"{path} is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise PinFileError(f"{path} is not a JSON object")
    pins = []
    for section in _NPM_SECTIONS:
        table = data.get(section, {})
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise PinFileError(f"{path}: {section} must map package names to version strings")
        for name, spec in table.items():
            pin = _npm_pin(str(name), spec.strip(), path, _line_of(text, f'"{name}"'))
            if pin is not None:
                pins.append(pin)
    return tuple(pins)


def _npm_pin(name: str, spec: str, path: str, line: int) -> Pin | None:
    """Read one npm dependency; ``None`` for a package of the same workspace or folder (not published)."""
    if spec.startswith("npm:"):  # an alias: "widgets": "npm:@jupyter-widgets/base@6.0.0"
        aliased = spec[4:]
        cut = aliased.rfind("@")
        # An '@' at the start opens a scope (npm:@scope/pkg): no version after it, so any version.
        name, spec = (aliased[:cut], aliased[cut + 1 :]) if cut > 0 else (aliased, "*")
    if spec.startswith(_NPM_LOCAL):
        return None
    if _NPM_URL.match(spec):
        github = re.match(r"^(?:github:)?([A-Za-z0-9-]+/[A-Za-z0-9._-]+)#(.+)$", spec) or _GITHUB.search(spec)
        ref = github.group(2) or "" if github else ""
        return Pin(name, path, line, url=spec, ref=ref, ecosystem=Ecosystem.NPM)
    exact = _NPM_EXACT.match(spec)
    return Pin(name, path, line, f"=={exact.group(1)}" if exact else spec or "*", ecosystem=Ecosystem.NPM)


# -- Chart.yaml ----------------------------------------------------------------------------------

_SEMVER_EXACT = re.compile(r"^[=v]?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$")


def _chart(text: str, path: str) -> tuple[Pin, ...]:
    """Read ``dependencies[]`` of a ``Chart.yaml`` (or Helm 2 ``requirements.yaml``): a plain SemVer is a pin."""
    data = yaml_document(text, path)
    if not isinstance(data, dict):
        raise PinFileError(f"{path} is not a YAML mapping")
    listed = data.get("dependencies") or []
    if not isinstance(listed, list) or not all(isinstance(d, dict) and isinstance(d.get("name"), str) for d in listed):
        raise PinFileError(f"{path}: dependencies must be a list of mappings, each with a name")
    pins = []
    for dependency in listed:
        name, version = dependency["name"], dependency.get("version")
        line = _line_of(text, f"name: {name}") or _line_of(text, name)
        where = str(dependency.get("repository") or "")
        if not isinstance(version, str):
            unknown = f"its version is written as {type(version).__name__} {version!r}, not as a string"
            pins.append(Pin(name, path, line, ecosystem=Ecosystem.HELM, where=where, unknown=unknown))
            continue
        exact = _SEMVER_EXACT.match(version.strip())
        specifier = f"=={exact.group(1)}" if exact else version.strip()
        pins.append(Pin(name, path, line, specifier, ecosystem=Ecosystem.HELM, where=where))
    return tuple(pins)


# -- a values file's image -----------------------------------------------------------------------


def _values_image(text: str, entry: PinEntry) -> Pin:
    """Read the image mapping at ``PATH#KEY``: ``name`` (or ``repository``, optionally ``registry``) and ``tag``."""
    full, tag, line = image_mapping(text, entry.path, entry.key)
    if not isinstance(tag, str):
        why = "it has no tag" if tag is None else f"its tag is written as {type(tag).__name__} {tag!r}, not as a string"
        return Pin(full, entry.path, line, ecosystem=Ecosystem.OCI, unknown=why)
    written = tag.strip().partition("@")[0]  # a digest after the tag pins the image, the tag names the version
    version = written[1:] if written[:1] in "vV" and written[1:2].isdigit() else written
    return Pin(full, entry.path, line, f"=={version}" if version else "", ref=written, ecosystem=Ecosystem.OCI)


def image_version(tag: str, pattern: str) -> str | None:
    """Return the version an image *tag* names under a tag *pattern* (``v{version}``), or ``None``.

    >>> image_version("v0.7.0-beta.1", "v{version}"), image_version("0.7.0", "v{version}")
    ('0.7.0-beta.1', None)
    """
    prefix, _, suffix = pattern.partition("{version}")
    if tag.startswith(prefix) and tag.endswith(suffix) and len(tag) > len(prefix) + len(suffix):
        return tag[len(prefix) : len(tag) - len(suffix)]
    return None


def published_images(plan: Plan, release: Release) -> tuple[tuple[str, str], ...]:
    """Return ``(image name, tag pattern)`` for each container image *release* names (``images``); ``()``: none.

    The one place values pins meet the plan's container images: a values file's image pins
    the release whose ``images`` list that image (by `image_name`), and its tag is read
    through that image's tag pattern (``v{version}``).
    """
    del plan  # the release lists its images itself
    return tuple((image_name(image.name), image.tag) for image in release.images)


def conda_names(repo: Repo) -> tuple[str, ...]:
    """Return the conda package names *repo* (a release's packaging) publishes (``published.conda``); ``()``: none.

    A conda pin is matched against these and against the PyPI name (a feedstock builds the PyPI sdist).
    """
    return (repo.conda.name,) if repo.conda is not None else ()


def published_keys(plan: Plan, release: Release) -> Iterator[tuple[Ecosystem, str]]:
    """Yield the ``(ecosystem, name)`` of every package *release* publishes, as `Pin.key` names them."""
    repo = plan.packaging(release)
    if repo.pypi:
        yield (Ecosystem.PYPI, canonical_name(repo.pypi))
        yield (Ecosystem.CONDA, canonical_name(repo.pypi))
    yield from ((Ecosystem.CONDA, canonical_name(name)) for name in conda_names(repo))
    if repo.npm:
        yield (Ecosystem.NPM, repo.npm)
    if repo.helm is not None:
        yield (Ecosystem.HELM, repo.helm.chart)
    yield from ((Ecosystem.OCI, image_name(name)) for name, _ in published_images(plan, release))


def pinned_name(repo: Repo, release_id: str, pin: Pin) -> str:
    """Return the name a reason shows for what *pin* pins of an upstream packaged as *repo*."""
    if pin.ecosystem is Ecosystem.PYPI:
        return repo.pypi or release_id
    if pin.ecosystem is Ecosystem.NPM:
        return repo.npm or pin.name
    if pin.ecosystem is Ecosystem.HELM and repo.helm is not None:
        return repo.helm.chart
    return pin.name


def pinned_version(plan: Plan, release: Release, pin: Pin) -> str | None:
    """Return the one version *pin* pins of *release*'s package, or ``None`` when it pins no exact version.

    An image tag is read through the tag pattern the release publishes the image with
    (``v{version}``), else as written with a leading ``v`` dropped.
    """
    if pin.ecosystem is Ecosystem.OCI:
        for name, pattern in published_images(plan, release):
            if image_name(name) == pin.name:
                return image_version(pin.ref, pattern)
    return pin.exact()


def chart_elsewhere(repo: Repo, pin: Pin) -> str:
    """Say why a chart dependency is not the upstream's chart: another repository; ``""`` when it may be.

    Compared only when both are URLs (an ``@alias`` or ``oci://`` repository is matched by name).
    """
    if pin.ecosystem is not Ecosystem.HELM or repo.helm is None or not pin.where.startswith(("http://", "https://")):
        return ""
    folder = repo.helm.index.rpartition("/")[0] if repo.helm.index.endswith(".yaml") else repo.helm.index
    if pin.where.rstrip("/") == folder.rstrip("/"):
        return ""
    return f"pins {repo.helm.chart} from {pin.where}, not from the plan's chart repository {folder.rstrip('/')}/"


# -- conda recipes -------------------------------------------------------------------------------

_JINJA_SET = re.compile(r"^\s*\{%-?\s*set\s+(\w+)\s*=\s*(.*?)\s*-?%\}\s*$")
_JINJA_LITERAL = re.compile(r"""^(?:"([^"{}%\\]*)"|'([^'{}%\\]*)'|(\d+))$""")
_JINJA_STATEMENT = re.compile(r"\{%.*?%\}")
_JINJA_EXPRESSION = re.compile(r"\$?\{\{\s*(.*?)\s*\}\}")
_CONDA_SPEC = re.compile(r"^([A-Za-z0-9_.-]+)\s*(.*)$")
_CONDA_EXACT = re.compile(r"^(?:==\s*)?([0-9][A-Za-z0-9_.+!-]*)(?:\s+[A-Za-z0-9_.]+)?$")
_UNRENDERED = "\u2047"
"""Stands where a Jinja expression could not be rendered: a value holding it is not known."""


def _conda_recipe(text: str, path: str) -> tuple[Pin, ...]:
    """Read a conda recipe: its own package at its version, and what ``requirements.run``/``host`` pin.

    ``meta.yaml`` (v0): only plain ``{% set NAME = "value" %}`` lines are allowed (any other
    statement could change what the recipe says); ``{{ NAME }}`` of such a set is rendered.
    ``recipe.yaml`` (v1): ``${{ NAME }}`` is rendered from ``context``. Any other expression
    leaves the value it is in unknown. Selectors (``# [win]``, v1 ``if:``) are ignored: every
    branch is read.
    """
    data, rendered = _recipe_document(text, path)
    return (*_own_package(data, rendered, path), *_conda_needs(data, rendered, path))


def recipe_package(text: str, path: str) -> Pin | None:
    r"""Return a conda recipe's own package at its version (read as `_conda_recipe` reads it), or ``None``.

    The version is the pin's `Pin.exact`; a version that cannot be read leaves it ``None`` with
    `Pin.unknown` saying why. Raises `PinFileError` for a recipe that cannot be read for sure.

    >>> recipe = '{% set version = "0.9.2" %}\npackage:\n  name: x\n  version: "{{ version }}"\n'
    >>> recipe_package(recipe, "recipe/meta.yaml").exact()
    '0.9.2'
    """
    data, rendered = _recipe_document(text, path)
    own = _own_package(data, rendered, path)
    return own[0] if own else None


def _recipe_document(text: str, path: str) -> tuple[dict[str, Any], str]:
    """Return a recipe's YAML mapping, rendered from its plain sets (v0) or its context (v1), and its rendered text."""
    if path.rpartition("/")[2] == "recipe.yaml":
        variables = _v1_context(text, path)
    else:
        variables, text = _v0_sets(text, path)
    rendered = _JINJA_EXPRESSION.sub(lambda m: _render(m.group(1), variables), text)
    data = yaml_document(rendered, path)
    if not isinstance(data, dict):
        raise PinFileError(f"{path} is not a YAML mapping")
    return data, rendered


def _v0_sets(text: str, path: str) -> tuple[dict[str, str | None], str]:
    """Return the plain sets of a ``meta.yaml`` (``None``: set to an expression) and its text without them."""
    variables: dict[str, str | None] = {}
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        statement = _JINJA_STATEMENT.search(raw)
        if statement is None:
            lines.append(raw)
            continue
        plain = _JINJA_SET.match(raw)
        if plain is None:
            raise PinFileError(
                f"{path} line {number}: {statement.group(0)[:60]!r} is Jinja that is not a plain "
                "'{% set name = \"value\" %}'; a recipe is read without rendering it"
            )
        literal = _JINJA_LITERAL.match(plain.group(2))
        variables[plain.group(1)] = next((g for g in literal.groups() if g is not None), None) if literal else None
        lines.append("")  # keep the line numbers
    return variables, "\n".join(lines)


def _v1_context(text: str, path: str) -> dict[str, str | None]:
    """Return a ``recipe.yaml``'s ``context``, each value rendered from the ones before it (``None``: unknown)."""
    data = yaml_document(text, path)
    context = data.get("context") if isinstance(data, dict) else None
    if context is None:
        return {}
    if not isinstance(context, dict):
        raise PinFileError(f"{path}: context must be a mapping")
    variables: dict[str, str | None] = {}
    for name, value in context.items():
        if isinstance(value, str):
            rendered = _JINJA_EXPRESSION.sub(lambda m: _render(m.group(1), variables), value)
            variables[str(name)] = None if _UNRENDERED in rendered else rendered
        else:  # a number is not a version anyone can read for sure (1.10 is 1.1)
            variables[str(name)] = str(value) if isinstance(value, int) and not isinstance(value, bool) else None
    return variables


def _render(expression: str, variables: Mapping[str, str | None]) -> str:
    """Render a ``{{ NAME }}`` (or ``{{ NAME|lower }}``) of a plain set; anything else is marked unrendered.

    A call that names a package plainly (``{{ pin_compatible('numpy') }}``) keeps the name, so
    that a requirement written with it is that package's, at a version not known.
    """
    plain = re.fullmatch(r"(\w+)\s*(\|\s*lower)?", expression)
    value = variables.get(plain.group(1)) if plain else None
    if value is not None and plain is not None:
        return value.lower() if plain.group(2) else value
    call = re.fullmatch(r"\w+\(\s*['\"]([A-Za-z0-9_.-]+)['\"].*\)", expression)
    return f"{call.group(1)} {_UNRENDERED}" if call else _UNRENDERED


def _own_package(data: dict[str, Any], text: str, path: str) -> tuple[Pin, ...]:
    """Return the recipe's own package at its version (``package``, else v1 ``recipe``), if it names one."""
    package = data.get("package") if isinstance(data.get("package"), dict) else data.get("recipe")
    if not isinstance(package, dict):
        return ()
    name, version = package.get("name"), package.get("version")
    if not isinstance(name, str) or _UNRENDERED in name or not name.strip():
        raise PinFileError(f"{path}: the package name is not a plain string")
    line = _line_of(text, "version:") or _line_of(text, "name:")
    canonical = canonical_name(name.strip())
    if not isinstance(version, str) or _UNRENDERED in version or not version.strip():
        why = "its version is not a plain string (a Jinja expression, a number or nothing)"
        return (Pin(canonical, path, line, ecosystem=Ecosystem.CONDA, unknown=why),)
    return (Pin(canonical, path, line, f"=={version.strip()}", ecosystem=Ecosystem.CONDA),)


def _conda_needs(data: dict[str, Any], text: str, path: str) -> tuple[Pin, ...]:
    """Read ``requirements.run`` and ``host``, of the recipe and of each output, every selector's branch."""
    outputs = data.get("outputs") or []
    tables = [data, *(o for o in outputs if isinstance(o, dict))] if isinstance(outputs, list) else [data]
    pins: list[Pin | None] = []
    for table in tables:
        requirements = table.get("requirements") or {}
        if not isinstance(requirements, dict):
            raise PinFileError(f"{path}: requirements must be a mapping")
        for section in ("host", "run"):
            pins.extend(
                _conda_pin(spec, path, _line_of(text, f"- {spec.strip()}") or _line_of(text, spec.strip()))
                for spec in _branches(requirements.get(section) or [], path)
            )
    return tuple(pin for pin in pins if pin is not None)


def _branches(listed: Any, path: str) -> Iterator[str]:
    """Yield every spec of a requirements list, both branches of a v1 ``if``/``then``/``else``."""
    if not isinstance(listed, list):
        raise PinFileError(f"{path}: a requirements section must be a list")
    for item in listed:
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict) and "if" in item:
            for branch in (item.get("then"), item.get("else")):
                yield from _branches(branch if isinstance(branch, list) else [branch] if branch else [], path)
        else:
            raise PinFileError(f"{path}: {item!r:.60} is not a requirement")


def _conda_pin(spec: str, path: str, line: int) -> Pin | None:
    """Read one conda spec: ``name ==X`` or ``name X`` (one version) is a pin; ``name =X`` is X.*, a range."""
    match = _CONDA_SPEC.match(spec.strip())
    if match is None or _UNRENDERED in match.group(1):
        if spec.strip().startswith(_UNRENDERED):
            return None  # a Jinja call such as {{ pin_compatible('numpy') }}: it names no package plainly
        raise PinFileError(f"{path}: {spec[:60]!r} is not a conda requirement")
    name, rest = canonical_name(match.group(1)), match.group(2).strip()
    if _UNRENDERED in rest:
        return Pin(name, path, line, ecosystem=Ecosystem.CONDA, unknown=f"{spec.strip()!r} holds a Jinja expression")
    exact = _CONDA_EXACT.match(rest)
    return Pin(name, path, line, f"=={exact.group(1)}" if exact else rest, ecosystem=Ecosystem.CONDA)


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
                raise PinFileError(f"{path} line {number}: cannot tell which package {line!r} installs; add #egg=NAME")
            pins.append(Pin(name, path, number, url=line, ref=ref))
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            raise PinFileError(f"{path} line {number}: {line!r} is not a requirement ({exc})") from None
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
    by_package: dict[tuple[Ecosystem, str], list[str]] = {}
    for release in plan.releases:
        for key in dict.fromkeys(published_keys(plan, release)):
            by_package.setdefault(key, []).append(release.id)
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
                for upstream in by_package.get(pin.key, ())
                if upstream != release.id and upstream not in release.after
            )
    return tuple(dict.fromkeys(found))
