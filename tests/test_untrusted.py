"""Text from outside never reaches a terminal or a log raw: release_gate.untrusted and every renderer.

PR and issue titles, labels, tag names, GitHub releases, registry versions, Unknown reasons and
pin files are drawn from hostile text (escape sequences, bidi overrides, a newline before
``::error::``, lone surrogates...). Every report, the Actions annotations and summary, and the
command line must show them escaped, on the line they belong to. Derandomised (a fixed seed),
like tests/test_fuzz.py, so CI runs the same examples every time.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from release_gate import check, parse_plan
from release_gate.cli import main
from release_gate.cli._common import write_notes
from release_gate.errors import PlanError, PlanIssue, SnapshotError, StateUnavailableError, UsageError
from release_gate.evaluate import Evaluation, evaluate
from release_gate.evaluate.timeline import timeline
from release_gate.gate.actions import annotation_lines, outputs, summary
from release_gate.gate.decide import DESCRIPTION_LIMIT, Decision, Override, StatusState, decide, unavailable
from release_gate.graph import build_graph
from release_gate.plan.model import ItemRef, Source
from release_gate.report import html as html_report
from release_gate.report import json as json_report
from release_gate.report import markdown, text
from release_gate.report import svg as svg_report
from release_gate.report.graph import render_dot, render_mermaid
from release_gate.sources.snapshot import SnapshotStateProvider, dump_snapshot
from release_gate.state import (
    GitHubRelease,
    PullRequest,
    ReadStats,
    RepoState,
    State,
    Unknown,
    registry_key,
    request_for,
)
from release_gate.testing.provider import FakeStateProvider
from release_gate.untrusted import clean, clean_output, json_safe
from tests.conftest import Run

SETTINGS = settings(
    derandomize=True, database=None, max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
WORLD_SETTINGS = settings(
    derandomize=True, database=None, max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
CLI_SETTINGS = settings(
    derandomize=True,
    database=None,
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

TAKEN = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)

# -- the oracle: what a terminal or the Actions runner would act on ---------------------------

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ANNOTATION_CONTROLS = frozenset("\ufff9\ufffa\ufffb")
_OUR_COLOURS = re.compile(r"\x1b\[[0-9;]*m")
_LEGACY_COMMAND = re.compile("#[\u00ad\u200b-\u200d\u2060\ufeff]*#[\u00ad\u200b-\u200d\u2060\ufeff]*\\[")
_OUR_ANNOTATION = re.compile(r"::(error|warning) title=release-gate%3A [^:]*::")


def _unsafe(char: str) -> bool:
    """Whether a terminal or log would act on *char*: controls, separators, surrogates, bidi and annotation controls."""
    return unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") or char in _BIDI or char in _ANNOTATION_CONTROLS


def _assert_safe(output: str, *, colour: bool = False, commands: int = 0) -> None:
    """No unsafe character but our newlines (and colours), no legacy command, no line starting ``::`` but ours."""
    shown = _OUR_COLOURS.sub("", output) if colour else output
    assert [char for char in shown if _unsafe(char) and char != "\n"] == []
    assert _LEGACY_COMMAND.search(output) is None
    starts = [line for line in output.split("\n") if line.lstrip().startswith("::")]
    assert len(starts) == commands, starts
    assert all(_OUR_ANNOTATION.match(line) for line in starts), starts


# -- hostile text ------------------------------------------------------------------------------

HOSTILE = (
    "\x1b]0;owned\x07",  # set the window title
    "\x1b[2J",  # clear the screen
    "\x1b[31mRED\x1b[0m",
    "\x1b[8m",  # conceal what follows
    "\u202eexe.txt",  # right-to-left override
    "\u2066\u2069\u061c\u200e\u200f",
    "\n::error::injected",
    "\r\n::warning file=x::spoofed",
    "\n  ::add-mask::secret",
    "\r",
    "\x85",  # NEL
    "\x9b2J",  # CSI as one C1 character
    "\u2028",
    "\u2029",
    "\ud800x",  # a lone high surrogate (never followed by a low one: that would be a pair)
    "\udc00",
    "\x00",
    "\x7f",
    "\t",
    "\x0b\x0c\x1c",
    "\ufff9",
    "##[error]legacy command",
    "#\u200b#[set-output name=verdict;]clear",
    "::set-output name=verdict::clear",
)
"""Text a terminal or the Actions runner would act on."""
SAFE = ("v1.0", "1.0.0", " ", "é", "日本", "👩\u200d💻", "[Part 1 of #5] ", "%0A", "\\n", "::")
PIECE = st.one_of(st.sampled_from(HOSTILE + SAFE), st.text(max_size=3))
HOSTILE_TEXT = st.builds(lambda a, b, c: a + b + c, PIECE, st.sampled_from(HOSTILE), PIECE)

_UNSAFE_IN_TEST = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufff9-\ufffb\ud800-\udfff]"
)


# -- clean, clean_output, json_safe ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\nb", "a\\nb"),
        ("a\rb", "a\\rb"),
        ("a\tb", "a\\tb"),
        ("\x1b]0;owned\x07", "\\x1b]0;owned\\x07"),
        ("\x1b[2J", "\\x1b[2J"),
        ("\x00\x7f", "\\x00\\x7f"),
        ("\x85\x9b", "\\x85\\x9b"),
        ("\u2028\u2029", "\\u2028\\u2029"),
        ("file\u202eexe.txt", "file\\u202eexe.txt"),
        ("\u061c\u200e\u200f\u202a\u2066\u2069", "\\u061c\\u200e\\u200f\\u202a\\u2066\\u2069"),
        ("\ufff9\ufffb", "\\ufff9\\ufffb"),
        ("\ud800", "\\ud800"),
        ("v1.0\n::error::x", "v1.0\\n::error::x"),
        ("##[error]x", "##\\x5berror]x"),
        ("#\u200b#[add-mask]x", "#\u200b#\\x5badd-mask]x"),
    ],
)
def test_clean_escapes_what_a_terminal_would_act_on(raw: str, shown: str) -> None:
    """Controls, separators, bidi controls, lone surrogates and the legacy ``##[`` are escaped visibly."""
    assert clean(raw) == shown


@pytest.mark.parametrize(
    "kept", ["kubespawner 0.9.0b1", "café", "日本語", "👩\u200d💻", "\u200b\u00a0", "a\\nb", "##", "#[", "50%"]
)
def test_clean_returns_safe_text_itself(kept: str) -> None:
    """Accents, emoji with joiners and text with nothing to escape come back as the same string."""
    assert clean(kept) is kept


@SETTINGS
@given(st.text(st.characters(exclude_categories=()), max_size=40))
def test_clean_is_one_safe_line_and_idempotent(raw: str) -> None:
    """Whatever the text, clean gives one line with nothing unsafe, and cleaning it again changes nothing."""
    shown = clean(raw)
    assert [char for char in shown if _unsafe(char)] == []
    assert _LEGACY_COMMAND.search(shown) is None
    assert clean(shown) == shown
    if _UNSAFE_IN_TEST.search(raw) is None and "#" not in raw:
        assert shown is raw


@pytest.mark.parametrize(
    "ours",
    [
        "plain\nlines\n",
        "\x1b[1mname\x1b[0m\n  \x1b[32mreleased\x1b[0m \x1b[31;1mviolated\x1b[0m\n",
        "\r\x1b[Kreading 3 of 9\r\x1b[K",
    ],
)
def test_clean_output_keeps_our_newlines_colours_and_progress_line(ours: str) -> None:
    """Our own newlines, colour codes and the progress line's clear pass the last guard unchanged."""
    assert clean_output(ours) == ours


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\rb\n", "a\\rb\n"),
        ("\x1b]0;owned\x07\n", "\\x1b]0;owned\\x07\n"),
        ("\x1b[2J\x1b[K\x1b[8mhidden\n", "\\x1b[2J\\x1b[K\\x1b[8mhidden\n"),
        ("x\u2028::error::y\n", "x\\u2028::error::y\n"),
        ("tag ##[error]x\n", "tag ##\\x5berror]x\n"),
        ("\ud800\t\n", "\\ud800\\t\n"),
    ],
)
def test_clean_output_escapes_everything_else(raw: str, shown: str) -> None:
    """Any other control sequence, a bare CR, a separator or a legacy command is escaped, not acted on."""
    assert clean_output(raw) == shown


def _no_surrogate_pair(text: str) -> bool:
    return re.search("[\ud800-\udbff][\udc00-\udfff]", text) is None


@SETTINGS
@given(st.lists(st.text(st.characters(exclude_categories=()), max_size=12).filter(_no_surrogate_pair), max_size=4))
def test_json_safe_is_lossless_and_safe(strings: list[str]) -> None:
    """JSON made safe still decodes to the same strings, and holds nothing unsafe but its layout's newlines."""
    document = json_safe(json.dumps({"values": strings}, indent=2, ensure_ascii=False))
    _assert_safe(document)
    assert json.loads(document) == {"values": strings}


# -- errors, notes, statuses -------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        StateUnavailableError("GitHub\n", "rate limited\n::error::owned\x1b[2J", "wait\u202e"),
        SnapshotError("state\r.json", "repos.o/r\x1b]0;x\x07 is not an object", "Fix it\n::warning::x"),
        UsageError("--pr", "'\u2028' is no PR", "Use\x85 one"),
    ],
)
def test_an_error_quoting_outside_text_is_one_clean_line(error: Exception) -> None:
    """A message built from outside text is one line with every control escaped."""
    message = str(error)
    assert "\n" not in message
    _assert_safe(message)


def test_a_plan_error_keeps_one_clean_line_per_problem() -> None:
    """A plan error lists one problem a line, however many line breaks its keys and messages hold."""
    error = PlanError(
        "plan\n.toml", (PlanIssue("releases.a\nb", "bad\n::error::x", 3), PlanIssue("repos.\x1b[2J", "\u202eworse"))
    )
    lines = str(error).split("\n")
    assert len(lines) == 3
    assert lines[0] == "plan\\n.toml: the plan has 2 problems:"
    for line in lines:
        _assert_safe(line)


def test_notes_from_a_live_read_are_clean_lines() -> None:
    """A note about the read (quoting GitHub or an index) is written as one clean line."""
    state = State(TAKEN, "live", stats=ReadStats(notes=("skipped\n::error::x\x1b[2J",)))
    stream = io.StringIO()
    write_notes(state, stream)
    assert stream.getvalue() == "release-gate: note: skipped\\n::error::x\\x1b[2J\n"


def test_a_status_description_is_clean_and_within_githubs_limit() -> None:
    """A commit status description is cleaned first, then cut to 140 characters: escapes never push it past."""
    decision = unavailable(ItemRef("o/lib", 5), "lib#5", "\x1b" * 100, "detail")
    assert len(decision.description) <= DESCRIPTION_LIMIT
    assert decision.description.startswith("release-gate: \\x1b\\x1b")
    _assert_safe(decision.description)


class _Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_guarded_streams_still_tell_a_terminal() -> None:
    """The guard around stdout keeps isatty: on a terminal, --color auto colours the report."""
    out = _Terminal()
    code = main(["check", "--color", "auto"], stdout=out, stderr=io.StringIO(), env={})
    assert code == 1
    assert "\x1b[1mJupyterHub: release before JupyterCon 2018\x1b[0m" in out.getvalue()


def test_an_error_about_a_hostile_file_name_is_one_clean_line(tmp_path: Path) -> None:
    """A plan path with a newline and escapes is named escaped: the plan error keeps its two lines."""
    err = io.StringIO()
    code = main([str(tmp_path / "x\n::error::owned\x1b[2J.toml")], stdout=io.StringIO(), stderr=err, env={})
    assert code == 2
    head, problem = err.getvalue().splitlines()
    assert head.endswith("x\\n::error::owned\\x1b[2J.toml: the plan has 1 problem:")
    assert problem.endswith(
        "x\\n::error::owned\\x1b[2J.toml: no such file; check the path, or run without a plan for the built-in example"
    )
    _assert_safe(err.getvalue())


# -- a state full of hostile text, through every renderer --------------------------------------

PLAN = """
[plan]
name = "hostile text"
[deadlines.conf]
date = 2024-07-01
[repos.lib]
github = "o/lib"
published = { pypi = "lib" }
[repos.app]
github = "o/app"
sources = ["github-releases", "tags"]
[repos.chart]
github = "o/chart"
scheme = "semver"
published = { helm = { index = "https://charts.example/index.yaml", chart = "chart" } }
[repos.tool]
github = "o/tool"
published = { pypi = "tool" }
[releases.lib]
version = ">=1.0"
accept = "pre"
deadline = "conf"
needs = { prs = ["lib#1"], issues = ["lib#2"] }
[releases.app]
version = ">=2.0"
after = ["lib"]
needs = { prs = ["app#8"] }
[releases.chart]
version = ">=1.0.0"
after = ["lib"]
pins = ["requirements.txt"]
[releases.tool]
version = ">=1.0"
[families."lib#5"]
discover = true
[holds.big]
prs = ["lib#5", "app#8"]
until = ["lib"]
reason = "release first"
owner = "someone"
[[watch]]
ref = "app#7"
"""


def _state(h: list[str]) -> State:
    """Return a state whose titles, labels, tags, releases, versions, reasons and pin file are *h*'s strings."""
    fake = (
        FakeStateProvider(taken_at=TAKEN, source="hostile fake")
        .tag("o/lib", "v0.9", "2024-01-01T00:00:00Z")
        .tag("o/lib", h[0])
        .tag("o/lib", "v1.0" + h[1], "2024-05-01T00:00:00Z")
        .pull("o/lib", 1, title=h[2])
        .issue("o/lib", 2, title=h[3])
        .pull("o/lib", 5, title=h[4])
        .pull("o/lib", 6, title="[Part 1 of #5] " + h[5])
        .published("pypi", "lib", "0.9", "2024-01-01T00:00:00Z")
        .published("pypi", "lib", h[6])
        .published("pypi", "lib", "1.0" + h[7], "2024-05-02T00:00:00Z")
        .tag("o/app", h[8])
        .pull("o/app", 7, title=h[9])
        .unknown("o/app", 8, h[10])
        .repo("o/chart", files={"requirements.txt": f"lib==0.9\n{h[11]}\n"})
        .tag("o/chart", h[12])
        .published("helm", "chart", h[13])
        .published("helm", "chart", "0.5.0")
        .repo("o/tool")
    )
    plan = parse_plan(PLAN)
    graph = build_graph(plan)
    state = fake.fetch(request_for(plan, (*graph.pull_requests(), *graph.issues())))
    repos, items, registries = dict(state.repos), dict(state.items), dict(state.registries)
    app, pr = repos["o/app"], items["o/lib", 5]
    assert isinstance(app, RepoState)
    assert isinstance(pr, PullRequest)
    published = TAKEN - dt.timedelta(days=9)
    repos["o/app"] = dataclasses.replace(
        app, releases=(GitHubRelease(h[14]), GitHubRelease("v2.0" + h[15], published_at=published))
    )
    items["o/lib", 5] = dataclasses.replace(pr, labels=(h[16], "release-gate/override"))
    registries[registry_key(Source.PYPI, "tool")] = Unknown(h[17])
    return dataclasses.replace(state, repos=repos, items=items, registries=registries)


def _placeholder(match: re.Match[str]) -> str:
    """Return as many ``?`` as the escape of the unsafe character *match* has characters."""
    return "?" * len(clean(match.group()))


def _twin(value: Any) -> Any:
    """Return *value* with each unsafe character of its strings replaced by ``?``s as long as its escape.

    The same shape and verdicts; and shown, the same length, so that text wraps at the same places.
    """
    if type(value) is str:
        return _UNSAFE_IN_TEST.sub(_placeholder, value)
    if isinstance(value, tuple):
        items = [_twin(item) for item in value]
        return type(value)._make(items) if hasattr(type(value), "_make") else tuple(items)  # type: ignore[attr-defined]
    if isinstance(value, list):
        return [_twin(item) for item in value]
    if isinstance(value, dict):
        return {_twin(key): _twin(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        twin = copy.copy(value)
        for field in dataclasses.fields(value):
            object.__setattr__(twin, field.name, _twin(getattr(value, field.name)))
        return twin
    return value


def _decisions(evaluation: Evaluation, login: str, failure: str) -> list[Decision]:
    """Decide every PR of the holds: as is, with an ignored and an honoured override, and with no state at all."""
    decisions = []
    for hold in evaluation.holds:
        for pr in hold.prs:
            decisions.append(decide(evaluation, pr.ref))
            for permission in ("read", "write"):
                override = Override("release-gate/override", login, None, permission)
                decisions.append(decide(evaluation, pr.ref, override=override))
            decisions.append(unavailable(pr.ref, pr.label, "the state could not be read", failure))
    return decisions


def _renders(evaluation: Evaluation, login: str, failure: str) -> dict[str, tuple[str, bool, int]]:
    """Every renderer's output for *evaluation*: ``(output, coloured, workflow commands of ours)`` by name."""
    found: dict[str, tuple[str, bool, int]] = {
        "text": (text.render(evaluation), False, 0),
        "text verbose": (text.render(evaluation, verbose=True), False, 0),
        "text colour verbose": (text.render(evaluation, color=True, verbose=True), True, 0),
        "next": (text.render_next(evaluation), False, 0),
        "text 40 wide": (text.render(evaluation, verbose=True, width=40), False, 0),
        "text 72 wide colour": (text.render(evaluation, color=True, verbose=True, width=72), True, 0),
        "next 40 wide": (text.render_next(evaluation, width=40), False, 0),
        "markdown": (markdown.render(evaluation), False, 0),
        "json": (json_report.render(evaluation), False, 0),
        "html": (html_report.render(evaluation), False, 0),
        "svg": (svg_report.render_svg(evaluation), False, 0),
        "dot": (render_dot(evaluation), False, 0),
        "mermaid": (render_mermaid(evaluation), False, 0),
    }
    for width in (None, 40):
        for verdict in evaluation.releases:
            shown = text.render_release(evaluation, verdict.id, color=True, width=width)
            found[f"release {verdict.id} {width}"] = (shown, True, 0)
        for hold in evaluation.holds:
            found[f"hold {hold.id} {width}"] = (text.render_hold(evaluation, hold.id, color=True, width=width), True, 0)
            for pr in hold.prs:
                shown = text.render_pr(evaluation, evaluation.pr(pr.ref), width=width)
                found[f"pr {pr.label} {width}"] = (shown, False, 0)
    decisions = _decisions(evaluation, login, failure)
    commands = sum(1 for d in decisions if d.state is StatusState.ERROR or d.held)
    found["annotations"] = ("\n".join(annotation_lines(decisions)) + "\n", False, commands)
    found["descriptions"] = ("\n".join(d.description for d in decisions) + "\n", False, 0)
    report = summary(evaluation, decisions, note=failure)
    found["summary"] = (report, False, 0)
    found["outputs"] = (outputs("held", [d.label for d in decisions if d.held], report), False, 0)
    return found


@pytest.mark.slow
@WORLD_SETTINGS
@given(st.lists(HOSTILE_TEXT, min_size=20, max_size=20))
def test_hostile_text_is_shown_escaped_by_every_renderer(h: list[str]) -> None:
    """Every report, annotation, summary and status shows outside text escaped, and it never adds a line.

    Wrapped to a width, the text views never start a line with outside text that begins with ``::``.
    """
    state = _state(h)
    graph = build_graph(parse_plan(PLAN))
    evaluation = evaluate(graph, state)
    failure = str(StateUnavailableError("GitHub", h[18], h[19]))
    hostile = _renders(evaluation, h[18], failure)
    placeholder = _renders(_twin(evaluation), _twin(h[18]), _twin(failure))
    for name, (output, colour, commands) in hostile.items():
        _assert_safe(output, colour=colour, commands=commands)
        assert output.count("\n") == placeholder[name][0].count("\n"), name
    assert json.loads(hostile["json"][0]) == json.loads(json.dumps(json_report.document(evaluation)))
    steps = timeline(graph, state, TAKEN - dt.timedelta(days=200), TAKEN)
    _assert_safe(html_report.render(evaluation, steps))
    for decision in _decisions(evaluation, h[18], failure):
        assert len(decision.description) <= DESCRIPTION_LIMIT


def _snapshot(state: State, path: Path) -> Path:
    """Write *state* as a snapshot file (lone surrogates as JSON escapes, as GitHub would send them)."""
    path.write_text(json.dumps(json.loads(dump_snapshot(state)), indent=1), encoding="utf-8")
    return path


@pytest.mark.slow
@CLI_SETTINGS
@given(st.lists(HOSTILE_TEXT, min_size=20, max_size=20))
def test_the_command_line_shows_hostile_text_escaped(run_cli: Callable[..., Run], tmp_path: Path, h: list[str]) -> None:
    """Check -v, explain -v and check --format markdown/json print outside text escaped, one line where it was."""
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN, encoding="utf-8")
    state = _snapshot(_state(h), tmp_path / "state.json")
    evaluation = check(plan, SnapshotStateProvider(state))
    twin = _twin(evaluation)
    width = 100  # not a terminal, and no COLUMNS
    runs = {
        ("check", "-v"): text.render(twin, verbose=True, width=width),
        ("check", "-v", "--color", "always"): text.render(twin, color=True, verbose=True, width=width),
        ("explain", "lib", "-v"): text.render_release(twin, "lib", width=width),
        ("explain", "app", "-v"): text.render_release(twin, "app", width=width),
        ("explain", "big", "-v"): text.render_hold(twin, "big", width=width),
        ("explain", "lib#5", "-v"): text.render_pr(twin, twin.pr(ItemRef("o/lib", 5)), width=width),
        ("check", "--format", "markdown"): markdown.render(twin),
        ("check", "--format", "json"): json_report.render(twin),
    }
    for args, placeholder in runs.items():
        command = args[:2] if args[0] == "explain" else args[:1]  # the plan follows the subject
        result = run_cli(*command, str(plan), "--snapshot", str(state), *args[len(command) :])
        assert result.code in (0, 1, 3), result.err
        _assert_safe(result.out, colour="always" in args)
        _assert_safe(result.err)
        assert result.out.count("\n") == placeholder.count("\n"), args
    result = run_cli("check", "--format", "json", str(plan), "--snapshot", str(state))
    assert json.loads(result.out) == json.loads(json.dumps(json_report.document(evaluation)))
