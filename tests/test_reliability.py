"""The fault matrix: every way GitHub, PyPI or a Helm index fails, at three moments, fails closed.

Each case runs the real command in-process (``release-gate check``, or ``release-gate gate``
for a held PR) against the fakes, with one fault on the first request, on one request
mid-way through the read (named by its route, `MID_WAY`: the reads send their requests at
once, in no fixed order, so "the third request" would be another one in each run), or on
every request. After a transient fault the verdicts must be
the recorded ones; after a persistent one the answer is unknown (exit 3) and the gate posts
``error`` or nothing; and in no case is a release, hold or status more permissive than the
truth. Each outcome is recorded, and the last test checks that the tables in
docs/reliability.md are what this run found (``--update-goldens`` rewrites them).
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from release_gate.sources import github_query
from release_gate.testing import FakeGitHub, FakeRegistries, Fault
from release_gate.testing.server import Injection
from tests.conftest import EXAMPLE_STATE, ROOT, SHA_205, Repo, Run, check_section, pr_payload

pytestmark = pytest.mark.slow

DOC = ROOT / "docs" / "reliability.md"
AS_OF = "2018-08-09T18:00:00Z"
TIMEOUT = 1
"""``--timeout`` in every case: a slow answer comes after 1.5 s."""
BOUND = 30.0
"""No case may take longer (seconds); docs/reliability.md derives it."""
DNS = "dns"
"""Not a fault of the server: the host name does not resolve (the client's lookup fails)."""
HOST = "fake-api.test"
POSITIONS = {"first request": (1, 0), "mid-way": (1, 2), "every request": (None, 0)}
"""Where a fault comes: (times, skip). Mid-way, a fault of the fakes comes on `MID_WAY`'s request instead."""
MID_WAY = {
    "GitHub, GraphQL (token)": r"issueOrPullRequest\(number: 205\)",
    "GitHub, REST (no token)": r"^GET /api/v3/repos/[^ ]*/contents/",
    "PyPI and the Helm index": r"jupyterhub-kubespawner",
}
"""The request a mid-way fault comes on, by route (`route_of`): the third of the six GraphQL queries
(kubespawner's repo and first PRs); a pin file's text, asked for once the commit that last changed
it is known; the kubespawner project's document, after the Helm index in the plan's order."""
EXHAUSTING = {Fault.PRIMARY_EXHAUSTED, Fault.GRAPHQL_RATE_LIMITED}
"""Rate limits that reset in an hour: waiting is past any sensible --max-wait, so one is enough to stop."""
GRAPHQL_ONLY = {Fault.GRAPHQL_RATE_LIMITED, Fault.GRAPHQL_PARTIAL}
GITHUB_ONLY = {Fault.SECONDARY_RATE_LIMIT, Fault.PRIMARY_EXHAUSTED, *GRAPHQL_ONLY}
FAULTS: list[Fault | str] = [*Fault, DNS]

OUTCOMES: dict[tuple[str, str, str], str] = {}
"""(table, fault, column) -> what happened, filled by the cases below."""


@dataclass
class Lookups:
    """The test's name resolution for :data:`HOST`: fails the lookups it is told to."""

    times: int | None = 0
    skip: int = 0
    port: int = 0

    def fail(self, times: int | None, skip: int) -> None:
        """Fail *times* lookups (``None``: all) after *skip* good ones."""
        self.times, self.skip = times, skip


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> Lookups:
    """Resolve :data:`HOST` to this machine, except when told to fail, as a DNS outage would."""
    state = Lookups()
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host != HOST:
            return real(host, *args, **kwargs)
        if state.skip > 0:
            state.skip -= 1
        elif state.times is None or state.times > 0:
            state.times = None if state.times is None else state.times - 1
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real("127.0.0.1", *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return state


def _inject(
    fake: FakeGitHub | FakeRegistries, lookups: Lookups, fault: Fault | str, position: str, table: str
) -> Injection | None:
    """Inject *fault* at *position*; return the injection that must have met a request, if one must."""
    times, skip = POSITIONS[position]
    if fault == DNS:
        fake.close_connections = True  # every request connects, so every request looks the host up
        lookups.fail(times, skip)  # mid-way: the third lookup, whichever connection makes it
        return None
    assert isinstance(fault, Fault)
    if position == "mid-way":
        return fake.inject(fault, times=1, route=MID_WAY[table])
    fake.inject(fault, times=times, skip=skip)
    return None


def _verdicts(out: str) -> dict[str, str]:
    data = json.loads(out)
    return {f"release {r['id']}": r["status"] for r in data["releases"]} | {
        f"hold {h['id']}": h["status"] for h in data["holds"]
    }


def _problem(run: Run) -> str:
    """Return the reason a run gives, in a few words, without the fake's port or the reset time."""
    if run.out.strip().startswith("{"):
        unknown = [k.split()[0] for k, v in _verdicts(run.out).items() if v == "unknown"]
        releases, holds = unknown.count("release"), unknown.count("hold")
        return f"{releases} release(s) and {holds} hold(s) unknown"
    line = next(line for line in run.err.splitlines() if line.startswith("release-gate: state unavailable: "))
    line = re.sub(r"^.*?\(https?://[^ )]+\): ", "", line)
    line = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "YYYY-MM-DD HH:MM:SS UTC", line)
    return line.split(". ")[0].rstrip(".")


def _judge(run: Run, truth: dict[str, str], fault: Fault | str, position: str, started: float) -> str:
    """Check the run fails closed and is right for its position; return its outcome for the table."""
    elapsed = time.monotonic() - started
    assert elapsed < BOUND, f"took {elapsed:.1f} s"
    assert "Traceback" not in run.err
    assert run.code in (1, 3), run.err
    if run.out.strip().startswith("{"):
        got = _verdicts(run.out)
        assert got.keys() == truth.keys()
        wrong = {k: v for k, v in got.items() if v not in (truth[k], "unknown")}
        assert not wrong, f"not what the state gives: {wrong}"
        assert (run.code == 3) == ("unknown" in got.values())
    if position == "every request" or fault in EXHAUSTING:
        assert run.code == 3
    else:
        assert run.code == 1, f"a transient fault was not ridden out: {run.err}"
        assert _verdicts(run.out) == truth
    return "recorded verdicts, exit 1" if run.code == 1 else f"unknown, exit 3: {_problem(run)}"


@pytest.fixture
def truth(run_cli: Callable[..., Run], live_plan: Path) -> dict[str, str]:
    """Return the verdicts the recorded state gives the founding plan."""
    run = run_cli("check", str(live_plan), "--format", "json", "--snapshot", str(EXAMPLE_STATE))
    assert run.code == 1
    return _verdicts(run.out)


@pytest.fixture
def small_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Split the founding plan's GraphQL read into several queries, so a fault can come mid-way."""
    monkeypatch.setattr(github_query, "MAX_UNITS", 6)


def _check(run_cli: Callable[..., Run], plan: Path, fake: FakeGitHub, token: str | None) -> Run:
    env = {"GH_TOKEN": token} if token else {}
    fake.host = HOST
    args = ("--format", "json", "--github-url", fake.url, "--as-of", AS_OF, "--timeout", str(TIMEOUT), "-q")
    return run_cli("check", str(plan), *args, env=env)


def _cases(only: set[Fault] | None = None, skip: set[Fault] | None = None) -> Iterator[Any]:
    for fault in FAULTS:
        if (only is not None and fault not in only) or (skip is not None and fault in skip):
            continue
        for position in POSITIONS:
            yield pytest.param(fault, position, id=f"{fault}-{position.replace(' ', '-')}")


@pytest.mark.usefixtures("small_queries", "lookups")
def test_the_graphql_read_is_several_queries(
    fake_github: FakeGitHub, run_cli: Callable[..., Run], live_plan: Path, truth: dict[str, str]
) -> None:
    """Split as the cases below split it, the founding plan is read in enough queries for "mid-way" to be mid-way."""
    run = _check(run_cli, live_plan, fake_github, fake_github.token)
    assert _verdicts(run.out) == truth
    assert len(fake_github.graphql_requests) >= 4


GITHUB_TABLES = {True: "GitHub, GraphQL (token)", False: "GitHub, REST (no token)"}


@pytest.mark.usefixtures("small_queries")
@pytest.mark.parametrize(
    ("token", "fault", "position"),
    [
        pytest.param(token, *case.values, id=f"{'graphql' if token else 'rest'}-{case.id}")
        for token in (True, False)
        for case in _cases(skip=None if token else GRAPHQL_ONLY)
    ],
)
def test_github_read(
    *,
    fake_github: FakeGitHub,
    lookups: Lookups,
    run_cli: Callable[..., Run],
    live_plan: Path,
    truth: dict[str, str],
    token: bool,
    fault: Fault | str,
    position: str,
) -> None:
    """With a token (GraphQL) or without (REST), a fault at any moment gives the recorded verdicts or exit 3."""
    fake_github.slow_seconds = 1.5
    injection = _inject(fake_github, lookups, fault, position, GITHUB_TABLES[token])
    started = time.monotonic()
    run = _check(run_cli, live_plan, fake_github, fake_github.token if token else None)
    assert injection is None or injection.hits == 1, "the mid-way request was not sent"
    OUTCOMES[GITHUB_TABLES[token], str(fault), position] = _judge(run, truth, fault, position, started)


@pytest.mark.parametrize(("fault", "position"), list(_cases(skip=GITHUB_ONLY)))
def test_registry_read(
    *,
    fake_github: FakeGitHub,
    fake_registries: FakeRegistries,
    lookups: Lookups,
    run_cli: Callable[..., Run],
    tmp_path: Path,
    truth: dict[str, str],
    fault: Fault | str,
    position: str,
) -> None:
    """A fault of PyPI or the Helm index at any moment gives the recorded verdicts or exit 3, never a wrong one."""
    fake_registries.slow_seconds = 1.5
    plan = tmp_path / "plan.toml"
    text = (tmp_path / "jupyterhub-2018.toml").read_text(encoding="utf-8")
    local = fake_registries.url.removeprefix("http://")
    fake_registries.host = HOST
    plan.write_text(text.replace(local, fake_registries.url.removeprefix("http://")), encoding="utf-8")
    injection = _inject(fake_registries, lookups, fault, position, "PyPI and the Helm index")
    started = time.monotonic()
    run_cli_env = {"GH_TOKEN": str(fake_github.token)}
    args = ("--format", "json", "--github-url", fake_github.url, "--as-of", AS_OF, "--timeout", str(TIMEOUT))
    run = run_cli("check", str(plan), *args, env=run_cli_env)
    assert injection is None or injection.hits == 1, "the mid-way request was not sent"
    OUTCOMES["PyPI and the Helm index", str(fault), position] = _judge(run, truth, fault, position, started)


GATE_POSITIONS = {"first request": (1, 0, "any"), "every GraphQL request": (None, 0, "graphql")}
GATE_POSITIONS["every request"] = (None, 0, "any")


@pytest.mark.parametrize("position", list(GATE_POSITIONS))
@pytest.mark.parametrize("fault", list(Fault), ids=str)
def test_gate(repo: Repo, fault: Fault, position: str) -> None:
    """The gate on a held PR: after any fault it posts pending, error or nothing, never success."""
    times, skip, where = GATE_POSITIONS[position]
    repo.github.slow_seconds = 1.5
    repo.github.inject(fault, times=times, skip=skip, where=where)
    started = time.monotonic()
    run = repo.gate("pull_request_target", pr_payload(205, SHA_205), "--timeout", str(TIMEOUT))
    assert time.monotonic() - started < BOUND
    assert "Traceback" not in run.err
    posted = repo.statuses(SHA_205)
    assert all(state != "success" for state, _ in posted), posted
    held = (0, [("pending", "waits for kubespawner >=0.9.0b1 to be released")])
    if position == "first request" and fault not in EXHAUSTING:
        assert (run.code, posted) == held
    elif fault is Fault.GRAPHQL_PARTIAL and (run.code, posted) == held:
        pass  # the part that failed is not one this PR's hold depends on: the verdict stands
    else:
        assert run.code == 3, run.err
        assert {state for state, _ in posted} <= {"error"}, posted  # a post the client gave up on may still land
    if run.code == 0:
        outcome = f"`{posted[-1][0]}` status, exit 0"
    else:
        status = f"`{posted[-1][0]}` status" if posted else "no status (the required check stays missing)"
        outcome = f"{status}, exit 3"
    OUTCOMES["the merge gate", str(fault), position] = outcome


TABLES: dict[str, tuple[list[str], list[Fault | str]]] = {
    "GitHub, GraphQL (token)": (list(POSITIONS), FAULTS),
    "GitHub, REST (no token)": (list(POSITIONS), [f for f in FAULTS if f not in GRAPHQL_ONLY]),
    "PyPI and the Helm index": (list(POSITIONS), [f for f in FAULTS if f not in GITHUB_ONLY]),
    "the merge gate": (list(GATE_POSITIONS), [*Fault]),
}
START, END = "<!-- fault-matrix:start (written by tests/test_reliability.py) -->", "<!-- fault-matrix:end -->"


def render_tables() -> str:
    """Return the Markdown tables of every recorded outcome."""
    parts = []
    for table, (columns, faults) in TABLES.items():
        lines = [f"### {table[0].upper()}{table[1:]}", "", "| fault | " + " | ".join(columns) + " |"]
        lines.append("|---" * (len(columns) + 1) + "|")
        for fault in faults:
            cells = [OUTCOMES[table, str(fault), column] for column in columns]
            lines.append(f"| {_fault_name(fault)} | " + " | ".join(cells) + " |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _fault_name(fault: Fault | str) -> str:
    names = {
        Fault.SERVER_ERROR: "500",
        Fault.BAD_GATEWAY: "502 (HTML body)",
        Fault.SERVICE_UNAVAILABLE: "503 (HTML body)",
        Fault.SECONDARY_RATE_LIMIT: "403 secondary rate limit, Retry-After: 1",
        Fault.TOO_MANY_REQUESTS: "429, Retry-After: 1",
        Fault.PRIMARY_EXHAUSTED: "403 primary rate limit exhausted (resets in an hour)",
        Fault.GRAPHQL_RATE_LIMITED: "GraphQL RATE_LIMITED inside a 200",
        Fault.GRAPHQL_PARTIAL: "GraphQL partial error (one part of the query failed)",
        Fault.MALFORMED_JSON: "malformed JSON in a 200",
        Fault.TRUNCATED: "truncated body (shorter than Content-Length)",
        Fault.RESET: "connection reset, no answer",
        Fault.SLOW: "answer after 1.5 s, past the 1 s timeout",
        DNS: "host name does not resolve (DNS)",
    }
    return names[fault]


def test_the_table_in_the_docs_is_what_this_run_found(request: pytest.FixtureRequest) -> None:
    """docs/reliability.md shows exactly the outcomes above (rewritten with --update-goldens)."""
    wanted = {(t, str(f), c) for t, (columns, faults) in TABLES.items() for f in faults for c in columns}
    if not wanted <= OUTCOMES.keys():
        pytest.skip("run the whole module to check the table")
    check_section(request, DOC, (START, END), render_tables())
