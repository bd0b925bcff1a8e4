"""The terminal report: tables and reason chains, optionally coloured.

Colour is decided by the caller (the CLI honours ``NO_COLOR`` and ``--color``) and
passed in; this module never looks at the terminal. Every string that is not a literal
here is cleaned (:func:`~release_gate.untrusted.clean`): tags, versions, reasons and titles
from outside can neither move the cursor nor start a line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from release_gate.evaluate import (
    Evaluation,
    FoundBy,
    HoldVerdict,
    Outcome,
    PrVerdict,
    ReleaseVerdict,
)
from release_gate.plan.model import Intent
from release_gate.report._common import (
    SOURCE_LABEL,
    chain,
    deadline_text,
    fmt_time,
    reason_text,
    release_detail,
    status_text,
    verdict_line,
)
from release_gate.untrusted import clean

__all__ = ["render", "render_hold", "render_next", "render_pr", "render_release"]

_COLORS = {
    "released": "32",
    "unblocked": "32",
    "free": "32",
    "clear": "32",
    "met": "32",
    "blocked": "31",
    "violated": "31;1",
    "unmet": "31",
    "held": "33",
    "unknown": "35",
}


class _Out:
    def __init__(self, color: bool) -> None:
        self.color = color
        self.lines: list[str] = []

    def paint(self, text: str, word: str | None = None) -> str:
        code = _COLORS.get((word or text).split(" ")[0].rstrip(":"))
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and code else text

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.color else text

    def add(self, line: str = "") -> None:
        self.lines.append(line.rstrip())

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[str]], paint_column: int | None = None, indent: str = "  "
    ) -> None:
        rows = [[clean(cell) for cell in row] for row in rows]
        columns = len(header) if header else len(rows[0]) if rows else 0
        widths = [max(len(row[i]) for row in ((header, *rows) if header else rows)) for i in range(columns)]
        if header:
            self.add(indent + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        for row in rows:
            cells = [
                (self.paint(cell.ljust(w), cell) if i == paint_column else cell.ljust(w))
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            ]
            self.add(indent + "  ".join(cells))

    def text(self) -> str:
        return "\n".join(self.lines).rstrip("\n") + "\n"


def _chains(out: _Out, verdict: ReleaseVerdict, verbose: bool) -> None:
    reasons = verdict.reasons if verbose else verdict.blockers
    for reason in reasons:
        for depth, step in chain(reason):
            marker = {
                Outcome.MET: out.paint("ok", "met"),
                Outcome.UNMET: out.paint("<-", "blocked"),
                Outcome.UNKNOWN: out.paint("<?", "unknown"),
            }[step.outcome]
            out.add(f"    {'   ' * depth}{marker} {reason_text(step)}")


def _candidates(out: _Out, verdict: ReleaseVerdict) -> None:
    for candidate in verdict.candidates:
        mark = "accepted" if candidate.accepted else "rejected"
        tag, version = clean(candidate.tag), clean(candidate.version)
        shown = tag if candidate.tag == candidate.version else f"{tag} ({version})"
        out.add(f"    {SOURCE_LABEL[candidate.source]} {shown}: {mark}, {clean(candidate.why)}")
    if verdict.skipped_tags:
        out.add(
            f"    skipped (no {verdict.repo.scheme} version; tags read as {_joined(verdict.repo.tags)}): "
            f"{_joined(verdict.skipped_tags)}"
        )


def _joined(texts: Iterable[str]) -> str:
    return ", ".join(clean(text) for text in texts)


def _release_block(out: _Out, verdict: ReleaseVerdict, verbose: bool) -> None:
    proposed = " (proposed)" if verdict.release.intent is Intent.PROPOSED else ""
    head = f"  {out.bold(clean(verdict.id))}{proposed} is {out.paint(str(verdict.status))}: {release_detail(verdict)}"
    out.add(head)
    if verdict.release.note:
        out.add(f"    note: {clean(verdict.release.note)}")
    _chains(out, verdict, verbose)
    if verbose:
        _candidates(out, verdict)


def _hold_rows(holds: Sequence[HoldVerdict]) -> list[list[str]]:
    rows = []
    for hold in holds:
        if not hold.prs:
            rows.append([hold.id, "(no PRs)", str(hold.status), "nothing to hold"])
        for pr in hold.prs:
            found = "" if pr.found_by is FoundBy.PLAN else f" [found by {pr.found_by}]"
            rows.append([hold.id, pr.label, str(pr.status), pr.detail + found])
    return rows


def _hold_head(out: _Out, evaluation: Evaluation, verdict: HoldVerdict) -> None:
    hold = verdict.hold
    until = ", ".join(clean(f"{r} {evaluation.release(r).release.requirement}") for r in hold.until)
    owner = f" (owner: {clean(hold.owner)})" if hold.owner else ""
    out.add(f"  {out.bold(clean(hold.id))} is {out.paint(str(verdict.status))}: until {until} is out{owner}")
    if hold.reason:
        out.add(f"    why: {clean(hold.reason)}")
    for unsure in verdict.unknown_parts:
        out.add(f"    unknown: {clean(unsure)}")


def render(evaluation: Evaluation, *, color: bool = False, verbose: bool = False) -> str:
    """Render the whole evaluation as the terminal report."""
    out = _Out(color)
    _head(out, evaluation, verbose)
    _releases(out, evaluation, verbose)
    _holds(out, evaluation)
    _order(out, evaluation)
    _next_actions(out, evaluation)
    _what_if(out, evaluation)
    _watching(out, evaluation)
    out.add()
    line = verdict_line(evaluation)
    out.add(f"Verdict: {out.paint(line.split(':')[0])}:{line.split(':', 1)[1]}")
    return out.text()


def _head(out: _Out, evaluation: Evaluation, verbose: bool) -> None:
    """Add the plan's name, the state's source and time, and (verbose) what reading it cost."""
    out.add(out.bold(clean(evaluation.plan.name)))
    as_of = "" if evaluation.as_of == evaluation.taken_at else f"; verdicts as of {fmt_time(evaluation.as_of)}"
    out.add(f"State: {clean(evaluation.source)}, taken {fmt_time(evaluation.taken_at)}{as_of}")
    if verbose and evaluation.stats is not None:
        stats = evaluation.stats
        left = f"; {stats.rate_remaining} left" if stats.rate_remaining is not None else ""
        reset = f" until {fmt_time(stats.rate_reset)}" if stats.rate_reset and left else ""
        registries = f"; {stats.registry_requests} to package indexes" if stats.registry_requests else ""
        out.add(f"Read: {stats.requests} request(s), GraphQL cost {stats.graphql_cost}{left}{reset}{registries}")


def _releases(out: _Out, evaluation: Evaluation, verbose: bool) -> None:
    """Add the table of releases, then why each stands where it does."""
    out.add()
    out.add(out.bold("Releases"))
    rows = [
        [
            v.id,
            f"{v.repo.slug} {v.release.requirement} ({v.release.requirement.accept})",
            status_text(v),
            str(v.wave or "-"),
            deadline_text(v.deadline),
        ]
        for v in evaluation.releases
    ]
    out.table(["RELEASE", "WANTS", "STATUS", "WAVE", "DEADLINE"], rows, paint_column=2)
    out.add()
    out.add(out.bold("Why"))
    for verdict in evaluation.releases:
        _release_block(out, verdict, verbose)


def _holds(out: _Out, evaluation: Evaluation) -> None:
    if evaluation.holds:
        out.add()
        out.add(out.bold("Holds"))
        for hold in evaluation.holds:
            _hold_head(out, evaluation, hold)
            out.table([], [row[1:] for row in _hold_rows([hold])], paint_column=1, indent="    ")


def _order(out: _Out, evaluation: Evaluation) -> None:
    if evaluation.waves:
        out.add()
        out.add(out.bold("Order"))
        for index, wave in enumerate(evaluation.waves, start=1):
            words = [f"{clean(rid)} ({evaluation.release(rid).status})" for rid in wave]
            out.add(f"  wave {index}: {', '.join(words)}")


def _next_actions(out: _Out, evaluation: Evaluation) -> None:
    if evaluation.actions:
        out.add()
        out.add(out.bold("Next actions"))
        for index, action in enumerate(evaluation.actions, start=1):
            suffix = f" (for {_joined(action.unblocks)})" if action.unblocks else ""
            out.add(f"  {index}. {clean(action.text)}{suffix}")


def _what_if(out: _Out, evaluation: Evaluation) -> None:
    if evaluation.assumptions:
        out.add()
        out.add(out.bold("What if"))
        for assumption in evaluation.assumptions:
            out.add(f"  assuming {clean(assumption)}")
        for change in evaluation.changed or ():
            after = out.paint(clean(change.after), change.after)
            out.add(f"  {clean(change.kind)} {clean(change.id)}: {clean(change.before)} -> {after}")
        if not evaluation.changed:
            out.add("  no release or hold changes")


def _watching(out: _Out, evaluation: Evaluation) -> None:
    if evaluation.watch:
        out.add()
        out.add(out.bold("Watching"))
        out.table(
            ["ITEM", "STATE", "NOTE"],
            [[w.label, w.state, w.watch.note or w.title] for w in evaluation.watch],
        )


def render_next(evaluation: Evaluation) -> str:
    """List the next actions, those that help the most releases first (then in wave order)."""
    ranked = sorted(enumerate(evaluation.actions), key=lambda pair: (-len(pair[1].unblocks), pair[0]))
    if not ranked:
        return "Nothing to do: every planned release is released or can be cut now.\n"
    lines = []
    for index, (_, action) in enumerate(ranked, start=1):
        helps = f" (helps {len(action.unblocks)}: {_joined(action.unblocks)})" if action.unblocks else ""
        lines.append(f"{index}. {clean(action.text)}{helps}")
    return "\n".join(lines) + "\n"


def render_release(evaluation: Evaluation, release_id: str, *, color: bool = False) -> str:
    """Explain one release: its status, every precondition with its chain, the tags looked at, what to do next."""
    out = _Out(color)
    verdict = evaluation.release(release_id)
    out.add(
        f"release {out.bold(clean(verdict.id))}: {clean(verdict.repo.slug)} {clean(str(verdict.release.requirement))}, "
        f"accepts {verdict.release.requirement.accept} versions"
    )
    out.add(f"State: {clean(evaluation.source)}, as of {fmt_time(evaluation.as_of)}")
    _release_block(out, verdict, verbose=True)
    if verdict.deadline:
        out.add(f"    deadline: {deadline_text(verdict.deadline)}")
    # The plan's next actions that help this release, in the order the whole report ranks them.
    for action in evaluation.actions:
        if release_id in action.unblocks:
            out.add(f"    next: {clean(action.text)}")
    return out.text()


def render_hold(evaluation: Evaluation, hold_id: str, *, color: bool = False) -> str:
    """Explain one hold: what it waits for and every PR it covers."""
    out = _Out(color)
    verdict = evaluation.hold(hold_id)
    hold = verdict.hold
    out.add(f"hold {out.bold(clean(hold.id))} is {out.paint(str(verdict.status))}")
    if hold.reason:
        out.add(f"  why: {clean(hold.reason)}")
    if hold.owner:
        out.add(f"  owner: {clean(hold.owner)}")
    for unsure in verdict.unknown_parts:
        out.add(f"  unknown: {clean(unsure)}")
    for release_id in hold.until:
        release = evaluation.release(release_id)
        out.add(
            f"  until {clean(f'{release_id} {release.release.requirement}')}: {out.paint(str(release.status))}, "
            f"{release_detail(release)}"
        )
    out.table(["PR", "STATUS", "DETAIL"], [row[1:] for row in _hold_rows([verdict])], paint_column=1)
    return out.text()


def render_pr(evaluation: Evaluation, verdict: PrVerdict, *, color: bool = False) -> str:
    """Explain one PR: may it merge, which holds cover it, which releases need it."""
    out = _Out(color)
    out.add(f"{out.bold(clean(verdict.label))}: {out.paint(str(verdict.answer))}, {clean(verdict.detail)}")
    for hold_id, status, detail in verdict.holds:
        out.add(f"  hold {clean(hold_id)}: {out.paint(str(status))}, {clean(detail)}")
    for release_id in verdict.needed_by:
        release = evaluation.release(release_id)
        out.add(f"  needed by release {clean(release_id)} ({release.status})")
    return out.text()
