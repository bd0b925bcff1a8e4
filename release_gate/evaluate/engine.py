"""The evaluation engine: the plan's graph plus the state, as verdicts with their reasons.

`evaluate` is pure: it reads a `ReleaseGraph` and a
`State` and returns an `Evaluation`; it does no I/O.
Every release is released, unblocked, blocked or unknown; every hold is held, free,
violated or unknown. Unknown is never counted as met: the answer fails closed.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import NamedTuple

from release_gate.evaluate.pins import (
    Ecosystem,
    Pin,
    PinFileError,
    chart_elsewhere,
    pinned_name,
    pinned_version,
    published_keys,
    read_entry,
    recipe_package,
)
from release_gate.evaluate.verdicts import (
    Candidate,
    DeadlineStatus,
    DeadlineVerdict,
    Deferred,
    Evaluation,
    Evidence,
    FoundBy,
    HeldPr,
    HoldStatus,
    HoldVerdict,
    NextAction,
    Outcome,
    Reason,
    ReleaseStatus,
    ReleaseVerdict,
    WatchVerdict,
)
from release_gate.graph import NodeKind, ReleaseGraph, hold_node, item_node, release_node, repo_node
from release_gate.plan.format import pin_path
from release_gate.plan.images import ImageRef
from release_gate.plan.model import Hold, Intent, ItemRef, Release, Repo, Source, Watch
from release_gate.state import (
    Issue,
    IssueState,
    PrState,
    Published,
    PullRequest,
    State,
    Unknown,
    is_part_of,
    values_image,
)
from release_gate.times import show_time
from release_gate.versions import Accept, ParsedVersion, Scheme, VersionRequirement, parse_version

__all__ = ["evaluate"]


@functools.lru_cache(maxsize=4096)
def _fmt(when: dt.datetime | None) -> str:
    """Show *when* (made once for the PRs merged, the tags made, at the same moment)."""
    return "at an unrecorded time" if when is None else show_time(when)


class _Evaluator:
    def __init__(self, graph: ReleaseGraph, state: State, as_of: dt.datetime) -> None:
        self.graph = graph
        self.plan = graph.plan
        self.state = state
        self.as_of = as_of
        self.moment = _Moment(state, as_of)
        self.verdicts: dict[str, ReleaseVerdict] = {}
        self.as_read = as_of >= state.taken_at
        """Asked at the moment the state was taken: every item is what was read."""
        self.unsure_families: dict[tuple[str, int], Unknown] = {}
        """Families whose parts may not all be known (a search that failed or fell short)."""
        self.family_members = self._families()

    # -- state at the evaluation time ---------------------------------------------------

    def item(self, ref: ItemRef, key: tuple[str, int] | None = None) -> PullRequest | Issue | Unknown | None:
        """Return *ref* (whose `ItemRef.key` is *key*, when the caller has it) as it stood at the evaluation time."""
        item = self.state.items.get(ref.key if key is None else key) or self.state.item(ref)  # absent: why
        if self.as_read or isinstance(item, Unknown):
            return item  # asked at the moment the state was taken: it is what was read
        return item.at(self.as_of)

    def _families(self) -> dict[tuple[str, int], tuple[tuple[ItemRef, FoundBy], ...]]:
        members: dict[tuple[str, int], tuple[tuple[ItemRef, FoundBy], ...]] = {}
        for family in self.plan.families:
            found: dict[tuple[str, int], tuple[ItemRef, FoundBy]] = {p.key: (p, FoundBy.FAMILY) for p in family.parts}
            if family.discover:
                for pr in self.state.pull_requests(family.parent.slug):
                    if is_part_of(family.parent.number, pr.title) and pr.ref.key not in found:
                        found[pr.ref.key] = (pr.ref, FoundBy.TITLE)
                searched = self.state.families.get(family.parent.key, ())
                if isinstance(searched, Unknown):
                    self.unsure_families[family.parent.key] = searched
                    searched = ()
                for part in searched:
                    found.setdefault(part.key, (part, FoundBy.SEARCH))
                found = {key: (ref, how) for key, (ref, how) in found.items() if self._opened(ref, how)}
            members[family.parent.key] = tuple(sorted(found.values()))
        return members

    def _opened(self, ref: ItemRef, how: FoundBy) -> bool:
        """Parts found in the state count only once they were opened (listed parts always count)."""
        return how is FoundBy.FAMILY or self.item(ref) is not None

    # -- releases -----------------------------------------------------------------------

    def release(self, release: Release) -> ReleaseVerdict:
        repo = self.plan.packaging(release)  # its own tags, names and sources; the repo's slug
        reasons: tuple[Reason, ...] = (
            *(self.after(upstream) for upstream in release.after),
            *(r for ref in release.needs_prs for r in self.needs_pr(ref)),
            *(self.needs_issue(ref) for ref in release.needs_issues),
            *self.pins(release, repo),
        )
        deciding = release.decided_by or repo.sources[0]
        looks = {source: self.moment.look(release, repo, source) for source in repo.sources}
        decided = looks[deciding]
        not_out = None if decided.evidence is not None else _not_out(release, repo, deciding, looks)
        if (release.images or release.values_images) and decided.evidence is not None:  # once each image is pushed
            decided, not_out = self.moment.with_images(release, repo, decided, _SOURCE_WORDS[deciding])
        if decided.evidence is not None:
            status = ReleaseStatus.RELEASED
        elif not_out is not None:
            status, reasons = not_out[0], (not_out[1], *reasons)
        else:
            status = _status_of({r.outcome for r in reasons})
        return ReleaseVerdict(
            release=release,
            repo=repo,
            status=status,
            reasons=reasons,
            released=decided.evidence,
            deferred_candidates=Deferred(partial(self.moment.candidates, release, repo)),
            skipped_tags=tuple(t for look in looks.values() for t in look.skipped),
            deadline=self.deadline(release, status, decided.evidence),
        )

    def pins(self, release: Release, repo: Repo) -> tuple[Reason, ...]:
        """Check what *release*'s pin files pin against the plan's upstream releases."""
        if not release.pins:
            return ()
        state = self.state.repo(repo.slug)
        node = repo_node(repo.slug)
        if isinstance(state, Unknown):
            return (Reason(node, f"pins in {', '.join(release.pins)}", Outcome.UNKNOWN, state.reason),)
        pins: dict[tuple[Ecosystem, str], list[Pin]] = {}
        for entry in release.pins:
            path = pin_path(entry)
            # The file as it was at the moment asked for, never as it is today.
            version = state.file(path, self.as_of)
            if isinstance(version, Unknown):
                detail = f"not known as of {_fmt(self.as_of)}: {version.reason}"
                action = f"read {path}'s history back to {self.as_of:%Y-%m-%d} (snapshot --since)"
                return (Reason(node, f"pins in {path}", Outcome.UNKNOWN, detail, action=action),)
            if version.text is None:
                when = "" if self.as_read else f" as of {_fmt(self.as_of)}"
                return (
                    Reason(
                        node,
                        f"pins in {path}",
                        Outcome.UNKNOWN,
                        f"{path} is not on the default branch of {repo.slug}{when}",
                        action=f"fix releases.{release.id}.pins, or add {path}",
                    ),
                )
            try:
                found = read_entry(version.text, entry, self.plan)
            except ValueError as exc:
                return (Reason(node, f"pins in {path}", Outcome.UNKNOWN, str(exc), action=f"fix {path}"),)
            for pin in found:
                pins.setdefault(pin.key, []).append(pin)
        # Once per pinned package, however many `after` releases publish it (a monorepo's may share one).
        by_package: dict[tuple[Ecosystem, str], list[ReleaseVerdict]] = {}
        for upstream_id in release.after:
            upstream = self.verdicts[upstream_id]
            for key in dict.fromkeys(published_keys(self.plan, upstream.release)):
                if key in pins:
                    by_package.setdefault(key, []).append(upstream)
        return tuple(self.pinned(upstreams, pins[key]) for key, upstreams in by_package.items())

    def pinned(self, upstreams: list[ReleaseVerdict], pins: list[Pin]) -> Reason:
        """Check one pinned package against every `after` release that publishes it: one reason, met when all are.

        The package may be pinned in several files (a requirements file and Chart.yaml's
        appVersion): each pin must be met.
        """
        paths = " and ".join(dict.fromkeys(pin.path for pin in pins))
        reasons = [self.pin(upstream, pin, paths) for pin in pins for upstream in upstreams]
        owners = [upstream for _ in pins for upstream in upstreams]
        if len(reasons) == 1:
            return reasons[0]
        condition = f"pins {' and '.join(f'{u.id} {u.release.requirement}' for u in upstreams)} ({paths})"
        unmet = [(u, r) for u, r in zip(owners, reasons, strict=True) if r.outcome is not Outcome.MET]
        if not unmet:
            return replace(reasons[0], condition=condition)
        worst = next((r for _, r in unmet if r.outcome is Outcome.UNKNOWN), unmet[0][1])
        if len(upstreams) == 1:
            detail = "; ".join(dict.fromkeys(r.detail for _, r in unmet))
        else:
            detail = "; ".join(dict.fromkeys(f"for {u.id}: {r.detail}" for u, r in unmet))
        return replace(worst, condition=condition, detail=detail)

    def pin(self, upstream: ReleaseVerdict, pin: Pin, paths: str = "") -> Reason:
        """Check one pin of an upstream's package: an exact, released version that satisfies the plan."""
        name, requirement = pinned_name(upstream.repo, upstream.id, pin), upstream.release.requirement
        condition = f"pins {upstream.id} {requirement} ({paths or pin.path})"
        node = release_node(upstream.id)
        fix = f"pin a released {name} {requirement} in {pin.path}"
        chain = upstream.blockers if upstream.status is not ReleaseStatus.RELEASED else ()
        if pin.unknown:
            detail = f"pins {name} in {pin.path} line {pin.line}, but {pin.unknown}"
            return Reason(node, condition, Outcome.UNKNOWN, detail, chain, f"fix {pin.path}")
        if pin.url:
            where = f"from git {pin.ref}" if pin.ref else f"from {pin.url}"
            detail = f"pins {name} {where}; the plan needs {requirement} released"
            return Reason(node, condition, Outcome.UNMET, detail, chain, "" if chain else fix)
        elsewhere = chart_elsewhere(upstream.repo, pin)
        if elsewhere:
            return Reason(node, condition, Outcome.UNMET, elsewhere, chain, "" if chain else fix)
        exact = pinned_version(self.plan, upstream.release, pin)
        if exact is None:
            detail = f"pins {pin.shown(name)}, not one exact version; the plan needs {requirement} released"
            return Reason(node, condition, Outcome.UNMET, detail, chain, "" if chain else fix)
        shown = pin.shown(name) if pin.ecosystem is not Ecosystem.PYPI else f"{name}=={exact}"
        version = parse_version(upstream.repo.scheme, exact)
        why = requirement.check(version) if version is not None else f"{exact} is not a version"
        if why is not None:
            detail = f"pins {shown}; the plan needs {requirement}"
            return Reason(node, condition, Outcome.UNMET, detail, chain, "" if chain else fix)
        deciding = upstream.release.decided_by or upstream.repo.sources[0]
        published = [
            c
            for c in upstream.candidates
            if c.source is deciding and c.accepted and version == parse_version(upstream.repo.scheme, c.version)
        ]
        if not published:
            detail = f"pins {shown}, not released yet ({_SOURCE_WORDS[deciding]})"
            action = "" if chain else f"release {upstream.id} {exact}"
            return Reason(node, condition, Outcome.UNMET, detail, chain, action)
        return Reason(node, condition, Outcome.MET, f"pins {shown}, released {_fmt(published[0].date)}")

    def after(self, upstream_id: str) -> Reason:
        upstream = self.verdicts[upstream_id]
        condition = f"after {upstream_id} {upstream.release.requirement}"
        node = release_node(upstream_id)
        match upstream.status:
            case ReleaseStatus.RELEASED:
                assert upstream.released is not None
                detail = f"released {upstream.released.version} ({_fmt(upstream.released.date)})"
                return Reason(node, condition, Outcome.MET, detail)
            case ReleaseStatus.UNBLOCKED:
                return Reason(
                    node,
                    condition,
                    Outcome.UNMET,
                    "not released; it can be cut now",
                    action=f"release {upstream_id} {upstream.release.requirement}",
                )
            case ReleaseStatus.BLOCKED:
                return Reason(node, condition, Outcome.UNMET, "not released (blocked)", upstream.blockers)
            case ReleaseStatus.TAGGED:
                return Reason(node, condition, Outcome.UNMET, "tagged, not published yet", upstream.blockers)
            case ReleaseStatus.UNKNOWN:
                return Reason(node, condition, Outcome.UNKNOWN, "not known whether it is out", upstream.blockers)

    def needs_pr(self, ref: ItemRef) -> tuple[Reason, ...]:
        members = self.family_members.get(ref.key)
        if members is None:
            return (self.pr_merged(ref, f"needs {self.plan.short(ref)} merged"),)
        reasons = [self.family_parent_done(ref)]
        reasons.extend(
            self.pr_merged(part, f"needs {self.plan.short(part)} merged (part of {self.plan.short(ref)})")
            for part, _ in members
        )
        unsure = self.unsure_families.get(ref.key)
        if unsure is not None:  # a part the search missed may still be open
            label = self.plan.short(ref)
            reasons.append(
                Reason(
                    item_node(NodeKind.PR, ref),
                    f"needs every part of {label} merged",
                    Outcome.UNKNOWN,
                    f"parts may be missing: {unsure.reason}",
                    action=f"find the parts of {label} (list them in the plan's families)",
                )
            )
        return tuple(reasons)

    def pr_merged(self, ref: ItemRef, condition: str) -> Reason:
        node = item_node(NodeKind.PR, ref)
        item = self.item(ref)
        if isinstance(item, PullRequest) and item.state is PrState.MERGED:  # most needed PRs, in a large plan
            return Reason(node, condition, Outcome.MET, f"merged {_fmt(item.merged_at)}")
        label = self.plan.short(ref)
        if isinstance(item, Unknown):
            return Reason(node, condition, Outcome.UNKNOWN, item.reason, action=f"find out the state of {label}")
        if item is None:
            return Reason(node, condition, Outcome.UNMET, "not opened yet", action=f"open {label}")
        if isinstance(item, Issue):
            return Reason(
                node,
                condition,
                Outcome.UNKNOWN,
                "is an issue, not a pull request",
                action=f"move {label} from needs.prs to needs.issues in the plan",
            )
        match item.state:
            case PrState.OPEN:
                detail = "open, draft" if item.draft else "open"
                return Reason(node, condition, Outcome.UNMET, detail, action=f"merge {label}")
            case PrState.CLOSED:
                return Reason(
                    node,
                    condition,
                    Outcome.UNMET,
                    "closed without merge",
                    action=f"reopen {label}, or remove it from the plan's needs",
                )
            case PrState.MERGED:  # answered above
                raise AssertionError(item.state)

    def family_parent_done(self, ref: ItemRef) -> Reason:
        node = item_node(NodeKind.PR, ref)
        label = self.plan.short(ref)
        condition = f"needs every part of {label} merged"
        item = self.item(ref)
        if isinstance(item, Unknown):
            return Reason(node, condition, Outcome.UNKNOWN, item.reason, action=f"find out the state of {label}")
        if item is None or isinstance(item, Issue):
            return Reason(node, condition, Outcome.MET, "no parent PR open")
        if item.state is PrState.OPEN:
            return Reason(
                node,
                condition,
                Outcome.UNMET,
                "the split PR is still open: parts may still come",
                action=f"open the remaining parts of {label}, then close it",
            )
        return Reason(node, condition, Outcome.MET, f"{item.state} {_fmt(item.merged_at or item.closed_at)}")

    def needs_issue(self, ref: ItemRef) -> Reason:
        node = item_node(NodeKind.ISSUE, ref)
        label = self.plan.short(ref)
        condition = f"needs {label} closed"
        item = self.item(ref)
        if isinstance(item, Unknown):
            return Reason(node, condition, Outcome.UNKNOWN, item.reason, action=f"find out the state of {label}")
        if item is None:
            return Reason(node, condition, Outcome.MET, "not opened yet")
        closed = item.state is not PrState.OPEN if isinstance(item, PullRequest) else item.state is IssueState.CLOSED
        if closed:
            return Reason(node, condition, Outcome.MET, f"closed {_fmt(item.closed_at)}")
        return Reason(node, condition, Outcome.UNMET, "open", action=f"close {label}")

    def deadline(self, release: Release, status: ReleaseStatus, released: Evidence | None) -> DeadlineVerdict | None:
        deadline = release.deadline
        if deadline is None:
            return None
        days_left = (deadline.date - self.as_of.date()).days
        if released is not None:
            if released.date is None:  # out by now, since when unknown: met only if now is not past the deadline
                return DeadlineVerdict(
                    deadline, DeadlineStatus.MET if days_left >= 0 else DeadlineStatus.UNKNOWN, days_left
                )
            late = released.date.date() > deadline.date
            return DeadlineVerdict(deadline, DeadlineStatus.LATE if late else DeadlineStatus.MET, days_left)
        if days_left < 0:
            return DeadlineVerdict(deadline, DeadlineStatus.MISSED, days_left)
        if status in (ReleaseStatus.BLOCKED, ReleaseStatus.UNKNOWN) and days_left <= deadline.warn_days:
            return DeadlineVerdict(deadline, DeadlineStatus.AT_RISK, days_left)
        return DeadlineVerdict(deadline, DeadlineStatus.ON_TRACK, days_left)

    # -- holds ----------------------------------------------------------------------------

    def members(self, hold: Hold) -> dict[tuple[str, int], tuple[ItemRef, FoundBy]]:
        """Return the PRs *hold* covers, by key: those it names and the parts of their families, not the exempt."""
        families = self.family_members
        if not families and not hold.exempt:  # a large plan's usual hold
            return {ref.key: (ref, _FOUND_IN_PLAN) for ref in hold.prs}
        members: dict[tuple[str, int], tuple[ItemRef, FoundBy]] = {}
        for ref in hold.prs:
            key = ref.key
            members.setdefault(key, (ref, _FOUND_IN_PLAN))
            for part, how in families.get(key, ()):
                members.setdefault(part.key, (part, how))
        for ref in hold.exempt:
            members.pop(ref.key, None)
        return members

    def hold(self, hold: Hold) -> HoldVerdict:
        members = self.members(hold)
        until = [self.verdicts[r] for r in hold.until]
        waiting = tuple(v.id for v in until if v.status is not ReleaseStatus.RELEASED)
        waits = ", ".join(f"{v.id} {v.release.requirement}" for v in until if v.status is not ReleaseStatus.RELEASED)
        releases = _Until(tuple(until), tuple(v.id for v in until if v.status is ReleaseStatus.UNKNOWN), waits)
        # The status of each PR, read now; the PRs' lines (labels, details) when a report asks.
        statuses = {_held_status(self.item(ref, key), releases) for key, (ref, _) in members.items()}
        # Parts of a family that a search could not list are held too, if the hold still holds:
        # unknown members make the hold unknown, never free.
        unsure = tuple(
            f"parts of {self.plan.short(ref)} may be missing: {self.unsure_families[ref.key].reason}"
            for ref in (hold.prs if self.unsure_families else ())
            if ref.key in self.unsure_families
        )
        if unsure and (waiting or releases.unknown):
            statuses.add(HoldStatus.UNKNOWN)
        for status in (HoldStatus.VIOLATED, HoldStatus.UNKNOWN, HoldStatus.HELD):
            if status in statuses:
                break
        else:
            status = HoldStatus.FREE
        prs = Deferred(partial(self.held_prs, hold, releases))  # its members again then: nothing kept till then
        return HoldVerdict(hold, status, prs, waiting, unsure if status is not HoldStatus.FREE else ())

    def held_prs(self, hold: Hold, releases: _Until) -> tuple[HeldPr, ...]:
        """Judge the PRs of a hold against the releases they wait for (in the order of their keys)."""
        return tuple(self.held_pr(ref, how, releases) for _, (ref, how) in sorted(self.members(hold).items()))

    def held_pr(self, ref: ItemRef, found_by: FoundBy, releases: _Until) -> HeldPr:
        """Judge one PR of a hold against the releases it waits for."""
        item = self.item(ref)
        title = "" if item is None or isinstance(item, Unknown) else item.title
        detail = self.held_detail(ref, item, releases)
        return HeldPr(ref, self.plan.short(ref), _held_status(item, releases), detail, found_by, title)

    def held_detail(self, ref: ItemRef, item: PullRequest | Issue | Unknown | None, releases: _Until) -> str:
        """Say why a held PR has the status `_held_status` gives it."""
        if isinstance(item, Unknown):
            return item.reason
        if isinstance(item, Issue):
            return "is an issue, not a pull request; fix the hold"
        if item is not None and item.state is PrState.MERGED:
            return _merged_detail(item.merged_at, *_merge_checks(item.merged_at, releases))
        if releases.unknown:
            return f"whether {', '.join(releases.unknown)} is out is unknown"
        state = "not opened yet" if item is None else ("closed" if item.state is PrState.CLOSED else "open")
        if self.family_members and ref.key in self.family_members:
            state += ", split into parts: the parts still to come wait too"
        shared = releases.details.get(state)
        if shared is None:  # one text per state, shared by the hold's PRs
            shared = (
                f"{state}; waits for {releases.waits}"
                if releases.waits
                else f"{state}; every release it waited for is out"
            )
            releases.details[state] = shared
        return shared

    # -- everything -------------------------------------------------------------------------

    def run(self) -> Evaluation:
        order = self.graph.release_waves()
        for wave in order:
            for release_id in wave:
                self.verdicts[release_id] = self.release(self.plan.release(release_id))
        pending = [r.id for r in self.plan.releases if self.verdicts[r.id].status is not ReleaseStatus.RELEASED]
        waves = self.graph.release_waves(pending)
        wave_of = {rid: index for index, wave in enumerate(waves, start=1) for rid in wave}
        releases = tuple(_with_wave(self.verdicts[r.id], wave_of.get(r.id, 0)) for r in self.plan.releases)
        holds = tuple(self.hold(h) for h in self.plan.holds)
        watch = tuple(self.watch(w) for w in self.plan.watch)
        graph = self.graph.with_parts(
            {f.parent: [part for part, _ in self.family_members[f.parent.key]] for f in self.plan.families}
        )
        return Evaluation(
            plan=self.plan,
            as_of=self.as_of,
            taken_at=self.state.taken_at,
            source=self.state.source,
            releases=releases,
            holds=holds,
            watch=watch,
            waves=waves,
            actions=_actions(releases, self.graph),
            graph=graph,
            deferred_node_status=Deferred(partial(self.node_status, releases, holds, graph)),
            stats=self.state.stats,
        )

    def watch(self, watch: Watch) -> WatchVerdict:
        label = self.plan.short(watch.ref)
        item = self.item(watch.ref)
        if isinstance(item, Unknown):
            return WatchVerdict(watch, label, f"unknown: {item.reason}")
        if item is None:
            return WatchVerdict(watch, label, "not opened yet")
        kind = "PR" if isinstance(item, PullRequest) else "issue"
        return WatchVerdict(watch, label, f"{kind} {item.state}", item.title)

    def node_status(
        self, releases: Iterable[ReleaseVerdict], holds: Iterable[HoldVerdict], graph: ReleaseGraph
    ) -> Mapping[str, str]:
        """Return a status word for each release, hold, PR and issue node (for drawing the graph)."""
        status: dict[str, str] = {release_node(r.id): r.status.value for r in releases}
        held: dict[str, HoldStatus] = {}
        for hold in holds:
            status[hold_node(hold.id)] = hold.status.value
            for pr in hold.prs:
                pr_node = item_node(NodeKind.PR, pr.ref)
                if pr_node not in held or _HOLD_RANK.index(pr.status) > _HOLD_RANK.index(held[pr_node]):
                    held[pr_node] = pr.status
        for node_id, ref in graph.item_nodes():
            worst = held.get(node_id)
            if worst is not None and worst is not HoldStatus.FREE:
                status[node_id] = worst.value
                continue
            item = self.item(ref)
            status[node_id] = (
                "unknown" if isinstance(item, Unknown) else "not opened" if item is None else item.state.value
            )
        return status


_UNDATED = "its date is not recorded, so it may not have existed yet"
_NOT_ASKED = "not asked yet"  # no check answers this very string (identity tells it)


@dataclass(frozen=True, slots=True)
class _Moment:
    """The state as of the evaluation time: what each source offers a release then.

    Kept by each release verdict, which makes its candidates from it when they are asked for.
    """

    state: State
    as_of: dt.datetime
    checked: dict[int, tuple[VersionRequirement, dict[str, str | None]]] = field(default_factory=dict, compare=False)
    """What each requirement said of each version text so far (by the requirement's id; it is kept,
    so that the id stays its own): releases that share a requirement ask it of the same tags."""

    def answers(self, requirement: VersionRequirement) -> dict[str, str | None]:
        """Return what *requirement* said so far, by version text: `VersionRequirement.check`'s answers."""
        known = self.checked.get(id(requirement))
        if known is None:
            known = self.checked[id(requirement)] = (requirement, {})
        return known[1]

    def offers(self, release: Release, repo: Repo, source: Source) -> Iterable[_Offer] | Unknown:
        """Return what *source* shows for *repo*: each offered name, version text, date, rejection, sha."""
        accept_pre = release.requirement.accept is not Accept.FINAL
        if source in (Source.TAGS, Source.GITHUB_RELEASES):
            state = self.state.repo(repo.slug)
            if isinstance(state, Unknown):
                return state
            if source is Source.TAGS:
                # One for every tag of every release: made without _Offer's own __new__ (a Python function).
                version_from_tag = repo.version_from_tag
                return (_new(_Offer, (t.name, version_from_tag(t.name), t.date, None, t.sha)) for t in state.tags)
            return [
                _Offer(
                    r.tag,
                    repo.version_from_tag(r.tag),
                    r.published_at,
                    "a draft"
                    if r.draft
                    else "marked pre-release on GitHub"
                    if r.prerelease and not accept_pre
                    else None,
                    "",
                )
                for r in state.releases
            ]
        if source is Source.RECIPE:
            return self.recipe(repo)
        place = repo.place(source)
        assert place is not None  # the plan reader checks that each source has its place
        registry = self.state.registry(source, place[0])
        if isinstance(registry, Unknown):
            return registry
        if source is Source.CONDA and repo.conda is not None:
            platforms = repo.conda.platforms
            return [_Offer(p.version, p.version, *_on_conda(p, platforms, place[0]), "") for p in registry.versions]
        return [
            _Offer(
                p.version,
                p.version,
                p.date,
                _rejected(p),
                "",
            )
            for p in registry.versions
        ]

    def recipe(self, repo: Repo) -> list[_Offer] | Unknown:
        """Return the version the feedstock's recipe had at the evaluation time, dated by the commit that made it.

        The first recipe path that exists then counts (``recipe.yaml`` before ``meta.yaml``); one
        that cannot be read before it makes the answer unknown, as does a version that is not plain.
        """
        assert repo.conda is not None  # the plan reader checks that the recipe source has its package
        feedstock, paths = repo.conda.feedstock, repo.conda.recipe
        state = self.state.repo(feedstock)
        if isinstance(state, Unknown):
            return Unknown(
                f"the feedstock {feedstock} could not be read ({state.reason}); check published.conda.feedstock"
            )
        read = [(path, state.file(path, self.as_of)) for path in paths]
        if all(isinstance(version, Unknown) for _, version in read):
            why = read[0][1].reason if isinstance(read[0][1], Unknown) else ""
            return Unknown(
                f"the recipe of the feedstock {feedstock} could not be read ({why}); check published.conda.feedstock"
            )
        for path, version in read:
            if isinstance(version, Unknown):
                return Unknown(f"{path} of {feedstock} could not be read: {version.reason}")
            if version.text is not None:
                return _recipe_offer(feedstock, path, version.text, version.since, version.commit)
        when = "" if self.as_of >= self.state.taken_at else f" as of {_fmt(self.as_of)}"
        return Unknown(
            f"the feedstock {feedstock} has no recipe at {' or '.join(paths)}{when}; check published.conda.recipe"
        )

    def judged(
        self, release: Release, repo: Repo, source: Source, offers: Iterable[_Offer]
    ) -> Iterator[tuple[_Offer, ParsedVersion | None, dt.datetime, str | None]]:
        """Yield ``(offer, version, when, why not)`` for each offer there at the evaluation time, in order.

        The version is ``None`` for a name that is no version in the repo's scheme (skipped); *why
        not* is ``None`` for a version that satisfies the requirement, `_UNDATED` for one that
        would but has no date while the evaluation time is before the state was taken.
        """
        # Old chart tags (v0.6) lack the patch number; a Helm index must hold exact SemVer.
        partial = repo.scheme is Scheme.SEMVER and source not in _EXACT
        # Read once: this loop runs for every tag of every release.
        scheme, requirement, as_of, taken_at = repo.scheme, release.requirement, self.as_of, self.state.taken_at
        answers = self.answers(requirement)
        for offer in offers:
            version = parse_version(scheme, offer.text, partial=partial) if offer.text else None
            date = offer.date
            if version is None:
                yield offer, None, date or taken_at, None
                continue
            if date is not None and date > as_of:
                continue  # not there yet at the evaluation time
            # The version is read from its text in the requirement's scheme: the text says it all.
            why = answers.get(version.text, _NOT_ASKED)
            if why is _NOT_ASKED:
                why = answers[version.text] = requirement.check(version)
            why = offer.rejected or why
            if why is None and date is None and as_of < taken_at:
                why = _UNDATED
            yield offer, version, date or taken_at, why

    def look(self, release: Release, repo: Repo, source: Source) -> _Look:
        """Read what *source* says about *release*: its evidence, and what was skipped."""
        offers = self.offers(release, repo, source)
        if isinstance(offers, Unknown):
            return _Look(None, (), offers)
        skipped: list[str] = []
        satisfying: list[tuple[dt.datetime, ParsedVersion, _Offer]] = []
        undated: list[str] = []
        for offer, version, when, why in self.judged(release, repo, source, offers):
            if version is None:
                skipped.append(offer.name if source is Source.TAGS else f"{source} {offer.name}")
            elif why is None:
                satisfying.append((when, version, offer))
            elif why is _UNDATED:
                undated.append(offer.name)
        if satisfying:
            satisfying.sort(key=lambda s: (s[0], s[1]))  # stable: the first offered of equal ones
            named = source in (Source.TAGS, Source.GITHUB_RELEASES)
            found = [
                Evidence(version.text, offer.name if named else "", offer.date, offer.sha, source)
                for _, version, offer in (satisfying if release.images or release.values_images else satisfying[:1])
            ]
            return _Look(found[0], tuple(sorted(skipped)), None, tuple(found))
        if undated:
            unknown = Unknown(f"{undated[0]} satisfies {release.requirement} but its date is not recorded")
            return _Look(None, tuple(sorted(skipped)), unknown)
        return _Look(None, tuple(sorted(skipped)), None)

    def with_images(
        self, release: Release, repo: Repo, decided: _Look, words: str
    ) -> tuple[_Look, tuple[ReleaseStatus, Reason] | None]:
        """Return *decided* with the first satisfying version whose images are all pushed; else why it is not out.

        Tagged when every satisfying version lacks an image; unknown when one might have them all
        (an image that cannot be read, or is undated at a past moment).
        """
        needed = self.values_images(release, repo, decided, words)
        if isinstance(needed, Reason):
            return replace(decided, evidence=None), (ReleaseStatus.UNKNOWN, needed)
        first: tuple[str, ImageRef, str] | None = None
        doubt: tuple[str, ImageRef, str, str] | None = None
        for evidence in decided.satisfying:
            missing: tuple[ImageRef, str] | None = None
            unsure: tuple[ImageRef, str, str] | None = None
            for image in (*release.images, *needed):
                there = self.image(image, evidence.version)
                if isinstance(there, Unknown):
                    unsure = unsure or (image, image.tag_for(evidence.version) or "", there.reason)
                elif there is not None:
                    missing = missing or (image, there)
            if missing is None and unsure is None:
                return replace(decided, evidence=evidence), None
            if missing is not None:
                first = first or (evidence.version, *missing)
            elif unsure is not None:
                doubt = doubt or (evidence.version, *unsure)
        if doubt is not None:
            version, image, tag, why = doubt
            shown = image.shown(tag) if tag else image.text
            return replace(decided, evidence=None), (
                ReleaseStatus.UNKNOWN,
                Reason(
                    repo_node(repo.slug),
                    f"image {shown} pushed",
                    Outcome.UNKNOWN,
                    f"cannot tell whether {release.id} is out: {version} is in the {words}, and image {shown}: {why}",
                    action=f"make image {shown} readable (release-gate reads public images only)",
                ),
            )
        assert first is not None  # a satisfying version was there, and none had all its images
        version, image, why = first
        shown = image.shown(image.tag_for(version) or image.tag)
        return replace(decided, evidence=None), (
            ReleaseStatus.TAGGED,
            Reason(
                repo_node(repo.slug),
                f"image {shown} pushed",
                Outcome.UNMET,
                f"{version} is in the {words}; image {shown} {why}",
                action=f"push {shown}",
            ),
        )

    def values_images(self, release: Release, repo: Repo, decided: _Look, words: str) -> tuple[ImageRef, ...] | Reason:
        """Return the images *release*'s values files name at the evaluation time; else why it is unknown."""
        needed: list[ImageRef] = []
        for entry in release.values_images:
            image = values_image(self.state, repo.slug, entry, self.as_of)
            if isinstance(image, Unknown):
                version = decided.evidence.version if decided.evidence is not None else "a version"
                return Reason(
                    repo_node(repo.slug),
                    f"image of {entry.text} pushed",
                    Outcome.UNKNOWN,
                    f"cannot tell whether {release.id} is out: {version} is in the {words}, but which image "
                    f"{entry.text} names is unknown: {image.reason}",
                    action=f"fix {entry.path} on the default branch: {entry.key} must be an image mapping with "
                    "a name (or repository) and a tag",
                )
            needed.append(image)
        return tuple(needed)

    def image(self, image: ImageRef, version: str) -> str | Unknown | None:
        """Say whether *image* was pushed at *version*'s tag by the evaluation time: ``None`` if so, else why not."""
        tag = image.tag_for(version)
        if tag is None:
            return Unknown(f"{version} makes no image tag of {image.tag!r} (a tag has no '+')")
        registry = self.state.registry(Source.OCI, image.name)
        if isinstance(registry, Unknown):
            return registry
        pushed = next((p for p in registry.versions if p.version == tag), None)
        if pushed is None:
            return Unknown(f"the tag {tag} was not checked (the images of at most 5 versions are)")
        if pushed.files == 0:
            return f"is not pushed (as of {_fmt(self.state.taken_at)})"
        if pushed.date is None:
            if self.as_of < self.state.taken_at:
                return Unknown(f"the registry does not say when it was pushed, so it is unknown at {_fmt(self.as_of)}")
            return None
        if pushed.date > self.as_of:
            return f"was not pushed yet (pushed {_fmt(pushed.date)})"
        return None

    def candidates(self, release: Release, repo: Repo) -> tuple[Candidate, ...]:
        """Return every version *release*'s sources offered, each source's oldest first, and whether it counted."""
        found: list[Candidate] = []
        satisfies = f"satisfies {release.requirement}"
        for source in repo.sources:
            offers = self.offers(release, repo, source)
            if isinstance(offers, Unknown):
                continue
            # (when, name, index, candidate): sorted by when and name; the index keeps equal ones as offered.
            candidates: list[tuple[dt.datetime, str, int, Candidate]] = []
            for offer, version, when, why in self.judged(release, repo, source, offers):
                if version is not None:
                    candidate = Candidate(offer.name, version.text, why is None, why or satisfies, source, offer.date)
                    candidates.append((when, offer.name, len(candidates), candidate))
            candidates.sort()
            found.extend(c for _, _, _, c in candidates)
        return tuple(found)


@dataclass(frozen=True, slots=True)
class _Until:
    """The releases a hold waits for, and what they say: the same for every PR of the hold."""

    verdicts: tuple[ReleaseVerdict, ...]
    unknown: tuple[str, ...]
    """Ids of those whose state is unknown."""
    waits: str
    """Those not out yet, with their requirements (``chart >=0.7.0``); empty when all are out."""
    details: dict[str, str] = field(default_factory=dict)
    """The detail of a PR that is not merged, by its state (``open``)."""


_FOUND_IN_PLAN = FoundBy.PLAN

_HOLD_RANK = (HoldStatus.FREE, HoldStatus.HELD, HoldStatus.UNKNOWN, HoldStatus.VIOLATED)
"""Hold statuses from least to most severe: a PR in several holds is drawn in its worst."""

_SOURCE_WORDS = {
    Source.TAGS: "tags",
    Source.GITHUB_RELEASES: "GitHub releases",
    Source.PYPI: "PyPI",
    Source.HELM: "Helm chart index",
    Source.NPM: "npm",
    Source.CONDA: "conda",
    Source.RECIPE: "feedstock's recipe",
    Source.OCI: "container registry",
}

_EXACT = frozenset({Source.HELM, Source.NPM, Source.CONDA})
"""Sources whose versions are exact SemVer: never read as a partial version (``v0.6`` is a git-tag habit)."""


def _recipe_offer(
    feedstock: str, path: str, text: str, since: dt.datetime | None, commit: str
) -> list[_Offer] | Unknown:
    """Return the version a feedstock's recipe file names (``meta.yaml`` plain sets, ``recipe.yaml`` context)."""
    try:
        own = recipe_package(text, path)
    except PinFileError as error:
        return Unknown(f"the recipe {path} of {feedstock} cannot be read for sure: {error}")
    version = own.exact() if own is not None else None
    if own is None or version is None:
        why = own.unknown if own is not None and own.unknown else "it names no package version"
        return Unknown(f"the version in the recipe {path} of {feedstock} cannot be read: {why}")
    return [_Offer(version, version, since, None, commit)]


def _rejected(published: Published) -> str | None:
    """Say why a published version does not count (no files, yanked, deprecated); ``None``: it counts."""
    if published.files == 0:
        return "no files"
    if published.yanked >= published.files:
        return "yanked"
    if published.deprecated:
        return f"deprecated: {published.deprecated}"
    return None


def _on_conda(published: Published, platforms: tuple[str, ...], place: str) -> tuple[dt.datetime | None, str | None]:
    """Return when a conda version counts for *platforms* (``noarch`` covers each) and why it does not, if not.

    It counts once every platform the plan names has a file under a counted label (with none
    named: once any file has); its date is the latest of those platforms' first uploads.
    """
    first = dict(published.platforms)
    if not first:
        if published.files == 0:
            return published.date, "no files"
        return published.date, f"no file under a counted label on {place.partition('/')[0]} (broken or another label)"
    if not platforms:
        return min(first.values()), None
    noarch = first.get("noarch")
    times = {p: min(t for t in (first.get(p), noarch) if t is not None) for p in platforms if p in first or noarch}
    missing = [p for p in platforms if p not in times]
    if missing:
        return published.date, f"on {', '.join(sorted(first))} only; the plan needs {', '.join(missing)}"
    return max(times.values()), None


_new = tuple.__new__


class _Offer(NamedTuple):
    """One name a source offers (a named tuple: there is one for every tag of every release)."""

    name: str
    text: str | None
    date: dt.datetime | None
    rejected: str | None
    sha: str


@dataclass(frozen=True, slots=True)
class _Look:
    evidence: Evidence | None
    skipped: tuple[str, ...]
    unknown: Unknown | None
    satisfying: tuple[Evidence, ...] = ()
    """Every satisfying version, first first (kept for a release that names images only)."""


def _not_out(
    release: Release, repo: Repo, deciding: Source, looks: dict[Source, _Look]
) -> tuple[ReleaseStatus, Reason] | None:
    """Say why a release the deciding source does not show is not simply blocked or unblocked.

    Unknown when the deciding source could not be read (or cannot date a satisfying
    version); tagged when another source has a satisfying version. ``None`` otherwise.
    """
    decided = looks[deciding]
    words = _SOURCE_WORDS[deciding]
    if decided.unknown is not None:
        return ReleaseStatus.UNKNOWN, Reason(
            repo_node(repo.slug),
            f"{words} of {repo.slug}",
            Outcome.UNKNOWN,
            f"cannot tell whether {release.id} is out: {decided.unknown.reason}",
            action=f"make the {words} of {repo.id} readable (check the state source)",
        )
    first = next((look.evidence for source, look in looks.items() if source is not deciding and look.evidence), None)
    if first is None:
        return None
    where = f"tag {first.tag}" if first.tag else _SOURCE_WORDS[first.source]
    action = f"publish {release.id} {first.version} ({words})"
    if first.source is Source.RECIPE and repo.conda is not None:  # merged into the feedstock, not built yet
        where = f"the feedstock's recipe ({repo.conda.feedstock})"
        first_line = f"{where} has {first.version} (since {_fmt(first.date)})"
        if deciding is Source.CONDA:
            detail = f"{first_line}, not yet on {repo.conda.channel}"
            action = f"wait for (or restart) the build of {repo.conda.feedstock}"
            return ReleaseStatus.TAGGED, Reason(
                repo_node(repo.slug), f"{first.version} published ({words})", Outcome.UNMET, detail, action=action
            )
    return ReleaseStatus.TAGGED, Reason(
        repo_node(repo.slug),
        f"{first.version} published ({words})",
        Outcome.UNMET,
        f"{where} has {first.version}, not yet on {words}",
        action=action,
    )


def _status_of(outcomes: set[Outcome]) -> ReleaseStatus:
    """Return the status of a release that is not out, from the outcomes of its conditions."""
    if Outcome.UNMET in outcomes:
        return ReleaseStatus.BLOCKED
    if Outcome.UNKNOWN in outcomes:
        return ReleaseStatus.UNKNOWN
    return ReleaseStatus.UNBLOCKED


def _held_status(item: PullRequest | Issue | Unknown | None, releases: _Until) -> HoldStatus:
    """Judge a held PR (as the state has it at the evaluation time) against the releases it waits for."""
    if isinstance(item, Unknown | Issue):
        return HoldStatus.UNKNOWN
    if item is not None and item.state is PrState.MERGED:
        broken, unsure = _merge_checks(item.merged_at, releases)
        return HoldStatus.VIOLATED if broken else HoldStatus.UNKNOWN if unsure else HoldStatus.FREE
    if releases.unknown:
        return HoldStatus.UNKNOWN
    return HoldStatus.HELD if releases.waits else HoldStatus.FREE


def _merge_checks(merged: dt.datetime | None, releases: _Until) -> tuple[list[ReleaseVerdict], list[str]]:
    """Return the releases a held PR that merged (at *merged*) merged before, and those not known to be out by then.

    The first make it violated: not released, or released later; the second unknown.
    """
    broken: list[ReleaseVerdict] = []
    unsure = list(releases.unknown)
    for v in releases.verdicts:
        if v.status is ReleaseStatus.UNKNOWN:
            continue
        if v.released is None:
            broken.append(v)
        elif merged is None or v.released.date is None:
            unsure.append(v.id)
        elif v.released.date > merged:
            broken.append(v)
    return broken, unsure


def _merged_detail(merged: dt.datetime | None, broken: list[ReleaseVerdict], unsure: list[str]) -> str:
    """Say why a held PR that merged is violated, unknown or free (`_merge_checks` gives *broken* and *unsure*)."""
    if broken:
        why = (
            f"{v.id} is still not released"
            if v.released is None
            else f"{v.id} {v.released.version} came out later ({_fmt(v.released.date)})"
            for v in broken
        )
        return f"merged {_fmt(merged)} but {'; '.join(why)}"
    if unsure:
        return f"merged {_fmt(merged)}; whether {', '.join(unsure)} was out by then is unknown"
    return f"merged {_fmt(merged)}, after its releases"


def _with_wave(verdict: ReleaseVerdict, wave: int) -> ReleaseVerdict:
    return verdict if verdict.wave == wave else replace(verdict, wave=wave)


_STUCK = frozenset({ReleaseStatus.BLOCKED, ReleaseStatus.TAGGED, ReleaseStatus.UNKNOWN})
"""Not out, and not to be cut now: what such a release waits on, the releases after it wait on too."""

_WAITING = frozenset({ReleaseStatus.BLOCKED, ReleaseStatus.UNKNOWN})
"""The releases a next action is for."""


@dataclass(slots=True)
class _Action:
    """A next action while they are gathered (private and mutable: one per root cause)."""

    first: int
    """The place, in the order actions are ranked by, of the first release it is for."""
    node: str
    helps: set[str]
    """Release ids it is for."""
    tied: bool = False
    """Whether another node has the same text for the same first release: the node is then read off its chain."""


def _action_order(verdict: ReleaseVerdict) -> tuple[bool, int, str]:
    return verdict.release.intent is Intent.PROPOSED, verdict.wave, verdict.id


def _actions(releases: tuple[ReleaseVerdict, ...], graph: ReleaseGraph) -> tuple[NextAction, ...]:
    """One next action per root cause, in wave order, with the releases each one helps.

    A root cause (an unmet or unknown reason with an action, and no chain under it) of a
    release holds up that release and every release downstream of it, through releases that
    are not out either.
    """
    order = sorted(releases, key=_action_order)
    place = {verdict.id: index for index, verdict in enumerate(order)}
    found: dict[str, _Action] = {}
    for verdict in order:
        if verdict.status is ReleaseStatus.UNBLOCKED:
            text = f"release {verdict.id} {verdict.release.requirement}"
            found.setdefault(text, _Action(place[verdict.id], release_node(verdict.id), set()))
    stuck = {verdict.id for verdict in releases if verdict.status in _STUCK}
    waiting = {verdict.id for verdict in releases if verdict.status in _WAITING}
    # The root causes of each release that is not out: reasons with an action and no chain under them.
    roots = {
        verdict.id: [reason for reason in verdict.blockers if reason.action and not reason.causes]
        for verdict in releases
        if verdict.id in stuck
    }
    for release_id, downstream in graph.downstream((r for r, causes in roots.items() if causes), stuck).items():
        helps = {release_id, *downstream} & waiting
        if not helps:
            continue
        first = min(map(place.__getitem__, helps))
        for root in roots[release_id]:
            action = found.get(root.action)
            if action is None:
                found[root.action] = _Action(first, root.node, helps)
                continue
            action.helps = action.helps | helps
            if first < action.first:
                action.first, action.node, action.tied = first, root.node, False
            elif first == action.first and root.node != action.node:
                action.tied = True
    return tuple(_ranked(found, order, place))


def _ranked(found: dict[str, _Action], order: list[ReleaseVerdict], place: dict[str, int]) -> list[NextAction]:
    """Order the actions: planned releases' first, earlier waves first, then those that help more, then by text."""
    ranked: list[tuple[tuple[bool, int], int, str, NextAction]] = []
    for text, action in found.items():
        first = order[action.first]
        node = action.node
        if action.tied:  # the first root cause with this text in the first release's chain
            node = next(r.node for reason in first.blockers for r in reason.roots() if r.action == text)
        helps = tuple(sorted(action.helps, key=place.__getitem__))
        rank = (first.release.intent is Intent.PROPOSED, first.wave)
        ranked.append((rank, -len(helps), text, NextAction(text, node, helps)))
    ranked.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in ranked]


def evaluate(graph: ReleaseGraph, state: State, *, as_of: dt.datetime | None = None) -> Evaluation:
    """Evaluate every release and hold of *graph*'s plan against *state*.

    *as_of* (default: the state's own [`as_of`][release_gate.state.State.as_of], else when it was
    taken) asks for the verdicts at an earlier
    moment: tags made later do not count, PRs merged later count as open. It must not be
    later than ``state.taken_at``: nothing is known about what happened after.

    Raises `ValueError` when *as_of* is after the state was taken or has no timezone.
    """
    when = (state.as_of or state.taken_at) if as_of is None else as_of
    if when.tzinfo is None:
        raise ValueError("as_of must have a timezone")
    if when > state.taken_at:
        raise ValueError(f"the state was taken at {_fmt(state.taken_at)}; it cannot tell what happened later")
    return _Evaluator(graph, state, when.astimezone(dt.UTC)).run()
