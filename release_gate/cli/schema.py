"""``release-gate schema``: print the JSON Schema of plan files (for editors)."""

from __future__ import annotations

import argparse

from release_gate.cli._common import IO, Subparsers
from release_gate.cli._exits import EXIT_CLEAR

NAME = "schema"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``schema`` (no arguments)."""
    subparsers.add_parser(
        NAME,
        help="Print the JSON Schema of plan files.",
        description="Print the JSON Schema of plan files (for editors).",
    )


def run(args: argparse.Namespace, io: IO) -> int:
    """Print the schema; exit clear."""
    import json  # noqa: PLC0415 - imported on use: --help stays light

    from release_gate.plan.format import json_schema  # noqa: PLC0415 - imported on use: --help stays light

    del args
    io.out.write(json.dumps(json_schema(), indent=2) + "\n")
    return EXIT_CLEAR
