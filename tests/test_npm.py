"""npm packages as an evidence source: the full package document read over HTTP from the fake registry."""

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
from release_gate.testing.registries import NPM_ABBREVIATED
from tests.conftest import EXAMPLE_STATE, ROOT, Run

NAME = "@jupyter-widgets/jupyterlab-manager"
KEY = registry_key(Source.NPM, NAME)
TAKEN = dt.datetime(2022, 9, 1, tzinfo=dt.UTC)


def _day(month: int, day: int) -> dt.datetime:
    return dt.datetime(2022, month, day, tzinfo=dt.UTC)


EXT = Registry(
    Source.NPM,
    NAME,
    "",
    (
        Published("4.0.0", _day(1, 10)),
        Published("5.0.0-rc.0", _day(7, 1)),
        Published("5.0.0-dev.20220701", _day(7, 2)),  # a development build (SemVer, not a labelled pre-release)
        Published("5.0.0", _day(8, 18), deprecated="5.0.0 breaks the settings editor; use 5.0.1"),
        Published("5.0.1", _day(8, 20)),
    ),
)


def _state(*registries: Registry) -> Any:
    return dataclasses.replace(
        load_snapshot(EXAMPLE_STATE), registries={registry_key(r.source, r.name): r for r in registries}
    )


def _plan(fake: FakeRegistries, version: str = ">=5.0.0", *, name: str = NAME, accept: str = "") -> Any:
    extra = f'accept = "{accept}"\n' if accept else ""
    return parse_plan(
        f"""
[plan]
name = "npm"
[repos.ext]
github = "o/ext"
scheme = "semver"
published = {{ npm = "{name}", npm_registry = "{fake.npm_registry}" }}
[releases.ext]
version = "{version}"
{extra}"""
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
    state = FakeStateProvider(taken_at=TAKEN).repo("o/ext").fetch(StateRequest((), ()))
    return check(plan, _Fixed(dataclasses.replace(state, registries=registries)), as_of=as_of).release("ext")


def _npm_requests(fake: FakeRegistries) -> list[tuple[str, str]]:
    return [(r.path, r.accept) for r in fake.requests if r.path.startswith("/npm/")]


# -- the happy path ---------------------------------------------------------------------------------


def test_a_package_is_one_get_of_its_full_document() -> None:
    """A scoped package is read with one GET of /@scope%2Fname, asked as application/json, every version dated."""
    with FakeRegistries(_state(EXT)) as fake:
        found = _read(_plan(fake))[KEY]
    assert _npm_requests(fake) == [("/npm/@jupyter-widgets%2Fjupyterlab-manager", "application/json")]
    assert isinstance(found, Registry)
    assert (found.source, found.name, found.url) == (Source.NPM, NAME, fake.npm_registry)
    assert found.versions == EXT.versions


def test_a_deprecated_version_does_not_count_and_says_why() -> None:
    """5.0.0 is deprecated: the release is out at 5.0.1, and 5.0.0 is listed with npm's message."""
    with FakeRegistries(_state(EXT)) as fake:
        ext = _evaluate(_plan(fake))
    assert ext.status is ReleaseStatus.RELEASED
    assert (ext.released.version, ext.released.source, ext.released.date) == ("5.0.1", Source.NPM, _day(8, 20))
    why = {c.tag: c.why for c in ext.candidates if c.source is Source.NPM}
    assert why["5.0.0"] == "deprecated: 5.0.0 breaks the settings editor; use 5.0.1"


def test_a_release_whose_only_version_is_deprecated_is_not_out() -> None:
    """With 5.0.1 not published, the deprecated 5.0.0 alone does not release >=5.0.0 (fails on a reader ignoring it)."""
    only = dataclasses.replace(EXT, versions=EXT.versions[:-1])
    with FakeRegistries(_state(only)) as fake:
        ext = _evaluate(_plan(fake))
    assert ext.status is not ReleaseStatus.RELEASED
    assert ext.released is None


@pytest.mark.parametrize(
    ("deprecated", "counts", "why"),
    [("", True, None), (True, False, "deprecated: (no message)"), ("   ", False, "deprecated: (no message)")],
    ids=["empty-string-undeprecated", "true", "blank-message"],
)
def test_what_deprecated_means(deprecated: object, counts: bool, why: str | None) -> None:
    """``deprecated: ""`` is an un-deprecated version; ``true`` and a blank message deprecate it."""
    only = dataclasses.replace(EXT, versions=EXT.versions[:-1])

    def edit(document: dict[str, Any]) -> dict[str, Any]:
        document["versions"]["5.0.0"]["deprecated"] = deprecated
        return document

    with FakeRegistries(_state(only)) as fake:
        fake.edit_npm = edit
        ext = _evaluate(_plan(fake))
    assert (ext.released is not None) is counts
    if why is not None:
        assert {c.tag: c.why for c in ext.candidates}["5.0.0"] == why


def test_dist_tags_never_decide() -> None:
    """A ``latest`` dist-tag pointing at 4.0.0 does not hide 5.0.1, nor does one naming a missing version release it."""

    def edit(document: dict[str, Any]) -> dict[str, Any]:
        document["dist-tags"] = {"latest": "4.0.0", "next": "9.9.9"}
        return document

    with FakeRegistries(_state(EXT)) as fake:
        fake.edit_npm = edit
        found = _evaluate(_plan(fake, ">=9.0.0"))
        ext = _evaluate(_plan(fake))
    assert found.released is None
    assert ext.released is not None
    assert ext.released.version == "5.0.1"


# -- pre-releases follow the plan's accept policy ---------------------------------------------------


@pytest.mark.parametrize(
    ("version", "accept", "released"),
    [
        (">=5.0.0", "", "5.0.1"),  # finals only: neither the rc nor the dev build
        (">=5.0.0-rc.0", "", "5.0.0-rc.0"),  # naming a pre-release admits pre-releases
        (">=5.0.0-0", "pre", "5.0.0-rc.0"),  # the dev build is older than the rc but not admitted
        (">=5.0.0-0", "dev", "5.0.0-rc.0"),  # admitted; the rc is still the earliest published
        (">=5.0.0-0,<5.0.0-rc.0", "dev", "5.0.0-dev.20220701"),  # only the dev build is in the range
        (">=5.0.0-0,<5.0.0-rc.0", "pre", None),  # ... and it is not admitted
    ],
)
def test_pre_releases_follow_the_accept_policy(version: str, accept: str, released: str | None) -> None:
    """SemVer pre-releases and development builds on npm count only as the release's accept policy says."""
    with FakeRegistries(_state(EXT)) as fake:
        ext = _evaluate(_plan(fake, version, accept=accept))
    assert (ext.released.version if ext.released else None) == released


# -- what is unknown --------------------------------------------------------------------------------


def test_a_missing_package_is_unknown_naming_the_key() -> None:
    """A 404 is unknown, saying which plan key to check; the release is unknown, never "not released" or out."""
    with FakeRegistries(_state(EXT)) as fake:
        plan = _plan(fake, name="@jupyter-widgets/no-such-package")
        found = _read(plan)["npm:@jupyter-widgets/no-such-package"]
        ext = _evaluate(plan)
    assert found == Unknown(
        f"npm ({fake.npm_registry}) has no package '@jupyter-widgets/no-such-package'; check published.npm in the plan"
    )
    assert ext.status is ReleaseStatus.UNKNOWN


def test_an_unpublished_package_is_unknown() -> None:
    """A package whose every version was unpublished (``time.unpublished``, no ``versions``) is unknown, saying so."""
    with FakeRegistries(_state(EXT)) as fake:
        fake.npm_unpublished.add(NAME)
        found = _read(_plan(fake))[KEY]
        ext = _evaluate(_plan(fake))
    assert isinstance(found, Unknown)
    assert "every version of it was unpublished" in found.reason
    assert ext.status is ReleaseStatus.UNKNOWN


def _set(path: tuple[str, ...], value: object) -> Callable[[dict[str, Any]], Any]:
    def edit(document: dict[str, Any]) -> dict[str, Any]:
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return document

    return edit


def _drop(*path: str) -> Callable[[dict[str, Any]], Any]:
    def edit(document: dict[str, Any]) -> dict[str, Any]:
        target = document
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
        return document

    return edit


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda d: [d], "the answer is not a JSON object"),
        (_set(("name",), "@jupyter-widgets/base"), "the answer is about the package '@jupyter-widgets/base'"),
        (_drop("name"), "the answer is about the package 'None'"),
        (_drop("versions"), "not shaped as an npm package document (no 'versions' object)"),
        (_set(("versions",), ["5.0.1"]), "not shaped as an npm package document (no 'versions' object)"),
        (_set(("versions", "5.0.1"), "5.0.1"), "the manifest of 5.0.1 is not an object"),
        (_set(("versions", "5.0.1", "version"), "5.0.0"), "the manifest listed as 5.0.1 is of 5.0.0"),
        (_set(("time",), ["2022-08-20"]), "its 'time' is not an object of times"),
        (_set(("time", "5.0.1"), "last week"), "the time of 5.0.1 is 'last week', not a time"),
        (_set(("versions", "5.0.0", "deprecated"), 1), "the 'deprecated' of 5.0.0 is neither a message nor true"),
    ],
    ids=[
        "not-an-object", "another-package", "no-name", "no-versions", "versions-a-list", "manifest-a-string",
        "manifest-of-another-version", "time-a-list", "time-not-a-time", "deprecated-a-number",
    ],
)  # fmt: skip
def test_a_doubtful_document_is_unknown(edit: Callable[[dict[str, Any]], Any], problem: str) -> None:
    """A document not shaped as npm's, about another package or with a field that is not what npm writes is unknown."""
    with FakeRegistries(_state(EXT)) as fake:
        fake.edit_npm = edit
        found = _read(_plan(fake))[KEY]
        ext = _evaluate(_plan(fake))
    assert isinstance(found, Unknown)
    assert found.reason.startswith(f"npm ({fake.npm_registry}) could not be read for '{NAME}': ")
    assert problem in found.reason
    assert ext.status is ReleaseStatus.UNKNOWN


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
    with FakeRegistries(_state(EXT)) as fake:
        fake.inject(fault, times=times, route="/npm/")
        found = _read(_plan(fake))[KEY]
    if reason is None:
        assert isinstance(found, Registry)
        assert found.versions == EXT.versions
    else:
        assert isinstance(found, Unknown)
        assert reason in found.reason


def test_a_private_package_is_unknown_saying_where_credentials_go() -> None:
    """A 401 from a private registry is unknown, pointing at ~/.netrc (never released)."""
    with FakeRegistries(_state(EXT)) as fake:
        fake.edit_npm = lambda d: d
        plan = _plan(fake)
        fake.down = False
        original = fake.answer

        def refuse(path: str, accept: str = "") -> tuple[int, bytes, str]:
            if path.startswith("/npm/"):
                return 401, b'{"error":"unauthorized"}', "application/json"
            return original(path, accept)

        fake.answer = refuse  # type: ignore[method-assign]
        found = _read(plan)[KEY]
    assert isinstance(found, Unknown)
    assert "refused to read" in found.reason
    assert "~/.netrc" in found.reason


# -- times: --as-of ---------------------------------------------------------------------------------


def test_as_of_uses_npms_time() -> None:
    """As of 2022-08-19 only the deprecated 5.0.0 is out (not released); as of 2022-08-21, 5.0.1 is."""
    with FakeRegistries(_state(EXT)) as fake:
        before = _evaluate(_plan(fake), as_of=_day(8, 19))
        after = _evaluate(_plan(fake), as_of=_day(8, 21))
    assert before.released is None
    assert before.status is not ReleaseStatus.RELEASED
    assert after.released is not None
    assert (after.released.version, after.released.date) == ("5.0.1", _day(8, 20))


def test_a_candidate_missing_from_time_is_unknown_as_of_a_past_moment() -> None:
    """A version that could satisfy the release but has no ``time`` entry is unknown when the read is as of the past."""
    with FakeRegistries(_state(EXT)) as fake:
        fake.edit_npm = _drop("time", "5.0.1")
        dated = _read(_plan(fake), as_of=_day(8, 21))[KEY]
        now = _read(_plan(fake))[KEY]
        ext = _evaluate(_plan(fake), as_of=_day(8, 21))
    assert isinstance(dated, Unknown)
    assert "5.0.1 could satisfy a release, but its 'time' has no date for it" in dated.reason
    assert isinstance(now, Registry)  # today, an undated version is there
    assert now.versions[-1] == Published("5.0.1", None)
    assert ext.status is ReleaseStatus.UNKNOWN


def test_a_document_without_time_is_never_released_in_the_past() -> None:
    """A registry that answers without ``time`` (the abbreviated form's shape) releases nothing as of a past moment."""
    with FakeRegistries(_state(EXT)) as fake:
        fake.edit_npm = _drop("time")
        ext = _evaluate(_plan(fake), as_of=_day(8, 21))
    assert ext.released is None
    assert ext.status is ReleaseStatus.UNKNOWN


# -- never the abbreviated document; the cache -------------------------------------------------------


def test_the_abbreviated_document_is_never_asked_for(tmp_path: Path) -> None:
    """Every npm request, cached or not, asks for the full document; the fake would answer install-v1 without time."""
    with FakeRegistries(_state(EXT)) as fake:
        _read(_plan(fake))
        _read(_plan(fake), cache=ResponseCache(tmp_path))
        _read(_plan(fake), cache=ResponseCache(tmp_path))
        _read(_plan(fake), as_of=_day(8, 21))
    accepts = {accept for _, accept in _npm_requests(fake)}
    assert accepts == {"application/json"}
    assert all(NPM_ABBREVIATED not in accept for accept in accepts)


def test_an_abbreviated_answer_is_unknown() -> None:
    """A registry that answers the abbreviated form (its Content-Type) to a full ask is not believed."""
    with FakeRegistries(_state(EXT)) as fake:
        original = fake.answer
        fake.answer = lambda path, accept="": original(path, accept and NPM_ABBREVIATED)  # type: ignore[method-assign]
        found = _read(_plan(fake))[KEY]
    assert isinstance(found, Unknown)
    assert "abbreviated package document" in found.reason


def test_a_rerun_with_a_cache_is_one_304(tmp_path: Path) -> None:
    """With a cache folder, reading the package again is one conditional GET, answered 304, giving the same versions."""
    with FakeRegistries(_state(EXT)) as fake:
        first = _read(_plan(fake), cache=ResponseCache(tmp_path))[KEY]
        reader = RegistryReader(timeout=2, retries=1, cache=ResponseCache(tmp_path))
        second = reader.read(request_for(_plan(fake), ()))[KEY]
    assert first == second
    assert isinstance(second, Registry)
    assert reader.requests == 1
    assert fake.not_modified == 1


@pytest.mark.parametrize(
    "spelling", ["@jupyterlab/git", "@jupyterlab%2Fgit", "@jupyterlab%2fgit", "%40jupyterlab%2Fgit"]
)
def test_the_fake_answers_every_spelling_of_a_scoped_name(spelling: str) -> None:
    """The fake registry serves a scoped name however its ``@`` and ``/`` are written, as registry.npmjs.org does."""
    import requests  # noqa: PLC0415 - only this test talks to the fake directly

    git = Registry(Source.NPM, "@jupyterlab/git", "", (Published("0.50.0", _day(1, 1)),))
    with FakeRegistries(_state(git)) as fake:
        answer = requests.get(f"{fake.npm_registry}/{spelling}", timeout=5)
        abbreviated = requests.get(f"{fake.npm_registry}/{spelling}", headers={"Accept": NPM_ABBREVIATED}, timeout=5)
    assert answer.status_code == 200
    assert answer.json()["name"] == "@jupyterlab/git"
    assert "time" in answer.json()
    assert abbreviated.headers["Content-Type"] == NPM_ABBREVIATED
    assert "time" not in abbreviated.json()


def test_the_registrys_documented_shape_reads() -> None:
    """A full document shaped as registry.npmjs.org documents it reads: deprecated, un-deprecated, rc and dev build."""
    document = json.loads((ROOT / "tests" / "npm" / "full-document.modelled.json").read_text(encoding="utf-8"))
    name = document["name"]
    with FakeRegistries(_state(Registry(Source.NPM, name, "", ()))) as fake:
        fake.edit_npm = lambda _: document
        found = _read(_plan(fake, ">=2.0.1", name=name))[registry_key(Source.NPM, name)]
    assert isinstance(found, Registry)
    assert {p.version: p.deprecated for p in found.versions} == {
        "2.0.0": "",
        "2.0.1": "2.0.1 breaks the settings editor; use 2.1.0",
        "2.1.0": "",
        "3.0.0-rc.0": "",
        "3.0.0-dev.20240602": "",
    }
    assert found.versions[2].date == dt.datetime(2024, 4, 15, 8, 12, 34, 567000, tzinfo=dt.UTC)


# -- snapshots ---------------------------------------------------------------------------------------


def test_a_snapshot_keeps_npm_and_deprecated_messages(tmp_path: Path) -> None:
    """A state with an npm package is written as schema_version 3, with ``deprecated``, and reads back equal."""
    state = _state(EXT)
    text = dump_snapshot(state)
    assert json.loads(text)["schema_version"] == 3
    assert '"deprecated": "5.0.0 breaks the settings editor; use 5.0.1"' in text
    path = tmp_path / "state.json"
    path.write_text(text, encoding="utf-8")
    assert load_snapshot(path).registries == state.registries


def test_a_snapshot_without_npm_is_still_version_2() -> None:
    """The founding snapshot re-records byte for byte: nothing npm brought is written where it is not used."""
    text = EXAMPLE_STATE.read_text(encoding="utf-8")
    assert dump_snapshot(load_snapshot(EXAMPLE_STATE), about=json.loads(text)["about"]) == text


# -- the plan ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "message"),
    [
        ('npm = "@JupyterLab/git"', "npm names are lower case (did you mean '@jupyterlab/git'?)"),
        ('npm = "jupyterlab/git"', "a scoped name starts with '@' (did you mean '@jupyterlab/git'?)"),
        (
            'npm = "@jupyterlab/git@0.50.0"',
            "the version goes in the release's 'version', not in the name (did you mean",
        ),
        ('npm = "https://www.npmjs.com/package/@jupyterlab/git"', "not its page (did you mean '@jupyterlab/git'?)"),
        ('npm = "_private"', "write @scope/name or name"),
    ],
    ids=["upper-case", "missing-at", "with-version", "a-page-url", "leading-underscore"],
)
def test_validate_explains_a_bad_npm_name(
    published: str, message: str, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """`validate` names published.npm, says what is wrong with the name and which one was meant; exit 2."""
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f'[plan]\nname = "n"\n[repos.ext]\ngithub = "o/ext"\nscheme = "semver"\npublished = {{ {published} }}\n'
        '[releases.ext]\nversion = ">=1.0.0"\n',
        encoding="utf-8",
    )
    run = run_cli("validate", str(plan))
    assert run.code == 2
    assert "repos.ext.published.npm" in run.err
    assert message in " ".join(run.err.split())
    assert "Traceback" not in run.err


@pytest.mark.parametrize("scheme", ["", 'scheme = "pep440"\n'], ids=["default", "pep440"])
def test_validate_requires_semver_for_npm(scheme: str, tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    """A repo read from npm must use scheme = "semver": validate says so and how to fix it, exit 2."""
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f'[plan]\nname = "n"\n[repos.ext]\ngithub = "o/ext"\n{scheme}published = {{ npm = "@jupyterlab/git" }}\n'
        '[releases.ext]\nversion = ">=1.0.0"\n',
        encoding="utf-8",
    )
    run = run_cli("validate", str(plan))
    assert run.code == 2
    text = " ".join(run.err.split())
    assert "repos.ext.scheme" in text
    assert 'npm versions are SemVer (npm refuses any other); add scheme = "semver" to [repos.ext]' in text


def test_an_npm_source_needs_its_package(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    """A `sources` list naming npm without published.npm is refused, naming the key to add."""
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[plan]\nname = "n"\n[repos.ext]\ngithub = "o/ext"\nscheme = "semver"\nsources = ["npm", "tags"]\n'
        '[releases.ext]\nversion = ">=1.0.0"\n',
        encoding="utf-8",
    )
    run = run_cli("validate", str(plan))
    assert run.code == 2
    assert "'npm' needs published.npm (the npm package)" in " ".join(run.err.split())


def test_default_sources_put_published_places_first() -> None:
    """Without `sources`, a repo on PyPI and npm reads pypi, npm, then tags; the request names npm's registry root."""
    plan = parse_plan(
        '[plan]\nname = "n"\n[repos.git]\ngithub = "o/git"\nscheme = "semver"\n'
        'published = { pypi = "jupyterlab-git", npm = "@jupyterlab/git" }\n[releases.git]\nversion = ">=1.0.0"\n'
    )
    assert plan.repo("git").sources == (Source.PYPI, Source.NPM, Source.TAGS)
    registries = request_for(plan, ()).registries
    assert (Source.NPM, "@jupyterlab/git", "https://registry.npmjs.org") in registries


# -- the example, end to end over HTTP ----------------------------------------------------------------

EXAMPLE = ROOT / "config" / "example-jupyterlab-extension.toml"
GIT = "jupyterlab/jupyterlab-git"


def _example_state(*, npm_deprecated: str = "") -> Any:
    """jupyterlab-git around its 0.50.0 release: tags, the PyPI project and the npm package (dates illustrative)."""
    when = {v: dt.datetime(2023, 12, day, tzinfo=dt.UTC) for v, day in (("0.50.0rc0", 1), ("0.50.0", 6))}
    repo = RepoState(GIT, tags=(Tag("v0.41.0", "a" * 40, _day(3, 1)), Tag("v0.50.0", "b" * 40, when["0.50.0"])))
    pypi = Registry(
        Source.PYPI,
        "jupyterlab-git",
        "",
        (
            Published("0.41.0", _day(3, 1)),
            Published("0.50.0rc0", when["0.50.0rc0"]),
            Published("0.50.0", when["0.50.0"]),
        ),
    )
    npm = Registry(
        Source.NPM,
        "@jupyterlab/git",
        "",
        (
            Published("0.41.0", _day(3, 1)),
            Published("0.50.0-rc.0", when["0.50.0rc0"]),
            Published("0.50.0", when["0.50.0"], deprecated=npm_deprecated),
        ),
    )
    base = load_snapshot(EXAMPLE_STATE)
    return dataclasses.replace(
        base,
        taken_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        repos={GIT: repo},
        items={},
        families={},
        registries={registry_key(r.source, r.name): r for r in (pypi, npm)},
    )


def _example_text(fake: FakeRegistries) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace(
        'published = { npm = "@jupyterlab/git" }',
        f'published = {{ npm = "@jupyterlab/git", npm_registry = "{fake.npm_registry}" }}',
    )
    return text.replace(
        'published = { pypi = "jupyterlab-git" }',
        f'published = {{ pypi = "jupyterlab-git", pypi_index = "{fake.pypi_index}" }}',
    )


@pytest.mark.parametrize(
    ("deprecated", "status"), [("", "released"), ("built without the JupyterLab 4 assets", "tagged")]
)
def test_the_example_end_to_end_against_the_fakes(
    deprecated: str, status: str, github_schema: Any, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """`check` on the example over HTTP: the extension is out on npm, or only tagged while its 0.50.0 is deprecated."""
    state = _example_state(npm_deprecated=deprecated)
    with FakeRegistries(state) as registries, FakeGitHub(state, schema=github_schema) as github:
        plan = tmp_path / "plan.toml"
        plan.write_text(_example_text(registries), encoding="utf-8")
        run = run_cli(
            "check", str(plan), "--github-url", github.url, "--format", "json", "--no-cache",
            env={"GH_TOKEN": str(github.token)},
        )  # fmt: skip
    assert github.invalid_queries == []
    assert run.code == 0, run.err  # nothing is held: the plan has no holds
    releases = {r["id"]: r for r in json.loads(run.out)["releases"]}
    assert [r.path for r in registries.requests if r.path.startswith("/npm/")] == ["/npm/@jupyterlab%2Fgit"]
    assert releases["extension"]["status"] == status
    assert releases["python-package"]["released"]["source"] == "pypi"
    if deprecated:
        assert releases["extension"]["released"] is None
        assert f"deprecated: {deprecated}" in run.out
    else:
        assert releases["extension"]["released"]["source"] == "npm"
        assert releases["extension"]["released"]["version"] == "0.50.0"
