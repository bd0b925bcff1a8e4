"""Reading GitHub's GraphQL answers: pin files as of a moment, and searches that fall short."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from release_gate.plan.model import ItemRef
from release_gate.sources import github_query as gq
from release_gate.state import FileHistory, FileVersion, ReadStats, State, StateRequest, Unknown

READ = dt.datetime(2018, 8, 19, 9, tzinfo=dt.UTC)
Z2JH = "jupyterhub/zero-to-jupyterhub-k8s"
PINS = "images/hub/requirements.txt"
PARENT = ItemRef(Z2JH, 758)


def _read(request: StateRequest, data: dict[str, Any], errors: list[dict[str, Any]] | None = None) -> State:
    """Fold one answer to *request*'s first query into a State, as the provider does."""
    (batch,) = gq.first_batches(request)
    answer = gq.Gathered()
    gq.read_answer(batch, {"data": data, "errors": errors} if errors else {"data": data}, answer, request)
    return gq.state_of(answer, request, taken_at=READ, source="test", stats=ReadStats())


def _commit(when: str, text: str | None, *, truncated: bool = False) -> dict[str, Any]:
    file = None if text is None else {"object": {"text": text, "isTruncated": truncated}}
    return {"oid": f"{abs(hash(when)):040x}"[:40], "committedDate": when, "file": file}


FILE_REQUEST = StateRequest(repos=(Z2JH,), items=(), files=((Z2JH, PINS),))
(_FILE_PATH,) = [path for path, target in gq.first_batches(FILE_REQUEST)[0].targets.items() if len(path) == 2]
REPO = {
    "nameWithOwner": Z2JH,
    "defaultBranchRef": {"name": "master"},
    "tags": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []},
    "releases": {"nodes": []},
}


def _file_answer(*commits: dict[str, Any], more: bool = False) -> dict[str, Any]:
    history = {"history": {"pageInfo": {"hasNextPage": more}, "nodes": list(commits)}}
    return {"r0": {**REPO, _FILE_PATH[1]: history}}


def _history(state: State) -> FileHistory | Unknown:
    repo = state.repos[Z2JH]
    assert not isinstance(repo, Unknown)
    return repo.files[PINS]


def test_the_query_asks_for_the_file_as_of_the_moment() -> None:
    """With as_of, the file's history is asked up to that moment (until:), one commit, in the same query."""
    as_of = dt.datetime(2018, 8, 19, 7, 50, tzinfo=dt.UTC)
    (batch,) = gq.first_batches(StateRequest(repos=(Z2JH,), items=(), files=((Z2JH, PINS),), as_of=as_of))
    assert "history(first: 1, path: $p" in batch.text
    assert "until: $t" in batch.text
    assert "2018-08-19T07:50:00Z" in batch.variables.values()
    assert "GitTimestamp!" in batch.text


def test_a_timeline_asks_for_a_page_of_the_files_versions() -> None:
    """With files_since, a page of the file's commits is asked, to go back in time."""
    since = dt.datetime(2018, 8, 1, tzinfo=dt.UTC)
    (batch,) = gq.first_batches(StateRequest(repos=(), items=(), files=((Z2JH, PINS),), files_since=since))
    assert f"history(first: {gq.PAGE}, path: $p" in batch.text


def test_the_last_commit_gives_the_text_and_since_when() -> None:
    """The first commit of the path's history is the file at the moment; its date is when that version began."""
    state = _read(FILE_REQUEST, _file_answer(_commit("2018-08-19T08:00:00Z", "a==1\n")))
    history = _history(state)
    assert isinstance(history, FileHistory)
    assert history.read_at == READ
    assert history.versions == (
        FileVersion("a==1\n", dt.datetime(2018, 8, 19, 8, tzinfo=dt.UTC), history.versions[0].commit),
    )
    assert history.complete  # no more pages: the file was made by that commit


@pytest.mark.parametrize(
    ("commits", "needle"),
    [
        ((_commit("2018-08-19T08:00:00Z", "x", truncated=True),), "cut the text"),
        (({"oid": "a" * 40, "committedDate": "2018-08-19T08:00:00Z", "file": {"object": {}}},), "not a text file"),
        (({"oid": "a" * 40, "committedDate": None, "file": None},), "without committedDate"),
    ],
    ids=["truncated", "binary-or-folder", "undated"],
)
def test_a_file_that_cannot_be_read_whole_is_unknown(commits: tuple[dict[str, Any], ...], needle: str) -> None:
    """A truncated, binary or undated answer makes the file unknown (a cut pin file could drop a pin)."""
    history = _history(_read(FILE_REQUEST, _file_answer(*commits)))
    assert isinstance(history, Unknown)
    assert needle in history.reason


def test_commits_out_of_date_order_end_the_history_read() -> None:
    """A commit dated after the one before it (a merged branch) cannot be placed: older moments stay unknown."""
    history = _history(
        _read(
            FILE_REQUEST,
            _file_answer(
                _commit("2018-08-19T08:00:00Z", "new"),
                _commit("2018-08-19T08:30:00Z", "merged later, dated earlier"),
                _commit("2018-08-01T00:00:00Z", "old"),
            ),
        )
    )
    assert isinstance(history, FileHistory)
    assert [v.text for v in history.versions] == ["new"]
    assert not history.complete
    assert isinstance(history.at(dt.datetime(2018, 8, 10, tzinfo=dt.UTC)), Unknown)


def test_an_error_on_the_file_makes_it_unknown() -> None:
    """GitHub's error on the file's part of the query makes that file unknown, with GitHub's words."""
    errors = [{"path": list(_FILE_PATH), "message": "Something went wrong", "type": "FORBIDDEN"}]
    history = _history(_read(FILE_REQUEST, {"r0": {**REPO, _FILE_PATH[1]: None}}, errors))
    assert isinstance(history, Unknown)
    assert "Something went wrong" in history.reason


SEARCH_REQUEST = StateRequest(repos=(), items=(), families=(PARENT,))


def _search(count: int, *numbers: int) -> dict[str, Any]:
    nodes = [
        {
            "__typename": "PullRequest", "number": n, "title": f"[Part {n} of #758]", "body": "", "prState": "OPEN",
            "createdAt": "2018-08-10T00:00:00Z", "mergedAt": None, "closedAt": None, "isDraft": False,
            "headRefName": "b", "headRefOid": "c" * 40, "headRepositoryOwner": None, "reviewDecision": None,
        }
        for n in numbers
    ]  # fmt: skip
    return {"s0": {"issueCount": count, "pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": nodes}}


def test_a_whole_search_lists_the_parts() -> None:
    """A search that gives as many results as it counts lists the family's parts."""
    state = _read(SEARCH_REQUEST, _search(2, 842, 843))
    assert state.families[PARENT.key] == (ItemRef(Z2JH, 842), ItemRef(Z2JH, 843))


def test_a_search_that_counts_more_than_it_gives_is_unknown() -> None:
    """IssueCount larger than the results read: parts may be missing, so the family is unknown."""
    family = _read(SEARCH_REQUEST, _search(3, 842, 843)).families[PARENT.key]
    assert isinstance(family, Unknown)
    assert "counted 3 results but gave 2" in family.reason


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"s0": None}, [{"path": ["s0"], "message": "timeout", "type": "FORBIDDEN"}]),
        ({"s0": {"issueCount": "many", "pageInfo": {"hasNextPage": False}, "nodes": []}}, None),
        ({}, None),
    ],
    ids=["error-beside-data", "unreadable", "no-answer"],
)
def test_a_failed_search_is_unknown(data: dict[str, Any], errors: list[dict[str, Any]] | None) -> None:
    """A search with an error beside the data, an answer that cannot be read, or none, is unknown, never empty."""
    family = _read(SEARCH_REQUEST, data, errors).families[PARENT.key]
    assert isinstance(family, Unknown)
