"""Package indexes read through the Simple API's JSON (PEP 691, 700), or PyPI's JSON API as a fallback, over HTTP."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from release_gate import ReleaseStatus, parse_plan
from release_gate.plan.model import Source
from release_gate.sources.cache import ResponseCache
from release_gate.sources.pypi import endpoints
from release_gate.sources.registries import RegistryReader
from release_gate.state import Published, Registry, Unknown, registry_key, request_for
from release_gate.testing import FakeRegistries
from release_gate.testing.registries import SIMPLE_JSON, PackageFile, SimpleApi, pypi_history
from tests.conftest import Run
from tests.test_registries import APP, LIB, _evaluate, _plan, _read, _state

UPLOADED = dt.datetime(2024, 4, 1, tzinfo=dt.UTC)
"""When lib 1.0.0rc1, the only version of LIB that satisfies ``>=1.0.0b1``, was uploaded."""


def _reader_of(plan: Any, **kwargs: Any) -> tuple[RegistryReader, dict[str, Registry | Unknown]]:
    reader = RegistryReader(timeout=2, retries=1, **kwargs)
    return reader, reader.read(request_for(plan, ()))


def _lib(fake: FakeRegistries, **kwargs: Any) -> Registry | Unknown:
    """Read lib from the fake (its plan names the index by its JSON API root, as plans always did)."""
    return _read(_plan(fake), **kwargs)["pypi:lib"]


def _index_plan(index: str, *, pypi: str = "lib") -> Any:
    published = f'{{ pypi = "{pypi}", pypi_index = "{index}" }}'
    return parse_plan(
        f'[plan]\nname = "i"\n[repos.lib]\ngithub = "o/lib"\npublished = {published}\n'
        '[releases.lib]\nversion = ">=1.0.0b1"\n'
    )


def _pypi_paths(fake: FakeRegistries) -> list[str]:
    return [r.path for r in fake.requests if not r.path.startswith("/helm/")]


# -- one request per project -------------------------------------------------------------------


def _as_listed(registry: Registry) -> list[tuple[str, dt.datetime | None, int, int]]:
    """Each version as an index lists it: a version with no file has no upload, so no date."""
    return [(p.version, p.date if p.files else None, p.files, p.yanked) for p in registry.versions]


def test_a_project_is_one_request_to_the_simple_api() -> None:
    """A plan naming PyPI's JSON API root is read with one request, the project's page of the Simple API."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        lib = _lib(fake)
    assert _pypi_paths(fake) == ["/simple/lib/"]
    assert isinstance(lib, Registry)
    assert (lib.name, lib.url) == ("lib", fake.pypi_index)
    assert _as_listed(lib) == _as_listed(LIB)  # every version, its files, yanks and first uploads


@pytest.mark.parametrize("suffix", ["/simple", "/simple/", "/pypi", "/pypi/"])
def test_an_index_named_by_either_api_is_read_alike(suffix: str) -> None:
    """``INDEX/simple`` (as pip names it) and ``INDEX/pypi`` (as plans did) name one index: the same read."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        found = _read(_index_plan(fake.url + suffix))["pypi:lib"]
    assert isinstance(found, Registry)
    assert _as_listed(found) == _as_listed(LIB)
    assert _pypi_paths(fake) == ["/simple/lib/"]


def test_the_project_name_is_normalised_in_the_simple_api() -> None:
    """A plan spelling the project Lib_Name asks for the normalised page (``/simple/lib-name/``), as PEP 503 says."""
    lib = dataclasses.replace(LIB, name="lib-name")
    with FakeRegistries(_state(lib, APP)) as fake:
        found = _read(_index_plan(fake.simple_index, pypi="Lib_Name"))[registry_key(Source.PYPI, "lib-name")]
    assert isinstance(found, Registry)
    assert _as_listed(found) == _as_listed(LIB)
    assert _pypi_paths(fake) == ["/simple/lib-name/"]


def test_yanked_files_are_read_from_the_simple_api() -> None:
    """A version whose every file is yanked (with a reason) is yanked; one with a yanked file among others counts."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        lib = _evaluate(fake, _plan(fake)).release("lib")
    why = {c.tag: c.why for c in lib.candidates if c.source is Source.PYPI}
    assert why["1.0.0b1"] == "yanked"
    assert why["1.0.0b2"] == "no files"  # listed in `versions`, with no file
    assert lib.released is not None
    assert lib.released.version == "1.0.0rc1"  # 3 files, 1 yanked


def test_a_missing_project_is_unknown_after_both_apis_say_so() -> None:
    """A project the Simple API and the JSON API both answer 404 for is unknown, saying which key to check."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        found = _read(_plan(fake, pypi="no-such-project"))["pypi:no-such-project"]
    assert found == Unknown(
        f"PyPI ({fake.pypi_index}) has no project 'no-such-project'; check published.pypi in the plan"
    )
    assert _pypi_paths(fake) == ["/simple/no-such-project/", "/pypi/no-such-project/json"]


# -- an index without the Simple API's JSON -------------------------------------------------------


@pytest.mark.parametrize("simple", [SimpleApi.HTML_ONLY, SimpleApi.NOT_ACCEPTABLE, SimpleApi.ABSENT], ids=str)
def test_an_index_without_pep_691_is_read_through_its_json_api(simple: SimpleApi) -> None:
    """An index answering HTML, 406 or 404 on the Simple API is read once more, from PyPI's JSON API, alike."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.simple = simple
        lib = _lib(fake)
    assert isinstance(lib, Registry)
    assert _as_listed(lib) == _as_listed(LIB)
    assert _pypi_paths(fake) == ["/simple/lib/", "/pypi/lib/json"]


def test_an_html_only_index_with_no_json_api_is_unknown() -> None:
    """An index answering only PEP 503 HTML, and no JSON API, is unknown, saying what it answered: not 'unreleased'."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.simple, fake.json_api = SimpleApi.HTML_ONLY, False
        lib = _lib(fake)
    assert isinstance(lib, Unknown)
    assert lib.reason == (
        f"PyPI ({fake.pypi_index}) does not answer the Simple API's JSON (PEP 691) for 'lib': it answered text/html, "
        "and its JSON API has no such project; release-gate reads the Simple API's JSON or PyPI's JSON API"
    )


def test_a_simple_api_named_with_no_json_api_beside_it_is_unknown_when_it_answers_html() -> None:
    """An index named by a Simple API base with no JSON API known (``+simple``) that answers HTML is unknown."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.simple = SimpleApi.HTML_ONLY
        assert endpoints(f"{fake.url}/+simple").legacy is None
        found = _read(_index_plan(f"{fake.url}/+simple"))["pypi:lib"]
    assert isinstance(found, Unknown)
    assert "release-gate knows no JSON API there" in found.reason


# -- doubtful answers are unknown, never released ------------------------------------------------


def _edit(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], Any]:
    def edit(document: dict[str, Any]) -> Any:
        change(document)
        return document

    return edit


def _files_of(version: str) -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    return lambda document: [f for f in document["files"] if f"-{version}" in f["filename"]]


def _set_files(version: str, **values: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        for entry in _files_of(version)(document):
            entry.update(values)

    return change


DOUBTS: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "api-version-2": (_edit(lambda d: d["meta"].update({"api-version": "2.0"})), "Simple API 2.0; release-gate reads"),
    "api-version-missing": (_edit(lambda d: d.pop("meta")), "meta.api-version is 'None'"),
    "another-project": (_edit(lambda d: d.update(name="lib2")), "the answer is about the project 'lib2'"),
    "no-versions": (_edit(lambda d: d.pop("versions")), "has no 'versions'"),
    "version-not-listed": (
        _edit(lambda d: d["versions"].remove("1.0.0rc1")),
        "its JSON API has files of 1.0.0rc1, which its Simple API does not list",
    ),
    "file-of-another-project": (
        _edit(lambda d: d["files"].append({**d["files"][0], "filename": "other-1.0.0rc1.tar.gz"})),
        "is not a file of 'lib'",
    ),
    "file-of-no-version": (
        _edit(lambda d: d["files"].append({**d["files"][0], "filename": "lib-1.0.0rc1.pkg"})),
        "cannot tell which version the file 'lib-1.0.0rc1.pkg' is of",
    ),
    "yanked-empty-reason": (_edit(_set_files("1.0.0rc1", yanked="")), "neither true, false nor a reason"),
    "yanked-a-number": (_edit(_set_files("1.0.0rc1", yanked=1)), "neither true, false nor a reason"),
    "upload-time-not-a-time": (_edit(_set_files("1.0.0rc1", **{"upload-time": "yesterday"})), "not a time"),
    "upload-time-without-zone": (
        _edit(_set_files("1.0.0rc1", **{"upload-time": "2024-04-01T00:00:00"})),
        "not a time",
    ),
    "not-an-object": (lambda document: document["files"], "the answer is not a JSON object"),
    "null": (lambda _: None, "the answer is not a JSON object"),
    "files-not-a-list": (_edit(lambda d: d.update(files={})), "has no list of files"),
    "versions-twice": (_edit(lambda d: d["versions"].append("0.9")), "lists a version twice"),
}


@pytest.mark.parametrize(("edit", "problem"), list(DOUBTS.values()), ids=list(DOUBTS))
def test_a_doubtful_simple_api_answer_is_unknown(edit: Callable[[dict[str, Any]], Any], problem: str) -> None:
    """A Simple API page that is malformed or inconsistent leaves lib unknown (never released), saying why."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        whole = _evaluate(fake, _plan(fake)).release("lib")
        fake.edit_simple = edit
        found = _lib(fake)
        lib = _evaluate(fake, _plan(fake)).release("lib")
    assert whole.status is ReleaseStatus.RELEASED
    assert isinstance(found, Unknown)
    assert found.reason.startswith(
        (
            f"PyPI ({fake.pypi_index}) could not be read for 'lib': ",
            f"PyPI ({fake.pypi_index}) contradicts itself for 'lib': ",
        )
    )
    assert problem in found.reason
    assert lib.status is ReleaseStatus.UNKNOWN


def test_a_simple_api_answer_cut_short_is_unknown() -> None:
    """A Simple API page cut short (its Content-Length matching) does not parse: asked again, then unknown."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.edit_simple = lambda document: json.dumps(document)[:-40]  # served as a JSON string: not the page
        found = _lib(fake)
    assert isinstance(found, Unknown)
    assert "could not be read for 'lib'" in found.reason


def test_a_json_api_answer_about_another_project_is_unknown() -> None:
    """The JSON API's document naming another project (a mirror's mix-up) is unknown, not lib's versions."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.simple = SimpleApi.ABSENT
        fake.edit_legacy = _edit(lambda d: d["info"].update(name="lib2"))
        found = _lib(fake)
    assert found == Unknown(
        f"PyPI ({fake.pypi_index}) could not be read for 'lib': the answer is about the project 'lib2'"
    )


# -- upload times, and a check as of a past moment -------------------------------------------------


def _dated_read(fake: FakeRegistries, as_of: dt.datetime) -> Registry | Unknown:
    plan = _plan(fake)
    request = request_for(plan, (), as_of=as_of)
    return RegistryReader(timeout=2, retries=1).read(request)["pypi:lib"]


def test_upload_times_date_the_versions() -> None:
    """A version's date is its first upload (PEP 700's upload-time): checked before it, it is not released yet."""
    wheel = dt.datetime(2024, 3, 31, 0, 0, 0, 500000, tzinfo=dt.UTC)
    files = {v.version: [PackageFile(f"lib-{v.version}.tar.gz", "2024-04-01T00:00:00Z")] for v in LIB.versions}
    files["1.0.0rc1"].insert(0, PackageFile("lib-1.0.0rc1-py3-none-any.whl", "2024-03-31T00:00:00.500000Z"))
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.releases = {"lib": files}
        found = _dated_read(fake, UPLOADED)
        before = _evaluate(fake, _plan(fake), as_of=wheel - dt.timedelta(seconds=1)).release("lib")
        after = _evaluate(fake, _plan(fake), as_of=wheel).release("lib")
    assert isinstance(found, Registry)
    assert next(p for p in found.versions if p.version == "1.0.0rc1") == Published("1.0.0rc1", wheel, files=2)
    assert before.status is not ReleaseStatus.RELEASED
    assert after.status is ReleaseStatus.RELEASED


def test_a_candidate_without_upload_time_is_unknown_as_of_a_past_moment() -> None:
    """As of a past moment, a version that could satisfy the release with a file of no upload time is unknown."""
    files = {
        "1.0.0rc1": [
            PackageFile("lib-1.0.0rc1.tar.gz", "2024-04-01T00:00:00Z"),
            PackageFile("lib-1.0.0rc1-py3-none-any.whl", None),
        ]
    }
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.releases = {"lib": {"0.9": [PackageFile("lib-0.9.tar.gz", None)], **files}}
        now = _lib(fake)
        past = _dated_read(fake, UPLOADED + dt.timedelta(days=1))
    assert isinstance(now, Registry)  # read for now: the date is not needed, and not guessed
    assert [(p.version, p.date) for p in now.versions] == [("0.9", None), ("1.0.0rc1", None)]
    assert past == Unknown(
        f"PyPI ({fake.pypi_index}) could not be read for 'lib': 1.0.0rc1 could satisfy a release, but its file "
        "lib-1.0.0rc1-py3-none-any.whl has no upload time, which a check as of a past moment needs"
    )


def test_the_json_api_fallback_needs_upload_times_as_of_a_past_moment() -> None:
    """Through the JSON API too, a candidate's file without an upload time is unknown as of a past moment."""
    files = {
        "1.0.0rc1": [
            PackageFile("lib-1.0.0rc1.tar.gz", "2024-04-01T00:00:00Z"),
            PackageFile("lib-1.0.0rc1-py3-none-any.whl", None),
        ]
    }
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.simple, fake.releases = SimpleApi.ABSENT, {"lib": files}
        past = _dated_read(fake, UPLOADED + dt.timedelta(days=1))
    assert isinstance(past, Unknown)
    assert "its file lib-1.0.0rc1-py3-none-any.whl has no upload time" in past.reason


def test_an_index_at_api_1_0_is_read_from_its_files() -> None:
    """An index at Simple API 1.0 (no versions list, no upload times) is read from its file names; dates unknown."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.api_version = "1.0"
        now = _lib(fake)
        past = _dated_read(fake, UPLOADED + dt.timedelta(days=1))
    assert isinstance(now, Registry)
    assert [(p.version, p.files, p.yanked, p.date) for p in now.versions] == [
        ("0.9", 1, 0, None),
        ("1.0.0b1", 2, 2, None),
        ("1.0.0rc1", 3, 1, None),  # 1.0.0b2 had no file: an index without a versions list does not show it
    ]
    assert isinstance(past, Unknown)
    assert "has no upload time" in past.reason


# -- today's history -------------------------------------------------------------------------------


def test_todays_history_reads_the_same_through_both_apis(live_plan: Path, fake_registries: FakeRegistries) -> None:
    """PyPI's real history of the founding plan's projects reads alike by file name (PEP 691) and by PyPI's grouping."""
    fake_registries.releases = pypi_history()
    plan = parse_plan(live_plan.read_text(encoding="utf-8"))
    simple = RegistryReader(timeout=5).read(request_for(plan, ()))
    pypi_requests = _pypi_paths(fake_registries)
    fake_registries.simple = SimpleApi.ABSENT
    legacy = RegistryReader(timeout=5).read(request_for(plan, ()))
    projects = sorted(key for key in simple if key.startswith("pypi:"))
    assert projects == ["pypi:batchspawner", "pypi:jupyterhub", "pypi:jupyterhub-kubespawner", "pypi:oauthenticator"]
    assert len(pypi_requests) == 4  # one request per project, however long its history
    for key in projects:
        assert isinstance(simple[key], Registry), simple[key]
        assert simple[key] == legacy[key]
    hub = simple["pypi:jupyterhub"]
    assert isinstance(hub, Registry)
    assert len(hub.versions) > 100
    kubespawner = simple["pypi:jupyterhub-kubespawner"]
    assert isinstance(kubespawner, Registry)
    assert kubespawner.versions[0] == Published("0.1", None, files=0)  # listed by PyPI, with no file


def test_a_rerun_with_a_cache_is_one_304_per_project(
    live_plan: Path, fake_registries: FakeRegistries, tmp_path: Path
) -> None:
    """With a cache folder, reading today's history again is one request per project and chart, each a 304."""
    fake_registries.releases = pypi_history()
    plan = parse_plan(live_plan.read_text(encoding="utf-8"))
    first = RegistryReader(cache=ResponseCache(tmp_path)).read(request_for(plan, ()))
    asked = len(fake_registries.requests)
    reader = RegistryReader(cache=ResponseCache(tmp_path))
    second = reader.read(request_for(plan, ()))
    assert first == second
    assert reader.requests == len(fake_registries.requests) - asked == 5  # 4 projects, 1 chart index
    assert fake_registries.not_modified == 5


def test_a_cache_keeps_the_json_and_the_html_of_one_url_apart(tmp_path: Path) -> None:
    """The Simple API's page asked as JSON and as HTML (one URL) is kept twice: a 304 gives back what was asked."""
    from release_gate.sources._http import Http  # noqa: PLC0415 - the layer under the reader
    from release_gate.sources.registries import INDEXES, _simple_json  # noqa: PLC0415

    with FakeRegistries(_state(LIB, APP)) as fake:
        http = Http(INDEXES, timeout=2, retries=0, budget=10, cache=ResponseCache(tmp_path))
        url = f"{fake.simple_index}/lib/"
        answers = [http.send("GET", url, headers={"Accept": accept}) for accept in (SIMPLE_JSON, "text/html") * 2]
    json_first, html_first, json_again, html_again = answers
    assert fake.not_modified == 2  # the second JSON and the second HTML
    assert (json_again.body, html_again.body) == (json_first.body, html_first.body)
    assert json_again.headers["Content-Type"] == SIMPLE_JSON
    assert html_again.headers["Content-Type"] == "text/html"
    assert _simple_json(json_again)["name"] == "lib"


def test_the_founding_plan_against_todays_pypi(
    fake_github: Any, fake_registries: FakeRegistries, live_plan: Path, run_cli: Callable[..., Run]
) -> None:
    """The founding plan checked against today's PyPI history: 4 index requests, the 2018 verdicts as of the meeting."""
    before = run_cli(
        "check", str(live_plan), "--github-url", fake_github.url, "--as-of", "2018-08-09T18:00:00Z", "--format", "json",
        "--no-cache", env={"GH_TOKEN": str(fake_github.token)},
    )  # fmt: skip
    fake_registries.releases = pypi_history()
    asked = len(fake_registries.requests)
    today = run_cli(
        "check", str(live_plan), "--github-url", fake_github.url, "--as-of", "2018-08-09T18:00:00Z", "--format", "json",
        "--no-cache", env={"GH_TOKEN": str(fake_github.token)},
    )  # fmt: skip
    paths = [r.path for r in fake_registries.requests[asked:]]
    assert sorted(p for p in paths if not p.startswith("/helm/")) == [
        "/simple/batchspawner/",
        "/simple/jupyterhub-kubespawner/",
        "/simple/jupyterhub/",
        "/simple/oauthenticator/",
    ]
    statuses = {r["id"]: r["status"] for r in json.loads(today.out)["releases"]}
    assert statuses == {r["id"]: r["status"] for r in json.loads(before.out)["releases"]}
    assert today.code == before.code == 1
