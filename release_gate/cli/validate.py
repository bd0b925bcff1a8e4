"""``release-gate validate``: check plan files, report every problem at once, and (--live) forgotten 'after' edges."""

from __future__ import annotations

import argparse
from pathlib import Path

from release_gate.cli._commands import SUMMARIES
from release_gate.cli._common import IO, PLAN_NAMES, Subparsers, find_plan, read, shown, state_source
from release_gate.cli._exits import EXIT_CLEAR, EXIT_INPUT
from release_gate.cli._live_options import add_live_options
from release_gate.errors import InputError, UsageError
from release_gate.evaluate.pins import forgotten_after
from release_gate.graph import build_graph
from release_gate.plan.model import Plan
from release_gate.plan.reader import load_plan
from release_gate.state import State, Unknown

NAME = "validate"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``validate``: the plan files, and --live with where its state comes from."""
    sub = subparsers.add_parser(
        NAME,
        help=SUMMARIES[NAME],
        description=(
            "Check plan files and report every problem at once. Several files are checked one "
            "after the other (as pre-commit passes them); the exit code is 2 if any is invalid."
        ),
    )
    sub.add_argument(
        "plans",
        nargs="*",
        metavar="PLAN",
        help="plan files (TOML); default: .github/release-plan.toml or release-plan.toml",
    )
    sub.add_argument(
        "--live",
        action="store_true",
        help="also read the pin files from GitHub and report 'after' edges the plan forgot",
    )
    sub.add_argument(
        "--snapshot",
        "--state",
        dest="snapshot",
        metavar="FILE",
        help="with --live: read the pin files from this snapshot instead",
    )
    add_live_options(sub)


def run(args: argparse.Namespace, io: IO) -> int:
    """Check each plan; exit 2 if any is invalid.

    With no plan named, the repository's own; none at all is a usage error: a CI step meant to
    check the team's plan must not pass by checking the example.
    """
    plans = list(args.plans) or [_found(io)]
    if args.live and len(plans) > 1:
        raise UsageError("--live", "reads the state of one plan at a time", "Name one plan file with --live")
    if len(plans) == 1:
        return _validate_one(plans[0], args, io)
    code = EXIT_CLEAR
    for name in plans:  # every file, so one run reports every broken plan
        try:
            _validate_one(name, args, io)
        except InputError as exc:
            io.err.write(f"release-gate: error: {exc}\n")
            code = EXIT_INPUT
    return code


def _found(io: IO) -> str:
    found = find_plan(Path.cwd())
    if found is None:
        raise UsageError(
            "validate",
            f"no plan file named, and none found here ({' or '.join(PLAN_NAMES)})",
            "Name the plan files to validate",
        )
    io.err.write(f"release-gate: no plan named: validating {shown(found)}\n")
    return str(found)


def _validate_one(name: str, args: argparse.Namespace, io: IO) -> int:
    plan = load_plan(Path(name))
    graph = build_graph(plan)
    if args.live:
        _suggest(plan, read(state_source(args, io, name, live=True), plan, io).state, io)
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
    io.out.write(f"{name}: ok: {counts}, {to_read}; release order: {order}\n")
    return EXIT_CLEAR


def _suggest(plan: Plan, state: State, io: IO) -> None:
    """Suggest an 'after' edge for each pin file line that pins another release's package."""
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


def _count(n: int, word: str) -> str:
    """Return "1 hold", "2 holds", "2 PR families"."""
    if n == 1:
        return f"1 {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"
