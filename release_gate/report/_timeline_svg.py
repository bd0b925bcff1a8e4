"""The dashboard's timeline: each release's and hold's status over time, with its events.

A time axis with dated ticks, a strip per release and hold coloured by its status over time,
the deadlines and the moment evaluated as lines, and a marker for each version published and
each PR merged.

Pure: the evaluation, its timeline (`Change` steps) and the state read in; SVG and HTML out. Every
mark has its details on hover (an SVG ``<title>``) and links to its page; the table under the picture
lists the same events, each with its links. Text from outside is cleaned, then escaped.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass

from release_gate.evaluate import Change, Evaluation, HoldStatus, ReleaseVerdict
from release_gate.plan.model import Source
from release_gate.report import links
from release_gate.report._common import SOURCE_LABEL, fmt_time
from release_gate.report.graph import FILL
from release_gate.state import PullRequest, State
from release_gate.untrusted import clean

__all__ = ["Mark", "marks", "timeline_html"]

_W, _LABEL, _RIGHT = 1200, 210, 24
"""The picture's width (it scales to the page), the label column and the right margin, in SVG units."""
_TOP, _ROW, _BAR = 62, 26, 14
"""Where the first strip starts (below the deadlines' labels, the moment evaluated's, the ticks'), a strip's
height and its bar's."""
_DEADLINES_AHEAD = dt.timedelta(days=180)
"""How far past the moment evaluated the axis reaches to show a deadline."""
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
OTHER = "other"
"""The row of the PRs merged that no release or hold of the plan names."""


def _h(text: str) -> str:
    return html.escape(clean(text))


def _href(url: str) -> str | None:
    """Return *url* escaped for an attribute, or ``None`` when it is not a web page (never ``javascript:``)."""
    return html.escape(url) if url.startswith(("https://", "http://")) else None


def _a(url: str, inner: str) -> str:
    href = _href(url)
    return f'<a href="{href}">{inner}</a>' if href else inner


@dataclass(frozen=True, slots=True)
class Mark:
    """One event on the timeline: a version published, or a PR merged."""

    when: dt.datetime
    kind: str
    """``published`` or ``merged``."""
    rows: tuple[str, ...]
    """The strips it is drawn on: ``release:ID``, ``hold:ID``, or `OTHER`."""
    title: str
    """What happened, in words (cleaned): the hover text and the table's line."""
    url: str
    """The page the marker links to."""
    links: tuple[tuple[str, str], ...]
    """Every page the event has: ``(text, url)``."""
    classes: str = ""
    """``satisfies`` (a version the plan counts), ``violated`` (a merge against a hold)."""


def _published(verdict: ReleaseVerdict, start: dt.datetime, end: dt.datetime, server: str) -> list[Mark]:
    """Return a mark per moment a source showed a version of *verdict*'s repo: tags, releases, PyPI, chart."""
    deciding = verdict.release.decided_by or verdict.repo.sources[0]
    by_moment: dict[dt.datetime, list[tuple[Source, str, str, bool, str]]] = {}
    for c in verdict.candidates:
        if c.date is not None and start <= c.date <= end:
            by_moment.setdefault(c.date, []).append((c.source, c.tag, c.version, c.accepted, c.why))
    found = []
    for when, seen in sorted(by_moment.items()):
        seen.sort(key=lambda s: (s[0] is not deciding, verdict.repo.sources.index(s[0]), s[1]))
        pages = tuple(
            (f"{SOURCE_LABEL[source]} {clean(name)}", links.version_url(verdict.repo, source, name, server))
            for source, name, _, _, _ in seen
        )
        satisfies = any(accepted for _, _, _, accepted, _ in seen)
        why = next(why for _, _, _, accepted, why in seen if accepted == satisfies)
        words = ", ".join(text for text, _ in pages)
        title = f"{clean(verdict.repo.id)} {clean(seen[0][2])} published {fmt_time(when)} ({words}): {clean(why)}"
        found.append(
            Mark(when, "published", (f"release:{verdict.id}",), title, pages[0][1], pages, "satisfies" * satisfies)
        )
    return found


def _merged(evaluation: Evaluation, state: State, start: dt.datetime, end: dt.datetime, server: str) -> list[Mark]:
    """Return a mark per PR of the state merged in the period: on its holds' strips and its releases'."""
    found = []
    for item in state.items.values():
        if not isinstance(item, PullRequest) or item.merged_at is None or not start <= item.merged_at <= end:
            continue
        ref = item.ref
        covered = [h for h in evaluation.holds if any(pr.ref.key == ref.key for pr in h.prs)]
        violated = any(pr.status is HoldStatus.VIOLATED for h in covered for pr in h.prs if pr.ref.key == ref.key)
        rows = [f"hold:{h.id}" for h in covered]
        rows += [f"release:{r.id}" for r in evaluation.releases if any(n.key == ref.key for n in r.release.needs_prs)]
        if not rows:
            rows = [f"release:{r.id}" for r in evaluation.releases if r.repo.slug.lower() == ref.slug.lower()]
        label = evaluation.plan.short(ref)
        title = f"{clean(label)} merged {fmt_time(item.merged_at)}"
        title += f": {clean(item.title)}" if item.title else ""
        title += " (against a hold)" if violated else ""
        url = links.item_url(ref, server)
        found.append(
            Mark(item.merged_at, "merged", tuple(rows or [OTHER]), title, url, ((label, url),), "violated" * violated)
        )
    return found


def marks(evaluation: Evaluation, state: State | None, start: dt.datetime, server: str) -> tuple[Mark, ...]:
    """Return the events from *start* to the moment evaluated, oldest first.

    The versions published are the evaluation's candidates (those with a date); the PRs merged
    are the *state*'s.
    """
    end = evaluation.as_of
    found = [m for v in evaluation.releases for m in _published(v, start, end, server)]
    if state is not None:
        found += _merged(evaluation, state, start, end, server)
    return tuple(sorted(found, key=lambda m: (m.when, m.kind, m.title)))


# -- the axis ---------------------------------------------------------------------------------------


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _ticks(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, str]]:
    """Return the axis's ticks and their labels: days, weeks (Mondays), months, quarters or years."""
    days = (end - start).days
    first = start.date()
    if days <= 60:
        step = 1 if days <= 14 else 7
        day = first + dt.timedelta(days=(-first.weekday()) % 7 if step == 7 else 0)
        ticks = []
        while _midnight(day) <= end:
            ticks.append((_midnight(day), f"{day.day} {_MONTHS[day.month - 1]}"))
            day += dt.timedelta(days=step)
        return [t for t in ticks if t[0] >= start]
    months = 1 if days <= 400 else 3 if days <= 1100 else 12
    year, month = first.year, first.month
    ticks = []
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, month - 12
        if (month - 1) % months:
            continue
        when = _midnight(dt.date(year, month, 1))
        if when > end:
            return ticks
        ticks.append((when, f"{_MONTHS[month - 1]} {year}"))


@dataclass(frozen=True, slots=True)
class _Axis:
    start: dt.datetime
    end: dt.datetime
    now: dt.datetime
    """The moment evaluated: where the strips end."""

    def x(self, when: dt.datetime) -> float:
        span = max((self.end - self.start).total_seconds(), 1.0)
        return _LABEL + (_W - _LABEL - _RIGHT) * (when - self.start).total_seconds() / span


def _axis(evaluation: Evaluation, steps: Sequence[Change], found: Sequence[Mark]) -> _Axis:
    """Return the period drawn: the first event or status to the moment evaluated, or to a deadline soon after."""
    as_of = evaluation.as_of
    start = min([*(s.when for s in steps), *(m.when for m in found), as_of])
    later = [
        _midnight(d.date) for d in evaluation.plan.deadlines if as_of < _midnight(d.date) <= as_of + _DEADLINES_AHEAD
    ]
    end = max([as_of, *later])
    if end - start < dt.timedelta(days=2):
        start, end = start - dt.timedelta(days=1), end + dt.timedelta(days=1)
    pad = (end - start) / 40
    return _Axis(start - pad, end + pad, as_of)


# -- the picture ------------------------------------------------------------------------------------


def _rows(evaluation: Evaluation, found: Sequence[Mark]) -> list[tuple[str, str, str]]:
    """Return each strip: its key, its label and the in-page anchor it links to."""
    rows = [(f"release:{r.id}", f"release {r.id}", f"#release-{r.id}") for r in evaluation.releases]
    rows += [(f"hold:{h.id}", f"hold {h.id}", f"#hold-{h.id}") for h in evaluation.holds]
    if any(OTHER in m.rows for m in found):
        rows.append((OTHER, "other PRs merged", ""))
    return rows


def _segments(axis: _Axis, steps: Sequence[Change], key: str, label: str, y: float) -> list[str]:
    """Draw one strip: a bar per status it had, from one change to the next."""
    kind, _, item_id = key.partition(":")
    mine = [s for s in steps if (str(s.kind), s.id) == (kind, item_id)]
    parts = []
    for index, step in enumerate(mine):
        until = mine[index + 1].when if index + 1 < len(mine) else axis.now
        x1, x2 = axis.x(step.when), axis.x(until)
        status = step.after
        title = f"{label}: {status} from {fmt_time(step.when)} to {fmt_time(until)}"
        parts.append(
            f'<rect class="segment status-{_h(status.replace(" ", "-"))}" x="{x1:.1f}" y="{y - _BAR / 2:.1f}" '
            f'width="{max(x2 - x1, 1.5):.1f}" height="{_BAR}" fill="{FILL.get(status, "#fff")}">'
            f"<title>{_h(title)}</title></rect>"
        )
    return parts


def _mark(axis: _Axis, mark: Mark, y: float) -> str:
    """Draw one event: a diamond for a version published, a circle for a PR merged; linked, with its details."""
    x = axis.x(mark.when)
    if mark.kind == "published":
        shape = f'<path d="M{x:.1f},{y - 7:.1f} l6,7 l-6,7 l-6,-7 z"/>'
    else:
        shape = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5"/>'
    inner = f'<g class="mark {mark.kind} {mark.classes}"><title>{_h(mark.title)}</title>{shape}</g>'
    return _a(mark.url, inner)


def _lines(evaluation: Evaluation, axis: _Axis, height: float) -> list[str]:
    """Draw the ticks, the deadlines and the moment evaluated."""
    parts = []
    for when, text in _ticks(axis.start, axis.end):
        x = axis.x(when)
        parts.append(
            f'<line class="tick" x1="{x:.1f}" y1="{_TOP - 14}" x2="{x:.1f}" y2="{height}"/>'
            f'<text class="tick" x="{x:.1f}" y="{_TOP - 18}">{_h(text)}</text>'
        )
    for deadline in evaluation.plan.deadlines:
        when = _midnight(deadline.date)
        if axis.start <= when <= axis.end:
            x = axis.x(when)
            days = (deadline.date - evaluation.as_of.date()).days
            title = f"deadline {deadline.id} {deadline.date:%Y-%m-%d} ({days} days from the moment evaluated)"
            title += f": {clean(deadline.note)}" if deadline.note else ""
            parts.append(
                f'<g class="deadline"><title>{_h(title)}</title>'
                f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height}"/>'
                f"{_label(x, 14, f'deadline {clean(deadline.id)} {deadline.date:%Y-%m-%d}')}</g>"
            )
    x = axis.x(evaluation.as_of)
    parts.append(
        f'<g class="now"><title>the moment evaluated: {_h(fmt_time(evaluation.as_of))}</title>'
        f'<line x1="{x:.1f}" y1="20" x2="{x:.1f}" y2="{height}"/>'
        f"{_label(x, 30, f'as of {evaluation.as_of:%Y-%m-%d}')}</g>"
    )
    return parts


def _label(x: float, y: float, words: str) -> str:
    """Return a label beside a vertical line: on its left in the picture's right half, else on its right."""
    if x > _W / 2:
        return f'<text x="{x - 4:.1f}" y="{y}" text-anchor="end">{_h(words)}</text>'
    return f'<text x="{x + 4:.1f}" y="{y}">{_h(words)}</text>'


def _picture(evaluation: Evaluation, steps: Sequence[Change], found: Sequence[Mark]) -> str:
    axis = _axis(evaluation, steps, found)
    rows = _rows(evaluation, found)
    height = _TOP + len(rows) * _ROW + 8
    parts = _lines(evaluation, axis, height)
    for index, (key, label, anchor) in enumerate(rows):
        y = _TOP + index * _ROW + _ROW / 2
        text = f'<text class="row" x="{_LABEL - 8}" y="{y + 4:.1f}">{_h(label[:30])}</text>'
        parts.append(f'<a href="{html.escape(anchor)}">{text}</a>' if anchor else text)
        parts.append(f'<line class="track" x1="{_LABEL}" y1="{y:.1f}" x2="{_W - _RIGHT}" y2="{y:.1f}"/>')
        parts += _segments(axis, steps, key, label, y)
        parts += [_mark(axis, m, y) for m in found if key in m.rows]
    return (
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {height}" '
        f'role="img" aria-label="timeline">{"".join(parts)}</svg>'
    )


def _legend(steps: Sequence[Change]) -> str:
    statuses = sorted({s.after for s in steps})
    swatches = "".join(
        f'<span class="swatch" style="background:{FILL.get(s, "#fff")}"></span>{_h(s)} ' for s in statuses
    )
    return (
        f'<p class="legend">{swatches}<span class="key published">◆</span> a version published '
        '(filled: one the plan counts) <span class="key merged">●</span> a PR merged '
        '<span class="key violated">●</span> merged against a hold '
        '<span class="key deadline">┆</span> a deadline <span class="key now">│</span> the moment evaluated</p>'
    )


def _table(found: Sequence[Mark]) -> str:
    rows = "".join(
        f'<tr class="{m.classes}"><td>{_h(fmt_time(m.when))}</td><td>{_h(m.title)}</td>'
        f"<td>{' · '.join(_a(url, _h(text)) for text, url in m.links)}</td></tr>"
        for m in found
    )
    return (
        f"<details><summary>{len(found)} event{'s' if len(found) != 1 else ''}: versions published, "
        f"PRs merged</summary><table><thead><tr><th>When</th><th>What</th><th>Pages</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details>"
    )


def timeline_html(evaluation: Evaluation, steps: Sequence[Change], state: State | None, server: str) -> str:
    """Return the timeline section's body: the legend, the picture and the table of events.

    *steps* (a timeline, oldest first) give each release's and hold's status over time, from the
    first step to the moment evaluated; *state* (when given) the PRs merged in that period.
    """
    begin = min((s.when for s in steps), default=evaluation.as_of)
    found = marks(evaluation, state, begin, server)
    if not steps and not found:
        return "<p>No recorded events to draw: <code>release-gate report</code> draws them from the state it reads.</p>"
    period = f"From {_h(fmt_time(begin))} to {_h(fmt_time(evaluation.as_of))}"
    return f'<p class="meta">{period}.</p>{_legend(steps)}{_picture(evaluation, steps, found)}{_table(found)}'
