"""Reading pin files: requirements lines, bare VCS URLs, and what is wrong with a bad one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from release_gate.evaluate.pins import Pin, canonical_name, read_entry, read_pins
from release_gate.plan.model import ItemRef
from release_gate.plan.reader import load_plan
from release_gate.sources.snapshot import load_snapshot
from release_gate.state import (
    FileHistory,
    FileVersion,
    PrState,
    Published,
    PullRequest,
    Registry,
    RepoState,
    State,
    Tag,
    Unknown,
)
from release_gate.testing import FakeGitHub, FakeRegistries
from release_gate.times import parse_time
from tests.conftest import EXAMPLE_PLAN, EXAMPLE_STATE, Run

PLAN = load_plan(EXAMPLE_PLAN)


def test_the_2018_hub_image_pins() -> None:
    """The hub image's requirements pin jupyterhub and oauthenticator exactly and kubespawner from git."""
    text = "jupyterhub==0.9.1\ngit+https://github.com/jupyterhub/kubespawner@7ae9900\noauthenticator==0.7.2\n"
    pins = {pin.name: pin for pin in read_pins(text, "images/hub/requirements.txt", PLAN)}
    assert pins["jupyterhub"].exact() == "0.9.1"
    assert pins["oauthenticator"].exact() == "0.7.2"
    kubespawner = pins["jupyterhub-kubespawner"]  # named by the plan repo the URL points at
    assert (kubespawner.url, kubespawner.ref, kubespawner.exact()) == (
        "git+https://github.com/jupyterhub/kubespawner@7ae9900",
        "7ae9900",
        None,
    )


@pytest.mark.parametrize(
    ("line", "name", "exact", "ref"),
    [
        ("Some_Package==1.2", "some-package", "1.2", ""),
        ("pkg===1.2", "pkg", "1.2", ""),
        ("pkg>=1.2", "pkg", None, ""),
        ("pkg==1.*", "pkg", None, ""),
        ("pkg @ git+https://github.com/o/pkg@abc123", "pkg", None, "abc123"),
        ("git+https://example.org/x.git@v1#egg=Other.Name", "other-name", None, ""),
        ("git+https://github.com/someone/unplanned@v2", "unplanned", None, "v2"),
        ("pkg==1.2  # a comment", "pkg", "1.2", ""),
    ],
)
def test_pin_lines(line: str, name: str, exact: str | None, ref: str) -> None:
    """Each kind of requirements line is read into the package it names, its exact version and git ref."""
    (pin,) = read_pins(line + "\n", "req.txt", PLAN)
    assert (pin.name, pin.exact(), pin.ref) == (name, exact, ref)


def test_comments_and_options_are_skipped() -> None:
    """Comment lines, blank lines and pip options name no pin."""
    assert read_pins("# pinned\n\n-r base.txt\n--index-url https://x.invalid\n", "req.txt", PLAN) == ()


def test_a_bad_line_names_the_file_and_line() -> None:
    """A line that is no requirement raises ValueError naming the file and the line."""
    with pytest.raises(ValueError, match=r"req.txt line 2: 'not a requirement!' is not a requirement"):
        read_pins("ok==1\nnot a requirement!\n", "req.txt", PLAN)


def test_canonical_names() -> None:
    """Names compare as PEP 503 normalises them."""
    assert canonical_name("Jupyter.Hub__Kube-Spawner") == "jupyter-hub-kube-spawner"
    assert Pin("a", "f", 1, "==1").exact() == "1"


def test_validate_live_suggests_forgotten_after_edges(run_cli: Callable[..., Run], tmp_path: Path) -> None:
    """`validate --live` names a pinned package of the plan that the release does not wait for."""
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[plan]\nname = "forgot"\n'
        '[repos.kubespawner]\ngithub = "jupyterhub/kubespawner"\npublished = { pypi = "jupyterhub-kubespawner" }\n'
        '[repos.z2jh]\ngithub = "jupyterhub/zero-to-jupyterhub-k8s"\nscheme = "semver"\n'
        '[releases.kubespawner]\nversion = ">=0.9.0b1"\n'
        '[releases.chart]\nrepo = "z2jh"\nversion = ">=0.7.0-beta.1"\npins = ["images/hub/requirements.txt"]\n',
        encoding="utf-8",
    )
    result = run_cli("validate", str(plan), "--live", "--snapshot", str(EXAMPLE_STATE))
    assert result.code == 0
    assert "add 'kubespawner' to releases.chart.after" in result.err
    assert run_cli("validate", str(EXAMPLE_PLAN), "--live", "--snapshot", str(EXAMPLE_STATE)).err == ""


def test_a_yaml_key_pins_a_package() -> None:
    """PATH#KEY=PACKAGE reads the key of a YAML file as an exact pin of the package (a leading v dropped)."""
    chart = "name: jupyterhub\nversion: 0.7.0-beta.1\nappVersion: v0.9.2\n"
    (pin,) = read_entry(chart, "jupyterhub/Chart.yaml#appVersion=jupyterhub", PLAN)
    assert (pin.name, pin.exact(), pin.path, pin.line) == ("jupyterhub", "0.9.2", "jupyterhub/Chart.yaml", 3)


@pytest.mark.parametrize(
    ("text", "message"),
    [("name: x\n", "has no key 'appVersion'"), ("a: [unclosed\n", "is not YAML")],
    ids=["missing-key", "not-yaml"],
)
def test_a_bad_yaml_pin_says_why(text: str, message: str) -> None:
    """A YAML pin file without the key, or that is not YAML, raises ValueError saying so."""
    with pytest.raises(ValueError, match=message):
        read_entry(text, "Chart.yaml#appVersion=jupyterhub", PLAN)


def test_chart_yaml_pin_is_checked_against_the_released_upstream() -> None:
    """A Chart.yaml appVersion pin is met once it names a released version that satisfies the upstream."""
    import datetime as dt  # noqa: PLC0415

    from release_gate import FakeStateProvider, ReleaseStatus, check, parse_plan  # noqa: PLC0415

    plan = parse_plan(
        '[plan]\nname = "y"\n[repos.hub]\ngithub = "o/hub"\npublished = { pypi = "jupyterhub" }\n'
        '[repos.chart]\ngithub = "o/chart"\nscheme = "semver"\n'
        '[releases.hub]\nversion = ">0.9.1"\n'
        '[releases.chart]\nversion = ">=1.0.0"\nafter = ["hub"]\npins = ["Chart.yaml#appVersion=jupyterhub"]\n'
    )

    def state(app_version: str) -> FakeStateProvider:
        return (
            FakeStateProvider(taken_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
            .published("pypi", "jupyterhub", "0.9.2", "2024-05-01T00:00:00Z")
            .repo("o/hub")
            .repo("o/chart", files={"Chart.yaml": f"name: chart\nappVersion: {app_version}\n"})
        )

    assert check(plan, state("v0.9.2")).release("chart").status is ReleaseStatus.UNBLOCKED
    stale = check(plan, state("0.9.1")).release("chart")
    assert stale.status is ReleaseStatus.BLOCKED
    assert stale.blockers[0].detail == "pins jupyterhub==0.9.1; the plan needs >0.9.1"


def test_a_malformed_pin_entry_is_a_plan_error() -> None:
    """A pins entry whose selector is neither #KEY nor #KEY=PACKAGE is reported with both forms."""
    from release_gate import PlanError, parse_plan  # noqa: PLC0415

    with pytest.raises(PlanError) as raised:
        parse_plan('[plan]\nname = "p"\n[repos.a]\ngithub = "o/a"\n[releases.a]\nversion = ">1"\npins = ["a#b c"]\n')
    assert "PATH#KEY=PACKAGE" in str(raised.value)


# -- pins as of a moment: the file of that moment, never today's --------------------------------

Z2JH = "jupyterhub/zero-to-jupyterhub-k8s"
HUB_PINS = "images/hub/requirements.txt"
FROM_GIT = "jupyterhub==0.9.1\ngit+https://github.com/jupyterhub/kubespawner@7ae9900\noauthenticator==0.7.2\n"
RELEASED = "jupyterhub==0.9.2\njupyterhub-kubespawner==0.9.0b1\noauthenticator==0.8.0\n"
SEPTEMBER = "jupyterhub==0.9.3\njupyterhub-kubespawner==0.9.0b1\noauthenticator==0.8.0\n"


def _at(text: str) -> dt.datetime:
    parsed = parse_time(text)
    assert parsed is not None
    return parsed


def _history(taken_at: str, *versions: tuple[str, str]) -> FileHistory:
    """Return the hub image's pins read at *taken_at*: *versions* ``(text, since)``, oldest first."""
    newest_first = tuple(FileVersion(text, _at(since), f"{n:040x}") for n, (text, since) in enumerate(versions))[::-1]
    return FileHistory(_at(taken_at), newest_first, complete=True)


def _state_of_0819(*, september: bool = False) -> State:
    """GitHub and the indexes on 2018-08-19 09:00 (or in September): the packages out, the pins moved at 08:00."""
    taken_at = "2018-09-10T12:00:00Z" if september else "2018-08-19T09:00:00Z"
    state = load_snapshot(EXAMPLE_STATE)
    repos, items, registries = dict(state.repos), dict(state.items), dict(state.registries)
    for number in (230, 232):
        ref = ItemRef("jupyterhub/kubespawner", number)
        old = items[ref.key]
        assert isinstance(old, PullRequest)
        items[ref.key] = dataclasses.replace(old, state=PrState.MERGED, merged_at=_at("2018-08-15T09:00:00Z"))
    for slug, tag, key, version, when in (
        ("jupyterhub/kubespawner", "v0.9.0b1", "pypi:jupyterhub-kubespawner", "0.9.0b1", "2018-08-19T07:00:00Z"),
        ("jupyterhub/jupyterhub", "0.9.2", "pypi:jupyterhub", "0.9.2", "2018-08-11T10:00:00Z"),
        ("jupyterhub/oauthenticator", "0.8.0", "pypi:oauthenticator", "0.8.0", "2018-08-11T11:00:00Z"),
    ):
        repo = repos[slug]
        assert isinstance(repo, RepoState)
        repos[slug] = dataclasses.replace(repo, tags=(*repo.tags, Tag(tag, f"{hash(tag) & 0xFFFF:040x}", _at(when))))
        registry = registries[key]
        assert isinstance(registry, Registry)
        registries[key] = dataclasses.replace(registry, versions=(*registry.versions, Published(version, _at(when))))
    versions = [(FROM_GIT, "2018-07-11T10:00:00Z"), (RELEASED, "2018-08-19T08:00:00Z")]
    if september:
        versions.append((SEPTEMBER, "2018-09-05T10:00:00Z"))
    chart = repos[Z2JH]
    assert isinstance(chart, RepoState)
    repos[Z2JH] = dataclasses.replace(chart, files={**chart.files, HUB_PINS: _history(taken_at, *versions)})
    return dataclasses.replace(state, taken_at=_at(taken_at), repos=repos, items=items, registries=registries)


@pytest.fixture
def august_19(github_schema: Any, tmp_path: Path) -> Iterator[tuple[FakeGitHub, Path]]:
    """Serve 2018-08-19 09:00 from a fake GitHub and registries; give the founding plan pointing at them."""
    state = _state_of_0819()
    with FakeRegistries(state) as registries, FakeGitHub(state, schema=github_schema) as github:
        plan = tmp_path / "plan.toml"
        plan.write_text(registries.example_plan(), encoding="utf-8")
        yield github, plan
        assert github.invalid_queries == []


@pytest.mark.parametrize("token", [True, False], ids=["graphql", "rest"])
@pytest.mark.parametrize(
    ("as_of", "code", "shown"),
    [
        ("2018-08-19T07:50:00Z", 1, "pins jupyterhub-kubespawner from git 7ae9900; the plan needs >=0.9.0b1 released"),
        ("2018-08-19T08:30:00Z", 0, "pins jupyterhub-kubespawner==0.9.0b1, released 2018-08-19 07:00 UTC"),
        (None, 0, "pins jupyterhub-kubespawner==0.9.0b1, released 2018-08-19 07:00 UTC"),
    ],
    ids=["before-the-pin-moved", "after-it-moved", "now"],
)
def test_pins_are_read_as_of_the_moment_asked(  # noqa: PLR0917 - fixtures and parameters
    august_19: tuple[FakeGitHub, Path],
    run_cli: Callable[..., Run],
    as_of: str | None,
    code: int,
    shown: str,
    token: bool,
) -> None:
    """`--as-of` judges the chart by its pin file at that moment: from git at 07:50 (blocked), released at 08:30."""
    github, plan = august_19
    moment = ("--as-of", as_of) if as_of else ()
    env = {"GH_TOKEN": str(github.token)} if token else {}
    run = run_cli("explain", "chart", str(plan), *moment, "--github-url", github.url, "--no-cache", env=env)
    assert run.code == code, run.out + run.err
    assert shown in run.text
    if token:
        assert len(github.graphql_requests) == 1  # the files of that moment come in the same round trip


def test_pins_as_of_an_earlier_moment_never_name_later_versions(
    github_schema: Any, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """On a September state, --as-of 2018-08-19 08:30 reads the pins of that morning, not jupyterhub==0.9.3."""
    state = _state_of_0819(september=True)
    with FakeRegistries(state) as registries, FakeGitHub(state, schema=github_schema) as github:
        plan = tmp_path / "plan.toml"
        plan.write_text(registries.example_plan(), encoding="utf-8")
        env = {"GH_TOKEN": str(github.token)}
        run = run_cli(
            "explain", "chart", str(plan), "--as-of", "2018-08-19T08:30:00Z", "--github-url", github.url, env=env
        )
        now = run_cli("explain", "chart", str(plan), "--github-url", github.url, env=env)
    assert run.code == 0, run.out + run.err
    assert "0.9.3" not in run.text
    assert "pins jupyterhub==0.9.2, released 2018-08-11 10:00 UTC" in run.text
    assert now.code == 1  # today the file pins jupyterhub==0.9.3, which the indexes do not have
    assert "pins jupyterhub==0.9.3, not released yet" in now.text


def test_a_snapshot_replays_pins_only_as_far_back_as_it_recorded_them(
    august_19: tuple[FakeGitHub, Path], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    """A snapshot with the pin file's last version only is unknown before it; `snapshot --since` records more."""
    github, plan = august_19
    env = {"GH_TOKEN": str(github.token)}
    short, long = tmp_path / "short.json", tmp_path / "long.json"
    assert run_cli("snapshot", str(plan), "-o", str(short), "--github-url", github.url, env=env).code == 0
    assert (
        run_cli(
            "snapshot", str(plan), "-o", str(long), "--since", "2018-08-01", "--github-url", github.url, env=env
        ).code
        == 0
    )
    before = ("--as-of", "2018-08-19T07:50:00Z", "--release", "chart")
    unknown = run_cli("check", str(plan), "--snapshot", str(short), *before)
    assert unknown.code == 3, unknown.out  # never "unblocked" from a file it did not record for that moment
    assert "images/hub/requirements.txt: not known as of 2018-08-19 07:50 UTC" in unknown.text
    blocked = run_cli("check", str(plan), "--snapshot", str(long), *before)
    assert blocked.code == 1, blocked.out
    assert run_cli("check", str(plan), "--snapshot", str(short), "--release", "chart").code == 0


def test_timeline_shows_when_the_pins_freed_the_chart(
    august_19: tuple[FakeGitHub, Path], run_cli: Callable[..., Run]
) -> None:
    """A live timeline reads the pin file's versions over the period: the chart is unblocked at 08:00, not before."""
    github, plan = august_19
    run = run_cli(
        "timeline", "2018-08-18", "2018-08-19T09:00:00Z", str(plan), "--github-url", github.url,
        env={"GH_TOKEN": str(github.token)},
    )  # fmt: skip
    assert run.code == 0, run.err
    assert re.search(r"^2018-08-19 07:00 UTC\s+release\s+kubespawner\s+unblocked\s+released$", run.out, re.MULTILINE)
    assert re.search(r"^2018-08-19 08:00 UTC\s+release\s+chart\s+blocked\s+unblocked$", run.out, re.MULTILINE)


def test_a_pin_file_whose_history_cannot_be_read_is_unknown(
    august_19: tuple[FakeGitHub, Path], run_cli: Callable[..., Run]
) -> None:
    """A pin file GitHub cannot give as of the moment makes the chart unknown (exit 3), never judged by today's file."""
    github, plan = august_19
    chart = github.state.repos[Z2JH]
    assert isinstance(chart, RepoState)
    files = {**chart.files, HUB_PINS: Unknown("forbidden")}
    github.state = dataclasses.replace(
        github.state, repos={**github.state.repos, Z2JH: dataclasses.replace(chart, files=files)}
    )
    run = run_cli(
        "check", str(plan), "--as-of", "2018-08-19T08:30:00Z", "--release", "chart", "--github-url", github.url,
        env={"GH_TOKEN": str(github.token)},
    )  # fmt: skip
    assert run.code == 3, run.out + run.err
    assert "pins in images/hub/requirements.txt" in run.text
