"""The merge gate, run as GitHub Actions runs it: real event files and environment, the fake GitHub and registries."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest

from release_gate.errors import InputError
from release_gate.evaluate import Answer
from release_gate.gate.actions import annotation_lines, escape_data, outputs
from release_gate.gate.decide import (
    HANDLED_EVENTS,
    Decision,
    Event,
    EventKind,
    StatusState,
    UnhandledEventError,
    parse_event,
    shorten,
)
from release_gate.gate.run import GateInputs, GateMode, GateResult, GateVerdict
from release_gate.gate.run import run as run_gate
from release_gate.plan.model import ItemRef
from release_gate.report import links
from release_gate.sources.github import GitHubGateClient, GitHubStateProvider
from release_gate.sources.live import LiveStateProvider
from release_gate.sources.registries import RegistryReader
from release_gate.state import FileHistory, PullRequest, RepoState, State, StateProvider
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
    assert "| jupyterhub/kubespawner#205 | **pending** |" in summary
    assert "### JupyterHub: release before JupyterCon 2018" in summary


def test_the_job_summary_has_the_gate_table_then_the_report_in_the_dashboards_order(repo: Repo) -> None:
    """The summary: the gate's table, then the plan's report (a level down), graph last, linked to the server."""
    assert repo.gate("pull_request_target", pr_payload(205, SHA_205)).code == 0
    summary = (repo.folder / "summary.md").read_text(encoding="utf-8")
    headings = re.findall(r"^#+ .+$", summary, flags=re.MULTILINE)
    assert headings == [
        "## release-gate",
        "### JupyterHub: release before JupyterCon 2018",
        "#### Can ship now",
        "#### Blocked",
        "#### Must wait",
        "#### Next actions",
        "#### Order",
        "#### Deadlines",
        "#### Watching",
        "#### Graph",
    ]
    assert summary.index("| PR | Status | Why |") < summary.index("### JupyterHub")
    server = links.server_of(repo.github.url)
    assert f"[jupyterhub/kubespawner]({server}/jupyterhub/kubespawner)" in summary
    assert "https://github.com/" not in summary


def test_the_job_summary_mentions_no_one(repo: Repo) -> None:
    """Who added an ignored override label is named in the summary (and the report output) without notifying them."""
    _label(repo, "passerby", "read")
    result = repo.gate("pull_request_target", pr_payload(205, SHA_205))
    assert "the release-gate/override label by @passerby is ignored" in result.out  # the annotation, not Markdown
    summary = (repo.folder / "summary.md").read_text(encoding="utf-8")
    assert "label by @\u200bpasserby is ignored" in summary
    assert re.findall(r"(?<![A-Za-z0-9_])@[A-Za-z0-9]", summary) == []
    output = (repo.folder / "output.txt").read_text(encoding="utf-8")
    assert re.findall(r"(?<![A-Za-z0-9_])@[A-Za-z0-9]", output.split("report<<", 1)[1]) == []


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
    pr = repo.github.state.items[ref.key]
    assert isinstance(pr, PullRequest)
    items = dict(repo.github.state.items)
    items[ref.key] = dataclasses.replace(pr, labels=("release-gate/override",))
    repo.github.state = dataclasses.replace(repo.github.state, items=items)
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


def test_pr_that_cannot_be_read_is_exit_3_with_error(repo: Repo) -> None:
    """A PR event GitHub answers 404 for (missing, or hidden from the token) is exit 3, and its head gets error."""
    result = repo.gate("pull_request_target", pr_payload(99999, "4" * 40))
    assert result.code == 3
    assert "reading the labels of #99999: not found (404)" in result.err
    assert repo.statuses("4" * 40) == [("error", "release-gate: the PR could not be read")]


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        (lambda folder: {"GITHUB_EVENT_PATH": str(folder / "missing.json")}, "GITHUB_EVENT_PATH: cannot read"),
        (lambda _: {"GITHUB_EVENT_NAME": "issue_comment"}, "does not handle 'issue_comment' events"),
        (lambda _: {"GITHUB_REPOSITORY": ""}, "GITHUB_REPOSITORY: is not set"),
        (lambda _: {"GITHUB_API_URL": "http://"}, "--github-url: 'http://' is not an http(s) URL"),
    ],
    ids=["missing-event-file", "unhandled-event", "no-repository", "api-url-without-host"],
)
def test_bad_event_is_exit_2(repo: Repo, setup: Callable[[Path], dict[str, str]], needle: str) -> None:
    """A missing event file, an unhandled event kind, a missing variable or a bad API URL: exit 2, one message."""
    result = repo.gate("pull_request_target", pr_payload(205, SHA_205), env=setup(repo.folder))
    assert result.code == 2
    assert needle in result.err
    assert "Traceback" not in result.err
    assert repo.github.statuses == []


@pytest.mark.parametrize(
    ("event", "advice"),
    [
        ("push", "To check the plan on a push, run `release-gate check` in that job instead"),
        ("release", "send a repository_dispatch of type release-gate-recheck"),
        ("issue_comment", "pull_request_target"),
    ],
)
def test_an_unhandled_event_is_named_with_what_to_use_instead(repo: Repo, event: str, advice: str) -> None:
    """An event the gate does not handle is exit 2 naming that event and what to run on, not the event file."""
    result = repo.gate(event, {"ref": "refs/heads/master"})
    assert result.code == 2
    assert result.err.startswith(f"release-gate: error: the gate does not handle '{event}' events; run it on ")
    assert "GITHUB_EVENT_PATH" not in result.err
    assert str(repo.folder) not in result.err
    assert advice in result.err
    assert result.err.count("\n") == 1
    assert repo.github.statuses == []


def test_an_unhandled_event_is_named_even_without_its_event_file(repo: Repo) -> None:
    """A push whose event file is missing is still told that the gate does not handle pushes."""
    result = repo.gate("push", {}, env={"GITHUB_EVENT_PATH": str(repo.folder / "missing.json")})
    assert result.code == 2
    assert "the gate does not handle 'push' events" in result.err
    assert "cannot read" not in result.err


def test_parse_event_names_an_unhandled_event() -> None:
    """parse_event raises UnhandledEventError (a ValueError) carrying the event's name and the events it handles."""
    with pytest.raises(UnhandledEventError) as raised:
        parse_event("push", {})
    assert isinstance(raised.value, ValueError)
    assert raised.value.name == "push"
    assert str(raised.value).startswith("the gate does not handle 'push' events; ")
    assert all(name in str(raised.value) for name in HANDLED_EVENTS)


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
    assert action["inputs"]["status-issue"]["default"] == "false"  # off unless asked for (it needs issues: write)
    assert steps[-1]["env"]["RG_STATUS_ISSUE"] == "${{ inputs.status-issue }}"
    assert 'if [ "$RG_STATUS_ISSUE" = "true" ]; then args+=(--status-issue); fi' in steps[-1]["run"]
    assert _parser().parse_args(["gate", "--status-issue"]).status_issue
    assert not _parser().parse_args(["gate"]).status_issue
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


def _install(tmp_path: Path, version: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run action.yml's install step with *version* as its input, python3 and pip stubbed; return what pip got."""
    import yaml  # noqa: PLC0415

    action = yaml.safe_load((Path(__file__).resolve().parent.parent / "action.yml").read_text(encoding="utf-8"))
    (step,) = [step for step in action["runs"]["steps"] if step.get("name", "").startswith("Install")]
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "pip").write_text('#!/bin/sh\nprintf "%s\\n" "$@" >> "$RG_TEST_LOG"\n', encoding="utf-8")
    (stubs / "python3").write_text(  # `python3 -m venv DIR`: a venv whose pip only records its arguments
        '#!/bin/sh\n[ "$1 $2" = "-m venv" ] || exit 9\nmkdir -p "$3/bin" && cp "$RG_TEST_PIP" "$3/bin/pip"\n',
        encoding="utf-8",
    )
    for stub in ("pip", "python3"):
        (stubs / stub).chmod(0o755)
    log = tmp_path / "pip-args"
    env = {
        "PATH": f"{stubs}{os.pathsep}{os.environ['PATH']}",  # noqa: TID251 - the shell needs the real PATH
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "RG_VERSION": version,
        "RG_ACTION_PATH": "/the/action/checkout",
        "RG_TEST_LOG": str(log),
        "RG_TEST_PIP": str(stubs / "pip"),
    }
    assert set(step["env"]) == {"RG_VERSION", "RG_ACTION_PATH"}
    result = subprocess.run(
        ["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True, check=False, timeout=30
    )
    return result, log.read_text(encoding="utf-8").splitlines() if log.exists() else []


@pytest.mark.parametrize(
    ("version", "requirement"),
    [
        ("", "/the/action/checkout"),
        ("0.2.0", "release-plan-gate==0.2.0"),
        ("1.0", "release-plan-gate==1.0"),
        ("1.0.0rc1", "release-plan-gate==1.0.0rc1"),
        ("0.3.0.post1", "release-plan-gate==0.3.0.post1"),
    ],
)
def test_action_installs_its_checkout_or_a_pinned_release(tmp_path: Path, version: str, requirement: str) -> None:
    """Without `version` the action installs its own checkout; with one, release-plan-gate at exactly that version."""
    result, args = _install(tmp_path, version)
    assert result.returncode == 0, result.stderr
    assert args == ["install", "--quiet", requirement]


@pytest.mark.parametrize(
    "version",
    [
        ">=0.2",
        "0.2.*",
        "==0.2.0",
        "v0.2.0",
        "latest",
        "0.2.0; python_version > '3'",
        "0.2.0 --index-url https://example.invalid/simple",
        "0.2.0\nrelease-gate",
        "0.2.0,<1",
        "0.2.0 @ https://example.invalid/x.whl",
        " 0.2.0",
    ],
)
def test_action_refuses_a_version_that_is_not_a_plain_version(tmp_path: Path, version: str) -> None:
    """A `version` input that is not a plain version (a specifier, a marker, an option) fails before pip runs."""
    result, args = _install(tmp_path, version)
    assert result.returncode == 2
    assert args == []
    assert result.stdout == (  # the same line whatever the input: it is never echoed into a workflow command
        "::error title=release-gate::the action's version input must be a plain version such as 0.2.0 "
        "(installed as release-plan-gate==0.2.0), or empty for the action's own checkout\n"
    )


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


@pytest.mark.parametrize(
    "path", ["action.yml", "docs/workflows/release-gate.yml", "docs/workflows/release-gate-check.yml", "docs/gate.md"]
)
def test_the_status_issue_and_its_permission_are_documented(path: str) -> None:
    """The action, both example workflows and the gate's docs name the status issue and the issues: write it needs."""
    text = (Path(__file__).resolve().parent.parent / path).read_text(encoding="utf-8")
    assert "status-issue" in text
    assert "issues: write" in text


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


# -- failing closed at every edge: a PR whose reads fail gets error, never keeps an old success ----------

OVERRIDDEN = "overridden by @minrk 2018-08-09 17:00 UTC; was waiting for kubespawner >=0.9.0b1"
HELD = ("pending", "waits for kubespawner >=0.9.0b1 to be released")
GATEWAY = (502, {"message": "Bad Gateway"})


def _override_then_remove_it(repo: Repo) -> None:
    """Let a maintainer's override label free #205 (success posted), then take the label off again."""
    _label(repo, "minrk", "admin")
    assert repo.gate("pull_request_target", pr_payload(205, SHA_205)).code == 0
    assert repo.statuses(SHA_205)[-1][1].startswith(OVERRIDDEN)
    ref = ItemRef(KS, 205)
    pr = repo.github.state.items[ref.key]
    assert isinstance(pr, PullRequest)
    items = dict(repo.github.state.items)
    items[ref.key] = dataclasses.replace(pr, labels=())
    repo.github.state = dataclasses.replace(repo.github.state, items=items)


def _errors(result: Any) -> list[str]:
    return [line for line in result.err.splitlines() if line.startswith("release-gate: error: ")]


@pytest.mark.parametrize("event", ["pull_request_target", "merge_group"])
def test_a_stale_override_success_becomes_error_when_the_pr_cannot_be_read(repo: Repo, event: str) -> None:
    """Override label removed, then the PR cannot be read: its success becomes error (failure in a merge group)."""
    _override_then_remove_it(repo)
    repo.github.rest_answers["GET", f"/repos/{KS}/issues/205"] = GATEWAY
    if event == "merge_group":
        sha = SHA_205  # a queue entry's own commit, here the PR's head, so the success above is on it
        payload = {
            "merge_group": {"head_sha": sha, "head_ref": f"refs/heads/gh-readonly-queue/master/pr-205-{'6' * 40}"}
        }
    else:
        payload = pr_payload(205, SHA_205)
    result = repo.gate(event, payload)
    assert result.code == 3, result.err
    state = "failure" if event == "merge_group" else "error"
    assert repo.statuses(SHA_205)[-1] == (state, "release-gate: the PR could not be read")
    assert _errors(result) == [ANY]
    assert "reading the labels of #205: GitHub kept failing after the retries" in result.err
    assert "Traceback" not in result.err
    assert "\nverdict=error\n" in (repo.folder / "output.txt").read_text(encoding="utf-8")  # after the first run's


@pytest.mark.parametrize(
    "route",
    [f"/repos/{KS}/issues/205/events", f"/repos/{KS}/collaborators/minrk/permission"],
    ids=["label-events", "permission"],
)
def test_a_sweep_gives_error_to_the_pr_it_cannot_read_and_true_statuses_to_the_others(repo: Repo, route: str) -> None:
    """A sweep that cannot tell who added #205's override label (or may) gives #205 error, the others their statuses."""
    _label(repo, "minrk", "admin")
    assert repo.gate("pull_request_target", pr_payload(205, SHA_205)).code == 0
    assert repo.statuses(SHA_205)[-1][0] == "success"
    repo.github.rest_answers["GET", route] = GATEWAY
    result = repo.gate("schedule", {})
    assert result.code == 3, result.err
    assert repo.statuses(SHA_205)[-1] == ("error", "release-gate: could not check the release-gate/override label")
    others = {s.sha: (s.state, s.description) for s in repo.github.statuses if s.sha != SHA_205}
    assert sorted(others.values()) == [("success", ANY), ("success", ANY)]  # kubespawner#230 and #232, both free
    assert len(_errors(result)) == 1
    assert "Traceback" not in result.err


def test_a_failed_listing_of_open_prs_is_exit_3_and_posts_nothing(repo: Repo) -> None:
    """A sweep that cannot list the open PRs has no commit to post on: exit 3, one message, nothing posted."""
    repo.github.rest_answers["GET", f"/repos/{KS}/pulls"] = GATEWAY
    result = repo.gate("schedule", {})
    assert result.code == 3
    assert result.err.startswith("release-gate: state unavailable: GitHub (http://127.0.0.1:")
    assert "listing open pull requests" in result.err
    assert len(result.err.splitlines()) == 1
    assert repo.github.statuses == []


def test_a_failed_status_read_still_posts(repo: Repo) -> None:
    """When the current status cannot be read, the gate posts anyway: a stale success never survives a failed read."""
    _override_then_remove_it(repo)
    repo.github.rest_answers["GET", r"/repos/[^/]+/[^/]+/(commits/[0-9a-f]+/)?statuses(/[0-9a-f]+)?"] = GATEWAY
    result = repo.gate("pull_request_target", pr_payload(205, SHA_205))
    assert result.code == 3, result.err
    assert repo.statuses(SHA_205)[-1] == HELD
    assert "reading the commit status of" in result.err
    assert "the status is posted without that check" in result.err
    assert "Traceback" not in result.err


def _event_answer(**changes: Any) -> list[dict[str, Any]]:
    event = {
        "id": 1,
        "event": "labeled",
        "label": {"name": "release-gate/override", "color": "ededed"},
        "actor": {"login": "minrk"},
        "created_at": "2018-08-09T17:00:00Z",
    }
    event.update(changes)
    return [{k: v for k, v in event.items() if v is not _MISSING}]


_MISSING = object()
_STATUSES = r"/repos/[^/]+/[^/]+/(commits/[0-9a-f]+/)?statuses(/[0-9a-f]+)?"


@pytest.mark.parametrize(
    ("event", "route", "body", "posted"),
    [
        ("pr", f"/repos/{KS}/issues/205/events", _event_answer(actor=None), [("error", ANY)]),
        ("pr", f"/repos/{KS}/issues/205/events", _event_answer(actor=_MISSING), [("error", ANY)]),
        ("pr", f"/repos/{KS}/issues/205/events", _event_answer(label="release-gate/override"), [("error", ANY)]),
        ("pr", f"/repos/{KS}/issues/205/events", {"events": []}, [("error", ANY)]),
        ("pr", f"/repos/{KS}/collaborators/minrk/permission", {"role_name": "admin"}, [("error", ANY)]),
        ("pr", f"/repos/{KS}/issues/205", {"number": 205, "labels": "release-gate/override"}, [("error", ANY)]),
        ("pr", _STATUSES, {"state": "success"}, [("success", OVERRIDDEN)]),  # the true status, posted anyway
        ("pr", _STATUSES, [{"context": "release-gate", "state": None}], [("success", OVERRIDDEN)]),
        ("sweep", f"/repos/{KS}/pulls", {"message": "fine, thanks"}, []),
        ("sweep", f"/repos/{KS}/pulls", [{"number": 205, "head": None}], []),
    ],
    ids=[
        "event-actor-null",
        "event-actor-missing",
        "event-label-not-an-object",
        "events-not-a-list",
        "permission-missing",
        "labels-not-a-list",
        "statuses-not-a-list",
        "status-state-null",
        "pulls-not-a-list",
        "pull-without-head",
    ],
)
def test_an_answer_of_an_unexpected_shape_is_exit_3_never_a_crash(
    repo: Repo, event: str, route: str, body: Any, posted: list[tuple[str, str]]
) -> None:
    """A 200 not shaped as GitHub documents is exit 3 in one line; the PR gets error (after a status read: its own)."""
    _label(repo, "minrk", "admin")
    repo.github.rest_answers["GET", route] = (200, body)
    pr = event == "pr"
    result = repo.gate("pull_request_target", pr_payload(205, SHA_205)) if pr else repo.gate("schedule", {})
    assert result.code == 3, result.err
    assert "Traceback" not in result.err
    assert len(result.err.splitlines()) == 1, result.err
    assert "answer is not shaped as its REST API describes" in result.err
    assert repo.statuses(SHA_205) == posted


def test_statuses_are_read_at_the_documented_route(repo: Repo) -> None:
    """The gate reads a commit's statuses at GET .../commits/{ref}/statuses; the fake refuses the legacy route."""
    import requests  # noqa: PLC0415

    assert repo.gate("pull_request_target", pr_payload(205, SHA_205)).code == 0
    reads = [r.path for r in repo.github.requests if r.method == "GET" and r.path.endswith(("/statuses", SHA_205))]
    assert reads == [f"/api/v3/repos/{KS}/commits/{SHA_205}/statuses"]
    legacy = requests.get(f"{repo.github.url}/repos/{KS}/statuses/{SHA_205}", timeout=5)
    assert legacy.status_code == 404


def test_posting_on_a_commit_github_does_not_have_says_so(repo: Repo) -> None:
    """A 422 "No commit found for SHA" on posting is exit 3 naming the commit, not "GitHub may be having trouble"."""
    sha = "4" * 40
    message = f"No commit found for SHA: {sha}"
    repo.github.rest_answers["POST", f"/repos/{KS}/statuses/{sha}"] = (422, {"message": message})
    result = repo.gate("pull_request_target", pr_payload(230, sha))
    assert result.code == 3
    assert f"posting the commit status: GitHub has no commit {sha}: 422 {message}." in result.err
    assert "having trouble" not in result.err
    assert "Traceback" not in result.err


@pytest.fixture
def named_host(monkeypatch: pytest.MonkeyPatch) -> str:
    """Return a host name that is not loopback by its name but resolves to this machine (where the fakes listen)."""
    import socket  # noqa: PLC0415

    name = "github.internal.test"
    resolve = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        return resolve("127.0.0.1" if host == name else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return name


@pytest.mark.parametrize("remote", [True, False], ids=["named-host", "loopback"])
def test_a_token_over_plain_http_to_another_host_is_warned_about(repo: Repo, named_host: str, remote: bool) -> None:
    """A token and an http:// API URL on a host that is not loopback: one warning naming the host, never the token."""
    if remote:
        repo.github.host = named_host
    result = repo.gate("pull_request_target", pr_payload(205, SHA_205), env={"GITHUB_API_URL": repo.github.url})
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if line.startswith("release-gate: warning: ")]
    if remote:
        assert warnings == [ANY]
        assert f"plain http:// to {named_host};" in warnings[0]
    else:
        assert warnings == []
    assert str(repo.github.token) not in result.err + result.out


def test_a_bug_still_leaves_error_on_the_pr_then_exits_4(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should deciding crash (a bug), the PR's stale success is still replaced by error before the run exits 4."""
    from release_gate.gate import run  # noqa: PLC0415

    _override_then_remove_it(repo)

    def broken(*_: Any, **__: Any) -> Decision:
        raise RuntimeError("a bug")

    monkeypatch.setattr(run, "decide", broken)
    result = repo.gate("pull_request_target", pr_payload(205, SHA_205))
    assert result.code == 4
    assert repo.statuses(SHA_205)[-1][0] == "error"
    assert "internal error" in result.err
    assert "RuntimeError: a bug" in result.err


def test_a_sweep_with_no_open_pr_still_fails_when_the_state_cannot_be_read(repo: Repo) -> None:
    """With no open PR to post on, a state that cannot be read is still exit 3, never a clear run."""
    repo.github.rest_answers["GET", f"/repos/{KS}/pulls"] = (200, [])
    repo.github.inject(Fault.SERVER_ERROR, times=None, where="graphql")
    result = repo.gate("schedule", {}, "--timeout", "2")
    assert result.code == 3, result.err
    assert repo.github.statuses == []
    assert (repo.folder / "output.txt").read_text(encoding="utf-8").startswith("verdict=error\n")


def test_the_last_labeller_decides_even_pages_later(repo: Repo) -> None:
    """Label events are read to the last page: a passerby who re-added the label after 150 other events is ignored."""
    _label(repo, "minrk", "admin")
    when = dt.datetime(2018, 8, 9, 17, tzinfo=dt.UTC)
    events = [("release-gate/override", "minrk", when)] * 150 + [("release-gate/override", "passerby", when)]
    repo.github.label_events[KS, 205] = events
    result = repo.gate("pull_request_target", pr_payload(205, SHA_205))
    assert result.code == 0, result.err
    assert repo.statuses(SHA_205) == [HELD]
    assert "the release-gate/override label by @passerby is ignored" in result.out
    pages = [r.query for r in repo.github.requests if r.path.endswith("/issues/205/events")]
    assert len(pages) == 2


# -- the gate as a library (release_gate.gate.run) -------------------------------------------------


def _library_run(repo: Repo, event: Event, *, mode: GateMode = GateMode.STATUS, provider: Any = None) -> GateResult:
    """Run the gate as a library on *event* against the fakes, as `release-gate gate` would."""
    token = str(repo.github.token)

    def live() -> StateProvider:
        github = GitHubStateProvider(token=token, base_url=repo.github.url, timeout=5)
        return LiveStateProvider(github, RegistryReader(timeout=5))

    inputs = GateInputs(KS, event, mode=mode, run_url="https://github.example/run/1")
    client = GitHubGateClient(token=token, base_url=repo.github.url, timeout=5)
    return run_gate(inputs, client, provider or live)


def test_the_gate_as_a_library_posts_and_returns_its_decisions_printing_nothing(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """gate.run posts the held PR's pending status and returns the verdict, summary and outputs; it prints nothing."""
    result = _library_run(repo, Event(EventKind.PULL_REQUEST, 205, SHA_205))
    assert (result.verdict, result.answer, result.held) == (GateVerdict.HELD, Answer.CLEAR, ("kubespawner#205",))
    assert [d.state for d in result.decisions] == [StatusState.PENDING]
    assert repo.statuses(SHA_205) == [("pending", "waits for kubespawner >=0.9.0b1 to be released")]
    assert repo.github.statuses[0].target_url == "https://github.example/run/1"
    assert result.outputs.startswith("verdict=held\nheld=kubespawner#205\nreport<<release-gate-")
    assert "| jupyterhub/kubespawner#205 | **pending** |" in result.report
    assert result.annotations[0].startswith("::warning title=release-gate%3A kubespawner#205::")
    assert (result.problems, result.bugs, result.failure) == ((), (), None)
    assert capsys.readouterr() == ("", "")


def test_the_gate_as_a_library_in_check_mode_answers_blocked_and_posts_nothing(repo: Repo) -> None:
    """In check mode a held PR makes the answer blocked (the job fails) and no status is posted."""
    result = _library_run(repo, Event(EventKind.PULL_REQUEST, 205, SHA_205), mode=GateMode.CHECK)
    assert (result.verdict, result.answer) == (GateVerdict.HELD, Answer.BLOCKED)
    assert repo.github.statuses == []


def test_the_gate_as_a_library_reads_no_state_when_no_pr_needs_it(repo: Repo) -> None:
    """A PR whose labels cannot be read gets error without the plan's state being read: unknown, never clear."""
    asked: list[bool] = []

    def provider() -> StateProvider:
        asked.append(True)
        raise AssertionError("the state was not needed")

    result = _library_run(repo, Event(EventKind.PULL_REQUEST, 99999, "4" * 40), provider=provider)
    assert asked == []
    assert (result.verdict, result.answer) == (GateVerdict.ERROR, Answer.UNKNOWN)
    assert repo.statuses("4" * 40) == [("error", "release-gate: the PR could not be read")]


def test_the_gate_as_a_library_returns_a_bug_after_posting_error(repo: Repo) -> None:
    """A provider that crashes (a bug) is returned in the result, after the PR got error: the caller reports it."""

    def provider() -> StateProvider:
        raise RuntimeError("a bug")

    result = _library_run(repo, Event(EventKind.PULL_REQUEST, 205, SHA_205), provider=provider)
    assert [type(bug).__name__ for bug in result.bugs] == ["RuntimeError"]
    assert (result.verdict, result.answer) == (GateVerdict.ERROR, Answer.UNKNOWN)
    assert repo.statuses(SHA_205) == [("error", "release-gate: the state could not be read")]
    assert "RuntimeError: a bug" in result.problems[0]


def test_the_gate_as_a_library_names_an_invalid_plan(repo: Repo) -> None:
    """An invalid plan on the default branch is the result's failure (an input error), and the PR gets error."""
    repo.github.state = _with_plan(repo, "this is not TOML = = =")
    result = _library_run(repo, Event(EventKind.PULL_REQUEST, 205, SHA_205))
    assert isinstance(result.failure, InputError)
    assert (result.verdict, result.answer, result.evaluation) == (GateVerdict.ERROR, Answer.UNKNOWN, None)
    assert repo.statuses(SHA_205) == [("error", "release-gate: the plan is invalid")]


def _with_plan(repo: Repo, text: str) -> State:
    state = repo.github.state
    ks = state.repos[KS]
    assert isinstance(ks, RepoState)
    files = {**ks.files, PLAN_PATH: FileHistory.current(text, state.taken_at)}
    return dataclasses.replace(state, repos={**state.repos, KS: dataclasses.replace(ks, files=files)})
