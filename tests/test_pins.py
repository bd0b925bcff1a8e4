"""Reading pin files: requirements lines, bare VCS URLs, and what is wrong with a bad one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from release_gate.pins import Pin, canonical_name, read_entry, read_pins
from release_gate.plan import load_plan
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
    result = run_cli("validate", str(plan), "--live", "--state", str(EXAMPLE_STATE))
    assert result.code == 0
    assert "add 'kubespawner' to releases.chart.after" in result.err
    assert run_cli("validate", str(EXAMPLE_PLAN), "--live", "--state", str(EXAMPLE_STATE)).err == ""


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

    def world(app_version: str) -> FakeStateProvider:
        return (
            FakeStateProvider(taken_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
            .published("pypi", "jupyterhub", "0.9.2", "2024-05-01T00:00:00Z")
            .repo("o/hub")
            .repo("o/chart", files={"Chart.yaml": f"name: chart\nappVersion: {app_version}\n"})
        )

    assert check(plan, world("v0.9.2")).release("chart").status is ReleaseStatus.UNBLOCKED
    stale = check(plan, world("0.9.1")).release("chart")
    assert stale.status is ReleaseStatus.BLOCKED
    assert stale.blockers[0].detail == "pins jupyterhub==0.9.1; the plan needs >0.9.1"


def test_a_malformed_pin_entry_is_a_plan_error() -> None:
    """A pins entry that is neither a path nor PATH#KEY=PACKAGE is reported with both forms."""
    from release_gate import PlanError, parse_plan  # noqa: PLC0415

    with pytest.raises(PlanError) as raised:
        parse_plan('[plan]\nname = "p"\n[repos.a]\ngithub = "o/a"\n[releases.a]\nversion = ">1"\npins = ["a b#c"]\n')
    assert "PATH#KEY=PACKAGE" in str(raised.value)
