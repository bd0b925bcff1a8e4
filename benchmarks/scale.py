"""Benchmark: validating, building and evaluating large generated plans (1k, 10k and 100k graph nodes).

Run it from the repository root (it is not a test); ``python -m benchmarks scale`` writes its
table into docs/benchmarks.md, between the markers of the section ``scale``::

    python -m benchmarks scale [--quick]                # the table of docs/benchmarks.md
    python -m benchmarks.scale --sizes 1000 10000       # print the table, write nothing
    python -m benchmarks.scale --profile 100000 --phase parse   # cProfile of one phase

The plans come from ``benchmarks/generate.py`` (23 nodes a repo: its repo, its release, 20
PRs and a hold), sized by the nodes of the ReleaseGraph actually built; the state is made in
memory (no state is read). Three phases are measured apart, one after the other as the
command line runs them, in CPU time (``time.process_time``):

- ``parse``: ``parse_plan`` on the plan's TOML text (the TOML read and both validation passes);
- ``graph``: ``build_graph``;
- ``evaluate``: ``evaluate(graph, state)``.

Every run is a fresh process, so no cache is warm and each peak memory is its own. It sets
the garbage collector as ``release-gate`` does (``release_gate._gc.tune_for_a_short_run``,
which ``release_gate.cli.entrypoint`` calls first), before the plan's text and state are made;
one more run at the largest size keeps Python's default thresholds, for comparison. Peak RSS
is the process's own peak (``VmHWM``; ``ru_maxrss`` off Linux): interpreter, imports, the
plan text, state, plan, graph and evaluation all alive. The baseline, measured in the same run: the CPU time of
``python -c "import networkx"`` (an interpreter starting and loading the one graph library).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import itertools
import json
import math
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
import tomllib
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import _doc
from benchmarks.generate import generated_world, plan_text, sized
from release_gate import build_graph, evaluate, parse_plan
from release_gate._gc import THRESHOLDS, tune_for_a_short_run

__all__ = ["SECTIONS", "main", "run_for_docs"]

ROOT = Path(__file__).resolve().parent.parent
PHASES = ("parse", "graph", "evaluate")
SIZES = (1_000, 10_000, 100_000)
GOAL_SECONDS = 1.5
"""Issue 16, goal 5: the 100k-node plan parsed, built and evaluated in at most this much CPU time..."""
GOAL_MIB = 200
"""...with a peak RSS of at most this many MiB."""

MEASURED = (
    "benchmarks/scale.py",
    "benchmarks/generate.py",
    "release_gate/_gc.py",
    "release_gate/plan/reader.py",
    "release_gate/plan/model.py",
    "release_gate/plan/format.py",
    "release_gate/graph.py",
    "release_gate/state.py",
    "release_gate/versions.py",
    "release_gate/evaluate/engine.py",
    "release_gate/evaluate/verdicts.py",
)
SECTIONS: dict[str, tuple[str, ...]] = {"scale": MEASURED}


def _rss_mib() -> float:
    return _doc.peak_rss_mib()


class _Collections:
    """Time spent in the cyclic garbage collector (``gc.callbacks``), and how many collections."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds += time.process_time() - self._started
            self.count += 1


def _child_time(target: int, *, tuned: bool) -> dict[str, Any]:
    """Run the three phases as the command line does; return their CPU times, GC time and peak RSS."""
    if tuned:
        tune_for_a_short_run()  # as entrypoint() does, before anything is read
    repos, prs = sized(target)
    text = plan_text(repos, prs)
    state = generated_world(repos, prs)
    setup_rss = _rss_mib()
    collections = _Collections()
    times: dict[str, float] = {}
    started = time.process_time()
    plan = parse_plan(text, path=f"generated-{repos}-{prs}.toml")
    times["parse"] = time.process_time() - started
    started = time.process_time()
    graph = build_graph(plan)
    times["graph"] = time.process_time() - started
    started = time.process_time()
    evaluation = evaluate(graph, state)
    times["evaluate"] = time.process_time() - started
    rss = _rss_mib()
    started = time.process_time()
    tomllib.loads(text)  # again, after the clock and RSS: the TOML read's part of parse
    toml = time.process_time() - started
    return {
        "repos": repos,
        "prs": prs,
        "nodes": len(graph.nodes),  # after the clock and RSS: only the reports that draw the graph make the nodes
        "releases": len(evaluation.releases),
        "plan_bytes": len(text.encode()),
        "times": times,
        "toml": toml,
        "gc": collections.seconds,
        "collections": collections.count,
        "setup_rss_mib": setup_rss,
        "rss_mib": rss,
    }


def _child_memory(target: int) -> dict[str, Any]:
    """Return how far each phase raised the Python heap (tracemalloc; slower, so not timed)."""
    tune_for_a_short_run()
    repos, prs = sized(target)
    tracemalloc.start()
    text = plan_text(repos, prs)
    state = generated_world(repos, prs)
    peaks: dict[str, float] = {}
    results: dict[str, Any] = {}
    steps: dict[str, Callable[[], Any]] = {
        "parse": lambda: parse_plan(text),
        "graph": lambda: build_graph(results["parse"]),
        "evaluate": lambda: evaluate(results["graph"], state),
    }
    for name, step in steps.items():
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        results[name] = step()
        peaks[name] = (tracemalloc.get_traced_memory()[1] - before) / 2**20
    peaks["retained"] = tracemalloc.get_traced_memory()[0] / 2**20
    return {"heap_mib": peaks}


def _child_profile(target: int, phase: str, limit: int) -> None:
    tune_for_a_short_run()
    repos, prs = sized(target)
    text = plan_text(repos, prs)
    state = generated_world(repos, prs)
    profiler = cProfile.Profile()
    run: dict[str, Callable[[], Any]] = {"parse": lambda: parse_plan(text)}
    plan = parse_plan(text)
    run["graph"] = lambda: build_graph(plan)
    graph = build_graph(plan)
    run["evaluate"] = lambda: evaluate(graph, state)
    profiler.enable()
    run[phase]()
    profiler.disable()
    print(f"{phase} at {len(graph.nodes):,} nodes ({repos} repos, {prs} PRs)")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(limit)


def _run_child(*args: str) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 - this same module, as a child
        [sys.executable, "-m", "benchmarks.scale", "--child", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def _baseline(repeat: int) -> float:
    """Return the least CPU time (s) of ``python -c "import networkx"``, of *repeat* runs."""
    best = math.inf
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", "import networkx"], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return best


def _measure(target: int, repeat: int, *, heap: bool) -> dict[str, Any]:
    runs = [_run_child("time", str(target)) for _ in range(repeat)]
    best = min(runs, key=lambda r: sum(r["times"].values()))
    measured = dict(best)
    measured["all"] = sum(best["times"].values())
    measured["rss_mib"] = max(r["rss_mib"] for r in runs)
    measured["setup_rss_mib"] = max(r["setup_rss_mib"] for r in runs)
    if heap:
        measured.update(_run_child("memory", str(target)))
    return measured


def _seconds(value: float) -> str:
    return f"{value:.3f} s" if value < 1 else f"{value:.2f} s"


def _size(mib: float) -> str:
    return f"{mib * 1024:.0f} KiB" if mib < 1 else f"{mib:.1f} MiB" if mib < 10 else f"{mib:.0f} MiB"


def _table(results: list[dict[str, Any]]) -> list[str]:
    head = (
        "| graph nodes | repos / PRs | plan file | parse + validate (TOML read) | build graph | evaluate | all three "
        "| of which in GC (collections) | peak RSS | Python heap peak: parse / graph / evaluate |"
    )
    lines = [head, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        t, heap = r["times"], r.get("heap_mib")
        peaks = " / ".join(_size(heap[p]) for p in PHASES) if heap else "(not measured: --quick)"
        lines.append(
            f"| {r['nodes']:,} | {r['repos']:,} / {r['prs']:,} | {_size(r['plan_bytes'] / 2**20)} "
            f"| {_seconds(t['parse'])} ({_seconds(r['toml'])}) | {_seconds(t['graph'])} | {_seconds(t['evaluate'])} "
            f"| {_seconds(r['all'])} "
            f"| {_seconds(r['gc'])} ({r['collections']}) | {r['rss_mib']:.0f} MiB | {peaks} |"
        )
    return lines


def _growth(results: list[dict[str, Any]]) -> list[str]:
    pairs = list(itertools.pairwise(results))
    lines = [
        "| phase | " + " | ".join(f"{a['nodes']:,} -> {b['nodes']:,}" for a, b in pairs) + " |",
        "|---|" + "---:|" * len(pairs),
    ]
    for name in (*PHASES, "all three"):
        cells = []
        for a, b in pairs:
            before = a["all"] if name == "all three" else a["times"][name]
            after = b["all"] if name == "all three" else b["times"][name]
            exponent = math.log(after / before) / math.log(b["nodes"] / a["nodes"])
            cells.append(f"x{after / before:.1f} (exponent {exponent:.2f})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _verdict(measured: float, goal: float, unit: Callable[[float], str]) -> str:
    ratio = f"{measured / goal:.2f}x the goal"
    return f"{ratio}: **met**" if measured <= goal else f"{ratio}: **not met**, by {unit(measured - goal)}"


def _goals(largest: dict[str, Any], default_gc: dict[str, Any], baseline: float) -> list[str]:
    total, rss = largest["all"], largest["rss_mib"]
    untuned = sum(default_gc["times"].values())
    networkx = f'`python -c "import networkx"` ({_seconds(baseline)} in this run)'
    collections = (
        f"{untuned / total:.2f}x the tuned run: {_seconds(default_gc['gc'])} in {default_gc['collections']:,} "
        f"collections, against {_seconds(largest['gc'])} in {largest['collections']}"
    )
    before = f"{largest['setup_rss_mib']:.0f} MiB before the three phases (interpreter, imports, plan text, state)"
    return [
        f"| at {largest['nodes']:,} nodes | measured | goal | against the goal |",
        "|---|---:|---:|---|",
        (
            f"| CPU time, parse + build + evaluate | {_seconds(total)} | {_seconds(GOAL_SECONDS)} "
            f"| {_verdict(total, GOAL_SECONDS, _seconds)} |"
        ),
        f"| the same, in runs of {networkx} | {total / baseline:.1f}x | {GOAL_SECONDS / baseline:.1f}x | |",
        f"| the same with Python's default GC thresholds (700, 10, 10) | {_seconds(untuned)} | | {collections} |",
        (
            f"| peak RSS of the process | {rss:.0f} MiB | {GOAL_MIB} MiB "
            f"| {_verdict(rss, GOAL_MIB, lambda mib: f'{mib:.0f} MiB')}; {before} |"
        ),
    ]


def report(results: list[dict[str, Any]], default_gc: dict[str, Any], baseline: float, *, repeat: int) -> str:
    """Return the section's Markdown: the phases per size, their growth, and the goals at the largest size."""
    largest = results[-1]
    heap = largest.get("heap_mib")
    retained = f" With everything alive the Python heap holds {_size(heap['retained'])}." if heap else ""
    runs = "one run per size" if repeat == 1 else f"the least total of {repeat} runs per size"
    header = (
        f"`python -m benchmarks scale{' --quick' if heap is None else ''}` (run {time.strftime('%Y-%m-%d')} on "
        f"{platform.machine()} with {_cpus()} CPU cores; Python {platform.python_version()}): CPU time of each "
        f"phase, {runs}, each run a fresh process with the garbage collector set as the command line sets it "
        f"(thresholds {THRESHOLDS}, what was loaded frozen)."
    )
    setup = ", ".join(f"{r['setup_rss_mib']:.0f} MiB at {r['nodes']:,} nodes" for r in results)
    lines = [
        header,
        "",
        *_table(results),
        "",
        "How each time grows from one size to the next (exponent 1 = linear in the nodes):",
        "",
        *_growth(results),
        "",
        "Against the goals (issue 16, goal 5):",
        "",
        *_goals(largest, default_gc, baseline),
        "",
        f"Peak RSS before the three phases: {setup}.{retained}",
    ]
    return "\n".join(lines)


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run(sizes: tuple[int, ...], repeat: int, *, heap: bool) -> str:
    """Measure every size (the largest once more with Python's default GC) and the baseline; return the section."""
    results = []
    for target in sizes:
        measured = _measure(target, repeat, heap=heap)
        print(f"{target:,} nodes: {measured['all']:.3f} s CPU, {measured['rss_mib']:.0f} MiB", file=sys.stderr)
        results.append(measured)
    default_gc = _run_child("time-default-gc", str(sizes[-1]))
    baseline = _baseline(max(repeat, 3))
    return report(results, default_gc, baseline, repeat=repeat)


def run_for_docs(quick: bool) -> None:
    """Run the benchmark and write section ``scale`` of docs/benchmarks.md (``quick``: one run per size, no heap)."""
    body = run(SIZES, 1 if quick else 3, heap=not quick)
    _doc.write("scale", body, MEASURED)


def main() -> None:
    """Run the benchmark and print its Markdown (``python -m benchmarks scale`` writes it into the docs)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="graph nodes to aim at")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size, the least total counts")
    parser.add_argument("--no-heap", action="store_true", help="leave out the tracemalloc run of each size")
    parser.add_argument("--profile", type=int, metavar="NODES", help="print a cProfile of one phase at this size")
    parser.add_argument("--phase", choices=PHASES, default="evaluate", help="the phase --profile profiles")
    parser.add_argument("--limit", type=int, default=30, help="rows of the profile to print (default 30)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "NODES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, target = args.child[0], int(args.child[1])
        if mode == "memory":
            print(json.dumps(_child_memory(target)))
        else:
            print(json.dumps(_child_time(target, tuned=mode == "time")))
        return
    if args.profile:
        _child_profile(args.profile, args.phase, args.limit)
        return
    print(run(tuple(args.sizes), args.repeat, heap=not args.no_heap))


if __name__ == "__main__":
    main()
