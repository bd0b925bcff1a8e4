"""The merge gate: a commit status per pull request, from the plan's holds.

:mod:`~release_gate.gate.decide` decides (pure), :mod:`~release_gate.gate.actions` writes
GitHub Actions output, and the command line runs them (``release-gate gate``).
"""
