"""Evaluation: the plan's graph plus the state of the world, as verdicts with their reasons.

:func:`evaluate` is pure: it reads a :class:`~release_gate.graph.ReleaseGraph` and a
:class:`~release_gate.state.World` and returns an :class:`Evaluation`; it does no I/O.
Every release is released, unblocked, blocked or unknown; every hold is held, free,
violated or unknown. Unknown is never counted as met: the answer fails closed.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from release_gate.graph import Edge, Node, NodeKind, ReleaseGraph, item_node, release_node
from release_gate.model import Deadline, Hold, Intent, ItemRef, Plan, Release, Repo, Source, Watch
from release_gate.pins import Pin, canonical_name, pin_entry, read_entry
from release_gate.state import Issue, IssueState, PrState, PullRequest, ReadStats, Unknown, World, is_part_of
from release_gate.times import show_time
from release_gate.versions import Accept, ParsedVersion, Scheme, parse_version

__all__ = [
    "Action",
    "Answer",
    "Candidate",
    "Change",
    "DeadlineStatus",
    "DeadlineVerdict",
    "Evaluation",
    "Evidence",
    "FoundBy",
    "HeldPr",
    "HoldStatus",
    "HoldVerdict",
    "Outcome",
    "PrVerdict",
    "Reason",
    "ReleaseStatus",
    "ReleaseVerdict",
    "WatchVerdict",
    "evaluate",
]


class ReleaseStatus(enum.StrEnum):
    """Where a release stands."""

    RELEASED = "released"
    """A version satisfying the requirement is out, by the deciding source."""
    TAGGED = "tagged"
    """Another source shows a satisfying version (a tag, say) that the deciding source does not have yet."""
    UNBLOCKED = "unblocked"
    """Not out yet, and every precondition is met: it can be cut now."""
    BLOCKED = "blocked"
    """Not out yet, and at least one precondition is not met."""
    UNKNOWN = "unknown"
    """The state needed to decide could not be read; never counted as met."""


class HoldStatus(enum.StrEnum):
    """Where a hold, or one held PR, stands."""

    HELD = "held"
    """Its releases are not all out: the PR must wait."""
    FREE = "free"
    """Every release it waited for is out (or the PR merged after they were)."""
    VIOLATED = "violated"
    """A held PR merged before a release it waited for was out."""
    UNKNOWN = "unknown"
    """The state needed to decide could not be read; the PR is not free."""


class Outcome(enum.StrEnum):
    """Whether one condition is met."""

    MET = "met"
    UNMET = "unmet"
    UNKNOWN = "unknown"


class DeadlineStatus(enum.StrEnum):
    """How a release stands against its deadline."""

    MET = "met"
    LATE = "late"
    """Released, but after the deadline."""
    ON_TRACK = "on track"
    AT_RISK = "at risk"
    """Blocked or unknown, with ``warn_days`` or fewer left."""
    MISSED = "missed"
    """Not released, and the deadline has passed."""


class FoundBy(enum.StrEnum):
    """How a PR came to be covered by a hold."""

    PLAN = "plan"
    """Named in the hold."""
    FAMILY = "family"
    """A part listed in the family of a held parent."""
    TITLE = "title"
    """Found in the state by its title, ``[Part N of #PARENT]``."""
    SEARCH = "search"
    """Found by the state provider's search (GitHub search), by its title or description."""


class Answer(enum.StrEnum):
    """The answer to the question asked (whole plan, one release, one PR)."""

    CLEAR = "clear"
    BLOCKED = "blocked"
    """Blocked, held or violated."""
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Reason:
    """One condition of a verdict, and if unmet, why: a chain down to the root causes."""

    node: str
    """Graph node the condition is about (``release:kubespawner``, ``pr:o/r#230``)."""
    condition: str
    """What must hold: ``needs kubespawner#230 merged``, ``after kubespawner >=0.9.0b1``."""
    outcome: Outcome
    detail: str
    """How it stands: ``open``, ``not released (blocked)``, ``not in the state``."""
    causes: tuple[Reason, ...] = ()
    """Why an upstream release is not out: its own unmet reasons."""
    action: str = ""
    """For a root cause (no causes): the next thing to do about it."""

    def roots(self) -> tuple[Reason, ...]:
        """Return the root causes under this reason (itself, when it has no causes)."""
        if not self.causes:
            return (self,)
        return tuple(root for cause in self.causes for root in cause.roots())


@dataclass(frozen=True, slots=True)
class Evidence:
    """The version that satisfied a release, and where it was seen."""

    version: str
    tag: str
    """The tag (or GitHub release's tag); empty for PyPI and Helm."""
    date: dt.datetime | None
    sha: str = ""
    source: Source = Source.TAGS


@dataclass(frozen=True, slots=True)
class Candidate:
    """A version a source offered for a release, and whether it counted."""

    tag: str
    """The name the source uses: the tag, the GitHub release's tag, or the version as indexed."""
    version: str
    accepted: bool
    why: str
    """Why not, or ``satisfies >=0.9.0b1``."""
    source: Source = Source.TAGS
    date: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class DeadlineVerdict:
    """A release against its deadline."""

    deadline: Deadline
    status: DeadlineStatus
    days_left: int
    """Days from the evaluation time to the deadline (negative once past)."""


@dataclass(frozen=True, slots=True)
class ReleaseVerdict:
    """The verdict on one release."""

    release: Release
    repo: Repo
    status: ReleaseStatus
    reasons: tuple[Reason, ...]
    """Every precondition, met or not, in plan order (after, needs.prs, needs.issues)."""
    released: Evidence | None = None
    candidates: tuple[Candidate, ...] = ()
    skipped_tags: tuple[str, ...] = ()
    """Tags that name no version in the repo's scheme (shown in verbose output)."""
    deadline: DeadlineVerdict | None = None
    wave: int = 0
    """1 = can ship in the first wave; 0 = already released."""

    @property
    def id(self) -> str:
        """The release id."""
        return self.release.id

    @property
    def blockers(self) -> tuple[Reason, ...]:
        """The preconditions that are unmet or unknown."""
        return tuple(r for r in self.reasons if r.outcome is not Outcome.MET)


@dataclass(frozen=True, slots=True)
class HeldPr:
    """One PR covered by a hold."""

    ref: ItemRef
    label: str
    status: HoldStatus
    detail: str
    found_by: FoundBy = FoundBy.PLAN
    title: str = ""


@dataclass(frozen=True, slots=True)
class HoldVerdict:
    """The verdict on one hold."""

    hold: Hold
    status: HoldStatus
    prs: tuple[HeldPr, ...]
    waiting_on: tuple[str, ...]
    """Release ids that are not out yet."""
    unknown_parts: tuple[str, ...] = ()
    """Why parts of a held family may be missing (a search that failed or fell short): the
    hold is then unknown, and so is every PR of those repositories that it does not list."""

    @property
    def id(self) -> str:
        """The hold id."""
        return self.hold.id

    def may_cover(self, ref: ItemRef) -> bool:
        """Whether *ref* may be an unlisted part of one of this hold's families (it is then unknown, not free)."""
        slugs = {pr.ref.slug.lower() for pr in self.prs} | {r.slug.lower() for r in self.hold.prs}
        exempt = {r.key for r in self.hold.exempt}
        return bool(self.unknown_parts) and ref.slug.lower() in slugs and ref.key not in exempt


@dataclass(frozen=True, slots=True)
class PrVerdict:
    """Everything the plan says about one PR."""

    ref: ItemRef
    label: str
    answer: Answer
    detail: str
    holds: tuple[tuple[str, HoldStatus, str], ...]
    """``(hold id, status, detail)`` for each hold covering the PR."""
    needed_by: tuple[str, ...]
    """Releases that need this PR merged."""


@dataclass(frozen=True, slots=True)
class WatchVerdict:
    """A followed-up item and how it stands."""

    watch: Watch
    label: str
    state: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class Action:
    """A next thing to do, and which releases it helps."""

    text: str
    node: str
    unblocks: tuple[str, ...]
    """Release ids that wait on it, directly or through their upstreams (never the release it cuts)."""


@dataclass(frozen=True, slots=True)
class Change:
    """A release or hold whose status differs under what-if assumptions."""

    kind: str
    """``release`` or ``hold``."""
    id: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Everything :func:`evaluate` found; reporters and the CLI only read it."""

    plan: Plan
    as_of: dt.datetime
    taken_at: dt.datetime
    source: str
    releases: tuple[ReleaseVerdict, ...]
    holds: tuple[HoldVerdict, ...]
    watch: tuple[WatchVerdict, ...]
    waves: tuple[tuple[str, ...], ...]
    """Releases still to ship, in order: each wave waits only on earlier ones."""
    actions: tuple[Action, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    """The plan's graph plus the family parts found in the state."""
    node_status: Mapping[str, str] = field(default_factory=dict)
    """A status word per node, for drawing the graph."""
    stats: ReadStats | None = None
    """What reading the state cost, for a live read."""
    assumptions: tuple[str, ...] = ()
    """What-if assumptions this evaluation was made under (``check --assume``)."""
    changed: tuple[Change, ...] = ()
    """What the assumptions changed, compared with the state as read."""

    def release(self, release_id: str) -> ReleaseVerdict:
        """Return the verdict on *release_id*; :class:`KeyError` if the plan has no such release."""
        for verdict in self.releases:
            if verdict.id == release_id:
                return verdict
        raise KeyError(release_id)

    def hold(self, hold_id: str) -> HoldVerdict:
        """Return the verdict on *hold_id*; :class:`KeyError` if there is none."""
        for verdict in self.holds:
            if verdict.id == hold_id:
                return verdict
        raise KeyError(hold_id)

    def pr(self, ref: ItemRef) -> PrVerdict:
        """Return what the plan says about PR *ref*: may it merge, and what needs it."""
        holds = tuple((h.id, pr.status, pr.detail) for h in self.holds for pr in h.prs if pr.ref.key == ref.key)
        listed = {hold_id for hold_id, _, _ in holds}
        holds += tuple(
            (h.id, HoldStatus.UNKNOWN, f"whether it is held is unknown: {'; '.join(h.unknown_parts)}")
            for h in self.holds
            if h.id not in listed and h.may_cover(ref)
        )
        needed_by = tuple(r.id for r in self.releases if any(n.key == ref.key for n in r.release.needs_prs))
        statuses = {status for _, status, _ in holds}
        label = self.plan.short(ref)
        if HoldStatus.VIOLATED in statuses or HoldStatus.HELD in statuses:
            answer, detail = Answer.BLOCKED, "held: must not merge yet"
            if HoldStatus.VIOLATED in statuses:
                detail = "merged in violation of a hold"
        elif HoldStatus.UNKNOWN in statuses:
            answer, detail = Answer.UNKNOWN, "the state needed to decide is unknown"
        elif holds:
            answer, detail = Answer.CLEAR, "free: every release it waited for is out"
        else:
            answer, detail = Answer.CLEAR, "not held by the plan"
        return PrVerdict(ref, label, answer, detail, holds, needed_by)

    def answer(self) -> Answer:
        """Answer for the whole plan: clear only if nothing planned is blocked, held, violated or unknown.

        Proposed releases are reported but never change the answer.
        """
        planned = [r for r in self.releases if r.release.intent is Intent.PLANNED]
        if any(r.status is ReleaseStatus.UNKNOWN for r in planned) or any(
            h.status is HoldStatus.UNKNOWN for h in self.holds
        ):
            return Answer.UNKNOWN
        if any(r.status is ReleaseStatus.BLOCKED for r in planned) or any(
            h.status in (HoldStatus.HELD, HoldStatus.VIOLATED) for h in self.holds
        ):
            return Answer.BLOCKED
        return Answer.CLEAR

    def release_answer(self, release_id: str) -> Answer:
        """Answer for one release: clear when released or unblocked."""
        return {
            ReleaseStatus.RELEASED: Answer.CLEAR,
            ReleaseStatus.TAGGED: Answer.CLEAR,
            ReleaseStatus.UNBLOCKED: Answer.CLEAR,
            ReleaseStatus.BLOCKED: Answer.BLOCKED,
            ReleaseStatus.UNKNOWN: Answer.UNKNOWN,
        }[self.release(release_id).status]


def _fmt(when: dt.datetime | None) -> str:
    return "at an unrecorded time" if when is None else show_time(when)


class _Evaluator:
    def __init__(self, graph: ReleaseGraph, world: World, as_of: dt.datetime) -> None:
        self.graph = graph
        self.plan = graph.plan
        self.world = world
        self.as_of = as_of
        self.verdicts: dict[str, ReleaseVerdict] = {}
        self.as_read = as_of >= world.taken_at
        """Asked at the moment the state was taken: every item is what was read."""
        self.unsure_families: dict[tuple[str, int], Unknown] = {}
        """Families whose parts may not all be known (a search that failed or fell short)."""
        self.family_members = self._families()

    # -- state at the evaluation time ---------------------------------------------------

    def item(self, ref: ItemRef) -> PullRequest | Issue | Unknown | None:
        item = self.world.item(ref)
        if self.as_read or isinstance(item, Unknown):
            return item  # asked at the moment the state was taken: it is what was read
        return item.at(self.as_of)

    def _families(self) -> dict[tuple[str, int], tuple[tuple[ItemRef, FoundBy], ...]]:
        members: dict[tuple[str, int], tuple[tuple[ItemRef, FoundBy], ...]] = {}
        for family in self.plan.families:
            found: dict[tuple[str, int], tuple[ItemRef, FoundBy]] = {p.key: (p, FoundBy.FAMILY) for p in family.parts}
            if family.discover:
                for pr in self.world.pull_requests(family.parent.slug):
                    if is_part_of(family.parent.number, pr.title) and pr.ref.key not in found:
                        found[pr.ref.key] = (pr.ref, FoundBy.TITLE)
                searched = self.world.families.get(family.parent.key, ())
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
        repo = self.plan.repo(release.repo)
        reasons: tuple[Reason, ...] = (
            *(self.after(upstream) for upstream in release.after),
            *(r for ref in release.needs_prs for r in self.needs_pr(ref)),
            *(self.needs_issue(ref) for ref in release.needs_issues),
            *self.pins(release, repo),
        )
        deciding = release.decided_by or repo.sources[0]
        looks = {source: self.look(release, repo, source) for source in repo.sources}
        decided = looks[deciding]
        elsewhere = [look for source, look in looks.items() if source is not deciding and look.evidence]
        outcomes = {r.outcome for r in reasons}
        if decided.evidence is not None:
            status = ReleaseStatus.RELEASED
        elif decided.unknown is not None:
            status = ReleaseStatus.UNKNOWN
            reasons = (
                Reason(
                    f"repo:{repo.slug.lower()}",
                    f"{_SOURCE_WORDS[deciding]} of {repo.slug}",
                    Outcome.UNKNOWN,
                    f"cannot tell whether {release.id} is out: {decided.unknown.reason}",
                    action=f"make the {_SOURCE_WORDS[deciding]} of {repo.id} readable (check the state source)",
                ),
                *reasons,
            )
        elif elsewhere:
            status = ReleaseStatus.TAGGED
            first = elsewhere[0].evidence
            assert first is not None
            where = f"tag {first.tag}" if first.tag else _SOURCE_WORDS[first.source]
            reasons = (
                Reason(
                    f"repo:{repo.slug.lower()}",
                    f"{first.version} published ({_SOURCE_WORDS[deciding]})",
                    Outcome.UNMET,
                    f"{where} has {first.version}, but not the {_SOURCE_WORDS[deciding]} yet",
                    action=f"publish {release.id} {first.version} ({_SOURCE_WORDS[deciding]})",
                ),
                *reasons,
            )
        elif Outcome.UNMET in outcomes:
            status = ReleaseStatus.BLOCKED
        elif Outcome.UNKNOWN in outcomes:
            status = ReleaseStatus.UNKNOWN
        else:
            status = ReleaseStatus.UNBLOCKED
        candidates = tuple(c for look in looks.values() for c in look.candidates)
        skipped = tuple(t for look in looks.values() for t in look.skipped)
        return ReleaseVerdict(
            release=release,
            repo=repo,
            status=status,
            reasons=reasons,
            released=decided.evidence,
            candidates=candidates,
            skipped_tags=skipped,
            deadline=self.deadline(release, status, decided.evidence),
        )

    def offers(self, release: Release, repo: Repo, source: Source) -> list[_Offer] | Unknown:
        """Return what *source* shows for *repo*: each offered name, version text, date, rejection, sha."""
        accept_pre = release.requirement.accept is not Accept.FINAL
        if source in (Source.TAGS, Source.GITHUB_RELEASES):
            state = self.world.repo(repo.slug)
            if isinstance(state, Unknown):
                return state
            if source is Source.TAGS:
                return [_Offer(t.name, repo.version_from_tag(t.name), t.date, None, t.sha) for t in state.tags]
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
        name = repo.pypi if source is Source.PYPI else repo.helm.chart if repo.helm else None
        assert name is not None  # the plan reader checks that each source has its place
        registry = self.world.registry(source, name)
        if isinstance(registry, Unknown):
            return registry
        return [
            _Offer(
                p.version,
                p.version,
                p.date,
                "no files" if p.files == 0 else "yanked" if p.yanked >= p.files else None,
                "",
            )
            for p in registry.versions
        ]

    def look(self, release: Release, repo: Repo, source: Source) -> _Look:
        """Read what *source* says about *release*: its evidence, every candidate, what was skipped."""
        offers = self.offers(release, repo, source)
        if isinstance(offers, Unknown):
            return _Look(None, (), (), offers)
        # (when, tag, index, candidate): sorted by when and tag; the index keeps equal ones as offered.
        candidates: list[tuple[dt.datetime, str, int, Candidate]] = []
        skipped: list[str] = []
        satisfying: list[tuple[dt.datetime, ParsedVersion, _Offer]] = []
        undated: list[str] = []
        # Old chart tags (v0.6) lack the patch number; a Helm index must hold exact SemVer.
        partial = repo.scheme is Scheme.SEMVER and source is not Source.HELM
        # Read once: this loop runs for every tag of every release.
        scheme, requirement, as_of, taken_at = repo.scheme, release.requirement, self.as_of, self.world.taken_at
        satisfies = f"satisfies {requirement}"
        for offer in offers:
            version = parse_version(scheme, offer.text, partial=partial) if offer.text else None
            if version is None:
                skipped.append(offer.name if source is Source.TAGS else f"{source} {offer.name}")
                continue
            date = offer.date
            if date is not None and date > as_of:
                continue  # not there yet at the evaluation time
            why = offer.rejected or requirement.check(version)
            if why is None and date is None and as_of < taken_at:
                undated.append(offer.name)
                why = "its date is not recorded, so it may not have existed yet"
            when = date or taken_at
            accepted = why is None
            candidate = Candidate(offer.name, version.text, accepted, why or satisfies, source, date)
            candidates.append((when, offer.name, len(candidates), candidate))
            if accepted:
                satisfying.append((when, version, offer))
        candidates.sort()  # oldest first
        ordered = tuple(c for _, _, _, c in candidates)
        if satisfying:
            satisfying.sort(key=lambda s: (s[0], s[1]))  # stable: the first offered of equal ones
            _, version, offer = satisfying[0]
            tag = offer.name if source in (Source.TAGS, Source.GITHUB_RELEASES) else ""
            evidence = Evidence(version.text, tag, offer.date, offer.sha, source)
            return _Look(evidence, ordered, tuple(sorted(skipped)), None)
        if undated:
            unknown = Unknown(f"{undated[0]} satisfies {release.requirement} but its date is not recorded")
            return _Look(None, ordered, tuple(sorted(skipped)), unknown)
        return _Look(None, ordered, tuple(sorted(skipped)), None)

    def pins(self, release: Release, repo: Repo) -> tuple[Reason, ...]:
        """Check what *release*'s pin files pin against the plan's upstream releases."""
        if not release.pins:
            return ()
        state = self.world.repo(repo.slug)
        node = f"repo:{repo.slug.lower()}"
        if isinstance(state, Unknown):
            return (Reason(node, f"pins in {', '.join(release.pins)}", Outcome.UNKNOWN, state.reason),)
        pins: dict[str, Pin] = {}
        for entry in release.pins:
            path = (pin_entry(entry) or (entry, "", ""))[0]
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
            pins.update({pin.name: pin for pin in found})
        reasons = []
        for upstream_id in release.after:
            upstream = self.verdicts[upstream_id]
            project = upstream.repo.pypi
            if project is None or canonical_name(project) not in pins:
                continue
            reasons.append(self.pin(upstream, pins[canonical_name(project)]))
        return tuple(reasons)

    def pin(self, upstream: ReleaseVerdict, pin: Pin) -> Reason:
        """Check one pin of an upstream's package: an exact, released version that satisfies the plan."""
        name, requirement = upstream.repo.pypi or upstream.id, upstream.release.requirement
        condition = f"pins {upstream.id} {requirement} ({pin.path})"
        node = release_node(upstream.id)
        fix = f"pin {name}=={{a released version {requirement}}} in {pin.path}"
        chain = upstream.blockers if upstream.status is not ReleaseStatus.RELEASED else ()
        if pin.url:
            where = f"from git {pin.ref}" if pin.ref else f"from {pin.url}"
            detail = f"pins {name} {where}; the plan needs {requirement} released"
            return Reason(node, condition, Outcome.UNMET, detail, chain, "" if chain else fix)
        exact = pin.exact()
        if exact is None:
            detail = f"pins {name}{pin.specifier}, not one exact version; the plan needs {requirement} released"
            return Reason(node, condition, Outcome.UNMET, detail, chain, "" if chain else fix)
        version = parse_version(upstream.repo.scheme, exact)
        why = requirement.check(version) if version is not None else f"{exact} is not a version"
        if why is not None:
            detail = f"pins {name}=={exact}; the plan needs {requirement}"
            return Reason(node, condition, Outcome.UNMET, detail, chain, "" if chain else fix)
        deciding = upstream.release.decided_by or upstream.repo.sources[0]
        published = [
            c
            for c in upstream.candidates
            if c.source is deciding and c.accepted and version == parse_version(upstream.repo.scheme, c.version)
        ]
        if not published:
            detail = f"pins {name}=={exact}, not released yet ({_SOURCE_WORDS[deciding]})"
            action = "" if chain else f"release {upstream.id} {exact}"
            return Reason(node, condition, Outcome.UNMET, detail, chain, action)
        return Reason(node, condition, Outcome.MET, f"pins {name}=={exact}, released {_fmt(published[0].date)}")

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
        label = self.plan.short(ref)
        item = self.item(ref)
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
            case PrState.MERGED:
                return Reason(node, condition, Outcome.MET, f"merged {_fmt(item.merged_at)}")
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
            late = released.date is not None and released.date.date() > deadline.date
            return DeadlineVerdict(deadline, DeadlineStatus.LATE if late else DeadlineStatus.MET, days_left)
        if days_left < 0:
            return DeadlineVerdict(deadline, DeadlineStatus.MISSED, days_left)
        if status in (ReleaseStatus.BLOCKED, ReleaseStatus.UNKNOWN) and days_left <= deadline.warn_days:
            return DeadlineVerdict(deadline, DeadlineStatus.AT_RISK, days_left)
        return DeadlineVerdict(deadline, DeadlineStatus.ON_TRACK, days_left)

    # -- holds ----------------------------------------------------------------------------

    def hold(self, hold: Hold) -> HoldVerdict:
        exempt = {ref.key for ref in hold.exempt}
        members: dict[tuple[str, int], tuple[ItemRef, FoundBy]] = {}
        for ref in hold.prs:
            key = ref.key
            family = self.family_members.get(key)
            members.setdefault(key, (ref, FoundBy.PLAN))
            for part, how in family or ():
                members.setdefault(part.key, (part, how))
        until = [self.verdicts[r] for r in hold.until]
        waiting = tuple(v.id for v in until if v.status is not ReleaseStatus.RELEASED)
        waits = ", ".join(f"{v.id} {v.release.requirement}" for v in until if v.status is not ReleaseStatus.RELEASED)
        releases = _Until(tuple(until), tuple(v.id for v in until if v.status is ReleaseStatus.UNKNOWN), waits)
        prs = tuple(
            self.held_pr(ref, how, releases) for key, (ref, how) in sorted(members.items()) if key not in exempt
        )
        # Parts of a family that a search could not list are held too, if the hold still holds:
        # unknown members make the hold unknown, never free.
        unsure = tuple(
            f"parts of {self.plan.short(ref)} may be missing: {self.unsure_families[ref.key].reason}"
            for ref in hold.prs
            if ref.key in self.unsure_families
        )
        statuses = {pr.status for pr in prs}
        if unsure and (waiting or releases.unknown):
            statuses.add(HoldStatus.UNKNOWN)
        for status in (HoldStatus.VIOLATED, HoldStatus.UNKNOWN, HoldStatus.HELD):
            if status in statuses:
                break
        else:
            status = HoldStatus.FREE
        return HoldVerdict(hold, status, prs, waiting, unsure if status is not HoldStatus.FREE else ())

    def held_pr(self, ref: ItemRef, found_by: FoundBy, releases: _Until) -> HeldPr:
        """Judge one PR of a hold against the releases it waits for."""
        until, unknown = releases.verdicts, releases.unknown
        label = self.plan.short(ref)
        item = self.item(ref)
        if isinstance(item, Unknown):
            return HeldPr(ref, label, HoldStatus.UNKNOWN, item.reason, found_by, "")
        if isinstance(item, Issue):
            detail = "is an issue, not a pull request; fix the hold"
            return HeldPr(ref, label, HoldStatus.UNKNOWN, detail, found_by, item.title)
        title = "" if item is None else item.title
        if item is not None and item.state is PrState.MERGED:
            merged = item.merged_at
            broken = []
            unsure = list(unknown)
            for v in until:
                if v.status is ReleaseStatus.UNKNOWN:
                    continue
                if v.released is None:
                    broken.append(f"{v.id} is still not released")
                elif merged is None or v.released.date is None:
                    unsure.append(v.id)
                elif v.released.date > merged:
                    broken.append(f"{v.id} {v.released.version} came out later ({_fmt(v.released.date)})")
            if broken:
                detail = f"merged {_fmt(merged)} but {'; '.join(broken)}"
                return HeldPr(ref, label, HoldStatus.VIOLATED, detail, found_by, title)
            if unsure:
                detail = f"merged {_fmt(merged)}; whether {', '.join(unsure)} was out by then is unknown"
                return HeldPr(ref, label, HoldStatus.UNKNOWN, detail, found_by, title)
            return HeldPr(ref, label, HoldStatus.FREE, f"merged {_fmt(merged)}, after its releases", found_by, title)
        if unknown:
            detail = f"whether {', '.join(unknown)} is out is unknown"
            return HeldPr(ref, label, HoldStatus.UNKNOWN, detail, found_by, title)
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
        return HeldPr(ref, label, HoldStatus.HELD if releases.waits else HoldStatus.FREE, shared, found_by, title)

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
            taken_at=self.world.taken_at,
            source=self.world.source,
            releases=releases,
            holds=holds,
            watch=watch,
            waves=waves,
            actions=_actions(releases),
            nodes=graph.nodes,
            edges=graph.edges,
            node_status=self.node_status(releases, holds, graph.nodes),
            stats=self.world.stats,
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
        self, releases: Iterable[ReleaseVerdict], holds: Iterable[HoldVerdict], nodes: Iterable[Node]
    ) -> dict[str, str]:
        status: dict[str, str] = {release_node(r.id): r.status.value for r in releases}
        held: dict[str, HoldStatus] = {}
        for hold in holds:
            status[f"hold:{hold.id}"] = hold.status.value
            for pr in hold.prs:
                pr_node = item_node(NodeKind.PR, pr.ref)
                if pr_node not in held or _HOLD_RANK.index(pr.status) > _HOLD_RANK.index(held[pr_node]):
                    held[pr_node] = pr.status
        items = (NodeKind.PR, NodeKind.ISSUE)
        for node in nodes:
            node_id = node.id
            if node_id in status or node.kind not in items:
                continue
            worst = held.get(node_id)
            if worst is not None and worst is not HoldStatus.FREE:
                status[node_id] = worst.value
                continue
            assert node.ref is not None  # PR and issue nodes carry their ref
            item = self.item(node.ref)
            status[node_id] = (
                "unknown" if isinstance(item, Unknown) else "not opened" if item is None else item.state.value
            )
        return status


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


_HOLD_RANK = (HoldStatus.FREE, HoldStatus.HELD, HoldStatus.UNKNOWN, HoldStatus.VIOLATED)
"""Hold statuses from least to most severe: a PR in several holds is drawn in its worst."""

_SOURCE_WORDS = {
    Source.TAGS: "tags",
    Source.GITHUB_RELEASES: "GitHub releases",
    Source.PYPI: "PyPI",
    Source.HELM: "Helm chart index",
}


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
    candidates: tuple[Candidate, ...]
    skipped: tuple[str, ...]
    unknown: Unknown | None


def _with_wave(verdict: ReleaseVerdict, wave: int) -> ReleaseVerdict:
    return replace(verdict, wave=wave)


def _actions(releases: tuple[ReleaseVerdict, ...]) -> tuple[Action, ...]:
    """One next action per root cause, in wave order, with the releases each one helps."""
    found: dict[str, tuple[str, list[str], tuple[bool, int]]] = {}
    for verdict in sorted(releases, key=lambda v: (v.release.intent is Intent.PROPOSED, v.wave, v.id)):
        rank = (verdict.release.intent is Intent.PROPOSED, verdict.wave)
        if verdict.status is ReleaseStatus.UNBLOCKED:
            text = f"release {verdict.id} {verdict.release.requirement}"
            found.setdefault(text, (release_node(verdict.id), [], rank))
            continue
        if verdict.status not in (ReleaseStatus.BLOCKED, ReleaseStatus.UNKNOWN):
            continue
        for reason in verdict.blockers:
            for root in reason.roots():
                if root.action:
                    entry = found.setdefault(root.action, (root.node, [], rank))
                    if verdict.id not in entry[1]:
                        entry[1].append(verdict.id)
    ordered = sorted(found.items(), key=lambda kv: (kv[1][2], -len(kv[1][1]), kv[0]))
    return tuple(Action(text, node, tuple(unblocks)) for text, (node, unblocks, _) in ordered)


def evaluate(graph: ReleaseGraph, world: World, *, as_of: dt.datetime | None = None) -> Evaluation:
    """Evaluate every release and hold of *graph*'s plan against *world*.

    *as_of* (default: when the state was taken) asks for the verdicts at an earlier
    moment: tags made later do not count, PRs merged later count as open. It must not be
    later than ``world.taken_at``: nothing is known about what happened after.

    Raises :class:`ValueError` when *as_of* is after the state was taken or has no timezone.
    """
    when = world.taken_at if as_of is None else as_of
    if when.tzinfo is None:
        raise ValueError("as_of must have a timezone")
    if when > world.taken_at:
        raise ValueError(f"the state was taken at {_fmt(world.taken_at)}; it cannot tell what happened later")
    return _Evaluator(graph, world, when.astimezone(dt.UTC)).run()
