"""Answers that once came out more permissive than the truth (a review of issue 17), and crashes on hostile files."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from release_gate import FakeStateProvider, Outcome, ReleaseStatus, check, parse_plan
from release_gate.errors import PlanError, SnapshotError
from release_gate.plan.model import Plan, Source
from release_gate.sources.conda import read_package
from release_gate.sources.pypi import DoubtfulAnswer
from release_gate.sources.snapshot import load_snapshot
from release_gate.state import Unknown
from tests.test_oci import BETA, _evaluate, _plan
from tests.test_pins_files import TAKEN, _pin_reasons, _provider


class _AnythingIsOk(http.server.BaseHTTPRequestHandler):
    """A web server (not a registry) that answers 200 with an HTML page to every path."""

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()

    do_GET = do_HEAD  # noqa: N815 - the stdlib names it

    def log_message(self, *args: object) -> None:
        del args


@pytest.fixture
def web() -> Iterator[str]:
    """Serve `_AnythingIsOk` on 127.0.0.1; yield its host:port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AnythingIsOk)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_200_that_is_no_manifest_does_not_count_as_a_pushed_image(web: str) -> None:
    """A host answering 200 (no Docker-Content-Digest, not a manifest type) to any HEAD is no proof of a tag."""
    chart = _evaluate(_plan(f"{web}/org/hub:v{{version}}"), BETA, {})
    assert chart.status is not ReleaseStatus.RELEASED


def _npm_plan(pins: str) -> Plan:
    return parse_plan(
        """
[plan]
name = "alias"
[repos.ext]
github = "o/ext"
scheme = "semver"
published = { npm = "@acme/ext" }
[repos.app]
github = "o/app"
scheme = "semver"
[releases.ext]
version = ">=2.0.0"
[releases.app]
version = ">=9.0.0"
after = ["ext"]
"""
        f"pins = [{pins}]\n"
    )


def test_a_scoped_npm_alias_without_a_version_is_not_one_exact_pin() -> None:
    """A scoped alias npm:@acme/ext with no version installs the latest: the pin is reported, not met."""
    files = {"package.json": '{"dependencies": {"x": "npm:@acme/ext"}}'}
    reasons = _pin_reasons(_npm_plan('"package.json"'), _provider(files))
    assert [r.outcome for r in reasons] == [Outcome.UNMET]


def test_a_yaml_key_written_as_a_number_is_not_read_as_another_version() -> None:
    """appVersion: 1.10 is YAML's float 1.1: the pin must not be met by the released 1.1.0."""
    plan = parse_plan(
        """
[plan]
name = "float"
[repos.lib]
github = "o/lib"
published = { pypi = "Acme_Lib" }
[repos.app]
github = "o/app"
scheme = "semver"
[releases.lib]
version = ">=1.1"
[releases.app]
version = ">=9.0.0"
after = ["lib"]
pins = ["Chart.yaml#appVersion=acme-lib"]
"""
    )
    provider = FakeStateProvider(taken_at=TAKEN).published("pypi", "acme-lib", "1.1", "2024-05-01T00:00:00Z")
    provider = provider.repo("o/lib").repo("o/app", files={"Chart.yaml": "appVersion: 1.10\n"})
    reasons = _pin_reasons(plan, provider)
    assert [r.outcome for r in reasons] != [Outcome.MET]


@pytest.mark.parametrize(
    ("entry", "text"),
    [("package.json", "[" * 50_000), ("pyproject.toml", "a = " + "[" * 50_000), ("Chart.yaml", "[" * 50_000)],
)
def test_a_deeply_nested_pin_file_is_unknown_not_a_crash(entry: str, text: str) -> None:
    """A hostile pin file nested past the recursion limit makes its pins unknown, not an exception (exit 4)."""
    reasons = _pin_reasons(_npm_plan(f'"{entry}"'), _provider({entry: text}))
    assert [r.outcome for r in reasons] == [Outcome.UNKNOWN]


def test_a_release_is_not_released_by_the_package_of_another_release_of_its_repo() -> None:
    """Cli names its own tags but inherits the repo's PyPI project: validate refuses it, or core 3.0.0 releases cli."""
    text = """
[plan]
name = "shared package"
[repos.mono]
github = "o/mono"
published = { pypi = "mono-core" }
[releases.core]
repo = "mono"
version = ">=3.0,<3.1"
tags = ["core-v{version}"]
[releases.cli]
repo = "mono"
version = ">=1.4"
tags = ["cli-v{version}"]
"""
    try:
        plan = parse_plan(text)
    except PlanError:
        return  # refused as a plan error: fine
    provider = FakeStateProvider(taken_at=TAKEN).published("pypi", "mono-core", "3.0.0", "2024-05-01T00:00:00Z")
    provider = provider.repo("o/mono")
    assert check(plan, provider).release("cli").status is not ReleaseStatus.RELEASED


def test_a_snapshot_does_not_turn_an_unknown_image_into_a_pushed_one(tmp_path: Path) -> None:
    """A v2 snapshot saying the image is unknown, and an oci entry for it under another key with no files count."""
    doc = {
        "schema_version": 2,
        "taken_at": "2024-06-01T00:00:00Z",
        "repos": {},
        "registries": {
            "oci:docker.io/org/hub": {"unknown": "the registry refused"},
            "zz": {"source": "oci", "name": "docker.io/org/hub", "url": "x", "versions": [{"version": "v1.0.0"}]},
        },
    }
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc))
    try:
        state = load_snapshot(path)
    except SnapshotError:
        return  # refused: fine
    assert isinstance(state.registry(Source.OCI, "docker.io/org/hub"), Unknown)


def _conda_document(labels: list[str], *, owner: object = "conda-forge") -> dict[str, object]:
    """Make an anaconda.org package document of jupyterhub with one noarch file of 0.9.2 under *labels*."""
    file = {
        "version": "0.9.2",
        "labels": labels,
        "attrs": {"subdir": "noarch"},
        "upload_time": "2018-08-11 14:41:03.311000+00:00",
        "basename": "noarch/jupyterhub-0.9.2-py_0.tar.bz2",
    }
    document: dict[str, object] = {"name": "jupyterhub", "versions": ["0.9.2"], "files": [file]}
    if owner is not None:
        document["owner"] = owner
    return document


def test_a_conda_file_marked_broken_does_not_count_under_main_too() -> None:
    """A file labelled both main and broken is broken: the version is not released on conda-forge."""
    (version,) = read_package(_conda_document(["main", "broken"]), "conda-forge/jupyterhub", ("main",))
    assert version.files == version.yanked == 1
    (good,) = read_package(_conda_document(["main"]), "conda-forge/jupyterhub", ("main",))
    assert (good.files, good.yanked) == (1, 0)


def test_a_conda_document_that_names_no_owner_is_doubtful() -> None:
    """Without an owner nothing says the package is the channel's: unknown, not believed."""
    with pytest.raises(DoubtfulAnswer, match="channel"):
        read_package(_conda_document(["main"], owner=None), "conda-forge/jupyterhub", ("main",))
