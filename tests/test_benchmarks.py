"""The benchmark tables in docs/benchmarks.md: each written by its benchmark, none stale.

A benchmark module (benchmarks/NAME.py) names the sections it writes and the files their
figures depend on (``SECTIONS``); each section's start marker carries the fingerprint of those
files when it was written. A changed file makes the section stale, and this test names the
command that writes it again. Nothing here measures anything.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from benchmarks import _doc
from benchmarks.__main__ import Benchmark, discover, main, names

ROOT = Path(__file__).resolve().parent.parent

_NOT_BENCHMARKS = {"generate"}
"""Modules of benchmarks/ that are not benchmarks: generate.py makes the plans others measure."""

BENCHMARKS = discover()


def _owners() -> dict[str, str]:
    """Map each section any benchmark writes to the benchmark that writes it."""
    return {section: name for name, benchmark in BENCHMARKS.items() for section in benchmark.sections}


def test_every_benchmark_module_writes_its_tables_through_the_runner() -> None:
    """Every module of benchmarks/ but generate.py defines SECTIONS and run_for_docs(quick)."""
    expected = set(names()) - _NOT_BENCHMARKS
    assert set(BENCHMARKS) == expected, "define SECTIONS and run_for_docs(quick) in each benchmark module"
    for benchmark in BENCHMARKS.values():
        assert list(inspect.signature(benchmark.run_for_docs).parameters) == ["quick"], benchmark.name
        assert benchmark.sections, f"benchmarks/{benchmark.name}.py writes no section"


def test_every_section_of_the_docs_belongs_to_a_benchmark() -> None:
    """Each section in docs/benchmarks.md is written by some benchmark's SECTIONS (bar the not yet converted)."""
    owned = _owners()
    orphans = sorted(set(_doc.sections()) - set(owned))
    assert not orphans, f"docs/benchmarks.md has sections no benchmark writes: {orphans}"


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_every_section_of_a_benchmark_is_in_the_docs(name: str) -> None:
    """Each section a benchmark names is in docs/benchmarks.md, with its start and end markers."""
    for section in BENCHMARKS[name].sections:
        assert section in _doc.sections(), f"add <!-- benchmark:{section} start ... --> to docs/benchmarks.md"
        _doc.recorded(section)  # its end marker is there too (KeyError if not)


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_every_table_is_current(name: str) -> None:
    """Each section was written from the files its figures depend on as they are now (else: rerun its benchmark)."""
    benchmark: Benchmark = BENCHMARKS[name]
    stale = [section for section, measured in benchmark.sections.items() if _doc.stale(section, measured)]
    assert not stale, (
        f"docs/benchmarks.md's {', '.join(stale)} was measured on files that have changed since: "
        f"run `python -m benchmarks {name}` and commit the table"
    )


def test_the_docs_keep_no_old_table_markers() -> None:
    """No table of docs/benchmarks.md sits between the hand-made markers the benchmarks used before."""
    text = _doc.DOC.read_text(encoding="utf-8")
    assert "<!-- dashboard:start" not in text
    assert "<!-- dashboard:end" not in text


def test_a_changed_file_makes_its_section_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fingerprint follows the files' contents: written fresh, stale once a measured file changes."""
    monkeypatch.setattr(_doc, "ROOT", tmp_path)
    monkeypatch.setattr(_doc, "DOC", tmp_path / "benchmarks.md")
    (tmp_path / "benchmarks").mkdir()
    measured = tmp_path / "benchmarks" / "probe.py"
    measured.write_text("x = 1\n", encoding="utf-8")
    _doc.DOC.write_text(
        "# B\n\n<!-- benchmark:probe start fingerprint=0 (old) -->\nold\n<!-- benchmark:probe end -->\n",
        encoding="utf-8",
    )
    assert _doc.stale("probe", ("benchmarks/probe.py",))
    _doc.write("probe", "| a |\n|---|\n| 1 |", ("benchmarks/probe.py",))
    assert not _doc.stale("probe", ("benchmarks/probe.py",))
    assert _doc.recorded("probe") == "| a |\n|---|\n| 1 |"
    assert "(written by `python -m benchmarks probe`)" in _doc.DOC.read_text(encoding="utf-8")
    measured.write_text("x = 2\n", encoding="utf-8")
    assert _doc.stale("probe", ("benchmarks/probe.py",))


def test_the_runner_lists_the_benchmarks(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m benchmarks --list` names each benchmark and its sections, and runs none."""
    assert main(["--list"]) == 0
    listed = capsys.readouterr().out
    for name, benchmark in BENCHMARKS.items():
        assert f"{name}: " in listed
        assert ", ".join(benchmark.sections) in listed


def test_the_runner_refuses_an_unknown_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    """Naming a benchmark that is not one is a usage error (exit 2) naming those there are."""
    with pytest.raises(SystemExit) as exited:
        main(["no_such_benchmark"])
    assert exited.value.code == 2
    assert "no benchmark no_such_benchmark; there are: " in capsys.readouterr().err


def test_an_unavailable_benchmark_is_skipped_and_fails_the_run_only_when_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A benchmark lacking what it needs says so; the run fails (exit 1) only when it was named."""

    def lacking(quick: bool) -> None:
        del quick
        raise _doc.Unavailable("no chromium at /nowhere")

    probe = Benchmark("probe", {}, lacking, "a benchmark that cannot run here")
    monkeypatch.setattr("benchmarks.__main__.discover", lambda: {"probe": probe})
    assert main(["probe"]) == 1
    said = capsys.readouterr().out
    assert "== probe: skipped, no chromium at /nowhere" in said
    assert "skipped (this machine lacks what they need): probe" in said
    assert main([]) == 0
