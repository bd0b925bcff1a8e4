"""The merge gate: a commit status per pull request, from the plan's holds.

:mod:`~release_gate.gate.decide` decides (pure), :mod:`~release_gate.gate.actions` writes
GitHub Actions output, :mod:`~release_gate.gate.run` runs the gate on an event (reads,
decisions, statuses), and the command line (``release-gate gate``) runs that in Actions.
"""
