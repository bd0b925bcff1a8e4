"""``python -m release_gate``: the same as the ``release-gate`` command."""

from release_gate.cli import entrypoint

entrypoint()
