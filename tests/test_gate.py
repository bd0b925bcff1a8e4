"""The merge gate, run as GitHub Actions runs it: real event files and environment, the fake GitHub and registries."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest

from release_gate.actions import annotation_lines, escape_data, outputs
from release_gate.gate import Decision, EventKind, StatusState, parse_event, shorten
from release_gate.model import ItemRef
from release_gate.state import PullRequest
from release_gate.testing import Fault
from tests.conftest import KS, PLAN_PATH, REPOSITORY, SHA_205, Repo, plan_text_for, pr_payload


def test_held_pr_gets_pending_naming_its_release(repo: Repo) -> None:
    """A held PR's head gets a pending status naming the release it waits for, linked to the run."""
    result = repo.gate("pull_request_target", pr_payload(205, SHA_205))
    assert result.code == 0, result.err
    assert repo.statuses(SHA_205) == [("pending", "waits for kubespawner >=0.9.0b1 to be released")]
    assert repo.github.statuses[0].target_url == "https://github.example/jupyterhub/kubespawner/actions/runs/4242"
    assert repo.github.statuses[0].context == "release-gate"
    assert "::warning title=release-gate%3A kubespawner#205::" in result.out
    output = (repo.folder / "output.txt").read_text(encoding="utf-8")
    assert output.startswith("verdict=held\nheld=kubespawner#205\nreport<<release-gate-")
    summary = (repo.folder / "summary.md").read_text(encoding="utf-8")
    assert "| kubespawner#205 | **pending** |" in summary
    assert "### JupyterHub: release before JupyterCon 2018" in summary


def test_pr_not_in_the_plan_gets_success(repo: Repo) -> None:
    """Every PR gets a status: one the plan does not hold gets success, or a required context would block it."""
    result = repo.gate("pull_request_target", pr_payload(230, "3" * 40))
    assert result.code == 0, result.err
    assert repo.statuses("3" * 40) == [("success", "not held by the plan")]


def test_sweep_flips_held_to_success_once_the_release_is_out(repo: Repo) -> None:
    """A scheduled sweep after kubespawner 0.9.0b1 lands flips #205 to success; a second sweep posts nothing."""
    assert repo.gate("schedule", {}).code == 0
    assert repo.statuses(SHA_205) == [("pending", "waits for kubespawner >=0.9.0b1 to be released")]
    repo.release_kubespawner()
    assert repo.gate("schedule", {}).code == 0
    assert repo.statuses(SHA_205)[-1] == ("success", "free: every release it waited for is out")
    posted = len(repo.github.statuses)
    assert (
        repo.gate("workflow_dispatch", {"inputs": {}, "ref": "refs/heads/master", "repository": REPOSITORY}).code == 0
    )
    dispatch = {
        "action": "release-gate-recheck",
        "client_payload": {"release": "kubespawner"},
        "repository": REPOSITORY,
    }
    assert repo.gate("repository_dispatch", dispatch).code == 0
    assert len(repo.github.statuses) == posted  # nothing changed: nothing posted


def test_merge_queue_never_sees_pending(repo: Repo) -> None:
    """In a merge group a held PR gets failure on the merge group's commit, never pending."""
    group = {
        "action": "checks_requested",
        "merge_group": {
            "head_sha": "9" * 40,
            "head_ref": f"refs/heads/gh-readonly-queue/master/pr-205-{'8' * 40}",
            "base_sha": "8" * 40,
            "base_ref": "refs/heads/master",
        },
        "repository": REPOSITORY,
    }
    assert repo.gate("merge_group", group).code == 0
    assert repo.statuses("9" * 40) == [("failure", "waits for kubespawner >=0.9.0b1 to be released")]
    repo.release_kubespawner()
    assert repo.gate("merge_group", group).code == 0
    assert repo.statuses("9" * 40)[-1][0] == "success"
    assert all(state != "pending" for state, _ in repo.statuses("9" * 40))


def _label(repo: Repo, who: str, permission: str) -> None:
    ref = ItemRef(KS, 205)
    pr = repo.github.world.items[ref.key]
    assert isinstance(pr, PullRequest)
    items = dict(repo.github.world.items)
    items[ref.key] = dataclasses.replace(pr, labels=("release-gate/override",))
    repo.github.world = dataclasses.replace(repo.github.world, items=items)
    repo.github.label_events[(KS, 205)] = [("release-gate/override", who, dt.datetime(2018, 8, 9, 17, tzinfo=dt.UTC))]
    repo.github.permissions[who] = permission


def test_override_by_someone_without_write_is_ignored(repo: Repo) -> None:
    """An override label added by a user with read permission changes nothing, and the report says why."""
    _label(repo, "passerby", "read")
    result = repo.gate("pull_request_target", pr_payload(205, SHA_205))
    assert repo.statuses(SHA_205) == [("pending", "waits for kubespawner >=0.9.0b1 to be released")]
    assert "the release-gate/override label by @passerby is ignored (read permission, not write)" in result.out


def test_override_by_a_maintainer_frees_the_pr_and_names_them(repo: Repo) -> None:
    """An override label added by a maintainer frees the PR; the status names who and when."""
    _label(repo, "minrk", "admin")
    assert repo.gate("pull_request_target", pr_payload(205, SHA_205)).code == 0
    (state, description) = repo.statuses(SHA_205)[-1]
    assert state == "success"
    assert description.startswith("overridden by @minrk 2018-08-09 17:00 UTC; was waiting for kubespawner >=0.9.0b1")


def test_a_plan_edited_in_the_pr_changes_nothing(repo: Repo) -> None:
    """The plan is read from the default branch: a PR whose branch drops its own hold stays held."""
    freed = plan_text_for(repo.registries).replace('prs = ["kubespawner#205"]', 'prs = ["kubespawner#9999"]')
    repo.github.branch_files["consideRatio:big-pr"] = {PLAN_PATH: freed}
    repo.gate("pull_request_target", pr_payload(205, SHA_205))
    assert repo.statuses(SHA_205) == [("pending", "waits for kubespawner >=0.9.0b1 to be released")]
    reads = [r for r in repo.github.requests if r.path.endswith(PLAN_PATH)]
    assert [r.query for r in reads] == ["ref=master"]


def test_check_mode_fails_the_job_and_posts_nothing(repo: Repo) -> None:
    """--mode check exits 1 while the PR is held and posts no status; 0 once it is free."""
    assert repo.gate("pull_request", pr_payload(205, SHA_205), "--mode", "check").code == 1
    assert repo.github.statuses == []
    repo.release_kubespawner()
    assert repo.gate("pull_request", pr_payload(205, SHA_205), "--mode", "check").code == 0


def test_state_unavailable_posts_error_and_exits_3(repo: Repo) -> None:
    """When GitHub's GraphQL keeps failing, the PR gets an error status (fail closed) and the gate exits 3."""
    repo.github.inject(Fault.SERVER_ERROR, times=None, where="graphql")
    result = repo.gate("pull_request_target", pr_payload(205, SHA_205), "--timeout", "2")
    assert result.code == 3
    assert repo.statuses(SHA_205) == [("error", "release-gate: the state could not be read")]
    assert "release-gate: error: GitHub" in result.err
    assert (repo.folder / "output.txt").read_text(encoding="utf-8").startswith("verdict=error\n")


def test_token_without_statuses_write_is_exit_3_with_a_hint(repo: Repo) -> None:
    """A token that may not post statuses ends in exit 3 saying which permission is missing."""
    repo.github.forbid_statuses = True
    result = repo.gate("pull_request_target", pr_payload(205, SHA_205))
    assert result.code == 3
    assert "statuses: write" in result.err
    assert "Traceback" not in result.err


def test_pr_that_does_not_exist_is_exit_3(repo: Repo) -> None:
    """An event naming a PR that does not exist is exit 3 with a message, and no status is posted."""
    result = repo.gate("pull_request_target", pr_payload(99999, "4" * 40))
    assert result.code == 3
    assert "#99999" in result.err
    assert repo.github.statuses == []


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        (lambda folder: {"GITHUB_EVENT_PATH": str(folder / "missing.json")}, "GITHUB_EVENT_PATH: cannot read"),
        (lambda _: {"GITHUB_EVENT_NAME": "issue_comment"}, "does not handle 'issue_comment' events"),
        (lambda _: {"GITHUB_REPOSITORY": ""}, "GITHUB_REPOSITORY: is not set"),
    ],
    ids=["missing-event-file", "unhandled-event", "no-repository"],
)
def test_bad_event_is_exit_2(repo: Repo, setup: Callable[[Path], dict[str, str]], needle: str) -> None:
    """A missing event file, an event kind the gate does not handle or a missing variable: exit 2, one message."""
    result = repo.gate("pull_request_target", pr_payload(205, SHA_205), env=setup(repo.folder))
    assert result.code == 2
    assert needle in result.err
    assert "Traceback" not in result.err
    assert repo.github.statuses == []


def test_untrusted_titles_cannot_inject_workflow_commands() -> None:
    """A newline in untrusted text is escaped, so it cannot start a workflow command of its own."""
    decision = Decision(
        ItemRef(KS, 1), "kubespawner#1", StatusState.PENDING, "x", held=True, detail="a\n::error::pwned"
    )
    (line,) = annotation_lines([decision])
    assert "\n" not in line
    assert line.endswith("a%0A::error::pwned")
    assert escape_data("100%") == "100%25"


def test_outputs_use_a_delimiter_the_report_cannot_close() -> None:
    """The multi-line report output ends with its own random delimiter."""
    text = outputs("held", ["kubespawner#205"], "EOF\nline")
    delimiter = text.split("report<<", 1)[1].split("\n", 1)[0]
    assert delimiter.startswith("release-gate-")
    assert text.endswith(f"EOF\nline\n{delimiter}\n")


@pytest.mark.parametrize(
    ("name", "payload", "kind", "number"),
    [
        ("pull_request_target", pr_payload(7, "a" * 40), EventKind.PULL_REQUEST, 7),
        ("pull_request", pr_payload(8, "b" * 40), EventKind.PULL_REQUEST, 8),
        (
            "merge_group",
            {"merge_group": {"head_sha": "c" * 40, "head_ref": "refs/heads/gh-readonly-queue/main/pr-12-abc"}},
            EventKind.MERGE_GROUP,
            12,
        ),
        ("schedule", {"schedule": "17,47 * * * *"}, EventKind.SWEEP, None),
        ("repository_dispatch", {"action": "release-gate-recheck", "client_payload": {}}, EventKind.SWEEP, None),
    ],
)
def test_events_are_read(name: str, payload: dict[str, Any], kind: EventKind, number: int | None) -> None:
    """Each event kind the gate handles names one PR (and the commit to post on) or a sweep."""
    event = parse_event(name, payload)
    assert (event.kind, event.number) == (kind, number)


def test_descriptions_fit_github_limit() -> None:
    """Status descriptions are cut to 140 characters with an ellipsis."""
    assert len(shorten("w" * 500)) == 140
    assert shorten("short") == "short"


def test_action_passes_inputs_through_env_to_real_options() -> None:
    """action.yml's steps take inputs through env: only, and the gate options they pass exist."""
    import yaml  # noqa: PLC0415

    from release_gate.cli import _parser  # noqa: PLC0415

    action = yaml.safe_load((Path(__file__).resolve().parent.parent / "action.yml").read_text(encoding="utf-8"))
    steps = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite"
    assert all("${{" not in step["run"] for step in steps if "run" in step)
    (cache,) = [step for step in steps if step.get("uses", "").startswith("actions/cache@")]
    assert cache["with"]["path"] == "${{ runner.temp }}/release-gate-cache"
    assert '--cache-dir "$RUNNER_TEMP/release-gate-cache"' in steps[-1]["run"]
    args = _parser().parse_args(
        ["gate", "--plan", "p.toml", "--mode", "check", "--context", "c", "--override-label", "l", "--plan-repo", "o/r"]
    )
    assert _parser().parse_args(["gate", "--cache-dir", "d"]).cache_dir == "d"
    assert _parser().parse_args(["gate", "--no-cache"]).no_cache
    assert (args.plan, args.mode, args.context, args.override_label, args.plan_repo) == (
        "p.toml",
        "check",
        "c",
        "l",
        "o/r",
    )


def test_action_shares_the_answer_cache_only_between_runs_of_trusted_workflow_code() -> None:
    """pull_request and merge_group runs (the PR's workflow) neither restore nor save the cache; keys name the ref."""
    import json  # noqa: PLC0415
    import re  # noqa: PLC0415

    import yaml  # noqa: PLC0415

    action = yaml.safe_load((Path(__file__).resolve().parent.parent / "action.yml").read_text(encoding="utf-8"))
    steps = action["runs"]["steps"]
    (cache,) = [step for step in steps if step.get("uses", "").startswith("actions/cache@")]
    shared = re.fullmatch(
        r"inputs\.cache == 'true' && contains\(fromJSON\('(\[.*\])'\), github\.event_name\)", cache["if"]
    )
    assert shared is not None, cache["if"]
    assert set(json.loads(shared.group(1))) == {
        "pull_request_target",
        "schedule",
        "workflow_dispatch",
        "repository_dispatch",
    }
    assert steps[-1]["env"]["RG_CACHE"] == "${{ " + cache["if"] + " }}"  # the gate runs with --no-cache otherwise
    assert cache["with"]["key"].startswith("release-gate-answers-${{ github.ref }}-")
    assert cache["with"]["restore-keys"] == "release-gate-answers-${{ github.ref }}-"


@pytest.mark.parametrize(
    ("name", "permissions"),
    [
        ("release-gate.yml", {"statuses": "write", "pull-requests": "read", "issues": "read", "contents": "read"}),
        ("release-gate-check.yml", {"pull-requests": "read", "issues": "read", "contents": "read"}),
    ],
)
def test_example_workflows_ask_for_least_privilege(name: str, permissions: dict[str, str]) -> None:
    """The example workflows parse, list exactly the permissions they need, and never check out the PR."""
    import yaml  # noqa: PLC0415

    text = (Path(__file__).resolve().parent.parent / "docs" / "workflows" / name).read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert workflow["permissions"] == permissions
    assert "actions/checkout" not in text
    assert "paths" not in str(workflow[True])  # a paths filter would leave a required status pending forever


def test_merge_group_gets_failure_when_the_state_cannot_be_read(repo: Repo) -> None:
    """In a merge group, an unreadable state gives failure (the queue takes no error or pending), and exit 3."""
    repo.github.inject(Fault.SERVER_ERROR, times=None, where="graphql")
    group = {
        "merge_group": {"head_sha": "7" * 40, "head_ref": f"refs/heads/gh-readonly-queue/master/pr-205-{'6' * 40}"}
    }
    assert repo.gate("merge_group", group, "--timeout", "2").code == 3
    assert repo.statuses("7" * 40) == [("failure", "release-gate: the state could not be read")]


@pytest.mark.parametrize("mode", ["status", "check"])
def test_an_unknown_verdict_fails_closed_in_both_modes(repo: Repo, mode: str) -> None:
    """When the plan and GitHub read fine but one PR's hold cannot be decided, the gate exits 3 in either mode."""
    repo.github.node_errors[ItemRef(KS, 205)] = "FORBIDDEN"
    result = repo.gate("pull_request_target", pr_payload(205, SHA_205), "--mode", mode)
    assert result.code == 3, result.out
    assert "cannot tell whether kubespawner#205 is held" in result.err
    assert (repo.folder / "output.txt").read_text(encoding="utf-8").startswith("verdict=error\n")
    expected = [("error", ANY)] if mode == "status" else []
    assert repo.statuses(SHA_205) == expected
