"""The fail-open cases of issue 12, run end to end: each must give the true verdict, or unknown.

Each case once let a blocked release or a held PR through. Here each runs the real command
in-process (``release-gate check``, or ``release-gate gate``) against the fakes over HTTP,
records what release-gate answers, and checks it is the truth or unknown, never more
permissive. The last test checks that the table in docs/reliability.md is what this run
found (``--update-goldens`` rewrites it), as tests/test_reliability.py does for the faults.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from release_gate.state import Published, Registry, RepoState, Tag
from release_gate.testing import FakeGitHub, FakeRegistries
from tests.conftest import KS, ROOT, SHA_205, Repo, Run, check_section, pr_payload
from tests.test_gate import GATEWAY, _override_then_remove_it
from tests.test_github import TAGS_ONLY, _z2jh_with_a_described_part
from tests.test_pins import _state_of_0819
from tests.test_registries import DEV_BUILD

DOC = ROOT / "docs" / "reliability.md"
MEETING = "2018-08-09T18:00:00Z"
ANSWERS = {0: "clear", 1: "blocked or held", 3: "unknown"}
CASES: dict[str, tuple[str, str, str, str]] = {}
"""Case -> (what is asked, what release-gate answered before issue 12, what it answers now, the truth)."""


def _answer(run: Run) -> str:
    assert "Traceback" not in run.err
    return f"{ANSWERS[run.code]}, exit {run.code}"


def _live(plan: Path, github: FakeGitHub, *args: str) -> tuple[str, ...]:
    return (str(plan), "--github-url", github.url, "--no-cache", "-q", *args)


def test_pins_as_of_a_moment(github_schema: Any, tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    """Pins as of 07:50, before the hub image's pin moved at 08:00: the chart is blocked, not unblocked."""
    state = _state_of_0819()
    with FakeRegistries(state) as registries, FakeGitHub(state, schema=github_schema) as github:
        plan = tmp_path / "plan.toml"
        plan.write_text(registries.example_plan(), encoding="utf-8")
        args = _live(plan, github, "--as-of", "2018-08-19T07:50:00Z", "--release", "chart")
        run = run_cli("check", *args, env={"GH_TOKEN": str(github.token)})
    assert run.code == 1, run.out + run.err
    assert "pins jupyterhub-kubespawner from git 7ae9900" in run.text
    CASES["pin files as of a moment: GitHub read at 2018-08-19 09:00; the hub image pinned the beta at 08:00"] = (
        "`check --as-of 2018-08-19T07:50Z --release chart`",
        "unblocked, exit 0 (today's pin file)",
        _answer(run),
        "blocked: at 07:50 it still installed kubespawner from git",
    )


def test_a_whole_looking_but_cut_index(
    fake_github: FakeGitHub, fake_registries: FakeRegistries, live_plan: Path, run_cli: Callable[..., Run]
) -> None:
    """A Helm index cut in a dev build's version, Content-Length matching: unknown, z2jh#758 never clear."""
    fake_registries.extra_entries["jupyterhub"] = [DEV_BUILD]
    fake_registries.cut_index = "version: 0.7.0"
    args = _live(live_plan, fake_github, "--as-of", MEETING, "--pr", "z2jh#758")
    run = run_cli("check", *args, env={"GH_TOKEN": str(fake_github.token)})
    assert run.code == 3, run.out + run.err
    CASES["a Helm index cut inside its last entry, with a matching Content-Length (0.7.0-15e87d6 reads 0.7.0)"] = (
        "`check --pr z2jh#758`",
        "clear, exit 0: a gate posts `success`",
        _answer(run),
        "held: the chart is not released",
    )


def test_an_incomplete_search(github_schema: Any, tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    """A search that withholds z2jh#842 (a part named in its description only): unknown, not free."""
    state, bodies = _z2jh_with_a_described_part()
    plan = tmp_path / "plan.toml"
    plan.write_text(TAGS_ONLY, encoding="utf-8")
    with FakeGitHub(state, schema=github_schema, bodies=bodies) as github:
        github.search_misses = 1
        run = run_cli("check", *_live(plan, github, "--pr", "z2jh#842"), env={"GH_TOKEN": str(github.token)})
    assert run.code == 3, run.out + run.err
    CASES["a search with incomplete results: z2jh#842, a part of z2jh#758 by its description, withheld"] = (
        "`check --pr z2jh#842`",
        "clear, exit 0 (not held by the plan)",
        _answer(run),
        "held: it is a part of z2jh#758",
    )


def test_a_stale_override(repo: Repo) -> None:
    """An override success, the label removed, then the PR unreadable (a persistent 502): success becomes error."""
    _override_then_remove_it(repo)
    repo.github.rest_answers["GET", f"/repos/{KS}/issues/205"] = GATEWAY
    run = repo.gate("pull_request_target", pr_payload(205, SHA_205))
    assert run.code == 3, run.err
    states = [state for state, _ in repo.statuses(SHA_205)]
    assert states[-2:] == ["success", "error"]
    CASES["a stale override: `success` posted, the label removed, then the PR unreadable (persistent 502)"] = (
        "`gate` on `pull_request_target`",
        "nothing posted: `success` stays, exit 3",
        f"`{states[-1]}` replaces `success`, exit {run.code}",
        "held (`pending`)",
    )


def test_a_tampered_cache(
    fake_github: FakeGitHub,
    fake_registries: FakeRegistries,
    live_plan: Path,
    run_cli: Callable[..., Run],
    tmp_path: Path,
) -> None:
    """A kept Helm index edited on disk to list the chart is not believed: z2jh#758 stays held."""
    folder = tmp_path / "answers"
    args = _live(live_plan, fake_github, "--as-of", MEETING, "--pr", "z2jh#758")
    args = (*(a for a in args if a != "--no-cache"), "--cache-dir", str(folder))
    env = {"GH_TOKEN": str(fake_github.token)}
    assert run_cli("check", *args, env=env).code == 1
    url = fake_registries.helm_index("jupyterhub")
    keys = {p: json.loads(p.read_text(encoding="utf-8"))["key"] for p in folder.glob("*.json")}
    (path,) = [p for p, key in keys.items() if key.startswith(f"{url} ")]  # the URL, and the Accept it was asked with
    entry = json.loads(path.read_text(encoding="utf-8"))
    index = yaml.safe_load(base64.b64decode(entry["body"]))
    index["entries"]["jupyterhub"].append(
        {"apiVersion": "v1", "name": "jupyterhub", "version": "0.7.0", "created": "2018-08-08T00:00:00Z"}
    )
    entry["body"] = base64.b64encode(yaml.safe_dump(index).encode()).decode()
    path.write_text(json.dumps(entry), encoding="utf-8")
    run = run_cli("check", *args, env=env)
    assert run.code == 1, run.out + run.err
    CASES["a tampered cache: the kept Helm index edited on disk to list chart 0.7.0"] = (
        "`check --pr z2jh#758 --cache-dir DIR`",
        "clear, exit 0 (the edit believed)",
        _answer(run),
        "held: the chart is not released",
    )


def _without_version(version: str) -> Callable[[dict[str, Any]], Any]:
    """Return an edit of jupyterhub's Simple API page that drops *version* from ``versions`` (its files stay)."""

    def edit(document: dict[str, Any]) -> Any:
        if document["name"] == "jupyterhub":
            document["versions"].remove(version)
        return document

    return edit


def test_contradictory_sources(
    fake_github: FakeGitHub, fake_registries: FakeRegistries, live_plan: Path, run_cli: Callable[..., Run]
) -> None:
    """A mirror's Simple API page with jupyterhub 0.9.2's files but no 0.9.2 in its versions: unknown."""
    when = dt.datetime(2018, 8, 9, 12, tzinfo=dt.UTC)
    state = fake_registries.state
    hub, repo = state.registries["pypi:jupyterhub"], state.repos["jupyterhub/jupyterhub"]
    assert isinstance(hub, Registry)
    assert isinstance(repo, RepoState)
    hub = dataclasses.replace(hub, versions=(*hub.versions, Published("0.9.2", when, files=2)))
    repo = dataclasses.replace(repo, tags=(*repo.tags, Tag("0.9.2", "9" * 40, when)))
    fake_github.state = fake_registries.state = dataclasses.replace(
        state,
        registries={**state.registries, "pypi:jupyterhub": hub},
        repos={**state.repos, "jupyterhub/jupyterhub": repo},
    )
    args = _live(live_plan, fake_github, "--as-of", MEETING, "--release", "jupyterhub")
    whole = run_cli("check", *args, "--format", "json", env={"GH_TOKEN": str(fake_github.token)})
    assert next(r for r in json.loads(whole.out)["releases"] if r["id"] == "jupyterhub")["status"] == "released"
    fake_registries.edit_simple = _without_version("0.9.2")
    run = run_cli("check", *args, env={"GH_TOKEN": str(fake_github.token)})
    assert run.code == 3, run.out + run.err
    assert "its JSON API has files of 0.9.2, which its Simple API does not list" in run.text
    CASES[
        "contradictory sources: a mirror's Simple API page has jupyterhub 0.9.2's files but no 0.9.2 in `versions` "
        "(issue 12's case was a mirror's 404 for the per-version document, which release-gate no longer reads)"
    ] = (
        "`check --release jupyterhub`",
        "tagged, not on PyPI yet: exit 0",
        _answer(run),
        "released (its files), or not (its version list): the page disagrees with itself",
    )


START, END = "<!-- fail-open-cases:start (written by tests/test_fail_closed.py) -->", "<!-- fail-open-cases:end -->"


def render_table() -> str:
    """Return the Markdown table of the cases this run found."""
    lines = ["| case | asked | before | now (this run) | the truth |", "|---|---|---|---|---|"]
    lines += [
        f"| {case} | {asked} | {before} | {now} | {truth} |" for case, (asked, before, now, truth) in CASES.items()
    ]
    return "\n".join(lines)


def test_the_table_in_the_docs_is_what_this_run_found(request: pytest.FixtureRequest) -> None:
    """docs/reliability.md shows exactly the cases above (rewritten with --update-goldens)."""
    if len(CASES) < 6:
        pytest.skip("run the whole module to check the table")
    check_section(request, DOC, (START, END), render_table())
