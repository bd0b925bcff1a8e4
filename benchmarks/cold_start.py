"""Benchmark: how long a fresh ``release-gate`` process takes, against Python's own start and ``import networkx``.

Run it from the repository root (it is not a test; it writes its table into docs/benchmarks.md)::

    python -m benchmarks cold_start                 # 21 runs of each; writes the docs' section
    python -m benchmarks.cold_start --repeat 7 --print-only

Five commands, each run in a fresh process with this Python, from an empty folder (so that
``check`` falls back to the built-in example: the founding plan against its snapshot, no
token, nothing read over the network), through ``python -m release_gate`` from this checkout:

- ``python -c pass``: the interpreter's own start, the baseline of ``--version`` and ``--help``;
- ``python -c "import networkx"``: the baseline of ``check`` (release-gate's graph needs it);
- ``release-gate --version``, ``release-gate --help``;
- ``release-gate check``: the offline check of the built-in example.

The runs alternate (one of each, then again), so that whatever else the machine does falls on
all five alike; each figure is the median of ``--repeat`` runs, after one unmeasured run of
each. Wall time is measured around the process; CPU time (user + system) is the process's
own, from ``resource.getrusage(RUSAGE_CHILDREN)``. The modules are counted from one more run
of each with ``python -X importtime``. The goals (issue 16): ``check`` within 1.7 times
``import networkx``, ``--version`` and ``--help`` within 5 times ``python -c pass``; each is
judged on CPU time (what the process costs, less disturbed by other work on the machine than
the wall time, which the table shows too).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import _doc

ROOT = Path(__file__).resolve().parent.parent
NAME = "cold_start"
MEASURED = ("benchmarks/cold_start.py", "release_gate/**/*.py")
"""What the figures depend on: this module, and every module a command may import."""
SECTIONS = {NAME: MEASURED}


@dataclass(frozen=True, slots=True)
class Case:
    """One command measured: its label, its arguments after ``python``, and its baseline and goal."""

    label: str
    argv: tuple[str, ...]
    baseline: str | None = None
    goal: float | None = None
    """The most this case may take, as a multiple of its baseline's CPU time."""


PASS = "`python -c pass`"  # noqa: S105 - a label, not a password
NETWORKX = '`python -c "import networkx"`'
CASES = (
    Case(PASS, ("-c", "pass")),
    Case(NETWORKX, ("-c", "import networkx")),
    Case("`release-gate --version`", ("-m", "release_gate", "--version"), PASS, 5.0),
    Case("`release-gate --help`", ("-m", "release_gate", "--help"), PASS, 5.0),
    Case("`release-gate check` (built-in example, offline)", ("-m", "release_gate", "check"), NETWORKX, 1.7),
)


@dataclass(frozen=True, slots=True)
class Figures:
    """What one case measured: the median wall and CPU time of its runs, and the modules it imports."""

    wall: float
    cpu: float
    modules: int


def _environment() -> dict[str, str]:
    """Return the environment of every run: this checkout's release_gate, no token, no colour."""
    drop = {"GH_TOKEN", "GITHUB_TOKEN", "PYTHONPROFILEIMPORTTIME", "PYTHONDONTWRITEBYTECODE", "RELEASE_GATE_DEBUG"}
    env = {k: v for k, v in os.environ.items() if k not in drop}  # noqa: TID251 - the runs' environment
    env["PYTHONPATH"] = str(ROOT)
    return env


def _once(case: Case, folder: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run *case* once; return its wall time and its CPU time (user + system), in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - this Python, our own arguments
        [sys.executable, *case.argv], cwd=folder, env=env, capture_output=True, check=False, timeout=120
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _imports(case: Case, folder: Path, env: dict[str, str]) -> tuple[int, dict[str, float]]:
    """Return how many modules *case* imports, and the import time of each top-level package (-X importtime)."""
    done = subprocess.run(  # noqa: S603 - this Python, our own arguments
        [sys.executable, "-X", "importtime", *case.argv],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:") and "|" in line]
    spent: collections.defaultdict[str, float] = collections.defaultdict(float)
    count = 0
    for line in lines:
        own, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if own.isdigit():
            count += 1
            spent[name.partition(".")[0]] += int(own) / 1e6
    return count, dict(spent)


def measure(repeat: int) -> tuple[dict[str, Figures], dict[str, float]]:
    """Run every case *repeat* times, alternating; return each one's figures and the check's import time by package."""
    env = _environment()
    runs: dict[str, list[tuple[float, float]]] = {case.label: [] for case in CASES}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for case in CASES:  # once unmeasured: bytecode written, files in the page cache
            _once(case, folder, env)
        for _ in range(repeat):
            for case in CASES:
                runs[case.label].append(_once(case, folder, env))
        imports = {case.label: _imports(case, folder, env) for case in CASES}
    figures = {
        label: Figures(
            statistics.median(wall for wall, _ in measured),
            statistics.median(cpu for _, cpu in measured),
            imports[label][0],
        )
        for label, measured in runs.items()
    }
    return figures, imports[CASES[-1].label][1]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _verdict(case: Case, ratio: float) -> str:
    if case.goal is None:
        return "baseline"
    if ratio <= case.goal:
        return f"met (goal at most {case.goal:g}x)"
    return f"**not met**: {ratio / case.goal:.2f} times the goal of {case.goal:g}x"


def _breakdown(spent: dict[str, float]) -> str:
    """Return where the offline check's import time goes, by top-level package (the largest first)."""
    total = sum(spent.values())
    largest = sorted(spent.items(), key=lambda item: -item[1])[:8]
    cells = ", ".join(f"{name} {_ms(seconds)}" for name, seconds in largest)
    return f"{_ms(total)} of imports in all (inflated by `-X importtime` itself); the largest: {cells}."


def table(figures: dict[str, Figures], spent: dict[str, float], repeat: int) -> str:
    """Return the section: how it was run, the table, and each goal met or by how much not."""
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    lines = [
        (
            f"`python -m benchmarks cold_start` (run {when}; {os.cpu_count()} CPU cores, Python "
            f"{platform.python_version()}): the median of {repeat} alternating runs of each, in fresh processes."
        ),
        "",
        "| command | wall time | CPU time | modules imported | CPU time against its baseline | goal |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for case in CASES:
        own = figures[case.label]
        ratio = own.cpu / figures[case.baseline].cpu if case.baseline else 1.0
        against = f"{ratio:.2f}x {case.baseline}" if case.baseline else "-"
        lines.append(
            f"| {case.label} | {_ms(own.wall)} | {_ms(own.cpu)} | {own.modules:,} | {against} "
            f"| {_verdict(case, ratio)} |"
        )
    lines += ["", f"Where the offline check's imports go (one run with `-X importtime`): {_breakdown(spent)}"]
    return "\n".join(lines)


def run_for_docs(quick: bool) -> None:
    """Measure (7 runs of each with *quick*, else 21) and write the section into docs/benchmarks.md."""
    repeat = 7 if quick else 21
    figures, spent = measure(repeat)
    body = table(figures, spent, repeat)
    print(body)
    _doc.write(NAME, body, MEASURED)


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=21, help="runs of each command (default: 21)")
    parser.add_argument("--print-only", action="store_true", help="print the table; leave docs/benchmarks.md")
    args = parser.parse_args()
    figures, spent = measure(args.repeat)
    body = table(figures, spent, args.repeat)
    print(body)
    if not args.print_only:
        _doc.write(NAME, body, MEASURED)


if __name__ == "__main__":
    _main()
