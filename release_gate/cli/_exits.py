"""The exit codes, each with its name and meaning (release_gate.cli exports them; the commands return them)."""

from __future__ import annotations

from collections.abc import Mapping

EXIT_CLEAR = 0
EXIT_BLOCKED = 1
EXIT_INPUT = 2
EXIT_STATE = 3
EXIT_BUG = 4
EXIT_CODES = (
    (EXIT_CLEAR, "clear", "the question asked is clear: nothing planned is blocked, held or unknown"),
    (EXIT_BLOCKED, "blocked", "something is blocked, held or violated (and nothing it depends on is unknown)"),
    (EXIT_INPUT, "usage or input error", "a bad option, plan file, snapshot or event file; the message names the fix"),
    (
        EXIT_STATE,
        "unknown",
        "anything the answer depends on could not be read (GitHub, PyPI, a Helm index): fail closed",
    ),
    (EXIT_BUG, "internal error", "a bug in release-gate; RELEASE_GATE_DEBUG=1 shows the traceback"),
)
"""Every exit code, its name and meaning: the help text and docs/reference/exit-codes.md are made from it."""

ANSWER_EXIT: Mapping[str, int] = {"clear": EXIT_CLEAR, "blocked": EXIT_BLOCKED, "unknown": EXIT_STATE}
"""The exit code of each answer to the question a command asks, by `Answer` (a StrEnum: ``ANSWER_EXIT[Answer.CLEAR]``).

Keyed by the answers' values, so that this module, which ``--help`` imports, loads no evaluation.
"""
