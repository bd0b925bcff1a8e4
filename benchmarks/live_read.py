"""Benchmark: reading a plan's state live, against a plain PyGithub script and against a check from a snapshot.

Run it from the repository root (it is not a test; it writes its tables into docs/benchmarks.md)::

    python -m benchmarks live_read                  # both sections (a few minutes)
    python -m benchmarks.live_read --quick          # fewer paired runs
    python -m benchmarks.live_read --print-only     # print the sections; leave docs/benchmarks.md
    python -m benchmarks.live_read --large          # also read 1,000 repos / 20,000 PRs (printed only)
    python -m benchmarks.live_read --plain-large    # also the plain script on 100 repos (45 minutes; printed)

The fakes (release_gate.testing) run in this process and answer every request after a fixed
latency, like distant servers. It writes two sections:

- ``live_read``: the GitHub read alone, in a fresh subprocess per reader (so its peak memory
  is its own), at 50 ms: ``GitHubStateProvider`` with a token (GraphQL), without one (REST),
  and what a user writes today with PyGithub's defaults, one REST call at a time
  (``get_repo``, ``get_tags`` with each tag's commit date, ``get_pull`` per PR, ``get_issue``
  per issue, ``search_issues`` per split PR); for the founding plan, and for a generated plan
  of 100 repos and 2,000 PRs (release-gate with a token only: the plain script takes about
  45 minutes there, ``--plain-large``).
- ``live_read-round_trip``: issue 16's goal 2. ``release-gate check`` of the founding plan
  in a fresh process, live (GitHub and the PyPI and Helm indexes, every answer after the
  latency) and from the recorded snapshot, alternating, at 200 ms and 50 ms; the difference
  of each pair, in units of the latency, against the goal of at most 3.

``--large`` reads a generated plan of 1,000 repos and 20,000 PRs with the token reader only,
its budget raised to 600 s (the fake alone spends most of a minute validating and executing
the queries); it is printed, not written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks import _doc
from benchmarks.generate import generated
from release_gate import load_plan, load_snapshot
from release_gate.graph import build_graph
from release_gate.state import StateRequest, request_for
from release_gate.testing import FakeGitHub, FakeRegistries, fetch_github_schema, load_github_schema
from release_gate.testing.server import InFlight

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "config" / "jupyterhub-2018.toml"
STATE = ROOT / "config" / "jupyterhub-2018-08-09.state.json"
AS_OF = "2018-08-09T18:00:00Z"
TOKEN = "bench-token"  # noqa: S105 - the fake's token
LATENCY = 0.05
"""The readers' latency (seconds)."""
ROUND_TRIP_LATENCIES = (0.2, 0.05)
GOAL = 3.0
"""Issue 16, goal 2: a live check at most this many latencies longer than the check from a snapshot."""
PAIRS = 9
QUICK_PAIRS = 3

READERS = "live_read"
ROUND_TRIP = "live_read-round_trip"
SECTIONS = {
    READERS: (
        "benchmarks/live_read.py",
        "benchmarks/generate.py",
        "release_gate/sources/_http.py",
        "release_gate/sources/_shape.py",
        "release_gate/sources/cache.py",
        "release_gate/sources/github.py",
        "release_gate/sources/github_query.py",
        "release_gate/state.py",
        "release_gate/testing/*.py",
    ),
    ROUND_TRIP: (
        "benchmarks/live_read.py",
        "release_gate/sources/*.py",
        "release_gate/cli/*.py",
        "release_gate/pipeline.py",
        "release_gate/state.py",
        "release_gate/testing/*.py",
        "config/jupyterhub-2018.toml",
        "config/jupyterhub-2018-08-09.state.json",
    ),
}
"""Each section and what its figures depend on: this module, the readers, the commands and the fakes."""

FOUNDING = "founding plan (5 repos, 8 PRs and issues)"
GENERATED = "generated plan (100 repos, 2,000 PRs, 100 releases)"
LARGE = "generated plan (1,000 repos, 20,000 PRs, 1,000 releases)"
NAMES = {"graphql": "release-gate", "rest": "release-gate (no token, REST)", "plain": "plain PyGithub, defaults"}


# -- the readers, each in a child process -------------------------------------------------------


def _request(spec: dict[str, Any]) -> StateRequest:
    plan = load_plan(PLAN) if spec["kind"] == "founding" else generated(spec["repos"], spec["prs"])[0]
    graph = build_graph(plan)
    return request_for(plan, (*graph.pull_requests(), *graph.issues()))


def _read_ours(url: str, request: StateRequest, token: str | None, budget: float) -> None:
    from release_gate.sources.github import GitHubStateProvider  # noqa: PLC0415

    GitHubStateProvider(token=token, base_url=url, budget=budget).fetch(request)


def _read_plain(url: str, request: StateRequest) -> None:
    """Ask what a user's script asks today: PyGithub with its defaults, one question at a time."""
    from github import Auth, Github  # noqa: PLC0415 - the baseline is a plain PyGithub script

    gh = Github(auth=Auth.Token(TOKEN), base_url=url)
    for slug in request.repos:
        repo = gh.get_repo(slug)
        for tag in repo.get_tags():
            _ = tag.commit.commit.committer.date
    for ref in request.items:
        repo = gh.get_repo(ref.slug)
        issue = repo.get_issue(ref.number)
        if issue.pull_request is not None:
            pull = repo.get_pull(ref.number)
            _ = (pull.state, pull.merged_at, pull.draft)
        else:
            _ = (issue.state, issue.closed_at)
    for parent in request.families:
        for found in gh.search_issues(f'repo:{parent.slug} is:pr "#{parent.number}"'):
            _ = (found.title, found.state)


def _child(reader: str, url: str, spec: dict[str, Any]) -> None:
    """Read as *reader* in this (child) process; print its wall time, peak memory and CPU time as JSON."""
    request = _request(spec)
    started, cpu_started = time.perf_counter(), time.process_time()
    if reader == "plain":
        _read_plain(url, request)
    else:
        _read_ours(url, request, TOKEN if reader == "graphql" else None, spec.get("budget", 60.0))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    rss = _doc.peak_rss_mib()
    print(json.dumps({"wall": wall, "rss_mib": rss, "cpu": cpu}))


@contextmanager
def _timed_graphql(fake: FakeGitHub) -> Iterator[list[float]]:
    """Add up the CPU time of the fake's own GraphQL work (validating, executing) while the block runs.

    CPU time, in the thread that answers: queries answered at once would count their waits for
    each other in a wall time.
    """
    answer, spent = fake.graphql, [0.0]

    def timed(document: str, variables: Any) -> dict[str, Any]:
        started = time.thread_time()
        try:
            return answer(document, variables)
        finally:
            spent[0] += time.thread_time() - started

    fake.graphql = timed  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        fake.graphql = answer  # type: ignore[method-assign]


def _measure(fake: FakeGitHub, spec: dict[str, Any], reader: str) -> dict[str, Any]:
    before, cost_before = len(fake.requests), fake.graphql_cost
    command = [sys.executable, "-m", "benchmarks.live_read", "--child", reader, "--url", fake.url]
    with _timed_graphql(fake) as spent:
        result = subprocess.run(  # noqa: S603 - this same script, as a child
            [*command, "--plan-spec", json.dumps(spec)], cwd=ROOT, capture_output=True, text=True, check=False
        )
    if result.returncode:
        print(result.stderr, file=sys.stderr)
        result.check_returncode()
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    measured["requests"] = len(fake.requests) - before
    measured["cost"] = fake.graphql_cost - cost_before
    measured["fake_graphql"] = spent[0]
    return measured


def readers(plans: list[tuple[str, dict[str, Any], list[str]]], latency: float) -> list[tuple[str, str, Any]]:
    """Read each plan with each of its readers; return ``(plan, reader, figures)`` rows."""
    schema = load_github_schema(fetch_github_schema(ROOT / ".cache" / "github-schema"))
    rows = []
    for title, spec, names in plans:
        state = load_snapshot(STATE) if spec["kind"] == "founding" else generated(spec["repos"], spec["prs"])[1]
        for reader in names:
            with FakeGitHub(state, schema=schema, token=TOKEN, latency=latency) as fake:
                measured = _measure(fake, spec, reader)
                assert fake.invalid_queries == []
            rows.append((title, NAMES[reader], measured))
            print(f"{title} | {NAMES[reader]} | {measured}", file=sys.stderr)
    return rows


def readers_section(rows: list[tuple[str, str, Any]], latency: float) -> str:
    """Return the readers' section: how it was run, the table, and the fake's share of each wall time."""
    head = (
        f"`python -m benchmarks live_read` (run {_today()}; {os.cpu_count()} CPU cores, Python "
        f"{platform.python_version()}): the GitHub read alone, each reader in a fresh process, every answer "
        f"of the fake after {latency * 1000:.0f} ms."
    )
    lines = [
        (
            "| plan | reader | HTTP requests | GraphQL cost | wall time | the fake's GraphQL CPU time "
            "| reader's CPU time | peak memory (RSS) |"
        ),
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {title} | {name} | {m['requests']:,} | {m['cost']} | {m['wall']:.2f} s | {m['fake_graphql']:.2f} s "
        f"| {m['cpu']:.2f} s | {m['rss_mib']:.0f} MiB |"
        for title, name, m in rows
    ]
    return f"{head}\n\n" + "\n".join(lines)


# -- a live check against a check from the snapshot ---------------------------------------------


def _check(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run ``release-gate`` with *argv* in a fresh process; return its wall time and exit code."""
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - release-gate itself
        [sys.executable, "-m", "release_gate", *argv],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - started, result.returncode


def _runs(check: Callable[..., tuple[float, int]], fakes: tuple[FakeGitHub, FakeRegistries], latency: float) -> Any:
    """Check from the snapshot, live, and live with no latency; return the times, requests, most in flight, fake CPU."""
    github, registries = fakes
    snapshot, code = check(live=False)
    assert code == 1, code  # the recorded verdicts: blocked
    sent, indexes = len(github.requests), len(registries.requests)
    github.in_flight = registries.in_flight = InFlight()
    with _timed_graphql(github) as spent:
        live, code = check(live=True)
    assert code == 1, code
    asked = (len(github.requests) - sent, len(registries.requests) - indexes)
    most = github.in_flight.most
    github.latency = registries.latency = 0.0
    instant, code = check(live=True)
    assert code == 1, code
    github.latency = registries.latency = latency
    return snapshot, live, instant, asked, most, spent[0]


def round_trip(latency: float, pairs: int, *, token: bool = True) -> dict[str, Any]:
    """Check the founding plan from the snapshot and live, *pairs* times alternating, every answer after *latency*.

    Each live check is followed by one with no latency: what a live check costs whatever the
    latency (the live machinery, the fakes' own work), so that the rest is the waiting.
    """
    schema = load_github_schema(fetch_github_schema(ROOT / ".cache" / "github-schema"))
    state = load_snapshot(STATE)
    with (
        FakeGitHub(state, schema=schema, token=TOKEN, latency=latency) as github,
        FakeRegistries(state, latency=latency) as registries,
        tempfile.TemporaryDirectory() as folder,
    ):
        plan = Path(folder) / "plan.toml"
        plan.write_text(registries.example_plan(), encoding="utf-8")
        common = ["check", str(plan), "--as-of", AS_OF, "-q"]
        online = [*common, "--github-url", github.url, "--no-cache"]
        env = {"GH_TOKEN": TOKEN} if token else {"GH_TOKEN": "", "GITHUB_TOKEN": ""}

        def check(*, live: bool) -> tuple[float, int]:
            return _check(online, env) if live else _check([*common, "--snapshot", str(STATE)], {})

        check(live=True)  # once first, unmeasured: files and imports come from the disk cache after it
        runs = [_runs(check, (github, registries), latency) for _ in range(pairs)]
    snapshots, lives, instants, asked, most, fake = zip(*runs, strict=True)
    return {
        "latency": latency,
        "token": token,
        "pairs": pairs,
        "snapshot": statistics.median(snapshots),
        "live": statistics.median(lives),
        "difference": statistics.median(b - a for a, b in zip(snapshots, lives, strict=True)),
        "fixed": statistics.median(b - a for a, b in zip(snapshots, instants, strict=True)),
        "waiting": statistics.median(b - a for a, b in zip(instants, lives, strict=True)) / latency,
        "asked": max(asked),
        "most": max(most),
        "fake": statistics.median(fake),
    }


def round_trip_section(rows: list[dict[str, Any]]) -> str:
    """Return the round trip's section: how it was run, the table, and the goal met or by how much not."""
    head = (
        f"`python -m benchmarks live_read` (run {_today()}; {os.cpu_count()} CPU cores, Python "
        f"{platform.python_version()}): `release-gate check` of the founding plan as of the meeting, in fresh "
        "processes, from the snapshot, live (`--no-cache`) and live with answers at once (no latency), in turn; "
        f"the median of {rows[0]['pairs']} runs of each (a difference: the median of the differences of each turn)."
    )
    lines = [
        (
            "| latency | read | snapshot check | live check | live - snapshot | in latencies | goal: at most 3 "
            "| of which with no latency | waiting, in latencies | requests (GitHub + indexes) | most in flight "
            "| the fake's GraphQL CPU time |"
        ),
        "|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        units = row["difference"] / row["latency"]
        github, indexes = row["asked"]
        read = "token (GraphQL)" if row["token"] else "no token (REST)"
        goal = _goal(units) if row["token"] else "-"
        lines.append(
            f"| {row['latency'] * 1000:.0f} ms | {read} | {row['snapshot']:.2f} s | {row['live']:.2f} s "
            f"| {row['difference']:.2f} s | {units:.1f} | {goal} | {row['fixed']:.2f} s | {row['waiting']:.1f} "
            f"| {github} + {indexes} | {row['most']} | {row['fake']:.2f} s |"
        )
    return f"{head}\n\n" + "\n".join(lines) + "\n\n" + _findings(rows)


def _goal(units: float) -> str:
    return "met" if units <= GOAL else f"**not met**: {units / GOAL:.1f} times the goal"


def _findings(rows: list[dict[str, Any]]) -> str:
    """Say what the table says: where the difference goes, against one request at a time."""
    said = []
    for row in rows:
        github, indexes = row["asked"]
        sent = github + indexes
        read = "with a token" if row["token"] else "without a token"
        said.append(
            f"- At {row['latency'] * 1000:.0f} ms {read}, the live check sends {sent} requests, at most "
            f"{row['most']} in flight together; one at a time they would wait {sent} latencies "
            f"({sent * row['latency']:.2f} s). It took {row['difference'] / row['latency']:.1f} latencies longer "
            f"than the check from the snapshot: {row['waiting']:.1f} of waiting, and {row['fixed']:.2f} s that a "
            "live check costs with no latency at all."
        )
    return "\n".join(said)


def _today() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")


# -- running it ---------------------------------------------------------------------------------

_PLANS: list[tuple[str, dict[str, Any], list[str]]] = [
    (FOUNDING, {"kind": "founding"}, ["graphql", "rest", "plain"]),
    (GENERATED, {"kind": "generated", "repos": 100, "prs": 2000}, ["graphql"]),
]


def sections(quick: bool) -> dict[str, str]:
    """Measure and return both sections' bodies."""
    pairs = QUICK_PAIRS if quick else PAIRS
    trips = [round_trip(latency, pairs) for latency in ROUND_TRIP_LATENCIES]
    trips.insert(1, round_trip(ROUND_TRIP_LATENCIES[0], pairs, token=False))
    return {READERS: readers_section(readers(_PLANS, LATENCY), LATENCY), ROUND_TRIP: round_trip_section(trips)}


def run_for_docs(quick: bool) -> None:
    """Run both sections (*quick*: fewer paired runs) and write them into docs/benchmarks.md."""
    for name, body in sections(quick).items():
        print(body)
        _doc.write(name, body, SECTIONS[name])


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_PAIRS} paired runs instead of {PAIRS}")
    parser.add_argument("--print-only", action="store_true", help="print the sections; leave docs/benchmarks.md")
    parser.add_argument("--large", action="store_true", help="also read 1,000 repos / 20,000 PRs (printed only)")
    parser.add_argument("--plain-large", action="store_true", help="also the plain script on 100 repos (printed)")
    parser.add_argument("--child", choices=list(NAMES), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--plan-spec", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.url, json.loads(args.plan_spec))
        return
    if args.print_only:
        print("\n\n".join(sections(args.quick).values()))
    else:
        run_for_docs(args.quick)
    extra = [(GENERATED, {"kind": "generated", "repos": 100, "prs": 2000}, ["plain"])] if args.plain_large else []
    if args.large:  # the fake alone needs about 45 s of GraphQL work here: the read's 60 s budget is raised
        extra.append((LARGE, {"kind": "generated", "repos": 1000, "prs": 20000, "budget": 600.0}, ["graphql"]))
    if extra:
        print(readers_section(readers(extra, LATENCY), LATENCY))


if __name__ == "__main__":
    _main()
