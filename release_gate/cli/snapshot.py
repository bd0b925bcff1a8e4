"""``release-gate snapshot``: record the live state a plan needs to a file, to replay with ``check --snapshot``."""

from __future__ import annotations

import argparse

from release_gate._version import __version__
from release_gate.cli._commands import SUMMARIES
from release_gate.cli._common import (
    IO,
    PLAN_HELP,
    Subparsers,
    load,
    parse_as_of,
    read,
    resolve_plan,
    state_source,
    write_file,
)
from release_gate.cli._exits import EXIT_CLEAR
from release_gate.cli._live_options import add_live_options
from release_gate.sources.snapshot import dump_snapshot

NAME = "snapshot"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``snapshot``: the plan, the file to write and how far back to record the pin files."""
    sub = subparsers.add_parser(
        NAME,
        help=SUMMARIES[NAME],
        description=SUMMARIES[NAME],
    )
    sub.add_argument("plan", nargs="?", metavar="PLAN", help=PLAN_HELP)
    sub.add_argument("-o", "--output", metavar="FILE", required=True, help="where to write the snapshot (JSON)")
    sub.add_argument(
        "--since",
        metavar="TIME",
        help=(
            "also record how the pin files changed since this moment (2018-08-01), so that --as-of and "
            "timeline can look back to it; default: only their last version"
        ),
    )
    add_live_options(sub)


def run(args: argparse.Namespace, io: IO) -> int:
    """Read the live state and write it; exit clear."""
    plan_file = resolve_plan(args.plan, io.err)
    plan = load(plan_file)
    since = parse_as_of(args.since, "--since")
    state = read(state_source(args, io, plan_file, live=True), plan, io, files_since=since).state
    text = dump_snapshot(
        state, about=f"Recorded by release-gate {__version__} for the plan {plan.name!r} ({plan.path})."
    )
    write_file(args.output, text)
    stats = state.stats
    cost = f", {stats.requests} request(s), GraphQL cost {stats.graphql_cost}" if stats else ""
    io.err.write(
        f"release-gate: wrote {args.output}: {len(state.repos)} repos, {len(state.items)} PRs and issues{cost}\n"
    )
    return EXIT_CLEAR
