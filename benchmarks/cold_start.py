"""Benchmark: how long a fresh ``release-gate`` process takes, against Python's own start and ``import networkx``.

Run it from the repository root (it is not a test; it writes its table into docs/benchmarks.md)::

    python -m benchmarks cold_start                 # 21 runs of each; writes the docs' section
    python -m benchmarks.cold_start --repeat 7 --print-only

Each of these runs in a fresh process of this Python, in an empty folder (so that ``check``
falls back to the built-in example: the founding plan against its snapshot, no token, nothing
read over the network); release-gate runs as ``python -m release_gate`` from this checkout:

- ``python -c pass``: the interpreter's own start, the baseline of ``--version`` and ``--help``;
- ``python -c "import networkx"``: the baseline of ``check`` (release-gate's graph needs it);
- ``release-gate --version``, ``release-gate --help``;
- ``release-gate check``: the offline check of the built-in example;
- the same check with the garbage collector off from the start (for reference: the collector
  runs while the modules are imported, and this row shows what it costs).

The runs alternate (one of each, then again), so that whatever else the machine does falls on
all of them alike; each figure is the median of ``--repeat`` runs, after one unmeasured run of
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
MEASURED = (
    "benchmarks/cold_start.py",
    "release_gate/*.py",
    "release_gate/cli/*.py",
    "release_gate/plan/*.py",
    "release_gate/evaluate/*.py",
    "release_gate/report/*.py",
    "release_gate/sources/*.py",
    "release_gate/gate/*.py",
    "release_gate/examples/*.py",
    "config/jupyterhub-2018.toml",
    "config/jupyterhub-2018.state.json",
)
"""What the figures depend on: this module, every module a command may import (the fakes aside), the example."""
SECTIONS = {NAME: MEASURED}


@dataclass(frozen=True, slots=True)
class Case:
    """One command measured: its label, its arguments after ``python``, and its baseline and goal."""

    label: str
    argv: tuple[str, ...]
    baseline: str | None = None
    goal: float | None = None
    """The most this case may take, as a multiple of its baseline's CPU time."""


_RUN_CHECK = (
    "import runpy, sys; sys.argv = ['release-gate', 'check']; "
    "runpy.run_module('release_gate', run_name='__main__', alter_sys=True)"
)
"""``python -m release_gate check``, as a ``python -c`` program (so that it can set things up first)."""
PASS = "`python -c pass`"  # noqa: S105 - a label, not a password
NETWORKX = '`python -c "import networkx"`'
CASES = (
    Case(PASS, ("-c", "pass")),
    Case(NETWORKX, ("-c", "import networkx")),
    Case("`release-gate --version`", ("-m", "release_gate", "--version"), PASS, 5.0),
    Case("`release-gate --help`", ("-m", "release_gate", "--help"), PASS, 5.0),
    Case("`release-gate check` (built-in example, offline)", ("-m", "release_gate", "check"), NETWORKX, 1.7),
    Case(
        "the same check, garbage collector off (for reference)",
        ("-c", f"import gc; gc.disable(); {_RUN_CHECK}"),
        NETWORKX,
    ),
)


@dataclass(frozen=True, slots=True)
class Figures:
    """What one case measured: the median wall and CPU time of its runs, and the modules it imports."""

    wall: float
    cpu: float
    imports: dict[str, float]
    """Each module imported, with its own import time in seconds (one run with ``-X importtime``)."""


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


def _imports(case: Case, folder: Path, env: dict[str, str]) -> dict[str, float]:
    """Return each module *case* imports with its own import time in seconds (``python -X importtime``)."""
    done = subprocess.run(  # noqa: S603 - this Python, our own arguments
        [sys.executable, "-X", "importtime", *case.argv],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    imported: dict[str, float] = {}
    for line in done.stderr.splitlines():
        own, _, rest = line.removeprefix("import time:").partition("|")
        if line.startswith("import time:") and own.strip().isdigit():  # not the header line
            name = rest.rpartition("|")[2].strip()
            imported[name] = imported.get(name, 0.0) + int(own) / 1e6
    return imported


def measure(repeat: int) -> dict[str, Figures]:
    """Run every case *repeat* times, alternating; return each one's figures."""
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
    return {
        label: Figures(
            statistics.median(wall for wall, _ in measured),
            statistics.median(cpu for _, cpu in measured),
            imports[label],
        )
        for label, measured in runs.items()
    }


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _verdict(case: Case, ratio: float) -> str:
    if case.baseline is None:
        return "baseline"
    if case.goal is None:
        return "no goal: what the collector's work costs (it runs while modules are imported)"
    if ratio <= case.goal:
        return f"met (goal at most {case.goal:g}x)"
    return f"**not met**: {ratio / case.goal:.2f} times the goal of {case.goal:g}x"


def _beyond(case: Case, figures: dict[str, Figures]) -> str:
    """Say what *case* imports beyond its baseline: how many modules, their import time, the largest packages."""
    assert case.baseline is not None
    own, base = figures[case.label].imports, figures[case.baseline].imports
    extra = {name: seconds for name, seconds in own.items() if name not in base}
    packages: collections.defaultdict[str, float] = collections.defaultdict(float)
    for name, seconds in extra.items():
        packages[name.partition(".")[0]] += seconds
    largest = sorted(packages.items(), key=lambda item: -item[1])[:6]
    listed = ", ".join(f"{name} {_ms(seconds)}" for name, seconds in largest)
    ours = sorted(
        ((n, t) for n, t in extra.items() if n.startswith("release_gate.") and t >= 0.001), key=lambda item: -item[1]
    )
    own_most = ", ".join(f"`{name}` {_ms(seconds)}" for name, seconds in ours[:4])
    return (
        f"- {case.label}: {len(extra):,} modules beyond {case.baseline}'s, {_ms(sum(extra.values()))} of import "
        f"time; the most: {listed}" + (f" (release-gate's own, the most: {own_most})." if ours else ".")
    )


def table(figures: dict[str, Figures], repeat: int) -> str:
    """Return the section: how it was run, the table, each goal met or by how much not, and where the time goes."""
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
            f"| {case.label} | {_ms(own.wall)} | {_ms(own.cpu)} | {len(own.imports):,} | {against} "
            f"| {_verdict(case, ratio)} |"
        )
    lines += [
        "",
        (
            "Where the time beyond each baseline goes (one more run of each with `python -X importtime`, which "
            "inflates import times; what is not import time is the command's own work):"
        ),
        "",
        *(_beyond(case, figures) for case in CASES if case.goal is not None),
    ]
    return "\n".join(lines)


def run_for_docs(quick: bool) -> None:
    """Measure (7 runs of each with *quick*, else 21) and write the section into docs/benchmarks.md."""
    repeat = 7 if quick else 21
    body = table(measure(repeat), repeat)
    print(body)
    _doc.write(NAME, body, MEASURED)


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=21, help="runs of each command (default: 21)")
    parser.add_argument("--print-only", action="store_true", help="print the table; leave docs/benchmarks.md")
    args = parser.parse_args()
    body = table(measure(args.repeat), args.repeat)
    print(body)
    if not args.print_only:
        _doc.write(NAME, body, MEASURED)


if __name__ == "__main__":
    _main()
