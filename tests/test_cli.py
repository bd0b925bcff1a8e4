"""The ``release-gate`` command line: the default job, exit codes, input errors, formats and entry points.

Most tests run ``main()`` in-process through the ``run_cli`` fixture; a few run the real
``python -m release_gate`` and the console script in a subprocess.
"""

from __future__ import annotations

import dataclasses
import fcntl
import io
import json
import os
import re
import socket
import struct
import subprocess
import sys
import termios
from collections.abc import Callable
from pathlib import Path

import pytest

from release_gate import __version__, dump_snapshot, load_snapshot
from release_gate.cli import BUILTIN_NOTE, PLAN_NAMES, main
from release_gate.state import Unknown
from release_gate.testing import FakeGitHub
from tests.conftest import ROOT, Run

RunCli = Callable[..., Run]

ESC = "\x1b["
EXAMPLE_RELEASES = ["kubespawner", "oauthenticator", "jupyterhub", "chart", "batchspawner"]

# -- small files written into tmp_path -------------------------------------------------------

PLAN = """\
[plan]
name = "two releases"

[repos.a]
github = "o/a"

[repos.b]
github = "o/b"

[releases.a]
version = ">=1.0"

[releases.b]
version = ">=2.0"
after = ["a"]
"""

SNAPSHOT = """\
{
 "schema_version": 1,
 "taken_at": "2020-01-01T00:00:00Z",
 "repos": {
  "o/a": {
   "tags": [{"name": "v1.0", "sha": "aaaa", "date": "2019-01-01T00:00:00Z"}],
   "pulls": {},
   "issues": {}
  },
  "o/b": {
   "tags": [
    {"name": "2.0.0", "sha": "bbbb", "date": "2019-06-01T00:00:00Z"},
    {"name": "nightly", "sha": "cccc", "date": "2019-06-02T00:00:00Z"}
   ],
   "pulls": {},
   "issues": {}
  }
 }
}
"""

SNAPSHOT_WITHOUT_B = """\
{
 "schema_version": 1,
 "taken_at": "2020-01-01T00:00:00Z",
 "repos": {
  "o/a": {"tags": [{"name": "v1.0", "sha": "aaaa", "date": "2019-01-01T00:00:00Z"}]}
 }
}
"""


def _plan_with(old: str, new: str) -> str:
    """Return PLAN with one line changed; fails loudly if *old* is not in it."""
    assert old in PLAN
    return PLAN.replace(old, new, 1)


def _one_release(extra: str) -> str:
    return f'[plan]\nname = "t"\n\n[repos.a]\ngithub = "o/a"\n\n[releases.a]\nversion = ">=1"\n{extra}'


_STRING_CUT = SNAPSHOT.index('"2019-06-01') + 5  # inside the date string of tag 2.0.0
_TOKEN_CUT = SNAPSHOT.index('"o/b"')  # between two members of "repos"


def _write(directory: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")


def _assert_no_traceback(run: Run) -> None:
    assert "Traceback" not in run.err
    assert "Traceback" not in run.out


# -- the default job --------------------------------------------------------------------------


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to open a network connection fail the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail(f"release-gate tried to use the network: {args!r} {kwargs!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize("argv", [(), ("check",)], ids=["no-arguments", "check"])
def test_default_job_reports_the_2018_example_as_blocked(run_cli: RunCli, argv: tuple[str, ...]) -> None:
    """Without a plan, release-gate evaluates the built-in 2018-08-09 example offline and exits 1."""
    run = run_cli(*argv)
    assert run.code == 1, run.err
    assert run.err == BUILTIN_NOTE
    for release in EXAMPLE_RELEASES:
        assert re.search(rf"^  {release}\s", run.out, re.MULTILINE), f"release {release} missing from the table"
    assert "jupyterhub is unblocked: can be cut now" in run.out
    assert "oauthenticator is unblocked: can be cut now" in run.out
    assert "2 can ship now (oauthenticator, jupyterhub)" in run.out


@pytest.mark.usefixtures("offline")
def test_default_job_explains_why_the_chart_is_blocked(run_cli: RunCli) -> None:
    """The chart is reported blocked after kubespawner, oauthenticator and jupyterhub."""
    out = run_cli().out
    block = out[out.index("  chart is blocked") : out.index("  batchspawner (proposed)")]
    assert "6 preconditions unmet" in block
    for upstream in ("kubespawner", "oauthenticator", "jupyterhub"):
        assert f"after {upstream} " in block


@pytest.mark.usefixtures("offline")
def test_default_job_lists_held_prs_and_the_deadline(run_cli: RunCli) -> None:
    """kubespawner#205 and z2jh#758 are held, and JupyterCon is 14 days away."""
    out = run_cli().out
    assert "kubespawner-big-prs is held: until kubespawner >=0.9.0b1 is out" in out
    assert re.search(r"\n\s+kubespawner#205\s+held\s", out)
    assert "z2jh-big-prs is held: until chart >=0.7.0-beta.1 is out" in out
    assert re.search(r"\n\s+z2jh#758\s+held\s", out)
    assert "2 PRs held (kubespawner#205, z2jh#758)" in " ".join(out.split())
    assert "jupytercon 2018-08-23: 14 days left" in out


def test_no_arguments_is_the_same_as_check(run_cli: RunCli) -> None:
    """`release-gate` and `release-gate check` print the same report with the same exit code."""
    assert run_cli() == run_cli("check")


@pytest.mark.parametrize(
    "argv",
    [("--release", "jupyterhub"), ("--pr", "kubespawner#205"), ("--as-of", "2018-08-01"), ("-v",)],
    ids=["release", "pr", "as-of", "verbose"],
)
def test_options_without_a_command_go_to_check(run_cli: RunCli, argv: tuple[str, ...]) -> None:
    """Options given without a command are those of the default job, `check`."""
    assert run_cli(*argv) == run_cli("check", *argv)


# -- exit codes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "code", "expected"),
    [
        (("check", "--release", "jupyterhub"), 0, "jupyterhub is unblocked"),
        (("check", "--release", "oauthenticator"), 0, "oauthenticator is unblocked"),
        (("check", "--release", "chart"), 1, "chart is blocked"),
        (("check", "--pr", "kubespawner#205"), 1, "kubespawner#205: blocked, held"),
        (("check", "--pr", "jupyterhub/kubespawner#205"), 1, "kubespawner#205: blocked, held"),
        (("check", "--pr", "z2jh#758"), 1, "z2jh#758: blocked, held"),
        (("check", "--pr", "kubespawner#230"), 0, "kubespawner#230: clear, not held"),
        (("check",), 1, "Verdict: blocked"),
    ],
    ids=[
        "release-unblocked",
        "release-unblocked-2",
        "release-blocked",
        "pr-held",
        "pr-held-slug",
        "pr-held-chart",
        "pr-not-held",
        "whole-plan",
    ],
)
def test_exit_code_answers_the_question_asked(run_cli: RunCli, argv: tuple[str, ...], code: int, expected: str) -> None:
    """The exit code is 0 when the asked release or PR is clear and 1 when blocked or held."""
    run = run_cli(*argv)
    assert run.code == code, run.out + run.err
    assert expected in run.out
    assert run.err == BUILTIN_NOTE


def test_a_repo_missing_from_the_state_exits_3(run_cli: RunCli, tmp_path: Path) -> None:
    """A state that lacks a repo of the plan makes its release unknown: exit 3."""
    _write(tmp_path, {"plan.toml": PLAN, "state.json": SNAPSHOT_WITHOUT_B})
    run = run_cli("check", str(tmp_path / "plan.toml"), "--snapshot", str(tmp_path / "state.json"))
    assert run.code == 3, run.out + run.err
    assert re.search(r"^  b\s.*\bunknown\b", run.out, re.MULTILINE)
    assert "o/b is not in the state" in run.out
    _assert_no_traceback(run)


def test_an_all_released_world_exits_0(run_cli: RunCli, tmp_path: Path) -> None:
    """When every release has a matching tag the plan is clear: exit 0."""
    _write(tmp_path, {"plan.toml": PLAN, "state.json": SNAPSHOT})
    run = run_cli("check", str(tmp_path / "plan.toml"), "--snapshot", str(tmp_path / "state.json"))
    assert run.code == 0, run.out + run.err
    assert "a is released: 1.0 (tag v1.0" in run.out
    assert "b is released: 2.0.0 (tag 2.0.0" in run.out
    assert "Verdict: clear" in run.out
    assert run.err == ""


# -- input errors -----------------------------------------------------------------------------

_CHECK = ("check", "plan.toml", "--snapshot", "state.json")
_GOOD = {"plan.toml": PLAN, "state.json": SNAPSHOT}

ErrorCase = tuple[str, dict[str, str], tuple[str, ...], int, tuple[str, ...]]
"""One bad input: (id, files to write, argv, expected exit, substrings expected in the error)."""

ERROR_CASES: list[ErrorCase] = [
    (
        "plan-missing",
        {"state.json": SNAPSHOT},
        _CHECK,
        2,
        ("plan.toml", "no such file", "check the path"),
    ),
    (
        "plan-toml-syntax",
        {"plan.toml": '[plan]\nname = "t"\n[repos.a\ngithub = "o/a"\n', "state.json": SNAPSHOT},
        _CHECK,
        2,
        ("plan.toml:3", "not valid TOML", "line 3, column 9", "fix the syntax"),
    ),
    (
        "plan-unknown-key",
        {"plan.toml": _plan_with('after = ["a"]', 'after = ["a"]\nnotes = "x"'), "state.json": SNAPSHOT},
        _CHECK,
        2,
        ("plan.toml:16", "releases.b.notes", "is not a key here", "did you mean 'note'?"),
    ),
    (
        "plan-wrong-type",
        {"plan.toml": _plan_with('version = ">=1.0"', "version = 10"), "state.json": SNAPSHOT},
        _CHECK,
        2,
        ("plan.toml:11", "releases.a.version", "must be a string, not an integer"),
    ),
    (
        "plan-unknown-repo",
        {"plan.toml": _plan_with("[releases.b]", '[releases.b]\nrepo = "bb"'), "state.json": SNAPSHOT},
        _CHECK,
        2,
        ("releases.b.repo", "no repo has the id 'bb'", "did you mean 'b'?", "define [repos.bb]"),
    ),
    (
        "plan-unknown-release-in-after",
        {"plan.toml": _plan_with('after = ["a"]', 'after = ["aa"]'), "state.json": SNAPSHOT},
        _CHECK,
        2,
        ("releases.b.after[0]", "no release has the id 'aa'", "did you mean 'a'?"),
    ),
    (
        "plan-unknown-release-in-hold",
        {
            "plan.toml": PLAN + '\n[holds.h]\nprs = ["a#5"]\nuntil = ["c"]\n',
            "state.json": SNAPSHOT,
        },
        _CHECK,
        2,
        ("holds.h.until[0]", "no release has the id 'c'"),
    ),
    (
        "plan-unknown-repo-in-ref",
        {"plan.toml": _one_release('needs = { prs = ["zz#3"] }\n'), "state.json": SNAPSHOT},
        _CHECK,
        2,
        ("releases.a.needs.prs[0]", "'zz#3' names no repo of the plan", "OWNER/NAME#3"),
    ),
    (
        "plan-malformed-ref",
        {"plan.toml": _one_release('needs = { prs = ["a#abc"] }\n'), "state.json": SNAPSHOT},
        _CHECK,
        2,
        ("releases.a.needs.prs[0]", "'a#abc' is not a PR or issue reference", "REPO-ID#NUMBER"),
    ),
    (
        "plan-cycle",
        {"plan.toml": _plan_with("[releases.a]", '[releases.a]\nafter = ["b"]'), "state.json": SNAPSHOT},
        _CHECK,
        2,
        ("releases.a.after", "cycle: a -> b -> a", "remove one of these 'after' entries"),
    ),
    (
        "plan-bad-version",
        {"plan.toml": _plan_with('version = ">=1.0"', 'version = ">=banana"'), "state.json": SNAPSHOT},
        _CHECK,
        2,
        ("releases.a.version", "'>=banana' is not a PEP 440 requirement", "pep440 scheme"),
    ),
    (
        "plan-empty",
        {"plan.toml": '[plan]\nname = "nothing"\n', "state.json": SNAPSHOT},
        _CHECK,
        2,
        ("plan.toml", "no releases and no holds", "add a [releases.ID] table"),
    ),
    (
        "state-not-json",
        {"plan.toml": PLAN, "state.json": "hello\n"},
        _CHECK,
        2,
        ("state.json", "is not valid JSON", "line 1, column 1", "Record the snapshot again"),
    ),
    (
        "state-truncated",
        {"plan.toml": PLAN, "state.json": SNAPSHOT[:_TOKEN_CUT]},
        _CHECK,
        2,
        ("state.json", "the file is truncated", "Record the snapshot again"),
    ),
    (
        "state-truncated-inside-a-string",
        {"plan.toml": PLAN, "state.json": SNAPSHOT[:_STRING_CUT]},
        _CHECK,
        2,
        ("state.json", "the file is truncated", "Record the snapshot again"),
    ),
    (
        "state-newer-schema",
        {"plan.toml": PLAN, "state.json": SNAPSHOT.replace('"schema_version": 1', '"schema_version": 4')},
        _CHECK,
        2,
        ("state.json", "schema_version: is 4", "newer release-gate", "Upgrade release-gate"),
    ),
    (
        "state-bad-taken-at",
        {"plan.toml": PLAN, "state.json": SNAPSHOT.replace('"2020-01-01T00:00:00Z"', '"2020-01-01"')},
        _CHECK,
        2,
        ("state.json: taken_at: '2020-01-01' is not an ISO 8601 time",),
    ),
    (
        "state-missing",
        {"plan.toml": PLAN},
        _CHECK,
        2,
        ("state.json", "no such file", "--snapshot"),
    ),
    (
        "github-url-not-http",
        _GOOD,
        ("check", "plan.toml", "--github-url", "ftp://example.invalid"),
        2,
        ("--github-url", "is not an http(s) URL", "https://HOST/api/v3"),
    ),
    (
        "as-of-not-a-time",
        _GOOD,
        (*_CHECK, "--as-of", "nope"),
        2,
        ("--as-of", "'nope' is not a date or time", "2018-08-09"),
    ),
    (
        "as-of-after-the-state",
        {},
        ("check", "--as-of", "2018-09-01"),
        2,
        ("--as-of", "the state was taken at 2018-08-31 18:00 UTC", "no later than"),
    ),
    (
        "as-of-out-of-range",
        {},
        ("check", "--as-of", "9999-12-31T23:59:59-12:00"),
        2,
        ("--as-of",),
    ),
    (
        "release-unknown",
        {},
        ("check", "--release", "chrt"),
        2,
        ("--release", "no release 'chrt'", "did you mean 'chart'?", "Use one of: kubespawner"),
    ),
    (
        "pr-malformed",
        {},
        ("check", "--pr", "kubespawner#abc"),
        2,
        ("--pr", "'kubespawner#abc' is not a PR or issue reference", "e.g. kubespawner#205"),
    ),
    (
        "pr-zero",
        {},
        ("check", "--pr", "kubespawner#0"),
        2,
        ("--pr", "'kubespawner#0' is not a PR or issue reference"),
    ),
    (
        "explain-malformed-pr",
        {},
        ("explain", "kubespawner#abc"),
        2,
        ("explain", "'kubespawner#abc' is not a PR or issue reference"),
    ),
    (
        "validate-cycle",
        {"plan.toml": _plan_with("[releases.a]", '[releases.a]\nafter = ["b"]')},
        ("validate", "plan.toml"),
        2,
        ("plan.toml", "a -> b -> a"),
    ),
    (
        "validate-nested-arrays",
        {"plan.toml": _one_release("x = " + "[" * 5000 + "]" * 5000 + "\n")},
        ("validate", "plan.toml"),
        2,
        ("plan.toml:9: releases.a.x", "nested too deeply", "write it flatter"),
    ),
    (
        "check-nested-inline-tables",
        {"plan.toml": _one_release("x = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n"), "state.json": SNAPSHOT},
        _CHECK,
        2,
        ("plan.toml:9: releases.a.x", "nested too deeply"),
    ),
    (
        "check-nested-pins",
        {"plan.toml": _one_release("pins = " + "[" * 5000 + "]" * 5000 + "\n"), "state.json": SNAPSHOT},
        _CHECK,
        2,
        ("plan.toml:9: releases.a.pins", "nested too deeply"),
    ),
    (
        "check-nested-dotted-keys",
        {"plan.toml": _one_release("note" + ".a" * 5000 + " = 1\n"), "state.json": SNAPSHOT},
        _CHECK,
        2,
        ("releases.a.note", "nested too deeply"),
    ),
    (
        "validate-pin-outside-the-repository",
        {"plan.toml": _one_release('pins = ["../../../../rate_limit"]\n')},
        ("validate", "plan.toml"),
        2,
        ("plan.toml:9: releases.a.pins[0]", "is not a path inside the repository", "images/hub/requirements.txt"),
    ),
    (
        "validate-pr-number-past-github-int",
        {"plan.toml": _one_release('needs.prs = ["a#99999999999"]\n')},
        ("validate", "plan.toml"),
        2,
        ("releases.a.needs.prs[0]", "at most 2,147,483,647"),
    ),
    (
        "validate-version-of-thousands-of-digits",
        {"plan.toml": _plan_with('version = ">=1.0"', 'version = ">=1' + "0" * 5000 + '"')},
        ("validate", "plan.toml"),
        2,
        ("plan.toml:11: releases.a.version", "a version part may have at most 64 digits"),
    ),
    (
        "check-integer-of-thousands-of-digits",
        {
            "plan.toml": PLAN + "\n[deadlines.d]\ndate = 2020-01-01\nwarn_days = " + "7" * 5000 + "\n",
            "state.json": SNAPSHOT,
        },
        _CHECK,
        2,
        ("deadlines.d.warn_days", "64-bit"),
    ),
    (
        "validate-release-ids-differ-in-case",
        {"plan.toml": PLAN + '\n[releases.A]\nrepo = "a"\nversion = ">=3.0"\n'},
        ("validate", "plan.toml"),
        2,
        ("releases.A", "releases.a", "differ only in case"),
    ),
    (
        "pr-past-github-int",
        {},
        ("check", "--pr", "kubespawner#99999999999"),
        2,
        ("--pr", "at most 2,147,483,647"),
    ),
    (
        "pr-of-thousands-of-digits",
        {},
        ("check", "--pr", "kubespawner#" + "9" * 5000),
        2,
        ("--pr", "at most 2,147,483,647"),
    ),
    (
        "explain-pr-past-github-int",
        {},
        ("explain", "jupyterhub/kubespawner#2147483648"),
        2,
        ("explain", "at most 2,147,483,647"),
    ),
    (
        "assume-pr-past-github-int",
        {},
        ("check", "--assume", "kubespawner#99999999999 merged"),
        2,
        ("--assume", "at most 2,147,483,647"),
    ),
    (
        "unknown-command",
        {},
        ("frobnicate",),
        2,
        ("invalid choice: 'frobnicate'", "release-gate --help"),
    ),
    (
        "unknown-option",
        {},
        ("check", "--bogus"),
        2,
        ("unrecognized arguments: --bogus", "see 'release-gate check --help'"),
    ),
    (
        "misspelt-option",
        {},
        ("check", "--formt", "json"),
        2,
        ("unrecognized arguments: --formt (did you mean --format?)", "see 'release-gate check --help'"),
    ),
    (
        "assume-not-a-pr-address",
        {},
        ("check", "--assume", "https://github.com/jupyterhub/kubespawner/blob/232 merged"),
        2,
        ("--assume", "is not the address of a PR or issue", "https://github.com/OWNER/NAME/pull/NUMBER"),
    ),
    (
        "bad-format",
        {},
        ("check", "--format", "yaml"),
        2,
        ("argument --format", "invalid choice: 'yaml'", "release-gate check --help"),
    ),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[case[0] for case in ERROR_CASES])
def test_bad_input_gives_one_clear_error(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: ErrorCase
) -> None:
    """Bad input exits 2 with one 'release-gate: error:' message naming the culprit and the fix."""
    _, files, argv, code, expected = case
    _write(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    run = run_cli(*argv)
    assert run.code == code, run.out + run.err
    _assert_no_traceback(run)
    assert run.out == ""
    head, marker, message = run.err.removeprefix(BUILTIN_NOTE).partition("release-gate: error: ")
    assert marker, f"no 'release-gate: error:' in {run.err!r}"
    assert head == "" or head.startswith("usage: release-gate"), f"unexpected text before the error: {head!r}"
    assert "release-gate: error:" not in message, "more than one error message"
    for text in expected:
        assert text in message, f"{text!r} not in {message!r}"


def test_plan_that_is_not_utf8_is_an_input_error(run_cli: RunCli, tmp_path: Path) -> None:
    """A plan file in another encoding exits 2 with a message asking for UTF-8."""
    plan = tmp_path / "plan.toml"
    plan.write_bytes(b'[plan]\nname = "\xff"\n')
    run = run_cli("check", str(plan), "--snapshot", str(tmp_path / "state.json"))
    assert run.code == 2
    assert run.err.startswith("release-gate: error: ")
    assert "is not UTF-8 text" in run.err
    _assert_no_traceback(run)


def test_validate_reports_every_problem_at_once(run_cli: RunCli, tmp_path: Path) -> None:
    """`validate` lists all problems of a plan in one message, each with its line."""
    text = _plan_with('version = ">=1.0"', "version = 10").replace('after = ["a"]', 'after = ["zz"]')
    (tmp_path / "plan.toml").write_text(text, encoding="utf-8")
    run = run_cli("validate", str(tmp_path / "plan.toml"))
    assert run.code == 2
    assert "the plan has 2 problems" in run.err
    assert "releases.a.version: must be a string" in run.err
    assert "releases.b.after[0]: no release has the id 'zz'" in run.err
    assert run.err.count("release-gate: error:") == 1


# -- the question asked, in every format ---------------------------------------------------------

_QUESTIONS = [
    ((), "plan", None, "blocked"),
    (("--release", "jupyterhub"), "release", "jupyterhub", "clear"),
    (("--release", "chart"), "release", "chart", "blocked"),
    (("--pr", "kubespawner#205"), "pr", "jupyterhub/kubespawner#205", "blocked"),
    (("--pr", "kubespawner#999"), "pr", "jupyterhub/kubespawner#999", "clear"),
    (("--pr", "https://github.com/jupyterhub/kubespawner/pull/205/"), "pr", "jupyterhub/kubespawner#205", "blocked"),
]
_QUESTION_IDS = ["plan", "release-clear", "release-blocked", "pr-held", "pr-unnamed", "pr-address"]
_EXIT = {"clear": 0, "blocked": 1, "unknown": 3}


@pytest.mark.parametrize(("args", "kind", "subject", "answer"), _QUESTIONS, ids=_QUESTION_IDS)
def test_json_records_the_question_and_its_answer_and_exits_by_it(
    run_cli: RunCli, args: tuple[str, ...], kind: str, subject: str | None, answer: str
) -> None:
    """`check --format json` names the question asked (plan, release or PR); its answer is the exit code's."""
    run = run_cli("check", "--format", "json", *args)
    document = json.loads(run.out)
    assert (document["question"]["kind"], document["question"]["id"]) == (kind, subject)
    assert document["answer"] == answer
    assert run.code == _EXIT[answer], run.err


@pytest.mark.parametrize(("args", "kind", "subject", "answer"), _QUESTIONS, ids=_QUESTION_IDS)
def test_markdown_states_the_question_and_its_answer_first(
    run_cli: RunCli, args: tuple[str, ...], kind: str, subject: str | None, answer: str
) -> None:
    """`check --format markdown` starts with the question asked and its answer, which the exit code follows."""
    run = run_cli("check", "--format", "markdown", *args)
    first = run.out.splitlines()[2]
    assert first.startswith("**Question:** ")
    assert f"**Answer: {answer}**" in first
    asked = {"plan": "the whole plan", "release": f"release {subject}", "pr": f"may {subject} merge?"}
    assert asked[kind] in first
    assert run.code == _EXIT[answer], run.err


UNKNOWN_STATE = ROOT / "tests" / "scenarios" / "unknown-state"


@pytest.mark.parametrize(
    ("args", "answer"),
    [(("--pr", "lib#6"), "unknown"), (("--pr", "lib#9"), "clear"), ((), "unknown")],
    ids=["held-pr-unknown", "unnamed-pr", "plan"],
)
@pytest.mark.parametrize("fmt", ["json", "markdown", "text"])
def test_an_unknown_answer_exits_3_in_every_format(
    run_cli: RunCli, args: tuple[str, ...], answer: str, fmt: str
) -> None:
    """With state unreadable, a held PR's answer is unknown (exit 3) in every format; an unnamed PR's is clear."""
    plan, snapshot = str(UNKNOWN_STATE / "plan.toml"), str(UNKNOWN_STATE / "state.json")
    run = run_cli("check", plan, "--snapshot", snapshot, "--format", fmt, *args)
    assert run.code == _EXIT[answer], run.err
    if fmt == "json":
        assert json.loads(run.out)["answer"] == answer
    elif fmt == "markdown":
        assert f"**Answer: {answer}**" in run.out.splitlines()[2]
    elif args:
        assert run.out.startswith(f"{args[1]}: {answer}, ")


# -- a PR or issue the plan does not name ---------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "line"),
    [
        (
            "kubespawner#250",
            "kubespawner#250: clear, not named by the plan, so not held (did you mean kubespawner#205 or #230?)",
        ),
        ("kubespawner#999", "kubespawner#999: clear, not named by the plan, so not held"),
        (
            "jupyterhub#2034",
            "jupyterhub#2034: clear, not named by the plan, so not held (did you mean jupyterhub#2043?)",
        ),
        ("z2jh#785", "z2jh#785: clear, not named by the plan, so not held (did you mean z2jh#758?)"),
        ("someone/else#250", "someone/else#250: clear, not named by the plan, so not held"),
        ("jupyterhub#2043", "jupyterhub#2043: clear, not held by the plan"),
    ],
    ids=["typo", "far", "issue-swapped-digits", "chart-typo", "other-repository", "named-not-held"],
)
def test_a_pr_the_plan_does_not_name_says_so(run_cli: RunCli, subject: str, line: str) -> None:
    """A PR or issue the plan does not name is clear as 'not named by the plan', with the plan's near numbers."""
    for argv in (("check", "--pr", subject), ("explain", subject)):
        run = run_cli(*argv)
        assert run.code == 0, run.err
        assert run.out == f"{line}\n"


def test_an_unnamed_pr_of_a_family_with_unknown_parts_stays_unknown(run_cli: RunCli, tmp_path: Path) -> None:
    """When the search for a held family's parts failed, an unlisted PR of its repo is unknown, not 'not named'."""
    state = load_snapshot(ROOT / "config" / "jupyterhub-2018-08-09.state.json")
    why = Unknown("GitHub's search for the parts of z2jh#758 gave incomplete results")
    unsure = dataclasses.replace(state, families={**state.families, ("jupyterhub/zero-to-jupyterhub-k8s", 758): why})
    snapshot = tmp_path / "unsure.state.json"
    snapshot.write_text(dump_snapshot(unsure), encoding="utf-8")
    plan = str(ROOT / "config" / "jupyterhub-2018.toml")
    for fmt in ("text", "json"):
        run = run_cli("check", plan, "--snapshot", str(snapshot), "--pr", "z2jh#785", "--format", fmt)
        assert run.code == 3, run.out + run.err
        assert "not named" not in run.out
        assert "did you mean" not in run.out
    assert json.loads(run.out)["question"]["detail"] == "the state needed to decide is unknown"


# -- the command line forgives: swapped arguments, addresses, an offline check -----------------------


def test_explain_with_the_plan_first_is_understood(run_cli: RunCli) -> None:
    """`explain PLAN ID` is read as `explain ID PLAN`: the same explanation and exit code, no error."""
    plan, snapshot = (
        str(ROOT / "config" / "jupyterhub-2018.toml"),
        str(ROOT / "config" / "jupyterhub-2018-08-09.state.json"),
    )
    swapped = run_cli("explain", plan, "chart", "--snapshot", snapshot)
    assert swapped == run_cli("explain", "chart", plan, "--snapshot", snapshot)
    assert swapped.code == 1
    assert "chart is blocked" in swapped.out


def test_explain_of_a_plan_alone_asks_for_the_subject(run_cli: RunCli) -> None:
    """`explain PLAN` without an ID is exit 2 saying to name what to explain, never the built-in example's error."""
    plan = str(ROOT / "config" / "jupyterhub-2018.toml")
    run = run_cli("explain", plan)
    assert run.code == 2
    assert run.err == (
        f"release-gate: error: explain: {plan} is the plan: name what to explain too. "
        f"Write release-gate explain ID {plan}, with a release id, a hold id or a PR ref as ID\n"
    )


@pytest.mark.parametrize(
    ("address", "ref"),
    [
        ("https://github.com/jupyterhub/kubespawner/pull/205", "kubespawner#205"),
        ("https://github.com/jupyterhub/kubespawner/pull/205/", "kubespawner#205"),
        ("https://github.com/jupyterhub/kubespawner/pull/205#discussion_r1", "kubespawner#205"),
        ("https://github.com/jupyterhub/jupyterhub/issues/2043", "jupyterhub#2043"),
        ("https://github.com/jupyterhub/jupyterhub/issues/2043/", "jupyterhub#2043"),
    ],
    ids=["pull", "pull-slash", "pull-fragment", "issue", "issue-slash"],
)
def test_a_pr_or_issue_address_is_a_ref(run_cli: RunCli, address: str, ref: str) -> None:
    """The page address of a PR or issue answers as its ref does, for `check --pr` and `explain`."""
    for command in (("check", "--pr"), ("explain",)):
        assert run_cli(*command, address) == run_cli(*command, ref)
    assert run_cli("check", "--pr", address).out.startswith(f"{ref}: ")


def test_an_assumption_may_name_a_pr_by_its_address(run_cli: RunCli) -> None:
    """`--assume 'URL merged'` assumes that PR merged, as 'REF merged' does."""
    by_ref = ("--assume", "kubespawner#230 merged", "--assume", "kubespawner#232 merged")
    by_address = (
        "--assume",
        "https://github.com/jupyterhub/kubespawner/pull/230 merged",
        "--assume",
        "https://github.com/jupyterhub/kubespawner/pull/232/ merged",
    )
    before = run_cli("check", "--release", "kubespawner")
    after = run_cli("check", "--release", "kubespawner", *by_address)
    assert (before.code, after.code) == (1, 0), after.err
    assert after.out == run_cli("check", "--release", "kubespawner", *by_ref).out
    document = json.loads(run_cli("check", "--format", "json", *by_address).out)
    assert [c["id"] for c in document["what_if"]["changes"] if c["kind"] == "release"] == ["kubespawner"]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("--github-url", "http://127.0.0.1:1"), "GitHub (http://127.0.0.1:1): cannot connect"),
        (("--token-env", "RELEASE_GATE_TEST_NO_TOKEN"), "GitHub: --token-env names RELEASE_GATE_TEST_NO_TOKEN"),
    ],
    ids=["no-network", "no-token"],
)
def test_an_offline_check_names_the_snapshot_beside_the_plan(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], problem: str
) -> None:
    """When the live read fails and a *.state.json sits beside the plan, the error says to add --snapshot with it."""
    monkeypatch.chdir(tmp_path)
    assert run_cli("example").code == 0
    run = run_cli("check", "jupyterhub-2018.toml", "--no-cache", *args)
    assert run.code == 3, run.out + run.err
    assert run.out == ""
    assert run.err.startswith(f"release-gate: state unavailable: {problem}")
    assert run.err.endswith(
        ". Add --snapshot jupyterhub-2018.state.json to check against the snapshot beside the plan\n"
    )
    assert run.err.count("release-gate:") == 1
    explained = run_cli("explain", "chart", "jupyterhub-2018.toml", "--no-cache", *args)
    assert explained.code == 3
    assert "Add --snapshot jupyterhub-2018.state.json" in explained.err


def test_an_offline_check_with_no_snapshot_beside_the_plan_says_only_what_failed(
    run_cli: RunCli, tmp_path: Path
) -> None:
    """Without a *.state.json beside the plan, the live read's error is as it was: no snapshot is suggested."""
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    run = run_cli("check", str(tmp_path / "plan.toml"), "--no-cache", "--github-url", "http://127.0.0.1:1")
    assert run.code == 3
    assert "cannot connect" in run.err
    assert "--snapshot" not in run.err


# -- the parser: each command's usage, did-you-mean, the live-read options grouped -------------------


@pytest.mark.parametrize(
    ("argv", "command", "message"),
    [
        (("check", "--formt", "json"), "check", "unrecognized arguments: --formt (did you mean --format?)"),
        (("--formt", "json"), "check", "unrecognized arguments: --formt (did you mean --format?)"),
        (("check", "--form", "json"), "check", "unrecognized arguments: --form (did you mean --format?)"),
        (("check", "--relase=chart"), "check", "unrecognized arguments: --relase=chart (did you mean --release?)"),
        (("gate", "--contxt", "x"), "gate", "unrecognized arguments: --contxt x (did you mean --context?)"),
        (("explain", "chart", "--verbos"), "explain", "unrecognized arguments: --verbos (did you mean --verbose?)"),
        (("check", "a.toml", "b.toml"), "check", "unrecognized arguments: b.toml"),
    ],
    ids=["check", "no-command", "abbreviated", "with-value", "gate", "explain", "extra-plan"],
)
def test_a_bad_option_shows_its_commands_usage_and_the_closest_option(
    run_cli: RunCli, argv: tuple[str, ...], command: str, message: str
) -> None:
    """A misspelt, abbreviated or extra argument shows the command's own usage and suggests the closest option."""
    run = run_cli(*argv)
    assert run.code == 2
    assert run.out == ""
    usage, _, error = run.err.partition("release-gate: error: ")
    assert usage.startswith(f"usage: release-gate {command} [-h]")
    assert error == f"{message}; see 'release-gate {command} --help'\n"


@pytest.mark.parametrize("command", ["check", "explain", "next", "report", "timeline", "gate", "snapshot", "validate"])
def test_help_groups_the_options_of_reading_live_state(run_cli: RunCli, command: str) -> None:
    """`--help` lists the live-read options (token, URL, timeout, cache, quiet) in their own group."""
    run = run_cli(command, "--help")
    assert run.code == 0
    options, found, live = run.out.partition("\noptions:\n")[2].partition("\nreading live state:\n")
    assert found, run.out
    for option in ("--token-env", "--github-url", "--timeout", "--cache-dir", "--no-cache", "-q, --quiet"):
        assert option in live
        assert option not in options
    assert "--snapshot" not in live


def test_example_run_twice_names_the_files_that_exist(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`example` again in the same folder names the files there, not --output, which was not given."""
    monkeypatch.chdir(tmp_path)
    assert run_cli("example").code == 0
    again = run_cli("example")
    assert again.code == 2
    assert again.err == (
        "release-gate: error: example: jupyterhub-2018.toml and jupyterhub-2018.state.json already exist here. "
        "Remove them, or name another folder with -o DIR\n"
    )
    (tmp_path / "jupyterhub-2018.toml").unlink()
    once = run_cli("example", "--output", ".")
    assert once.err == (
        "release-gate: error: --output: jupyterhub-2018.state.json already exists. Remove it, or name another folder\n"
    )
    assert not (tmp_path / "jupyterhub-2018.toml").exists()  # nothing is written when anything is there


# -- formats ------------------------------------------------------------------------------------


def test_json_report_is_valid_and_deterministic(run_cli: RunCli) -> None:
    """`--format json` prints one JSON document, byte-identical across runs."""
    first = run_cli("check", "--format", "json")
    second = run_cli("check", "--format", "json")
    assert first.code == 1
    assert first.out == second.out
    document = json.loads(first.out)
    assert document["schema_version"] == 2
    assert document["answer"] == "blocked"


def test_json_report_lists_releases_in_plan_order_with_statuses(run_cli: RunCli) -> None:
    """The JSON report keeps the plan's release order and gives each release's status."""
    document = json.loads(run_cli("check", "--format", "json").out)
    statuses = {r["id"]: r["status"] for r in document["releases"]}
    assert [r["id"] for r in document["releases"]] == EXAMPLE_RELEASES
    assert statuses == {
        "kubespawner": "blocked",
        "oauthenticator": "unblocked",
        "jupyterhub": "unblocked",
        "chart": "blocked",
        "batchspawner": "blocked",
    }
    assert [pr["label"] for hold in document["holds"] for pr in hold["prs"]] == ["kubespawner#205", "z2jh#758"]


def test_json_report_has_no_colour(run_cli: RunCli) -> None:
    """JSON output stays parseable even when colour is forced on."""
    run = run_cli("check", "--format", "json", "--color", "always")
    assert ESC not in run.out
    json.loads(run.out)


def test_markdown_report_lists_every_release(run_cli: RunCli) -> None:
    """`--format markdown` lists every release under can ship now or blocked, each once."""
    run = run_cli("check", "--format", "markdown")
    assert run.code == 1
    listed = re.findall(r"^- \*\*([^*]+)\*\* `", run.out, re.MULTILINE)
    assert sorted(listed) == sorted(EXAMPLE_RELEASES)


# -- colour ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "env", "coloured"),
    [
        ("always", {}, True),
        ("never", {}, False),
        ("never", {"FORCE_COLOR": "1"}, False),
        ("auto", {}, False),
        ("auto", {"NO_COLOR": "1"}, False),
        ("auto", {"FORCE_COLOR": "1"}, True),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
    ],
    ids=[
        "always",
        "never",
        "never-beats-force",
        "auto-not-a-tty",
        "auto-no-color",
        "auto-force-color",
        "no-color-beats-force",
    ],
)
def test_colour_follows_option_and_environment(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, option: str, env: dict[str, str], coloured: bool
) -> None:
    """ANSI escapes appear exactly when --color and NO_COLOR / FORCE_COLOR ask for them."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    run = run_cli("check", "--color", option)
    assert run.code == 1
    assert (ESC in run.out) is coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", run.out) == run_cli("check", "--color", "never").out


class _Terminal(io.StringIO):
    """Standard output on a terminal of a given size: a pseudo-terminal's size, the text kept in memory."""

    def __init__(self, columns: int) -> None:
        super().__init__()
        self.leader, self.follower = os.openpty()
        fcntl.ioctl(self.follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.follower

    def close(self) -> None:
        os.close(self.leader)
        os.close(self.follower)
        super().close()


def _printed(argv: tuple[str, ...], env: dict[str, str], terminal: int | None = None) -> str:
    """Return what ``release-gate ARGV`` prints about the 2018 example, on a terminal *terminal* wide if given."""
    out = _Terminal(terminal) if terminal is not None else io.StringIO()
    example = ("jupyterhub-2018.toml", "--snapshot", "jupyterhub-2018-08-09.state.json")
    try:
        main([*argv, *example], stdout=out, stderr=io.StringIO(), env=env)
        return out.getvalue()
    finally:
        out.close()


_WRAPPED = [("check",), ("check", "-v"), ("explain", "chart"), ("check", "--pr", "kubespawner#205"), ("next",)]


@pytest.fixture
def in_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work in config/, so that the example's files have short names in the output."""
    monkeypatch.chdir(ROOT / "config")


@pytest.mark.usefixtures("in_config")
@pytest.mark.parametrize("argv", _WRAPPED, ids=" ".join)
@pytest.mark.parametrize("width", [50, 80, 100])
def test_text_output_fits_columns(argv: tuple[str, ...], width: int) -> None:
    """With COLUMNS set, no line of the text output is wider, where unwrapped lines were."""
    printed, wide = _printed(argv, {"COLUMNS": str(width)}), _printed(argv, {"COLUMNS": "300"})
    assert max(len(line) for line in printed.splitlines()) <= width
    assert (printed != wide) is (max(len(line) for line in wide.splitlines()) > width)


@pytest.mark.usefixtures("in_config")
@pytest.mark.parametrize("argv", _WRAPPED, ids=" ".join)
def test_text_output_is_100_columns_wide_off_a_terminal(argv: tuple[str, ...]) -> None:
    """Without COLUMNS, text written to a pipe or a file is 100 columns wide; a COLUMNS that is no width is ignored."""
    printed = _printed(argv, {})
    assert printed == _printed(argv, {"COLUMNS": "100"})
    assert printed != _printed(argv, {"COLUMNS": "40"})
    assert _printed(argv, {"COLUMNS": "wide"}) == _printed(argv, {"COLUMNS": "0"}) == printed


@pytest.mark.usefixtures("in_config")
def test_text_output_fits_the_terminal_unless_columns_says_otherwise() -> None:
    """On a terminal, text fits the terminal's width; COLUMNS, when set, wins."""
    check = ("check", "--color", "never")
    assert _printed(check, {}, terminal=90) == _printed(check, {"COLUMNS": "90"})
    assert _printed(check, {"COLUMNS": "120"}, terminal=90) == _printed(check, {"COLUMNS": "120"})
    assert _printed(check, {}, terminal=90) != _printed(check, {"COLUMNS": "120"})


def test_explain_is_coloured_on_request(run_cli: RunCli) -> None:
    """`explain --color always` colours the verdict, `--color never` does not."""
    assert ESC in run_cli("explain", "chart", "--color", "always").out
    assert ESC not in run_cli("explain", "chart", "--color", "never").out


# -- verbose ----------------------------------------------------------------------------------------


def test_verbose_shows_the_tags_looked_at(run_cli: RunCli) -> None:
    """`-v` lists every tag considered and why it was rejected; without -v they are not shown."""
    verbose = run_cli("check", "-v")
    assert verbose.code == 1
    assert "tag 0.9.1: rejected, outside >0.9.1" in verbose.out
    assert "tag v0.8.1 (0.8.1): rejected, outside >=0.9.0b1" in verbose.out
    assert "tag 0.9.1" not in run_cli("check").out


def test_verbose_shows_skipped_tags(run_cli: RunCli, tmp_path: Path) -> None:
    """`-v` names tags that are no version under the repo's tag patterns."""
    _write(tmp_path, _GOOD)
    argv = ("check", str(tmp_path / "plan.toml"), "--snapshot", str(tmp_path / "state.json"))
    verbose = run_cli(*argv, "-v")
    assert verbose.code == 0
    assert "tag 2.0.0: accepted, satisfies >=2.0" in verbose.out
    assert re.search(r"skipped \(no pep440 version; .*\): nightly$", verbose.out, re.MULTILINE)
    assert "nightly" not in run_cli(*argv).out


# -- explain, graph, validate, schema ---------------------------------------------------------------


def test_explain_release_shows_the_whole_chain(run_cli: RunCli) -> None:
    """`explain chart` shows its blockers, the chain below them, the tags and the next actions."""
    run = run_cli("explain", "chart")
    assert run.code == 1
    assert "chart is blocked: 6 preconditions unmet" in run.out
    assert "after kubespawner >=0.9.0b1: not released (blocked)" in run.out
    assert "needs kubespawner#230 merged: open" in run.out
    assert "tag v0.6 (0.6): rejected" in run.out
    assert "next: merge kubespawner#230" in run.out
    assert "jupytercon 2018-08-23: 14 days left" in run.out


def test_explain_hold(run_cli: RunCli) -> None:
    """`explain kubespawner-big-prs` shows what the hold waits for and the PR it holds."""
    run = run_cli("explain", "kubespawner-big-prs")
    assert run.code == 1
    assert "hold kubespawner-big-prs is held" in run.out
    assert "owner: consideRatio" in run.out
    assert "until kubespawner >=0.9.0b1: blocked" in run.out
    assert re.search(r"kubespawner#205\s+held", run.out)


def test_explain_pr(run_cli: RunCli) -> None:
    """`explain kubespawner#205` says the PR must not merge yet and names its hold."""
    run = run_cli("explain", "kubespawner#205")
    assert run.code == 1
    assert "kubespawner#205: blocked, held: must not merge yet" in run.out
    assert "hold kubespawner-big-prs: held" in run.out


@pytest.mark.parametrize(
    ("subject", "hint"),
    [("nonsense", "Use a release (kubespawner"), ("chrt", "did you mean 'chart'?")],
    ids=["nonsense", "typo"],
)
def test_explain_unknown_subject_is_a_usage_error(run_cli: RunCli, subject: str, hint: str) -> None:
    """`explain` of something the plan does not have exits 2 with a hint of what it does have."""
    run = run_cli("explain", subject)
    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith(f"{BUILTIN_NOTE}release-gate: error: explain: {subject!r} is no release, hold or PR ref")
    assert hint in run.err
    assert "kubespawner-big-prs" in run.err
    _assert_no_traceback(run)


@pytest.mark.parametrize(("fmt", "start"), [("dot", "digraph"), ("mermaid", "flowchart")], ids=["dot", "mermaid"])
def test_graph_formats(run_cli: RunCli, fmt: str, start: str) -> None:
    """`graph --format dot` prints Graphviz, `--format mermaid` a Mermaid flowchart."""
    run = run_cli("graph", "--format", fmt)
    assert run.code == 0
    assert run.out.startswith(start)
    for release in EXAMPLE_RELEASES:
        assert release in run.out


def test_graph_defaults_to_dot(run_cli: RunCli) -> None:
    """`graph` without --format prints Graphviz dot."""
    assert run_cli("graph").out.startswith("digraph")


def test_graph_to_a_file_it_cannot_write_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    """`graph -o` into a folder that does not exist is exit 2 naming --output, not an internal error."""
    target = tmp_path / "missing" / "graph.dot"
    run = run_cli("graph", "-o", str(target))
    assert run.code == 2, run.err
    assert f"release-gate: error: --output: cannot write {target}" in run.err
    _assert_no_traceback(run)


# -- report: exits 0 once written ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_report_of_a_blocked_plan_exits_0_once_written(run_cli: RunCli, tmp_path: Path, fmt: str) -> None:
    """`report -o FILE` on the blocked 2018 example writes the file and exits 0: gating is check's job."""
    out = tmp_path / f"report.{fmt}"
    run = run_cli("report", "--format", fmt, "-o", str(out))
    assert run.code == 0, run.err
    assert run.err == BUILTIN_NOTE + f"release-gate: wrote {out}\n"
    assert "chart" in out.read_text(encoding="utf-8")
    assert run_cli("check").code == 1  # the same plan still fails the check


def test_report_of_an_unknown_state_is_written_shows_it_and_exits_0(run_cli: RunCli, tmp_path: Path) -> None:
    """A state that leaves a release unknown still makes a report that says so, and the report exits 0."""
    _write(tmp_path, {"plan.toml": PLAN, "state.json": SNAPSHOT_WITHOUT_B})
    out = tmp_path / "report.md"
    plan, state = str(tmp_path / "plan.toml"), str(tmp_path / "state.json")
    run = run_cli("report", plan, "--snapshot", state, "--format", "markdown", "-o", str(out))
    assert run.code == 0, run.err
    text = out.read_text(encoding="utf-8")
    assert "unknown" in text
    assert "o/b is not in the state" in text
    assert run_cli("check", plan, "--snapshot", state).code == 3  # check still fails closed


@pytest.mark.parametrize(
    ("files", "output", "needle"),
    [
        ({"plan.toml": _plan_with('version = ">=1.0"', 'version = "one"'), "state.json": SNAPSHOT}, "r.html", "plan"),
        (_GOOD, "missing/r.html", "--output: cannot write"),
    ],
    ids=["plan-error", "unwritable-path"],
)
def test_a_report_that_cannot_be_made_exits_2_and_writes_nothing(
    run_cli: RunCli, tmp_path: Path, files: dict[str, str], output: str, needle: str
) -> None:
    """A plan error or a path that cannot be written is exit 2 with one message, and no file."""
    _write(tmp_path, files)
    out = tmp_path / output
    run = run_cli("report", str(tmp_path / "plan.toml"), "--snapshot", str(tmp_path / "state.json"), "-o", str(out))
    assert run.code == 2, run.err
    assert needle in run.err
    assert not out.exists()
    _assert_no_traceback(run)


def test_a_report_when_github_cannot_be_read_at_all_exits_3_and_writes_nothing(
    run_cli: RunCli, tmp_path: Path, fake_github: FakeGitHub
) -> None:
    """When no state can be read (GitHub refuses the token), there is nothing to report: exit 3, no file."""
    out = tmp_path / "report.html"
    plan = str(ROOT / "config" / "jupyterhub-2018.toml")
    run = run_cli("report", plan, "--github-url", fake_github.url, "--no-cache", "-o", str(out), env={"GH_TOKEN": "no"})
    assert run.code == 3, run.err
    assert "release-gate: state unavailable:" in run.err
    assert not out.exists()


def test_timeline_warns_of_a_token_over_plain_http_on_its_own_stderr(run_cli: RunCli) -> None:
    """`timeline` with a token and an http:// API URL on another host warns on the command's stderr, like check."""
    plan = str(ROOT / "config" / "jupyterhub-2018.toml")
    url = "http://github.internal.test/api/v3"
    run = run_cli("timeline", "2018-08-01", "2018-08-09", plan, "--github-url", url, env={"GH_TOKEN": "t0ken"})
    assert run.code == 3, run.err
    assert "warning: the GitHub token goes unencrypted over plain http:// to github.internal.test;" in run.err
    assert "t0ken" not in run.err


def test_validate_the_example(run_cli: RunCli) -> None:
    """`validate` on the example plan exits 0 and says ok with a count of what it read."""
    run = run_cli("validate", str(ROOT / "config" / "jupyterhub-2018.toml"))
    assert run.code == 0
    assert ": ok: 5 repos, 5 releases, 2 holds" in run.out
    assert run.out.rstrip().endswith("-> chart")


@pytest.mark.parametrize("where", PLAN_NAMES)
def test_validate_without_a_plan_validates_the_repositorys_plan(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """`validate` with no file checks the repository's plan, says which on stderr, and fails when it is broken."""
    (tmp_path / ".git").mkdir()
    (tmp_path / where).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / where).write_text(PLAN.replace('github = "o/b"', 'github = "o/b"\nnonsense = 1'), encoding="utf-8")
    (tmp_path / "docs").mkdir()
    monkeypatch.chdir(tmp_path / "docs")  # a folder inside the repository: the plan at its top is found
    run = run_cli("validate")
    assert run.code == 2, run.out + run.err
    assert run.err.startswith(f"release-gate: no plan named: validating {tmp_path / where}\n")
    assert "nonsense" in run.err
    assert "ok:" not in run.out


def test_validate_with_nothing_to_validate_exits_2(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`validate` with no file and no plan in the repository is a usage error, never "ok" on the example."""
    monkeypatch.chdir(tmp_path)
    run = run_cli("validate")
    assert run.code == 2
    assert run.out == ""
    assert "no plan file named, and none found here (.github/release-plan.toml or release-plan.toml)" in run.err


def test_check_without_a_plan_uses_the_repositorys_plan(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check` with no plan in a repository that has .github/release-plan.toml evaluates that plan, not the example."""
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "release-plan.toml").write_text(PLAN, encoding="utf-8")
    (tmp_path / "release-plan.toml").write_text("not even TOML [", encoding="utf-8")  # the first found wins
    _write(tmp_path, {"state.json": SNAPSHOT})
    monkeypatch.chdir(tmp_path)
    run = run_cli("check", "--snapshot", "state.json")
    assert run.code == 0, run.out + run.err
    assert run.err == f"release-gate: no plan named: using {Path('.github') / 'release-plan.toml'}\n"
    assert run.out.startswith("two releases\n")


def test_validate_a_plan_file(run_cli: RunCli, tmp_path: Path) -> None:
    """`validate PLAN` checks the given file, not the example, and needs no state."""
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    run = run_cli("validate", str(tmp_path / "plan.toml"))
    assert run.code == 0
    assert "ok: 2 repos, 2 releases, 0 holds" in run.out
    assert "release order: a -> b" in run.out


def test_schema_is_json_schema(run_cli: RunCli) -> None:
    """`schema` prints a JSON Schema document."""
    run = run_cli("schema")
    assert run.code == 0
    schema = json.loads(run.out)
    assert "$schema" in schema
    assert schema["type"] == "object"


# -- --as-of ---------------------------------------------------------------------------------------------


def test_as_of_an_earlier_day(run_cli: RunCli) -> None:
    """`--as-of 2018-08-01` evaluates the example at that day: still blocked, 22 days left."""
    run = run_cli("check", "--as-of", "2018-08-01")
    assert run.code == 1, run.err
    assert "as of 2018-08-01" in run.out
    assert "jupytercon 2018-08-23: 22 days left" in run.out


def test_as_of_the_moment_the_state_was_taken(run_cli: RunCli) -> None:
    """`--as-of` exactly when the snapshot was taken is allowed and equals no --as-of."""
    assert run_cli("check", "--as-of", "2018-08-09T18:00:00Z") == run_cli("check")


# -- entry points ------------------------------------------------------------------------------------------

_LAUNCHERS = {
    "python-m": [sys.executable, "-m", "release_gate"],
    "console-script": [str(Path(sys.executable).parent / "release-gate")],
}


def _launch(monkeypatch: pytest.MonkeyPatch, launcher: str, *argv: str) -> subprocess.CompletedProcess[str]:
    for name in ("NO_COLOR", "FORCE_COLOR", "RELEASE_GATE_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return subprocess.run(
        [*_LAUNCHERS[launcher], *argv], capture_output=True, text=True, check=False, cwd=ROOT, timeout=120
    )


@pytest.mark.parametrize("launcher", list(_LAUNCHERS))
@pytest.mark.parametrize(
    ("argv", "code"),
    [((), 1), (("check", "--release", "jupyterhub"), 0), (("check", "--release", "nope"), 2)],
    ids=["default", "clear", "usage-error"],
)
def test_entry_points_exit_like_main(
    monkeypatch: pytest.MonkeyPatch, run_cli: RunCli, launcher: str, argv: tuple[str, ...], code: int
) -> None:
    """`python -m release_gate` and the console script exit with main()'s code and print its output."""
    done = _launch(monkeypatch, launcher, *argv)
    monkeypatch.chdir(ROOT)  # the same working directory as the subprocess
    in_process = run_cli(*argv)
    assert in_process.code == code
    assert done.returncode == code, done.stderr
    assert done.stdout == in_process.out
    assert done.stderr == in_process.err
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("launcher", list(_LAUNCHERS))
def test_help_exits_0(monkeypatch: pytest.MonkeyPatch, launcher: str) -> None:
    """`--help` prints usage and the exit codes, and exits 0."""
    done = _launch(monkeypatch, launcher, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: release-gate")
    assert "Exit codes: 0 clear" in done.stdout
    assert done.stderr == ""


def test_version(run_cli: RunCli) -> None:
    """`--version` prints the version and exits 0."""
    run = run_cli("--version")
    assert run.code == 0
    assert run.out == f"release-gate {__version__}\n"


def test_example_writes_the_plan_and_state_once(run_cli: Callable[..., Run], tmp_path: Path) -> None:
    """`example -o DIR` writes the built-in plan and state, which check as the built-in run does; never overwrites."""
    first = run_cli("example", "-o", str(tmp_path / "ex"))
    assert first.code == 0, first.err
    plan, state = tmp_path / "ex" / "jupyterhub-2018.toml", tmp_path / "ex" / "jupyterhub-2018.state.json"
    assert first.out == f"wrote {plan}\nwrote {state}\n"
    checked, built_in = run_cli("check", str(plan), "--snapshot", str(state)).out, run_cli().out
    assert checked[checked.index("\nReleases\n") :] == built_in[built_in.index("\nReleases\n") :]
    again = run_cli("example", "-o", str(tmp_path / "ex"))
    assert again.code == 2
    assert "already exist" in again.err
    assert "Traceback" not in again.err


def test_validate_checks_every_file_given(run_cli: Callable[..., Run], tmp_path: Path) -> None:
    """`validate A B C` (as pre-commit calls it) checks each file, reports each broken one, and exits 2 if any is."""
    good = ROOT / "config" / "jupyterhub-2018.toml"
    bad = tmp_path / "bad.plan.toml"
    bad.write_text('[plan]\nname = "x"\n[releases.a]\nversion = ">=1"\n', encoding="utf-8")
    worse = tmp_path / "worse.plan.toml"
    worse.write_text("[plan\n", encoding="utf-8")
    run = run_cli("validate", str(good), str(bad), str(worse))
    assert run.code == 2
    assert f"{good}: ok:" in run.out
    assert str(bad) in run.err
    assert str(worse) in run.err
    assert "Traceback" not in run.err
    assert run_cli("validate", str(good), str(good)).code == 0


def test_a_pin_outside_the_repository_never_reaches_github(
    run_cli: RunCli, tmp_path: Path, fake_github: FakeGitHub
) -> None:
    """Without a token, a pin path of '..' segments is refused with exit 2 before any request to GitHub."""
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[plan]\nname = "t"\n[repos.kubespawner]\ngithub = "jupyterhub/kubespawner"\n'
        '[releases.kubespawner]\nversion = ">=0.9.0b1"\npins = ["../../../../rate_limit"]\n',
        encoding="utf-8",
    )
    run = run_cli("check", str(plan), "--github-url", fake_github.url, env={})
    assert run.code == 2, run.err
    _assert_no_traceback(run)
    assert run.err.count("release-gate: error:") == 1
    assert "releases.kubespawner.pins[0]" in run.err
    assert fake_github.requests == []


def test_the_old_state_option_still_names_a_snapshot(run_cli: RunCli) -> None:
    """`--state FILE`, the earlier name of `--snapshot FILE`, still works and gives the same answer."""
    plan, snapshot = (
        str(ROOT / "config" / "jupyterhub-2018.toml"),
        str(ROOT / "config" / "jupyterhub-2018-08-09.state.json"),
    )
    old = run_cli("check", plan, "--state", snapshot)
    new = run_cli("check", plan, "--snapshot", snapshot)
    assert (old.code, old.out) == (new.code, new.out) == (1, new.out)


def test_the_built_in_example_carries_the_weeks_after_the_meeting(run_cli: RunCli) -> None:
    """The built-in example answers as of the meeting, and its timeline shows the releases that followed."""
    meeting = run_cli()
    assert "taken 2018-08-31 18:00 UTC; verdicts as of 2018-08-09 18:00 UTC" in " ".join(meeting.out.split())
    assert meeting.code == 1
    run = run_cli("timeline", "2018-08-01", "2018-08-31")
    assert run.code == 0, run.err
    for line in (
        r"2018-08-11 \S+ UTC\s+release\s+jupyterhub\s+tagged\s+released",
        r"2018-08-11 \S+ UTC\s+release\s+oauthenticator\s+tagged\s+released",
        r"2018-08-19 \S+ UTC\s+release\s+kubespawner\s+tagged\s+released",
        r"2018-08-19 08:00 UTC\s+release\s+chart\s+blocked\s+unblocked",
        r"2018-08-19 \S+ UTC\s+release\s+chart\s+tagged\s+released",
    ):
        assert re.search(f"^{line}$", run.out, re.MULTILINE), line
    assert "no changes" not in run.out


def test_a_timeline_with_nothing_happening_says_so(run_cli: RunCli) -> None:
    """Over a period where no verdict moves, the timeline gives the statuses at its start and says no changes."""
    run = run_cli("timeline", "2018-08-20", "2018-08-25")
    assert run.code == 0, run.err
    assert run.out.endswith("no changes between 2018-08-20 00:00 UTC and 2018-08-25 00:00 UTC\n")
