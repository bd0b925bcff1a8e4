"""``release-gate next``: the next actions, those that would unblock the most releases first."""

from __future__ import annotations

import argparse

from release_gate.cli._commands import SUMMARIES
from release_gate.cli._common import IO, PLAN_HELP, Subparsers, add_evaluated, evaluated, text_width
from release_gate.cli._exits import EXIT_CLEAR
from release_gate.report import text as text_report

NAME = "next"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``next``: the plan."""
    sub = add_evaluated(subparsers, NAME, SUMMARIES[NAME])
    sub.add_argument("plan", nargs="?", metavar="PLAN", help=PLAN_HELP)


def run(args: argparse.Namespace, io: IO) -> int:
    """Print the next actions; exit clear (a list is always an answer)."""
    evaluation, _ = evaluated(args, io)
    io.out.write(text_report.render_next(evaluation, width=text_width(io)))
    return EXIT_CLEAR
