"""``release-gate check``: evaluate every release and hold of a plan, or ask about one release or PR."""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path

from release_gate.cli._commands import SUMMARIES
from release_gate.cli._common import (
    IO,
    PLAN_HELP,
    Subparsers,
    add_evaluated,
    add_output_options,
    evaluated,
    find_plan,
    ref,
    shown,
    text_width,
    use_color,
)
from release_gate.cli._exits import ANSWER_EXIT
from release_gate.cli._live_options import web_server
from release_gate.errors import StateUnavailableError, UsageError
from release_gate.evaluate import Evaluation, PrVerdict
from release_gate.report import Format, links
from release_gate.report import json as json_report
from release_gate.report import markdown as markdown_report
from release_gate.report import text as text_report

NAME = "check"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``check``: the plan, the output format, and the one release or PR to ask about."""
    sub = add_evaluated(subparsers, NAME, SUMMARIES[NAME])
    sub.add_argument("plan", nargs="?", metavar="PLAN", help=PLAN_HELP)
    sub.add_argument(
        "--format", choices=[f.value for f in Format], default=Format.TEXT.value, help="output format (default: text)"
    )
    question = sub.add_mutually_exclusive_group()
    question.add_argument("--release", metavar="ID", help="ask about one release: clear when released or unblocked")
    question.add_argument(
        "--pr", metavar="REF", help="ask about one PR (kubespawner#232): clear when no hold keeps it waiting"
    )
    add_output_options(sub)


def run(args: argparse.Namespace, io: IO) -> int:
    """Print the report, answering the question asked; exit clear, blocked or unknown as that answer is."""
    evaluation = evaluated_or_hint(args, io)
    release, pr = None, None
    if args.release:
        _known_release(evaluation, args.release)
        release = args.release
        answer = evaluation.release_answer(release)
    elif args.pr:
        pr = evaluation.pr(ref(evaluation.plan, args.pr, "--pr"))
        answer = pr.answer
    else:
        answer = evaluation.answer()
    color, width = use_color(args.color, io), text_width(io)
    fmt = Format(args.format)
    server = web_server(args, io.env)
    io.out.write(
        render(evaluation, fmt, color=color, verbose=args.verbose, release=release, pr=pr, width=width, server=server)
    )
    return ANSWER_EXIT[answer]


def render(
    evaluation: Evaluation,
    fmt: Format,
    *,
    color: bool,
    verbose: bool,
    release: str | None = None,
    pr: PrVerdict | None = None,
    width: int | None = None,
    server: str = links.GITHUB,
) -> str:
    """Return the report in *fmt*, answering for *pr*, else *release*, else the whole plan (text: *width* wide).

    Markdown links to pages on the GitHub *server*.
    """
    match fmt:
        case Format.TEXT if pr is not None:
            return text_report.render_pr(evaluation, pr, color=color, width=width)
        case Format.TEXT if release is not None:
            return text_report.render_release(evaluation, release, color=color, width=width)
        case Format.TEXT:
            return text_report.render(evaluation, color=color, verbose=verbose, width=width)
        case Format.JSON:
            return json_report.render(evaluation, release=release, pr=pr)
        case Format.MARKDOWN:
            return markdown_report.render(evaluation, release=release, pr=pr, server=server)


def evaluated_or_hint(args: argparse.Namespace, io: IO) -> Evaluation:
    """Evaluate the plan; when a live read fails and a snapshot sits beside the plan, the error names it."""
    try:
        evaluation, _ = evaluated(args, io)
    except StateUnavailableError as exc:
        beside = None if args.snapshot else _snapshot_beside(args.plan)
        if beside is None:
            raise
        hint = f"Add --snapshot {beside} to check against the snapshot beside the plan"
        raise StateUnavailableError(exc.source, exc.problem, f"{exc.hint}. {hint}" if exc.hint else hint) from None
    return evaluation


def _snapshot_beside(plan: str | None) -> str | None:
    """Return a snapshot (``*.state.json``) in the plan file's folder, preferring one named after the plan."""
    found = find_plan(Path.cwd()) if plan is None else Path(plan)
    if found is None:
        return None
    snapshots = sorted(found.parent.glob("*.state.json"))
    named = [path for path in snapshots if path.name.startswith(found.stem)]
    chosen = (named or snapshots)[-1:]  # the last by name: the latest, for dated names
    return shown(chosen[0]) if chosen else None


def _known_release(evaluation: Evaluation, release_id: str) -> None:
    ids = [r.id for r in evaluation.releases]
    if release_id not in ids:
        close = difflib.get_close_matches(release_id, ids, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UsageError("--release", f"the plan has no release {release_id!r}{hint}", f"Use one of: {', '.join(ids)}")
