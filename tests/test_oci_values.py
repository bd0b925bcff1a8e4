"""Images a values file names (``images = ["PATH#KEY"]``): the tag written there, read as of the moment."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from release_gate import FakeStateProvider, ReleaseStatus, check, load_snapshot, parse_plan
from release_gate.plan.model import Source
from release_gate.sources.registries import RegistryReader
from release_gate.state import FileHistory, FileVersion, Registry, State, StateRequest, Unknown, registry_key
from release_gate.state import request_for as _request_for
from release_gate.testing import FakeGitHub, FakeRegistries
from release_gate.testing.oci import FakeOci
from tests.conftest import ROOT, Run

TAKEN = dt.datetime(2018, 8, 31, 18, tzinfo=dt.UTC)
HUB = "jupyterhub/k8s-hub"
Z2JH = "jupyterhub/zero-to-jupyterhub-k8s"
VALUES = "jupyterhub/values.yaml"
ENTRY = f"{VALUES}#hub.image"
LATER_STATE = ROOT / "config" / "jupyterhub-2018.state.json"


def _day(day: int) -> dt.datetime:
    return dt.datetime(2018, 8, day, 12, tzinfo=dt.UTC)


def _values(tag: str, name: str = HUB) -> str:
    return f"hub:\n  image:\n    name: {name}\n    tag: {tag}\nproxy:\n  secretToken: ''\n"


def _plan(*images: str) -> Any:
    listed = ", ".join(f'"{i}"' for i in images)
    return parse_plan(
        f"""
[plan]
name = "values images"
[repos.z2jh]
github = "{Z2JH}"
scheme = "semver"
[releases.chart]
repo = "z2jh"
version = ">=0.7.0-beta.1"
accept = "pre"
images = [{listed}]
"""
    )


def _state(*files: tuple[str | None, dt.datetime]) -> State:
    """Return the chart tagged 0.7.0-beta.1 on Aug 5 and the values file by its versions (text, since), oldest first."""
    fake = FakeStateProvider(taken_at=TAKEN).repo(Z2JH).tag(Z2JH, "0.7.0-beta.1", _day(5))
    if files:
        fake.file(Z2JH, VALUES, *files)
    return fake.fetch(StateRequest((), ()))


class _Fixed:
    def __init__(self, state: State) -> None:
        self.state = state

    def fetch(self, request: StateRequest) -> State:
        del request
        return self.state


def _evaluate(plan: Any, state: State, oci: FakeOci, *, as_of: dt.datetime | None = None) -> Any:
    """Read the images as the live reader does (after GitHub), then evaluate at *as_of*."""
    reader = RegistryReader(timeout=2, retries=1, oci_roots={"docker.io": oci.url})
    read = {**state.registries, **reader.read_images(_request_for(plan, (), as_of=as_of), state)}
    return check(plan, _Fixed(dataclasses.replace(state, registries=read)), as_of=as_of).release("chart")


def _heads(oci: FakeOci) -> list[str]:
    return sorted({r.path for r in oci.requests if r.method == "HEAD"})


def test_the_request_reads_the_values_file_with_the_pins() -> None:
    """The values file is one of the default-branch files the GitHub read brings, and the release's images are read."""
    request = _request_for(_plan(ENTRY), ())
    assert (Z2JH, VALUES) in request.files
    assert [want.release for want in request.images] == ["chart"]
    assert [entry.text for entry in request.images[0].values] == [ENTRY]


def test_the_image_written_in_the_values_file_pushed_makes_the_release() -> None:
    """The values file names k8s-hub:v0.7.0-beta.1, which is pushed: the chart is released, after one tag's HEAD."""
    with FakeOci() as oci:
        oci.push(HUB, "v0.7.0-beta.1", _day(19))
        chart = _evaluate(_plan(ENTRY), _state((_values("v0.7.0-beta.1"), _day(1))), oci)
    assert chart.status is ReleaseStatus.RELEASED
    assert chart.released.version == "0.7.0-beta.1"
    assert _heads(oci) == [f"/v2/{HUB}/manifests/v0.7.0-beta.1"]
    assert oci.manifest_gets() == []


def test_a_placeholder_tag_is_not_pushed_so_the_release_is_tagged() -> None:
    """tag: set-by-chartpress is a tag the registry has not: tagged, saying which image and the push to make."""
    with FakeOci() as oci:
        oci.push(HUB, "v0.7.0-beta.1", _day(19))
        chart = _evaluate(_plan(ENTRY), _state((_values("set-by-chartpress"), _day(1))), oci)
    assert chart.status is ReleaseStatus.TAGGED
    assert chart.released is None
    reason = chart.reasons[0]
    assert reason.detail == (
        f"0.7.0-beta.1 is in the tags; image {HUB}:set-by-chartpress is not pushed (as of 2018-08-31 18:00 UTC)"
    )
    assert reason.action == f"push {HUB}:set-by-chartpress"


def test_a_values_image_and_a_template_image_both_count() -> None:
    """With a template image too, both must exist: the values one pushed and the template one not is tagged."""
    plan = _plan(ENTRY, "jupyterhub/k8s-singleuser:v{version}")
    with FakeOci() as oci:
        oci.push(HUB, "v0.7.0-beta.1", _day(19))
        oci.push("jupyterhub/k8s-singleuser", "v0.6", _day(1))
        chart = _evaluate(plan, _state((_values("v0.7.0-beta.1"), _day(1))), oci)
        oci.push("jupyterhub/k8s-singleuser", "v0.7.0-beta.1", _day(19))
        again = _evaluate(plan, _state((_values("v0.7.0-beta.1"), _day(1))), oci)
    assert chart.status is ReleaseStatus.TAGGED
    assert "jupyterhub/k8s-singleuser:v0.7.0-beta.1 is not pushed" in chart.reasons[0].detail
    assert again.status is ReleaseStatus.RELEASED


@pytest.mark.parametrize(
    ("files", "why"),
    [
        ((), f"{VALUES} of {Z2JH} was not read"),
        (((None, _day(1)),), f"{Z2JH} has no file {VALUES} on its default branch"),
        ((("proxy:\n  secretToken: ''\n", _day(1)),), f"{VALUES} has no key 'hub.image'"),
        ((("hub:\n  image: jupyterhub/k8s-hub:v0.7.0\n", _day(1)),), "hub.image is not an image mapping"),
        ((("hub:\n  image: {tag: v0.7.0}\n", _day(1)),), "hub.image is not an image mapping"),
        (((_values("0.7"), _day(1)),), "has a tag written as float 0.7, not a string"),
        ((("hub:\n  image: {name: jupyterhub/k8s-hub}\n", _day(1)),), "hub.image has no tag"),
        (((_values("'v0.7 beta'"), _day(1)),), "'v0.7 beta' is not a valid tag"),
        (((_values("v1", name="JupyterHub/K8s-Hub"), _day(1)),), "an image's path is lower case"),
        ((("hub: [\n", _day(1)),), f"{VALUES} is not YAML"),
    ],
)
def test_a_values_file_that_does_not_name_an_image_is_unknown(files: tuple[Any, ...], why: str) -> None:
    """Missing file, missing key, no image mapping, a tag that is no string or no tag: unknown, no registry asked."""
    with FakeOci() as oci:
        oci.push(HUB, "v0.7.0-beta.1", _day(19))
        chart = _evaluate(_plan(ENTRY), _state(*files), oci)
    assert chart.status is ReleaseStatus.UNKNOWN
    assert chart.released is None
    reason = chart.reasons[0]
    assert reason.condition == f"image of {ENTRY} pushed"
    assert why in reason.detail
    assert reason.detail.startswith("cannot tell whether chart is out: 0.7.0-beta.1 is in the tags, ")
    assert oci.requests == []


@pytest.mark.parametrize(
    ("as_of", "status", "tag"),
    [
        (_day(15), ReleaseStatus.RELEASED, "v0.6"),  # the file of Aug 15 names v0.6, pushed Aug 2
        (None, ReleaseStatus.TAGGED, "v0.7.0-beta.1"),  # today's file names v0.7.0-beta.1, never pushed
    ],
)
def test_as_of_reads_the_values_file_of_that_moment(as_of: dt.datetime | None, status: ReleaseStatus, tag: str) -> None:
    """The values file changed on Aug 20: as of Aug 15 its older version names the tag checked, not today's."""
    state = _state((_values("v0.6"), _day(1)), (_values("v0.7.0-beta.1"), _day(20)))
    with FakeOci() as oci:
        oci.push(HUB, "v0.6", _day(2))
        chart = _evaluate(_plan(ENTRY), state, oci, as_of=as_of)
    assert chart.status is status
    assert _heads(oci) == [f"/v2/{HUB}/manifests/{tag}"]


def test_a_moment_before_the_files_history_is_unknown() -> None:
    """The values file's history was read back to Aug 10 only: at Aug 8 which image it named is unknown."""
    history = FileHistory(TAKEN, (FileVersion(_values("v0.6"), _day(10)),))
    base = _state()
    found = base.repos[Z2JH.lower()]
    assert not isinstance(found, Unknown)
    repo = dataclasses.replace(found, files={VALUES: history})
    state = dataclasses.replace(base, repos={Z2JH.lower(): repo})
    with FakeOci() as oci:
        oci.push(HUB, "v0.6", _day(2))
        chart = _evaluate(_plan(ENTRY), state, oci, as_of=_day(8))
    assert chart.status is ReleaseStatus.UNKNOWN
    assert "its history was read back to 2018-08-10 12:00 UTC only" in chart.reasons[0].detail
    assert oci.requests == []


# -- the plan, and the command line ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("../values.yaml#hub.image", "it has a '.' or '..' part"),
        ("jupyterhub/values.yaml#", "'' is not a dotted key of the image mapping"),
        ("jupyterhub/values.yaml#hub image", "'hub image' is not a dotted key of the image mapping"),
        ("#hub.image", "it names no file before '#'"),
        ("values:jupyterhub/values.yaml#hub.image", "(did you mean 'jupyterhub/values.yaml#hub.image'?)"),
        ("jupyterhub/values.yaml", "(did you mean 'jupyterhub/values.yaml#hub.image'?)"),
    ],
)
def test_validate_explains_a_bad_values_entry(
    image: str, message: str, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """A bad PATH#KEY entry is a usage error naming the key and what is wrong, with what was meant."""
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f'[plan]\nname = "x"\n[repos.r]\ngithub = "o/r"\n[releases.r]\nversion = ">=1"\nimages = ["{image}"]\n',
        encoding="utf-8",
    )
    run = run_cli("validate", str(plan))
    assert run.code == 2, run.out + run.err
    assert "releases.r.images[0]" in run.err
    assert message in run.err
    assert "Traceback" not in run.err


def test_validate_accepts_a_values_entry(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    """PATH#DOTTED.KEY next to a NAME:TAG image is a valid plan; listing it twice is not."""
    plan = tmp_path / "plan.toml"
    text = '[plan]\nname = "x"\n[repos.r]\ngithub = "o/r"\n[releases.r]\nversion = ">=1"\nimages = [{}]\n'
    plan.write_text(text.format(f'"{ENTRY}", "org/img:{{version}}"'), encoding="utf-8")
    assert run_cli("validate", str(plan)).code == 0
    plan.write_text(text.format(f'"{ENTRY}", "{ENTRY}"'), encoding="utf-8")
    run = run_cli("validate", str(plan))
    assert run.code == 2
    assert "releases.r.images[1]" in run.err
    assert "names an image listed before" in run.err


def _with_values(state: State, text: str) -> State:
    """*state* with the chart repo's values file, changed on Aug 1 (a commit GitHub's history names)."""
    repo = state.repos[Z2JH.lower()]
    assert not isinstance(repo, Unknown)
    history = FileHistory(state.taken_at, (FileVersion(text, _day(1), "e" * 40),))
    return dataclasses.replace(state, repos={**state.repos, Z2JH.lower(): dataclasses.replace(repo, files={
        **repo.files, VALUES: history})})  # fmt: skip


@pytest.mark.parametrize("pushed", [True, False])
def test_check_reads_the_values_file_then_the_registry_end_to_end(
    pushed: bool, github_schema: Any, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """`check` over HTTP: the values file comes in the GitHub query, then its image's tag is one HEAD."""
    with FakeOci() as oci:
        image = f"{oci.host}/{HUB}"
        state = _with_values(load_snapshot(LATER_STATE), _values("v0.7.0-beta.1", name=image))
        oci.push(HUB, "v0.7.0-beta.1" if pushed else "v0.6", _day(19))
        with FakeRegistries(state) as registries, FakeGitHub(state, schema=github_schema) as github:
            text = registries.example_plan().replace(
                "[releases.chart]\n", f'[releases.chart]\nimages = ["{ENTRY}"]\n', 1
            )
            plan = tmp_path / "plan.toml"
            plan.write_text(text, encoding="utf-8")
            run = run_cli(
                "check", str(plan), "--github-url", github.url, "--format", "json", "--no-cache",
                env={"GH_TOKEN": str(github.token)},
            )  # fmt: skip
    assert github.invalid_queries == []
    assert run.code in (0, 1), run.err
    chart = next(r for r in json.loads(run.out)["releases"] if r["id"] == "chart")
    assert _heads(oci) == [f"/v2/{HUB}/manifests/v0.7.0-beta.1"]
    assert len(github.graphql_requests) == 1  # the values file came with the rest, in one round trip
    if pushed:
        assert chart["status"] == "released"
    else:
        assert chart["status"] == "tagged"
        assert chart["reasons"][0]["action"] == f"push {image}:v0.7.0-beta.1"


def test_registries_read_nothing_for_an_unreadable_values_file() -> None:
    """A values file that names no image: the image reader asks no registry and reports no image."""
    with FakeOci() as oci:
        reader = RegistryReader(timeout=2, retries=1, oci_roots={"docker.io": oci.url})
        state = _state(("hub: {}\n", _day(1)))
        found = reader.read_images(_request_for(_plan(ENTRY), ()), state)
    assert found == {}
    assert oci.requests == []
    assert registry_key(Source.OCI, f"docker.io/{HUB}") not in found
    assert not any(isinstance(v, Registry) for v in found.values())
