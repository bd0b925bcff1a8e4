"""PyPI and Helm as evidence sources, read for real over HTTP from the fake registries."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from release_gate import FakeStateProvider, ReleaseStatus, check, load_world, parse_plan
from release_gate.cache import ResponseCache
from release_gate.model import Source
from release_gate.registries import RegistryReader
from release_gate.state import Published, Registry, StateRequest, Unknown, registry_key
from release_gate.testing import FakeRegistries
from tests.conftest import EXAMPLE_STATE, Run

TAKEN = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


def _world(*registries: Registry) -> Any:
    return dataclasses.replace(
        load_world(EXAMPLE_STATE), registries={registry_key(r.source, r.name): r for r in registries}
    )


def _plan(fake: FakeRegistries, *, pypi: str = "lib", chart: str = "app", lib_version: str = ">=1.0.0b1") -> Any:
    return parse_plan(
        f"""
[plan]
name = "sources"
[repos.lib]
github = "o/lib"
published = {{ pypi = "{pypi}", pypi_index = "{fake.pypi_index}" }}
[repos.chart]
github = "o/chart"
scheme = "semver"
published = {{ helm = {{ index = "{fake.helm_index(chart)}", chart = "{chart}" }} }}
[releases.lib]
version = "{lib_version}"
[releases.chart]
version = ">=1.0.0-beta.1"
"""
    )


def _read(plan: Any, **kwargs: Any) -> dict[str, Registry | Unknown]:
    from release_gate.state import request_for  # noqa: PLC0415

    return RegistryReader(timeout=2, retries=1, **kwargs).read(request_for(plan, ()))


def _evaluate(fake: FakeRegistries, plan: Any, **kwargs: Any) -> Any:
    del fake  # the plan carries its URLs
    registries = _read(plan, **kwargs)
    world = FakeStateProvider(taken_at=TAKEN).repo("o/lib").repo("o/chart")
    return check(plan, _Fixed(dataclasses.replace(world.fetch(StateRequest((), ())), registries=registries)))


class _Fixed:
    def __init__(self, world: Any) -> None:
        self.world = world

    def fetch(self, request: StateRequest) -> Any:
        del request
        return self.world


LIB = Registry(
    Source.PYPI,
    "lib",
    "",
    (
        Published("0.9", dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
        Published("1.0.0b1", dt.datetime(2024, 2, 1, tzinfo=dt.UTC), files=2, yanked=2),  # every file yanked
        Published("1.0.0b2", dt.datetime(2024, 3, 1, tzinfo=dt.UTC), files=0),  # a version key with no files
        Published("1.0.0rc1", dt.datetime(2024, 4, 1, tzinfo=dt.UTC), files=3, yanked=1),  # one file yanked
    ),
)
APP = Registry(
    Source.HELM,
    "app",
    "",
    (
        Published("0.9.0", dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
        Published("1.0.0-0.dev.git.12.h262097b", dt.datetime(2024, 2, 1, tzinfo=dt.UTC)),
        Published("1.0.1-0.dev.git.3.habc1234", dt.datetime(2024, 3, 1, tzinfo=dt.UTC)),
        Published("1.0.0-beta.1", dt.datetime(2024, 4, 1, tzinfo=dt.UTC)),
    ),
)


def test_pypi_counts_a_version_with_an_unyanked_file() -> None:
    """A version counts when it has a file that is not yanked; fully yanked and empty versions say why not."""
    with FakeRegistries(_world(LIB, APP)) as fake:
        lib = _evaluate(fake, _plan(fake)).release("lib")
    assert lib.status is ReleaseStatus.RELEASED
    assert lib.released is not None
    assert (lib.released.version, lib.released.source) == ("1.0.0rc1", Source.PYPI)
    why = {c.tag: c.why for c in lib.candidates if c.source is Source.PYPI}
    assert why["1.0.0b1"] == "yanked"
    assert why["1.0.0b2"] == "no files"
    assert why["1.0.0rc1"] == "satisfies >=1.0.0b1"


def test_pypi_reads_candidates_from_the_per_version_endpoint() -> None:
    """Only versions that could satisfy a release are read one by one, from the per-version endpoint."""
    with FakeRegistries(_world(LIB, APP)) as fake:
        _read(_plan(fake))
    paths = [r.path for r in fake.requests]
    assert "/pypi/lib/json" in paths
    assert sorted(p for p in paths if p.startswith("/pypi/lib/1")) == [
        "/pypi/lib/1.0.0b1/json",
        "/pypi/lib/1.0.0b2/json",
        "/pypi/lib/1.0.0rc1/json",
    ]
    assert "/pypi/lib/0.9/json" not in paths


def test_helm_dev_builds_never_satisfy() -> None:
    """Development builds in an unsorted Helm index never satisfy; the labelled beta does; bad entries are skipped."""
    with FakeRegistries(_world(LIB, APP)) as fake:
        fake.extra_entries["app"] = [{"version": "v1.2", "created": "2024-05-01T00:00:00Z"}]
        chart = _evaluate(fake, _plan(fake)).release("chart")
    assert chart.status is ReleaseStatus.RELEASED
    assert chart.released is not None
    assert chart.released.version == "1.0.0-beta.1"
    rejected = {c.tag: c.why for c in chart.candidates if not c.accepted}
    assert rejected["1.0.1-0.dev.git.3.habc1234"].startswith("development build")
    assert "helm v1.2" in chart.skipped_tags


def test_helm_redirect_and_conditional_get(tmp_path: Path) -> None:
    """A moved index is followed, and with a cache folder the second read is a conditional GET (304)."""
    with FakeRegistries(_world(LIB, APP)) as fake:
        plan = _plan(fake)
        moved = dataclasses.replace(
            plan.repos[1], helm=dataclasses.replace(plan.repos[1].helm, index=f"{fake.url}/moved/app/index.yaml")
        )
        plan = dataclasses.replace(plan, repos=(plan.repos[0], moved))
        first = _read(plan, cache=ResponseCache(tmp_path))
        second = _read(plan, cache=ResponseCache(tmp_path))
    assert first == second
    assert isinstance(first["helm:app"], Registry)
    assert [r.path for r in fake.requests].count("/helm/app/index.yaml") == 2  # both after the redirect


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        (lambda fake: setattr(fake, "broken_index", True), "is not YAML"),
        (lambda fake: setattr(fake, "down", True), "kept failing (503)"),
    ],
    ids=["not-yaml", "down"],
)
def test_unreadable_sources_make_the_release_unknown(setup: Callable[[FakeRegistries], None], needle: str) -> None:
    """An index that is down or not YAML makes its release unknown, with the reason; never unblocked."""
    with FakeRegistries(_world(LIB, APP)) as fake:
        setup(fake)
        evaluation = _evaluate(fake, _plan(fake))
    chart = evaluation.release("chart")
    assert chart.status is ReleaseStatus.UNKNOWN
    assert needle in chart.reasons[0].detail


def test_missing_project_and_chart_are_unknown_with_a_hint() -> None:
    """A PyPI project or chart that does not exist is unknown, saying which key of the plan to check."""
    with FakeRegistries(_world(LIB, APP)) as fake:
        evaluation = _evaluate(fake, _plan(fake, pypi="no-such-project", chart="nochart"))
    lib, chart = evaluation.release("lib"), evaluation.release("chart")
    assert (lib.status, chart.status) == (ReleaseStatus.UNKNOWN, ReleaseStatus.UNKNOWN)
    assert "has no project 'no-such-project'; check published.pypi" in lib.reasons[0].detail
    assert "check published.helm.chart" in chart.reasons[0].detail or "answered" in chart.reasons[0].detail


def test_tagged_but_not_on_pypi_is_tagged() -> None:
    """A tag that satisfies the release while PyPI does not have it yet makes the release tagged, not released."""
    plan = parse_plan(
        '[plan]\nname = "t"\n[repos.lib]\ngithub = "o/lib"\npublished = { pypi = "lib" }\n'
        '[releases.lib]\nversion = ">=2.0"\n'
    )
    world = (
        FakeStateProvider(taken_at=TAKEN).tag("o/lib", "v2.0", "2024-05-01T00:00:00Z").published("pypi", "lib", "1.0")
    )
    lib = check(plan, world).release("lib")
    assert lib.status is ReleaseStatus.TAGGED
    assert lib.reasons[0].detail == "tag v2.0 has 2.0, but not the PyPI yet"
    assert lib.reasons[0].action == "publish lib 2.0 (PyPI)"
    world.published("pypi", "lib", "2.0", "2024-05-01T00:10:00Z")
    assert check(plan, world).release("lib").status is ReleaseStatus.RELEASED


def test_github_releases_skip_drafts_and_prereleases() -> None:
    """A draft never counts; a release marked pre-release counts only when the plan accepts pre-releases."""
    from release_gate import state  # noqa: PLC0415

    text = (
        '[plan]\nname = "g"\n[repos.lib]\ngithub = "o/lib"\nsources = ["github-releases"]\n'
        '[releases.lib]\nversion = ">=2.0"\n'
    )
    fake = FakeStateProvider(taken_at=TAKEN).repo("o/lib")
    world = fake.fetch(StateRequest((), ()))
    repo = world.repos["o/lib"]
    assert isinstance(repo, state.RepoState)
    releases = (
        state.GitHubRelease("v2.0", draft=True, published_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC)),
        state.GitHubRelease("v2.1", prerelease=True, published_at=dt.datetime(2024, 5, 2, tzinfo=dt.UTC)),
    )
    world = dataclasses.replace(world, repos={"o/lib": dataclasses.replace(repo, releases=releases)})
    final = check(parse_plan(text), _Fixed(world)).release("lib")
    assert final.status is ReleaseStatus.UNBLOCKED
    assert {c.tag: c.why for c in final.candidates} == {"v2.0": "a draft", "v2.1": "marked pre-release on GitHub"}
    pre = check(parse_plan(text.replace('">=2.0"', '">=2.0"\naccept = "pre"')), _Fixed(world)).release("lib")
    assert pre.status is ReleaseStatus.RELEASED


def test_founding_example_against_the_fakes(
    fake_github: Any, fake_registries: FakeRegistries, live_plan: Path, run_cli: Callable[..., Run]
) -> None:
    """Read live from the fakes, the chart is blocked by its pins (git kubespawner, old oauthenticator) too."""
    result = run_cli(
        "explain", "chart", str(live_plan), "--github-url", fake_github.url, env={"GH_TOKEN": str(fake_github.token)}
    )
    assert result.code == 1
    assert "pins jupyterhub-kubespawner from git 7ae9900; the plan needs >=0.9.0b1 released" in result.out
    assert "pins oauthenticator==0.7.2; the plan needs >0.7.3" in result.out
    assert "after kubespawner >=0.9.0b1: not released (blocked)" in result.out
    assert "chart index v0.7-15e87d6" not in result.out  # the dev build was skipped, not accepted
    assert any(r.path == "/helm/jupyterhub/index.yaml" for r in fake_registries.requests)


def test_plan_mistakes_in_sources_are_exit_2(run_cli: Callable[..., Run], tmp_path: Path) -> None:
    """A source without its place, a decided_by outside the sources, a non-http index: one report, exit 2."""
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[plan]\nname = "bad"\n[repos.lib]\ngithub = "o/lib"\nsources = ["pypi", "tags"]\n'
        '[repos.chart]\ngithub = "o/chart"\npublished = { helm = { index = "ftp://x/index.yaml", chart = "c" } }\n'
        '[releases.lib]\nversion = ">=1"\ndecided_by = "helm"\n',
        encoding="utf-8",
    )
    result = run_cli("validate", str(plan))
    assert result.code == 2
    assert "repos.lib.sources[0]: 'pypi' needs published.pypi" in result.err
    assert "releases.lib.decided_by: helm is not a source of repos.lib" in result.err
    assert "repos.chart.published.helm.index: 'ftp://x/index.yaml' is not an http(s) URL" in result.err
    assert "Traceback" not in result.err


def test_an_answer_past_the_size_limit_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    """An answer larger than MAX_ANSWER is not read to the end: its release is unknown, saying why."""
    monkeypatch.setattr("release_gate.registries.MAX_ANSWER", 100)
    with FakeRegistries(_world(LIB, APP)) as fake:
        found = _read(_plan(fake))
    assert isinstance(found["pypi:lib"], Unknown)
    assert "more than 0 MiB" in found["pypi:lib"].reason


def test_a_host_that_failed_is_not_asked_again_in_the_read() -> None:
    """Once a host fails after its retries, the read's other projects on it are unknown without asking again."""
    with FakeRegistries(_world(LIB, APP)) as fake:
        fake.down = True
        found = _read(_plan(fake))
        asked = len(fake.requests)
    reasons = sorted((str(getattr(found[key], "reason", "")) for key in ("pypi:lib", "helm:app")), key=len)
    assert "kept failing (503)" in reasons[0]
    assert "not asked: 127.0.0.1" in reasons[1]
    assert "failed earlier in this read (it kept failing (503)" in reasons[1]
    assert asked == 2  # the first project's document, once and once again (retries=1); the other never


def test_an_answer_past_the_limit_does_not_mark_its_host_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """A too-large answer makes only its own source unknown: the other projects on that host are still read."""
    with FakeRegistries(_world(LIB, APP)) as fake:
        plan = _plan(fake)
        # The chart's index (read first) grows past the limit; PyPI's documents stay under it.
        fake.extra_entries["app"] = [{"version": f"0.0.{n}", "name": "app"} for n in range(100)]
        pypi = max(len(fake.answer(p)[1]) for p in ("/pypi/lib/json", "/pypi/lib/1.0.0rc1/json"))
        assert len(fake.answer("/helm/app/index.yaml")[1]) > pypi
        monkeypatch.setattr("release_gate.registries.MAX_ANSWER", pypi + 1)
        found = _read(plan)
    assert isinstance(found["helm:app"], Unknown)
    assert "more than" in found["helm:app"].reason
    assert isinstance(found["pypi:lib"], Registry)
