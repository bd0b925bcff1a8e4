"""What-if: evaluate a plan as if some events had happened, and say what that changes.

Assumptions are short sentences (``check --assume``):

- ``kubespawner==0.9.0b1 released``: release *kubespawner*'s repo shows that version in
  every source (tag, GitHub release, PyPI, Helm index), at the moment evaluated;
- ``kubespawner#232 merged``, ``jupyterhub#2043 closed``: a PR merged, an issue or PR closed;
- ``chart pins kubespawner==0.9.0b1``: the first requirements file in release *chart*'s
  ``pins`` pins that package (or the package of that release) to that version (the line
  naming it is replaced, or added).

Pure: a `State` in, a new one out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from collections.abc import Sequence

from release_gate.evaluate.engine import evaluate
from release_gate.evaluate.pins import canonical_name, read_pins
from release_gate.evaluate.verdicts import Change, ChangeKind, Evaluation
from release_gate.graph import ReleaseGraph
from release_gate.plan.format import PinEntry, PinKind, pin_entry_of
from release_gate.plan.model import Plan, Release, Source
from release_gate.plan.reader import parse_ref
from release_gate.state import (
    FileHistory,
    GitHubRelease,
    Issue,
    IssueState,
    PrState,
    Published,
    PullRequest,
    Registry,
    RepoState,
    State,
    Tag,
    Unknown,
    registry_key,
)

__all__ = ["Assumption", "AssumptionKind", "apply", "changes", "parse_assumption", "what_if"]

_RELEASED = re.compile(r"^\s*(?P<release>[A-Za-z0-9][A-Za-z0-9_.-]*)\s*==\s*(?P<version>\S+)\s+released\s*$")
_ITEM = re.compile(r"^\s*(?P<ref>\S+#\S*|https?://\S+)\s+(?P<what>merged|closed)\s*$")
_PINS = re.compile(
    r"^\s*(?P<release>[A-Za-z0-9][A-Za-z0-9_.-]*)\s+pins\s+(?P<package>[A-Za-z0-9_.-]+)\s*==\s*(?P<version>\S+)\s*$"
)


class AssumptionKind(enum.StrEnum):
    """What an assumption says happened."""

    RELEASED = "released"
    """A release is out: ``kubespawner==0.9.0b1 released``."""
    MERGED = "merged"
    """A PR merged: ``kubespawner#232 merged``."""
    CLOSED = "closed"
    """An issue or PR closed: ``jupyterhub#2043 closed``."""
    PINS = "pins"
    """A release's requirements file pins a version: ``chart pins kubespawner==0.9.0b1``."""


@dataclasses.dataclass(frozen=True, slots=True)
class Assumption:
    """One assumed event."""

    text: str
    kind: AssumptionKind
    subject: str
    """A release id, or a PR / issue ref as written."""
    version: str = ""
    package: str = ""


def parse_assumption(plan: Plan, text: str) -> Assumption:
    """Read one assumption against *plan*; raises `ValueError` saying what would be right."""
    ids = {r.id for r in plan.releases}
    if match := _RELEASED.match(text):
        if match.group("release") not in ids:
            raise ValueError(f"{text!r}: the plan has no release {match.group('release')!r}")
        return Assumption(text, AssumptionKind.RELEASED, match.group("release"), match.group("version"))
    if match := _ITEM.match(text):
        parse_ref(plan, match.group("ref"))
        return Assumption(text, AssumptionKind(match.group("what")), match.group("ref"))
    if match := _PINS.match(text):
        release = match.group("release")
        if release not in ids:
            raise ValueError(f"{text!r}: the plan has no release {release!r}")
        if _requirements_file(plan.release(release)) is None:
            raise ValueError(f"{text!r}: release {release!r} has no requirements file in its pins")
        package = match.group("package")
        if package in ids and plan.packaging(plan.release(package)).pypi:  # a release id stands for its package
            package = plan.packaging(plan.release(package)).pypi or package
        return Assumption(text, AssumptionKind.PINS, release, match.group("version"), package)
    raise ValueError(
        f"{text!r} is not an assumption; write 'RELEASE==VERSION released', 'REF merged', 'REF closed' "
        "or 'RELEASE pins PACKAGE==VERSION'"
    )


def _requirements_file(release: Release) -> str | None:
    """Return the first requirements file among *release*'s pins (what ``pins`` assumptions rewrite), if any."""
    entries = (pin_entry_of(entry) for entry in release.pins)
    return next((e.path for e in entries if isinstance(e, PinEntry) and e.kind is PinKind.REQUIREMENTS), None)


def _assumed(source: Source, version: str, when: dt.datetime) -> Published:
    """Return *version* as *source* would show it released at *when* (on conda: a noarch build, for every platform)."""
    return Published(version, when, platforms=(("noarch", when),) if source is Source.CONDA else ())


def apply(state: State, plan: Plan, assumptions: Sequence[Assumption], when: dt.datetime) -> State:
    """Return *state* with every assumption made true at *when* (an unread repo becomes read)."""
    repos = dict(state.repos)
    items = dict(state.items)
    registries = dict(state.registries)
    for assumption in assumptions:
        if assumption.kind is AssumptionKind.RELEASED:
            repo = plan.packaging(plan.release(assumption.subject))  # its own tag pattern and names
            read = repos.get(repo.slug.lower())
            base = read if isinstance(read, RepoState) else RepoState(repo.slug)
            tag = repo.tags[0].replace("{version}", assumption.version) if repo.tags else assumption.version
            repos[repo.slug.lower()] = dataclasses.replace(
                base,
                tags=(*base.tags, Tag(tag, "", when)),
                releases=(*base.releases, GitHubRelease(tag, published_at=when)),
            )
            for source in Source:
                place = repo.place(source)
                if place is None:
                    continue
                name = place[0]
                key = registry_key(source, name)
                old = registries.get(key)
                versions = old.versions if isinstance(old, Registry) else ()
                registries[key] = Registry(source, name, "", (*versions, _assumed(source, assumption.version, when)))
        elif assumption.kind in (AssumptionKind.MERGED, AssumptionKind.CLOSED):
            ref = parse_ref(plan, assumption.subject)
            old_item = items.get(ref.key)
            closed = assumption.kind is AssumptionKind.CLOSED
            if isinstance(old_item, Issue) or (closed and not isinstance(old_item, PullRequest)):
                title = old_item.title if isinstance(old_item, Issue) else ""
                items[ref.key] = Issue(ref, IssueState.CLOSED, title, closed_at=when)
            else:
                title = old_item.title if isinstance(old_item, PullRequest) else ""
                pr_state = PrState.CLOSED if closed else PrState.MERGED
                merged = when if pr_state is PrState.MERGED else None
                base_pr = old_item if isinstance(old_item, PullRequest) else PullRequest(ref, pr_state, title)
                items[ref.key] = dataclasses.replace(base_pr, state=pr_state, merged_at=merged, closed_at=when)
        else:  # pins
            release = plan.release(assumption.subject)
            repo = plan.repo(release.repo)
            path = _requirements_file(release) or ""
            read = repos.get(repo.slug.lower())
            base = read if isinstance(read, RepoState) else RepoState(repo.slug)
            version = base.file(path, when)
            if isinstance(version, Unknown) and path in base.files:
                continue  # the file's other pins at that moment are not known: it stays unknown
            text = "" if isinstance(version, Unknown) else version.text or ""
            wanted = canonical_name(assumption.package)
            kept = [
                line
                for number, line in enumerate(text.splitlines(), start=1)
                if not any(p.line == number and p.name == wanted for p in read_pins(text, path, plan))
            ]
            kept.append(f"{assumption.package}=={assumption.version}")
            changed = FileHistory.current("\n".join(kept) + "\n", when, since=when)
            repos[repo.slug.lower()] = dataclasses.replace(base, files={**base.files, path: changed})
    return dataclasses.replace(state, repos=repos, items=items, registries=registries)


def what_if(
    graph: ReleaseGraph, state: State, assumptions: Sequence[Assumption], *, as_of: dt.datetime | None = None
) -> Evaluation:
    """Evaluate *graph* as if *assumptions* had happened at *as_of*; the result lists what changed."""
    before = evaluate(graph, state, as_of=as_of)
    assumed = apply(state, graph.plan, assumptions, before.as_of)
    after = evaluate(graph, assumed, as_of=as_of)
    return dataclasses.replace(after, assumptions=tuple(a.text for a in assumptions), changed=changes(before, after))


def changes(before: Evaluation, after: Evaluation) -> tuple[Change, ...]:
    """Return every release and hold whose status differs between *before* and *after*."""
    when = after.as_of
    found = [
        Change(when, ChangeKind.RELEASE, old.id, str(old.status), str(new.status))
        for old, new in zip(before.releases, after.releases, strict=True)
        if old.status is not new.status
    ]
    found += [
        Change(when, ChangeKind.HOLD, old.id, str(old.status), str(new.status))
        for old, new in zip(before.holds, after.holds, strict=True)
        if old.status is not new.status
    ]
    return tuple(found)
