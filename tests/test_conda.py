"""conda packages as an evidence source: anaconda.org's package document read over HTTP from the fake registries."""

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
from release_gate.sources.registries import RegistryReader
from release_gate.state import Published, Registry, RepoState, StateRequest, Tag, Unknown, registry_key, request_for
from release_gate.testing import FakeGitHub, FakeRegistries, Fault
from release_gate.testing.registries import CondaFile
from tests.conftest import EXAMPLE_STATE, ROOT, Run

PLACE = "conda-forge/jupyterhub"
KEY = registry_key(Source.CONDA, PLACE)
TAKEN = dt.datetime(2018, 9, 1, tzinfo=dt.UTC)
ALL = '["linux-64", "osx-64", "win-64"]'


def _at(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2018, month, day, hour, minute, tzinfo=dt.UTC)


HUB = Registry(
    Source.CONDA,
    PLACE,
    "",
    (
        # 0.9.1: built for Linux and macOS, never for Windows.
        Published("0.9.1", _at(7, 9, 11, 2), 2, 0, platforms=(("linux-64", _at(7, 9, 11, 2)), ("osx-64", _at(7, 9, 11, 20)))),  # noqa: E501 - one version a line
        # 0.9.2: Linux first, Windows 21 minutes later; its macOS build is marked broken.
        Published("0.9.2", _at(8, 11, 14, 41), 3, 1, platforms=(("linux-64", _at(8, 11, 14, 41)), ("win-64", _at(8, 11, 15, 2)))),  # noqa: E501 - one version a line
        # 0.9.3: one noarch build, for every platform.
        Published("0.9.3", _at(8, 20, 9), 1, 0, platforms=(("noarch", _at(8, 20, 9)),)),
        # 0.9.4: its only file is marked broken.
        Published("0.9.4", None, 1, 1),
    ),
)  # fmt: skip


def _state(*registries: Registry) -> Any:
    return dataclasses.replace(
        load_snapshot(EXAMPLE_STATE), registries={registry_key(r.source, r.name): r for r in registries}
    )


def _plan(fake: FakeRegistries, version: str = ">=0.9.1", *, platforms: str = "", extra: str = "") -> Any:
    named = f", platforms = {platforms}" if platforms else ""
    return parse_plan(
        f"""
[plan]
name = "conda"
[repos.hub]
github = "conda-forge/jupyterhub-feedstock"
published.conda = {{ name = "jupyterhub", api = "{fake.conda_api}"{named}{extra} }}
[releases.hub]
version = "{version}"
"""
    )


def _read(plan: Any, *, as_of: dt.datetime | None = None, **kwargs: Any) -> dict[str, Registry | Unknown]:
    return RegistryReader(timeout=2, retries=1, **kwargs).read(request_for(plan, (), as_of=as_of))


class _Fixed:
    def __init__(self, state: Any) -> None:
        self.state = state

    def fetch(self, request: StateRequest) -> Any:
        del request
        return self.state


def _evaluate(plan: Any, *, as_of: dt.datetime | None = None) -> Any:
    registries = _read(plan, as_of=as_of)
    state = FakeStateProvider(taken_at=TAKEN).repo("conda-forge/jupyterhub-feedstock").fetch(StateRequest((), ()))
    return check(plan, _Fixed(dataclasses.replace(state, registries=registries)), as_of=as_of).release("hub")


def _conda_requests(fake: FakeRegistries) -> list[str]:
    return [r.path for r in fake.requests if r.path.startswith("/conda/")]


def _out(release: Any) -> tuple[str, dt.datetime | None] | None:
    return (release.released.version, release.released.date) if release.released else None


# -- the happy path ---------------------------------------------------------------------------------


def test_a_package_is_one_get_of_its_document() -> None:
    """A package is read with one GET of /package/CHANNEL/NAME: each version's counted platforms and broken files."""
    with FakeRegistries(_state(HUB)) as fake:
        found = _read(_plan(fake))[KEY]
    assert _conda_requests(fake) == ["/conda/package/conda-forge/jupyterhub"]
    assert isinstance(found, Registry)
    assert (found.source, found.name, found.url) == (Source.CONDA, PLACE, fake.conda_api)
    assert found.versions == HUB.versions


@pytest.mark.parametrize(
    ("platforms", "version", "released"),
    [
        ("", ">=0.9.1", ("0.9.1", _at(7, 9, 11, 2))),  # none named: the first counted file
        ('["linux-64"]', ">=0.9.1", ("0.9.1", _at(7, 9, 11, 2))),
        ('["osx-64"]', ">=0.9.1", ("0.9.1", _at(7, 9, 11, 20))),
        ('["linux-64", "osx-64"]', ">=0.9.1", ("0.9.1", _at(7, 9, 11, 20))),  # the later of the two
        ('["linux-64", "win-64"]', ">=0.9.1", ("0.9.2", _at(8, 11, 15, 2))),  # 0.9.1 has no Windows build
        (ALL, ">=0.9.1", ("0.9.3", _at(8, 20, 9))),  # 0.9.2's macOS build is broken; 0.9.3 is noarch
        ('["osx-arm64"]', ">=0.9.1", ("0.9.3", _at(8, 20, 9))),  # noarch covers a platform nothing else has
    ],
    ids=["any", "linux", "osx", "linux-osx", "linux-win", "all-three", "noarch-covers"],
)
def test_a_version_counts_once_every_named_platform_has_a_counted_file(
    platforms: str, version: str, released: tuple[str, dt.datetime]
) -> None:
    """Released on conda = a counted file for every platform the plan names (noarch covers each), dated by the last."""
    with FakeRegistries(_state(HUB)) as fake:
        hub = _evaluate(_plan(fake, version, platforms=platforms))
    assert hub.status is ReleaseStatus.RELEASED
    assert hub.released.source is Source.CONDA
    assert _out(hub) == released


def test_a_version_on_some_platforms_only_says_which_are_missing() -> None:
    """0.9.1 and 0.9.2 do not count for all three platforms, and the candidates say which platforms they lack."""
    with FakeRegistries(_state(HUB)) as fake:
        hub = _evaluate(_plan(fake, ">=0.9.1,<0.9.3", platforms=ALL))
    assert hub.released is None
    assert hub.status is not ReleaseStatus.RELEASED
    why = {c.tag: c.why for c in hub.candidates if c.source is Source.CONDA}
    assert why["0.9.1"] == "on linux-64, osx-64 only; the plan needs win-64"
    assert why["0.9.2"] == "on linux-64, win-64 only; the plan needs osx-64"


def test_a_version_whose_files_are_all_broken_does_not_count() -> None:
    """0.9.4's only file is labelled broken: it is not released, and says so (fails on a reader ignoring labels)."""
    with FakeRegistries(_state(HUB)) as fake:
        hub = _evaluate(_plan(fake, ">=0.9.4"))
        found = _read(_plan(fake))[KEY]
    assert isinstance(found, Registry)
    assert found.versions[-1] == Published("0.9.4", None, 1, 1)
    assert hub.released is None
    assert hub.status is not ReleaseStatus.RELEASED
    why = {c.tag: c.why for c in hub.candidates}
    assert why["0.9.4"] == "no file under a counted label on conda-forge (broken or another label)"


@pytest.mark.parametrize(
    ("labels", "released"),
    [("", None), (', labels = ["main", "jupyterhub_rc"]', "1.0.0rc1")],
    ids=["main-only", "rc-label-counted"],
)
def test_other_labels_count_only_when_the_plan_names_them(labels: str, released: str | None) -> None:
    """A file under the jupyterhub_rc label counts only when published.conda.labels lists it."""
    with FakeRegistries(_state(HUB)) as fake:
        fake.conda_files[PLACE] = [
            CondaFile("1.0.0rc1", "noarch", _at(8, 30), ("jupyterhub_rc",)),
            CondaFile("1.0.0rc1", "linux-64", _at(8, 29), ("broken", "jupyterhub_rc")),
        ]
        hub = _evaluate(_plan(fake, ">=1.0.0rc1", extra=labels))
    assert (hub.released.version if hub.released else None) == released


def test_a_stale_latest_version_is_never_read() -> None:
    """anaconda.org's latest_version (stale for months at times) neither hides a version nor releases one."""

    def edit(document: dict[str, Any]) -> dict[str, Any]:
        document["latest_version"] = "9.9.9"
        return document

    with FakeRegistries(_state(HUB)) as fake:
        fake.edit_conda = edit
        later = _evaluate(_plan(fake, ">=9.0"))
        hub = _evaluate(_plan(fake, ">=0.9.3"))
    assert later.released is None
    assert _out(hub) == ("0.9.3", _at(8, 20, 9))


def test_the_documented_shape_reads() -> None:
    """A package document shaped as api.anaconda.org's reads: upload times, platforms, and the broken macOS build."""
    document = json.loads((ROOT / "tests" / "conda" / "anaconda-package.jupyterhub.modelled.json").read_text("utf-8"))
    with FakeRegistries(_state(HUB)) as fake:
        fake.edit_conda = lambda _: document
        found = _read(_plan(fake))[KEY]
        hub = _evaluate(_plan(fake, ">=0.9.2", platforms='["linux-64", "win-64"]'))
        everywhere = _evaluate(_plan(fake, ">=0.9.2", platforms=ALL))
    assert isinstance(found, Registry)
    assert [(p.version, p.files, p.yanked, dict(p.platforms)) for p in found.versions] == [
        (
            "0.9.1",
            2,
            0,
            {"linux-64": dt.datetime(2018, 7, 9, 11, 2, 10, 120000, tzinfo=dt.UTC),
             "osx-64": dt.datetime(2018, 7, 9, 11, 20, 44, 500000, tzinfo=dt.UTC)},
        ),
        (
            "0.9.2",
            3,
            1,
            {"linux-64": dt.datetime(2018, 8, 11, 14, 41, 3, 311000, tzinfo=dt.UTC),
             "win-64": dt.datetime(2018, 8, 11, 15, 2, 59, 4000, tzinfo=dt.UTC)},
        ),
    ]  # fmt: skip
    assert _out(hub) == ("0.9.2", dt.datetime(2018, 8, 11, 15, 2, 59, 4000, tzinfo=dt.UTC))
    assert everywhere.released is None


# -- what is unknown --------------------------------------------------------------------------------


def test_a_missing_package_is_unknown_naming_the_key() -> None:
    """A 404 is unknown, saying which plan key to check; the release is unknown, never "not released" or out."""
    with FakeRegistries(_state(HUB)) as fake:
        plan = parse_plan(
            f'[plan]\nname = "c"\n[repos.hub]\ngithub = "o/hub"\n'
            f'published.conda = {{ name = "no-such-package", api = "{fake.conda_api}" }}\n'
            '[releases.hub]\nversion = ">=1"\n'
        )
        found = _read(plan)["conda:conda-forge/no-such-package"]
        registries = _read(plan)
        state = FakeStateProvider(taken_at=TAKEN).repo("o/hub").fetch(StateRequest((), ()))
        hub = check(plan, _Fixed(dataclasses.replace(state, registries=registries))).release("hub")
    assert found == Unknown(
        f"the conda channel conda-forge ({fake.conda_api}) has no package 'no-such-package'; "
        "check published.conda.name in the plan"
    )
    assert hub.status is ReleaseStatus.UNKNOWN


def _set(path: tuple[str | int, ...], value: object) -> Callable[[dict[str, Any]], Any]:
    def edit(document: dict[str, Any]) -> dict[str, Any]:
        target: Any = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return document

    return edit


def _drop(*path: str | int) -> Callable[[dict[str, Any]], Any]:
    def edit(document: dict[str, Any]) -> dict[str, Any]:
        target: Any = document
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
        return document

    return edit


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda d: [d], "the answer is not a JSON object"),
        (_set(("name",), "jupyterhub-base"), "the answer is about the package 'jupyterhub-base'"),
        (_drop("name"), "the answer is about the package 'None'"),
        (_set(("owner",), {"login": "bioconda"}), "the answer is about the channel 'bioconda'"),
        (_drop("files"), "not shaped as anaconda.org's package document (no 'files' list)"),
        (_set(("files",), {"a": 1}), "not shaped as anaconda.org's package document (no 'files' list)"),
        (_set(("versions",), "0.9.3"), "its 'versions' is not a list of versions"),
        (_set(("files", 0), "linux-64/jupyterhub-0.9.1-0.conda"), "file 1 is not an object"),
        (_drop("files", 0, "version"), "file 1 has no version"),
        (_drop("files", 0, "labels"), "file 1 (of 0.9.1) has no list of labels"),
        (_set(("files", 0, "labels"), "main"), "file 1 (of 0.9.1) has no list of labels"),
        (_drop("files", 2, "attrs", "subdir"), "file 3 (of 0.9.2) has no platform (attrs.subdir)"),
        (_drop("files", 2, "attrs"), "file 3 (of 0.9.2) has no platform (attrs.subdir)"),
        (_drop("files", 5, "upload_time"), "file 6 (of 0.9.3) has no upload time"),
        (_set(("files", 5, "upload_time"), "2018-08-20 09:00"), "upload time that is not a time ('2018-08-20 09:00')"),
    ],
    ids=[
        "not-an-object", "another-package", "no-name", "another-channel", "no-files", "files-an-object",
        "versions-a-string", "file-a-string", "file-without-version", "file-without-labels", "labels-a-string",
        "file-without-subdir", "file-without-attrs", "file-without-upload-time", "upload-time-without-zone",
    ],
)  # fmt: skip
def test_a_doubtful_document_is_unknown(edit: Callable[[dict[str, Any]], Any], problem: str) -> None:
    """A document not shaped as anaconda.org's, about another package, or with a file missing a field is unknown."""
    with FakeRegistries(_state(HUB)) as fake:
        fake.edit_conda = edit
        found = _read(_plan(fake))[KEY]
        hub = _evaluate(_plan(fake))
    assert isinstance(found, Unknown)
    assert found.reason.startswith(
        f"the conda channel conda-forge ({fake.conda_api}) could not be read for 'jupyterhub': "
    )
    assert problem in found.reason
    assert hub.status is ReleaseStatus.UNKNOWN


@pytest.mark.parametrize(
    ("fault", "times", "reason"),
    [
        (Fault.SERVICE_UNAVAILABLE, None, "kept failing after the retries"),
        (Fault.MALFORMED_JSON, None, "was not valid JSON"),
        (Fault.TRUNCATED, None, "cut short"),
        (Fault.RESET, None, "broke off"),
        (Fault.SERVICE_UNAVAILABLE, 1, None),  # asked again: read whole
        (Fault.MALFORMED_JSON, 1, None),
    ],
    ids=["503-always", "malformed-always", "truncated-always", "reset-always", "503-once", "malformed-once"],
)
def test_faults_are_asked_again_then_unknown(fault: Fault, times: int | None, reason: str | None) -> None:
    """The HTTP layer asks again after a fault; one that persists is unknown, and the release with it."""
    with FakeRegistries(_state(HUB)) as fake:
        fake.inject(fault, times=times, route="/conda/")
        found = _read(_plan(fake))[KEY]
        hub = _evaluate(_plan(fake, platforms=ALL))
    if reason is None:
        assert isinstance(found, Registry)
        assert found.versions == HUB.versions
    else:
        assert isinstance(found, Unknown)
        assert reason in found.reason
        assert hub.status is ReleaseStatus.UNKNOWN


def test_two_releases_counting_different_labels_are_unknown() -> None:
    """Two releases of one conda package that count different labels make it unknown (never one's labels for both)."""
    with FakeRegistries(_state(HUB)) as fake:
        plan = parse_plan(
            f'[plan]\nname = "c"\n[repos.hub]\ngithub = "o/hub"\n'
            f'published.conda = {{ name = "jupyterhub", api = "{fake.conda_api}" }}\n'
            '[releases.hub]\nversion = ">=0.9"\n'
            '[releases.rc]\nrepo = "hub"\nversion = ">=1.0.0rc1"\n'
            f'published.conda = {{ name = "jupyterhub", api = "{fake.conda_api}", labels = ["main", "rc"] }}\n'
        )
        found = _read(plan)[KEY]
    assert isinstance(found, Unknown)
    assert "the plan counts different labels of conda-forge/jupyterhub (main and main, rc)" in found.reason
    assert _conda_requests(fake) == []


# -- times: --as-of ---------------------------------------------------------------------------------


def test_as_of_waits_for_the_last_named_platform() -> None:
    """0.9.2 on Linux and Windows counts from the Windows upload (15:02), not the Linux one (14:41)."""
    with FakeRegistries(_state(HUB)) as fake:
        plan = _plan(fake, ">=0.9.2", platforms='["linux-64", "win-64"]')
        between = _evaluate(plan, as_of=_at(8, 11, 14, 50))
        after = _evaluate(plan, as_of=_at(8, 11, 15, 10))
        linux = _evaluate(_plan(fake, ">=0.9.2", platforms='["linux-64"]'), as_of=_at(8, 11, 14, 50))
    assert between.released is None
    assert between.status is not ReleaseStatus.RELEASED
    assert _out(after) == ("0.9.2", _at(8, 11, 15, 2))
    assert _out(linux) == ("0.9.2", _at(8, 11, 14, 41))


def test_as_of_before_any_upload_is_not_released() -> None:
    """As of 2018-07-01 nothing of the package was uploaded: not released (and not unknown: every file is dated)."""
    with FakeRegistries(_state(HUB)) as fake:
        hub = _evaluate(_plan(fake), as_of=_at(7, 1))
    assert hub.released is None
    assert hub.status is not ReleaseStatus.UNKNOWN


# -- the cache ---------------------------------------------------------------------------------------


def test_a_rerun_with_a_cache_is_one_304(tmp_path: Path) -> None:
    """With a cache folder, reading the package again is one conditional GET, answered 304, giving the same versions."""
    with FakeRegistries(_state(HUB)) as fake:
        first = _read(_plan(fake), cache=ResponseCache(tmp_path))[KEY]
        reader = RegistryReader(timeout=2, retries=1, cache=ResponseCache(tmp_path))
        second = reader.read(request_for(_plan(fake), ()))[KEY]
    assert first == second
    assert isinstance(second, Registry)
    assert reader.requests == 1
    assert fake.not_modified == 1


# -- snapshots and what-if ---------------------------------------------------------------------------


def test_a_snapshot_keeps_conda_platforms(tmp_path: Path) -> None:
    """A state with a conda package is written as schema_version 3 with each version's platforms, and reads back."""
    state = _state(HUB)
    text = dump_snapshot(state)
    document = json.loads(text)
    assert document["schema_version"] == 3
    versions = document["registries"][KEY]["versions"]
    assert versions[1]["platforms"] == {"linux-64": "2018-08-11T14:41:00Z", "win-64": "2018-08-11T15:02:00Z"}
    assert "platforms" not in versions[3]
    path = tmp_path / "state.json"
    path.write_text(text, encoding="utf-8")
    assert load_snapshot(path).registries == state.registries


@pytest.mark.parametrize(
    ("platforms", "message"),
    [
        ('["linux-64"]', "must be an object of times by platform"),
        ('{"linux-64": "yesterday"}', "is not an ISO 8601 time with a timezone"),
        ('{"linux-64": null}', "must be an ISO 8601 time with a timezone"),
    ],
    ids=["a-list", "not-a-time", "null"],
)
def test_a_snapshot_with_bad_platforms_is_refused(platforms: str, message: str, tmp_path: Path) -> None:
    """A snapshot's conda platforms that are not times by platform are refused, naming the key."""
    document = json.loads(dump_snapshot(_state(HUB)))
    document["registries"][KEY]["versions"][0]["platforms"] = json.loads(platforms)
    path = tmp_path / "state.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(Exception, match="platforms") as raised:
        load_snapshot(path)
    assert message in str(raised.value)


def test_what_if_a_conda_release_is_out(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    """`check --assume 'hub==1.0.0 released'` counts an assumed conda build on every named platform."""
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[plan]\nname = "c"\n[repos.hub]\ngithub = "conda-forge/jupyterhub-feedstock"\n'
        f'published.conda = {{ name = "jupyterhub", platforms = {ALL} }}\n[releases.hub]\nversion = ">=1.0"\n',
        encoding="utf-8",
    )
    state = tmp_path / "state.json"
    base = dataclasses.replace(_state(HUB), repos={}, items={}, families={})
    state.write_text(dump_snapshot(base), encoding="utf-8")
    before = run_cli("check", str(plan), "--snapshot", str(state), "--format", "json")
    after = run_cli("check", str(plan), "--snapshot", str(state), "--format", "json", "--assume", "hub==1.0.0 released")
    assert json.loads(before.out)["releases"][0]["released"] is None
    released = json.loads(after.out)["releases"][0]["released"]
    assert (released["version"], released["source"]) == ("1.0.0", "conda"), after.err


# -- the plan ----------------------------------------------------------------------------------------


def _validate(tmp_path: Path, run_cli: Callable[..., Run], published: str, sources: str = "") -> Run:
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f'[plan]\nname = "c"\n[repos.hub]\ngithub = "o/hub"\n{sources}published = {{ {published} }}\n'
        '[releases.hub]\nversion = ">=1.0"\n',
        encoding="utf-8",
    )
    return run_cli("validate", str(plan))


@pytest.mark.parametrize(
    ("published", "key", "message"),
    [
        ('conda = { name = "jupyterhub", platforms = ["linux64"] }', "platforms[0]", "(did you mean 'linux-64'?)"),
        ('conda = { name = "jupyterhub", platforms = ["osx-arm"] }', "platforms[0]", "(did you mean 'osx-arm64'?)"),
        ('conda = { name = "jupyterhub", platforms = ["win-64", "win-64"] }', "platforms[1]", "lists 'win-64' twice"),
        ('conda = { name = "JupyterHub" }', "name", "is not a conda package name"),
        ('conda = { name = "JupyterHub" }', "name", "(did you mean 'jupyterhub'?)"),
        (
            'conda = { name = "jupyterhub", channel = "https://conda.anaconda.org/conda-forge" }',
            "channel",
            "the API root goes in published.conda.api",
        ),
        ('conda = { name = "jupyterhub", labels = [] }', "labels", "is empty; list at least one label"),
        ('conda = { name = "jupyterhub", api = "api.anaconda.org" }', "api", "is not an http(s) URL"),
        ('conda = { channel = "conda-forge" }', "conda", "name"),
        ('conda = { name = "jupyterhub", platform = ["linux-64"] }', "platform", "did you mean 'platforms'"),
    ],
    ids=[
        "platform-typo", "platform-short", "platform-twice", "upper-case-name", "upper-case-hint", "channel-url",
        "no-labels", "api-not-a-url", "no-name", "key-typo",
    ],
)  # fmt: skip
def test_validate_explains_a_bad_conda_table(
    published: str, key: str, message: str, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """`validate` names the published.conda key, says what is wrong and what was meant; exit 2, no traceback."""
    run = _validate(tmp_path, run_cli, published)
    text = " ".join(run.err.split())
    assert run.code == 2
    assert f"repos.hub.published.conda.{key}" in text or f"repos.hub.published.{key}" in text
    assert message in text
    assert "Traceback" not in run.err


def test_a_good_conda_table_validates(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    """Every key of published.conda, well written, validates (exit 0)."""
    published = (
        'conda = { name = "jupyterhub", channel = "conda-forge", platforms = ["linux-64", "osx-arm64", "noarch"], '
        'labels = ["main", "jupyterhub_rc"], api = "https://api.anaconda.org" }'
    )
    run = _validate(tmp_path, run_cli, published)
    assert run.code == 0, run.err


def test_a_conda_source_needs_its_package(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    """A `sources` list naming conda without published.conda is refused, naming the key to add."""
    run = _validate(tmp_path, run_cli, 'pypi = "jupyterhub"', sources='sources = ["conda", "tags"]\n')
    assert run.code == 2
    assert "'conda' needs published.conda (the conda package)" in " ".join(run.err.split())


def test_default_sources_and_the_request() -> None:
    """Without `sources`, a repo on PyPI and conda reads pypi, conda, tags; the request names CHANNEL/NAME, the API."""
    plan = parse_plan(
        '[plan]\nname = "c"\n[repos.hub]\ngithub = "o/hub"\n'
        'published = { pypi = "jupyterhub", conda = { name = "jupyterhub", channel = "my-channel" } }\n'
        '[releases.hub]\nversion = ">=1.0"\n'
    )
    repo = plan.repo("hub")
    assert repo.sources == (Source.PYPI, Source.CONDA, Source.TAGS)
    assert repo.conda is not None
    assert (repo.conda.platforms, repo.conda.labels) == ((), ("main",))
    assert (Source.CONDA, "my-channel/jupyterhub", "https://api.anaconda.org") in request_for(plan, ()).registries


# -- end to end over HTTP -----------------------------------------------------------------------------

HUB_REPO = "jupyterhub/jupyterhub"


def _end_to_end_state() -> Any:
    repo = RepoState(HUB_REPO, tags=(Tag("0.9.2", "a" * 40, _at(8, 11, 12)),))
    pypi = Registry(Source.PYPI, "jupyterhub", "", (Published("0.9.2", _at(8, 11, 12, 30)),))
    return dataclasses.replace(
        load_snapshot(EXAMPLE_STATE),
        taken_at=TAKEN,
        as_of=None,
        repos={HUB_REPO: repo},
        items={},
        families={},
        registries={registry_key(r.source, r.name): r for r in (pypi, HUB)},
    )


def _end_to_end_plan(fake: FakeRegistries, platforms: str) -> str:
    return f"""
[plan]
name = "jupyterhub on PyPI and conda-forge"
[repos.hub]
github = "{HUB_REPO}"
tags = ["{{version}}"]
published = {{ pypi = "jupyterhub", pypi_index = "{fake.pypi_index}" }}
[releases.hub]
version = ">=0.9.2,<0.9.3"
[releases.hub-conda]
repo = "hub"
version = ">=0.9.2,<0.9.3"
after = ["hub"]
published.conda = {{ name = "jupyterhub", api = "{fake.conda_api}", platforms = {platforms} }}
sources = ["conda", "tags"]
"""


@pytest.mark.parametrize(
    ("platforms", "status"), [('["linux-64", "win-64"]', "released"), (ALL, "tagged")], ids=["built", "osx-broken"]
)
def test_check_end_to_end_against_the_fakes(
    platforms: str, status: str, github_schema: Any, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """`check` over HTTP: 0.9.2 is out on conda-forge for Linux and Windows; for all three it is only tagged."""
    state = _end_to_end_state()
    with FakeRegistries(state) as registries, FakeGitHub(state, schema=github_schema) as github:
        plan = tmp_path / "plan.toml"
        plan.write_text(_end_to_end_plan(registries, platforms), encoding="utf-8")
        run = run_cli(
            "check", str(plan), "--github-url", github.url, "--format", "json", "--no-cache",
            env={"GH_TOKEN": str(github.token)},
        )  # fmt: skip
        text = run_cli(
            "check", str(plan), "-v", "--github-url", github.url, "--no-cache", env={"GH_TOKEN": str(github.token)}
        )
    assert github.invalid_queries == []
    assert run.code == 0, run.err
    assert _conda_requests(registries).count("/conda/package/conda-forge/jupyterhub") == 2
    releases = {r["id"]: r for r in json.loads(run.out)["releases"]}
    assert releases["hub"]["released"]["source"] == "pypi"
    assert releases["hub-conda"]["status"] == status
    if status == "released":
        released = releases["hub-conda"]["released"]
        assert (released["source"], released["version"], released["date"]) == ("conda", "0.9.2", "2018-08-11T15:02:00Z")
        assert "hub-conda is released: 0.9.2 (conda-forge, 2018-08-11 15:02 UTC)" in text.out
    else:
        assert releases["hub-conda"]["released"] is None
        assert "tag 0.9.2 has 0.9.2, not yet on conda" in run.out
        assert "on linux-64, win-64 only; the plan needs osx-64" in text.out
