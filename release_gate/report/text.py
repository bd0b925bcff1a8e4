"""The terminal report: tables and reason chains, optionally coloured.

Colour and width are decided by the caller (the CLI honours ``NO_COLOR``, ``--color`` and
``COLUMNS``) and passed in; this module never looks at the terminal. Without a width each
item keeps one line; with one, lines wrap as ``release_gate.report._layout`` says. Every
string that is not a literal here is cleaned (`clean`): tags,
versions, reasons and titles from outside can neither move the cursor nor start a line (a
wrapped line starts with our indentation, and never with ``::``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

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
from release_gate.report._layout import MIN_WIDTH, Table, fit
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
    def __init__(self, color: bool, width: int | None = None) -> None:
        self.color = color
        self.width = None if width is None else max(width, MIN_WIDTH)
        self.lines: list[str] = []

    def paint(self, text: str, word: str | None = None) -> str:
        code = _COLORS.get((word or text).split(" ")[0].rstrip(":"))
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and code else text

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.color else text

    def add(self, line: str = "", hang: int | None = None) -> None:
        """Add *line*, wrapped: continuation lines start *hang* columns in (default: two more than the line)."""
        text = line.lstrip(" ")
        indent = len(line) - len(text)
        self.lines.extend(fit(" " * indent, text, self.width, indent + 2 if hang is None else hang))

    def item(self, prefix: str, text: str) -> None:
        """Add *prefix* + *text*, wrapped under the text: a label's value, a numbered action, a reason."""
        self.lines.extend(fit(prefix, text, self.width))

    def table(self, table: Table, paint_column: int | None = None) -> None:
        clean_rows = [[clean(cell) for cell in row] for row in table.rows]

        def paint(column: int, padded: str, cell: str) -> str:
            return self.paint(padded, cell) if column == paint_column else padded

        self.lines.extend(replace(table, rows=clean_rows).lines(self.width, paint))

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
            out.item(f"    {'   ' * depth}{marker} ", reason_text(step))


def _candidates(out: _Out, verdict: ReleaseVerdict) -> None:
    for candidate in verdict.candidates:
        mark = "accepted" if candidate.accepted else "rejected"
        tag, version = clean(candidate.tag), clean(candidate.version)
        shown = tag if candidate.tag == candidate.version else f"{tag} ({version})"
        out.add(f"    {SOURCE_LABEL[candidate.source]} {shown}: {mark}, {clean(candidate.why)}", hang=6)
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
        out.item("    note: ", clean(verdict.release.note))
    _chains(out, verdict, verbose)
    if verbose:
        _candidates(out, verdict)


_PR_HEADER = ("PR", "STATUS", "DETAIL")


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
        out.item("    why: ", clean(hold.reason))
    for unsure in verdict.unknown_parts:
        out.item("    unknown: ", clean(unsure))


def render(evaluation: Evaluation, *, color: bool = False, verbose: bool = False, width: int | None = None) -> str:
    """Render the whole evaluation as the terminal report, in *width* columns (``None``: a line per item)."""
    out = _Out(color, width)
    _head(out, evaluation, verbose)
    _releases(out, evaluation, verbose)
    _holds(out, evaluation)
    _order(out, evaluation)
    _next_actions(out, evaluation)
    _what_if(out, evaluation)
    _watching(out, evaluation)
    out.add()
    line = verdict_line(evaluation)
    out.item("Verdict: ", f"{out.paint(line.split(':')[0])}:{line.split(':', 1)[1]}")
    return out.text()


def _head(out: _Out, evaluation: Evaluation, verbose: bool) -> None:
    """Add the plan's name, the state's source and time, and (verbose) what reading it cost."""
    out.add(out.bold(clean(evaluation.plan.name)))
    as_of = "" if evaluation.as_of == evaluation.taken_at else f"; verdicts as of {fmt_time(evaluation.as_of)}"
    out.item("State: ", f"{clean(evaluation.source)}, taken {fmt_time(evaluation.taken_at)}{as_of}")
    if verbose and evaluation.stats is not None:
        stats = evaluation.stats
        left = f"; {stats.rate_remaining} left" if stats.rate_remaining is not None else ""
        reset = f" until {fmt_time(stats.rate_reset)}" if stats.rate_reset and left else ""
        registries = f"; {stats.registry_requests} to package indexes" if stats.registry_requests else ""
        out.item("Read: ", f"{stats.requests} request(s), GraphQL cost {stats.graphql_cost}{left}{reset}{registries}")


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
    out.table(Table(["RELEASE", "WANTS", "STATUS", "WAVE", "DEADLINE"], rows, fold=(4, 1)), paint_column=2)
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
            rows = [row[1:] for row in _hold_rows([hold])]
            out.table(Table(_PR_HEADER, rows, indent=4, show_header=False, free=2), paint_column=1)


def _order(out: _Out, evaluation: Evaluation) -> None:
    if evaluation.waves:
        out.add()
        out.add(out.bold("Order"))
        for index, wave in enumerate(evaluation.waves, start=1):
            words = [f"{clean(rid)} ({evaluation.release(rid).status})" for rid in wave]
            out.item(f"  wave {index}: ", ", ".join(words))


def _next_actions(out: _Out, evaluation: Evaluation) -> None:
    if evaluation.actions:
        out.add()
        out.add(out.bold("Next actions"))
        for index, action in enumerate(evaluation.actions, start=1):
            suffix = f" (for {_joined(action.unblocks)})" if action.unblocks else ""
            out.item(f"  {index}. ", f"{clean(action.text)}{suffix}")


def _what_if(out: _Out, evaluation: Evaluation) -> None:
    if evaluation.assumptions:
        out.add()
        out.add(out.bold("What if"))
        for assumption in evaluation.assumptions:
            out.item("  assuming ", clean(assumption))
        for change in evaluation.changed or ():
            after = out.paint(clean(change.after), change.after)
            out.add(f"  {clean(change.kind)} {clean(change.id)}: {clean(change.before)} -> {after}")
        if not evaluation.changed:
            out.add("  no release or hold changes")


def _watching(out: _Out, evaluation: Evaluation) -> None:
    if evaluation.watch:
        out.add()
        out.add(out.bold("Watching"))
        rows = [[w.label, w.state, w.watch.note or w.title] for w in evaluation.watch]
        out.table(Table(["ITEM", "STATE", "NOTE"], rows, free=2))


def render_next(evaluation: Evaluation, *, width: int | None = None) -> str:
    """List the next actions, those that help the most releases first (then in wave order)."""
    ranked = sorted(enumerate(evaluation.actions), key=lambda pair: (-len(pair[1].unblocks), pair[0]))
    out = _Out(color=False, width=width)
    if not ranked:
        out.add("Nothing to do: every planned release is released or can be cut now.")
    for index, (_, action) in enumerate(ranked, start=1):
        helps = f" (helps {len(action.unblocks)}: {_joined(action.unblocks)})" if action.unblocks else ""
        out.item(f"{index}. ", f"{clean(action.text)}{helps}")
    return out.text()


def render_release(evaluation: Evaluation, release_id: str, *, color: bool = False, width: int | None = None) -> str:
    """Explain one release: its status, every precondition with its chain, the tags looked at, what to do next."""
    out = _Out(color, width)
    verdict = evaluation.release(release_id)
    out.item(
        f"release {out.bold(clean(verdict.id))}: ",
        f"{clean(verdict.repo.slug)} {clean(str(verdict.release.requirement))}, "
        f"accepts {verdict.release.requirement.accept} versions",
    )
    out.item("State: ", f"{clean(evaluation.source)}, as of {fmt_time(evaluation.as_of)}")
    _release_block(out, verdict, verbose=True)
    if verdict.deadline:
        out.item("    deadline: ", deadline_text(verdict.deadline))
    # The plan's next actions that help this release, in the order the whole report ranks them.
    for action in evaluation.actions:
        if release_id in action.unblocks:
            out.item("    next: ", clean(action.text))
    return out.text()


def render_hold(evaluation: Evaluation, hold_id: str, *, color: bool = False, width: int | None = None) -> str:
    """Explain one hold: what it waits for and every PR it covers."""
    out = _Out(color, width)
    verdict = evaluation.hold(hold_id)
    hold = verdict.hold
    out.add(f"hold {out.bold(clean(hold.id))} is {out.paint(str(verdict.status))}")
    if hold.reason:
        out.item("  why: ", clean(hold.reason))
    if hold.owner:
        out.item("  owner: ", clean(hold.owner))
    for unsure in verdict.unknown_parts:
        out.item("  unknown: ", clean(unsure))
    for release_id in hold.until:
        release = evaluation.release(release_id)
        out.add(
            f"  until {clean(f'{release_id} {release.release.requirement}')}: {out.paint(str(release.status))}, "
            f"{release_detail(release)}"
        )
    out.table(Table(_PR_HEADER, [row[1:] for row in _hold_rows([verdict])], free=2), paint_column=1)
    return out.text()


def render_pr(evaluation: Evaluation, verdict: PrVerdict, *, color: bool = False, width: int | None = None) -> str:
    """Explain one PR: may it merge, which holds cover it, which releases need it."""
    out = _Out(color, width)
    out.add(f"{out.bold(clean(verdict.label))}: {out.paint(str(verdict.answer))}, {clean(verdict.detail)}")
    for hold_id, status, detail in verdict.holds:
        out.item(f"  hold {clean(hold_id)}: ", f"{out.paint(str(status))}, {clean(detail)}")
    for release_id in verdict.needed_by:
        release = evaluation.release(release_id)
        out.add(f"  needed by release {clean(release_id)} ({release.status})")
    return out.text()
