"""The project's own checks pass: ruff (lint and format), mypy strict and the import contract (pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "ruff", "check", "release_gate", "tests", "benchmarks"],
        ["-m", "ruff", "format", "--check", "release_gate", "tests", "benchmarks"],
        ["-m", "mypy"],
        ["-c", "from importlinter.cli import lint_imports_command as run; raise SystemExit(run())"],
    ],
    ids=["ruff-check", "ruff-format", "mypy", "import-contract"],
)
def test_tool_passes(command: list[str]) -> None:
    """The code passes the linter, the formatter's check, strict typing and the architecture's import contract."""
    result = subprocess.run(
        [sys.executable, *command], cwd=ROOT, capture_output=True, text=True, check=False, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
