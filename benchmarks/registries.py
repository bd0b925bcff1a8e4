"""Benchmark: reading package indexes and chart indexes of today's size.

Run it from the repository root (it is not a test; it writes its tables into
docs/benchmarks.md)::

    python -m benchmarks pypi-requests helm-index   # or: python -m benchmarks.registries [--quick]

Two sections:

- ``pypi-requests``: the founding plan's four PyPI projects, served by the fake index
  (``release_gate.testing``, in this process, each answer after 50 ms) with their whole
  history as PyPI had it on 2026-12-05 (`release_gate.testing.registries.pypi_history`).
  release-gate's reader (one Simple API page per project, PEP 691) against the way it read
  them before: each project's JSON API document, then one per-version document for every
  version that could satisfy the plan's requirement (a small copy of that reader is below,
  `_per_version_read`; the fake no longer serves those documents, so each is a 404 round
  trip, which is what is counted); then the reader again with the answer cache, and an index
  without PEP 691 (read through its JSON API).
- ``helm-index``: a generated chart index of thousands of development builds (several MB of
  YAML, laid out as Helm writes it), read for the one chart the plan names and evaluated,
  against the same read with a whole ``yaml.load`` (libyaml's loader) in the same run; then
  again with the answer cache (one 304). The parse alone is measured without HTTP too.

Every figure is a median of paired runs in one process; the ratios are what count.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import requests
import yaml

from benchmarks import _doc
from release_gate import check, load_snapshot, parse_plan
from release_gate.examples import STATE, example_path
from release_gate.plan.model import Plan, Source
from release_gate.sources import registries as registry_source
from release_gate.sources.cache import ResponseCache
from release_gate.sources.helm_index import LOADER, FullLoadNeeded, read_index
from release_gate.sources.registries import RegistryReader
from release_gate.state import Registry, State, StateRequest, request_for
from release_gate.testing import FakeRegistries
from release_gate.testing.registries import SimpleApi, pypi_history
from release_gate.versions import parse_version

LATENCY = 0.05
"""Seconds before each answer of the fake index, like a distant server."""
SECTIONS: dict[str, tuple[str, ...]] = {
    "pypi-requests": (
        "benchmarks/registries.py",
        "release_gate/sources/registries.py",
        "release_gate/sources/pypi.py",
        "release_gate/testing/registries.py",
        "release_gate/testing/pypi_history.json",
    ),
    "helm-index": (
        "benchmarks/registries.py",
        "release_gate/sources/registries.py",
        "release_gate/sources/helm_index.py",
        "release_gate/evaluate/engine.py",
    ),
}


def _median(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


# -- PyPI -------------------------------------------------------------------------------------------


def _pypi_only(request: StateRequest) -> StateRequest:
    return dataclasses.replace(request, registries=tuple(r for r in request.registries if r[0] is Source.PYPI))


def _per_version_read(request: StateRequest) -> int:
    """Read the plan's PyPI projects as release-gate did before: the project document, then each candidate's own.

    Returns the requests sent. (What the documents said is not checked here: the fake no
    longer serves per-version documents, so each is a 404; the round trip is what counts.)
    """
    sent = 0
    with requests.Session() as session:
        for _, name, index in request.registries:
            project = session.get(f"{index}/{name}/json", timeout=10).json()
            sent += 1
            wants = [(repo, req) for repo, req in request.wants if repo.pypi == name]
            for version in project["releases"]:
                parsed = [(req, parse_version(repo.scheme, version)) for repo, req in wants]
                if any(v is not None and req.check(v) is None for req, v in parsed):
                    session.get(f"{index}/{name}/{version}/json", timeout=10)
                    sent += 1
    return sent


def _timed(read: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    sent = read()
    return time.perf_counter() - started, sent


def _pypi_rows(runs: int) -> list[tuple[str, int, int, float]]:
    """Return (reader, requests, of them 304s, wall time) for each way of reading the founding plan's projects."""
    state = load_snapshot(example_path(STATE))
    rows: list[tuple[str, int, int, float]] = []
    with FakeRegistries(state, latency=LATENCY) as fake, tempfile.TemporaryDirectory() as folder:
        fake.releases = pypi_history()
        plan = parse_plan(fake.example_plan())
        request = _pypi_only(request_for(plan, ()))

        def reader_read(cache: ResponseCache | None = None) -> int:
            reader = RegistryReader(cache=cache)
            found = reader.read(request)
            assert all(isinstance(r, Registry) for r in found.values()), found
            return reader.requests

        def row(name: str, read: Callable[[], int]) -> None:
            before = fake.not_modified
            times, sent = zip(*(_timed(read) for _ in range(runs)), strict=True)
            revalidated = (fake.not_modified - before) // runs
            rows.append((name, sent[0], revalidated, statistics.median(times)))

        row("before: the JSON API document, then one per candidate version", lambda: _per_version_read(request))
        row("release-gate: the Simple API's JSON (PEP 691), one page per project", reader_read)
        reader_read(ResponseCache(Path(folder)))  # fill the cache
        row("release-gate, run again with `--cache-dir`", lambda: reader_read(ResponseCache(Path(folder))))
        fake.simple = SimpleApi.ABSENT
        row("release-gate, an index without PEP 691 (404, then its JSON API)", reader_read)
    return rows


def _pypi_section(runs: int) -> str:
    rows = _pypi_rows(runs)
    before, now, again = rows[0], rows[1], rows[2]
    made = (
        f"`python -m benchmarks.registries` (run {dt.datetime.now(dt.UTC):%Y-%m-%d} on the project's 2-core "
        f"machine, medians of {runs} run(s)). The founding plan's four PyPI projects with their whole history "
        "as PyPI had it on 2026-12-05, served by the fake index with 50 ms before each answer; the plan's "
        "requirements are the 2018 ones, so every later version is a candidate."
    )
    said = (
        f"Against the reader of before, in the same run: **{before[1] / now[1]:.0f}x fewer requests** "
        f"({now[1]} against {before[1]:,}) and **{before[3] / now[3]:.0f}x less wall time**; run again with a "
        f"cache, the {again[1]} requests are {again[2]} 304s."
    )
    table = [f"| {name} | {sent:,} | {revalidated} | {seconds:.2f} s |" for name, sent, revalidated, seconds in rows]
    header = ["| reader | index requests | of them 304s | wall time |", "|---|---:|---:|---:|"]
    return "\n".join([made, "", *header, *table, "", said])


# -- Helm -------------------------------------------------------------------------------------------


def _dev_index(charts: dict[str, int], seed: int = 16) -> bytes:
    """Write an index of development builds, as Helm writes it (keys sorted, ``created`` quoted, wrapped text)."""
    rng = random.Random(seed)
    start = dt.datetime(2018, 1, 1, tzinfo=dt.UTC)
    entries: dict[str, list[dict[str, Any]]] = {}
    for chart, count in charts.items():
        entries[chart] = [
            {
                "annotations": {
                    "artifacthub.io/images": f"- image: quay.io/jupyterhub/k8s-hub:{n}\n  name: hub\n",
                    "artifacthub.io/license": "BSD-3-Clause",
                },
                "apiVersion": "v2",
                "appVersion": "5.2.1",
                "created": f"{start + dt.timedelta(hours=n, microseconds=rng.randrange(10**6)):%Y-%m-%dT%H:%M:%S.%fZ}",
                "description": "Multi-user Jupyter installation: a long description that Helm wraps over "
                "two lines, as the real index has it",
                "digest": f"{rng.getrandbits(256):064x}",
                "home": "https://z2jh.jupyter.org",
                "icon": "https://hub.jupyter.org/helm-chart/images/hublogo.svg",
                "keywords": ["jupyter", "jupyterhub", "z2jh"],
                "kubeVersion": ">=1.28.0-0",
                "maintainers": [{"email": "erik@example.org", "name": "Erik"}, {"name": "Simon", "url": "https://x"}],
                "name": chart,
                "sources": ["https://github.com/jupyterhub/zero-to-jupyterhub-k8s"],
                "urls": [f"https://jupyterhub.github.io/helm-chart/{chart}-4.0.0-0.dev.git.{n}.h{n:07x}.tgz"],
                "version": f"4.0.0-0.dev.git.{n}.h{n:07x}",
            }
            for n in range(count)
        ]
    index = {"apiVersion": "v1", "entries": entries, "generated": "2026-12-05T11:45:31.263782848Z"}
    return yaml.safe_dump(index, sort_keys=True, width=80).encode()


def _chart_plan(url: str) -> Plan:
    return parse_plan(
        f'[plan]\nname = "chart"\n[repos.z2jh]\ngithub = "jupyterhub/zero-to-jupyterhub-k8s"\nscheme = "semver"\n'
        f'published = {{ helm = {{ index = "{url}", chart = "jupyterhub" }} }}\nsources = ["helm"]\n'
        '[releases.chart]\nrepo = "z2jh"\nversion = ">=4.0.0-beta.1"\n'
    )


class _Fixed:
    def __init__(self, state: State) -> None:
        self.state = state

    def fetch(self, request: StateRequest) -> State:
        del request
        return self.state


def _read_and_evaluate(plan: Plan, cache: ResponseCache | None = None) -> tuple[float, int]:
    """Read the chart's index and evaluate the plan; return the wall time and the requests sent."""
    started = time.perf_counter()
    reader = RegistryReader(cache=cache)
    found = reader.read(request_for(plan, ()))
    assert isinstance(found["helm:jupyterhub"], Registry), found
    state = State(dt.datetime(2026, 12, 5, tzinfo=dt.UTC), "benchmark", registries=found)
    check(plan, _Fixed(state))
    return time.perf_counter() - started, reader.requests


def _whole_load(body: bytes | str, chart: str) -> dict[str, Any] | None:
    """Stand in for `read_index` as the reader of before: always a whole load."""
    del body, chart
    raise FullLoadNeeded


def _helm_rows(charts: dict[str, int], runs: int) -> tuple[int, list[tuple[str, str, str, float]]]:
    body = _dev_index(charts)
    rows: list[tuple[str, str, str, float]] = []
    parse_fast = _median(runs, lambda: _cpu(lambda: read_index(body, "jupyterhub")))
    parse_whole = _median(runs, lambda: _cpu(lambda: yaml.load(body, Loader=LOADER)))  # noqa: S506 - libyaml's safe loader
    rows.append(("parse the index for the chart (CPU time, the body in memory)", "0", "0", parse_fast))
    rows.append(("the same with a whole `yaml.load`, as before", "0", "0", parse_whole))
    state = load_snapshot(example_path(STATE))
    with FakeRegistries(state) as fake, tempfile.TemporaryDirectory() as folder:
        fake.index_texts["jupyterhub"] = body
        plan = _chart_plan(fake.helm_index("jupyterhub"))
        fast = [_read_and_evaluate(plan) for _ in range(runs)]
        with mock.patch.object(registry_source, "read_index", _whole_load):  # the reader of before, in this run
            whole = [_read_and_evaluate(plan) for _ in range(runs)]
        _read_and_evaluate(plan, ResponseCache(Path(folder)))
        before = fake.not_modified
        cached = [_read_and_evaluate(plan, ResponseCache(Path(folder))) for _ in range(runs)]
        revalidated = (fake.not_modified - before) // runs
    rows.append(("read over HTTP and evaluate (wall)", str(fast[0][1]), "0", statistics.median(t for t, _ in fast)))
    rows.append(
        ("the same with a whole `yaml.load`, as before", str(whole[0][1]), "0", statistics.median(t for t, _ in whole))
    )
    rows.append(
        (
            "read again with `--cache-dir`, and evaluate (wall)",
            str(cached[0][1]),
            str(revalidated),
            statistics.median(t for t, _ in cached),
        )
    )
    return len(body), rows


def _cpu(work: Callable[[], Any]) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def _helm_section(quick: bool, runs: int) -> str:
    charts = {"binderhub": 1000, "jupyterhub": 1500} if quick else {"binderhub": 3000, "jupyterhub": 4000}
    size, rows = _helm_rows(charts, runs)
    parse_fast, parse_whole, read_fast, read_whole, cached = (r[3] for r in rows)
    libyaml = "with" if yaml.__with_libyaml__ else "WITHOUT"
    made = (
        f"`python -m benchmarks.registries` (run {dt.datetime.now(dt.UTC):%Y-%m-%d}, medians of {runs} run(s); "
        f"PyYAML {yaml.__version__}, {libyaml} libyaml). A generated index of {sum(charts.values()):,} "
        f"development builds ({charts['jupyterhub']:,} of the plan's chart `jupyterhub`, "
        f"{charts['binderhub']:,} of `binderhub`), {size / 2**20:.1f} MiB of YAML laid out as Helm writes it, "
        "served by the fake on this machine (no latency). The plan wants `jupyterhub >=4.0.0-beta.1`, which "
        "no development build satisfies: each entry is read, parsed and rejected."
    )
    said = (
        f"Building only the plan's chart from libyaml's events parses the index **{parse_whole / parse_fast:.1f}x "
        f"faster** than a whole load. Read and evaluated, it takes **{read_fast:.2f} s** (goal: under 1 s; "
        f"{read_whole / read_fast:.1f}x less than before in the same run), and {cached:.2f} s again after one 304."
    )
    table = [f"| {name} | {sent} | {revalidated} | {seconds:.2f} s |" for name, sent, revalidated, seconds in rows]
    header = ["| step | requests | of them 304s | time |", "|---|---:|---:|---:|"]
    return "\n".join([made, "", *header, *table, "", said])


# -- the runner --------------------------------------------------------------------------------------


def run_for_docs(quick: bool) -> None:
    """Run both sections and write their tables into docs/benchmarks.md (``quick``: fewer runs, a smaller index)."""
    runs = 1 if quick else 5
    _doc.write("pypi-requests", _pypi_section(runs), SECTIONS["pypi-requests"])
    _doc.write("helm-index", _helm_section(quick, 1 if quick else 3), SECTIONS["helm-index"])


def main() -> None:
    """Run the benchmark from the command line and print the tables it wrote."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and a smaller index")
    options = parser.parse_args()
    run_for_docs(options.quick)
    for name in SECTIONS:
        print(f"## {name}\n\n{_doc.recorded(name)}\n")


if __name__ == "__main__":
    main()
