"""``release-gate report``: write the HTML dashboard, or the Markdown report, to a file."""

from __future__ import annotations

import argparse
import datetime as dt

from release_gate.cli._commands import SUMMARIES
from release_gate.cli._common import IO, PLAN_HELP, Subparsers, add_evaluated, evaluated, write_file
from release_gate.cli._exits import EXIT_CLEAR
from release_gate.cli._live_options import web_server
from release_gate.evaluate.timeline import moments, timeline
from release_gate.report import html as html_report
from release_gate.report import markdown as markdown_report

NAME = "report"

SPAN = dt.timedelta(days=365)
"""How far back the dashboard's timeline looks."""


def add_parser(subparsers: Subparsers) -> None:
    """Add ``report``: the plan, the format and the file to write."""
    sub = add_evaluated(subparsers, NAME, SUMMARIES[NAME])
    sub.description = (
        f"{sub.description} Exits 0 once the file is written, whatever it shows (blocked, held or unknown: "
        "gating is check's job); 2 when the plan, snapshot or output path cannot be used, 3 when no state "
        "could be read at all."
    )
    sub.add_argument("plan", nargs="?", metavar="PLAN", help=PLAN_HELP)
    sub.add_argument("--format", choices=["html", "markdown"], default="html", help="html (default) or markdown")
    sub.add_argument("-o", "--output", metavar="FILE", required=True, help="where to write it")


def run(args: argparse.Namespace, io: IO) -> int:
    """Write the report; exit 0 once it is written, whatever it says (gating is ``check``'s job).

    A blocked plan or an unknown state is what the report shows, so a CI step that publishes the
    dashboard does not fail because of it. A report that cannot be made still fails: exit 2 for a
    plan, snapshot or option that cannot be used, or an ``--output`` that cannot be written; exit 3
    when no state could be read at all.
    """
    server = web_server(args, io.env)
    # The dashboard's timeline looks back a year: read the pin files' versions over that time too.
    evaluation, reading = evaluated(args, io, look_back=SPAN)
    # A strip per release over the last year of the state's recorded events (to the moment evaluated).
    year_ago = evaluation.as_of - SPAN
    start = max(min((m for m in moments(reading.state) if m <= evaluation.as_of), default=year_ago), year_ago)
    steps = timeline(reading.graph, reading.state, start, evaluation.as_of)
    if args.format == "html":
        page = html_report.render(evaluation, steps, server=server, state=reading.state)
    else:
        page = markdown_report.render(evaluation, server=server, steps=steps)
    write_file(args.output, page)
    io.err.write(f"release-gate: wrote {args.output}\n")
    return EXIT_CLEAR
