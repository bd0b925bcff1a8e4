"""The dashboard: one self-contained HTML page (no CDN, no network), read from the top.

The verdict line, then what a maintainer acts on, in order: **Can ship now** (each release
that can be cut, with the next step), **Blocked** (each release that cannot, root causes
first, then the chain), **Must wait** (each hold: its PRs, owner, reason, what it waits for),
**Next actions** (ranked as ``release-gate next`` ranks them), **Order** (the waves),
**Deadlines** (days left); then the graph (`svg.graph_svg`: clicking a node shows its
explanation, a filter box and a switch that hides the parts of split PRs), the **Timeline**
(a time axis with each release's and hold's status over time, the deadlines, and a marker for
each version published and each PR merged) and what the plan watches.

Every PR, issue, repository, release, tag, PyPI version and chart version links to its page
(`release_gate.report.links`, on the GitHub *server* given); owners are written without an
``@`` and link to their profile pages. Text from outside is cleaned (`clean`), then escaped.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence

from release_gate.evaluate import (
    Change,
    DeadlineStatus,
    Evaluation,
    HeldPr,
    HoldStatus,
    HoldVerdict,
    Outcome,
    Reason,
    ReleaseStatus,
    ReleaseVerdict,
)
from release_gate.graph import Node, NodeKind, hold_node, release_node
from release_gate.plan.model import Intent, ItemRef, Source
from release_gate.report import links, svg, text
from release_gate.report._common import SOURCE_LABEL, fmt_time, release_detail, verdict_line
from release_gate.report._timeline_svg import timeline_html
from release_gate.report.graph import FILL
from release_gate.state import State
from release_gate.untrusted import clean

__all__ = ["SECTIONS", "render"]

SECTIONS = (
    ("can-ship-now", "Can ship now"),
    ("blocked", "Blocked"),
    ("must-wait", "Must wait"),
    ("next-actions", "Next actions"),
    ("order", "Order"),
    ("deadlines", "Deadlines"),
    ("graph-view", "Graph"),
    ("timeline", "Timeline"),
    ("watching", "Watching"),
)
"""The page's sections, in order: ``(id, heading)``."""

_STUCK = (ReleaseStatus.BLOCKED, ReleaseStatus.UNKNOWN, ReleaseStatus.TAGGED)
"""The releases the Blocked section explains: not out, and not to be cut as they stand."""
_WORRYING = frozenset({DeadlineStatus.AT_RISK, DeadlineStatus.MISSED, DeadlineStatus.LATE, DeadlineStatus.UNKNOWN})
"""Deadline statuses drawn as a warning."""

_ACCEPT = {"final": "final releases only", "pre": "pre-releases count", "dev": "any version counts"}


def _h(value: str) -> str:
    """Clean, then escape for HTML: text from outside shows its control characters, never acts on them."""
    return html.escape(clean(value))


def _lines(value: str) -> str:
    """Clean and escape text that may run over several lines (a description, a note), as one paragraph."""
    return " ".join(_h(line) for line in value.splitlines() if line.strip())


def _a(url: str, inner: str) -> str:
    """Link *inner* (HTML) to *url*: only a web page (http, https) or a place on this page, never a script."""
    if not url.startswith(("https://", "http://", "#")):
        return inner
    return f'<a href="{html.escape(url)}">{inner}</a>'


def _badge(status: str) -> str:
    return f'<span class="badge status-{_h(status.replace(" ", "-"))}">{_h(status)}</span>'


_WORD_EDGE = r"(?<![\w#/.-]){}(?![\w#/-])"


class _Page:
    """What every section needs: the evaluation, the GitHub server, and where each node links to."""

    def __init__(self, evaluation: Evaluation, server: str) -> None:
        self.evaluation = evaluation
        self.server = server
        self.nodes: dict[str, Node] = {node.id: node for node in evaluation.nodes}
        self.slugs = {repo.slug.lower(): repo.slug for repo in evaluation.plan.repos}

    def release_url(self, release_id: str) -> str:
        return f"#release-{release_id}"

    def hold_url(self, hold_id: str) -> str:
        return f"#hold-{hold_id}"

    def item(self, ref: ItemRef, label: str | None = None) -> str:
        """Return a PR or issue, linked to its page."""
        return _a(links.item_url(ref, self.server), _h(label or self.evaluation.plan.short(ref)))

    def repo(self, slug: str) -> str:
        return _a(links.repo_url(slug, self.server), _h(slug))

    def release(self, release_id: str) -> str:
        """Return a release of the plan, linked to where the page explains it."""
        return _a(self.release_url(release_id), _h(release_id))

    def owner(self, owner: str) -> str:
        """Return an owner: a GitHub login links to its profile page, without its ``@`` (nobody is notified)."""
        login = links.login_of(owner)
        if login is None:
            return _h(owner.lstrip("@"))
        return _a(links.user_url(login, self.server), _h(login))

    def node_link(self, node_id: str) -> tuple[str, str] | None:
        """Return the label and page of a graph node: a release or hold here, a PR, issue or repo on GitHub."""
        kind, _, name = node_id.partition(":")
        node = self.nodes.get(node_id)
        if kind == NodeKind.RELEASE:
            return name, self.release_url(name)
        if kind == NodeKind.HOLD:
            return name, self.hold_url(name)
        if kind == NodeKind.REPO:  # by its slug (the repo's id is often a release's too), as the plan spells it
            slug = self.slugs.get(name, name)
            return slug, links.repo_url(slug, self.server)
        if node is not None and node.ref is not None:
            return node.label, links.item_url(node.ref, self.server)
        return None

    def linked(self, words: str, node_id: str, *, after: bool = True) -> str:
        """Clean and escape *words*, linking the node they are about where its name appears (else, *after* them)."""
        escaped = _h(words)
        found = self.node_link(node_id)
        if found is None:
            return escaped
        label, url = found
        name = _h(label)
        pattern = re.compile(_WORD_EDGE.format(re.escape(name)))
        if pattern.search(escaped):
            return pattern.sub(lambda match: _a(url, match.group()), escaped, count=1)
        return f"{escaped} ({_a(url, name)})" if after else escaped


# -- the sections ---------------------------------------------------------------------------------


def _head(page: _Page) -> str:
    evaluation = page.evaluation
    plan = evaluation.plan
    line = verdict_line(evaluation)
    word = line.split(":", 1)[0]
    about = f'<p class="about">{_lines(plan.description)}</p>' if plan.description.strip() else ""
    as_of = "" if evaluation.as_of == evaluation.taken_at else f"; verdicts as of {_h(fmt_time(evaluation.as_of))}"
    what_if = ""
    if evaluation.assumptions:
        assumed = "; ".join(_h(a) for a in evaluation.assumptions)
        changed = "; ".join(f"{_h(c.kind)} {_h(c.id)}: {_h(c.before)} → {_h(c.after)}" for c in evaluation.changed)
        what_if = f'<p class="what-if">What if: assuming {assumed}. {changed or "No release or hold changes."}</p>'
    return (
        f"<header><h1>{_h(plan.name)}</h1>{about}"
        f'<p class="meta">State: {_h(evaluation.source)}, read {_h(fmt_time(evaluation.taken_at))}{as_of}.</p>'
        f'<p class="verdict verdict-{_h(word)}" id="verdict"><b>{_h(word)}</b>: {_h(line.split(":", 1)[1].strip())}</p>'
        f"{what_if}</header>"
    )


def _wants(page: _Page, verdict: ReleaseVerdict) -> str:
    """``jupyterhub/kubespawner >=0.9.0b1 (pre-releases count), counted on PyPI jupyterhub-kubespawner``, linked."""
    repo = verdict.repo
    requirement = verdict.release.requirement
    accept = _ACCEPT.get(str(requirement.accept), str(requirement.accept))
    deciding = verdict.release.decided_by or repo.sources[0]
    name = {
        Source.PYPI: repo.pypi,
        Source.NPM: repo.npm,
        Source.CONDA: repo.conda.name if repo.conda else None,
        Source.HELM: repo.helm.chart if repo.helm else None,
    }.get(deciding)
    place = _a(
        links.place_url(repo, deciding, page.server),
        _h(f"{SOURCE_LABEL[deciding]} {name}" if name else _PLACE[deciding]),
    )
    return f"{page.repo(repo.slug)} <code>{_h(str(requirement))}</code> ({_h(accept)}), counted on {place}"


_PLACE = {
    Source.TAGS: "tags",
    Source.GITHUB_RELEASES: "GitHub releases",
    Source.PYPI: "PyPI",
    Source.HELM: "chart index",
    Source.NPM: "npm",
    Source.CONDA: "conda-forge",
    Source.RECIPE: "the feedstock's recipe",
}


def _where_it_counts(page: _Page, verdict: ReleaseVerdict) -> str:
    """Where the release counts once it is out (the deciding source), and where else it is looked for."""
    repo = verdict.repo
    deciding = verdict.release.decided_by or repo.sources[0]
    words = {
        Source.PYPI: f"publish it on PyPI as {_h(repo.pypi or repo.id)}",
        Source.HELM: f"add it to the chart index as {_h(repo.helm.chart if repo.helm else repo.id)}",
        Source.NPM: f"publish it on npm as {_h(repo.npm or repo.id)}",
        Source.CONDA: f"build it on {_h(repo.conda.place if repo.conda else repo.id)}",
        Source.RECIPE: f"merge it into the recipe of {_h(repo.conda.feedstock if repo.conda else repo.id)}",
        Source.TAGS: f"tag it ({', '.join(f'<code>{_h(t)}</code>' for t in repo.tags)})",
        Source.GITHUB_RELEASES: "publish a GitHub release",
    }
    first = _a(links.place_url(repo, deciding, page.server), words[deciding])
    others = [_a(links.place_url(repo, s, page.server), _h(SOURCE_LABEL[s])) for s in repo.sources if s is not deciding]
    checked = f"; also checked: {', '.join(others)}" if others else ""
    return f"{first} (that is where it counts){checked}"


def _deadline(verdict: ReleaseVerdict) -> str:
    deadline = verdict.deadline
    if deadline is None:
        return ""
    late = " late" if deadline.status in _WORRYING else ""
    return (
        f'<p class="deadline{late}">Deadline {_h(deadline.deadline.id)} {deadline.deadline.date:%Y-%m-%d}: '
        f"{_h(_days(deadline.days_left))}, {_h(str(deadline.status))}</p>"
    )


def _days(days: int) -> str:
    if days == 0:
        return "today"
    if days > 0:
        return f"{days} day{'s' if days != 1 else ''} left"
    return f"{-days} day{'s' if days != -1 else ''} ago"


def _release_head(page: _Page, verdict: ReleaseVerdict) -> str:
    note = f'<p class="note">{_lines(verdict.release.note)}</p>' if verdict.release.note else ""
    proposed = " (proposed)" if verdict.release.intent is Intent.PROPOSED else ""
    return f"<h3>{_h(verdict.id)} {_badge(str(verdict.status))}{proposed}</h3><p>{_wants(page, verdict)}</p>{note}"


def _can_ship(page: _Page) -> str:
    evaluation = page.evaluation
    ready = [v for v in evaluation.releases if v.status is ReleaseStatus.UNBLOCKED]
    if not ready:
        return "<p>Nothing can be cut now.</p>"
    items = []
    for verdict in ready:
        own = f"release {verdict.id} {verdict.release.requirement}"
        action = next((a for a in evaluation.actions if a.text == own), None)
        helps = (
            f" It helps {', '.join(page.release(r) for r in action.unblocks)}." if action and action.unblocks else ""
        )
        items.append(
            f'<li class="release status-unblocked" id="release-{_h(verdict.id)}">{_release_head(page, verdict)}'
            f"<p><b>Next step:</b> cut {_h(verdict.id)} <code>{_h(str(verdict.release.requirement))}</code>: "
            f"{_where_it_counts(page, verdict)}.{helps}</p>{_deadline(verdict)}</li>"
        )
    return f'<ul class="releases">{"".join(items)}</ul>'


def _roots(verdict: ReleaseVerdict) -> list[Reason]:
    """Return the root causes under a release's unmet or unknown preconditions, each once, in chain order."""
    seen: dict[tuple[str, str, str], Reason] = {}
    for reason in verdict.blockers:
        for root in reason.roots():
            seen.setdefault((root.node, root.condition, root.detail), root)
    return list(seen.values())


_MARK = {Outcome.MET: ("met", "ok"), Outcome.UNMET: ("unmet", "✗"), Outcome.UNKNOWN: ("unknown", "?")}


def _chain(page: _Page, reason: Reason) -> str:
    """Return a reason and everything under it, as nested lists."""
    css, mark = _MARK[reason.outcome]
    words = page.linked(f"{reason.condition}: {reason.detail}", reason.node) + _image_page(page, reason)
    under = "".join(_chain(page, cause) for cause in reason.causes)
    return f'<li class="{css}"><span class="mark">{mark}</span> {words}{f"<ul>{under}</ul>" if under else ""}</li>'


def _image_page(page: _Page, reason: Reason) -> str:
    """Return `` (image tag page)``, linked, for a reason about a container image with a known page; else nothing."""
    images = (image for release in page.evaluation.plan.releases for image in release.images)
    url = links.condition_image_url(reason.condition, images)
    return "" if url is None else f" ({_a(url, 'image tag page')})"


def _blocked(page: _Page) -> str:
    stuck = [v for v in page.evaluation.releases if v.status in _STUCK]
    if not stuck:
        return "<p>Nothing is blocked.</p>"
    items = []
    for verdict in stuck:
        roots = "".join(
            f'<li class="{_MARK[root.outcome][0]}">{page.linked(f"{root.condition}: {root.detail}", root.node)}'
            f"{_image_page(page, root)}"
            f"{f' → <b>{page.linked(root.action, root.node, after=False)}</b>' if root.action else ''}</li>"
            for root in _roots(verdict)
        )
        # The chain adds something only when a precondition has causes of its own (an upstream release).
        chain = "".join(_chain(page, reason) for reason in verdict.blockers)
        chain = f"<p>The chain:</p><ul class='chain'>{chain}</ul>" if any(r.causes for r in verdict.blockers) else ""
        items.append(
            f'<li class="release status-{verdict.status}" id="release-{_h(verdict.id)}">{_release_head(page, verdict)}'
            f"<p>{_h(release_detail(verdict))}. Root causes:</p><ol class='roots'>{roots}</ol>"
            f"{chain}{_deadline(verdict)}</li>"
        )
    return f'<ul class="releases">{"".join(items)}</ul>'


def _hold(page: _Page, verdict: HoldVerdict) -> str:
    evaluation = page.evaluation
    hold = verdict.hold
    facts = []
    if hold.owner:
        facts.append(f"<dt>Owner</dt><dd>{page.owner(hold.owner)}</dd>")
    if hold.reason:
        facts.append(f"<dt>Why</dt><dd>{_lines(hold.reason)}</dd>")
    until = "; ".join(
        f"{page.release(r)} <code>{_h(str(evaluation.release(r).release.requirement))}</code> "
        f"{_badge(str(evaluation.release(r).status))} {_h(release_detail(evaluation.release(r)))}"
        for r in hold.until
    )
    facts.append(f"<dt>Waits for</dt><dd>{until}</dd>")
    facts += [f'<dt>Unknown</dt><dd class="unknown">{_h(unsure)}</dd>' for unsure in verdict.unknown_parts]
    return (
        f'<li class="hold status-{verdict.status}" id="hold-{_h(hold.id)}"><h3>{_h(hold.id)} '
        f"{_badge(str(verdict.status))}</h3><dl>{''.join(facts)}</dl>{_held_prs(page, verdict)}</li>"
    )


_SHOWN_HELD = 12
"""A hold shows up to this many held PRs open; more are folded (violated and unknown ones are always shown)."""


def _held_prs(page: _Page, verdict: HoldVerdict) -> str:
    """Return the hold's PRs: violated and unknown ones always shown; held ones (folded when many); free ones folded."""
    if not verdict.prs:
        return "<p>No PRs to hold.</p>"
    by_status = {status: [pr for pr in verdict.prs if pr.status is status] for status in HoldStatus}
    shown = by_status[HoldStatus.VIOLATED] + by_status[HoldStatus.UNKNOWN]
    folded = []
    held = by_status[HoldStatus.HELD]
    if len(held) <= _SHOWN_HELD:
        shown += held
    else:
        folded.append((f"{len(held)} PRs held", held))
    if by_status[HoldStatus.FREE]:
        folded.append((f"{len(by_status[HoldStatus.FREE])} free (may merge)", by_status[HoldStatus.FREE]))
    parts = [_pr_table(page, shown)] if shown else []
    parts += [f"<details><summary>{words}</summary>{_pr_table(page, prs)}</details>" for words, prs in folded]
    return "".join(parts)


def _pr_table(page: _Page, prs: Sequence[HeldPr]) -> str:
    rows = "".join(
        f'<tr class="status-{pr.status}{" violated" * (pr.status is HoldStatus.VIOLATED)}">'
        f"<td>{page.item(pr.ref, pr.label)}{f' <small>{_h(pr.title)}</small>' if pr.title else ''}</td>"
        f"<td>{_badge(str(pr.status))}</td><td>{_h(pr.detail)}</td><td>{_h(str(pr.found_by))}</td></tr>"
        for pr in prs
    )
    return (
        "<table><thead><tr><th>PR</th><th>Status</th><th>Detail</th><th>Named by</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _must_wait(page: _Page) -> str:
    if not page.evaluation.holds:
        return "<p>The plan holds no PRs.</p>"
    return f'<ul class="holds">{"".join(_hold(page, h) for h in page.evaluation.holds)}</ul>'


def _next_actions(page: _Page) -> str:
    # Ranked as `release-gate next` ranks them: those that help the most releases first, then in wave order.
    actions = page.evaluation.actions
    ranked = sorted(enumerate(actions), key=lambda pair: (-len(pair[1].unblocks), pair[0]))
    if not ranked:
        return "<p>Nothing to do: every planned release is released or can be cut now.</p>"
    items = []
    for _, action in ranked:
        helps = ", ".join(page.release(r) for r in action.unblocks)
        count = f" <span class='helps'>(helps {len(action.unblocks)}: {helps})</span>" if action.unblocks else ""
        items.append(f"<li>{page.linked(action.text, action.node)}{count}</li>")
    return f'<ol class="actions">{"".join(items)}</ol>'


def _released(page: _Page, verdict: ReleaseVerdict) -> str:
    evidence = verdict.released
    assert evidence is not None
    name = evidence.tag if evidence.source in (Source.TAGS, Source.GITHUB_RELEASES) else evidence.version
    url = links.version_url(verdict.repo, evidence.source, name, page.server)
    where = _a(url, f"{_h(SOURCE_LABEL[evidence.source])} {_h(name)}")
    return (
        f'<li class="release status-released" id="release-{_h(verdict.id)}">{_h(verdict.id)} '
        f"{_badge(str(verdict.status))} {_h(evidence.version)} ({where}, {_h(fmt_time(evidence.date))}) "
        f"in {page.repo(verdict.repo.slug)}</li>"
    )


def _order(page: _Page) -> str:
    evaluation = page.evaluation
    out = [v for v in evaluation.releases if v.released is not None]
    parts = []
    if out:
        parts.append(f'<p>Out already:</p><ul class="released">{"".join(_released(page, v) for v in out)}</ul>')
    if evaluation.waves:
        waves = "".join(
            f"<li><b>Wave {index}</b>: "
            + ", ".join(f"{page.release(r)} {_badge(str(evaluation.release(r).status))}" for r in wave)
            + "</li>"
            for index, wave in enumerate(evaluation.waves, start=1)
        )
        parts.append(f"<p>Still to ship, each wave after the one before:</p><ul class='waves'>{waves}</ul>")
    return "".join(parts) or "<p>No releases planned.</p>"


def _deadlines(page: _Page) -> str:
    evaluation = page.evaluation
    if not evaluation.plan.deadlines:
        return "<p>The plan sets no deadlines.</p>"
    rows = []
    for deadline in evaluation.plan.deadlines:
        due = [v for v in evaluation.releases if v.deadline is not None and v.deadline.deadline.id == deadline.id]
        standing = ", ".join(
            f'{page.release(v.id)} <span class="deadline-{_h(str(v.deadline.status).replace(" ", "-"))}">'
            f"{_h(str(v.deadline.status))}</span>"
            for v in due
            if v.deadline is not None
        )
        days = (deadline.date - evaluation.as_of.date()).days
        rows.append(
            f'<tr><td class="nowrap">{_h(deadline.id)}</td><td class="nowrap">{deadline.date:%Y-%m-%d}</td>'
            f"<td>{_h(_days(days))}</td>"
            f"<td>{standing or 'no release'}</td><td>{_lines(deadline.note)}</td></tr>"
        )
    return (
        "<table><thead><tr><th>Deadline</th><th>Date</th><th>Days left</th><th>Releases</th><th>Note</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _graph(page: _Page) -> str:
    return (
        '<p class="meta">Click a node to see why it stands where it does.</p><div class="toolbar">'
        '<label>Filter <input id="filter" type="search" placeholder="kubespawner, #205…"></label>'
        '<label><input id="collapse" type="checkbox"> hide the parts of split PRs</label></div>'
        f'<div id="canvas">{svg.graph_svg(page.evaluation)}</div>'
        '<pre id="explain">Click a node to see why it stands where it does.</pre>'
    )


def _watching(page: _Page) -> str:
    watch = page.evaluation.watch
    if not watch:
        return "<p>The plan watches nothing.</p>"
    items = "".join(
        f"<li>{page.item(w.watch.ref, w.label)}: {_h(w.state)}"
        f"{f' — {_lines(w.watch.note)}' if w.watch.note else ''}"
        f"{f' <small>({_h(w.title)})</small>' if w.title else ''}</li>"
        for w in watch
    )
    return f"<ul>{items}</ul>"


# -- the explanations behind the graph's nodes ---------------------------------------------------


def _explanations(evaluation: Evaluation) -> dict[str, str]:
    found: dict[str, str] = {}
    for verdict in evaluation.releases:
        found[release_node(verdict.id)] = text.render_release(evaluation, verdict.id)
    for hold in evaluation.holds:
        found[hold_node(hold.id)] = text.render_hold(evaluation, hold.id)
    for node in evaluation.nodes:
        if node.kind is NodeKind.PR and node.ref is not None:
            found[node.id] = text.render_pr(evaluation, evaluation.pr(node.ref))
        elif node.kind is NodeKind.ISSUE:
            found[node.id] = f"{clean(node.label)}: {clean(evaluation.node_status.get(node.id, ''))}\n"
        elif node.kind is NodeKind.REPO:
            found[node.id] = f"repository {clean(node.label)}\n"
    return found


# -- the page -------------------------------------------------------------------------------------

_STYLE = """
*, *::before, *::after { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; color: #1d1d1f;
       max-width: 1200px; overflow-wrap: break-word; }
h1 { font-size: 1.5rem; margin: 0 0 .3rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 1px solid #ddd; }
h3 { font-size: 1rem; margin: 0 0 .3rem; }
a { color: #0550ae; }
.about, .meta { color: #555; margin: .2rem 0; }
.verdict { font-size: 1.1rem; padding: .6rem .8rem; border-radius: 6px; border: 1px solid #999; margin: .8rem 0; }
.what-if { font-style: italic; }
ul.releases, ul.holds { list-style: none; padding: 0; }
li.release, li.hold { border: 1px solid #ddd; border-left-width: 6px; border-radius: 4px;
                      padding: .6rem .8rem; margin: .6rem 0; }
li.release p, li.hold p { margin: .3rem 0; }
.badge { display: inline-block; padding: 0 .45rem; border: 1px solid #666; border-radius: 3px;
         font-size: .8rem; font-weight: 600; vertical-align: middle; color: #1d1d1f; }
ol.roots li, ul.waves li { margin: .15rem 0; }
ul.waves { list-style: none; padding-left: 1rem; }
ul.chain { color: #444; font-size: .9rem; }
ul.chain ul { padding-left: 1.3rem; }
.mark { display: inline-block; width: 1.1rem; font-weight: 700; }
li.unmet > .mark, .violated, .violated td, .late,
.deadline-missed, .deadline-at-risk, .deadline-late, .deadline-unknown {
  color: #b00020; }
.violated td, .deadline-missed, .deadline-at-risk { font-weight: 600; }
li.unknown > .mark, .unknown { color: #6a3fb5; }
li.met > .mark { color: #1a7f37; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: .3rem 0; }
dt { font-weight: 600; }
dd { margin: 0; }
table { border-collapse: collapse; margin: .4rem 0; width: 100%; }
th, td { border: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th, .badge, code, .nowrap { white-space: nowrap; overflow-wrap: normal; }
th { background: #f6f8fa; }
.toolbar { margin: .5rem 0; display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; }
#canvas { border: 1px solid #ddd; }
#canvas > svg { display: block; max-width: 100%; height: auto; }
.node { cursor: pointer; }
.node rect { stroke: #333; stroke-width: 1; fill: #fff; }
.node.selected rect { stroke-width: 3; }
.node text.label { font-weight: 600; font-size: 12px; }
.node text.status { font-size: 11px; fill: #444; }
.edge { fill: none; stroke: #999; stroke-width: 1.2; }
.edge.kind-in-repo { stroke-dasharray: 3 3; stroke: #ccc; }
.hidden { display: none; }
#explain { background: #f6f8fa; padding: .8rem; white-space: pre-wrap; min-height: 3rem; }
svg.timeline { display: block; width: 100%; height: auto; font: 12px system-ui, sans-serif; }
svg.timeline text.tick { text-anchor: middle; fill: #555; }
svg.timeline text.row { text-anchor: end; fill: #0550ae; }
svg.timeline line.tick { stroke: #e4e4e4; }
svg.timeline line.track { stroke: #ccc; stroke-width: 1; }
svg.timeline .segment { stroke: #666; stroke-width: .5; }
svg.timeline .deadline line { stroke: #b00020; stroke-width: 1.5; stroke-dasharray: 5 3; }
svg.timeline .deadline text { fill: #b00020; font-weight: 600; }
svg.timeline .now line { stroke: #1d1d1f; stroke-width: 1.5; }
svg.timeline .now text { fill: #1d1d1f; font-weight: 600; }
svg.timeline .mark path, svg.timeline .mark circle { stroke: #1d1d1f; stroke-width: 1.2; fill: #fff; }
svg.timeline .mark.satisfies path { fill: #1a7f37; }
svg.timeline .mark.merged circle { fill: #0550ae; }
svg.timeline .mark.violated circle { fill: #b00020; }
.legend .swatch { display: inline-block; width: 1.2rem; height: .8rem; border: 1px solid #666;
                  margin: 0 .25rem 0 .6rem; vertical-align: middle; }
.legend .key { margin-left: .6rem; }
.key.merged { color: #0550ae; } .key.violated, .key.deadline { color: #b00020; }
details { margin: .5rem 0; }
"""

_SCRIPT = """
(function () {
  const explanations = JSON.parse(document.getElementById("explanations").textContent);
  const panel = document.getElementById("explain");
  const nodes = Array.from(document.querySelectorAll("#graph .node"));
  function show(node) {
    nodes.forEach(n => n.classList.remove("selected"));
    node.classList.add("selected");
    panel.textContent = explanations[node.dataset.id] || node.dataset.id || "";
  }
  nodes.forEach(node => {
    node.addEventListener("click", () => show(node));
    node.addEventListener("keydown", event => { if (event.key === "Enter") show(node); });
  });
  const filter = document.getElementById("filter");
  const parts = document.getElementById("collapse");
  function refresh() {
    const words = filter.value.trim().toLowerCase();
    const hidden = new Set();
    nodes.forEach(node => {
      const label = (node.dataset.label || "").toLowerCase();
      const off = (words && !label.includes(words)) || (parts.checked && node.classList.contains("part"));
      node.classList.toggle("hidden", Boolean(off));
      if (off) hidden.add(node.dataset.id);
    });
    document.querySelectorAll("#graph .edge").forEach(edge => {
      edge.classList.toggle("hidden", hidden.has(edge.dataset.source) || hidden.has(edge.dataset.target));
    });
  }
  filter.addEventListener("input", refresh);
  parts.addEventListener("change", refresh);
})();
"""


def _colours() -> str:
    """Return the status colours (`FILL`, the graph's): nodes, badges, the verdict, the left edge of each entry."""
    rules = []
    for status, fill in sorted(FILL.items()):
        css = status.replace(" ", "-")
        rules.append(
            f".node.status-{css} rect, .badge.status-{css} {{ fill: {fill}; background: {fill}; }}"
            f" li.status-{css} {{ border-left-color: {fill}; }}"
        )
    verdicts = {"clear": "released", "blocked": "blocked", "violated": "violated", "held": "held", "unknown": "unknown"}
    rules += [f".verdict-{word} {{ background: {FILL.get(status, '#fff')}; }}" for word, status in verdicts.items()]
    return "\n".join(rules)


def render(
    evaluation: Evaluation,
    steps: Sequence[Change] = (),
    *,
    server: str = links.GITHUB,
    state: State | None = None,
) -> str:
    """Render the evaluation as one self-contained HTML page.

    *steps* (a timeline of status changes) draw each release's and hold's status over time;
    *state* (the state read) adds a marker for each PR merged in that time. Links to GitHub go to
    *server* (``https://github.com``, or a GitHub Enterprise server's web address).
    """
    page = _Page(evaluation, server)
    bodies = {
        "can-ship-now": _can_ship(page),
        "blocked": _blocked(page),
        "must-wait": _must_wait(page),
        "next-actions": _next_actions(page),
        "order": _order(page),
        "deadlines": _deadlines(page),
        "graph-view": _graph(page),
        "timeline": timeline_html(evaluation, steps, state, server),
        "watching": _watching(page),
    }
    sections = "\n".join(f'<section id="{key}"><h2>{heading}</h2>{bodies[key]}</section>' for key, heading in SECTIONS)
    # JSON inside a script element: no "<" at all, so no text can end the element or start a comment.
    explanations = json.dumps(_explanations(evaluation), sort_keys=True)
    explanations = explanations.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_h(evaluation.plan.name)} · release-gate</title>
<style>{_STYLE}{_colours()}</style>
</head>
<body>
{_head(page)}
{sections}
<script type="application/json" id="explanations">{explanations}</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""
