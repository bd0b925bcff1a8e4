"""``release-gate schema``: print the JSON Schema of plan files (for editors)."""

from __future__ import annotations

import argparse
import json

from release_gate.cli._commands import SUMMARIES
from release_gate.cli._common import IO, Subparsers
from release_gate.cli._exits import EXIT_CLEAR
from release_gate.plan.format import json_schema

NAME = "schema"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``schema`` (no arguments)."""
    subparsers.add_parser(
        NAME,
        help=SUMMARIES[NAME],
        description="Print the JSON Schema of plan files (for editors).",
    )


def run(args: argparse.Namespace, io: IO) -> int:
    """Print the schema; exit clear."""
    del args
    io.out.write(json.dumps(json_schema(), indent=2) + "\n")
    return EXIT_CLEAR
