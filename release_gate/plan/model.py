"""The plan as frozen value objects: repos, releases, holds, PR families, deadlines.

A `Plan` is produced by `release_gate.plan.load_plan` and never changes; it
holds no state from GitHub, only what the team decided.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from typing import Any

from release_gate.plan.images import ImageRef, ValuesImage
from release_gate.versions import Scheme, VersionRequirement

__all__ = [
    "CondaPackage",
    "Deadline",
    "Family",
    "HelmChart",
    "Hold",
    "Intent",
    "ItemRef",
    "Plan",
    "Release",
    "Repo",
    "Source",
    "Watch",
    "parse_slug",
]

_SLUG = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")


def parse_slug(text: str) -> str | None:
    """Return *text* as a GitHub ``owner/name`` slug, or ``None`` when it is not one.

    >>> parse_slug("jupyterhub/kubespawner")
    'jupyterhub/kubespawner'
    >>> parse_slug("kubespawner") is None
    True
    """
    return text if _SLUG.match(text) else None


@dataclass(frozen=True, slots=True, order=True)
class ItemRef:
    """A pull request or issue: ``owner/name#number``."""

    slug: str
    number: int

    def __str__(self) -> str:
        return f"{self.slug}#{self.number}"

    @property
    def key(self) -> tuple[str, int]:
        """Case-insensitive identity, as GitHub compares repository names."""
        return (self.slug.lower(), self.number)


DEFAULT_PYPI = "https://pypi.org/pypi"
"""The JSON API root of the Python Package Index."""

DEFAULT_NPM = "https://registry.npmjs.org"
"""The npm public registry."""

DEFAULT_CONDA_API = "https://api.anaconda.org"
"""The anaconda.org API, where conda-forge and every other anaconda.org channel are read."""

DEFAULT_RECIPE = ("recipe/recipe.yaml", "recipe/meta.yaml")
"""Where a feedstock keeps its recipe: the v1 ``recipe.yaml`` first, then ``meta.yaml``."""


class Source(enum.StrEnum):
    """Where evidence that a version is released comes from."""

    TAGS = "tags"
    """Git tags, through the repo's tag patterns: intent to release."""
    GITHUB_RELEASES = "github-releases"
    """GitHub releases that are not drafts (and not marked pre-release, unless pre-releases count)."""
    PYPI = "pypi"
    """The Python Package Index: a version with at least one file that is not yanked."""
    HELM = "helm"
    """A Helm repository's index.yaml: an entry of the chart with that exact version."""
    NPM = "npm"
    """An npm registry's package document: a version in ``versions`` that is not deprecated."""
    CONDA = "conda"
    """A conda channel on anaconda.org: a version with a file under a counted label for every platform named."""
    RECIPE = "recipe"
    """The conda package's feedstock on GitHub: the version its recipe (``recipe.yaml``, else ``meta.yaml``) has
    reached on the default branch, since the commit that made it. A cross-check of conda: a recipe ahead of
    the channel makes the release tagged (the feedstock's build is still to come)."""
    OCI = "oci"
    """A container registry: the images a release names (``images``) exist at the version's tag.

    Never a plan's ``sources`` entry: a release names its images, which are read for the
    versions its deciding source offers."""


class Intent(enum.StrEnum):
    """Whether a release is decided or still a proposal."""

    PLANNED = "planned"
    """Decided: counts for the plan's verdict and exit code."""
    PROPOSED = "proposed"
    """A decision still to make: evaluated and reported, never blocks the plan."""


@dataclass(frozen=True, slots=True)
class Deadline:
    """A date something is due by."""

    id: str
    date: dt.date
    note: str = ""
    warn_days: int = 7
    """A blocked release is "at risk" when this many days or fewer are left."""


@dataclass(frozen=True, slots=True)
class HelmChart:
    """Where a Helm chart is published."""

    index: str
    """URL of the Helm repository's ``index.yaml``."""
    chart: str
    """The chart's name in that index."""


@dataclass(frozen=True, slots=True)
class CondaPackage:
    """Where a conda package is published: a channel on anaconda.org, and what counts there."""

    name: str
    """The conda package's name in the channel."""
    channel: str = "conda-forge"
    platforms: tuple[str, ...] = ()
    """The subdirs (``linux-64``, ``osx-arm64``) a version must be built for (``noarch`` covers each);
    none: any one file counts."""
    labels: tuple[str, ...] = ("main",)
    """The labels a file must carry to count (``broken`` and any other label do not)."""
    api: str = DEFAULT_CONDA_API
    """The anaconda.org API root (no trailing ``/``)."""
    feedstock: str = ""
    """The feedstock's GitHub repository (``conda-forge/jupyterhub-feedstock``); empty: none known."""
    recipe: tuple[str, ...] = DEFAULT_RECIPE
    """The recipe's paths in the feedstock, the first that exists wins (conda-forge moved from
    ``meta.yaml`` to ``recipe.yaml``; where both exist, conda-smithy reads ``recipe.yaml``)."""

    @property
    def place(self) -> str:
        """The name a state files the package under: ``CHANNEL/NAME``."""
        return f"{self.channel}/{self.name}"


@dataclass(frozen=True, slots=True)
class Repo:
    """A GitHub repository the plan reads."""

    id: str
    slug: str
    scheme: Scheme
    tags: tuple[str, ...]
    """Tag patterns, each containing ``{version}`` once (``v{version}``)."""
    pypi: str | None = None
    helm: HelmChart | None = None
    pypi_index: str = DEFAULT_PYPI
    sources: tuple[Source, ...] = (Source.TAGS,)
    """Where to look for releases; the first decides unless a release names another."""
    npm: str | None = None
    """The npm package (``@scope/name`` or ``name``)."""
    npm_registry: str = DEFAULT_NPM
    """The npm registry it is published to (no trailing ``/``)."""
    conda: CondaPackage | None = None
    """The conda package and its channel."""
    _affixes: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False, hash=False)
    """What comes before and after ``{version}`` in each tag pattern (every tag of a repo is read through them)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_affixes", tuple(pattern.partition("{version}")[::2] for pattern in self.tags))

    def place(self, source: Source) -> tuple[str, str] | None:
        """Return ``(name, where)`` this repo publishes to *source*, or ``None`` (tags, GitHub releases, none named).

        The PyPI project and its index, the npm package and its registry, the chart and its
        ``index.yaml``, ``CHANNEL/NAME`` of a conda package and the anaconda.org API: one row per source that
        has a place in ``published``, so that every reader of a place (state requests, registries,
        links, reports) asks here.

        >>> Repo("k", "o/k", Scheme.PEP440, (), pypi="jupyterhub-kubespawner").place(Source.PYPI)
        ('jupyterhub-kubespawner', 'https://pypi.org/pypi')
        """
        if source is Source.PYPI:
            return (self.pypi, self.pypi_index) if self.pypi is not None else None
        if source is Source.HELM:
            return (self.helm.chart, self.helm.index) if self.helm is not None else None
        if source is Source.NPM:
            return (self.npm, self.npm_registry) if self.npm is not None else None
        if source is Source.CONDA:
            return (self.conda.place, self.conda.api) if self.conda is not None else None
        return None

    def version_from_tag(self, tag: str) -> str | None:
        """Return the version text a tag names under this repo's patterns, if any.

        >>> repo = Repo("k", "o/k", Scheme.PEP440, ("v{version}", "{version}"))
        >>> repo.version_from_tag("v0.9.0b1"), repo.version_from_tag("0.9.0")
        ('0.9.0b1', '0.9.0')
        """
        for prefix, suffix in self._affixes:
            if tag.startswith(prefix) and tag.endswith(suffix) and len(tag) > len(prefix) + len(suffix):
                return tag[len(prefix) : len(tag) - len(suffix)]
        return None


@dataclass(frozen=True, slots=True)
class Release:
    """A release the plan wants: a version of a repo, and what must happen first."""

    id: str
    repo: str
    """Id of the repo in the plan."""
    requirement: VersionRequirement
    after: tuple[str, ...] = ()
    """Releases that must be out first."""
    needs_prs: tuple[ItemRef, ...] = ()
    """Pull requests (or PR families) that must be merged first."""
    needs_issues: tuple[ItemRef, ...] = ()
    """Issues that must be closed first."""
    deadline: Deadline | None = None
    intent: Intent = Intent.PLANNED
    note: str = ""
    decided_by: Source | None = None
    """The source whose word counts; ``None``: the repo's first source."""
    pins: tuple[str, ...] = ()
    """Files in the release's repo that pin its upstreams."""
    packaging: Repo | None = None
    """The release's own packaging, when it names any (``scheme``, ``tags``, ``published``,
    ``sources``): its repo with those replaced, same id and slug. ``None``: its repo's, as it is
    (`Plan.packaging` answers either way)."""
    images: tuple[ImageRef, ...] = ()
    """Container images that must exist, at the tag made from the version, for the release to count."""
    values_images: tuple[ValuesImage, ...] = ()
    """Images a values file of its repo names (``images = ["PATH#KEY"]``): each must exist at the tag written there."""


@dataclass(frozen=True, slots=True)
class Family:
    """A big pull request split into parts; a hold or need on the parent covers every part."""

    parent: ItemRef
    parts: tuple[ItemRef, ...] = ()
    discover: bool = False
    """Also count PRs of the same repo titled ``[Part N of #parent]`` found in the state."""


@dataclass(frozen=True, slots=True)
class Hold:
    """Pull requests that must not merge until some releases are out."""

    id: str
    prs: tuple[ItemRef, ...]
    until: tuple[str, ...]
    """Ids of the releases that must be out before these PRs may merge."""
    exempt: tuple[ItemRef, ...] = ()
    """PRs of a held family that may merge anyway (``except`` in the plan file)."""
    reason: str = ""
    owner: str = ""


@dataclass(frozen=True, slots=True)
class Watch:
    """A follow-up item that is reported with its state but never blocks anything."""

    ref: ItemRef
    note: str = ""


@dataclass(frozen=True, slots=True)
class Plan:
    """A whole release plan, validated."""

    name: str
    path: str
    """Where the plan was read from, for messages."""
    description: str = ""
    source: str = ""
    deadlines: tuple[Deadline, ...] = ()
    repos: tuple[Repo, ...] = ()
    releases: tuple[Release, ...] = ()
    families: tuple[Family, ...] = ()
    holds: tuple[Hold, ...] = ()
    watch: tuple[Watch, ...] = ()
    _index: dict[str, dict[str, Any]] = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)
    """Lookups by id and by slug, built once (large plans look things up often)."""

    def __post_init__(self) -> None:
        self._index.update(
            repos={r.id: r for r in self.repos},
            releases={r.id: r for r in self.releases},
            slugs={r.slug.lower(): r.id for r in reversed(self.repos)},
        )

    def repo(self, repo_id: str) -> Repo:
        """Return the repo with *repo_id* (it exists: the plan was validated)."""
        repo: Repo = self._index["repos"][repo_id]
        return repo

    def release(self, release_id: str) -> Release:
        """Return the release with *release_id*; `KeyError` if there is none."""
        release: Release = self._index["releases"][release_id]
        return release

    def packaging(self, release: Release) -> Repo:
        """Return how *release* is packaged: its own scheme, tags, published names and sources, else its repo's.

        Everything that reads versions or places asks here; identity (slug, PRs, graph nodes)
        stays the repo's, and so does the id and slug of what this returns.
        """
        return release.packaging if release.packaging is not None else self.repo(release.repo)

    def short(self, ref: ItemRef) -> str:
        """Return ``repo-id#N`` when the ref's repo is in the plan, else ``owner/name#N``."""
        repo_id = self._index["slugs"].get(ref.slug.lower())
        return f"{repo_id}#{ref.number}" if repo_id is not None else str(ref)
