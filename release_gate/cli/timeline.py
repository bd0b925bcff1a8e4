"""``release-gate timeline``: how each release's and hold's verdict changed between two moments."""

from __future__ import annotations

import argparse

from release_gate.cli._commands import SUMMARIES
from release_gate.cli._common import (
    IO,
    PLAN_HELP,
    Subparsers,
    load,
    now,
    parse_moment,
    read,
    resolve_plan,
    state_source,
)
from release_gate.cli._exits import EXIT_CLEAR
from release_gate.cli._live_options import add_live_options
from release_gate.errors import UsageError
from release_gate.evaluate.timeline import timeline
from release_gate.times import show_time

NAME = "timeline"

_HEADER = ("WHEN", "KIND", "ID", "FROM", "TO")


def add_parser(subparsers: Subparsers) -> None:
    """Add ``timeline``: FROM, TO, the plan and where the state comes from."""
    sub = subparsers.add_parser(
        NAME,
        help=SUMMARIES[NAME],
        description=(
            "Show how each release's and hold's verdict changed between two moments "
            "(at the times the state records: tags, releases, merges, closes)."
        ),
    )
    sub.add_argument("start", metavar="FROM", help="a date (2018-06-01) or time (2018-06-01T12:00:00Z)")
    sub.add_argument("end", metavar="TO", help="a date or time, no later than when the state was taken")
    sub.add_argument("plan", nargs="?", metavar="PLAN", help=PLAN_HELP)
    sub.add_argument(
        "--snapshot", "--state", dest="snapshot", metavar="FILE", help="a snapshot (JSON), instead of live GitHub"
    )
    add_live_options(sub)


def run(args: argparse.Namespace, io: IO) -> int:
    """Print each verdict at FROM and every change after it, oldest first (or that nothing changed); exit clear."""
    plan_file = resolve_plan(args.plan, io.err)
    start, end = parse_moment(args.start, "FROM"), parse_moment(args.end, "TO")
    plan = load(plan_file)
    # The pin files as they were over the period, not as they are now.
    reading = read(state_source(args, io, plan_file), plan, io, as_of=min(end, now()), files_since=start)
    taken = reading.state.taken_at
    if end > taken:
        raise UsageError("TO", f"{args.end} is after the state was taken ({show_time(taken)})", "Pick an earlier end")
    try:
        steps = timeline(reading.graph, reading.state, start, end)
    except ValueError as exc:
        raise UsageError("FROM", str(exc), "Give FROM before TO") from None
    rows = [_HEADER, *((show_time(s.when), s.kind, s.id, s.before or "-", s.after) for s in steps)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADER))]
    for row in rows:
        io.out.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n")
    if not any(s.before for s in steps):  # only the statuses at FROM: nothing moved
        io.out.write(f"no changes between {show_time(start)} and {show_time(end)}\n")
    return EXIT_CLEAR
