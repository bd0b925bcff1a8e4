"""Links from reports to the pages of repositories, PRs, tags, releases and published versions."""

from __future__ import annotations

from release_gate.plan.model import ItemRef
from release_gate.report import links
from release_gate.report.links import chart_url, item_url, pypi_url, release_url, repo_url, server_of, tag_url


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


def test_the_pages_a_report_adds() -> None:
    """Where to draft a release, and a person's page by login (a report links a login instead of mentioning it)."""
    assert links.new_release_url("o/r") == "https://github.com/o/r/releases/new"
    assert links.user_url("consideRatio", "https://ghe.example") == "https://ghe.example/consideRatio"
    assert links.user_url("a/../b") == "https://github.com/a%2F..%2Fb"


def test_a_url_is_shown_without_its_credentials() -> None:
    """A private index URL with a user name and password in it is linked without them."""
    assert links.public_url("https://me:s3cret@pypi.example/simple/") == "https://pypi.example/simple/"
    assert links.public_url("https://pypi.example/simple/") == "https://pypi.example/simple/"
