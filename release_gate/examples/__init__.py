"""The built-in example: the JupyterHub plan of 2018-08-09 and the state of its repositories that August.

The state records the repositories at the meeting and the weeks after it (the releases the
meeting asked for); it answers as of the meeting unless asked for another moment.

The files live in the repository's ``config/`` folder; wheels carry copies inside the
package (``release_gate/examples/``). This module finds whichever is there.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["PLAN", "STATE", "example_path"]

PLAN = "jupyterhub-2018.toml"
STATE = "jupyterhub-2018.state.json"


def example_path(name: str) -> Path:
    """Return the path of built-in example file *name* (`PLAN` or `STATE`)."""
    packaged = resources.files("release_gate.examples") / name
    if packaged.is_file():
        return Path(str(packaged))
    # A source checkout or an editable install: the files are in config/ beside the package.
    return Path(__file__).resolve().parents[2] / "config" / name
