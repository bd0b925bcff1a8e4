"""The token never shows: not in output, logs, snapshots, reports or error text, whatever GitHub answers."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from release_gate import load_snapshot
from release_gate.testing import FakeGitHub, FakeRegistries, Fault
from release_gate.testing.oci import FakeOci
from tests.conftest import EXAMPLE_STATE, ROOT, SHA_205, Repo, Run, pr_payload

pytestmark = pytest.mark.slow

SENTINEL = "ghp_SENTINEL0123456789abcdefABCDEF0123"
FORMS = (SENTINEL, base64.b64encode(SENTINEL.encode()).decode(), base64.b64encode(f"x:{SENTINEL}".encode()).decode())


def _commands(plan: Path, folder: Path, url: str) -> list[tuple[str, ...]]:
    live = ("--github-url", url, "--timeout", "2")
    return [
        ("check", str(plan), "-v", *live),
        ("check", str(plan), "--format", "json", *live),
        ("explain", "chart", str(plan), *live),
        ("graph", str(plan), "--format", "mermaid", *live),
        ("next", str(plan), *live),
        ("report", str(plan), "-o", str(folder / "report.html"), *live),
        ("snapshot", str(plan), "-o", str(folder / "snapshot.json"), *live),
        ("timeline", "2018-08-01", "2018-08-09", str(plan), *live),
        ("validate", str(plan), "--live", *live),
    ]


@pytest.mark.parametrize(
    "fault",
    [None, Fault.SERVER_ERROR, Fault.PRIMARY_EXHAUSTED, Fault.MALFORMED_JSON, Fault.RESET, "bad-token"],
    ids=lambda f: str(f or "no-fault"),
)
def test_no_command_shows_the_token(  # noqa: PLR0917 - pytest fixtures
    fake_github: FakeGitHub,
    live_plan: Path,
    run_cli: Callable[..., Run],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    fault: Fault | str | None,
) -> None:
    """Every command, verbose, with a sentinel token, against a GitHub that answers or fails: zero sightings."""
    caplog.set_level(logging.DEBUG)  # PyGithub's own debug log (it masks the Authorization header) included
    if fault == "bad-token":
        fake_github.token = "some-other-token"  # noqa: S105 - a wrong token on purpose
    else:
        fake_github.token = SENTINEL
        if fault is not None:
            assert isinstance(fault, Fault)
            fake_github.inject(fault, times=None)
    texts: list[str] = []
    for argv in _commands(live_plan, tmp_path, fake_github.url):
        result = run_cli(*argv, env={"GH_TOKEN": SENTINEL, "RUNNER_DEBUG": "1"})
        texts += [result.out, result.err]
        assert "Traceback" not in result.err
        assert result.code in (0, 1, 2, 3), (argv, result.err)
    texts.append(caplog.text)
    files = [path for path in tmp_path.rglob("*") if path.is_file()]  # reports, snapshots, the answer cache
    assert any("user-cache" in path.parts for path in files) or fault is not None
    texts += [path.read_text(encoding="utf-8", errors="replace") for path in files]
    for text in texts:
        for form in FORMS:
            assert form not in text
    assert any(r.authorized for r in fake_github.requests)  # the token was sent: there was something to leak


@pytest.mark.parametrize("case", ["pushed", "missing", "private", "failing"])
def test_no_command_shows_an_image_token(
    github_schema: Any, run_cli: Callable[..., Run], tmp_path: Path, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    """Every command, verbose, on a plan whose chart names an image: the registry's anonymous tokens show nowhere."""
    caplog.set_level(logging.DEBUG)  # urllib3's log of every request included
    state = load_snapshot(ROOT / "config" / "jupyterhub-2018.state.json")  # the chart is in the index
    with FakeGitHub(state, schema=github_schema) as github, FakeRegistries(state) as registries, FakeOci() as oci:
        oci.push("jupyterhub/k8s-hub", "v0.7.0-beta.1" if case != "missing" else "v0.6")
        if case == "private":
            oci.private.add("jupyterhub/k8s-hub")
        if case == "failing":
            oci.inject(Fault.SERVER_ERROR, times=None, skip=1, route="HEAD")  # after the token was issued
        plan = tmp_path / "plan.toml"
        image = f'images = ["{oci.host}/jupyterhub/k8s-hub:v{{version}}"]\n'
        plan.write_text(registries.example_plan().replace("[releases.chart]\n", f"[releases.chart]\n{image}", 1))
        texts: list[str] = []
        for argv in _commands(plan, tmp_path, github.url):
            result = run_cli(*argv, env={"GH_TOKEN": str(github.token), "RUNNER_DEBUG": "1"})
            texts += [result.out, result.err]
            assert "Traceback" not in result.err
    texts.append(caplog.text)
    texts += [path.read_text(encoding="utf-8", errors="replace") for path in tmp_path.rglob("*") if path.is_file()]
    texts += [f"{r.path}?{r.query}" for r in oci.requests]
    assert oci.tokens  # tokens were issued and sent: there was something to leak
    assert any(r.authorized for r in oci.requests)
    for token in oci.tokens:
        assert all(token not in text for text in texts)


def test_snapshot_holds_no_headers_or_token(
    fake_github: FakeGitHub, live_plan: Path, run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    """A recorded snapshot holds the state only: no token, no Authorization, no HTTP headers."""
    fake_github.token = SENTINEL
    out = tmp_path / "state.json"
    assert (
        run_cli(
            "snapshot", str(live_plan), "-o", str(out), "--github-url", fake_github.url, env={"GH_TOKEN": SENTINEL}
        ).code
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert SENTINEL not in text
    assert not {"authorization", "x-ratelimit-limit", "etag"} & {k.lower() for k in _keys(json.loads(text))}
    assert json.loads(text)["schema_version"] == json.loads(EXAMPLE_STATE.read_text(encoding="utf-8"))["schema_version"]


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_help_shows_no_token_default(run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    """--help never echoes a token from the environment as a default."""
    monkeypatch.setenv("GH_TOKEN", SENTINEL)
    monkeypatch.setenv("GITHUB_TOKEN", SENTINEL)
    for command in ("check", "gate", "snapshot"):
        result = run_cli(command, "--help")
        assert result.code == 0
        assert SENTINEL not in result.out + result.err


@pytest.mark.parametrize("fault", [None, Fault.SERVER_ERROR, Fault.RESET], ids=lambda f: str(f or "no-fault"))
def test_the_gate_shows_no_token(repo: Repo, fault: Fault | None, caplog: pytest.LogCaptureFixture) -> None:
    """The gate, in debug mode, leaves the token out of its output, job summary, outputs, statuses and cache."""
    caplog.set_level(logging.DEBUG)
    repo.github.token = SENTINEL
    if fault is not None:
        repo.github.inject(fault, times=None, where="graphql")
    texts: list[str] = []
    for event, payload in (("pull_request_target", pr_payload(205, SHA_205)), ("schedule", {})):
        run = repo.gate(event, payload, env={"GITHUB_TOKEN": SENTINEL, "RUNNER_DEBUG": "1"})
        assert run.code in (0, 3), run.err
        texts += [run.out, run.err]
    texts.append(caplog.text)
    texts += [f"{s.description} {s.target_url}" for s in repo.github.statuses]
    files = [path for path in repo.folder.rglob("*") if path.is_file()]  # summary, outputs, the answer cache
    assert any(path.name == "summary.md" for path in files)
    texts += [path.read_text(encoding="utf-8", errors="replace") for path in files]
    for text in texts:
        for form in FORMS:
            assert form not in text
    assert repo.github.statuses  # something was posted: there was something to leak
