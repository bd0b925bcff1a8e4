"""Real PyPI pages the Simple API reader must read as the JSON API did, and answers it must not crash on."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from release_gate import ReleaseStatus
from release_gate.state import Registry, Unknown
from release_gate.testing import FakeRegistries
from release_gate.testing.registries import PackageFile, SimpleApi
from tests.conftest import Run
from tests.test_pypi import _index_plan
from tests.test_registries import APP, LIB, _evaluate, _plan, _read, _state

_HUGE = "1" * 5000


def _with_version(version: str) -> Any:
    def edit(document: dict[str, Any]) -> Any:
        document["versions"].append(version)
        return document

    return edit


def test_a_version_of_5000_digits_in_the_simple_api_is_unknown_not_a_crash() -> None:
    """A listed version too long for int() leaves the project unknown, as the old reader did, not a ValueError."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.edit_simple = _with_version(_HUGE)
        found = _read(_plan(fake))["pypi:lib"]
    assert isinstance(found, Unknown)


def test_an_api_version_of_5000_digits_is_unknown_not_a_crash() -> None:
    """A meta.api-version with a huge minor number is a doubtful answer (unknown), not a ValueError."""

    def edit(document: dict[str, Any]) -> Any:
        document["meta"]["api-version"] = "1." + "0" * 5000
        return document

    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.edit_simple = edit
        found = _read(_plan(fake))["pypi:lib"]
    assert isinstance(found, Unknown)


def _files(extra: dict[str, list[PackageFile]]) -> dict[str, list[PackageFile]]:
    when = "2024-04-01T00:00:00Z"
    files = {
        "0.9": [PackageFile("lib-0.9.tar.gz", "2024-01-01T00:00:00Z")],
        "1.0.0rc1": [PackageFile("lib-1.0.0rc1.tar.gz", when), PackageFile("lib-1.0.0rc1-py3-none-any.whl", when)],
    }
    for version, more in extra.items():
        files[version] = [*files.get(version, []), *more]
    return files


def test_an_old_windows_installer_does_not_make_the_whole_project_unknown() -> None:
    """A bdist_wininst .exe of an old version (as numpy, pyyaml, pandas have on PyPI) leaves lib 1.0.0rc1 released."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.releases = {"lib": _files({"0.9": [PackageFile("lib-0.9.win32-py2.7.exe", "2024-01-01T00:00:00Z")]})}
        verdict = _evaluate(fake, _plan(fake)).release("lib")
    assert verdict.status is ReleaseStatus.RELEASED, [r.detail for r in verdict.blockers]


def test_a_post_release_file_inside_its_release_does_not_make_the_project_unknown() -> None:
    """A file named X.post0 inside release X (traitlets 5.2.2, python-dateutil 2.4.1 on PyPI) leaves lib readable."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.releases = {
            "lib": _files({"0.9": [PackageFile("lib-0.9.post0-py3-none-any.whl", "2024-01-02T00:00:00Z")]})
        }
        found = _read(_plan(fake))["pypi:lib"]
        asked = [r.path for r in fake.requests]
    assert isinstance(found, Registry), found
    assert next(p for p in found.versions if p.version == "0.9").files == 2  # the .post0 file is 0.9's
    assert "/pypi/lib/json" in asked  # the JSON API said which release the file is of


def test_a_file_of_a_version_neither_lists_alike_is_unknown() -> None:
    """A Simple API page with files of 2.0 but no 2.0 in 'versions', and a JSON API with 2.0: unknown."""

    def drop_two(document: dict[str, Any]) -> Any:
        document["versions"].remove("2.0")
        return document

    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.releases = {"lib": _files({"2.0": [PackageFile("lib-2.0.tar.gz", "2024-05-01T00:00:00Z")]})}
        fake.edit_simple = drop_two
        found = _read(_plan(fake))["pypi:lib"]
    assert isinstance(found, Unknown), found
    assert "contradicts itself" in found.reason


def test_the_old_reader_read_the_same_index_through_the_json_api() -> None:
    """The same files through PyPI's JSON API alone (grouped by release) read the same."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.simple = SimpleApi.ABSENT
        fake.releases = {"lib": _files({"0.9": [PackageFile("lib-0.9.win32-py2.7.exe", "2024-01-01T00:00:00Z")]})}
        found = _read(_plan(fake))["pypi:lib"]
    assert isinstance(found, Registry)
    assert [p.version for p in found.versions] == ["0.9", "1.0.0rc1"]


def test_a_huge_version_on_the_index_is_exit_3_not_an_internal_error(
    fake_github: Any, fake_registries: FakeRegistries, live_plan: Path, run_cli: Callable[..., Run]
) -> None:
    """Check against an index listing a 5000-digit version: unknown (exit 3), not exit 4 losing the read."""
    fake_registries.edit_simple = _with_version(_HUGE)
    run = run_cli(
        "check", str(live_plan), "--github-url", fake_github.url, "--format", "json", "--no-cache",
        env={"GH_TOKEN": str(fake_github.token)},
    )  # fmt: skip
    assert run.code == 3, run.err
    assert json.loads(run.out)["answer"] == "unknown"


def test_a_404_from_the_named_simple_api_is_not_overruled_by_a_guessed_json_api() -> None:
    """A plan naming INDEX/simple whose page is 404 is not 'released' from INDEX/pypi, a URL the plan never named."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.simple = SimpleApi.ABSENT  # the named index: no such project
        found = _read(_index_plan(f"{fake.url}/simple"))["pypi:lib"]
        asked = [r.path for r in fake.requests]
    assert asked == ["/simple/lib/"]
    assert isinstance(found, Unknown), found
    assert "has no project 'lib'" in found.reason
