"""The plan file format, declared once: the parser checks it and the JSON Schema is made from it.

Every key a plan file may contain is a `Field` below, with its type, whether it is
required, its default and its documentation. `json_schema` turns the declaration into
the JSON Schema that ``release-gate schema`` prints, so the schema cannot drift from what
`release_gate.plan.reader` accepts.
"""

from __future__ import annotations

import copy
import difflib
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from release_gate.plan.model import DEFAULT_CONDA_API, DEFAULT_NPM, DEFAULT_PYPI, DEFAULT_RECIPE, Intent, Source
from release_gate.versions import Accept, Scheme

__all__ = [
    "PACKAGING",
    "PIN_KIND_BY_FILE",
    "PLAN",
    "Field",
    "Kind",
    "PinEntry",
    "PinKind",
    "json_schema",
    "pin_entry_of",
    "pin_path",
]

MAX_ITEM_NUMBER = 2**31 - 1
"""The largest PR or issue number: GitHub's GraphQL ``Int`` is 32-bit, and a query with a larger one fails whole."""

MAX_WARN_DAYS = 3650
"""The most days of warning a deadline may give (ten years)."""


def _up_to(limit: int) -> str:
    """Return a regular expression for the decimal numbers 1 to *limit*, leading zeros allowed.

    JSON Schema has no maximum for a number inside a string, so the ref pattern spells it out.

    >>> _up_to(250)
    '0*(?:[1-9][0-9]{0,1}|1[0-9]{2}|2[0-4][0-9]|250)'
    """
    digits = str(limit)
    shorter = "[1-9]" + (f"[0-9]{{0,{len(digits) - 2}}}" if len(digits) > 2 else "") if len(digits) > 1 else ""
    same_length = []
    for index, digit in enumerate(digits):
        low = "1" if index == 0 else "0"
        if digit > low:
            rest = len(digits) - index - 1
            top = str(int(digit) - 1)
            span = top if top == low else f"[{low}-{top}]"
            tail = "" if rest == 0 else "[0-9]" if rest == 1 else f"[0-9]{{{rest}}}"
            same_length.append(digits[:index] + span + tail)
    same_length.append(digits)
    return "0*(?:" + "|".join(([shorter] if shorter else []) + same_length) + ")"


ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
REF_PATTERN = rf"^([A-Za-z0-9][A-Za-z0-9-]*/)?[A-Za-z0-9._-]+#{_up_to(MAX_ITEM_NUMBER)}$"

_PATH_CHAR = r"[^/\\#?:\s\x00-\x1f\x7f-\x9f]"
_PATH_START = r"[^./\\#?:\s\x00-\x1f\x7f-\x9f]"
_PATH_SEGMENT = rf"(?:{_PATH_START}{_PATH_CHAR}*|\.{_PATH_START}{_PATH_CHAR}*|\.\.{_PATH_CHAR}+)"


class PinKind(enum.StrEnum):
    """How a pin file is read (the kind of a ``pins`` entry)."""

    REQUIREMENTS = "requirements"
    """A pip requirements file: ``name==X`` lines and VCS URLs (any file name not below)."""
    PYPROJECT = "pyproject"
    """``pyproject.toml``: ``[project] dependencies`` and ``[project.optional-dependencies]``."""
    NPM = "npm"
    """``package.json``: ``dependencies``, ``peerDependencies``, ``optionalDependencies``, ``devDependencies``."""
    CHART = "chart"
    """``Chart.yaml`` (or a Helm 2 ``requirements.yaml``): ``dependencies[]`` name, version, repository."""
    VALUES = "values"
    """``PATH#KEY``: the container image mapping (``name``/``repository`` and ``tag``) at a dotted key."""
    CONDA = "conda"
    """A conda recipe, ``meta.yaml`` or ``recipe.yaml``: its own package and version, and its run/host needs."""
    YAML = "yaml"
    """``PATH#KEY=PACKAGE``: the scalar at a key of a YAML file is an exact pin of the package."""


PIN_KIND_BY_FILE: Mapping[str, PinKind] = {
    "pyproject.toml": PinKind.PYPROJECT,
    "package.json": PinKind.NPM,
    "Chart.yaml": PinKind.CHART,
    "meta.yaml": PinKind.CONDA,
    "recipe.yaml": PinKind.CONDA,
}
"""The kind a ``pins`` entry without ``KIND:`` and without a selector has, by its file name (else requirements)."""

_PIN_KEY = r"[A-Za-z0-9_.-]+"
_PIN_PATH = rf"{_PATH_SEGMENT}(?:/{_PATH_SEGMENT})*"
_PIN_WHOLE = "|".join(k.value for k in PinKind if k not in (PinKind.VALUES, PinKind.YAML))
_PIN_NAMED = "|".join(name.replace(".", r"\.") for name in PIN_KIND_BY_FILE)
PIN_PATTERN = (
    rf"^(?:(?:(?:{_PIN_WHOLE}):)?{_PIN_PATH}"  # a whole file: its kind written, or by its name
    rf"|(?:yaml:)?{_PIN_PATH}#{_PIN_KEY}={_PIN_KEY}"  # a YAML key that pins a package
    rf"|values:{_PIN_PATH}#{_PIN_KEY}"  # an image mapping at a key
    rf"|(?:{_PATH_SEGMENT}/)*(?!(?:{_PIN_NAMED})#){_PATH_SEGMENT}#{_PIN_KEY})$"  # the same, of a values file
)
"""A pins entry: ``[KIND:]PATH[#KEY[=PACKAGE]]``. PATH is relative, inside the repository (no '.' or '..' part,
no leading '/', no '\\', no ':', '?', whitespace or control character, no empty part); ``#KEY=PACKAGE`` is a
key of a YAML file that pins a package, ``#KEY`` an image mapping in a values file (`PinKind`)."""


@dataclass(frozen=True, slots=True)
class PinEntry:
    """One ``pins`` entry, split: ``[KIND:]PATH[#KEY[=PACKAGE]]``."""

    kind: PinKind
    path: str
    key: str = ""
    """The selector's dotted key (values, yaml)."""
    package: str = ""
    """The package a yaml key pins."""


def pin_entry_of(entry: str) -> PinEntry | str:
    """Return *entry* split into its kind, path and selector, or why it is not a pin entry (did-you-mean included).

    Without ``KIND:`` the kind comes from the selector (``#KEY=PACKAGE``: yaml, as always) or the
    file name (`PIN_KIND_BY_FILE`; ``PATH#KEY``: values), else requirements. The path itself is
    checked by the reader (``pin_path_problem``).

    >>> pin_entry_of("jupyterhub/Chart.yaml#appVersion=jupyterhub")
    PinEntry(kind=<PinKind.YAML: 'yaml'>, path='jupyterhub/Chart.yaml', key='appVersion', package='jupyterhub')
    >>> pin_entry_of("jupyterhub/values.yaml#hub.image").kind, pin_entry_of("requirements:package.json").kind
    (<PinKind.VALUES: 'values'>, <PinKind.REQUIREMENTS: 'requirements'>)
    >>> pin_entry_of("pyprojct:pyproject.toml")
    "'pyprojct' is not a pin kind (did you mean 'pyproject'?); the kinds are requirements, pyproject, npm, chart, \
values, conda, yaml"
    """
    kinds = [k.value for k in PinKind]
    written, colon, rest = entry.strip().partition(":")
    close = difflib.get_close_matches(written.lower(), kinds, n=1, cutoff=0.6) if colon else []
    if written not in kinds and not (close and re.fullmatch("[A-Za-z]+", written) and not rest.startswith("/")):
        written, rest = "", entry.strip()  # no kind: a ':' left in the path is the path's problem
    elif written not in kinds:
        return f"{written!r} is not a pin kind (did you mean {close[0]!r}?); the kinds are {', '.join(kinds)}"
    path, hash_sign, selector = rest.partition("#")
    key, equals, package = selector.partition("=")
    if hash_sign and (not re.fullmatch(_PIN_KEY, key) or (equals and not re.fullmatch(_PIN_KEY, package))):
        return (
            f"{selector[:60]!r} is not a selector: write PATH#KEY for an image in a values file "
            "(values.yaml#hub.image) or PATH#KEY=PACKAGE for a key of a YAML file that pins a package "
            "(Chart.yaml#appVersion=jupyterhub)"
        )
    by_file = PIN_KIND_BY_FILE.get(path.rpartition("/")[2])
    implied = PinKind.YAML if equals else PinKind.VALUES if hash_sign else by_file or PinKind.REQUIREMENTS
    kind = PinKind(written) if written else implied
    by_file = None if written else by_file
    return _selector_problem(kind, path, key, by_file, equals=bool(equals)) or PinEntry(kind, path, key, package)


def pin_path(entry: str) -> str:
    """Return the file a ``pins`` entry reads (its path without kind or selector).

    >>> pin_path("values:jupyterhub/values.yaml#hub.image")
    'jupyterhub/values.yaml'
    """
    parsed = pin_entry_of(entry)
    return parsed.path if isinstance(parsed, PinEntry) else entry


def _selector_problem(kind: PinKind, path: str, key: str, by_file: PinKind | None, *, equals: bool) -> str | None:
    """Say why the selector (or its absence) does not fit *kind* (*by_file*: the kind its file name implies)."""
    if kind is PinKind.YAML and not equals:
        return f"a yaml pin names a key and the package it pins: {path}#{key or 'KEY'}=PACKAGE"
    if kind is PinKind.VALUES and (equals or not key):
        return f"a values pin names the key of an image mapping, with no package: {path}#{key or 'hub.image'}"
    if kind in (PinKind.YAML, PinKind.VALUES):
        if kind is PinKind.VALUES and by_file is not None and not equals:
            return (
                f"{path} is read whole as a {by_file} pin: drop '#{key}', or write {path}#{key}=PACKAGE for a key "
                f"that pins a package (values:{path}#{key} for an image mapping at that key)"
            )
        return None
    if key:
        return (
            f"a pin of kind {kind} reads the whole file and takes no #selector: drop '#{key}{'=…' if equals else ''}'"
        )
    return None


IMAGE_PATTERN = (
    r"^(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*:[A-Za-z0-9_.-]*\{version\}[A-Za-z0-9_.-]*$"
    rf"|^{_PIN_PATH}#{_PIN_KEY}$"  # a values file's image mapping at a dotted key
)
"""An image reference with its tag pattern: ``[REGISTRY[:PORT]/]PATH:TAG``, ``{version}`` once in TAG (no digest);
or ``PATH#DOTTED.KEY``, the image mapping of a values file of the release's repo."""

NPM_NAME_PATTERN = r"^(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$"
"""An npm package name as the registry accepts new ones: lower case, URL-safe, ``@scope/name`` or ``name``."""

CONDA_NAME_PATTERN = r"^[a-z0-9_][a-z0-9_.+-]*$"
"""A conda package name: lower case letters, digits and ``_ . + -``."""
CONDA_CHANNEL_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"
"""An anaconda.org channel (a user or organisation name), not a URL."""
CONDA_PLATFORMS = (
    "noarch",
    "linux-64",
    "linux-aarch64",
    "linux-ppc64le",
    "linux-s390x",
    "linux-armv7l",
    "linux-32",
    "osx-64",
    "osx-arm64",
    "win-64",
    "win-32",
    "win-arm64",
    "emscripten-wasm32",
    "wasi-wasm32",
    "zos-z",
)
"""The conda subdirs a plan may name (conda's known platforms)."""


class Kind(enum.Enum):
    """The TOML value types a plan key can have."""

    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATE = "date"
    LIST = "list"
    TABLE = "table"
    """A table with fixed keys (``fields``)."""
    MAP = "map"
    """A table whose keys are ids the user chooses, each holding a ``values`` field."""


@dataclass(frozen=True, slots=True)
class Field:
    """One key of the plan file format."""

    kinds: tuple[Kind, ...]
    doc: str
    required: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None
    fields: Mapping[str, Field] = field(default_factory=dict)
    """The keys of a TABLE."""
    item: Field | None = None
    """The element of a LIST, or the value of each entry of a MAP."""
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    key_pattern: str | None = None
    """For a MAP: what its keys must look like."""
    example: str = ""


def _str(doc: str, **kw: Any) -> Field:
    return Field((Kind.STRING,), doc, **kw)


def _list(item: Field, doc: str, **kw: Any) -> Field:
    return Field((Kind.LIST,), doc, item=item, **kw)


def _table(doc: str, fields: Mapping[str, Field], **kw: Any) -> Field:
    return Field((Kind.TABLE,), doc, fields=fields, **kw)


def _map(item: Field, doc: str, key_pattern: str = ID_PATTERN) -> Field:
    return Field((Kind.MAP,), doc, item=item, key_pattern=key_pattern)


_REF = _str(
    f"A pull request or issue: REPO-ID#N or OWNER/NAME#N, N at most {MAX_ITEM_NUMBER:,} (GitHub's largest).",
    pattern=REF_PATTERN,
    example="kubespawner#232",
)
_ID = _str("An id defined elsewhere in the plan.", pattern=ID_PATTERN)

_SCHEME = _str(
    "How versions are written and ordered: pep440 (Python packages) or semver (Helm charts).",
    choices=tuple(s.value for s in Scheme),
    default=Scheme.PEP440.value,
)
_TAGS = _list(
    _str("A tag pattern containing {version} once.", pattern=r"^[^{}]*\{version\}[^{}]*$"),
    "How tags name versions; the first pattern that matches a tag wins.",
    default=["v{version}", "{version}"],
)
_PUBLISHED = _table(
    "Where releases are published.",
    {
        "pypi": _str("The PyPI project name."),
        "pypi_index": _str(
            "The package index (a private index, or a mirror): its Simple API base "
            "(https://pypi.org/simple) or its JSON API root (https://pypi.org/pypi).",
            default=DEFAULT_PYPI,
            pattern=r"^https?://",
        ),
        "npm": _str(
            'The npm package, as @scope/name or name (a release published to npm uses scheme = "semver").',
            pattern=NPM_NAME_PATTERN,
            example="@jupyterlab/git",
        ),
        "npm_registry": _str(
            "The npm registry (a private registry, or a mirror): its root URL.",
            default=DEFAULT_NPM,
            pattern=r"^https?://",
        ),
        "conda": _table(
            "A conda package on an anaconda.org channel (conda-forge by default).",
            {
                "name": _str(
                    "The conda package's name.", required=True, pattern=CONDA_NAME_PATTERN, example="jupyterhub"
                ),
                "channel": _str(
                    "The channel (an anaconda.org user or organisation), not a URL.",
                    default="conda-forge",
                    pattern=CONDA_CHANNEL_PATTERN,
                ),
                "platforms": _list(
                    _str("A conda platform (subdir); noarch files cover every one.", choices=CONDA_PLATFORMS),
                    "The platforms a version must be built for to count. Default: any one file counts.",
                ),
                "labels": _list(
                    _str("A channel label.", pattern=CONDA_CHANNEL_PATTERN),
                    "The labels a file must carry (one of) to count; files only under other labels (broken) do not.",
                    default=["main"],
                ),
                "api": _str(
                    "The anaconda.org API root.",
                    default=DEFAULT_CONDA_API,
                    pattern=r"^https?://",
                ),
                "feedstock": _str(
                    "The feedstock's GitHub repository as OWNER/NAME, whose recipe the recipe source reads. "
                    "Default on conda-forge: conda-forge/NAME-feedstock; on another channel: none.",
                    pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$",
                    example="conda-forge/jupyterhub-feedstock",
                ),
                "recipe": _list(
                    _str("A path in the feedstock, such as recipe/meta.yaml."),
                    "The recipe's paths in the feedstock, read on its default branch; the first that exists "
                    "counts (recipe.yaml before meta.yaml, as conda-smithy reads them).",
                    default=list(DEFAULT_RECIPE),
                ),
            },
        ),
        "helm": _table(
            "A Helm chart repository.",
            {
                "index": _str("URL of the repository's index.yaml.", required=True, pattern=r"^https?://"),
                "chart": _str("The chart's name in the index.", required=True),
            },
        ),
    },
)
PLAN_SOURCES = tuple(s.value for s in Source if s is not Source.OCI)
"""The sources a plan may list (images are named by a release's ``images``, not as a source)."""
_SOURCES = _list(
    _str("An evidence source.", choices=PLAN_SOURCES),
    "Where to look for releases, the deciding one first: tags, github-releases, pypi, npm, conda, recipe, helm. "
    "Default: the published places (pypi, npm, conda, helm; recipe after conda where a feedstock is known), "
    "then tags.",
)
PACKAGING = ("scheme", "tags", "published", "sources")
"""The keys of a repo that a release may name for itself (its packaging): each replaces the repo's, for that release."""


def _own(spec: Field, doc: str) -> Field:
    """Return *spec* as a release names it: the same key, its default the repo's value."""
    return replace(spec, doc=f"{doc} Default: the repo's.", default=None)


PLAN = _table(
    "A release plan: the releases a team wants, what must happen first, and which PRs wait.",
    {
        "plan": _table(
            "What the plan is.",
            {
                "name": _str("A short title, shown at the top of every report.", required=True),
                "description": _str("What the team decided, in its own words."),
                "source": _str("Where the decision was made (a meeting, an issue)."),
            },
            required=True,
        ),
        "deadlines": _map(
            _table(
                "A date something is due by; releases refer to it by id.",
                {
                    "date": Field((Kind.DATE,), "The day it is due (a TOML date).", required=True),
                    "note": _str("What happens on that day."),
                    "warn_days": Field(
                        (Kind.INTEGER,),
                        f'A blocked release is "at risk" when this many days or fewer are left (0 to {MAX_WARN_DAYS}).',
                        default=7,
                        minimum=0,
                        maximum=MAX_WARN_DAYS,
                    ),
                },
            ),
            "Deadlines by id.",
        ),
        "repos": _map(
            _table(
                "A GitHub repository whose tags, PRs and issues the plan reads.",
                {
                    "github": _str(
                        "The repository as OWNER/NAME.",
                        required=True,
                        pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$",
                        example="jupyterhub/kubespawner",
                    ),
                    "scheme": _SCHEME,
                    "tags": _TAGS,
                    "published": _PUBLISHED,
                    "sources": _SOURCES,
                },
            ),
            "Repositories by id; the id is what short refs (ID#N) and releases use.",
        ),
        "releases": _map(
            _table(
                "A release the plan wants.",
                {
                    "repo": replace(_ID, doc="The repo id; defaults to the release's own id."),
                    "version": _str(
                        "The version requirement in the release's scheme (its repo's unless it names its own), "
                        "e.g. '>=0.9.0b1' or '>=0.7.0-beta.1'.",
                        required=True,
                    ),
                    "accept": _str(
                        "Which versions may satisfy it: final, pre (alpha/beta/rc too) or dev (development "
                        "builds too). Default: pre when the requirement names a pre-release, else final.",
                        choices=tuple(a.value for a in Accept),
                    ),
                    "after": _list(_ID, "Releases that must be out first."),
                    "needs": _table(
                        "What must land first.",
                        {
                            "prs": _list(_REF, "Pull requests (or PR families) that must be merged."),
                            "issues": _list(_REF, "Issues that must be closed."),
                        },
                    ),
                    "deadline": Field(
                        (Kind.STRING, Kind.DATE),
                        "A deadline id, or a date.",
                    ),
                    "status": _str(
                        "planned (counts) or proposed (a decision still to make: reported, never blocks).",
                        choices=tuple(i.value for i in Intent),
                        default=Intent.PLANNED.value,
                    ),
                    "decided_by": _str(
                        "The source whose word counts (one of the release's sources, which are its repo's unless it "
                        "names its own); the others are cross-checked. Default: the first of them.",
                        choices=PLAN_SOURCES,
                    ),
                    "pins": _list(
                        _str(
                            "A file in the release's repository that pins packages, as a path from the repository's "
                            "root (no '.' or '..' part, no leading '/', no '\\', ':', '?' or whitespace), read by its "
                            "name: pyproject.toml, package.json, Chart.yaml, meta.yaml or recipe.yaml, else a "
                            "requirements file; PATH#KEY=PACKAGE for a key of a YAML file that pins a package "
                            "(jupyterhub/Chart.yaml#appVersion=jupyterhub); PATH#KEY for a container image mapping in "
                            "a values file (jupyterhub/values.yaml#hub.image); KIND:PATH to name the kind "
                            "(requirements, pyproject, npm, chart, values, conda, yaml).",
                            pattern=PIN_PATTERN,
                        ),
                        "Files on the default branch that pin its upstreams: the release waits until they pin "
                        "released versions that satisfy each upstream's requirement.",
                    ),
                    "images": _list(
                        _str(
                            "A container image as [REGISTRY[:PORT]/]PATH:TAG, {version} once in TAG "
                            "(jupyterhub/k8s-hub:v{version}, quay.io/org/image:{version}); Docker Hub when no "
                            "registry is named. Named by tag, never by digest. Or PATH#DOTTED.KEY: the image "
                            "mapping (name or repository, tag) at that key of a values file of the release's repo "
                            "(jupyterhub/values.yaml#hub.image), which must exist at the tag written there.",
                            pattern=IMAGE_PATTERN,
                            example="jupyterhub/k8s-hub:v{version}",
                        ),
                        "Images that must exist for the release to count: each at the tag made from the version "
                        "its deciding source shows. Until each is pushed, the release is tagged, not released.",
                    ),
                    "note": _str("Anything a reader should know."),
                    "scheme": _own(_SCHEME, "This release's scheme, when its versions differ from its repo's."),
                    "tags": _own(
                        _TAGS,
                        "This release's own tag patterns, e.g. ['core-v{version}'] or ['@scope/pkg@{version}'] for "
                        "one package of a monorepo; the releases of one repo may not read each other's tags.",
                    ),
                    "published": _own(
                        _PUBLISHED,
                        "Where this release is published; replaces the repo's whole table (keys are not merged).",
                    ),
                    "sources": _own(
                        _SOURCES,
                        "This release's evidence sources, the deciding one first; when it names its own "
                        "published, the default is its published places, then tags.",
                    ),
                },
            ),
            "Releases by id.",
        ),
        "families": _map(
            _table(
                "A big PR split into parts; a hold or need on the parent covers every part.",
                {
                    "parts": _list(_REF, "The parts known so far."),
                    "discover": Field(
                        (Kind.BOOLEAN,),
                        "Also count PRs of the parent's repo titled '[Part N of #PARENT] ...'.",
                        default=False,
                    ),
                },
            ),
            'PR families, keyed by the parent PR (quoted: "kubespawner#205").',
            key_pattern=REF_PATTERN,
        ),
        "holds": _map(
            _table(
                "Pull requests that must not merge until some releases are out.",
                {
                    "prs": _list(_REF, "The held PRs; a family parent holds every part.", required=True),
                    "except": _list(_REF, "Parts of a held family that may merge anyway."),
                    "until": _list(_ID, "The releases that must be out first.", required=True),
                    "reason": _str("Why they wait."),
                    "owner": _str("Who to ask (a GitHub handle)."),
                },
            ),
            "Holds by id.",
        ),
        "watch": _list(
            _table(
                "A follow-up: reported with its state, never blocks.",
                {"ref": replace(_REF, required=True), "note": _str("Why it is watched.")},
            ),
            "Follow-up PRs and issues ([[watch]] tables).",
        ),
    },
)


def _json(spec: Field) -> dict[str, Any]:
    alternatives = [_json_kind(spec, kind) for kind in spec.kinds]
    out: dict[str, Any] = alternatives[0] if len(alternatives) == 1 else {"anyOf": alternatives}
    out["description"] = spec.doc
    if spec.default is not None:
        out["default"] = copy.deepcopy(spec.default)
    return out


def _json_kind(spec: Field, kind: Kind) -> dict[str, Any]:
    match kind:
        case Kind.STRING:
            out: dict[str, Any] = {"type": "string"}
            if spec.choices:
                out["enum"] = list(spec.choices)
            if spec.pattern:
                out["pattern"] = spec.pattern
            return out
        case Kind.INTEGER:
            out = {"type": "integer"}
            if spec.minimum is not None:
                out["minimum"] = spec.minimum
            if spec.maximum is not None:
                out["maximum"] = spec.maximum
            return out
        case Kind.BOOLEAN:
            return {"type": "boolean"}
        case Kind.DATE:
            # TOML editors (taplo) present a TOML local date as a string in date format.
            return {"type": "string", "format": "date"}
        case Kind.LIST:
            assert spec.item is not None
            return {"type": "array", "items": _json(spec.item)}
        case Kind.TABLE:
            required = [name for name, sub in spec.fields.items() if sub.required]
            out = {
                "type": "object",
                "additionalProperties": False,
                "properties": {name: _json(sub) for name, sub in spec.fields.items()},
            }
            if required:
                out["required"] = required
            return out
        case Kind.MAP:
            assert spec.item is not None
            return {
                "type": "object",
                "propertyNames": {"pattern": spec.key_pattern},
                "additionalProperties": _json(spec.item),
            }


def json_schema() -> dict[str, Any]:
    """Return the plan file format as a JSON Schema (draft 2020-12)."""
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "release-gate plan file",
    }
    schema.update(_json(PLAN))
    return schema
