"""Where things live on the web: the pages of repositories, PRs, issues, tags, releases and published versions.

Pure: names in, URLs out. Reports link every PR, issue, repository, release, tag, PyPI
version and chart version to its page. GitHub Enterprise serves the same paths under its
own host: pass its *server* (``https://github.example.com``; `server_of` derives it from an
API URL). Every part from the plan or the state is quoted, so a name cannot leave its place
in the URL.

>>> item_url(ItemRef("jupyterhub/kubespawner", 205))
'https://github.com/jupyterhub/kubespawner/issues/205'
>>> pypi_url("https://pypi.org/pypi", "jupyterhub-kubespawner", "0.9.0b1")
'https://pypi.org/project/jupyterhub-kubespawner/0.9.0b1/'
>>> server_of("https://github.example.com/api/v3")
'https://github.example.com'
>>> user_url(login_of("@consideRatio") or "")
'https://github.com/consideRatio'
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable

from release_gate.plan.images import DOCKER_HUB, ImageRef
from release_gate.plan.model import ItemRef, Repo, Source

__all__ = [
    "GITHUB",
    "chart_url",
    "conda_url",
    "condition_image_url",
    "image_url",
    "item_url",
    "login_of",
    "new_release_url",
    "npm_url",
    "place_url",
    "public_url",
    "pypi_url",
    "release_url",
    "releases_url",
    "repo_url",
    "server_of",
    "tag_url",
    "tags_url",
    "user_url",
    "version_url",
]

GITHUB = "https://github.com"
"""The server of github.com."""

_PYPI_APIS = ("https://pypi.org/pypi", "https://pypi.org/simple", "https://pypi.org")
_NPM_REGISTRY = "https://registry.npmjs.org"
_CONDA_API = "https://api.anaconda.org"


def _part(text: str) -> str:
    """Quote one path segment (a ``/`` in it stays encoded)."""
    return urllib.parse.quote(text, safe="")


def _slug(slug: str) -> str:
    owner, _, name = slug.partition("/")
    return f"{_part(owner)}/{_part(name)}"


def server_of(api_url: str) -> str:
    """Return the web server of a GitHub REST API root: ``https://api.github.com`` -> github.com's.

    GitHub Enterprise Server serves its API under ``/api/v3`` of its own host.
    """
    parts = urllib.parse.urlsplit(api_url)
    if parts.netloc in ("api.github.com", ""):
        return GITHUB
    return f"{parts.scheme}://{parts.netloc}"


def repo_url(slug: str, server: str = GITHUB) -> str:
    """Return a repository's page."""
    return f"{server}/{_slug(slug)}"


def item_url(ref: ItemRef, server: str = GITHUB) -> str:
    """Return a PR's or issue's page (GitHub redirects ``/issues/N`` to ``/pull/N`` for a PR)."""
    return f"{repo_url(ref.slug, server)}/issues/{ref.number}"


def tag_url(slug: str, tag: str, server: str = GITHUB) -> str:
    """Return the page of a tag (the tree at it)."""
    return f"{repo_url(slug, server)}/tree/{_part(tag)}"


def release_url(slug: str, tag: str, server: str = GITHUB) -> str:
    """Return the page of a GitHub release, by its tag."""
    return f"{repo_url(slug, server)}/releases/tag/{_part(tag)}"


def pypi_url(index: str, project: str, version: str | None = None) -> str:
    """Return a PyPI project's page, or one version's, for pypi.org; for another index, its project URL.

    Private indexes and mirrors have no standard page per version: their project URL under the
    index root is the nearest thing (without any user name or password the plan's URL carries).
    """
    index = public_url(index)
    if index.rstrip("/") in _PYPI_APIS:
        page = f"https://pypi.org/project/{_part(project)}/"
        return f"{page}{_part(version)}/" if version else page
    return f"{index.rstrip('/')}/{_part(project)}/"


def npm_url(registry: str, package: str, version: str | None = None) -> str:
    """Return an npm package's page, or one version's, on npmjs.com; for another registry, its package document.

    >>> npm_url("https://registry.npmjs.org", "@jupyterlab/git", "0.50.0")
    'https://www.npmjs.com/package/@jupyterlab/git/v/0.50.0'
    """
    registry = public_url(registry).rstrip("/")
    if registry == _NPM_REGISTRY:
        page = "https://www.npmjs.com/package/" + "/".join(
            urllib.parse.quote(part, safe="@")
            for part in package.split("/", 1)  # '@' may stand in a path
        )
        return f"{page}/v/{_part(version)}" if version else page
    return f"{registry}/{urllib.parse.quote(package, safe='@')}"


def conda_url(api: str, place: str, version: str | None = None) -> str:
    """Return a conda package's files on anaconda.org (one version's with *version*); *place* is ``CHANNEL/NAME``.

    >>> conda_url("https://api.anaconda.org", "conda-forge/jupyterhub", "0.9.2")
    'https://anaconda.org/conda-forge/jupyterhub/files?version=0.9.2'
    >>> conda_url("https://api.example.org", "conda-forge/jupyterhub")
    'https://api.example.org/package/conda-forge/jupyterhub'
    """
    channel, _, name = place.partition("/")
    path = f"{_part(channel)}/{_part(name)}"
    api = public_url(api).rstrip("/")
    if api != _CONDA_API:
        return f"{api}/package/{path}"
    page = f"https://anaconda.org/{path}/files"
    return f"{page}?version={urllib.parse.quote(version, safe='')}" if version else page


def chart_url(index: str, chart: str, version: str | None = None) -> str:
    """Return where a chart (version) is listed: its repository's ``index.yaml`` (Helm has no page per chart).

    The fragment names the chart and version, for people; Helm ignores it. A user name or
    password in the plan's URL is left out.
    """
    anchor = f"{chart}-{version}" if version else chart
    return f"{public_url(index)}#{_part(anchor)}"


def tags_url(slug: str, server: str = GITHUB) -> str:
    """Return the page listing a repository's tags."""
    return f"{repo_url(slug, server)}/tags"


def releases_url(slug: str, server: str = GITHUB) -> str:
    """Return the page listing a repository's GitHub releases."""
    return f"{repo_url(slug, server)}/releases"


_LOGIN = re.compile(r"@?([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})")
"""A GitHub login (up to 39 letters, digits and single inner hyphens), with or without its ``@``."""


def login_of(owner: str) -> str | None:
    """Return the GitHub login *owner* names (``@consideRatio`` or ``consideRatio``), or ``None`` for other text.

    Reports write a login without its ``@`` (a report never notifies anyone) and link it to
    the person's page.
    """
    found = _LOGIN.fullmatch(owner.strip())
    return found.group(1) if found else None


def user_url(login: str, server: str = GITHUB) -> str:
    """Return a person's (or organisation's) profile page."""
    return f"{server}/{_part(login)}"


def place_url(repo: Repo, source: Source, server: str = GITHUB) -> str:
    """Return where *repo*'s releases appear in *source*: its tags, its GitHub releases, its PyPI project, its chart."""
    match source:
        case Source.TAGS:
            return tags_url(repo.slug, server)
        case Source.GITHUB_RELEASES:
            return releases_url(repo.slug, server)
        case Source.PYPI:
            return pypi_url(repo.pypi_index, repo.pypi or repo.id)
        case Source.HELM:
            assert repo.helm is not None  # the plan reader checks each source has its place
            return chart_url(repo.helm.index, repo.helm.chart)
        case Source.NPM:
            return npm_url(repo.npm_registry, repo.npm or repo.id)
        case Source.CONDA:
            assert repo.conda is not None  # the plan reader checks each source has its place
            return conda_url(repo.conda.api, repo.conda.place)
        case Source.RECIPE:
            assert repo.conda is not None  # the plan reader checks each source has its place
            return repo_url(repo.conda.feedstock or repo.slug, server)
        case Source.OCI:  # never a repo's source: a release's images are linked by image_url
            return tags_url(repo.slug, server)


def version_url(repo: Repo, source: Source, name: str, server: str = GITHUB) -> str:
    """Return the page of one version as *source* names it: a tag, a GitHub release, a PyPI or chart version."""
    match source:
        case Source.TAGS:
            return tag_url(repo.slug, name, server)
        case Source.GITHUB_RELEASES:
            return release_url(repo.slug, name, server)
        case Source.PYPI:
            return pypi_url(repo.pypi_index, repo.pypi or repo.id, name)
        case Source.HELM:
            assert repo.helm is not None
            return chart_url(repo.helm.index, repo.helm.chart, name)
        case Source.NPM:
            return npm_url(repo.npm_registry, repo.npm or repo.id, name)
        case Source.CONDA:
            assert repo.conda is not None
            return conda_url(repo.conda.api, repo.conda.place, name)
        case Source.RECIPE:  # the feedstock's recipe reached the version: its repository says how
            assert repo.conda is not None
            return repo_url(repo.conda.feedstock or repo.slug, server)
        case Source.OCI:
            return tag_url(repo.slug, name, server)


def image_url(image: ImageRef, tag: str) -> str | None:
    """Return the page of an image's tag on Docker Hub or Quay; ``None`` for a registry without known pages.

    >>> from release_gate.plan.images import parse_image
    >>> image_url(parse_image("jupyterhub/k8s-hub:v{version}"), "v0.7.0")
    'https://hub.docker.com/r/jupyterhub/k8s-hub/tags?name=v0.7.0'
    >>> image_url(parse_image("python:{version}"), "3.12")
    'https://hub.docker.com/_/python/tags?name=3.12'
    >>> image_url(parse_image("quay.io/jupyterhub/k8s-hub:{version}"), "4.0.0")
    'https://quay.io/repository/jupyterhub/k8s-hub?tab=tags'
    """
    path = "/".join(_part(p) for p in image.path.split("/"))
    if image.host == DOCKER_HUB:
        namespace, _, name = path.partition("/")
        page = f"_/{name}" if namespace == "library" else f"r/{path}"
        return f"https://hub.docker.com/{page}/tags?name={urllib.parse.quote(tag, safe='')}"
    if image.host == "quay.io":
        return f"https://quay.io/repository/{path}?tab=tags"
    return None


def condition_image_url(condition: str, images: Iterable[ImageRef]) -> str | None:
    """Return the tag page of the image an ``image NAME:TAG pushed`` condition names, if one of *images* is it.

    >>> from release_gate.plan.images import parse_image
    >>> condition_image_url("image jupyterhub/k8s-hub:v0.7.0 pushed", [parse_image("jupyterhub/k8s-hub:v{version}")])
    'https://hub.docker.com/r/jupyterhub/k8s-hub/tags?name=v0.7.0'
    >>> condition_image_url("needs kubespawner#230 merged", [parse_image("jupyterhub/k8s-hub:v{version}")]) is None
    True
    """
    for image in images:
        head = f"image {image.text.rsplit(':', 1)[0]}:"
        if condition.startswith(head) and condition.endswith(" pushed"):
            tag = condition.removeprefix(head).removesuffix(" pushed")
            if tag and " " not in tag:
                return image_url(image, tag)
    return None


def new_release_url(slug: str, server: str = GITHUB) -> str:
    """Return the page where a GitHub release (and its tag) is drafted: the next step to cut a release."""
    return f"{repo_url(slug, server)}/releases/new"


def public_url(url: str) -> str:
    """Return *url* without a user name or password in it: a plan's index URL may carry them, a report never does.

    >>> public_url("https://me:secret@pypi.example/simple/lib/")
    'https://pypi.example/simple/lib/'
    """
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
