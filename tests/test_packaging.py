"""The wheel and sdist build from a clean copy of the source and install with only their declared dependencies.

The artifacts are built once per module with ``python -m build`` (an isolated build environment
that fetches hatchling from the package registry), then installed into fresh virtual
environments with plain pip, so nothing from the development environment can hide a missing
dependency or file. Missing tools (git, build, pipx) skip off CI and fail in CI.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

import release_gate

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BIN = "Scripts" if os.name == "nt" else "bin"
BUILD_TIMEOUT = 300
INSTALL_TIMEOUT = 300
RUN_TIMEOUT = 60

# What the wheel must carry: the built-in example (force-included from config/) and the schema.
WHEEL_FILES = [
    "release_gate/examples/jupyterhub-2018.toml",
    "release_gate/examples/jupyterhub-2018.state.json",
    "release_gate/plan/plan.schema.json",
    "release_gate/__init__.py",
    "release_gate/cli/__init__.py",
]
SDIST_FILES = [
    "pyproject.toml",
    "README.md",
    "CHANGELOG.md",
    "release_gate/__init__.py",
    "release_gate/cli/__init__.py",
    "release_gate/plan/plan.schema.json",
    "config/jupyterhub-2018.toml",
    "config/jupyterhub-2018-08-09.state.json",
    "config/jupyterhub-2018.state.json",
]
# The distribution's name (not the command's, nor the import's: "release-gate" on PyPI is another
# project), and the same normalised as wheel and sdist file names spell it.
DISTRIBUTION = "release-plan-gate"
FILE_PREFIX = "release_plan_gate"
# Variables of the outer environment that would leak it into the fresh ones, or colour the output.
_DROP = (
    "PYTHONPATH",
    "PYTHONHOME",
    "VIRTUAL_ENV",
    "PIP_USER",
    "NO_COLOR",
    "FORCE_COLOR",
    "GH_TOKEN",
    "GITHUB_TOKEN",
    "COLUMNS",
)


@dataclass(frozen=True)
class Built:
    """The artifacts one ``python -m build`` made."""

    dist: Path
    wheel: Path
    sdist: Path


def _unavailable(what: str, problem: str) -> NoReturn:
    """Skip the test for want of *what*, except in CI, where a missing tool is a failure."""
    if os.environ.get("CI"):  # noqa: TID251 - CI's own variable decides skip or fail
        pytest.fail(f"{what} is needed in CI: {problem}")
    pytest.skip(f"{what} is not available: {problem}")


def _env(**extra: str) -> dict[str, str]:
    """Return this process's environment without what would leak into a fresh venv, plus *extra*."""
    env = {k: v for k, v in os.environ.items() if k not in _DROP}  # noqa: TID251 - children inherit it
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


def _show(result: subprocess.CompletedProcess[str]) -> str:
    """Describe a finished command for an assertion message: arguments, exit code, output and errors."""
    return (
        f"{result.args} exited {result.returncode}\n"
        f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}"
    )


def _run(
    args: Sequence[str | Path],
    *,
    cwd: Path,
    expect: int | None = 0,
    timeout: float = RUN_TIMEOUT,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run *args* in *cwd*; unless *expect* is None, assert the exit code, showing stderr if not."""
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=_env() if env is None else env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if expect is not None:
        assert result.returncode == expect, _show(result)
    return result


def _git_files(*options: str) -> list[str]:
    """Return the paths ``git ls-files OPTIONS`` lists for the repository."""
    try:
        result = subprocess.run(
            ["git", "ls-files", "-z", *options], cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.SubprocessError) as error:
        _unavailable("git (to list the source tree's files)", str(error))
    if result.returncode != 0:
        _unavailable("a git checkout (to list the source tree's files)", result.stderr.strip())
    return [name for name in result.stdout.split("\0") if name]


def _clean_copy(target: Path) -> Path:
    """Copy the tracked and the untracked-but-not-ignored files to *target*: no .venv, .cache, build output."""
    names = sorted(set(_git_files()) | set(_git_files("--others", "--exclude-standard")))
    for name in names:
        source = ROOT / name
        if not source.is_file():  # tracked but deleted in the working tree
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)
    return target


def _venv(path: Path, artifact: Path, cwd: Path) -> Path:
    """Create a fresh venv at *path*, pip-install *artifact* into it (declared dependencies only); return bin/."""
    _run([sys.executable, "-m", "venv", path], cwd=cwd, timeout=INSTALL_TIMEOUT)
    bin_dir = path / BIN
    _run([bin_dir / "python", "-m", "pip", "install", artifact], cwd=cwd, timeout=INSTALL_TIMEOUT)
    return bin_dir


def _readme_first_lines() -> str:
    """Return the opening of the output README.md shows for its first command, up to its first elision."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme.split("The first command above prints", 1)[1]
    block = after.split("```text\n", 1)[1].split("```", 1)[0]
    lines: list[str] = []
    for line in block.splitlines():
        if line.strip() == "...":
            break
        lines.append(line)
    assert len(lines) >= 3, f"README.md's first output block has no opening before its first '...': {block!r}"
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Build the sdist and the wheel once, with ``python -m build``, from a clean copy of the source tree."""
    if importlib.util.find_spec("build") is None:
        _unavailable("the `build` package", f"not importable by {sys.executable}")
    source = _clean_copy(tmp_path_factory.mktemp("source"))
    dist = tmp_path_factory.mktemp("dist")
    _run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", dist, source],
        cwd=source,
        timeout=BUILD_TIMEOUT,
    )
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    assert len(wheels) == 1, f"expected one wheel in {dist}: {wheels}"
    assert len(sdists) == 1, f"expected one sdist in {dist}: {sdists}"
    return Built(dist, wheels[0], sdists[0])


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a working folder outside the repository, so nothing is found in config/ or on the path by accident."""
    return tmp_path_factory.mktemp("elsewhere")


@pytest.fixture(scope="module")
def wheel_bin(built: Built, outside: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return bin/ of a fresh venv with the wheel installed by pip."""
    return _venv(tmp_path_factory.mktemp("wheel-venv") / "venv", built.wheel, outside)


@pytest.fixture(scope="module")
def sdist_bin(built: Built, outside: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return bin/ of a fresh venv with the sdist installed (and so built) by pip."""
    return _venv(tmp_path_factory.mktemp("sdist-venv") / "venv", built.sdist, outside)


def test_build_makes_one_wheel_and_one_sdist(built: Built) -> None:
    """`python -m build` leaves exactly one wheel and one sdist, named for the package's version."""
    assert sorted(path.name for path in built.dist.iterdir()) == sorted([built.wheel.name, built.sdist.name])
    version = release_gate.__version__
    assert built.wheel.name.startswith(f"{FILE_PREFIX}-{version}-")
    assert built.sdist.name == f"{FILE_PREFIX}-{version}.tar.gz"


def test_wheel_metadata_version_is_the_package_version(built: Built) -> None:
    """The wheel's METADATA names the distribution (release-plan-gate), the version and the console script."""
    with zipfile.ZipFile(built.wheel) as wheel:
        names = wheel.namelist()
        (metadata,) = [name for name in names if name.endswith(".dist-info/METADATA")]
        fields = [line.split(": ", 1) for line in wheel.read(metadata).decode().splitlines() if ": " in line]
        (entry_points,) = [name for name in names if name.endswith(".dist-info/entry_points.txt")]
        scripts = wheel.read(entry_points).decode()
    assert ["Name", DISTRIBUTION] in fields
    assert ["Version", release_gate.__version__] in fields
    assert "release-gate = release_gate.cli:entrypoint" in scripts


def test_wheel_carries_the_examples_schema_and_marker(built: Built) -> None:
    """The wheel holds the built-in example, the plan schema and py.typed (when the source has it)."""
    with zipfile.ZipFile(built.wheel) as wheel:
        names = set(wheel.namelist())
    wanted = WHEEL_FILES + (["release_gate/py.typed"] if (ROOT / "release_gate" / "py.typed").is_file() else [])
    assert [name for name in wanted if name not in names] == []


def test_wheel_carries_only_the_package(built: Built) -> None:
    """The wheel holds no tests, caches or other stray folders: only release_gate/ and its dist-info."""
    with zipfile.ZipFile(built.wheel) as wheel:
        names = wheel.namelist()
    assert [name for name in names if name.startswith("tests/")] == []
    assert [name for name in names if ".cache" in name.split("/")] == []
    tops = {name.split("/", 1)[0] for name in names}
    assert tops == {"release_gate", f"{FILE_PREFIX}-{release_gate.__version__}.dist-info"}


def test_sdist_carries_the_project_files(built: Built) -> None:
    """The sdist holds pyproject.toml, README.md, CHANGELOG.md, the package and the example config, no caches."""
    prefix = f"{FILE_PREFIX}-{release_gate.__version__}/"
    with tarfile.open(built.sdist) as sdist:
        names = {name.removeprefix(prefix) for name in sdist.getnames()}
    assert [name for name in SDIST_FILES if name not in names] == []
    assert [name for name in names if {".cache", ".venv", ".hypothesis"} & set(name.split("/"))] == []


def test_wheel_install_reports_the_version(wheel_bin: Path, outside: Path) -> None:
    """`release-gate --version` from the installed wheel prints release_gate.__version__."""
    result = _run([wheel_bin / "release-gate", "--version"], cwd=outside)
    assert result.stdout.strip() == f"release-gate {release_gate.__version__}"


def test_wheel_installs_as_release_plan_gate(wheel_bin: Path, outside: Path) -> None:
    """The installed wheel is the distribution release-plan-gate at release_gate.__version__, not `release-gate`."""
    code = (
        "import importlib.metadata as m\n"
        f"print(m.version({DISTRIBUTION!r}))\n"
        "try:\n    m.version('release-gate')\nexcept m.PackageNotFoundError:\n    print('no release-gate')\n"
    )
    result = _run([wheel_bin / "python", "-c", code], cwd=outside)
    assert result.stdout.splitlines() == [release_gate.__version__, "no release-gate"], _show(result)


def test_wheel_install_prints_help(wheel_bin: Path, outside: Path) -> None:
    """`release-gate --help` from the installed wheel exits 0 with the usage line."""
    result = _run([wheel_bin / "release-gate", "--help"], cwd=outside)
    assert result.stdout.startswith("usage: release-gate")


def test_wheel_install_runs_the_builtin_example(wheel_bin: Path, outside: Path) -> None:
    """Bare `release-gate` runs the example shipped in the wheel: exit 1 (blocked), opening as README shows."""
    result = _run([wheel_bin / "release-gate"], cwd=outside, expect=1, env=_env(XDG_CACHE_HOME=str(outside / "c")))
    assert result.stdout.startswith(_readme_first_lines()), _show(result)


def test_wheel_install_finds_the_examples_inside_the_package(wheel_bin: Path, outside: Path) -> None:
    """The installed package finds its example files in the venv's site-packages, not in the source tree."""
    code = "from release_gate.examples import PLAN, STATE, example_path as p; print(p(PLAN)); print(p(STATE))"
    result = _run([wheel_bin / "python", "-c", code], cwd=outside)
    paths = [Path(line) for line in result.stdout.splitlines()]
    venv = wheel_bin.parent.resolve()
    assert len(paths) == 2
    for path in paths:
        assert path.is_file(), path
        assert path.resolve().is_relative_to(venv), f"{path} is not inside the fresh venv {venv}"


def test_wheel_install_brings_the_declared_dependencies_only(wheel_bin: Path, outside: Path) -> None:
    """The runtime dependencies import; graphql-core (only in the `testing` extra) does not come along."""
    _run([wheel_bin / "python", "-c", "import release_gate, networkx, github, packaging, semver, yaml"], cwd=outside)
    result = _run([wheel_bin / "python", "-c", "import graphql"], cwd=outside, expect=None)
    assert result.returncode != 0, _show(result)
    assert "ModuleNotFoundError" in result.stderr, _show(result)


def test_sdist_install_reports_the_version(sdist_bin: Path, outside: Path) -> None:
    """The sdist builds and installs with pip; its `release-gate --version` prints release_gate.__version__."""
    result = _run([sdist_bin / "release-gate", "--version"], cwd=outside)
    assert result.stdout.strip() == f"release-gate {release_gate.__version__}"


def test_sdist_install_carries_the_examples(sdist_bin: Path, outside: Path) -> None:
    """The wheel pip builds from the sdist still carries the built-in example: bare `release-gate` exits 1."""
    result = _run([sdist_bin / "release-gate"], cwd=outside, expect=1, env=_env(XDG_CACHE_HOME=str(outside / "c")))
    assert _readme_first_lines() in result.stdout, _show(result)


def test_pipx_runs_the_wheel(built: Built, outside: Path, tmp_path: Path) -> None:
    """`pipx run --spec WHEEL release-gate --help` exits 0 with the usage line (pipx's folders kept in tmp)."""
    if importlib.util.find_spec("pipx") is not None:
        pipx: list[str | Path] = [sys.executable, "-m", "pipx"]
    elif (found := shutil.which("pipx")) is not None:
        pipx = [found]
    else:
        _unavailable("pipx", f"neither importable by {sys.executable} nor on PATH")
    env = _env(
        PIPX_HOME=str(tmp_path / "pipx-home"),
        PIPX_BIN_DIR=str(tmp_path / "pipx-bin"),
        PIPX_MAN_DIR=str(tmp_path / "pipx-man"),
    )
    result = _run(
        [*pipx, "run", "--spec", built.wheel, "release-gate", "--help"], cwd=outside, env=env, timeout=INSTALL_TIMEOUT
    )
    assert result.stdout.startswith("usage: release-gate"), _show(result)
