"""The package root: every public name imports, old names still work with a warning, and importing is light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import release_gate
from tests.conftest import ROOT


@pytest.mark.parametrize("name", release_gate.__all__)
def test_every_public_name_imports(name: str) -> None:
    """Each name of release_gate.__all__ resolves to an object of its module."""
    assert getattr(release_gate, name) is not None


@pytest.mark.parametrize(
    ("old", "new"),
    [("World", "State"), ("load_world", "load_snapshot"), ("dump_world", "dump_snapshot"), ("Action", "NextAction")],
)
def test_an_old_name_still_works_and_says_the_new_one(old: str, new: str) -> None:
    """A name of an earlier version gives the new object, with a DeprecationWarning naming it."""
    with pytest.warns(DeprecationWarning, match=f"release_gate.{old} is now release_gate.{new}"):
        value = getattr(release_gate, old)
    assert value is getattr(release_gate, new)


def test_an_unknown_name_is_an_attribute_error() -> None:
    """A name the package does not have raises AttributeError, as for any module."""
    with pytest.raises(AttributeError, match="has no attribute 'nonsense'"):
        _ = release_gate.nonsense


def test_importing_the_package_loads_no_http_client() -> None:
    """`import release_gate` and reading a snapshot load neither PyGithub nor requests (names load on first use)."""
    code = (
        "import sys, release_gate\n"
        "release_gate.load_snapshot('config/jupyterhub-2018-08-09.state.json')\n"
        "print(sorted(m for m in ('github', 'requests', 'urllib3') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"


def _modules() -> list[str]:
    """Every module of the package, by its dotted name."""
    package = ROOT / "release_gate"
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in package.rglob("*.py")
        if path.name != "__main__.py"
    )


@pytest.mark.slow
def test_every_module_imports_first_in_a_fresh_process() -> None:
    """Each module of release_gate imports when it is the first one a process imports (no import cycle)."""
    code = (
        "import subprocess, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    run = subprocess.run([sys.executable, '-W', 'error', '-c', f'import {name}'], capture_output=True)\n"
        "    if run.returncode:\n"
        "        failed.append((name, run.stderr.decode().strip().splitlines()[-1]))\n"
        "print(failed)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *_modules()], check=True, capture_output=True, text=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"
