"""The Markdown report, for job summaries, status issues and PR comments (GitHub-flavoured).

It reads in the dashboard's order: the question asked (the whole plan, one release, one PR)
and its answer; what can ship now, and the next step to cut each; what is blocked, root causes
first; what must wait (the holds, their PRs, owners and reasons, violations marked); the next
actions, ranked as ``release-gate next`` ranks them; the order (waves); the deadlines; then
what is out, what is watched, the graph (a Mermaid diagram) and, when given, the timeline.

Links, and no mentions. Every repository, GitHub release, tag, PyPI version and chart
version links to its page (`release_gate.report.links`, on the GitHub *server* given). PRs
and issues are written ``owner/name#N``, which GitHub links itself, never the plan's short
``repo-id#N`` (which it does not). Nothing in a report notifies anyone: a login is written
without ``@`` (an owner links to their page), and an ``@`` that would start a mention in any
text, ours or from outside, gets a zero-width space after it (`quiet`). GitHub mentions
only when a letter or digit follows the ``@``; the space is invisible, renders the same on
every page (in a table, a link's text or a code span, where backticks would not fit), and is
what Renovate does to the release notes it quotes. A bare ``#N`` from outside gets one too,
so it cannot link an issue of the repository the report is shown in.

Every string that is not a literal here is cleaned (`clean`) and its Markdown escaped
(`inline`), so text from outside stays on its line, in its cell, and cannot open a link,
an HTML tag or a comment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from release_gate.evaluate import (
    Change,
    DeadlineVerdict,
    Evaluation,
    Evidence,
    FoundBy,
    HoldStatus,
    HoldVerdict,
    NextAction,
    PrVerdict,
    Reason,
    ReleaseStatus,
    ReleaseVerdict,
)
from release_gate.plan.model import Intent, Plan, Repo, Source
from release_gate.report import links
from release_gate.report._common import (
    SOURCE_LABEL,
    fmt_time,
    reason_text,
    release_detail,
    status_text,
    verdict_line,
)
from release_gate.report.graph import render_mermaid
from release_gate.untrusted import clean

__all__ = ["COMMENT_LIMIT", "SUMMARY_LIMIT", "inline", "quiet", "ranked_actions", "render"]

SUMMARY_LIMIT = 1_048_576
"""GitHub's cap on a job summary (1 MiB)."""
COMMENT_LIMIT = 65_536
"""GitHub's cap on an issue's or a comment's body, in characters."""

ZERO_WIDTH_SPACE = "\u200b"
_MENTION = re.compile(r"(?<![A-Za-z0-9_])@(?=[A-Za-z0-9])")
"""An ``@`` GitHub would read as a mention: not inside a word (``pkg@1.0`` is none), a letter or digit after it."""
_BARE_NUMBER = re.compile(r"(?<![\w/&])#(?=[0-9])")
"""A ``#N`` with no repository before it: GitHub would link it to an issue of the repository it is shown in."""
_MARKDOWN = re.compile(r"[\\`*\[\]<|&]")
"""What could start a code span, emphasis, a link, an HTML tag or comment, a table cell, or an entity (``&#64;``)."""
_LOGIN = re.compile(r"@?([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})")
"""A GitHub login, perhaps written with its ``@``."""


def quiet(text: str) -> str:
    r"""Return Markdown *text* that notifies no one and links no issue by a bare number.

    >>> quiet("ask @minrk or @jupyterhub/team about #12; me@example.org and kubespawner#230 stay")
    'ask @\u200bminrk or @\u200bjupyterhub/team about #\u200b12; me@example.org and kubespawner#230 stay'
    """
    return _BARE_NUMBER.sub("#" + ZERO_WIDTH_SPACE, _MENTION.sub("@" + ZERO_WIDTH_SPACE, text))


def inline(text: str, plan: Plan | None = None) -> str:
    r"""Return *text* as inline Markdown: cleaned, the plan's short refs made ``owner/name#N``, escaped, `quiet`.

    >>> inline("see [this](https://x) | <!-- & @you")
    'see \\[this\\](https://x) \\| \\<!-- \\& @\u200byou'
    """
    return _inline(text, _full_refs(plan) if plan is not None else _as_is)


def _as_is(text: str) -> str:
    return text


def _inline(text: str, full_refs: Callable[[str], str]) -> str:
    return quiet(_MARKDOWN.sub(lambda found: "\\" + found.group(), full_refs(clean(text))))


def _full_refs(plan: Plan) -> Callable[[str], str]:
    """Return what rewrites the plan's short refs (``kubespawner#230``) as GitHub links them (``owner/name#230``)."""
    slugs = {repo.id: repo.slug for repo in plan.repos}
    if not slugs:
        return _as_is
    ids = "|".join(re.escape(repo_id) for repo_id in sorted(slugs, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w./-])({ids})#(?=[0-9])")
    return lambda text: pattern.sub(lambda found: f"{slugs[found.group(1)]}#", text)


def ranked_actions(evaluation: Evaluation) -> list[NextAction]:
    """Return the next actions as ``release-gate next`` lists them: those that help the most releases first."""
    ranked = sorted(enumerate(evaluation.actions), key=lambda pair: (-len(pair[1].unblocks), pair[0]))
    return [action for _, action in ranked]


def render(
    evaluation: Evaluation,
    *,
    limit: int = SUMMARY_LIMIT,
    graph: bool = True,
    release: str | None = None,
    pr: PrVerdict | None = None,
    server: str = links.GITHUB,
    steps: Sequence[Change] = (),
    taken: bool = True,
) -> str:
    """Render the evaluation as GitHub-flavoured Markdown, with the graph as a Mermaid diagram.

    It answers for *pr*, else *release*, else the whole plan, at the top. Links go to pages
    on *server* (GitHub Enterprise's own host; `links.server_of` derives it from the API URL).
    *steps* (a timeline) adds a section at the end. Without *taken*, the state line leaves
    out when the state was read, so the report changes only when what it says does (a status
    issue is edited only then). Past *limit* characters it degrades and says so: first without
    the diagram, then cut at a line with a note.
    """
    report = _Report(evaluation, server)
    top = report.question(release, pr)
    text = report.render(top, graph=graph, steps=steps, taken=taken)
    if len(text) <= limit:
        return text
    if graph:
        text = report.render(top, graph=False, steps=steps, taken=taken)
        note = (
            f"\n_The dependency graph ({len(evaluation.nodes)} nodes) is left out: "
            f"the report would exceed {limit:,} characters._\n"
        )
        if len(text) + len(note) <= limit:
            return text + note
    note = f"\n\n_Cut at {limit:,} characters; run release-gate check for the whole report._\n"
    head = text[: max(0, limit - len(note))]
    return head[: head.rfind("\n") + 1].rstrip("\n") + note


class _Report:
    """One evaluation rendered: its text helpers (the plan's refs, the server) and its sections."""

    def __init__(self, evaluation: Evaluation, server: str) -> None:
        self.evaluation = evaluation
        self.server = server
        self.full_refs = _full_refs(evaluation.plan)

    def text(self, text: str) -> str:
        """Return *text* as inline Markdown (`inline`), the plan's refs written in full."""
        return _inline(text, self.full_refs)

    def link(self, label: str, url: str) -> str:
        """Return ``[label](url)``: the URL without credentials, and nothing in it that could end it."""
        href = links.public_url(url).replace(" ", "%20").replace("(", "%28").replace(")", "%29")
        return f"[{self.text(label)}]({href.replace('<', '%3C').replace('>', '%3E')})"

    def repo(self, slug: str) -> str:
        """Return a repository, linked to its page."""
        return self.link(slug, links.repo_url(slug, self.server))

    def owner(self, owner: str) -> str:
        """Return a hold's owner: a login links to its page (never ``@login``); anything else is quiet text."""
        login = _LOGIN.fullmatch(owner.strip())
        if login is None:
            return self.text(owner)
        return self.link(login.group(1), links.user_url(login.group(1), self.server))

    # -- the question ----------------------------------------------------------------------

    def question(self, release: str | None, pr: PrVerdict | None) -> list[str]:
        """Return the question asked and its answer; under ``--release`` or ``--pr``, then the whole plan's answer."""
        evaluation, text = self.evaluation, self.text
        # The answer word is the Answer (clear, blocked, unknown), as in JSON and the exit code;
        # the verdict line's own first word (held, violated) says which kind of blocked.
        answer = evaluation.answer()
        word, _, counts = verdict_line(evaluation).partition(": ")
        counts = text(counts if word == str(answer) else f"{word}: {counts}")
        whole = ["", f"The whole plan: **{answer}** — {counts}", ""]
        if pr is not None:
            covering = [f"- hold {text(hold_id)}: **{status}**, {text(detail)}" for hold_id, status, detail in pr.holds]
            needing = [f"- needed by release {text(r)} ({evaluation.release(r).status})" for r in pr.needed_by]
            head = f"**Question:** may {text(str(pr.ref))} merge? **Answer: {pr.answer}** — {text(pr.detail)}"
            return [head, *(["", *covering, *needing] if covering or needing else []), *whole]
        if release is not None:
            verdict = evaluation.release(release)
            head = (
                f"**Question:** is release {text(release)} out or ready to cut? "
                f"**Answer: {evaluation.release_answer(release)}** — {text(release)} is {status_text(verdict)}: "
                f"{text(release_detail(verdict))}"
            )
            return [head, *whole]
        return [f"**Question:** is the whole plan clear? **Answer: {answer}** — {counts}", ""]

    def render(self, top: list[str], *, graph: bool, steps: Sequence[Change], taken: bool) -> str:
        """Return the whole report under *top* (the question and its answer)."""
        evaluation = self.evaluation
        lines = [f"## {self.text(evaluation.plan.name)}", "", *top, self.state_line(taken=taken)]
        sections = (
            self.what_if,
            self.can_ship,
            self.blocked,
            self.must_wait,
            self.next_actions,
            self.order,
            self.deadlines,
            self.released,
            self.watching,
        )
        for section in sections:
            lines += section()
        if graph:
            lines += ["", "### Graph", "", "```mermaid", render_mermaid(evaluation).rstrip("\n"), "```"]
        lines += self.timeline(steps)
        return "\n".join(lines) + "\n"

    def state_line(self, *, taken: bool) -> str:
        """Where the state was read, and (with *taken*) when, and the moment the verdicts are for."""
        evaluation = self.evaluation
        if not taken:
            return f"State: {self.text(evaluation.source)}."
        return (
            f"State: {self.text(evaluation.source)}, taken {fmt_time(evaluation.taken_at)}; "
            f"as of {fmt_time(evaluation.as_of)}."
        )

    # -- the sections, in the dashboard's order --------------------------------------------------

    def what_if(self) -> list[str]:
        """Return the what-if assumptions the answer is under, and what they changed (they come with the answer)."""
        evaluation, text = self.evaluation, self.text
        if not evaluation.assumptions:
            return []
        lines = ["", "### What if", ""]
        lines += [f"- assuming {text(a)}" for a in evaluation.assumptions]
        lines += [
            f"- {text(c.kind)} **{text(c.id)}**: {text(c.before)} → **{text(c.after)}**" for c in evaluation.changed
        ]
        if not evaluation.changed:
            lines.append("- no release or hold changes")
        return lines

    def wants(self, verdict: ReleaseVerdict) -> str:
        """``**chart** `>=0.7.0-beta.1` (pre) of [owner/name](...)``: the release, what it wants, where."""
        requirement = verdict.release.requirement
        return (
            f"**{self.text(verdict.id)}** {_code(str(requirement))} ({requirement.accept}) "
            f"of {self.repo(verdict.repo.slug)}"
        )

    def can_ship(self) -> list[str]:
        """Each release that can be cut now, and the next step to cut it."""
        ready = [v for v in self.evaluation.releases if v.status is ReleaseStatus.UNBLOCKED]
        if not ready:
            return []
        helping = {action.text: action.unblocks for action in self.evaluation.actions}
        lines = ["", "### Can ship now", ""]
        for verdict in sorted(ready, key=_proposed_last):
            proposed = " (proposed)" if _proposed_last(verdict) else ""
            step = f"release {verdict.id} {verdict.release.requirement}"  # the next action that cuts it
            helps = helping.get(step, ())
            step = self.text(step)
            also = f"; it helps {', '.join(self.text(r) for r in helps)}" if helps else ""
            draft = self.link("draft the release", links.new_release_url(verdict.repo.slug, self.server))
            lines.append(f"- {self.wants(verdict)}{proposed}: every precondition met. Next: {step} ({draft}){also}")
        return lines

    def blocked(self) -> list[str]:
        """Return each release not out that cannot be cut now: its root causes first, then what they hold up."""
        stuck = [
            v
            for v in self.evaluation.releases
            if v.released is None and v.status in (ReleaseStatus.BLOCKED, ReleaseStatus.TAGGED, ReleaseStatus.UNKNOWN)
        ]
        if not stuck:
            return []
        lines = ["", "### Blocked", ""]
        for verdict in sorted(stuck, key=_proposed_last):
            seen = [
                self.evidence(verdict.repo, Evidence(c.version, c.tag, c.date, source=c.source))
                for c in verdict.candidates
                if c.accepted
            ]
            also = f"; seen as {', '.join(seen)}" if seen else ""
            lines.append(
                f"- {self.wants(verdict)} is **{status_text(verdict)}**: {self.text(release_detail(verdict))}{also}"
            )
            roots = list(dict.fromkeys(root for reason in verdict.blockers for root in reason.roots()))
            lines += [f"  - root cause: {self.text(reason_text(root))}{self.image_page(root)}" for root in roots]
            lines += [f"  - through: {self.text(reason_text(step))}" for step in _through(verdict.blockers)]
        return lines

    def image_page(self, reason: Reason) -> str:
        """Return `` (image tag page)``, linked, for a reason about a container image with a known page, else ""."""
        images = (image for release in self.evaluation.plan.releases for image in release.images)
        url = links.condition_image_url(reason.condition, images)
        return "" if url is None else f" ({self.link('image tag page', url)})"

    def must_wait(self) -> list[str]:
        """Each hold: what it waits for, its owner and reason, and its PRs; violations marked."""
        if not self.evaluation.holds:
            return []
        lines = ["", "### Must wait", ""]
        for hold in self.evaluation.holds:
            lines += self.hold(hold)
        return lines

    def hold(self, verdict: HoldVerdict) -> list[str]:
        """One hold and its PRs."""
        text, hold = self.text, verdict.hold
        until = [self.evaluation.release(r) for r in hold.until]
        waits = "waited for" if all(v.released is not None for v in until) else "waits for"
        releases = ", ".join(f"{text(v.id)} {_code(str(v.release.requirement))} ({v.status})" for v in until)
        mark = "⚠️ " if verdict.status is HoldStatus.VIOLATED else ""
        owner = f"; owner: {self.owner(hold.owner)}" if hold.owner else ""
        why = f"; why: {text(hold.reason)}" if hold.reason else ""
        lines = [f"- {mark}**{text(hold.id)}** is **{verdict.status}**: {waits} {releases}{owner}{why}"]
        lines += [f"  - unknown: {text(unsure)}" for unsure in verdict.unknown_parts]
        for pr in verdict.prs:
            mark = "⚠️ " if pr.status is HoldStatus.VIOLATED else ""
            found = "" if pr.found_by is FoundBy.PLAN else f" (found by {pr.found_by})"
            lines.append(f"  - {mark}{text(str(pr.ref))}: **{pr.status}**, {text(pr.detail)}{found}")
        if not verdict.prs:
            lines.append("  - no PRs: nothing to hold")
        return lines

    def next_actions(self) -> list[str]:
        """Return the next actions, ranked as ``release-gate next`` ranks them."""
        ranked = ranked_actions(self.evaluation)
        if not ranked:
            return []
        lines = ["", "### Next actions", ""]
        for index, action in enumerate(ranked, start=1):
            helps = action.unblocks
            suffix = f" (helps {len(helps)}: {', '.join(self.text(r) for r in helps)})" if helps else ""
            lines.append(f"{index}. {self.text(action.text)}{suffix}")
        return lines

    def order(self) -> list[str]:
        """Return the waves: the releases still to ship, each wave waiting only on earlier ones."""
        evaluation = self.evaluation
        if not evaluation.waves:
            return []
        lines = ["", "### Order", ""]
        lines.extend(
            f"{index}. " + ", ".join(f"{self.text(r)} ({evaluation.release(r).status})" for r in wave)
            for index, wave in enumerate(evaluation.waves, start=1)
        )
        return lines

    def deadlines(self) -> list[str]:
        """Each deadline, the days left, and how each release due by it stands."""
        due: dict[str, list[ReleaseVerdict]] = {}
        for verdict in self.evaluation.releases:
            if verdict.deadline is not None:
                due.setdefault(verdict.deadline.deadline.id, []).append(verdict)
        if not due:
            return []
        lines = ["", "### Deadlines", ""]
        for verdicts in due.values():
            deadline = verdicts[0].deadline
            assert deadline is not None
            note = f" — {self.text(deadline.deadline.note)}" if deadline.deadline.note else ""
            each = ", ".join(f"{self.text(v.id)} {_deadline_status(v)}" for v in verdicts)
            lines.append(
                f"- **{self.text(deadline.deadline.id)}** {deadline.deadline.date:%Y-%m-%d}, "
                f"{_days(deadline)}: {each}{note}"
            )
        return lines

    def released(self) -> list[str]:
        """Return what is out, each version linked to where it was seen."""
        out = [v for v in self.evaluation.releases if v.released is not None]
        if not out:
            return []
        lines = ["", "### Released", ""]
        for verdict in out:
            assert verdict.released is not None
            evidence = verdict.released
            lines.append(f"- {self.wants(verdict)}: {self.evidence(verdict.repo, evidence)}, {fmt_time(evidence.date)}")
        return lines

    def evidence(self, repo: Repo, evidence: Evidence) -> str:
        """Return the version that satisfied a release, linked to its page: tag, GitHub release, PyPI, chart."""
        version = clean(evidence.version)
        match evidence.source:
            case Source.TAGS:
                url = links.tag_url(repo.slug, evidence.tag, self.server)
                return self.link(f"tag {evidence.tag}", url)
            case Source.GITHUB_RELEASES:
                url = links.release_url(repo.slug, evidence.tag, self.server)
                return self.link(f"GitHub release {evidence.tag}", url)
            case Source.PYPI if repo.pypi:
                return self.link(f"PyPI {version}", links.pypi_url(repo.pypi_index, repo.pypi, evidence.version))
            case Source.HELM if repo.helm:
                url = links.chart_url(repo.helm.index, repo.helm.chart, evidence.version)
                return self.link(f"chart {repo.helm.chart} {version}", url)
            case Source.NPM if repo.npm:
                return self.link(f"npm {version}", links.npm_url(repo.npm_registry, repo.npm, evidence.version))
            case Source.CONDA if repo.conda:
                url = links.conda_url(repo.conda.api, repo.conda.place, evidence.version)
                return self.link(f"{repo.conda.channel} {version}", url)
            case _:
                return self.text(f"{SOURCE_LABEL[evidence.source]} {version}")

    def watching(self) -> list[str]:
        """Return the followed-up items and how they stand."""
        if not self.evaluation.watch:
            return []
        lines = ["", "### Watching", ""]
        for watched in self.evaluation.watch:
            note = f" — {self.text(watched.watch.note)}" if watched.watch.note else ""
            lines.append(f"- {self.text(str(watched.watch.ref))}: {self.text(watched.state)}{note}")
        return lines

    def timeline(self, steps: Sequence[Change]) -> list[str]:
        """Return the timeline: when each release's and hold's status changed (at its start: how each stood)."""
        if not steps:
            return []
        moments: dict[str, list[Change]] = {}
        for change in steps:
            moments.setdefault(fmt_time(change.when), []).append(change)
        lines = ["", "### Timeline", ""]
        for when, changes in moments.items():
            each = "; ".join(f"{change.kind} {self.text(change.id)} {self.change(change)}" for change in changes)
            lines.append(f"- {when}: {each}")
        return lines

    def change(self, change: Change) -> str:
        """Return ``blocked → **released**`` (at a timeline's start, only how it stood)."""
        if not change.before:
            return self.text(change.after)
        return f"{self.text(change.before)} → **{self.text(change.after)}**"


def _proposed_last(verdict: ReleaseVerdict) -> bool:
    """Sort key: planned releases before proposed ones, each in plan order."""
    return verdict.release.intent is Intent.PROPOSED


def _code(text: str) -> str:
    """Return a code span of *text* (a requirement from the plan), cleaned; a backtick in it cannot end it."""
    return "`" + clean(text).replace("`", "'") + "`"


def _through(blockers: Sequence[Reason]) -> list[Reason]:
    """Return the conditions that hold a release up because of others (they have causes), each once, in chain order."""
    found: list[Reason] = []

    def walk(reason: Reason) -> None:
        if reason.causes and reason not in found:
            found.append(reason)
            for cause in reason.causes:
                walk(cause)

    for reason in blockers:
        walk(reason)
    return found


def _days(deadline: DeadlineVerdict) -> str:
    """``14 days left``, ``today``, ``3 days ago``."""
    days = deadline.days_left
    if days == 0:
        return "today"
    if days > 0:
        return f"{days} day{'s' if days != 1 else ''} left"
    return f"{-days} day{'s' if days != -1 else ''} ago"


def _deadline_status(verdict: ReleaseVerdict) -> str:
    """``(blocked, on track)``: how a release due by a deadline stands, and against it."""
    assert verdict.deadline is not None
    return f"({status_text(verdict)}, {verdict.deadline.status})"
