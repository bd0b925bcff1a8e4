"""Links from reports to the pages of repositories, PRs, tags, releases and published versions."""

from __future__ import annotations

import pytest

from release_gate.plan.images import parse_image
from release_gate.plan.model import HelmChart, ItemRef, Repo, Source
from release_gate.report import links
from release_gate.report.links import (
    chart_url,
    item_url,
    login_of,
    place_url,
    pypi_url,
    release_url,
    releases_url,
    repo_url,
    server_of,
    tag_url,
    tags_url,
    user_url,
    version_url,
)
from release_gate.versions import Scheme


def test_github_pages() -> None:
    """Repository, PR or issue, tag and release pages on github.com and on a GitHub Enterprise server."""
    assert repo_url("jupyterhub/kubespawner") == "https://github.com/jupyterhub/kubespawner"
    assert item_url(ItemRef("o/r", 7), "https://ghe.example") == "https://ghe.example/o/r/issues/7"
    assert tag_url("o/r", "v0.9.0b1") == "https://github.com/o/r/tree/v0.9.0b1"
    assert release_url("o/r", "v1.0") == "https://github.com/o/r/releases/tag/v1.0"


def test_names_from_outside_cannot_leave_their_place_in_the_url() -> None:
    """A tag or name with slashes, spaces or a fragment is quoted: it stays one path segment."""
    assert tag_url("o/r", "a/../b c#d") == "https://github.com/o/r/tree/a%2F..%2Fb%20c%23d"
    assert pypi_url("https://pypi.org/pypi", "x/../y", "1 #2") == "https://pypi.org/project/x%2F..%2Fy/1%20%232/"


def test_package_pages() -> None:
    """pypi.org versions have pages; another index links its project; a chart links its index with a fragment."""
    assert pypi_url("https://pypi.org/simple/", "jupyterhub") == "https://pypi.org/project/jupyterhub/"
    assert pypi_url("https://pypi.example/simple", "lib", "1.0") == "https://pypi.example/simple/lib/"
    index = "https://jupyterhub.github.io/helm-chart/index.yaml"
    assert chart_url(index, "jupyterhub", "0.7.0-beta.1") == f"{index}#jupyterhub-0.7.0-beta.1"


def test_the_web_server_of_an_api_root() -> None:
    """api.github.com is github.com's API; a GitHub Enterprise API root is served under its own host."""
    assert server_of("https://api.github.com") == "https://github.com"
    assert server_of("https://ghe.example/api/v3") == "https://ghe.example"


def test_lists_of_tags_and_releases() -> None:
    """A repository's tags and GitHub releases have a page each, on github.com or the server given."""
    assert tags_url("o/r") == "https://github.com/o/r/tags"
    assert releases_url("o/r", "https://ghe.example") == "https://ghe.example/o/r/releases"


@pytest.mark.parametrize(
    ("owner", "login"),
    [
        ("consideRatio", "consideRatio"),
        ("@consideRatio", "consideRatio"),
        (" @a-b ", "a-b"),
        ("Jane Doe", None),
        ("a--b", None),
        ("-ab", None),
        ("@org/team", None),
        ("x" * 40, None),
        ("", None),
    ],
)
def test_a_login_is_read_without_its_at(owner: str, login: str | None) -> None:
    """An owner that is a GitHub login (with or without @) gives the login alone; other text gives none."""
    assert login_of(owner) == login


def test_profile_pages() -> None:
    """A login links to its profile page on the server given, quoted."""
    assert user_url("consideRatio") == "https://github.com/consideRatio"
    assert user_url("a b", "https://ghe.example") == "https://ghe.example/a%20b"


def test_each_source_links_its_place_and_its_versions() -> None:
    """Tags, GitHub releases, PyPI and a chart index: the list of versions, and each version's page."""
    pypi = Repo("ks", "o/ks", Scheme.PEP440, ("v{version}",), pypi="jupyterhub-kubespawner")
    chart = Repo("z", "o/z", Scheme.SEMVER, ("{version}",), helm=HelmChart("https://h.example/index.yaml", "hub"))
    assert place_url(pypi, Source.TAGS) == "https://github.com/o/ks/tags"
    assert place_url(pypi, Source.GITHUB_RELEASES, "https://ghe.example") == "https://ghe.example/o/ks/releases"
    assert place_url(pypi, Source.PYPI) == "https://pypi.org/project/jupyterhub-kubespawner/"
    assert place_url(chart, Source.HELM) == "https://h.example/index.yaml#hub"
    assert version_url(pypi, Source.TAGS, "v0.9.0b1") == "https://github.com/o/ks/tree/v0.9.0b1"
    assert version_url(pypi, Source.GITHUB_RELEASES, "v1") == "https://github.com/o/ks/releases/tag/v1"
    assert version_url(pypi, Source.PYPI, "0.9.0b1") == "https://pypi.org/project/jupyterhub-kubespawner/0.9.0b1/"
    assert version_url(chart, Source.HELM, "0.7.0-beta.1") == "https://h.example/index.yaml#hub-0.7.0-beta.1"


def test_the_pages_a_report_adds() -> None:
    """Where to draft a release, and a person's page by login (a report links a login instead of mentioning it)."""
    assert links.new_release_url("o/r") == "https://github.com/o/r/releases/new"
    assert links.user_url("consideRatio", "https://ghe.example") == "https://ghe.example/consideRatio"
    assert links.user_url("a/../b") == "https://github.com/a%2F..%2Fb"


def test_a_url_is_shown_without_its_credentials() -> None:
    """A private index URL with a user name and password in it is linked without them."""
    assert links.public_url("https://me:s3cret@pypi.example/simple/") == "https://pypi.example/simple/"
    assert links.public_url("https://pypi.example/simple/") == "https://pypi.example/simple/"


def test_a_condition_names_its_images_tag_page() -> None:
    """An image reason's condition links its tag's page; other conditions and unknown registries link nothing."""
    images = [parse_image("jupyterhub/k8s-hub:v{version}"), parse_image("ghcr.io/o/img:{version}")]
    assert (
        links.condition_image_url("image jupyterhub/k8s-hub:v0.7.0 pushed", images)
        == "https://hub.docker.com/r/jupyterhub/k8s-hub/tags?name=v0.7.0"
    )
    assert links.condition_image_url("image ghcr.io/o/img:1.0 pushed", images) is None  # GHCR: no known page
    assert links.condition_image_url("image other/img:v0.7.0 pushed", images) is None
    assert links.condition_image_url("after chart >=0.7.0-beta.1", images) is None
