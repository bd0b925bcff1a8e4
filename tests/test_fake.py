"""The in-memory FakeStateProvider: what its builder records and what fetch returns."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from release_gate.pipeline import check
from release_gate.plan.model import ItemRef
from release_gate.plan.reader import parse_plan
from release_gate.state import (
    FileVersion,
    Issue,
    IssueState,
    PrState,
    PullRequest,
    RepoState,
    StateRequest,
    Tag,
    Unknown,
)
from release_gate.testing.provider import FakeStateProvider

TAKEN = dt.datetime(2018, 8, 20, tzinfo=dt.UTC)
REQUEST = StateRequest(repos=("org/lib",), items=(ItemRef("org/lib", 1),))


def _fake() -> FakeStateProvider:
    return FakeStateProvider(taken_at=TAKEN, source="unit fake")


def test_builder_methods_return_self() -> None:
    """Every builder method returns the provider itself, so calls chain."""
    fake = _fake()
    assert fake.repo("org/lib") is fake
    assert fake.tag("org/lib", "v1.0") is fake
    assert fake.pull("org/lib", 1) is fake
    assert fake.issue("org/lib", 2) is fake
    assert fake.unknown("org/lib", 3) is fake


def test_tags_are_recorded_in_order_with_dates() -> None:
    """tag() appends a Tag with its parsed date and sha to the repo, keeping earlier tags."""
    state = (
        _fake()
        .tag("Org/Lib", "v1.0", "2018-08-01T10:00:00Z", sha="abc")
        .tag("org/lib", "v1.1", dt.datetime(2018, 8, 2, tzinfo=dt.UTC))
        .tag("org/lib", "v1.2")
        .fetch(REQUEST)
    )
    repo = state.repo("org/lib")
    assert isinstance(repo, RepoState)
    assert repo.slug == "Org/Lib"
    assert repo.tags == (
        Tag("v1.0", "abc", dt.datetime(2018, 8, 1, 10, tzinfo=dt.UTC)),
        Tag("v1.1", "", dt.datetime(2018, 8, 2, tzinfo=dt.UTC)),
        Tag("v1.2", "", None),
    )


def test_repo_records_files_and_default_branch() -> None:
    """repo() records the repo with default branch main and merges its files."""
    state = _fake().repo("org/lib", files={"a.txt": "A"}).repo("org/lib", files={"b.txt": "B"}).fetch(REQUEST)
    repo = state.repo("org/lib")
    assert isinstance(repo, RepoState)
    assert repo.default_branch == "main"
    assert {path: repo.file(path, state.taken_at) for path in repo.files} == {
        "a.txt": FileVersion("A"),
        "b.txt": FileVersion("B"),
    }
    assert repo.tags == ()


def test_repo_keeps_tags_recorded_before() -> None:
    """repo() after tag() keeps the tags already recorded."""
    state = _fake().tag("org/lib", "v1.0").repo("org/lib").fetch(REQUEST)
    repo = state.repo("org/lib")
    assert isinstance(repo, RepoState)
    assert [t.name for t in repo.tags] == ["v1.0"]


def test_pull_is_recorded_with_all_fields() -> None:
    """pull() records a PullRequest; a merged PR's close time defaults to its merge time."""
    state = (
        _fake()
        .pull(
            "org/lib",
            5,
            "merged",
            title="Fix",
            draft=True,
            created_at="2018-08-01T00:00:00Z",
            merged_at="2018-08-03T00:00:00Z",
        )
        .fetch(REQUEST)
    )
    pr = state.item(ItemRef("org/lib", 5))
    assert isinstance(pr, PullRequest)
    assert pr.state is PrState.MERGED
    assert pr.title == "Fix"
    assert pr.draft is True
    assert pr.created_at == dt.datetime(2018, 8, 1, tzinfo=dt.UTC)
    assert pr.merged_at == dt.datetime(2018, 8, 3, tzinfo=dt.UTC)
    assert pr.closed_at == pr.merged_at
    assert isinstance(state.repo("org/lib"), RepoState)


def test_pull_defaults_to_open() -> None:
    """pull() without a state records an open, non-draft PR with no times."""
    pr = _fake().pull("org/lib", 1).fetch(REQUEST).item(ItemRef("org/lib", 1))
    assert pr == PullRequest(ItemRef("org/lib", 1), PrState.OPEN)


def test_closed_pull_keeps_its_close_time() -> None:
    """pull() of a closed PR records its close time and no merge time."""
    pr = _fake().pull("org/lib", 1, "closed", closed_at="2018-08-04T00:00:00Z").fetch(REQUEST).item(REQUEST.items[0])
    assert isinstance(pr, PullRequest)
    assert pr.state is PrState.CLOSED
    assert pr.merged_at is None
    assert pr.closed_at == dt.datetime(2018, 8, 4, tzinfo=dt.UTC)


def test_issue_is_recorded() -> None:
    """issue() records an Issue with its state, title and close time."""
    state = _fake().issue("org/lib", 9, "closed", title="Bug", closed_at="2018-08-05T00:00:00Z").fetch(REQUEST)
    issue = state.item(ItemRef("org/lib", 9))
    assert issue == Issue(ItemRef("org/lib", 9), IssueState.CLOSED, "Bug", None, dt.datetime(2018, 8, 5, tzinfo=dt.UTC))


def test_unknown_repo_and_item() -> None:
    """unknown() records a repo, or one of its items, as Unknown with the reason given."""
    state = _fake().unknown("org/gone", reason="403").unknown("org/lib", 4, reason="timeout").fetch(REQUEST)
    assert state.repo("ORG/GONE") == Unknown("403")
    assert state.item(ItemRef("org/lib", 4)) == Unknown("timeout")


def test_unknown_default_reason() -> None:
    """unknown() without a reason says the thing could not be read."""
    assert _fake().unknown("org/gone").fetch(REQUEST).repo("org/gone") == Unknown("could not be read")


def test_bad_time_text_raises() -> None:
    """A time without a timezone is refused with ValueError."""
    with pytest.raises(ValueError, match="timezone"):
        _fake().tag("org/lib", "v1.0", "2018-08-01T00:00:00")


def test_fetch_records_each_request_and_returns_world() -> None:
    """fetch() remembers every request in order and returns a State with taken_at and source."""
    fake = _fake().tag("org/lib", "v1.0")
    other = StateRequest(repos=("org/other",), items=())
    state = fake.fetch(REQUEST)
    fake.fetch(other)
    assert fake.requests == [REQUEST, other]
    assert state.taken_at == TAKEN
    assert state.source == "unit fake"


def test_fetch_returns_a_snapshot_of_the_builder() -> None:
    """A State already fetched does not change when more is recorded afterwards."""
    fake = _fake().tag("org/lib", "v1.0")
    state = fake.fetch(REQUEST)
    fake.pull("org/lib", 1).unknown("org/gone")
    assert isinstance(state.item(ItemRef("org/lib", 1)), Unknown)
    assert state.repo("org/gone") == Unknown("org/gone is not in the state (unit fake)")


def test_check_sends_the_plan_request() -> None:
    """check() asks the provider for the plan's repos, items and discoverable families."""
    plan = parse_plan(
        textwrap.dedent("""
        [plan]
        name = "p"
        [repos.lib]
        github = "org/lib"
        [releases.lib]
        version = ">=1.0"
        needs = { prs = ["lib#2"], issues = ["org/other#3"] }
        [families."lib#10"]
        discover = true
        [holds.h]
        prs = ["lib#10"]
        until = ["lib"]
        """)
    )
    fake = _fake()
    check(plan, fake)
    assert len(fake.requests) == 1
    request = fake.requests[0]
    assert request.repos == ("org/lib", "org/other")
    assert set(request.items) == {ItemRef("org/lib", 2), ItemRef("org/other", 3), ItemRef("org/lib", 10)}
    assert request.families == (ItemRef("org/lib", 10),)


def test_repr_counts_entries() -> None:
    """The repr counts recorded repos and items."""
    assert repr(_fake().pull("org/lib", 1).pull("org/lib", 2)) == "FakeStateProvider(3 repos and items)"
