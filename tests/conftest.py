"""Shared fixtures: the built-in example, and the command line run in-process."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import io
import json
import os
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from release_gate import Evaluation, SnapshotStateProvider, check, load_snapshot
from release_gate.cli import main
from release_gate.plan.model import ItemRef
from release_gate.state import FileHistory, PrState, Published, PullRequest, Registry, RepoState, State, Tag
from release_gate.testing import FakeGitHub, FakeRegistries

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_PLAN = ROOT / "config" / "jupyterhub-2018.toml"
EXAMPLE_STATE = ROOT / "config" / "jupyterhub-2018-08-09.state.json"


_LOCAL = ("127.0.0.1", "::1", "localhost")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every connection that is not to this machine: tests talk to local fakes only."""
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in _LOCAL and host is not None:
            raise socket.gaierror(socket.EAI_NONAME, f"tests may not reach {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@dataclass(frozen=True)
class Run:
    """What one run of the command line did."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        """Stdout with every run of whitespace made one space: what it says, however it is wrapped."""
        return " ".join(self.out.split())


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Run]:
    """Run ``release-gate ARGS`` in-process with a colour- and width-neutral environment; return code and output.

    The answer cache defaults to a folder of the test's own (XDG_CACHE_HOME), never the user's.
    """
    cleared = ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "RELEASE_GATE_DEBUG", "GH_TOKEN", "GITHUB_TOKEN", "GITHUB_API_URL")
    for name in cleared:
        monkeypatch.delenv(name, raising=False)
    cache = str(tmp_path / "user-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", cache)

    def run(*argv: str, env: dict[str, str] | None = None) -> Run:
        """Run with *argv*; *env* (default: the cleaned process environment) stands for os.environ."""
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), stdout=out, stderr=err, env=None if env is None else {"XDG_CACHE_HOME": cache, **env})
        return Run(code, out.getvalue(), err.getvalue())

    return run


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--update-goldens`` (rewrite the expected outputs) and ``--all`` (run the slow tests too)."""
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite tests/scenarios/*/expected/* from the current output (review the diff!)",
    )
    parser.addoption(
        "--all",
        action="store_true",
        default=False,
        help="also run the tests marked slow (the whole suite, as .ci/run does)",
    )


def _whole_suite(config: pytest.Config) -> bool:
    """Whether the slow tests run: with --all, a -m expression, or test files named on the command line."""
    named = [arg for arg in config.args if arg not in config.getini("testpaths")]
    return bool(config.getoption("--all") or config.getoption("-m") or named)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the tests marked slow unless --all, a -m expression or a named test file asks for them."""
    if _whole_suite(config):
        return
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item.get_closest_marker("slow") is None]


def pytest_report_header(config: pytest.Config) -> str:
    """Say whether the slow tests run."""
    if _whole_suite(config):
        return "release-gate: every test asked for, slow ones included"
    return "release-gate: the fast set (the tests marked slow are left out; --all runs them)"


@pytest.fixture(scope="session")
def example() -> Evaluation:
    """Evaluate the JupyterHub plan of 2018-08-09 against the state recorded at the meeting."""
    return check(EXAMPLE_PLAN, SnapshotStateProvider(EXAMPLE_STATE))


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    """Hold a lock on .cache/NAME.lock, so that parallel test workers install or fetch a tool one at a time."""
    lock = ROOT / ".cache" / f"{name}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def github_schema() -> Any:
    """GitHub's published GraphQL schema (npm @octokit/graphql-schema, pinned), built once per run.

    Fetched with npm into .cache/ on first use. Missing in CI is a failure, never a skip.
    """
    from release_gate.testing import fetch_github_schema, load_github_schema  # noqa: PLC0415

    try:
        with _locked("github-schema"):  # the test workers (pytest-xdist) fetch it once between them
            path = fetch_github_schema(ROOT / ".cache" / "github-schema")
    except (OSError, subprocess.SubprocessError) as error:
        if os.environ.get("CI"):  # noqa: TID251 - CI's own variable decides skip or fail
            pytest.fail(f"GitHub's GraphQL schema is needed in CI and could not be fetched: {error}")
        pytest.skip(f"GitHub's GraphQL schema could not be fetched (npm): {error}")
    return load_github_schema(path)


@pytest.fixture
def fake_github(github_schema: Any) -> Iterator[FakeGitHub]:
    """Serve the recorded 2018 state from a fake GitHub; fail the test if it saw a query GitHub would reject."""
    with FakeGitHub(load_snapshot(EXAMPLE_STATE), schema=github_schema) as fake:
        yield fake
    assert fake.invalid_queries == []


@pytest.fixture
def fake_registries() -> Iterator[FakeRegistries]:
    """Serve the recorded 2018 state's published versions from a fake PyPI and Helm repository."""
    with FakeRegistries(load_snapshot(EXAMPLE_STATE)) as fake:
        yield fake


def plan_text_for(registries: FakeRegistries) -> str:
    """Return the founding plan's text with its PyPI and Helm URLs pointing at *registries*."""
    return registries.example_plan()


@pytest.fixture
def live_plan(fake_registries: FakeRegistries, tmp_path: Path) -> Path:
    """Write the founding plan to a file whose published places are the fake registries."""
    path = tmp_path / "jupyterhub-2018.toml"
    path.write_text(plan_text_for(fake_registries), encoding="utf-8")
    return path


MERMAID = ("mermaid@11.17.2", "jsdom@25.0.1")
PLAYWRIGHT = ("playwright-core@1.65.1",)


def _node_tool(name: str, packages: tuple[str, ...], script: str, what: str, problem: str | None = None) -> Path:
    """Install pinned npm *packages* into .cache/NAME (once) beside a copy of tests/SCRIPT; return the folder.

    Missing in CI is a failure, never a skip.
    """
    folder = ROOT / ".cache" / name
    module = packages[0].rsplit("@", 1)[0]
    with _locked(name):  # parallel test workers install it once between them
        if problem is None and not (folder / "node_modules" / module).is_dir():
            try:
                folder.mkdir(parents=True, exist_ok=True)
                subprocess.run(
                    ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(folder), *packages],
                    check=True,
                    capture_output=True,
                    timeout=600,
                )
            except (OSError, subprocess.SubprocessError) as error:
                problem = str(error)
        if problem is not None:
            if os.environ.get("CI"):  # noqa: TID251 - CI's own variable decides skip or fail
                pytest.fail(f"{what} is needed in CI: {problem}")
            pytest.skip(f"{what} is not available: {problem}")
        (folder / script).write_text((ROOT / "tests" / script).read_text(encoding="utf-8"), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def mermaid_parser() -> Path:
    """Return a folder where `node mermaid_parse.mjs FILE` parses FILE with the real Mermaid parser."""
    return _node_tool("mermaid", MERMAID, "mermaid_parse.mjs", "the Mermaid parser (npm)")


@pytest.fixture(scope="session")
def browser() -> Path:
    """Return a folder where `node browser_check.mjs PAGE SHOT` drives Debian's chromium with playwright-core."""
    missing = "no chromium on PATH (apt-get install chromium)" if shutil.which("chromium") is None else None
    return _node_tool("playwright", PLAYWRIGHT, "browser_check.mjs", "the dashboard's browser test", missing)


# -- a simulated gated repository (the merge gate's tests and the fault matrix) ----------------

KS = "jupyterhub/kubespawner"
PLAN_PATH = ".github/release-plan.toml"
SHA_205 = "2" * 40


@dataclasses.dataclass
class Repo:
    """A simulated gated repository: the fakes, and a helper to run the gate on an event."""

    github: FakeGitHub
    registries: FakeRegistries
    folder: Path
    run_cli: Callable[..., Run]

    def gate(self, event: str, payload: dict[str, Any], *args: str, env: dict[str, str] | None = None) -> Run:
        """Run `release-gate gate ARGS` for *event*, with the variables GitHub Actions sets."""
        path = self.folder / f"{event}.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        variables = {
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(path),
            "GITHUB_REPOSITORY": KS,
            "GITHUB_API_URL": self.github.url,
            "GITHUB_TOKEN": str(self.github.token),
            "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_RUN_ID": "4242",
            "GITHUB_STEP_SUMMARY": str(self.folder / "summary.md"),
            "GITHUB_OUTPUT": str(self.folder / "output.txt"),
            **(env or {}),
        }
        return self.run_cli("gate", *args, env=variables)

    def statuses(self, sha: str) -> list[tuple[str, str]]:
        """Return the statuses posted on *sha*, oldest first."""
        return [(s.state, s.description) for s in self.github.statuses if s.sha == sha]

    def release_kubespawner(self) -> None:
        """Make the state one in which kubespawner 0.9.0b1 is out (its PRs merged, tagged, on PyPI)."""
        state = self.github.state
        when = dt.datetime(2018, 8, 19, 12, tzinfo=dt.UTC)
        items = dict(state.items)
        for number in (230, 232):
            ref = ItemRef(KS, number)
            items[ref.key] = PullRequest(ref, PrState.MERGED, f"part {number}", merged_at=when - dt.timedelta(days=1))
        repos = dict(state.repos)
        repo = repos[KS]
        assert isinstance(repo, RepoState)
        repos[KS] = dataclasses.replace(repo, tags=(*repo.tags, Tag("v0.9.0b1", "", when)))
        registries = dict(state.registries)
        pypi = registries["pypi:jupyterhub-kubespawner"]
        assert isinstance(pypi, Registry)
        registries["pypi:jupyterhub-kubespawner"] = dataclasses.replace(
            pypi, versions=(*pypi.versions, Published("0.9.0b1", when))
        )
        new = dataclasses.replace(state, items=items, repos=repos, registries=registries)
        self.github.state = self.registries.state = new


def _state_with_plan(registries: FakeRegistries) -> State:
    state = load_snapshot(EXAMPLE_STATE)
    repos = dict(state.repos)
    repo = repos[KS]
    assert isinstance(repo, RepoState)
    plan = FileHistory.current(plan_text_for(registries), state.taken_at)
    repos[KS] = dataclasses.replace(repo, files={**repo.files, PLAN_PATH: plan})
    items = dict(state.items)
    ref = ItemRef(KS, 205)
    old = items[ref.key]
    assert isinstance(old, PullRequest)
    items[ref.key] = dataclasses.replace(old, head_sha=SHA_205)
    return dataclasses.replace(state, repos=repos, items=items)


@pytest.fixture
def repo(github_schema: Any, tmp_path: Path, run_cli: Callable[..., Run]) -> Iterator[Repo]:
    """Simulate the kubespawner repository of 2018-08-09, with the founding plan on its default branch."""
    with FakeRegistries(load_snapshot(EXAMPLE_STATE)) as registries:
        state = _state_with_plan(registries)
        registries.state = state
        with FakeGitHub(state, schema=github_schema) as github:
            yield Repo(github, registries, tmp_path, run_cli)
        assert github.invalid_queries == []


REPOSITORY = {"full_name": KS, "name": "kubespawner", "owner": {"login": "jupyterhub"}, "default_branch": "master"}


def pr_payload(number: int, sha: str) -> dict[str, Any]:
    """Return a pull_request(_target) payload shaped like GitHub's (the fields that matter here)."""
    return {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "state": "open",
            "draft": False,
            "title": f"[Part {number} of #205] ::error::a title that tries to inject a command",
            "user": {"login": "consideRatio"},
            "labels": [],
            "head": {
                "sha": sha,
                "ref": "big-pr",
                "label": "consideRatio:big-pr",
                "repo": {"full_name": "consideRatio/kubespawner"},
            },
            "base": {"sha": "0" * 40, "ref": "master", "label": "jupyterhub:master", "repo": REPOSITORY},
        },
        "repository": REPOSITORY,
        "sender": {"login": "consideRatio"},
    }


def check_section(request: pytest.FixtureRequest, doc: Path, markers: tuple[str, str], body: str) -> None:
    """Check that *doc* holds *body* between the *markers*; with ``--update-goldens``, write it there instead."""
    start, end = markers
    text = doc.read_text(encoding="utf-8")
    before, found, rest = text.partition(start)
    assert found, f"{doc.name} has no {start}"
    _, _, after = rest.partition(end)
    current = f"{before}{start}\n{body}\n{end}{after}"
    if request.config.getoption("--update-goldens"):
        doc.write_text(current, encoding="utf-8")
        return
    assert text == current, f"{doc.relative_to(ROOT)} is out of date: run pytest {request.path.name} --update-goldens"
