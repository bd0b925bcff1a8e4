"""Benchmark: what a repeated run costs when nothing changed, with and without the answer cache.

Run it from the repository root (it is not a test; results go to docs/benchmarks.md)::

    python -m benchmarks.warm_rerun
    python -m benchmarks.warm_rerun --open-prs 200 --latency 0.05

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
requests to the package indexes and their 304s, and wall time.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import tempfile
import time
from pathlib import Path
from typing import Any

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
                (f"gate sweep ({open_prs + 2} open PRs)", ["gate"], gate_env),
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


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open-prs", type=int, default=48, help="open PRs added to kubespawner (default: 48)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds before each answer (default: 0.05)")
    args = parser.parse_args()
    print(table(run(args.open_prs, args.latency)))


if __name__ == "__main__":
    _main()
