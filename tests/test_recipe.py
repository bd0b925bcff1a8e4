"""The feedstock's recipe as a source: the version its recipe reached, read with the plan's files in one query."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from release_gate import FakeStateProvider, ReleaseStatus, check, parse_plan
from release_gate.plan.model import Source
from release_gate.sources.github import GitHubStateProvider
from release_gate.state import RepoState, State, StateRequest, request_for
from release_gate.testing import FakeGitHub, FakeRegistries
from tests.conftest import Run

HUB = "jupyterhub/jupyterhub"
FEEDSTOCK = "conda-forge/jupyterhub-feedstock"
TAKEN = dt.datetime(2018, 9, 1, tzinfo=dt.UTC)
ALL = '["linux-64", "osx-64", "win-64"]'

META_091 = '{% set version = "0.9.1" %}\npackage:\n  name: jupyterhub\n  version: {{ version }}\n'
META_092 = META_091.replace("0.9.1", "0.9.2")
RECIPE_093 = 'context:\n  version: "0.9.3"\npackage:\n  name: jupyterhub\n  version: ${{ version }}\n'
META_JINJA = (
    '{% if unix %}{% set version = "0.9.2" %}{% endif %}\npackage:\n  name: jupyterhub\n  version: {{ version }}\n'
)
RECIPE_UNRENDERED = "package:\n  name: jupyterhub\n  version: ${{ version }}\n"


def _provider(*, conda: bool = True) -> FakeStateProvider:
    """Return jupyterhub on conda-forge: 0.9.1 built everywhere; 0.9.2 built at 2018-08-11 15:30 (unless not)."""
    provider = FakeStateProvider(taken_at=TAKEN).repo(HUB)
    uploads: dict[str, str | dt.datetime] = {
        "linux-64": "2018-07-09T11:02:00Z",
        "osx-64": "2018-07-09T11:20:00Z",
        "win-64": "2018-07-09T11:30:00Z",
    }
    provider.published("conda", "conda-forge/jupyterhub", "0.9.1", "2018-07-09T11:02:00Z", platforms=uploads)
    if conda:
        later: dict[str, str | dt.datetime] = dict.fromkeys(uploads, "2018-08-11T15:30:00Z")
        provider.published("conda", "conda-forge/jupyterhub", "0.9.2", "2018-08-11T15:30:00Z", platforms=later)
    return provider


def _merged(provider: FakeStateProvider) -> FakeStateProvider:
    """Add the autotick bot's 0.9.2, merged into the feedstock's meta.yaml at 2018-08-11 12:00."""
    return provider.file(
        FEEDSTOCK, "recipe/meta.yaml", (META_091, "2018-07-09T10:00:00Z"), (META_092, "2018-08-11T12:00:00Z")
    ).file(FEEDSTOCK, "recipe/recipe.yaml")


def _plan(version: str = ">=0.9.2,<0.9.3", extra: str = "", api: str = "https://api.anaconda.org") -> Any:
    return parse_plan(
        f"""
[plan]
name = "jupyterhub on conda-forge"
[repos.hub]
github = "{HUB}"
[releases.hub-conda]
repo = "hub"
version = "{version}"
published.conda = {{ name = "jupyterhub", platforms = {ALL}, api = "{api}"{extra} }}
"""
    )


def _verdict(provider: FakeStateProvider, as_of: str | None = None, plan: Any = None) -> Any:
    moment = dt.datetime.fromisoformat(as_of) if as_of else None
    return check(plan or _plan(), provider, as_of=moment).release("hub-conda")


# -- the plan -----------------------------------------------------------------------------------------


def test_the_recipe_follows_conda_by_default_and_its_files_are_requested() -> None:
    """A conda-forge package reads conda, recipe, tags; the request names both recipe paths of the feedstock."""
    plan = _plan()
    repo = plan.packaging(plan.release("hub-conda"))
    assert repo.sources == (Source.CONDA, Source.RECIPE, Source.TAGS)
    assert repo.conda is not None
    assert repo.conda.feedstock == FEEDSTOCK
    request = request_for(plan, ())
    assert (FEEDSTOCK, "recipe/recipe.yaml") in request.files
    assert (FEEDSTOCK, "recipe/meta.yaml") in request.files
    assert FEEDSTOCK not in request.repos  # its tags are not read: only its recipe


def test_another_channel_has_no_feedstock_and_no_recipe_source() -> None:
    """On a channel other than conda-forge no feedstock is known: the recipe source is not in the defaults."""
    plan = _plan(extra=', channel = "my-channel"')
    repo = plan.packaging(plan.release("hub-conda"))
    assert repo.sources == (Source.CONDA, Source.TAGS)
    assert request_for(plan, ()).files == ()


@pytest.mark.parametrize(
    ("published", "sources", "message"),
    [
        ('{ name = "x", channel = "mine" }', '["conda", "recipe"]', "'recipe' needs published.conda.feedstock"),
        ('{ name = "x", feedstock = "x-feedstock" }', "", "is not OWNER/NAME"),
        ('{ name = "x", recipe = [] }', "", "is empty; list the recipe's path"),
        ('{ name = "x", recipe = ["../meta.yaml"] }', "", "is not a path inside the feedstock"),
        ('{ name = "x", feedstok = "o/x" }', "", "did you mean 'feedstock'"),
    ],
    ids=["no-feedstock", "not-a-slug", "no-paths", "path-outside", "typo"],
)
def test_validate_explains_a_bad_feedstock(
    published: str, sources: str, message: str, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """`validate` names the published.conda key and what is wrong with the feedstock; exit 2, no traceback."""
    listed = f"sources = {sources}\n" if sources else ""
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f'[plan]\nname = "c"\n[repos.x]\ngithub = "o/x"\n{listed}published.conda = {published}\n'
        '[releases.x]\nversion = ">=1.0"\n',
        encoding="utf-8",
    )
    run = run_cli("validate", str(plan))
    assert run.code == 2
    assert message in " ".join(run.err.split())
    assert "Traceback" not in run.err


# -- the verdict --------------------------------------------------------------------------------------


def test_a_recipe_ahead_of_conda_makes_the_release_tagged() -> None:
    """0.9.2 merged into the recipe but not built: tagged, since the merge, waiting for the feedstock's build."""
    verdict = _verdict(_merged(_provider(conda=False)))
    assert verdict.status is ReleaseStatus.TAGGED
    reason = verdict.reasons[0]
    assert reason.detail == (
        f"the feedstock's recipe ({FEEDSTOCK}) has 0.9.2 (since 2018-08-11 12:00 UTC), not yet on conda-forge"
    )
    assert reason.action == f"wait for (or restart) the build of {FEEDSTOCK}"


def test_a_recipe_that_has_not_reached_the_version_leaves_it_unblocked() -> None:
    """A recipe still at 0.9.1 says nothing: the release can be cut (the feedstock's PR is still to merge)."""
    provider = _provider(conda=False).file(FEEDSTOCK, "recipe/meta.yaml", (META_091, "2018-07-09T10:00:00Z"))
    assert _verdict(provider.file(FEEDSTOCK, "recipe/recipe.yaml")).status is ReleaseStatus.UNBLOCKED


def test_built_on_conda_is_released_whatever_the_recipe() -> None:
    """The conda source decides: once built on every platform the release is out, whatever the recipe says."""
    verdict = _verdict(_merged(_provider()))
    assert verdict.status is ReleaseStatus.RELEASED
    assert (verdict.released.version, verdict.released.source) == ("0.9.2", Source.CONDA)


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        ("2018-08-11T11:00:00+00:00", ReleaseStatus.UNBLOCKED),
        ("2018-08-11T13:00:00+00:00", ReleaseStatus.TAGGED),
        ("2018-08-11T16:00:00+00:00", ReleaseStatus.RELEASED),
    ],
    ids=["before-the-merge", "merged-not-built", "built"],
)
def test_as_of_reads_the_recipe_of_the_moment(as_of: str, status: ReleaseStatus) -> None:
    """`--as-of` reads the recipe as it was then: before the merge unblocked, after it tagged, once built released."""
    assert _verdict(_merged(_provider()), as_of).status is status


def test_a_moved_recipe_is_read_where_it_is_at_each_moment() -> None:
    """meta.yaml until the move, recipe.yaml after it: each moment reads the one that existed then."""
    provider = (
        _provider(conda=False)
        .file(FEEDSTOCK, "recipe/meta.yaml", (META_092, "2018-08-11T12:00:00Z"), (None, "2018-08-20T00:00:00Z"))
        .file(FEEDSTOCK, "recipe/recipe.yaml", (RECIPE_093, "2018-08-20T00:00:00Z"))
    )
    plan = _plan(">=0.9.3")
    before = _verdict(provider, "2018-08-15T00:00:00+00:00", plan)
    after = _verdict(provider, None, plan)
    assert before.status is ReleaseStatus.UNBLOCKED
    assert after.status is ReleaseStatus.TAGGED
    assert "has 0.9.3 (since 2018-08-20 00:00 UTC)" in after.reasons[0].detail


def test_with_both_recipes_recipe_yaml_wins() -> None:
    """Where both files exist, recipe.yaml counts (as conda-smithy reads it), not meta.yaml."""
    provider = (
        _provider(conda=False)
        .file(FEEDSTOCK, "recipe/meta.yaml", (META_092, "2018-08-11T12:00:00Z"))
        .file(FEEDSTOCK, "recipe/recipe.yaml", (RECIPE_093, "2018-08-12T00:00:00Z"))
    )
    assert _verdict(provider).status is ReleaseStatus.UNBLOCKED  # 0.9.3 does not satisfy <0.9.3
    assert _verdict(provider, plan=_plan(">=0.9.3")).status is ReleaseStatus.TAGGED


def _recipe_unknown(provider: FakeStateProvider) -> str:
    """Return why the recipe source, made the deciding one, is unknown."""
    plan = _plan(extra="")
    plan = dataclasses.replace(
        plan, releases=tuple(dataclasses.replace(r, decided_by=Source.RECIPE) for r in plan.releases)
    )
    verdict = check(plan, provider).release("hub-conda")
    assert verdict.status is ReleaseStatus.UNKNOWN
    return " ".join(verdict.reasons[0].detail.split())


@pytest.mark.parametrize(
    ("recipe", "why"),
    [
        (META_JINJA, "Jinja that is not a plain"),
        (RECIPE_UNRENDERED, "its version is not a plain string"),
    ],
    ids=["jinja", "unrendered"],
)
def test_a_recipe_whose_version_cannot_be_read_is_unknown(recipe: str, why: str) -> None:
    """Jinja beyond plain sets, or a `${{ }}` left in the version: the recipe's version is unknown, never guessed."""
    path = "recipe/meta.yaml" if "{%" in recipe else "recipe/recipe.yaml"
    provider = _provider(conda=False).file(FEEDSTOCK, path, (recipe, "2018-08-11T12:00:00Z"))
    other = "recipe/recipe.yaml" if path.endswith("meta.yaml") else "recipe/meta.yaml"
    assert why in _recipe_unknown(provider.file(FEEDSTOCK, other))


def test_no_recipe_file_is_unknown_naming_both_paths() -> None:
    """A feedstock with neither recipe file is unknown, naming both paths and the key to fix."""
    provider = _provider(conda=False).file(FEEDSTOCK, "recipe/meta.yaml").file(FEEDSTOCK, "recipe/recipe.yaml")
    why = _recipe_unknown(provider)
    assert "has no recipe at recipe/recipe.yaml or recipe/meta.yaml" in why
    assert "published.conda.recipe" in why


def test_a_missing_feedstock_is_unknown_naming_the_key() -> None:
    """A feedstock that is not in the state is unknown, naming published.conda.feedstock."""
    assert "check published.conda.feedstock" in _recipe_unknown(_provider(conda=False))


# -- over HTTP ----------------------------------------------------------------------------------------


def _state(provider: FakeStateProvider) -> State:
    return provider.fetch(StateRequest((), ()))


@pytest.mark.parametrize("token", [True, False], ids=["graphql", "rest-no-token"])
def test_the_recipe_is_read_with_the_plan_in_one_query(token: bool, github_schema: Any) -> None:
    """GraphQL reads the recipes in the plan's one query (valid against GitHub's schema); REST reads them too."""
    state = _state(_merged(_provider(conda=False)))
    with FakeGitHub(state, schema=github_schema) as github:
        provider = GitHubStateProvider(token=str(github.token) if token else None, base_url=github.url)
        read = provider.fetch(request_for(_plan(), (), as_of=dt.datetime(2018, 8, 11, 13, tzinfo=dt.UTC)))
    assert github.invalid_queries == []
    if token:
        assert len(github.graphql_requests) == 1
        assert len(github.requests) == 1
    else:
        assert github.graphql_requests == []
    feedstock = read.repo(FEEDSTOCK)
    assert isinstance(feedstock, RepoState)
    meta = feedstock.file("recipe/meta.yaml", dt.datetime(2018, 8, 11, 13, tzinfo=dt.UTC))
    assert getattr(meta, "text", None) == META_092
    assert getattr(feedstock.file("recipe/recipe.yaml", dt.datetime(2018, 8, 11, 13, tzinfo=dt.UTC)), "text", 1) is None


@pytest.mark.parametrize("token", [True, False], ids=["graphql", "rest-no-token"])
def test_a_missing_feedstock_over_http_is_unknown(token: bool, github_schema: Any) -> None:
    """GitHub's NOT_FOUND for the feedstock makes its recipe files unknown (not absent), with or without a token."""
    state = _state(_provider(conda=False))
    with FakeGitHub(state, schema=github_schema) as github:
        provider = GitHubStateProvider(token=str(github.token) if token else None, base_url=github.url)
        read = provider.fetch(request_for(_plan(), ()))
    assert github.invalid_queries == []
    feedstock = read.repo(FEEDSTOCK)
    assert isinstance(feedstock, RepoState)
    found = feedstock.file("recipe/meta.yaml", TAKEN)
    assert "not found" in getattr(found, "reason", "")


@pytest.mark.parametrize(
    ("as_of", "code", "status"),
    [("2018-08-11T13:00:00Z", 0, "tagged"), (None, 0, "released")],
    ids=["merged-not-built", "built"],
)
def test_check_end_to_end_against_the_fakes(  # noqa: PLR0917 - fixtures, parameters
    as_of: str | None, code: int, status: str, github_schema: Any, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """`check` over HTTP: merged into the recipe but not built is tagged with the feedstock's build to wait for."""
    state = _state(_merged(_provider()))
    with FakeRegistries(state) as registries, FakeGitHub(state, schema=github_schema) as github:
        plan = tmp_path / "plan.toml"
        plan.write_text(
            f'[plan]\nname = "c"\n[repos.hub]\ngithub = "{HUB}"\n[releases.hub-conda]\nrepo = "hub"\n'
            'version = ">=0.9.2,<0.9.3"\n'
            f'published.conda = {{ name = "jupyterhub", platforms = {ALL}, api = "{registries.conda_api}" }}\n',
            encoding="utf-8",
        )
        moment = ("--as-of", as_of) if as_of else ()
        env = {"GH_TOKEN": str(github.token)}
        run = run_cli(
            "check", str(plan), *moment, "--github-url", github.url, "--format", "json", "--no-cache", env=env
        )
        text = run_cli("explain", "hub-conda", str(plan), *moment, "--github-url", github.url, "--no-cache", env=env)
    assert github.invalid_queries == []
    assert len(github.graphql_requests) == 2  # one a run: the recipe came with the plan's query
    assert run.code == code, run.err
    assert json.loads(run.out)["releases"][0]["status"] == status
    if status == "tagged":
        assert f"wait for (or restart) the build of {FEEDSTOCK}" in run.out  # the reason's action
        assert "has 0.9.2 (since 2018-08-11 12:00 UTC), not yet on conda-forge" in " ".join(text.out.split())
