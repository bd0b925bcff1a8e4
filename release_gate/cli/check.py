"""``release-gate check``: evaluate every release and hold of a plan, or ask about one release or PR."""

from __future__ import annotations

import argparse
import difflib

from release_gate.cli._common import (
    IO,
    PLAN_HELP,
    Subparsers,
    add_evaluated,
    add_output_options,
    evaluated,
    ref,
    use_color,
)
from release_gate.cli._exits import ANSWER_EXIT
from release_gate.errors import UsageError
from release_gate.evaluate import Evaluation
from release_gate.report import Format
from release_gate.report import json as json_report
from release_gate.report import markdown as markdown_report
from release_gate.report import text as text_report

NAME = "check"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``check``: the plan, the output format, and the one release or PR to ask about."""
    sub = add_evaluated(
        subparsers, NAME, "Evaluate every release and hold of a plan (the default question: is everything clear?)."
    )
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
    """Print the report; exit clear, blocked or unknown as the question asked is."""
    evaluation, _ = evaluated(args, io)
    color = use_color(args.color, io)
    fmt = Format(args.format)
    if args.release:
        _known_release(evaluation, args.release)
        answer = evaluation.release_answer(args.release)
        if fmt is Format.TEXT:
            io.out.write(text_report.render_release(evaluation, args.release, color=color))
            return ANSWER_EXIT[answer]
    elif args.pr:
        verdict = evaluation.pr(ref(evaluation.plan, args.pr, "--pr"))
        answer = verdict.answer
        if fmt is Format.TEXT:
            io.out.write(text_report.render_pr(evaluation, verdict, color=color))
            return ANSWER_EXIT[answer]
    else:
        answer = evaluation.answer()
    io.out.write(render(evaluation, fmt, color=color, verbose=args.verbose))
    return ANSWER_EXIT[answer]


def render(evaluation: Evaluation, fmt: Format, *, color: bool, verbose: bool) -> str:
    """Return the whole report in *fmt*."""
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
