"""The example plans in config/ and the pre-commit hook that validates plan files."""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml

from release_gate import (
    Answer,
    Evaluation,
    FakeStateProvider,
    HoldStatus,
    ReleaseStatus,
    SnapshotStateProvider,
    check,
    load_plan,
)
from tests.test_spec import _jsonable

ROOT = Path(__file__).resolve().parent.parent
PLANS = sorted((ROOT / "config").glob("*.toml"))
HOOKS = ROOT / ".pre-commit-hooks.yaml"
TAKEN = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _hook() -> dict[str, Any]:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    (hook,) = (entry for entry in hooks if entry["id"] == "release-gate-validate")
    assert isinstance(hook, dict)
    return hook


@pytest.fixture(params=PLANS, ids=[path.name for path in PLANS])
def plan_path(request: pytest.FixtureRequest) -> Path:
    """Each plan file in config/."""
    path: Path = request.param
    return path


def test_config_holds_the_examples() -> None:
    """The glob finds the founding plan and the examples, so the parametrized tests run."""
    names = {path.name for path in PLANS}
    assert {
        "jupyterhub-2018.toml",
        "jupyterhub-2018-conda-images.toml",
        "example-single-repo.toml",
        "example-monorepo.toml",
        "example-pypi-helm.toml",
    } <= names


def test_example_validates_with_the_cli(plan_path: Path, run_cli: Callable[..., Any]) -> None:
    """`release-gate validate PLAN` accepts the plan: exit 0, an ok line, nothing on stderr."""
    run = run_cli("validate", str(plan_path))
    assert (run.code, run.err) == (0, "")
    assert run.out.startswith(f"{plan_path}: ok: ")


def test_example_matches_the_shipped_schema(plan_path: Path) -> None:
    """The plan is valid against release_gate/plan/plan.schema.json (JSON Schema draft 2020-12)."""
    schema = json.loads((resources.files("release_gate.plan") / "plan.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    with plan_path.open("rb") as handle:
        plan = _jsonable(tomllib.load(handle))
    assert [error.message for error in validator.iter_errors(plan)] == []


def test_example_evaluates_against_an_empty_state(plan_path: Path) -> None:
    """Against a state that knows nothing, the plan evaluates to a whole Evaluation that fails closed."""
    plan = load_plan(plan_path)
    evaluation = check(plan, FakeStateProvider(taken_at=TAKEN, source="empty fake"))
    assert isinstance(evaluation, Evaluation)
    assert [verdict.id for verdict in evaluation.releases] == [release.id for release in plan.releases]
    assert [verdict.id for verdict in evaluation.holds] == [hold.id for hold in plan.holds]
    assert {verdict.status for verdict in evaluation.releases} == {ReleaseStatus.UNKNOWN}
    assert {verdict.status for verdict in evaluation.holds} <= {HoldStatus.UNKNOWN}
    assert evaluation.answer() is Answer.UNKNOWN


def test_example_comments_explain_it(plan_path: Path) -> None:
    """Every plan explains itself in comments before its [plan] table."""
    head = plan_path.read_text(encoding="utf-8").partition("\n[plan]\n")[0]
    assert any(line.startswith("# ") and len(line) > 20 for line in head.splitlines())


# -- the pre-commit hook ------------------------------------------------------------------------


def test_hook_has_the_keys_pre_commit_requires() -> None:
    """The hook declares id, name, entry and language (pre-commit's required keys), language python."""
    hook = _hook()
    assert {"id", "name", "entry", "language"} <= hook.keys()
    assert all(isinstance(hook[key], str) and hook[key] for key in ("id", "name", "entry", "language"))
    assert hook["language"] == "python"


def test_hook_entry_runs_the_console_script() -> None:
    """The entry is `release-gate validate`, with the console script named in pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        scripts = tomllib.load(handle)["project"]["scripts"]
    command, *args = shlex.split(_hook()["entry"])
    assert command in scripts
    assert scripts[command] == "release_gate.cli:entrypoint"
    assert args == ["validate"]


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        (".github/release-plan.toml", True),  # where the merge gate reads its plan
        ("release-plan.toml", True),
        ("plans/2024-03.plan.toml", True),
        ("examplelib-2.0.plan.toml", True),
        ("pyproject.toml", False),
        ("config/jupyterhub-2018.toml", False),  # named otherwise: set `files:` in the config
        ("my-release-plan.toml", False),
        ("release-plan.toml.bak", False),
        ("docs/release-plan.md", False),
        (".plan.toml", False),
    ],
)
def test_hook_files_pattern(path: str, matches: bool) -> None:
    """The hook's `files` regex (searched, as pre-commit does) picks plan files and nothing else."""
    assert (re.search(_hook()["files"], path) is not None) is matches


def test_the_built_in_history_agrees_with_the_meeting_record() -> None:
    """The built-in state (August 2018) gives, as of the meeting, exactly the verdicts of the meeting's own record."""
    plan = ROOT / "config" / "jupyterhub-2018.toml"
    meeting = check(plan, SnapshotStateProvider(ROOT / "config" / "jupyterhub-2018-08-09.state.json"))
    history = check(plan, SnapshotStateProvider(ROOT / "config" / "jupyterhub-2018.state.json"))
    assert history.as_of == meeting.as_of == meeting.taken_at
    assert history.taken_at > meeting.taken_at
    assert [(r.id, r.status, r.reasons) for r in history.releases] == [
        (r.id, r.status, r.reasons) for r in meeting.releases
    ]
    assert [(h.id, h.status, h.prs) for h in history.holds] == [(h.id, h.status, h.prs) for h in meeting.holds]
    assert history.actions == meeting.actions
