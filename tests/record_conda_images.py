"""Record config/jupyterhub-2018-conda-images.state.json against the fakes of GitHub, the registries and Docker Hub.

The extended founding example (config/jupyterhub-2018-conda-images.toml) is the founding plan
plus conda-forge and the chart's hub image. Its snapshot is recorded, not written by hand: the
fakes serve the founding state (config/jupyterhub-2018.state.json, as of 2018-08-31), the
conda-forge files of jupyterhub below and the hub image's tags below, over real HTTP on
127.0.0.1, and the read is what ``release-gate snapshot --since 2018-08-09T18:00Z`` does
(`release_gate.pipeline.read`, then `release_gate.dump_snapshot`) with the clock at the
founding state's moment. The command line cannot point Docker Hub at a fake, so the read is
made with the library; the fakes' URLs are then written as the real registries'.

Record it again (the tests compare the file with a fresh recording):

    PYTHONPATH=$PWD .venv/bin/python -m tests.record_conda_images
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from release_gate import dump_snapshot, load_snapshot, parse_plan
from release_gate.pipeline import read
from release_gate.plan.model import Plan, Source
from release_gate.sources.github import GitHubStateProvider
from release_gate.sources.live import LiveStateProvider
from release_gate.sources.registries import RegistryReader
from release_gate.state import Published, Registry, State, registry_key
from release_gate.testing import FakeGitHub, FakeRegistries
from release_gate.testing.oci import FakeOci

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "config" / "jupyterhub-2018-conda-images.toml"
SNAPSHOT = ROOT / "config" / "jupyterhub-2018-conda-images.state.json"
FOUNDING_STATE = ROOT / "config" / "jupyterhub-2018.state.json"

TAKEN = dt.datetime(2018, 8, 31, 18, tzinfo=dt.UTC)
"""When the founding state was taken: the recording's clock."""
MEETING = dt.datetime(2018, 8, 9, 18, tzinfo=dt.UTC)
"""The snapshot answers as of the meeting, as the founding one does."""
HUB = "jupyterhub/k8s-hub"
IMAGE_PUSHED = dt.datetime(2018, 8, 19, 15, tzinfo=dt.UTC)
"""The hub image v0.7.0-beta.1's push: plausible, not known (the chart entered the index at 14:20)."""


def _at(month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2018, month, day, hour, minute, tzinfo=dt.UTC)


def _conda(version: str, linux: dt.datetime, osx: dt.datetime, win: dt.datetime) -> Published:
    """Return a conda-forge version with one counted file per platform, dated at its first upload."""
    platforms = (("linux-64", linux), ("osx-64", osx), ("win-64", win))
    return Published(version, max(linux, osx, win), len(platforms), 0, platforms=platforms)


# The feedstock's merges are real (conda-forge/jupyterhub-feedstock: PR #14 0.9.0 merged 2018-06-15
# 14:30 UTC, #15 0.9.1 2018-07-09 10:48, #16 0.9.2 2018-08-11 14:22); the uploads are plausible:
# Linux (CircleCI) 25 minutes after the merge, Windows (AppVeyor) 40, macOS (Travis) 50.
CONDA_JUPYTERHUB = Registry(
    Source.CONDA,
    "conda-forge/jupyterhub",
    "",
    (
        _conda("0.9.0", _at(6, 15, 14, 55), _at(6, 15, 15, 20), _at(6, 15, 15, 10)),
        _conda("0.9.1", _at(7, 9, 11, 13), _at(7, 9, 11, 38), _at(7, 9, 11, 28)),
        _conda("0.9.2", _at(8, 11, 14, 47), _at(8, 11, 15, 12), _at(8, 11, 15, 2)),
    ),
)
HELM_INDEX = "https://jupyterhub.github.io/helm-chart/index.yaml"
IMAGE_TAGS = (("v0.6", dt.datetime(2018, 1, 31, 1, 50, tzinfo=dt.UTC)), ("v0.7.0-beta.1", IMAGE_PUSHED))
"""The hub image's tags on Docker Hub that matter here (v0.6 went with the chart v0.6)."""

ABOUT = (
    "The founding example's state (config/jupyterhub-2018.state.json: the JupyterHub repositories from the "
    "team meeting of 2018-08-09 to the end of that month) plus jupyterhub on conda-forge and the chart's hub "
    "image on Docker Hub, recorded against the fakes by tests/record_conda_images.py. Real: the versions on "
    "conda-forge (0.9.0, 0.9.1, 0.9.2, built for linux-64, osx-64 and win-64) and the feedstock merges they "
    "follow (2018-06-15, 2018-07-09, 2018-08-11 14:22 UTC); conda-forge had no oauthenticator or "
    "jupyterhub-kubespawner package in 2018. Plausible, not known: the conda upload times (25 to 50 minutes "
    "after each merge) and the push of jupyterhub/k8s-hub:v0.7.0-beta.1 (2018-08-19 15:00 UTC, 40 minutes "
    "after the chart entered the index; Docker Hub keeps only a tag's last push). Verdicts are given as of "
    "the meeting unless --as-of asks for another moment."
)


def founding_state() -> State:
    """Return the founding state with jupyterhub's conda-forge files: what the fake GitHub and registries serve."""
    state = load_snapshot(FOUNDING_STATE)
    registries = {**state.registries, registry_key(Source.CONDA, CONDA_JUPYTERHUB.name): CONDA_JUPYTERHUB}
    return dataclasses.replace(state, registries=registries)


@dataclass(frozen=True)
class Fakes:
    """The running fakes the example reads."""

    github: FakeGitHub
    registries: FakeRegistries
    oci: FakeOci

    def plan_text(self) -> str:
        """Return the example plan's text with its PyPI, Helm and conda places pointing at the fake registries."""
        text = PLAN.read_text(encoding="utf-8").replace(HELM_INDEX, self.registries.helm_index("jupyterhub"))
        text = text.replace(
            "published = { pypi = ", f'published = {{ pypi_index = "{self.registries.pypi_index}", pypi = '
        )
        return text.replace("published.conda = { ", f'published.conda = {{ api = "{self.registries.conda_api}", ')

    def plan(self) -> Plan:
        """Return the example plan, reading from the fakes."""
        return parse_plan(self.plan_text())

    def provider(self) -> LiveStateProvider:
        """Return the live provider release-gate would build, its clock at `TAKEN` and Docker Hub at the fake."""
        github = GitHubStateProvider(
            token=str(self.github.token), base_url=self.github.url, timeout=5, clock=lambda: TAKEN
        )
        return LiveStateProvider(github, RegistryReader(timeout=5, oci_roots={"docker.io": self.oci.url}))

    def real_urls(self, text: str) -> str:
        """Return *text* with the fakes' URLs written as the real places the plan names."""
        fakes = (
            (self.registries.helm_index("jupyterhub"), HELM_INDEX),
            (self.registries.pypi_index, "https://pypi.org/pypi"),
            (self.registries.conda_api, "https://api.anaconda.org"),
            (self.oci.url, "https://registry-1.docker.io"),
        )
        for fake, real in fakes:
            text = text.replace(fake, real)
        return text


@contextlib.contextmanager
def fakes(schema: Any) -> Iterator[Fakes]:
    """Run the fake GitHub (checking queries against *schema*), registries and Docker Hub with the example's state."""
    state = founding_state()
    with FakeGitHub(state, schema=schema) as github, FakeRegistries(state) as registries, FakeOci() as oci:
        for tag, pushed in IMAGE_TAGS:
            oci.push(HUB, tag, pushed)
        yield Fakes(github, registries, oci)


def record(schema: Any) -> str:
    """Read the example's state from the fakes and return it as the snapshot's text."""
    with fakes(schema) as running:
        state = read(running.plan(), running.provider(), files_since=MEETING).state
        text = dump_snapshot(dataclasses.replace(state, as_of=MEETING, stats=None), about=ABOUT)
        text = running.real_urls(text)
    assert "127.0.0.1" not in text, "a fake's URL was left in the snapshot"
    return text


def github_schema() -> Any:
    """Return GitHub's GraphQL schema, fetched into .cache/ as the tests do."""
    from release_gate.testing import fetch_github_schema, load_github_schema  # noqa: PLC0415

    return load_github_schema(fetch_github_schema(ROOT / ".cache" / "github-schema"))


def main() -> int:
    """Write the snapshot; say where."""
    SNAPSHOT.write_text(record(github_schema()), encoding="utf-8")
    sys.stdout.write(f"wrote {SNAPSHOT.relative_to(ROOT)}\n")  # noqa: TID251 - a script run by hand says what it wrote
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
