"""Container images a release names: HEAD of the manifest after the anonymous token flow, on a fake registry."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from release_gate import FakeStateProvider, ReleaseStatus, check, dump_snapshot, load_snapshot, parse_plan
from release_gate.plan.model import Source
from release_gate.sources.cache import ResponseCache
from release_gate.sources.oci import MANIFESTS
from release_gate.sources.registries import RegistryReader
from release_gate.state import Published, Registry, State, StateRequest, Unknown, registry_key, request_for
from release_gate.testing import FakeGitHub, FakeRegistries, Fault
from release_gate.testing.oci import OCI_INDEX, FakeOci
from tests.conftest import ROOT, Run

TAKEN = dt.datetime(2018, 8, 31, 18, tzinfo=dt.UTC)
HUB = "jupyterhub/k8s-hub"
LATER_STATE = ROOT / "config" / "jupyterhub-2018.state.json"
"""The founding plan's state on 2018-08-31: the chart 0.7.0-beta.1 is in the index."""


def _day(day: int) -> dt.datetime:
    return dt.datetime(2018, 8, day, 12, tzinfo=dt.UTC)


def _plan(*images: str, version: str = ">=0.7.0-beta.1") -> Any:
    listed = ", ".join(f'"{i}"' for i in images)
    return parse_plan(
        f"""
[plan]
name = "images"
[repos.z2jh]
github = "jupyterhub/zero-to-jupyterhub-k8s"
scheme = "semver"
[releases.chart]
repo = "z2jh"
version = "{version}"
accept = "pre"
images = [{listed}]
"""
    )


def _state(*tags: tuple[str, dt.datetime]) -> State:
    fake = FakeStateProvider(taken_at=TAKEN).repo("jupyterhub/zero-to-jupyterhub-k8s")
    for name, when in tags:
        fake.tag("jupyterhub/zero-to-jupyterhub-k8s", name, when)
    return fake.fetch(StateRequest((), ()))


class _Fixed:
    def __init__(self, state: State) -> None:
        self.state = state

    def fetch(self, request: StateRequest) -> State:
        del request
        return self.state


def _read(
    plan: Any, state: State, roots: dict[str, str], *, as_of: dt.datetime | None = None, **kw: Any
) -> dict[str, Registry | Unknown]:
    reader = RegistryReader(timeout=2, retries=1, oci_roots=roots, **kw)
    return reader.read_images(request_for(plan, (), as_of=as_of), state)


def _evaluate(plan: Any, state: State, roots: dict[str, str], *, as_of: dt.datetime | None = None) -> Any:
    read = {**state.registries, **_read(plan, state, roots, as_of=as_of)}
    return check(plan, _Fixed(dataclasses.replace(state, registries=read)), as_of=as_of).release("chart")


BETA = _state(("0.7.0-beta.1", _day(19)))


# -- the happy path ---------------------------------------------------------------------------------


def test_an_image_is_a_head_after_the_token_flow() -> None:
    """The HEAD is refused, a token is asked for anonymously, the HEAD with it finds the tag: the chart is out."""
    with FakeOci() as oci:
        oci.push(HUB, "v0.7.0-beta.1", _day(19))
        found = _read(_plan(f"{HUB}:v{{version}}"), BETA, {"docker.io": oci.url})
        chart = _evaluate(_plan(f"{HUB}:v{{version}}"), BETA, {"docker.io": oci.url})
    entry = found[registry_key(Source.OCI, f"docker.io/{HUB}")]
    assert isinstance(entry, Registry)
    tag = oci.images[HUB]["v0.7.0-beta.1"]
    assert entry.versions == (Published("v0.7.0-beta.1", tag.pushed, 1, digest=tag.digest),)
    asked = [(r.method, r.path, r.authorized) for r in oci.requests[:4]]
    assert asked == [
        ("HEAD", f"/v2/{HUB}/manifests/v0.7.0-beta.1", False),
        ("GET", "/token", False),
        ("HEAD", f"/v2/{HUB}/manifests/v0.7.0-beta.1", True),
        ("GET", "/v2/namespaces/jupyterhub/repositories/k8s-hub/tags/v0.7.0-beta.1", False),
    ]
    assert oci.requests[1].query == f"scope=repository%3A{HUB.replace('/', '%2F')}%3Apull&service=fake-registry"
    assert oci.requests[0].accept == MANIFESTS
    assert oci.manifest_gets() == []  # never a pull
    assert chart.status is ReleaseStatus.RELEASED
    assert chart.released.version == "0.7.0-beta.1"


def test_a_head_answer_is_not_cut_short_by_its_content_length() -> None:
    """A HEAD announces the GET's Content-Length with no body: it is a whole answer, not one cut short."""
    with FakeOci() as oci:
        oci.push(HUB, "v0.7.0-beta.1", _day(19))
        found = _read(_plan(f"{HUB}:v{{version}}"), BETA, {"docker.io": oci.url}, budget=5)
    assert isinstance(found[registry_key(Source.OCI, f"docker.io/{HUB}")], Registry)


def test_a_tag_holding_an_oci_index_is_found() -> None:
    """A multi-arch tag answers only to the OCI types in Accept, which the HEAD sends."""
    with FakeOci() as oci:
        oci.push(HUB, "v0.7.0-beta.1", _day(19), media_type=OCI_INDEX)
        chart = _evaluate(_plan(f"{HUB}:v{{version}}"), BETA, {"docker.io": oci.url})
    assert chart.status is ReleaseStatus.RELEASED


def test_the_token_is_asked_once_per_image_and_never_kept(tmp_path: Path) -> None:
    """Two versions of one image: one token; it is in no recorded URL, no cache file, no snapshot, no reason."""
    state = _state(("0.7.0-beta.1", _day(19)), ("0.7.0", _day(25)))
    plan = _plan(f"{HUB}:v{{version}}", "quay.io/jupyterhub/k8s-singleuser:{version}")
    with FakeOci() as oci:
        oci.push(HUB, "v0.7.0", _day(25))
        oci.push("jupyterhub/k8s-singleuser", "0.7.0-beta.1", _day(19))
        oci.push("jupyterhub/k8s-singleuser", "0.7.0", _day(25))
        cache = ResponseCache(tmp_path / "cache")
        roots = {"docker.io": oci.url, "quay.io": oci.url}
        found = _read(plan, state, roots, cache=cache)
        chart = _evaluate(plan, state, roots)
    assert chart.status is ReleaseStatus.RELEASED
    assert chart.released.version == "0.7.0"
    assert len([r for r in oci.requests if r.path == "/token"]) == 4  # one per image, in each of the two reads
    assert oci.tokens
    written = [dump_snapshot(dataclasses.replace(state, registries=found)), repr(found), repr(chart)]
    written += [p.read_text(errors="replace") for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    written += [f"{r.path}?{r.query}" for r in oci.requests]
    for token in oci.tokens:
        assert all(token not in text for text in written)


# -- not pushed, not readable ------------------------------------------------------------------------


def test_a_missing_tag_makes_the_release_tagged() -> None:
    """0.7.0-beta.1 is tagged but its hub image is not pushed: tagged, saying which image, and the push as next step."""
    with FakeOci() as oci:
        oci.push(HUB, "v0.6", _day(1))
        found = _read(_plan(f"{HUB}:v{{version}}"), BETA, {"docker.io": oci.url})
        chart = _evaluate(_plan(f"{HUB}:v{{version}}"), BETA, {"docker.io": oci.url})
    entry = found[registry_key(Source.OCI, f"docker.io/{HUB}")]
    assert isinstance(entry, Registry)
    assert entry.versions == (Published("v0.7.0-beta.1", None, 0),)
    assert chart.status is ReleaseStatus.TAGGED
    assert chart.released is None
    reason = chart.reasons[0]
    assert (
        reason.detail
        == f"0.7.0-beta.1 is in the tags; image {HUB}:v0.7.0-beta.1 is not pushed (as of 2018-08-31 18:00 UTC)"
    )
    assert reason.action == f"push {HUB}:v0.7.0-beta.1"


def test_the_next_version_with_every_image_counts() -> None:
    """0.7.0-beta.1 lacks its image, 0.7.0 has it: the release is out at 0.7.0."""
    state = _state(("0.7.0-beta.1", _day(19)), ("0.7.0", _day(25)))
    with FakeOci() as oci:
        oci.push(HUB, "v0.7.0", _day(25))
        chart = _evaluate(_plan(f"{HUB}:v{{version}}"), state, {"docker.io": oci.url})
    assert chart.status is ReleaseStatus.RELEASED
    assert chart.released.version == "0.7.0"


@pytest.mark.parametrize("how", ["401", "404", "private"])
def test_a_missing_or_private_repository_is_unknown(how: str) -> None:
    """No such repository (401 with a token, 404 NAME_UNKNOWN) or a private one: unknown, never released or absent."""
    with FakeOci() as oci:
        oci.push("jupyterhub/other", "v0.7.0-beta.1", _day(19))
        if how == "private":
            oci.push(HUB, "v0.7.0-beta.1", _day(19))
            oci.private.add(HUB)
        oci.missing_status = 404 if how == "404" else 401
        chart = _evaluate(_plan(f"{HUB}:v{{version}}"), BETA, {"docker.io": oci.url})
    assert chart.status is ReleaseStatus.UNKNOWN
    assert chart.released is None
    assert "image jupyterhub/k8s-hub:v0.7.0-beta.1" in chart.reasons[0].detail


@pytest.mark.parametrize(
    ("setup", "problem"),
    [
        (lambda oci: oci.inject(Fault.SERVER_ERROR, times=None, route="HEAD"), "kept failing"),
        (lambda oci: oci.inject(Fault.RESET, times=None, route="HEAD"), "connection broke off"),
        (lambda oci: oci.inject(Fault.SERVER_ERROR, times=None, route="/token"), "kept failing"),
        (lambda oci: setattr(oci, "token_status", 403), "answered 403"),
        (lambda oci: setattr(oci, "token_body", {"expires_in": 300}), "gave no token"),
        (lambda oci: setattr(oci, "challenge", 'Basic realm="registry"'), "asks for credentials"),
        (lambda oci: setattr(oci, "realm", "http://auth.example.org/token"), "not https"),
        (lambda oci: oci.inject(Fault.SERVER_ERROR, times=None, route="tags/list"), "kept failing"),
    ],
)
def test_faults_make_the_image_unknown(setup: Callable[[FakeOci], Any], problem: str) -> None:
    """A registry or token service that fails, or asks for what release-gate does not send: unknown, with why."""
    with FakeOci() as oci:
        oci.push(HUB, "v0.6", _day(1))  # the beta's tag is absent: only the tag list tells that from doubt
        setup(oci)
        chart = _evaluate(_plan(f"{HUB}:v{{version}}"), BETA, {"docker.io": oci.url})
    assert chart.status is ReleaseStatus.UNKNOWN
    assert problem in chart.reasons[0].detail


def test_a_fault_asked_again_reads() -> None:
    """One 503 on the HEAD is asked again: the image is found."""
    with FakeOci() as oci:
        oci.push(HUB, "v0.7.0-beta.1", _day(19))
        oci.inject(Fault.SERVICE_UNAVAILABLE, times=1, route="HEAD")
        chart = _evaluate(_plan(f"{HUB}:v{{version}}"), BETA, {"docker.io": oci.url})
    assert chart.status is ReleaseStatus.RELEASED


def test_a_scope_the_challenge_leaves_out_is_built() -> None:
    """Quay's challenge names no scope: the token is asked for repository:PATH:pull."""
    with FakeOci() as oci:
        oci.scope_in_challenge = False
        oci.push(HUB, "0.7.0-beta.1", _day(19))
        chart = _evaluate(_plan(f"quay.io/{HUB}:{{version}}"), BETA, {"quay.io": oci.url})
    assert chart.status is ReleaseStatus.RELEASED
    assert "scope=repository%3Ajupyterhub%2Fk8s-hub%3Apull" in next(r.query for r in oci.requests if r.path == "/token")


def test_past_the_candidate_bound_is_unknown() -> None:
    """Six satisfying versions, none with its image: five are checked, the sixth is unknown, so the release is too."""
    state = _state(*((f"0.7.{n}", _day(10 + n)) for n in range(6)))
    with FakeOci() as oci:
        oci.push(HUB, "v0.6", _day(1))
        chart = _evaluate(_plan(f"{HUB}:v{{version}}", version=">=0.7.0"), state, {"docker.io": oci.url})
    heads = [r.path for r in oci.requests if r.method == "HEAD" and r.authorized]
    assert len(heads) == 5
    assert chart.status is ReleaseStatus.UNKNOWN
    assert "was not checked" in chart.reasons[0].detail


# -- --as-of -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["docker.io", "quay.io"])
@pytest.mark.parametrize(("as_of", "status"), [(_day(20), ReleaseStatus.TAGGED), (_day(23), ReleaseStatus.RELEASED)])
def test_as_of_uses_the_registrys_push_time(host: str, as_of: dt.datetime, status: ReleaseStatus) -> None:
    """Pushed on the 22nd (Docker Hub's tag_last_pushed, Quay's start_ts): not there on the 20th, there on the 23rd."""
    image = f"{HUB}:v{{version}}" if host == "docker.io" else f"quay.io/{HUB}:v{{version}}"
    with FakeOci() as oci:
        oci.push(HUB, "v0.7.0-beta.1", _day(22), ended=((_day(2), _day(3)),))
        chart = _evaluate(_plan(image), BETA, {host: oci.url}, as_of=as_of)
    assert chart.status is status
    if status is ReleaseStatus.TAGGED:
        assert "was not pushed yet (pushed 2018-08-22 12:00 UTC)" in chart.reasons[0].detail


@pytest.mark.parametrize(("as_of", "status"), [(None, ReleaseStatus.RELEASED), (_day(25), ReleaseStatus.UNKNOWN)])
def test_an_undated_registry_answers_only_for_the_moment_read(as_of: dt.datetime | None, status: ReleaseStatus) -> None:
    """A registry with no push times (GHCR, any other): present now, unknown at an earlier moment, never released."""
    with FakeOci() as oci:
        oci.push(HUB, "v0.7.0-beta.1", _day(19))
        chart = _evaluate(_plan(f"{oci.host}/{HUB}:v{{version}}"), BETA, {}, as_of=as_of)
    assert [r.path for r in oci.requests if "namespaces" in r.path or "/api/" in r.path] == []
    assert chart.status is status


def test_docker_hub_dates_that_cannot_be_read_leave_the_tag_undated() -> None:
    """Docker Hub's tag API answers 404: the tag is there now, and unknown as of an earlier moment."""
    with FakeOci() as oci:
        oci.hub_dates = False
        oci.push(HUB, "v0.7.0-beta.1", _day(19))
        now = _evaluate(_plan(f"{HUB}:v{{version}}"), BETA, {"docker.io": oci.url})
        then = _evaluate(_plan(f"{HUB}:v{{version}}"), BETA, {"docker.io": oci.url}, as_of=_day(25))
    assert (now.status, then.status) == (ReleaseStatus.RELEASED, ReleaseStatus.UNKNOWN)


# -- plans, snapshots, the command line ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("JupyterHub/k8s-hub:v{version}", "lower case (did you mean 'jupyterhub/k8s-hub:v{version}'?)"),
        ("jupyterhub/k8s-hub@sha256:abc", "is named by digest"),
        ("jupyterhub/k8s-hub:latest", "{version} exactly once (did you mean 'jupyterhub/k8s-hub:{version}'?)"),
        ("jupyterhub/k8s-hub", "it has no tag"),
        (
            "https://quay.io/org/img:{version}",
            "without a scheme, as docker pull takes it (did you mean 'quay.io/org/img:{version}'?)",
        ),
        ("org/img:v{version}+x", "makes no valid tag"),
    ],
)
def test_validate_explains_a_bad_image(image: str, message: str, tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    """A bad image reference is a usage error naming the key, what is wrong and what was meant."""
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f'[plan]\nname = "x"\n[repos.r]\ngithub = "o/r"\n[releases.r]\nversion = ">=1"\nimages = ["{image}"]\n',
        encoding="utf-8",
    )
    run = run_cli("validate", str(plan))
    assert run.code == 2
    assert "releases.r.images[0]" in run.err
    assert message in run.err
    assert "Traceback" not in run.err


def test_images_are_no_plan_source(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    """'oci' is not a source a plan may list: images are named by a release's images."""
    plan = tmp_path / "plan.toml"
    plan.write_text('[plan]\nname = "x"\n[repos.r]\ngithub = "o/r"\nsources = ["oci"]\n', encoding="utf-8")
    run = run_cli("validate", str(plan))
    assert run.code == 2
    assert "must be one of tags, github-releases, " in run.err
    assert ", not 'oci'" in run.err


def test_a_snapshot_keeps_the_tags_checked(tmp_path: Path) -> None:
    """Images are written as version 3 with each tag's digest, and read back the same; a bad digest is refused."""
    with FakeOci() as oci:
        oci.push(HUB, "v0.7.0-beta.1", _day(19))
        found = _read(_plan(f"{HUB}:v{{version}}"), BETA, {"docker.io": oci.url})
    state = dataclasses.replace(BETA, registries=found)
    path = tmp_path / "s.json"
    path.write_text(dump_snapshot(state), encoding="utf-8")
    assert json.loads(path.read_text())["schema_version"] == 3
    assert load_snapshot(path).registries == found
    document = json.loads(path.read_text())
    document["registries"][f"oci:docker.io/{HUB}"]["versions"][0]["digest"] = "v0.7.0-beta.1"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(Exception, match="not a digest"):
        load_snapshot(path)


def _chart_plan(registries: FakeRegistries, image: str) -> str:
    text = registries.example_plan()
    return text.replace("[releases.chart]\n", f'[releases.chart]\nimages = ["{image}"]\n', 1)


@pytest.mark.parametrize("pushed", [True, False])
def test_a_chart_release_waits_for_its_image_end_to_end(
    pushed: bool, github_schema: Any, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """`check` over HTTP: the chart is in the index; it is out only once its hub image is pushed."""
    state = load_snapshot(LATER_STATE)
    with FakeRegistries(state) as registries, FakeGitHub(state, schema=github_schema) as github, FakeOci() as oci:
        if pushed:
            oci.push(HUB, "v0.7.0-beta.1", _day(19))
        else:
            oci.push(HUB, "v0.6", _day(1))
        plan = tmp_path / "plan.toml"
        plan.write_text(_chart_plan(registries, f"{oci.host}/{HUB}:v{{version}}"), encoding="utf-8")
        run = run_cli(
            "check", str(plan), "--github-url", github.url, "--format", "json", "--no-cache", "-v",
            env={"GH_TOKEN": str(github.token)},
        )  # fmt: skip
        text = run_cli(
            "check", str(plan), "--github-url", github.url, "--no-cache", env={"GH_TOKEN": str(github.token)}
        )
    assert run.code in (0, 1), run.err
    chart = next(r for r in json.loads(run.out)["releases"] if r["id"] == "chart")
    assert oci.manifest_gets() == []
    for token in oci.tokens:
        assert token not in run.out + run.err + text.out + text.err
    if pushed:
        assert chart["status"] == "released"
        assert chart["released"]["source"] == "helm"
    else:
        assert chart["status"] == "tagged"
        assert chart["reasons"][0]["action"] == f"push {oci.host}/{HUB}:v0.7.0-beta.1"
        assert f"image {oci.host}/{HUB}:v0.7.0-beta.1 is not pushed" in text.out
