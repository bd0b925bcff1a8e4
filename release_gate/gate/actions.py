"""GitHub Actions output, as text: workflow commands (escaped), the job summary, step outputs.

Pure functions; the CLI writes what they return to stdout, ``$GITHUB_STEP_SUMMARY`` and
``$GITHUB_OUTPUT``. Untrusted text (PR titles, reasons quoting them) is cleaned to one line
(`clean`) and then escaped as the Actions toolkit escapes it,
so it can never become a workflow command of its own.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence

from release_gate.evaluate import Evaluation
from release_gate.gate.decide import Decision, StatusState
from release_gate.plan.model import Plan
from release_gate.report import links, markdown
from release_gate.untrusted import clean, clean_output

__all__ = ["annotation_lines", "escape_data", "escape_property", "outputs", "summary"]


def escape_data(text: str) -> str:
    r"""Escape a workflow command's message (``%``, CR, LF), as actions/toolkit does.

    >>> escape_data("a%b\n::error::x")
    'a%25b%0A::error::x'
    """
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (also ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_lines(decisions: Iterable[Decision]) -> list[str]:
    """One annotation per PR that is held (warning) or could not be judged (error); none for the others."""
    lines = []
    for decision in decisions:
        kind = "error" if decision.state is StatusState.ERROR else "warning" if decision.held else ""
        if kind:
            title = escape_property(clean(f"release-gate: {decision.label}"))
            lines.append(f"::{kind} title={title}::{escape_data(_clean_lines(decision.detail))}")
    return lines


def summary(
    evaluation: Evaluation | None,
    decisions: Sequence[Decision],
    note: str = "",
    *,
    server: str = links.GITHUB,
    issue: str = "",
) -> str:
    """Return the job summary: the gate's verdict per PR, then the plan's Markdown report in the dashboard's order.

    PRs are written ``owner/name#N`` and nothing in it mentions anyone, as in the report: the
    summary is also the ``report`` step output, which a workflow may post as a comment. Links
    go to *server*. *issue* names the status issue and what was done to it, when a sweep kept one.
    """
    plan = evaluation.plan if evaluation is not None else None
    lines = ["## release-gate", ""]
    if note:
        lines += [_note_lines(note, plan), ""]
    if decisions:
        lines += ["| PR | Status | Why |", "|---|---|---|"]
        lines += [f"| {_cell(str(d.ref), plan)} | **{d.state}** | {_cell(d.detail, plan)} |" for d in decisions]
        lines.append("")
    if issue:
        lines += [f"Status issue: {markdown.inline(issue)}", ""]
    if evaluation is not None:
        report = markdown.render(evaluation, server=server)
        lines.append(_HEADING.sub(r"#\1", report))  # under the summary's own heading, a level down
    return "\n".join(lines).rstrip("\n") + "\n"


_HEADING = re.compile(r"^(#{2,3} )", re.MULTILINE)
"""The report's headings (its outside text never starts a line: every line starts with our own text)."""


def _clean_lines(text: str) -> str:
    """Clean each line of a message whose line breaks are ours (a plan error lists one problem a line)."""
    return "\n".join(clean(line) for line in text.split("\n"))


def _note_lines(text: str, plan: Plan | None) -> str:
    """Return a message whose line breaks are ours (a plan error lists one problem a line), a line each, quiet."""
    return "\n".join(markdown.inline(line, plan) for line in text.split("\n"))


def _cell(text: str, plan: Plan | None) -> str:
    return markdown.inline(text.replace("\n", " "), plan)


def outputs(verdict: str, held: Sequence[str], report: str) -> str:
    """``$GITHUB_OUTPUT`` lines: ``verdict``, ``held`` (PR refs, space-separated) and ``report`` (multi-line)."""
    delimiter = f"release-gate-{secrets.token_hex(8)}"  # cannot occur in the report by chance
    held_refs = " ".join(clean(ref) for ref in held)
    return f"verdict={clean(verdict)}\nheld={held_refs}\nreport<<{delimiter}\n{clean_output(report)}\n{delimiter}\n"
