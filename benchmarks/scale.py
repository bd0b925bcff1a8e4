"""Benchmark: validating and evaluating large generated plans (1k, 10k and 100k graph nodes).

Run it from the repository root (it is not a test; results go to docs/benchmarks.md)::

    python -m benchmarks.scale                              # ~1k, ~10k, ~100k nodes, best of 3
    python -m benchmarks.scale --sizes 1000 10000 --repeat 5
    python -m benchmarks.scale --profile 100000             # cProfile of evaluate() at that size

The plans come from ``benchmarks/generate.py`` (23 nodes a repo: its repo, its release, 20
PRs and a hold), sized by the nodes of the ReleaseGraph actually built; the state is made in
memory (no state is read). Three phases are measured apart:

- ``parse``: ``parse_plan`` on the plan's TOML text (parsing and both validation passes);
- ``graph``: ``build_graph``;
- ``evaluate``: ``evaluate(graph, state)``.

Every run is a fresh subprocess, so no cache is warm and each peak memory is its own. Wall
time is the best of ``--repeat`` runs (``time.perf_counter``); peak RSS is the process's
``ru_maxrss`` (interpreter, imports, the plan text, state, plan, graph and evaluation all
alive). A further run per size traces the Python heap (``tracemalloc``; slower, so not
timed): the peak each phase adds above what was allocated before it.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import itertools
import json
import math
import pstats
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

from benchmarks.generate import generated_world, plan_text, sized
from release_gate import build_graph, evaluate, parse_plan

ROOT = Path(__file__).resolve().parent.parent
PHASES = ("parse", "graph", "evaluate")


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class _Collections:
    """Time spent in the cyclic garbage collector (``gc.callbacks``), and full collections."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full = 0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.full += info["generation"] == 2  # the oldest generation: every tracked object


def _child_time(target: int) -> dict[str, Any]:
    repos, prs = sized(target)
    text = plan_text(repos, prs)
    state = generated_world(repos, prs)
    collections = _Collections()
    times: dict[str, float] = {}
    in_gc: dict[str, tuple[float, int]] = {}

    def timed(name: str, run: Any) -> Any:
        gc.collect()  # each phase starts clean, and pays only for collections its own objects cause
        seconds, full = collections.seconds, collections.full
        started = time.perf_counter()
        result = run()
        times[name] = time.perf_counter() - started
        in_gc[name] = (collections.seconds - seconds, collections.full - full)
        return result

    gc.collect()
    setup_rss = _rss_mib()
    plan = timed("parse", lambda: parse_plan(text, path=f"generated-{repos}-{prs}.toml"))
    graph = timed("graph", lambda: build_graph(plan))
    evaluation = timed("evaluate", lambda: evaluate(graph, state))
    return {
        "repos": repos,
        "prs": prs,
        "nodes": len(graph.nodes),
        "edges": len(graph.edges),
        "releases": len(evaluation.releases),
        "plan_bytes": len(text.encode()),
        "times": times,
        "gc": in_gc,
        "setup_rss_mib": setup_rss,
        "rss_mib": _rss_mib(),
    }


def _child_memory(target: int) -> dict[str, Any]:
    repos, prs = sized(target)
    tracemalloc.start()
    text = plan_text(repos, prs)
    state = generated_world(repos, prs)
    peaks: dict[str, float] = {"state": tracemalloc.get_traced_memory()[0] / 2**20}

    def phase(name: str, before: int) -> None:
        peaks[name] = (tracemalloc.get_traced_memory()[1] - before) / 2**20

    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    plan = parse_plan(text, path=f"generated-{repos}-{prs}.toml")
    phase("parse", before)
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    graph = build_graph(plan)
    phase("graph", before)
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    evaluation = evaluate(graph, state)
    phase("evaluate", before)
    peaks["retained"] = tracemalloc.get_traced_memory()[0] / 2**20
    assert evaluation.releases
    return {"heap_mib": peaks}


def _child_profile(target: int, limit: int) -> None:
    repos, prs = sized(target)
    plan = parse_plan(plan_text(repos, prs))
    state = generated_world(repos, prs)
    graph = build_graph(plan)
    profiler = cProfile.Profile()
    profiler.enable()
    evaluate(graph, state)
    profiler.disable()
    print(f"evaluate() at {len(graph.nodes):,} nodes ({repos} repos, {prs} PRs)")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(limit)


def _run_child(mode: str, target: int) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 - this same script, as a child
        [sys.executable, "-m", "benchmarks.scale", "--child", mode, "--sizes", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def _measure(target: int, repeat: int) -> dict[str, Any]:
    runs = [_run_child("time", target) for _ in range(repeat)]
    best = dict(runs[0])
    best["times"] = {p: min(r["times"][p] for r in runs) for p in PHASES}
    best["gc"] = {p: min((r["times"][p], r["gc"][p]) for r in runs)[1] for p in PHASES}  # of the best run
    best["check"] = min(sum(r["times"].values()) for r in runs)
    best["rss_mib"] = max(r["rss_mib"] for r in runs)
    best["setup_rss_mib"] = max(r["setup_rss_mib"] for r in runs)
    best.update(_run_child("memory", target))
    return best


def _seconds(value: float) -> str:
    return f"{value:.3f} s" if value < 1 else f"{value:.2f} s"


def _size(mib: float) -> str:
    return f"{mib * 1024:.0f} KiB" if mib < 1 else f"{mib:.1f} MiB" if mib < 10 else f"{mib:.0f} MiB"


def _report(results: list[dict[str, Any]], repeat: int) -> None:
    print(f"Best of {repeat} runs, each in a fresh process; Python {sys.version.split()[0]}.\n")
    print(
        "| graph nodes | repos / PRs | plan file | parse + validate | build graph | evaluate (in GC) "
        "| all three | peak RSS | Python heap peak: parse / graph / evaluate |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        t, heap, in_gc = r["times"], r["heap_mib"], r["gc"]["evaluate"][0]
        print(
            f"| {r['nodes']:,} | {r['repos']:,} / {r['prs']:,} | {_size(r['plan_bytes'] / 2**20)} "
            f"| {_seconds(t['parse'])} | {_seconds(t['graph'])} | {_seconds(t['evaluate'])} ({_seconds(in_gc)}) "
            f"| {_seconds(r['check'])} | {r['rss_mib']:.0f} MiB "
            f"| {_size(heap['parse'])} / {_size(heap['graph'])} / {_size(heap['evaluate'])} |"
        )
    print(
        "\nPeak RSS before the three phases (interpreter, imports, plan text and state): "
        + ", ".join(f"{r['setup_rss_mib']:.0f} MiB at {r['nodes']:,} nodes" for r in results)
        + ".\nPython heap when all is alive (state, plan, graph, evaluation): "
        + ", ".join(f"{_size(r['heap_mib']['retained'])} at {r['nodes']:,} nodes" for r in results)
        + "."
    )
    if len(results) < 2:
        return
    print("\nGrowth: how each time grows from one size to the next (exponent 1 = linear in the nodes).\n")
    print("| phase | " + " | ".join(f"{a['nodes']:,} -> {b['nodes']:,}" for a, b in itertools.pairwise(results)) + " |")
    print("|---|" + "---:|" * (len(results) - 1))
    for name in (*PHASES, "all three"):
        cells = []
        for a, b in itertools.pairwise(results):
            before = a["check"] if name == "all three" else a["times"][name]
            after = b["check"] if name == "all three" else b["times"][name]
            exponent = math.log(after / before) / math.log(b["nodes"] / a["nodes"])
            cells.append(f"x{after / before:.1f} (exponent {exponent:.2f})")
        print(f"| {name} | " + " | ".join(cells) + " |")


def main() -> None:
    """Run the benchmark and print Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1_000, 10_000, 100_000],
        help="graph nodes to aim at (default: 1k 10k 100k)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size, the best counts (default 3)")
    parser.add_argument(
        "--profile", type=int, metavar="NODES", help="print a cProfile of evaluate() at this size instead"
    )
    parser.add_argument("--limit", type=int, default=30, help="rows of the profile to print (default 30)")
    parser.add_argument("--child", choices=["time", "memory"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure = _child_time if args.child == "time" else _child_memory
        print(json.dumps(measure(args.sizes[0])))
        return
    if args.profile:
        _child_profile(args.profile, args.limit)
        return
    results = []
    for target in args.sizes:
        measured = _measure(target, args.repeat)
        print(f"{target:,} nodes: {measured}", file=sys.stderr)
        results.append(measured)
    _report(results, args.repeat)


if __name__ == "__main__":
    main()
