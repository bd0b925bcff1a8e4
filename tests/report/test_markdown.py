"""The Markdown report: tables that GitHub renders, and text that cannot break them."""

from __future__ import annotations

import datetime as dt

from release_gate import Evaluation, FakeStateProvider, check, parse_plan
from release_gate.report import markdown


def test_every_release_has_a_table_row(example: Evaluation) -> None:
    """The release table has a header, a separator and one row per release."""
    lines = markdown.render(example).splitlines()
    start = lines.index("| Release | Wants | Status | Detail | Deadline |")
    rows = lines[start + 2 : start + 2 + len(example.releases)]
    assert [row.split(" | ")[0].lstrip("| ") for row in rows] == [r.id for r in example.releases]


def test_pipes_in_text_are_escaped() -> None:
    """A pipe in a note or reason cannot end a table cell."""
    plan = parse_plan(
        '[plan]\nname = "a | b"\n[repos.lib]\ngithub = "o/lib"\n[releases.lib]\nversion = ">=1"\n'
        '[holds.h]\nprs = ["lib#1"]\nuntil = ["lib"]\nreason = "x | y"\n'
    )
    world = FakeStateProvider(taken_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)).repo("o/lib").pull("o/lib", 1)
    out = markdown.render(check(plan, world))
    assert out.startswith("## a \\| b\n")
    assert ": x \\| y" in out


def test_hold_lines_carry_reason_and_owner(example: Evaluation) -> None:
    """Each hold is listed with what it waits for, its owner and its reason."""
    assert (
        "- **kubespawner-big-prs** is **held** until kubespawner `>=0.9.0b1` is out (owner: consideRatio): "
        "Release first, ideally before merging the bigger PRs currently waiting."
    ) in markdown.render(example)
