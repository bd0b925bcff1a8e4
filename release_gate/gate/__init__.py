"""The merge gate: a commit status per pull request, from the plan's holds.

`decide` decides (pure), `actions` writes
GitHub Actions output, `run` runs the gate on an event (reads,
decisions, statuses), and the command line (``release-gate gate``) runs that in Actions.

This package itself holds only the words the command line's options need (`GateMode`,
`STATUS_LABEL`), so that ``release-gate --help`` loads none of the gate's machinery.
"""

from __future__ import annotations

import enum

__all__ = ["STATUS_LABEL", "GateMode"]


class GateMode(enum.StrEnum):
    """What the run does with its decisions."""

    STATUS = "status"
    """Post a commit status per PR; the run passes unless something could not be read."""
    CHECK = "check"
    """Post nothing; the run fails (the answer is blocked) when a PR is held."""


STATUS_LABEL = "release-gate/status"
"""The label the status issue carries (`release_gate.gate.issue.LABEL`)."""
