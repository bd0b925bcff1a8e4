"""The merge gate: a commit status per pull request, from the plan's holds.

`decide` decides (pure), `actions` writes
GitHub Actions output, `run` runs the gate on an event (reads,
decisions, statuses), and the command line (``release-gate gate``) runs that in Actions.
"""
