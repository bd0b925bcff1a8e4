"""The Markdown report, for job summaries, issues and PR comments (GitHub-flavoured).

It starts with the question asked (the whole plan, one release, one PR) and its answer,
then reports the whole plan. Every string that is not a literal here is cleaned
(`clean`) first, so text from outside stays on its line of
the document.
"""

from __future__ import annotations

from release_gate.evaluate import Evaluation, PrVerdict
from release_gate.report._common import (
    chain,
    deadline_text,
    fmt_time,
    reason_text,
    release_detail,
    status_text,
    verdict_line,
)
from release_gate.report.graph import render_mermaid
from release_gate.untrusted import clean

__all__ = ["render"]


def _cell(text: str) -> str:
    """Clean and escape a table cell: pipes would end it, newlines would break the row."""
    return clean(text.replace("\n", " ")).replace("\\", "\\\\").replace("|", "\\|")


SUMMARY_LIMIT = 1_048_576
"""GitHub's cap on a job summary (1 MiB); a comment is capped at 65,536 characters."""


def render(
    evaluation: Evaluation,
    *,
    limit: int = SUMMARY_LIMIT,
    graph: bool = True,
    release: str | None = None,
    pr: PrVerdict | None = None,
) -> str:
    """Render the evaluation as GitHub-flavoured Markdown, with the graph as a Mermaid diagram.

    It answers for *pr*, else *release*, else the whole plan, at the top. Past *limit*
    characters it degrades and says so: first without the diagram, then cut at a line with
    a note.
    """
    top = _question(evaluation, release, pr)
    text = _render(evaluation, top, graph=graph)
    if len(text) <= limit:
        return text
    if graph:
        text = _render(evaluation, top, graph=False)
        note = (
            f"\n_The dependency graph ({len(evaluation.nodes)} nodes) is left out: "
            f"the report would exceed {limit:,} characters._\n"
        )
        if len(text) + len(note) <= limit:
            return text + note
    note = f"\n\n_Cut at {limit:,} characters; run release-gate check for the whole report._\n"
    head = text[: max(0, limit - len(note))]
    return head[: head.rfind("\n") + 1].rstrip("\n") + note


def _question(evaluation: Evaluation, release: str | None, pr: PrVerdict | None) -> list[str]:
    """Return the question asked and its answer; under ``--release`` or ``--pr``, then the whole plan's answer."""
    # The answer word is the Answer (clear, blocked, unknown), as in JSON and the exit code;
    # the verdict line's own first word (held, violated) says which kind of blocked.
    answer = evaluation.answer()
    word, _, counts = verdict_line(evaluation).partition(": ")
    counts = counts if word == str(answer) else f"{word}: {counts}"
    whole = ["", f"The whole plan: **{answer}** — {counts}", ""]
    if pr is not None:
        covering = [f"- hold {_cell(hold_id)}: **{status}**, {_cell(detail)}" for hold_id, status, detail in pr.holds]
        needing = [f"- needed by release {_cell(r)} ({evaluation.release(r).status})" for r in pr.needed_by]
        head = f"**Question:** may {_cell(pr.label)} merge? **Answer: {pr.answer}** — {_cell(pr.detail)}"
        return [head, *(["", *covering, *needing] if covering or needing else []), *whole]
    if release is not None:
        verdict = evaluation.release(release)
        head = (
            f"**Question:** is release {_cell(release)} out or ready to cut? "
            f"**Answer: {evaluation.release_answer(release)}** — {_cell(release)} is {status_text(verdict)}: "
            f"{_cell(release_detail(verdict))}"
        )
        return [head, *whole]
    return [f"**Question:** is the whole plan clear? **Answer: {answer}** — {counts}", ""]


def _render(evaluation: Evaluation, top: list[str], *, graph: bool) -> str:
    lines = [f"## {_cell(evaluation.plan.name)}", "", *top]
    lines.append(
        f"State: {clean(evaluation.source)}, taken {fmt_time(evaluation.taken_at)}; as of {fmt_time(evaluation.as_of)}."
    )
    lines.append("")
    for section in (_releases, _why, _holds, _next_actions, _order, _what_if, _watching):
        lines += section(evaluation)
    if graph:
        lines += ["", "### Graph", "", "```mermaid", render_mermaid(evaluation).rstrip("\n"), "```"]
    return "\n".join(lines) + "\n"


def _releases(evaluation: Evaluation) -> list[str]:
    lines = ["| Release | Wants | Status | Detail | Deadline |", "|---|---|---|---|---|"]
    for v in evaluation.releases:
        wants = f"`{clean(v.repo.slug)}` `{clean(str(v.release.requirement))}` ({v.release.requirement.accept})"
        lines.append(
            f"| {_cell(v.id)} | {_cell(wants)} | **{status_text(v)}** | {_cell(release_detail(v))} "
            f"| {_cell(deadline_text(v.deadline))} |"
        )
    return lines


def _why(evaluation: Evaluation) -> list[str]:
    blocked = [v for v in evaluation.releases if v.blockers and v.released is None]
    if not blocked:
        return []
    lines = ["", "### Why", ""]
    for v in blocked:
        lines.append(f"- **{_cell(v.id)}** is {status_text(v)}")
        for reason in v.blockers:
            lines.extend(f"{'  ' * (depth + 1)}- {_cell(reason_text(step))}" for depth, step in chain(reason))
    return lines


def _holds(evaluation: Evaluation) -> list[str]:
    if not evaluation.holds:
        return []
    lines = ["", "### Holds", ""]
    for hold in evaluation.holds:
        until = ", ".join(
            f"{_cell(r)} `{clean(str(evaluation.release(r).release.requirement))}`" for r in hold.hold.until
        )
        owner = f" (owner: {_cell(hold.hold.owner)})" if hold.hold.owner else ""
        why = f": {_cell(hold.hold.reason)}" if hold.hold.reason else ""
        lines.append(f"- **{_cell(hold.id)}** is **{hold.status}** until {until} is out{owner}{why}")
        lines.extend(f"  - unknown: {_cell(unsure)}" for unsure in hold.unknown_parts)
    lines += ["", "| Hold | PR | Status | Detail |", "|---|---|---|---|"]
    lines.extend(
        f"| {_cell(hold.id)} | {_cell(pr.label)} | **{pr.status}** | {_cell(pr.detail)} |"
        for hold in evaluation.holds
        for pr in hold.prs
    )
    return lines


def _next_actions(evaluation: Evaluation) -> list[str]:
    if not evaluation.actions:
        return []
    lines = ["", "### Next actions", ""]
    for index, action in enumerate(evaluation.actions, start=1):
        suffix = f" (for {', '.join(_cell(r) for r in action.unblocks)})" if action.unblocks else ""
        lines.append(f"{index}. {_cell(action.text)}{suffix}")
    return lines


def _order(evaluation: Evaluation) -> list[str]:
    if not evaluation.waves:
        return []
    lines = ["", "### Order", ""]
    lines.extend(f"{index}. {', '.join(_cell(r) for r in wave)}" for index, wave in enumerate(evaluation.waves, 1))
    return lines


def _what_if(evaluation: Evaluation) -> list[str]:
    if not evaluation.assumptions:
        return []
    lines = ["", "### What if", ""]
    lines += [f"- assuming {_cell(a)}" for a in evaluation.assumptions]
    lines += [
        f"- {_cell(c.kind)} **{_cell(c.id)}**: {_cell(c.before)} → **{_cell(c.after)}**" for c in evaluation.changed
    ]
    return lines


def _watching(evaluation: Evaluation) -> list[str]:
    if not evaluation.watch:
        return []
    lines = ["", "### Watching", ""]
    lines.extend(
        f"- {_cell(w.label)}: {_cell(w.state)}{' — ' + _cell(w.watch.note) if w.watch.note else ''}"
        for w in evaluation.watch
    )
    return lines
