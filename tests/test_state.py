"""The state model: PRs and issues as they stood at a moment, and the State's lookups."""

from __future__ import annotations

import datetime as dt

from release_gate.plan.model import ItemRef, Plan, Release, Repo
from release_gate.state import (
    FileHistory,
    FileVersion,
    Issue,
    IssueState,
    PrState,
    PullRequest,
    RepoState,
    State,
    Unknown,
    request_for,
)
from release_gate.versions import Scheme, parse_requirement

TAKEN = dt.datetime(2018, 8, 20, 12, 0, tzinfo=dt.UTC)
BEFORE = dt.datetime(2018, 8, 10, tzinfo=dt.UTC)
MIDDLE = dt.datetime(2018, 8, 15, tzinfo=dt.UTC)
REF = ItemRef("org/lib", 7)


# -- PullRequest.at ----------------------------------------------------------------------------


def test_open_pr_is_itself_at_any_time() -> None:
    """An open PR with no creation time stands as it is at any moment."""
    pr = PullRequest(REF, PrState.OPEN, title="t", draft=True)
    assert pr.at(BEFORE) is pr
    assert pr.at(TAKEN) is pr


def test_pr_not_created_yet_is_none() -> None:
    """A PR created after the moment asked about did not exist then: ``None``."""
    pr = PullRequest(REF, PrState.OPEN, created_at=MIDDLE)
    assert pr.at(BEFORE) is None
    assert pr.at(MIDDLE) is pr
    assert pr.at(TAKEN) is pr


def test_merged_pr_before_merge_is_open() -> None:
    """Before its merge time a merged PR is open, with no merge or close time."""
    pr = PullRequest(REF, PrState.MERGED, title="t", draft=False, merged_at=MIDDLE, closed_at=MIDDLE)
    earlier = pr.at(BEFORE)
    assert isinstance(earlier, PullRequest)
    assert earlier.state is PrState.OPEN
    assert earlier.merged_at is None
    assert earlier.closed_at is None
    assert earlier.title == "t"


def test_merged_pr_after_merge_is_merged() -> None:
    """At or after its merge time a merged PR is merged."""
    pr = PullRequest(REF, PrState.MERGED, merged_at=MIDDLE, closed_at=MIDDLE)
    assert pr.at(MIDDLE) is pr
    assert pr.at(TAKEN) is pr


def test_closed_pr_before_close_is_open_after_is_closed() -> None:
    """A PR closed without merge is open before its close time and closed after it."""
    pr = PullRequest(REF, PrState.CLOSED, closed_at=MIDDLE)
    earlier = pr.at(BEFORE)
    assert isinstance(earlier, PullRequest)
    assert earlier.state is PrState.OPEN
    assert pr.at(TAKEN) is pr


def test_merged_pr_without_merge_time_is_unknown_earlier() -> None:
    """A merged PR whose merge time is not recorded has an unknown state at an earlier moment."""
    pr = PullRequest(REF, PrState.MERGED)
    result = pr.at(BEFORE)
    assert isinstance(result, Unknown)
    assert "does not record" in result.reason
    assert "2018-08-10" in result.reason


def test_closed_pr_without_close_time_is_unknown() -> None:
    """A closed PR whose close time is not recorded has an unknown state at an earlier moment."""
    assert isinstance(PullRequest(REF, PrState.CLOSED).at(BEFORE), Unknown)


# -- Issue.at -----------------------------------------------------------------------------------


def test_open_issue_is_itself() -> None:
    """An open issue stands as it is at any moment."""
    issue = Issue(REF, IssueState.OPEN, title="bug")
    assert issue.at(BEFORE) is issue


def test_issue_not_created_yet_is_none() -> None:
    """An issue created after the moment asked about did not exist then: ``None``."""
    issue = Issue(REF, IssueState.OPEN, created_at=MIDDLE)
    assert issue.at(BEFORE) is None
    assert issue.at(TAKEN) is issue


def test_closed_issue_is_open_before_close_time() -> None:
    """A closed issue is open before its close time and closed from then on."""
    issue = Issue(REF, IssueState.CLOSED, title="bug", closed_at=MIDDLE)
    earlier = issue.at(BEFORE)
    assert isinstance(earlier, Issue)
    assert earlier.state is IssueState.OPEN
    assert earlier.closed_at is None
    assert earlier.title == "bug"
    assert issue.at(MIDDLE) is issue


def test_closed_issue_without_close_time_is_unknown_earlier() -> None:
    """A closed issue whose close time is not recorded has an unknown state at an earlier moment."""
    result = Issue(REF, IssueState.CLOSED).at(BEFORE)
    assert isinstance(result, Unknown)
    assert "does not record" in result.reason


# -- State ----------------------------------------------------------------------------------------


def _state() -> State:
    lib = RepoState("Org/Lib", default_branch="main")
    pr1 = PullRequest(ItemRef("Org/Lib", 1), PrState.OPEN)
    pr3 = PullRequest(ItemRef("org/lib", 3), PrState.MERGED, merged_at=MIDDLE)
    issue2 = Issue(ItemRef("org/lib", 2), IssueState.OPEN)
    other = PullRequest(ItemRef("org/other", 1), PrState.OPEN)
    return State(
        taken_at=TAKEN,
        source="test state",
        repos={"org/lib": lib, "org/gone": Unknown("403 forbidden")},
        items={
            pr3.ref.key: pr3,
            pr1.ref.key: pr1,
            issue2.ref.key: issue2,
            ("org/lib", 4): Unknown("timed out"),
            other.ref.key: other,
        },
    )


def test_world_repo_is_case_insensitive() -> None:
    """State.repo finds a repo whatever the case of the slug asked for."""
    state = _state()
    repo = state.repo("ORG/lib")
    assert isinstance(repo, RepoState)
    assert repo.slug == "Org/Lib"


def test_world_repo_missing_is_unknown_naming_source() -> None:
    """A repo not in the state is Unknown, naming the slug and where the state came from."""
    result = _state().repo("org/absent")
    assert isinstance(result, Unknown)
    assert "org/absent" in result.reason
    assert "test state" in result.reason


def test_world_repo_recorded_unknown_keeps_reason() -> None:
    """A repo recorded as unreadable is returned as that Unknown, with its reason."""
    assert _state().repo("Org/Gone") == Unknown("403 forbidden")


def test_world_item_is_case_insensitive() -> None:
    """State.item finds a PR or issue whatever the case of the ref's slug."""
    state = _state()
    item = state.item(ItemRef("ORG/LIB", 2))
    assert isinstance(item, Issue)
    assert item.ref.number == 2


def test_world_item_missing_is_unknown() -> None:
    """An item not in the state is Unknown, naming the ref and the source."""
    result = _state().item(ItemRef("org/lib", 99))
    assert isinstance(result, Unknown)
    assert "org/lib#99" in result.reason
    assert "test state" in result.reason


def test_world_item_recorded_unknown() -> None:
    """An item recorded as unreadable is returned as that Unknown."""
    assert _state().item(ItemRef("org/lib", 4)) == Unknown("timed out")


def test_pull_requests_of_one_repo_only_sorted() -> None:
    """pull_requests yields the PRs of one repo by number, skipping issues, unknowns and other repos."""
    numbers = [pr.ref.number for pr in _state().pull_requests("ORG/LIB")]
    assert numbers == [1, 3]


def test_pull_requests_of_unknown_repo_is_empty() -> None:
    """pull_requests of a repo with no PRs in the state yields nothing."""
    assert list(_state().pull_requests("org/absent")) == []


def test_request_for_names_plan_repos_and_items() -> None:
    """request_for asks for every plan repo and every named item's repo, and the items sorted."""
    plan = Plan(
        name="p",
        path="<p>",
        repos=(Repo("lib", "org/lib", Scheme.PEP440, ("v{version}",)),),
        releases=(Release("lib", "lib", parse_requirement(Scheme.PEP440, ">=1")),),
    )
    request = request_for(plan, (ItemRef("org/z", 2), ItemRef("org/lib", 1), ItemRef("org/z", 2)))
    assert request.repos == ("org/lib", "org/z")
    assert request.items == (ItemRef("org/lib", 1), ItemRef("org/z", 2))
    assert request.families == ()


def test_tags_decided_stops_below_the_lower_bound() -> None:
    """Tags read newest first decide a release once the oldest version read is below its lower bound."""
    import datetime as dt  # noqa: PLC0415

    from release_gate.plan.model import Repo  # noqa: PLC0415
    from release_gate.state import StateRequest, Tag  # noqa: PLC0415
    from release_gate.versions import Scheme, parse_requirement  # noqa: PLC0415

    repo = Repo("lib", "o/lib", Scheme.PEP440, ("v{version}",))
    request = StateRequest(("o/lib",), (), wants=((repo, parse_requirement(Scheme.PEP440, ">=2.0")),))
    day = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

    def tags(*names: str) -> list[Tag]:
        return [Tag(name, "", day) for name in names]

    assert not request.tags_decided("o/lib", tags("docs", "notes"))  # no version read yet
    assert not request.tags_decided("o/lib", tags("v2.1", "v2.0"))  # the oldest satisfies: an older one might
    assert request.tags_decided("o/lib", tags("v2.1", "v2.0", "v1.9"))  # satisfied, and the oldest does not
    assert request.tags_decided("o/lib", tags("v1.9", "v1.8"))  # nothing satisfies, and 1.8 is below 2.0
    assert request.tags_decided("other/repo", tags())  # no release of that repo is wanted


# -- a file's history: what it said at a moment ---------------------------------------------------


def _day(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2018, 8, day, hour, tzinfo=dt.UTC)


def test_a_file_is_known_from_its_last_change_to_when_it_was_read() -> None:
    """A file read with the date of its last change says the same from then until it was read, and nothing else."""
    history = FileHistory(_day(19, 9), (FileVersion("new", _day(19, 8)), FileVersion("old", _day(10))))
    assert history.at(_day(19, 9)) == FileVersion("new", _day(19, 8))
    assert history.at(_day(19, 7)) == FileVersion("old", _day(10))
    assert isinstance(history.at(_day(9)), Unknown)  # before the oldest version read: not known
    assert isinstance(history.at(_day(20)), Unknown)  # after it was read: not known either


def test_a_file_read_without_a_date_is_known_only_at_that_moment() -> None:
    """A file read once without the date of its last change is unknown at every earlier moment."""
    history = FileHistory.current("text", _day(19))
    assert history.at(_day(19)) == FileVersion("text")
    unknown = history.at(_day(18))
    assert isinstance(unknown, Unknown)
    assert "without the date of its last change" in unknown.reason


def test_a_complete_history_says_the_file_did_not_exist_before() -> None:
    """Before the first commit of a complete history the file did not exist: no text, which is not unknown."""
    history = FileHistory(_day(19), (FileVersion(None, _day(15)), FileVersion("x", _day(10))), complete=True)
    assert history.at(_day(16)) == FileVersion(None, _day(15))  # deleted on the 15th
    assert history.at(_day(12)).text == "x"  # type: ignore[union-attr]
    assert history.at(_day(9)) == FileVersion(None)


def test_repo_file_says_which_file_was_not_read() -> None:
    """A file the state did not read is unknown, naming the file and the repository."""
    repo = RepoState("o/r", files={"a.txt": Unknown("too large")})
    assert repo.file("a.txt", _day(1)) == Unknown("too large")
    missing = repo.file("b.txt", _day(1))
    assert isinstance(missing, Unknown)
    assert missing.reason == "b.txt of o/r was not read"
