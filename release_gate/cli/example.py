"""``release-gate example``: write the built-in example's plan and recorded state to a folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from release_gate.cli._commands import SUMMARIES
from release_gate.cli._common import IO, Subparsers
from release_gate.cli._exits import EXIT_CLEAR
from release_gate.errors import UsageError
from release_gate.examples import PLAN as EXAMPLE_PLAN
from release_gate.examples import STATE as EXAMPLE_STATE
from release_gate.examples import example_path

NAME = "example"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``example``: the folder to write to."""
    sub = subparsers.add_parser(
        NAME,
        help=SUMMARIES[NAME],
        description=(
            "Write the built-in example (the JupyterHub plan of 2018-08-09, and the recorded state of its "
            "repositories that August, which answers as of the meeting) to a folder. Existing files are "
            "never overwritten."
        ),
    )
    sub.add_argument("-o", "--output", metavar="DIR", help="the folder (default: the current one)")


def run(args: argparse.Namespace, io: IO) -> int:
    """Copy the two files, never over existing ones; exit clear."""
    folder = Path(args.output or ".")
    # An error names --output only when it was given; else the command, the current folder and the option.
    culprit, here, option = ("--output", "", "") if args.output else ("example", " here", " with -o DIR")
    targets = [(example_path(name), folder / name) for name in (EXAMPLE_PLAN, EXAMPLE_STATE)]
    existing = [str(target) for _, target in targets if target.exists()]
    if existing:
        verb, them = ("exists", "it") if len(existing) == 1 else ("exist", "them")
        raise UsageError(
            culprit, f"{' and '.join(existing)} already {verb}{here}", f"Remove {them}, or name another folder{option}"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for source, target in targets:
            target.write_bytes(source.read_bytes())
    except OSError as exc:
        raise UsageError(
            culprit, f"cannot write to {folder} ({exc.strerror})", f"Name a folder you can write{option}"
        ) from None
    for _, target in targets:
        io.out.write(f"wrote {target}\n")
    return EXIT_CLEAR
