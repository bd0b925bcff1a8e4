"""Garbage collection for a short run: what the command line sets, and the benchmarks measure with.

Python's cyclic collector looks at every new container object after each 700 of them, and
walks every object again as the heap grows by a quarter. A run of ``release-gate`` is short
and keeps most of what it makes to the end (a 100,000-node plan: about two million objects,
plan, graph, state and verdicts), and makes few reference cycles: with the defaults, a third
of the time of evaluating such a plan went to collections that found nothing to free.

`tune_for_a_short_run` freezes what is loaded so far (the modules: no collection walks them
again) and collects the young generation after 100,000 new objects instead of 700 (the
older ones after 5 million and 50 million): cycles are still freed, a few hundred times less
often. ``release_gate.cli.entrypoint`` calls it first thing, and ``benchmarks/scale.py`` too,
so the benchmark measures the phases as the command runs them.
"""

from __future__ import annotations

import gc

__all__ = ["THRESHOLDS", "tune_for_a_short_run"]

THRESHOLDS = (100_000, 50, 10)
"""``gc.set_threshold``'s: new objects before a young collection, then young collections
before a middle one, then middle ones before a full one (Python's defaults: 700, 10, 10)."""


def tune_for_a_short_run() -> None:
    """Set the cyclic garbage collector for a short-lived process that keeps what it makes (see the module)."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
