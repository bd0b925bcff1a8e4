"""The commands of ``release-gate``: each one's name and one-line summary, in the order ``--help`` lists them.

Light on purpose: ``release-gate --help`` and ``--version`` list the commands from here without
importing any of them. A command is the module ``release_gate.cli.NAME``, imported when it runs
(or when its own ``--help`` is asked for).
"""

from __future__ import annotations

__all__ = ["SUMMARIES"]

SUMMARIES = {
    "check": "Evaluate every release and hold of a plan (the default question: is everything clear?).",
    "explain": "Explain one release, hold or PR: the whole chain of reasons.",
    "next": "List the next actions, those that would unblock the most releases first.",
    "report": "Write the report to a file: the HTML dashboard, or Markdown.",
    "timeline": "Show how each release's and hold's verdict changed between two moments.",
    "graph": "Print the dependency graph, coloured by status.",
    "gate": "In GitHub Actions: give each PR a commit status (pending while held), or fail the job (--mode check).",
    "snapshot": "Record the live GitHub state a plan needs to a snapshot file (replay it with check --snapshot).",
    "init": "Draft a plan file from GitHub for some repositories (needs a token).",
    "validate": "Check plan files and report every problem at once.",
    "schema": "Print the JSON Schema of plan files.",
    "example": "Write the built-in example's plan and recorded state to a folder, to read and edit.",
}
"""Every command's one-line summary (its ``help``), by name, in the order ``--help`` lists them."""
