"""The verdicts an evaluation gives: statuses, reasons with their chains, and the whole `Evaluation`.

Frozen values only; `release_gate.evaluate.engine` makes them, reporters and the CLI read them.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar, cast

from release_gate.errors import NotInPlanError
from release_gate.graph import Edge, Node, ReleaseGraph
from release_gate.plan.model import Deadline, Hold, Intent, ItemRef, Plan, Release, Repo, Source, Watch
from release_gate.state import ReadStats

__all__ = [
    "Answer",
    "Candidate",
    "Change",
    "ChangeKind",
    "DeadlineStatus",
    "DeadlineVerdict",
    "Deferred",
    "Evaluation",
    "Evidence",
    "FoundBy",
    "HeldPr",
    "HoldStatus",
    "HoldVerdict",
    "NextAction",
    "Outcome",
    "PrVerdict",
    "Reason",
    "ReleaseStatus",
    "ReleaseVerdict",
    "WatchVerdict",
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
    UNKNOWN = "unknown"
    """Released, but when is not known, and the deadline has passed: met or late, nobody can say."""


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


_T = TypeVar("_T")
_NOT_YET = object()


class Deferred(Generic[_T]):
    """A part of a verdict made when it is first asked for, then kept: what only some reports read.

    An evaluation of a large plan would otherwise make, say, a hundred thousand candidate versions
    and held-PR lines that only ``-v``, JSON or a drawn graph show. *make* must always give the
    same value (it reads values that never change); deferred values compare as the values do.
    """

    __slots__ = ("_make", "_value")

    def __init__(self, make: Callable[[], _T]) -> None:
        self._make: Callable[[], _T] | None = make
        self._value: object = _NOT_YET

    @classmethod
    def known(cls, value: _T) -> Deferred[_T]:
        """Return a deferred value that is made already."""
        deferred: Deferred[_T] = cls(lambda: value)
        deferred.get()
        return deferred

    def get(self) -> _T:
        """Return the value, made now if it was not yet."""
        if self._value is _NOT_YET:
            assert self._make is not None
            self._value = self._make()
            self._make = None  # what it read may go
        return cast("_T", self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Deferred):
            return NotImplemented
        return bool(self.get() == other.get())

    def __hash__(self) -> int:
        return hash(self.get())

    def __repr__(self) -> str:
        return repr(self.get())


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
    deferred_candidates: Deferred[tuple[Candidate, ...]] = field(default_factory=lambda: Deferred.known(()))
    """The `candidates`, made when first asked for."""
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

    @property
    def candidates(self) -> tuple[Candidate, ...]:
        """Every version the sources offered (up to the evaluation time), oldest first, and whether it counted.

        Made when first asked for (``-v``, JSON, the dashboard): one per tag per release, which
        only those reports show.
        """
        return self.deferred_candidates.get()


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
    deferred_prs: Deferred[tuple[HeldPr, ...]]
    """The `prs`, made when first asked for."""
    waiting_on: tuple[str, ...]
    """Release ids that are not out yet."""
    unknown_parts: tuple[str, ...] = ()
    """Why parts of a held family may be missing (a search that failed or fell short): the
    hold is then unknown, and so is every PR of those repositories that it does not list."""

    @property
    def id(self) -> str:
        """The hold id."""
        return self.hold.id

    @property
    def prs(self) -> tuple[HeldPr, ...]:
        """Every PR the hold covers (the exempt ones left out), each with its status and why.

        Made when first asked for: the status of the hold is known without them.
        """
        return self.deferred_prs.get()

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
class NextAction:
    """A next thing to do, and which releases it helps."""

    text: str
    node: str
    unblocks: tuple[str, ...]
    """Release ids that wait on it, directly or through their upstreams (never the release it cuts)."""


class ChangeKind(enum.StrEnum):
    """What changed."""

    RELEASE = "release"
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class Change:
    """A release or hold whose status changed: under what-if assumptions, or at a moment of a timeline."""

    when: dt.datetime
    """The moment the assumptions were made true at (what-if), or the moment of the change (timeline)."""
    kind: ChangeKind
    id: str
    """The release or hold id."""
    before: str
    """The status before (at the start of a timeline: empty)."""
    after: str
    """The status after."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Everything [`evaluate`][release_gate.evaluate.engine.evaluate] found; reporters and the CLI only read it."""

    plan: Plan
    as_of: dt.datetime
    taken_at: dt.datetime
    source: str
    releases: tuple[ReleaseVerdict, ...]
    holds: tuple[HoldVerdict, ...]
    watch: tuple[WatchVerdict, ...]
    waves: tuple[tuple[str, ...], ...]
    """Releases still to ship, in order: each wave waits only on earlier ones."""
    actions: tuple[NextAction, ...]
    graph: ReleaseGraph = field(compare=False)
    """The plan's graph plus the family parts found in the state (its `nodes` and `edges`)."""
    deferred_node_status: Deferred[Mapping[str, str]] = field(default_factory=lambda: Deferred.known({}))
    """The `node_status`, made when first asked for."""
    stats: ReadStats | None = None
    """What reading the state cost, for a live read."""
    assumptions: tuple[str, ...] = ()
    """What-if assumptions this evaluation was made under (``check --assume``)."""
    changed: tuple[Change, ...] = ()
    """What the assumptions changed, compared with the state as read."""

    @property
    def nodes(self) -> tuple[Node, ...]:
        """The nodes of the plan's graph plus the family parts found in the state, sorted by id."""
        return self.graph.nodes

    @property
    def edges(self) -> tuple[Edge, ...]:
        """The edges of the plan's graph plus the family parts found in the state, sorted."""
        return self.graph.edges

    @property
    def node_status(self) -> Mapping[str, str]:
        """A status word per node, for drawing the graph (made when first asked for)."""
        return self.deferred_node_status.get()

    def release(self, release_id: str) -> ReleaseVerdict:
        """Return the verdict on *release_id*.

        Raises [`NotInPlanError`][release_gate.errors.NotInPlanError] (a `KeyError`) naming the
        closest id when the plan has no such release.
        """
        for verdict in self.releases:
            if verdict.id == release_id:
                return verdict
        raise NotInPlanError("release", release_id, tuple(verdict.id for verdict in self.releases))

    def hold(self, hold_id: str) -> HoldVerdict:
        """Return the verdict on *hold_id*.

        Raises [`NotInPlanError`][release_gate.errors.NotInPlanError] (a `KeyError`) naming the
        closest id when the plan has no such hold.
        """
        for verdict in self.holds:
            if verdict.id == hold_id:
                return verdict
        raise NotInPlanError("hold", hold_id, tuple(verdict.id for verdict in self.holds))

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
        elif ref.key in self._named():
            answer, detail = Answer.CLEAR, "not held by the plan"
        else:
            answer, detail = Answer.CLEAR, "not named by the plan, so not held" + self._near(ref)
        return PrVerdict(ref, label, answer, detail, holds, needed_by)

    def _named(self) -> set[tuple[str, int]]:
        """Return every PR and issue the plan names, and the parts of its held families found in the state."""
        plan = self.plan
        refs = [
            *(ref for hold in plan.holds for ref in (*hold.prs, *hold.exempt)),
            *(ref for family in plan.families for ref in (family.parent, *family.parts)),
            *(ref for release in plan.releases for ref in (*release.needs_prs, *release.needs_issues)),
            *(watch.ref for watch in plan.watch),
            *(pr.ref for hold in self.holds for pr in hold.prs),
        ]
        return {ref.key for ref in refs}

    def _near(self, ref: ItemRef) -> str:
        """Return `` (did you mean kubespawner#205 or #230?)``: the plan's numbers *ref* may be a typo of.

        Only numbers of *ref*'s repository: one digit added, dropped, changed or two swapped,
        or at most 2 apart; the three nearest are named, in order; none, ``""``.
        """
        slug = ref.slug.lower()
        numbers = {number for named_slug, number in self._named() if named_slug == slug and number != ref.number}
        near = sorted(
            (apart, abs(number - ref.number), number)
            for number in numbers
            if (apart := _digits_apart(str(number), str(ref.number))) <= 1 or abs(number - ref.number) <= _NEAR_BY
        )
        if not near:
            return ""
        chosen = sorted(number for _, _, number in near[:3])
        first = self.plan.short(ItemRef(ref.slug, chosen[0]))
        rest = [f"#{number}" for number in chosen[1:]]
        listed = ", ".join([first, *rest[:-1]]) + (f" or {rest[-1]}" if rest else "")
        return f" (did you mean {listed}?)"

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


_NEAR_BY = 2
"""How far apart two PR numbers may be to be suggested for each other, whatever their digits."""


def _digits_apart(one: str, other: str) -> int:
    """Return the edit distance between two numbers' digits, a swap of two neighbours counting one edit."""
    rows = [list(range(len(other) + 1))]
    for i, a in enumerate(one, 1):
        row = [i]
        for j, b in enumerate(other, 1):
            row.append(min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a != b)))
            if i > 1 and j > 1 and a == other[j - 2] and one[i - 2] == b:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
