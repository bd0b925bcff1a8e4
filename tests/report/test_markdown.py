"""The Markdown report: tables that GitHub renders, and text that cannot break them."""

from __future__ import annotations

import datetime as dt

from release_gate import Evaluation, FakeStateProvider, check, parse_plan, parse_ref
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
    state = FakeStateProvider(taken_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)).repo("o/lib").pull("o/lib", 1)
    out = markdown.render(check(plan, state))
    assert out.startswith("## a \\| b\n")
    assert ": x \\| y" in out


def test_hold_lines_carry_reason_and_owner(example: Evaluation) -> None:
    """Each hold is listed with what it waits for, its owner and its reason."""
    assert (
        "- **kubespawner-big-prs** is **held** until kubespawner `>=0.9.0b1` is out (owner: consideRatio): "
        "Release first, ideally before merging the bigger PRs currently waiting."
    ) in markdown.render(example)


def test_graph_is_a_mermaid_block(example: Evaluation) -> None:
    """The report ends with the dependency graph as a Mermaid block that GitHub renders."""
    out = markdown.render(example)
    block = out.split("### Graph\n\n```mermaid\n", 1)[1]
    assert block.startswith("flowchart LR\n")
    assert block.endswith("```\n")


def test_past_the_limit_the_graph_goes_first_then_the_text_is_cut(example: Evaluation) -> None:
    """A report over the size limit drops the graph and says so; far over, it is cut at a line and says so."""
    whole = markdown.render(example)
    without = markdown.render(example, limit=len(whole) - 1)
    assert "```mermaid" not in without
    assert "is left out: the report would exceed" in without
    assert len(without) < len(whole)
    tiny = markdown.render(example, limit=400)
    assert len(tiny) <= 400
    assert tiny.endswith("run release-gate check for the whole report._\n")


def test_the_question_and_its_answer_come_first(example: Evaluation) -> None:
    """Under the title, the report states the question asked and its answer, then (for one release or PR) the plan's."""
    plan = markdown.render(example).splitlines()
    assert plan[2].startswith("**Question:** is the whole plan clear? **Answer: blocked** — 2 can ship now")
    release = markdown.render(example, release="jupyterhub").splitlines()
    assert release[2] == (
        "**Question:** is release jupyterhub out or ready to cut? **Answer: clear** — "
        "jupyterhub is unblocked: can be cut now (every precondition met)"
    )
    assert release[4].startswith("The whole plan: **blocked** — 2 can ship now")
    pr = markdown.render(example, pr=example.pr(parse_ref(example.plan, "kubespawner#250"))).splitlines()
    assert pr[2] == (
        "**Question:** may kubespawner#250 merge? **Answer: clear** — "
        "not named by the plan, so not held (did you mean kubespawner#205 or #230?)"
    )


def test_a_held_pr_lists_its_holds_and_the_releases_needing_it(example: Evaluation) -> None:
    """Asked about a held PR, the holds covering it follow the answer as a list; so do the releases that need it."""
    held = markdown.render(example, pr=example.pr(parse_ref(example.plan, "kubespawner#205"))).splitlines()
    assert held[2].startswith("**Question:** may kubespawner#205 merge? **Answer: blocked** — held: must not merge")
    assert held[3] == ""
    assert held[4].startswith("- hold kubespawner-big-prs: **held**, open")
    needed = markdown.render(example, pr=example.pr(parse_ref(example.plan, "kubespawner#230"))).splitlines()
    assert needed[4] == "- needed by release kubespawner (blocked)"
