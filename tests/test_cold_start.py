"""Cold start: which modules a fresh ``release-gate`` process imports (what it costs is benchmarks/cold_start.py's).

Each case runs ``python -X importtime -m release_gate ...`` in a fresh process and reads the
modules it imported from the import-time lines on stderr. An offline command (a snapshot,
no token) never loads the live machinery: PyGithub, requests and their stack, libyaml, nor
release-gate's own HTTP clients. ``--version`` and ``--help`` load no command's work at all.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from release_gate.cli import _parser
from release_gate.cli._exits import ANSWER_EXIT, EXIT_BLOCKED, EXIT_CLEAR, EXIT_STATE
from release_gate.evaluate import Answer

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "config" / "jupyterhub-2018.toml"
SNAPSHOT = ROOT / "config" / "jupyterhub-2018-08-09.state.json"

LIVE_PACKAGES = frozenset({"github", "requests", "urllib3", "cryptography", "jwt", "yaml"})
"""Third-party packages only a live read needs: PyGithub and its HTTP and JWT stack; YAML (Helm indexes, chart pins)."""

LIVE_MODULES = (
    "release_gate.cli._live",
    "release_gate.sources.github",
    "release_gate.sources._http",
    "release_gate.sources.registries",
    "release_gate.sources.cache",
    "release_gate.sources.live",
    "release_gate.sources.repo_facts",
)
"""release-gate's own live machinery: the clients and what builds them."""

TOP_LEVEL_MODULES = frozenset(
    {
        "release_gate",
        "release_gate._gc",
        "release_gate._version",
        "release_gate.cli",
        "release_gate.cli._commands",
        "release_gate.cli._exits",
        "release_gate.untrusted",
    }
)
"""All of release-gate that ``--help`` and ``--version`` import: no command, nothing a command works with."""


def _imported(
    monkeypatch: pytest.MonkeyPatch, cwd: Path, *argv: str
) -> tuple[subprocess.CompletedProcess[str], frozenset[str]]:
    """Run ``python -X importtime -m release_gate ARGV`` in *cwd*, offline; return it and the modules it imported."""
    for name in ("GH_TOKEN", "GITHUB_TOKEN", "PYTHONPROFILEIMPORTTIME", "RELEASE_GATE_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # this checkout's release_gate, whatever is installed
    monkeypatch.setenv("XDG_CACHE_HOME", str(cwd / "user-cache"))
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "release_gate", *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=120,
    )
    names = frozenset(
        line.rpartition("|")[2].strip() for line in done.stderr.splitlines() if line.startswith("import time:")
    )
    assert "release_gate.cli" in names, done.stderr[-2000:]  # the import-time lines were read
    return done, names


def _within(names: frozenset[str], modules: tuple[str, ...]) -> list[str]:
    """Return the names among *names* that are one of *modules* or inside one."""
    return sorted(n for n in names if any(n == m or n.startswith(f"{m}.") for m in modules))


def _packages(names: frozenset[str], packages: frozenset[str]) -> list[str]:
    """Return the top-level packages of *names* that are in *packages*."""
    return sorted({n.partition(".")[0] for n in names} & packages)


_OFFLINE = {
    "check (built-in example)": (("check",), EXIT_BLOCKED),
    "no command (built-in example)": ((), EXIT_BLOCKED),
    "check --format json": (("check", "--format", "json"), EXIT_BLOCKED),
    "check --format markdown": (("check", "--format", "markdown"), EXIT_BLOCKED),
    "check PLAN --snapshot": (("check", str(PLAN), "--snapshot", str(SNAPSHOT)), EXIT_BLOCKED),
    "explain": (("explain", "kubespawner#232"), EXIT_CLEAR),
    "next": (("next",), EXIT_CLEAR),
    "timeline": (("timeline", "2018-08-01", "2018-08-09"), EXIT_CLEAR),
    "report": (("report", "-o", "report.html"), EXIT_CLEAR),
    "graph": (("graph", "--format", "mermaid"), EXIT_CLEAR),
    "validate PLAN --snapshot": (("validate", str(PLAN), "--snapshot", str(SNAPSHOT)), EXIT_CLEAR),
}


@pytest.mark.parametrize(("argv", "code"), list(_OFFLINE.values()), ids=list(_OFFLINE))
def test_an_offline_command_imports_no_live_machinery(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv: tuple[str, ...], code: int
) -> None:
    """A command on a snapshot (no token) imports neither PyGithub, requests, YAML nor release-gate's HTTP clients."""
    done, names = _imported(monkeypatch, tmp_path, *argv)
    assert done.returncode == code, done.stderr[-2000:]
    assert _packages(names, LIVE_PACKAGES) == []
    assert _within(names, LIVE_MODULES) == []


@pytest.mark.parametrize("argv", [("--version",), ("--help",), ("-h",)], ids=["version", "help", "h"])
def test_version_and_help_import_nothing_heavy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv: tuple[str, ...]
) -> None:
    """`--version` and `--help` import no networkx, packaging, live machinery nor any command's work."""
    done, names = _imported(monkeypatch, tmp_path, *argv)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith(("release-gate ", "usage: release-gate"))
    assert _packages(names, LIVE_PACKAGES | {"networkx", "packaging"}) == []
    assert sorted(set(_within(names, ("release_gate",))) - TOP_LEVEL_MODULES) == []


def test_the_top_level_help_is_the_same_with_no_command_built() -> None:
    """`--help` lists each command with the same summary whether its parser is built in full or not."""
    assert _parser(built=()).format_help() == _parser().format_help()
    assert _parser(built=("check",)).format_help() == _parser().format_help()


def test_a_live_check_does_import_the_clients(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The import list is read right: a check that reads live (here refused at once) loads the clients."""
    done, names = _imported(monkeypatch, tmp_path, "check", str(PLAN), "--github-url", "ftp://nowhere")
    assert done.returncode == 2, done.stderr[-2000:]
    assert {"release_gate.cli._live", "release_gate.sources.github", "requests"} <= names


def test_every_answer_has_its_exit_code() -> None:
    """Each answer maps to its exit code (the table is keyed by the answers' values, so --help needs no evaluation)."""
    assert {Answer(answer): code for answer, code in ANSWER_EXIT.items()} == {
        Answer.CLEAR: EXIT_CLEAR,
        Answer.BLOCKED: EXIT_BLOCKED,
        Answer.UNKNOWN: EXIT_STATE,
    }
    assert all(ANSWER_EXIT[answer] is not None for answer in Answer)


def test_the_light_default_api_url_is_the_clients() -> None:
    """The API root --help names (kept apart from the clients, so --help loads none) is the one the clients use."""
    from release_gate.cli._live_options import DEFAULT_API_URL  # noqa: PLC0415 - the light module's own copy
    from release_gate.sources import github  # noqa: PLC0415 - the clients', for the comparison

    assert DEFAULT_API_URL == github.DEFAULT_API_URL
