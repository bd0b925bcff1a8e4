"""``release-gate explain``: the whole chain of reasons for one release, hold or PR."""

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
    example_ref,
    ref,
    text_width,
    use_color,
)
from release_gate.cli._exits import ANSWER_EXIT, EXIT_BLOCKED, EXIT_CLEAR, EXIT_STATE
from release_gate.cli.check import evaluated_or_hint
from release_gate.errors import UsageError
from release_gate.report import text as text_report

NAME = "explain"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``explain``: the subject, then the plan."""
    sub = add_evaluated(subparsers, NAME, SUMMARIES[NAME])
    sub.add_argument("subject", metavar="ID", help="a release id, a hold id, or a PR ref (kubespawner#232)")
    sub.add_argument("plan", nargs="?", metavar="PLAN", help=PLAN_HELP)
    add_output_options(sub)


def run(args: argparse.Namespace, io: IO) -> int:
    """Print the explanation; exit clear, blocked or unknown as the subject is."""
    args = _in_order(args)
    evaluation = evaluated_or_hint(args, io)
    color, width = use_color(args.color, io), text_width(io)
    subject = args.subject
    release_ids = [r.id for r in evaluation.releases]
    hold_ids = [h.id for h in evaluation.holds]
    if subject in release_ids:
        io.out.write(text_report.render_release(evaluation, subject, color=color, width=width))
        return ANSWER_EXIT[evaluation.release_answer(subject)]
    if subject in hold_ids:
        io.out.write(text_report.render_hold(evaluation, subject, color=color, width=width))
        status = evaluation.hold(subject).status
        return {"free": EXIT_CLEAR, "unknown": EXIT_STATE}.get(str(status), EXIT_BLOCKED)
    if "#" in subject or subject.lower().startswith(("http://", "https://")):
        verdict = evaluation.pr(ref(evaluation.plan, subject, "explain"))
        io.out.write(text_report.render_pr(evaluation, verdict, color=color, width=width))
        return ANSWER_EXIT[verdict.answer]
    close = difflib.get_close_matches(subject, release_ids + hold_ids, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UsageError(
        "explain",
        f"{subject!r} is no release, hold or PR ref of the plan{hint}",
        f"Use a release ({', '.join(release_ids)}), a hold ({', '.join(hold_ids) or 'none'}) "
        f"or a PR ref such as {example_ref(evaluation.plan)}",
    )


def _in_order(args: argparse.Namespace) -> argparse.Namespace:
    """Return *args* with ``explain PLAN ID`` read as ``explain ID PLAN``: the subject is a plan file, the plan not.

    A subject that is a plan file and nothing else is an error naming the order.
    """
    if not (args.subject.endswith(".toml") and Path(args.subject).is_file()):
        return args
    if args.plan is None:
        raise UsageError(
            "explain",
            f"{args.subject} is the plan: name what to explain too",
            f"Write release-gate explain ID {args.subject}, with a release id, a hold id or a PR ref as ID",
        )
    if Path(args.plan).is_file():
        return args
    return argparse.Namespace(**{**vars(args), "subject": args.plan, "plan": args.subject})
