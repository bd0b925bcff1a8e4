"""Run the benchmarks and write their tables into docs/benchmarks.md.

Run it from the repository root::

    python -m benchmarks                  # every benchmark: writes every table
    python -m benchmarks cold_start       # one (or several) by name
    python -m benchmarks --quick          # shorter runs (fewer repeats), each under a minute or so
    python -m benchmarks --list           # the benchmarks and the sections each writes

A benchmark is a module ``benchmarks/NAME.py`` (not starting with ``_``) that defines
``SECTIONS`` (each section of docs/benchmarks.md it writes, with the files its figures depend
on) and ``run_for_docs(quick)``, which measures and writes those sections through
``benchmarks._doc``. A benchmark that needs what this machine lacks (a browser, say) raises
``_doc.Unavailable``: the run says so and leaves its sections as they are; that fails the run
(exit 1) only when the benchmark was named. A benchmark that fails fails the run too, after
the others have run.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import inspect
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from benchmarks import _doc

FOLDER = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class Benchmark:
    """A benchmark module: its name, the sections it writes (each with what it measures), and how to run it."""

    name: str
    sections: Mapping[str, tuple[str, ...]]
    run_for_docs: Callable[[bool], None]
    summary: str


def names() -> tuple[str, ...]:
    """Return the name of every module in benchmarks/ that is not private (``_*``), sorted."""
    return tuple(sorted(path.stem for path in FOLDER.glob("*.py") if not path.stem.startswith("_")))


def load(name: str) -> Benchmark | None:
    """Import ``benchmarks.NAME``; return it as a benchmark (``None`` without ``SECTIONS`` and ``run_for_docs``)."""
    module = importlib.import_module(f"benchmarks.{name}")
    sections = getattr(module, "SECTIONS", None)
    run_for_docs = getattr(module, "run_for_docs", None)
    if not isinstance(sections, Mapping) or not callable(run_for_docs):
        return None
    if list(inspect.signature(run_for_docs).parameters) != ["quick"]:
        raise TypeError(f"benchmarks/{name}.py: run_for_docs must take one parameter, quick")
    summary = (module.__doc__ or name).strip().splitlines()[0].removeprefix("Benchmark: ")
    return Benchmark(name, {key: tuple(value) for key, value in sections.items()}, run_for_docs, summary)


def discover() -> dict[str, Benchmark]:
    """Return every benchmark, by name (modules that are not benchmarks, such as generate.py, left out)."""
    found = {name: load(name) for name in names()}
    return {name: benchmark for name, benchmark in found.items() if benchmark is not None}


def _run(benchmark: Benchmark, quick: bool) -> str | None:
    """Run *benchmark*; return why it could not run (it lacks something), or ``None`` once its sections are written."""
    print(f"== {benchmark.name}: {benchmark.summary}", flush=True)
    started = time.perf_counter()
    try:
        benchmark.run_for_docs(quick)
    except _doc.Unavailable as missing:
        print(f"== {benchmark.name}: skipped, {missing}; its sections in docs/benchmarks.md are left as they were")
        return str(missing)
    finally:
        gc.collect()
    unwritten = [name for name, measured in benchmark.sections.items() if _doc.stale(name, measured)]
    if unwritten:
        raise RuntimeError(f"benchmarks/{benchmark.name}.py ran but left {', '.join(unwritten)} unwritten")
    print(f"== {benchmark.name}: wrote {', '.join(benchmark.sections)} in {time.perf_counter() - started:.0f} s")
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks *argv* names (default: all); return 0 when every table asked for was written."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="the benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="shorter runs: fewer repeats, smaller sizes")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and their sections, run none")
    args = parser.parse_args(argv)
    found = discover()
    for name in args.names:
        if name in names() and name not in found:
            parser.error(
                f"benchmarks/{name}.py defines no SECTIONS and run_for_docs(quick): run python -m benchmarks.{name}"
            )
        if name not in found:
            parser.error(f"no benchmark {name}; there are: {', '.join(found)}")
    if args.list:
        for benchmark in found.values():
            print(f"{benchmark.name}: {benchmark.summary}\n    sections: {', '.join(benchmark.sections)}")
        return 0
    chosen = args.names or list(found)
    failed, skipped = [], []
    for name in chosen:
        try:
            missing = _run(found[name], args.quick)
        except Exception:  # noqa: BLE001 - say which failed, run the others, fail at the end
            traceback.print_exc()
            failed.append(name)
            continue
        if missing is not None:
            skipped.append(name)
    if skipped:
        print(f"skipped (this machine lacks what they need): {', '.join(skipped)}")
    if failed:
        print(f"failed: {', '.join(failed)}")
    named_and_skipped = [name for name in skipped if name in args.names]
    return 1 if failed or named_and_skipped else 0


if __name__ == "__main__":
    raise SystemExit(main())
