"""The ``release-gate`` command: argv, environment, stdout/stderr and exit codes live here only.

Exit codes: 0 the question asked is clear, 1 blocked / held / violated, 2 usage or input
error, 3 state unavailable or unknown, 4 an internal error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import difflib
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NoReturn, TextIO, cast

from release_gate._version import __version__
from release_gate.errors import InputError, PlanError, ReleaseGateError, StateUnavailableError, UsageError
from release_gate.evaluate import Answer, Evaluation, evaluate
from release_gate.evaluate.pins import forgotten_after
from release_gate.evaluate.timeline import moments, timeline
from release_gate.evaluate.whatif import parse_assumption, what_if
from release_gate.examples import PLAN as EXAMPLE_PLAN
from release_gate.examples import STATE as EXAMPLE_STATE
from release_gate.examples import example_path
from release_gate.gate.actions import annotation_lines, outputs, summary
from release_gate.gate.decide import Decision, Event, EventKind, Override, decide, parse_event, unavailable
from release_gate.graph import build_graph
from release_gate.plan.format import json_schema
from release_gate.plan.model import ItemRef, Plan
from release_gate.plan.reader import load_plan, parse_plan, parse_ref
from release_gate.report import Format, GraphFormat
from release_gate.report import html as html_report
from release_gate.report import json as json_report
from release_gate.report import markdown as markdown_report
from release_gate.report import text as text_report
from release_gate.report.graph import render_dot, render_mermaid
from release_gate.sources.cache import ResponseCache
from release_gate.sources.github import DEFAULT_API_URL, GitHubGateClient, GitHubStateProvider, OpenPull
from release_gate.sources.live import LiveStateProvider
from release_gate.sources.registries import RegistryReader
from release_gate.sources.snapshot import SnapshotStateProvider, dump_snapshot
from release_gate.state import State, StateProvider, Unknown, request_for
from release_gate.times import show_time
from release_gate.untrusted import clean, clean_output

__all__ = ["BUILTIN_NOTE", "EXIT_CODES", "PLAN_NAMES", "find_plan", "main"]

EXIT_CLEAR = 0
EXIT_BLOCKED = 1
EXIT_INPUT = 2
EXIT_STATE = 3
EXIT_BUG = 4
EXIT_CODES = (
    (EXIT_CLEAR, "clear", "the question asked is clear: nothing planned is blocked, held or unknown"),
    (EXIT_BLOCKED, "blocked", "something is blocked, held or violated (and nothing it depends on is unknown)"),
    (EXIT_INPUT, "usage or input error", "a bad option, plan file, snapshot or event file; the message names the fix"),
    (
        EXIT_STATE,
        "unknown",
        "anything the answer depends on could not be read (GitHub, PyPI, a Helm index): fail closed",
    ),
    (EXIT_BUG, "internal error", "a bug in release-gate; RELEASE_GATE_DEBUG=1 shows the traceback"),
)
"""Every exit code, its name and meaning: the help text and docs/reference/exit-codes.md are made from it."""

_ANSWER_EXIT = {Answer.CLEAR: EXIT_CLEAR, Answer.BLOCKED: EXIT_BLOCKED, Answer.UNKNOWN: EXIT_STATE}


_PLAN_HELP = (
    "the plan file (TOML); default: .github/release-plan.toml or release-plan.toml here, "
    "else the built-in example with its recorded state"
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"release-gate: error: {message}; see '{self.prog} --help'\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="release-gate",
        description=(
            "Tell which planned releases can ship now, which are blocked and why, and which pull "
            "requests must still wait. Without a plan file, runs the built-in example: the "
            "JupyterHub plan of 2018-08-09 against the state recorded at that meeting."
        ),
        epilog="Exit codes: " + ", ".join(f"{code} {name}" for code, name, _ in EXIT_CODES) + ".",
    )
    parser.add_argument("--version", action="version", version=f"release-gate {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def evaluated(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--state", metavar="FILE", help="a state snapshot (JSON) to evaluate against, instead of live GitHub"
        )
        _github_options(sub)
        sub.add_argument(
            "--assume",
            metavar="EVENT",
            action="append",
            default=[],
            help=(
                "evaluate as if this had happened (repeatable): 'kubespawner==0.9.0b1 released', "
                "'kubespawner#232 merged', 'jupyterhub#2043 closed', 'chart pins kubespawner==0.9.0b1'"
            ),
        )
        sub.add_argument(
            "--as-of",
            metavar="TIME",
            help=(
                "evaluate as of this moment: 2018-08-09 (00:00 UTC) or 2018-08-09T12:00:00Z; "
                "default: when the state was taken"
            ),
        )
        return sub

    check_cmd = evaluated(
        "check", "Evaluate every release and hold of a plan (the default question: is everything clear?)."
    )
    check_cmd.add_argument("plan", nargs="?", metavar="PLAN", help=_PLAN_HELP)
    check_cmd.add_argument(
        "--format", choices=[f.value for f in Format], default=Format.TEXT.value, help="output format (default: text)"
    )
    question = check_cmd.add_mutually_exclusive_group()
    question.add_argument("--release", metavar="ID", help="ask about one release: clear when released or unblocked")
    question.add_argument(
        "--pr", metavar="REF", help="ask about one PR (kubespawner#232): clear when no hold keeps it waiting"
    )
    _output_options(check_cmd)

    explain = evaluated("explain", "Explain one release, hold or PR: the whole chain of reasons.")
    explain.add_argument("subject", metavar="ID", help="a release id, a hold id, or a PR ref (kubespawner#232)")
    explain.add_argument("plan", nargs="?", metavar="PLAN", help=_PLAN_HELP)
    _output_options(explain)

    next_cmd = evaluated("next", "List the next actions, those that would unblock the most releases first.")
    next_cmd.add_argument("plan", nargs="?", metavar="PLAN", help=_PLAN_HELP)

    report_cmd = evaluated("report", "Write the report to a file: the HTML dashboard, or Markdown.")
    report_cmd.add_argument("plan", nargs="?", metavar="PLAN", help=_PLAN_HELP)
    report_cmd.add_argument("--format", choices=["html", "markdown"], default="html", help="html (default) or markdown")
    report_cmd.add_argument("-o", "--output", metavar="FILE", required=True, help="where to write it")

    timeline_cmd = commands.add_parser(
        "timeline",
        help="Show how each release's and hold's verdict changed between two moments.",
        description=(
            "Show how each release's and hold's verdict changed between two moments "
            "(at the times the state records: tags, releases, merges, closes)."
        ),
    )
    timeline_cmd.add_argument("start", metavar="FROM", help="a date (2018-06-01) or time (2018-06-01T12:00:00Z)")
    timeline_cmd.add_argument("end", metavar="TO", help="a date or time, no later than when the state was taken")
    timeline_cmd.add_argument("plan", nargs="?", metavar="PLAN", help=_PLAN_HELP)
    timeline_cmd.add_argument("--state", metavar="FILE", help="a state snapshot (JSON), instead of live GitHub")
    _github_options(timeline_cmd)

    graph = evaluated("graph", "Print the dependency graph, coloured by status.")
    graph.add_argument("plan", nargs="?", metavar="PLAN", help=_PLAN_HELP)
    graph.add_argument(
        "--format",
        choices=[f.value for f in GraphFormat],
        default=GraphFormat.DOT.value,
        help="dot (Graphviz), mermaid, svg (the dashboard's picture) or png (drawn by chromium; needs -o)",
    )
    graph.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout (required for png)")

    gate = commands.add_parser(
        "gate",
        help="In GitHub Actions: give each PR a commit status (pending while held), or fail the job (--mode check).",
        description=(
            "Gate merges in GitHub Actions. Reads the event (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH): a PR event "
            "judges that PR, merge_group the PR in the queue entry, schedule / workflow_dispatch / "
            "repository_dispatch every open PR. The plan is read from the default branch through the API."
        ),
    )
    gate.add_argument(
        "--plan", metavar="PATH", default=".github/release-plan.toml", help="the plan's path in the plan repo"
    )
    gate.add_argument("--plan-repo", metavar="OWNER/NAME", help="a central repo holding the plan (default: this repo)")
    gate.add_argument("--mode", choices=["status", "check"], default="status", help="post statuses, or fail the job")
    gate.add_argument("--context", default="release-gate", help="the commit status context (default: release-gate)")
    gate.add_argument(
        "--override-label",
        default="release-gate/override",
        help="a label that frees a held PR when added by someone with write access",
    )
    _github_options(gate)

    snapshot = commands.add_parser(
        "snapshot",
        help="Record the live GitHub state a plan needs to a snapshot file (replay it with check --state).",
        description="Record the live GitHub state a plan needs to a snapshot file (replay it with check --state).",
    )
    snapshot.add_argument("plan", nargs="?", metavar="PLAN", help=_PLAN_HELP)
    snapshot.add_argument("-o", "--output", metavar="FILE", required=True, help="where to write the snapshot (JSON)")
    snapshot.add_argument(
        "--since",
        metavar="TIME",
        help=(
            "also record how the pin files changed since this moment (2018-08-01), so that --as-of and "
            "timeline can look back to it; default: only their last version"
        ),
    )
    _github_options(snapshot)

    validate = commands.add_parser(
        "validate",
        help="Check plan files and report every problem at once.",
        description=(
            "Check plan files and report every problem at once. Several files are checked one "
            "after the other (as pre-commit passes them); the exit code is 2 if any is invalid."
        ),
    )
    validate.add_argument(
        "plans",
        nargs="*",
        metavar="PLAN",
        help="plan files (TOML); default: .github/release-plan.toml or release-plan.toml",
    )
    validate.add_argument(
        "--live",
        action="store_true",
        help="also read the pin files from GitHub and report 'after' edges the plan forgot",
    )
    validate.add_argument("--state", metavar="FILE", help="with --live: read the pin files from this snapshot instead")
    _github_options(validate)

    commands.add_parser(
        "schema",
        help="Print the JSON Schema of plan files.",
        description="Print the JSON Schema of plan files (for editors).",
    )
    example = commands.add_parser(
        "example",
        help="Write the built-in example's plan and recorded state to a folder, to read and edit.",
        description=(
            "Write the built-in example (the JupyterHub plan of 2018-08-09, and the GitHub state "
            "recorded at that meeting) to a folder. Existing files are never overwritten."
        ),
    )
    example.add_argument("-o", "--output", metavar="DIR", default=".", help="the folder (default: the current one)")
    return parser


def _github_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress line while reading live state")
    parser.add_argument(
        "--token-env",
        metavar="NAME",
        help="read the GitHub token from this environment variable (default: GH_TOKEN, else GITHUB_TOKEN)",
    )
    parser.add_argument(
        "--github-url",
        metavar="URL",
        help="the REST API root, e.g. https://HOST/api/v3 for GitHub Enterprise (default: GITHUB_API_URL, "
        f"else {DEFAULT_API_URL})",
    )
    parser.add_argument(
        "--timeout", metavar="SECONDS", type=int, default=10, help="per-request timeout for GitHub (default: 10)"
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="keep the answers of GitHub's REST API, PyPI and Helm indexes here and ask for them again with "
        "If-None-Match, so unchanged answers cost no rate limit (default: the user cache folder, "
        "e.g. ~/.cache/release-gate)",
    )
    parser.add_argument("--no-cache", action="store_true", help="keep no answers on disk")


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour the text output (default: auto, off when NO_COLOR is set)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also show every condition met and every tag looked at"
    )


def _use_color(choice: str, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return stream.isatty()


def _parse_moment(text: str, option: str) -> dt.datetime:
    value = _parse_as_of(text, option)
    assert value is not None
    return value


def _parse_as_of(text: str | None, option: str = "--as-of") -> dt.datetime | None:
    if text is None:
        return None
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        value = dt.datetime.fromisoformat(text)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise UsageError(
            option,
            f"{text!r} is not a date or time",
            "Write a date (2018-08-09) or an ISO 8601 time (2018-08-09T12:00:00Z)",
        ) from None


PLAN_NAMES = (".github/release-plan.toml", "release-plan.toml")
"""Where a repository keeps its plan, in the order they are looked for when no plan is named."""

BUILTIN_NOTE = (
    f"release-gate: no plan named, and no {' or '.join(PLAN_NAMES)} here: using the built-in example "
    "(the JupyterHub plan of 2018-08-09 and its recorded state)\n"
)
"""What stderr says when a command falls back to the built-in example."""


def find_plan(start: Path) -> Path | None:
    """Return the repository's plan: in *start*, then at the top of the git repository holding it."""
    top = next((folder for folder in (start, *start.parents) if (folder / ".git").exists()), start)
    for folder in dict.fromkeys((start, top)):
        for name in PLAN_NAMES:
            if (folder / name).is_file():
                return folder / name
    return None


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _resolve_plan(args: argparse.Namespace, err: TextIO) -> None:
    """Fill in the plan when none is named: the repository's own, else the built-in example; say which.

    ``validate`` with nothing to validate is a usage error: a CI step meant to check the
    team's plan must not pass by checking the example.
    """
    if args.command == "validate":
        if args.plans:
            return
        found = find_plan(Path.cwd())
        if found is None:
            raise UsageError(
                "validate",
                f"no plan file named, and none found here ({' or '.join(PLAN_NAMES)})",
                "Name the plan files to validate",
            )
        err.write(f"release-gate: no plan named: validating {_shown(found)}\n")
        args.plans = [str(found)]
        return
    if getattr(args, "plan", "") is not None or args.command == "gate":
        return
    found = find_plan(Path.cwd())
    if found is not None:
        err.write(f"release-gate: no plan named: using {_shown(found)}\n")
        args.plan = str(found)
        return
    err.write(BUILTIN_NOTE)


def _load(args: argparse.Namespace) -> Plan:
    return load_plan(args.plan) if args.plan else replace(load_plan(example_path(EXAMPLE_PLAN)), path=_BUILTIN_PLAN)


def _plan_and_state(
    args: argparse.Namespace, env: Mapping[str, str], err: TextIO | None = None
) -> tuple[Plan, StateProvider]:
    plan = _load(args)
    if args.state:
        return plan, SnapshotStateProvider(args.state)
    if args.plan:
        return plan, _github(args, env, _progress(args, err), err=sys.stderr if err is None else err)
    return plan, SnapshotStateProvider(example_path(EXAMPLE_STATE), label=_BUILTIN_STATE)


def _github(
    args: argparse.Namespace,
    env: Mapping[str, str],
    progress: Callable[[str], None] | None = None,
    *,
    err: TextIO | None = None,
) -> LiveStateProvider:
    """Return the live provider, with the token and API URL from the options and environment.

    With *err*, warns there when the token would go to another machine over plain http://.
    """
    if args.token_env:
        token = env.get(args.token_env, "")
        if not token:
            raise StateUnavailableError(
                "GitHub", f"--token-env names {args.token_env}, which is not set or empty", f"Set {args.token_env}"
            )
    else:
        token = env.get("GH_TOKEN") or env.get("GITHUB_TOKEN") or ""
    url = _api_url(args, env)
    if err is not None:
        _plain_http_warning(url, token, err)
    cache = _cache(args, env)
    github = GitHubStateProvider(
        token=token or None, base_url=url, timeout=args.timeout, cache=cache, progress=progress
    )
    return LiveStateProvider(github, RegistryReader(timeout=args.timeout, cache=cache, progress=progress))


def _api_url(args: argparse.Namespace, env: Mapping[str, str]) -> str:
    """Return GitHub's REST API root from the options and environment (and check --timeout with it)."""
    url: str = args.github_url or env.get("GITHUB_API_URL") or DEFAULT_API_URL
    try:
        host = urllib.parse.urlsplit(url).hostname
    except ValueError:
        host = None
    if not url.startswith(("https://", "http://")) or not host:
        raise UsageError("--github-url", f"{url!r} is not an http(s) URL", "Use e.g. https://HOST/api/v3")
    if args.timeout < 1:
        raise UsageError(
            "--timeout", f"{args.timeout} is not a number of seconds", "Use a whole number of seconds >= 1"
        )
    return url


_LOOPBACK_NAMES = frozenset({"localhost"})


def _plain_http_warning(url: str, token: str, err: TextIO) -> None:
    """Warn, in one line naming the host (never the token), when *token* would cross the network unencrypted.

    Plain ``http://`` to this machine (127.0.0.1, ::1, localhost: a fake, a tunnel) is
    not warned about.
    """
    if not token or not url.lower().startswith("http://"):
        return
    host = urllib.parse.urlsplit(url).hostname or ""  # _api_url checked it is there
    try:
        loopback = host in _LOOPBACK_NAMES or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        err.write(
            f"release-gate: warning: the GitHub token goes unencrypted over plain http:// to {host}; "
            "anyone on the way can read it: use an https:// API URL (--github-url, GITHUB_API_URL)\n"
        )


def _cache(args: argparse.Namespace, env: Mapping[str, str]) -> ResponseCache | None:
    """Return the answer cache the options ask for: ``--cache-dir``, else the user cache folder."""
    if args.no_cache:
        return None
    if args.cache_dir:
        return ResponseCache(Path(args.cache_dir))
    return ResponseCache(user_cache_dir(env))


def user_cache_dir(env: Mapping[str, str]) -> Path:
    """Return where release-gate keeps answers by default, as each system expects it."""
    if sys.platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "release-gate" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "release-gate"
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "release-gate"


_REPORT_SPAN = dt.timedelta(days=365)
"""How far back the dashboard's timeline looks."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_BUILTIN_PLAN = f"{EXAMPLE_PLAN} (built-in example)"
_BUILTIN_STATE = f"{EXAMPLE_STATE} (built-in example)"


def _progress(args: argparse.Namespace, err: TextIO | None) -> Callable[[str], None] | None:
    """Return a progress line writer for live reads: only on a terminal, never with --quiet or JSON output."""
    if err is None or not err.isatty() or getattr(args, "quiet", False) or getattr(args, "format", "") == "json":
        return None

    def show(line: str) -> None:
        err.write(f"\r\x1b[K{line}")
        err.flush()

    return show


def _evaluate(args: argparse.Namespace, env: Mapping[str, str], err: TextIO) -> Evaluation:
    return _evaluate_read(args, err, env)[0]


def _evaluate_read(
    args: argparse.Namespace, err: TextIO, env: Mapping[str, str] | None = None
) -> tuple[Evaluation, State]:
    """Read the state the command's plan needs and evaluate it (with any --assume); also return the state read."""
    plan, provider = _plan_and_state(args, os.environ if env is None else env, err)
    as_of = _parse_as_of(args.as_of)
    graph = build_graph(plan)
    # The report's timeline looks back a year: read the pin files' versions over that time too.
    since = (as_of or _now()) - _REPORT_SPAN if args.command == "report" else None
    state = provider.fetch(request_for(plan, (*graph.pull_requests(), *graph.issues()), as_of=as_of, files_since=since))
    if _progress(args, err) is not None and not args.state and args.plan:
        err.write("\r\x1b[K")  # clear the progress line
    _notes(state, err)
    assumptions = []
    for text in args.assume:
        try:
            assumptions.append(parse_assumption(plan, text))
        except ValueError as exc:
            raise UsageError("--assume", str(exc), "See release-gate check --help") from None
    try:
        if assumptions:
            return what_if(graph, state, assumptions, as_of=as_of), state
        return evaluate(graph, state, as_of=as_of), state
    except ValueError as exc:
        raise UsageError("--as-of", str(exc), "Pick a moment no later than when the state was taken") from None


def _notes(state: State, err: TextIO) -> None:
    err.writelines(f"release-gate: note: {clean(note)}\n" for note in (state.stats.notes if state.stats else ()))


def _cmd_check(args: argparse.Namespace, io: _IO) -> int:
    evaluation = _evaluate(args, io.env, io.err)
    out = io.out
    color = _use_color(args.color, out)
    fmt = Format(args.format)
    if args.release:
        _known_release(evaluation, args.release)
        answer = evaluation.release_answer(args.release)
        report = (
            text_report.render_release(evaluation, args.release, color=color)
            if fmt is Format.TEXT
            else _render(evaluation, fmt, color, args.verbose)
        )
    elif args.pr:
        verdict = evaluation.pr(_ref(evaluation.plan, args.pr, "--pr"))
        answer = verdict.answer
        report = (
            text_report.render_pr(evaluation, verdict, color=color)
            if fmt is Format.TEXT
            else _render(evaluation, fmt, color, args.verbose)
        )
    else:
        answer = evaluation.answer()
        report = _render(evaluation, fmt, color, args.verbose)
    out.write(report)
    return _ANSWER_EXIT[answer]


def _render(evaluation: Evaluation, fmt: Format, color: bool, verbose: bool) -> str:
    match fmt:
        case Format.TEXT:
            return text_report.render(evaluation, color=color, verbose=verbose)
        case Format.JSON:
            return json_report.render(evaluation)
        case Format.MARKDOWN:
            return markdown_report.render(evaluation)


def _known_release(evaluation: Evaluation, release_id: str) -> None:
    ids = [r.id for r in evaluation.releases]
    if release_id not in ids:
        close = difflib.get_close_matches(release_id, ids, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UsageError("--release", f"the plan has no release {release_id!r}{hint}", f"Use one of: {', '.join(ids)}")


def _count(n: int, word: str) -> str:
    """Return "1 hold", "2 holds", "2 PR families"."""
    if n == 1:
        return f"1 {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


def _ref(plan: Plan, text: str, option: str) -> ItemRef:
    try:
        return parse_ref(plan, text)
    except ValueError as exc:
        raise UsageError(option, str(exc), "Use a PR of the plan, e.g. " + _example_ref(plan)) from None


def _example_ref(plan: Plan) -> str:
    for hold in plan.holds:
        return plan.short(hold.prs[0])
    return "REPO-ID#NUMBER"


def _cmd_explain(args: argparse.Namespace, io: _IO) -> int:
    evaluation = _evaluate(args, io.env, io.err)
    out = io.out
    color = _use_color(args.color, out)
    subject = args.subject
    release_ids = [r.id for r in evaluation.releases]
    hold_ids = [h.id for h in evaluation.holds]
    if subject in release_ids:
        out.write(text_report.render_release(evaluation, subject, color=color))
        return _ANSWER_EXIT[evaluation.release_answer(subject)]
    if subject in hold_ids:
        out.write(text_report.render_hold(evaluation, subject, color=color))
        status = evaluation.hold(subject).status
        return {"free": EXIT_CLEAR, "unknown": EXIT_STATE}.get(str(status), EXIT_BLOCKED)
    if "#" in subject:
        verdict = evaluation.pr(_ref(evaluation.plan, subject, "explain"))
        out.write(text_report.render_pr(evaluation, verdict, color=color))
        return _ANSWER_EXIT[verdict.answer]
    choices = release_ids + hold_ids
    close = difflib.get_close_matches(subject, choices, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UsageError(
        "explain",
        f"{subject!r} is no release, hold or PR ref of the plan{hint}",
        f"Use a release ({', '.join(release_ids)}), a hold ({', '.join(hold_ids) or 'none'}) "
        f"or a PR ref such as {_example_ref(evaluation.plan)}",
    )


def _cmd_report(args: argparse.Namespace, io: _IO) -> int:
    evaluation, state = _evaluate_read(args, io.err, io.env)
    if args.format == "html":
        # A strip per release over the last year of the state's recorded events (to the moment evaluated).
        year_ago = evaluation.as_of - _REPORT_SPAN
        start = max(min((m for m in moments(state) if m <= evaluation.as_of), default=year_ago), year_ago)
        page = html_report.render(evaluation, timeline(build_graph(evaluation.plan), state, start, evaluation.as_of))
    else:
        page = markdown_report.render(evaluation)
    try:
        Path(args.output).write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UsageError("--output", f"cannot write {args.output} ({exc.strerror})", "Check the path") from None
    io.err.write(f"release-gate: wrote {args.output}\n")
    return _ANSWER_EXIT[evaluation.answer()]


def _cmd_next(args: argparse.Namespace, io: _IO) -> int:
    evaluation = _evaluate(args, io.env, io.err)
    io.out.write(text_report.render_next(evaluation))
    return EXIT_CLEAR


def _cmd_timeline(args: argparse.Namespace, io: _IO) -> int:
    start, end = _parse_moment(args.start, "FROM"), _parse_moment(args.end, "TO")
    plan, provider = _plan_and_state(args, io.env)
    graph = build_graph(plan)
    # The pin files as they were over the period, not as they are now.
    state = provider.fetch(
        request_for(plan, (*graph.pull_requests(), *graph.issues()), as_of=min(end, _now()), files_since=start)
    )
    _notes(state, io.err)
    if end > state.taken_at:
        raise UsageError(
            "TO", f"{args.end} is after the state was taken ({show_time(state.taken_at)})", "Pick an earlier end"
        )
    try:
        steps = timeline(graph, state, start, end)
    except ValueError as exc:
        raise UsageError("FROM", str(exc), "Give FROM before TO") from None
    rows = [[show_time(s.when), s.kind, s.id, s.before or "-", s.after] for s in steps]
    widths = [max(len(r[i]) for r in [["WHEN", "KIND", "ID", "FROM", "TO"], *rows]) for i in range(5)]
    for row in [["WHEN", "KIND", "ID", "FROM", "TO"], *rows]:
        io.out.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n")
    return EXIT_CLEAR


def _png(svg: str, target: Path) -> None:
    """Draw *svg* to a PNG with headless Chromium (Debian's chromium, or CHROMIUM)."""
    browser = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise UsageError("--format png", "needs Chromium to draw the picture", "Install chromium, or use --format svg")
    size = re.search(r'width="(\d+)" height="(\d+)"', svg)
    width, height = (size.group(1), size.group(2)) if size else ("1600", "1200")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "graph.svg"
        source.write_text(svg, encoding="utf-8")
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
            "--disable-background-networking", "--disable-component-update", f"--user-data-dir={folder}/profile",
            f"--screenshot={target.resolve()}", f"--window-size={width},{height}", source.as_uri(),
        ]  # fmt: skip
        try:
            subprocess.run(command, capture_output=True, timeout=120, check=True)  # noqa: S603 - chromium, our own file
        except (OSError, subprocess.SubprocessError) as exc:
            raise UsageError(
                "--format png", f"chromium could not draw it ({type(exc).__name__})", "Use --format svg"
            ) from None
    if not target.is_file():
        raise UsageError("--format png", "chromium wrote no picture", "Use --format svg")


def _cmd_graph(args: argparse.Namespace, io: _IO) -> int:
    evaluation = _evaluate(args, io.env, io.err)
    out = io.out
    fmt = GraphFormat(args.format)
    if fmt is GraphFormat.PNG:
        if not args.output:
            raise UsageError("--format png", "needs a file to write", "Add -o FILE.png")
        _png(html_report.render_svg(evaluation), Path(args.output))
        io.err.write(f"release-gate: wrote {args.output}\n")
        return EXIT_CLEAR
    render = {
        GraphFormat.MERMAID: render_mermaid,
        GraphFormat.DOT: render_dot,
        GraphFormat.SVG: html_report.render_svg,
    }[fmt]
    if args.output:
        Path(args.output).write_text(render(evaluation), encoding="utf-8")
        io.err.write(f"release-gate: wrote {args.output}\n")
    else:
        out.write(render(evaluation))
    return EXIT_CLEAR


def _cmd_snapshot(args: argparse.Namespace, io: _IO) -> int:
    plan = _load(args)
    graph = build_graph(plan)
    progress = _progress(args, io.err)
    since = _parse_as_of(args.since, "--since")
    request = request_for(plan, (*graph.pull_requests(), *graph.issues()), files_since=since)
    state = _github(args, io.env, progress, err=io.err).fetch(request)
    if progress is not None:
        io.err.write("\r\x1b[K")  # clear the progress line
    _notes(state, io.err)
    text = dump_snapshot(
        state, about=f"Recorded by release-gate {__version__} for the plan {plan.name!r} ({plan.path})."
    )
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError("--output", f"cannot write {args.output} ({exc.strerror})", "Check the path") from None
    stats = state.stats
    cost = f", {stats.requests} request(s), GraphQL cost {stats.graphql_cost}" if stats else ""
    io.err.write(
        f"release-gate: wrote {args.output}: {len(state.repos)} repos, {len(state.items)} PRs and issues{cost}\n"
    )
    return EXIT_CLEAR


def _cmd_validate(args: argparse.Namespace, io: _IO) -> int:
    if args.live and len(args.plans) > 1:
        raise UsageError("--live", "reads the state of one plan at a time", "Name one plan file with --live")
    if len(args.plans) == 1:
        return _validate_one(args.plans[0], args, io)
    code = EXIT_CLEAR
    for name in args.plans:  # every file, so one run reports every broken plan
        try:
            _validate_one(name, args, io)
        except InputError as exc:
            io.err.write(f"release-gate: error: {exc}\n")
            code = EXIT_INPUT
    return code


def _validate_one(name: str, args: argparse.Namespace, io: _IO) -> int:
    out = io.out
    plan = load_plan(Path(name))
    shown = name
    graph = build_graph(plan)
    if args.live:
        provider: StateProvider = SnapshotStateProvider(args.state) if args.state else _github(args, io.env, err=io.err)
        state = provider.fetch(request_for(plan, (*graph.pull_requests(), *graph.issues())))
        _notes(state, io.err)
        files = {
            (key, path): text
            for key, repo in state.repos.items()
            if not isinstance(repo, Unknown)
            for path, history in repo.files.items()
            if not isinstance(history, Unknown) and history.latest and (text := history.latest.text) is not None
        }
        for release_id, upstream, pin in forgotten_after(plan, files):
            io.err.write(
                f"release-gate: suggestion: {pin.path} line {pin.line} pins {pin.name}, the package of release "
                f"{upstream!r}: add {upstream!r} to releases.{release_id}.after\n"
            )
    counts = ", ".join(
        _count(n, word)
        for n, word in (
            (len(plan.repos), "repo"),
            (len(plan.releases), "release"),
            (len(plan.holds), "hold"),
            (len(plan.families), "PR family"),
        )
    )
    to_read = f"{_count(len(graph.pull_requests()), 'PR')} and {_count(len(graph.issues()), 'issue')} to read"
    order = " -> ".join(" + ".join(w) for w in graph.release_waves())
    out.write(f"{shown}: ok: {counts}, {to_read}; release order: {order}\n")
    return EXIT_CLEAR


def _cmd_schema(args: argparse.Namespace, io: _IO) -> int:
    del args
    out = io.out
    out.write(json.dumps(json_schema(), indent=2) + "\n")
    return EXIT_CLEAR


def _cmd_example(args: argparse.Namespace, io: _IO) -> int:
    folder = Path(args.output)
    targets = [(example_path(name), folder / name) for name in (EXAMPLE_PLAN, EXAMPLE_STATE)]
    existing = [str(target) for _, target in targets if target.exists()]
    if existing:
        verb = "exists" if len(existing) == 1 else "exist"
        raise UsageError("--output", f"{' and '.join(existing)} already {verb}", "Remove them, or name another folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for source, target in targets:
            target.write_bytes(source.read_bytes())
    except OSError as exc:
        raise UsageError(
            "--output", f"cannot write to {folder} ({exc.strerror})", "Name a folder you can write"
        ) from None
    for _, target in targets:
        io.out.write(f"wrote {target}\n")
    return EXIT_CLEAR


def _gate_event(env: Mapping[str, str]) -> tuple[str, Event]:
    """Return the gated repository and the event, from the variables GitHub Actions sets."""
    name, path, slug = env.get("GITHUB_EVENT_NAME"), env.get("GITHUB_EVENT_PATH"), env.get("GITHUB_REPOSITORY")
    for variable, value in (("GITHUB_EVENT_NAME", name), ("GITHUB_EVENT_PATH", path), ("GITHUB_REPOSITORY", slug)):
        if not value:
            raise UsageError(
                variable, "is not set", "Run the gate in GitHub Actions, or set the variable as Actions does"
            )
    assert name
    assert path
    assert slug
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
        return slug, parse_event(name, payload)
    except OSError as exc:
        raise UsageError(
            "GITHUB_EVENT_PATH", f"cannot read {path} ({exc.strerror})", "Point it at the event file"
        ) from None
    except ValueError as exc:
        raise UsageError("GITHUB_EVENT_PATH", f"{path}: {exc}", "Check the workflow's triggers") from None
    except RecursionError:
        raise UsageError("GITHUB_EVENT_PATH", f"{path}: nested too deeply to be an event", "Check the file") from None


def _gate_client(args: argparse.Namespace, env: Mapping[str, str], err: TextIO) -> GitHubGateClient:
    """Return the client the gate reads PRs and posts statuses with (warning when the token would go unencrypted)."""
    token = env.get(args.token_env or "GH_TOKEN") or ("" if args.token_env else env.get("GITHUB_TOKEN", ""))
    url = _api_url(args, env)
    _plain_http_warning(url, token, err)
    return GitHubGateClient(token=token or None, base_url=url, timeout=args.timeout, cache=_cache(args, env))


@dataclass(frozen=True, slots=True)
class _Judged:
    """One PR's decision, the commit it goes on, and why it could not be decided ("" when it could)."""

    sha: str
    decision: Decision
    problem: str = ""


def _bug(bugs: list[Exception], exc: Exception) -> str:
    """Keep *exc* in *bugs*, raised once the statuses are out (exit 4); return what the PR's report says meanwhile."""
    bugs.append(exc)
    return f"internal error in release-gate {__version__}: {type(exc).__name__}: {exc}"


def _gate_targets(
    client: GitHubGateClient, slug: str, event: Event, bugs: list[Exception]
) -> list[tuple[OpenPull, str]]:
    """Return the PRs to judge, each with why its labels could not be read ("" when they could).

    A sweep whose listing of open PRs fails has nothing to post on: that raises (exit 3).
    A PR event names the head to post on, so a PR whose labels cannot be read is still judged
    (``error``), never left with whatever status it had.
    """
    if event.kind is EventKind.SWEEP:
        return [
            (pull, "" if pull.labels is not None else f"GitHub listed #{pull.number} without labels of the known shape")
            for pull in client.open_pulls(slug)
        ]
    assert event.number is not None
    try:
        return [(OpenPull(event.number, event.sha, client.labels(slug, event.number)), "")]
    except StateUnavailableError as exc:
        return [(OpenPull(event.number, event.sha, None), str(exc))]
    except Exception as exc:  # noqa: BLE001 - a bug: the PR still gets error, then it is reported
        return [(OpenPull(event.number, event.sha, None), _bug(bugs, exc))]


def _gate_judge(  # noqa: PLR0917 - private, one call site
    args: argparse.Namespace,
    client: GitHubGateClient,
    slug: str,
    pull: OpenPull,
    problem: str,
    evaluation: Evaluation | None,
    failure: Exception | None,
    merge_group: bool,
) -> _Judged:
    """Decide one PR; when anything it depends on cannot be read, the decision is ``unavailable`` (fail closed)."""
    ref = ItemRef(slug, pull.number)
    if pull.labels is None:
        detail = f"#{pull.number}: its labels could not be read: {problem}"
        return _Judged(
            pull.sha,
            unavailable(ref, f"#{pull.number}", "the PR could not be read", detail, merge_group=merge_group),
            problem,
        )
    if evaluation is None:
        what = "the plan is invalid" if isinstance(failure, InputError) else "the state could not be read"
        return _Judged(
            pull.sha, unavailable(ref, f"#{pull.number}", what, str(failure), merge_group=merge_group), str(failure)
        )
    verdict = evaluation.pr(ref)
    override = None
    if args.override_label in pull.labels and verdict.answer is Answer.BLOCKED:
        try:
            added = client.label_added(slug, pull.number, args.override_label)
            by, at = added or ("someone", None)
            override = Override(args.override_label, by, at, client.permission(slug, by) if added else "none")
        except StateUnavailableError as exc:
            detail = (
                f"{verdict.label}: cannot tell who added the {args.override_label} label, or whether they may: {exc}"
            )
            what = f"could not check the {args.override_label} label"
            return _Judged(pull.sha, unavailable(ref, verdict.label, what, detail, merge_group=merge_group), str(exc))
    return _Judged(pull.sha, decide(evaluation, ref, merge_group=merge_group, override=override))


def _gate_post(client: GitHubGateClient, slug: str, judged: _Judged, context: str, target_url: str) -> list[str]:
    """Post the decision on its commit unless the same status is there already; return what went wrong.

    The current status is read only to avoid posting the same one twice: when that read
    fails, the status is posted anyway.
    """
    problems = []
    state, description = str(judged.decision.state), judged.decision.description
    try:
        current = client.status(slug, judged.sha, context)
    except StateUnavailableError as exc:
        current = None
        problems.append(f"{exc} (the status is posted without that check)")
    if current != (state, description):
        try:
            client.post_status(
                slug, judged.sha, state=state, description=description, context=context, target_url=target_url
            )
        except StateUnavailableError as exc:
            problems.append(str(exc))
    return problems


def _cmd_gate(args: argparse.Namespace, io: _IO) -> int:
    env = io.env
    slug, event = _gate_event(env)
    client = _gate_client(args, env, io.err)
    run = env.get("GITHUB_RUN_ID")
    target = f"{env.get('GITHUB_SERVER_URL', 'https://github.com')}/{slug}/actions/runs/{run}" if run else ""
    bugs: list[Exception] = []
    targets = _gate_targets(client, slug, event, bugs)
    evaluation: Evaluation | None = None
    failure: Exception | None = None
    if not targets or any(pull.labels is not None for pull, _ in targets):  # else no PR needs the plan
        try:
            text, where = client.plan_text(args.plan_repo or slug, args.plan)
            plan = parse_plan(text, path=where)
            graph = build_graph(plan)
            state = _github(args, env).fetch(request_for(plan, (*graph.pull_requests(), *graph.issues())))
            _notes(state, io.err)
            evaluation = evaluate(graph, state)
        except (InputError, StateUnavailableError) as exc:
            failure = exc
        except Exception as exc:  # noqa: BLE001 - a bug: every PR still gets error, then it is reported
            failure = StateUnavailableError("release-gate", _bug(bugs, exc))
    merge_group = event.kind is EventKind.MERGE_GROUP
    judged = []
    for pull, problem in targets:
        try:
            judged.append(_gate_judge(args, client, slug, pull, problem, evaluation, failure, merge_group))
        except Exception as exc:  # noqa: BLE001 - a bug: the PR still gets error, then it is reported
            why = _bug(bugs, exc)
            decision = unavailable(
                ItemRef(slug, pull.number), f"#{pull.number}", "internal error", why, merge_group=merge_group
            )
            judged.append(_Judged(pull.sha, decision, why))
    problems = [str(failure)] if failure is not None else []  # also when there is no PR to give error
    problems += [j.problem for j in judged if j.problem]
    if args.mode == "status":
        for item in judged:
            problems += _gate_post(client, slug, item, args.context, target)
    problems = list(dict.fromkeys(problems))
    decisions = [j.decision for j in judged]
    held = [d.label for d in decisions if d.held]
    undecided = [j.decision.label for j in judged if j.decision.unknown and not j.problem]
    verdict = "error" if problems or undecided else "held" if held else "clear"
    for line in annotation_lines(decisions):
        io.out.write(line + "\n")
    report = summary(evaluation, decisions, note="\n\n".join(problems))
    if env.get("GITHUB_STEP_SUMMARY"):
        with Path(env["GITHUB_STEP_SUMMARY"]).open("a", encoding="utf-8") as handle:
            handle.write(report)
    if env.get("GITHUB_OUTPUT"):
        with Path(env["GITHUB_OUTPUT"]).open("a", encoding="utf-8") as handle:
            handle.write(outputs(verdict, held, report))
    io.out.write(f"release-gate: {verdict}: {len(decisions)} PR(s), {len(held)} held\n")
    if bugs:
        raise bugs[0]
    for problem in problems:
        io.err.write(f"release-gate: error: {problem}\n")
    if isinstance(failure, InputError):
        return EXIT_INPUT
    if undecided:  # fail closed in both modes: a PR whose verdict is unknown never passes
        io.err.write(f"release-gate: error: the state cannot tell whether {', '.join(undecided)} is held\n")
    if problems or undecided:
        return EXIT_STATE
    if args.mode == "check" and held:
        return EXIT_BLOCKED
    return EXIT_CLEAR


_TOP_LEVEL = ("-h", "--help", "--version")

_COMMANDS: dict[str, Callable[[argparse.Namespace, _IO], int]] = {
    "check": _cmd_check,
    "explain": _cmd_explain,
    "gate": _cmd_gate,
    "graph": _cmd_graph,
    "next": _cmd_next,
    "report": _cmd_report,
    "timeline": _cmd_timeline,
    "snapshot": _cmd_snapshot,
    "validate": _cmd_validate,
    "schema": _cmd_schema,
    "example": _cmd_example,
}


class _Guarded:
    """A text stream that writes through :func:`~release_gate.untrusted.clean_output`.

    The last guard on everything a command prints: newlines, our colours and the progress
    line's clear pass; any other control character is shown escaped, never acted on.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(clean_output(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


def _message(exc: BaseException) -> str:
    """Return an error's message as clean lines: one line, or a plan error's line per problem."""
    if isinstance(exc, PlanError):
        return "\n".join(clean(line) for line in str(exc).split("\n"))
    return clean(str(exc))


@dataclass(frozen=True, slots=True)
class _IO:
    out: TextIO
    err: TextIO
    env: Mapping[str, str]


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Run the command line with *argv*; return the exit code (never raises for a user's mistake).

    *env* stands for the environment (default: ``os.environ``), so tests can set tokens.
    """
    out = cast("TextIO", _Guarded(stdout or sys.stdout))  # duck-typed: write, flush, isatty, the rest passed on
    err = cast("TextIO", _Guarded(stderr or sys.stderr))
    io = _IO(out, err, os.environ if env is None else env)
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in _TOP_LEVEL) or argv[0].endswith(".toml"):
        argv = ["check", *argv]  # no command: the default job, `check`
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version, or a usage error (exit 2)
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    try:
        _resolve_plan(args, err)
        return _COMMANDS[args.command](args, io)
    except InputError as exc:
        err.write(f"release-gate: error: {_message(exc)}\n")
        return EXIT_INPUT
    except StateUnavailableError as exc:
        err.write(f"release-gate: state unavailable: {_message(exc)}\n")
        return EXIT_STATE
    except ReleaseGateError as exc:
        err.write(f"release-gate: error: {_message(exc)}\n")
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_CLEAR
    except Exception as exc:
        if os.environ.get("RELEASE_GATE_DEBUG"):
            raise
        err.write(
            f"release-gate: internal error (a bug in release-gate {__version__}): "
            f"{type(exc).__name__}: {_message(exc)}. "
            "Set RELEASE_GATE_DEBUG=1 to see the traceback, and please report it.\n"
        )
        return EXIT_BUG


def entrypoint() -> NoReturn:
    """Console-script entry point."""
    sys.exit(main())
