"""Snapshot files: loading the example, the dump/load round trip, and every loader error."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from release_gate.errors import SnapshotError
from release_gate.plan.model import ItemRef
from release_gate.sources.snapshot import (
    PLAIN_VERSION,
    SCHEMA_VERSION,
    SnapshotStateProvider,
    dump_snapshot,
    load_snapshot,
)
from release_gate.state import (
    FileHistory,
    FileVersion,
    Issue,
    IssueState,
    PrState,
    PullRequest,
    RepoState,
    State,
    StateRequest,
    Tag,
    Unknown,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_STATE = ROOT / "config" / "jupyterhub-2018-08-09.state.json"
TAKEN = dt.datetime(2018, 8, 9, 18, tzinfo=dt.UTC)


def _write(tmp_path: Path, document: object, name: str = "state.json") -> Path:
    path = tmp_path / name
    text = document if isinstance(document, str) else json.dumps(document)
    path.write_text(text, encoding="utf-8")
    return path


def _doc(repos: dict[str, Any] | None = None, **root: Any) -> dict[str, Any]:
    document: dict[str, Any] = {"schema_version": 1, "taken_at": "2018-08-09T18:00:00Z", "repos": repos or {}}
    document.update(root)
    return document


def _error(path: Path) -> SnapshotError:
    with pytest.raises(SnapshotError) as info:
        load_snapshot(path)
    error = info.value
    assert str(path) in str(error)
    assert error.path == str(path)
    assert error.fix
    assert error.fix in str(error)
    return error


# -- the example ------------------------------------------------------------------------------


def test_load_example_world() -> None:
    """The example snapshot loads with its time, source, tags, PRs, issues and files."""
    state = load_snapshot(EXAMPLE_STATE)
    assert state.taken_at == TAKEN
    assert state.source == f"snapshot {EXAMPLE_STATE}"
    kubespawner = state.repo("jupyterhub/kubespawner")
    assert isinstance(kubespawner, RepoState)
    assert [t.name for t in kubespawner.tags] == ["v0.8.0", "v0.8.1"]
    assert kubespawner.tags[1] == Tag(
        "v0.8.1", "5fb5040ddf939dd816dd1e9a760b80e21ffdfc11", dt.datetime(2018, 1, 30, 12, 47, 55, tzinfo=dt.UTC)
    )
    assert kubespawner.default_branch == "master"
    part2 = state.item(ItemRef("jupyterhub/kubespawner", 231))
    assert isinstance(part2, PullRequest)
    assert part2.state is PrState.MERGED
    assert part2.merged_at == dt.datetime(2018, 8, 9, 10, 55, 20, tzinfo=dt.UTC)
    assert part2.title.startswith("[Part 2 of #205]")
    assert part2.head == "consideRatio:pr2-test-docs"
    issue = state.item(ItemRef("jupyterhub/jupyterhub", 2043))
    assert isinstance(issue, Issue)
    assert issue.state is IssueState.OPEN
    chart = state.repo("jupyterhub/zero-to-jupyterhub-k8s")
    assert isinstance(chart, RepoState)
    assert "jupyterhub/Chart.yaml" in chart.files
    chart_yaml = chart.file("jupyterhub/Chart.yaml", state.taken_at)
    assert isinstance(chart_yaml, FileVersion)
    assert chart_yaml.text is not None
    assert chart_yaml.text.startswith("name: jupyterhub")


def test_snapshot_provider_fetch_returns_the_world() -> None:
    """SnapshotStateProvider.fetch returns the recorded state, whatever was requested."""
    provider = SnapshotStateProvider(EXAMPLE_STATE)
    state = provider.fetch(StateRequest(repos=("nobody/nothing",), items=()))
    assert state == load_snapshot(EXAMPLE_STATE)
    assert isinstance(state.repo("nobody/nothing"), Unknown)


def test_snapshot_provider_missing_file_raises() -> None:
    """SnapshotStateProvider.fetch raises SnapshotError when the file is missing."""
    with pytest.raises(SnapshotError, match="no such file"):
        SnapshotStateProvider(ROOT / "config" / "missing.state.json").fetch(StateRequest(repos=(), items=()))


# -- round trip ---------------------------------------------------------------------------------


def test_example_round_trip_equals(tmp_path: Path) -> None:
    """dump_snapshot of the example, loaded again, gives an equal state; dumping again gives the same text."""
    state = load_snapshot(EXAMPLE_STATE)
    text = dump_snapshot(state, about="copy")
    path = _write(tmp_path, text)
    again = load_snapshot(path)
    assert again.taken_at == state.taken_at
    assert again.repos == state.repos
    assert again.items == state.items
    assert again.source == f"snapshot {path}"
    assert dump_snapshot(again, about="copy") == text
    assert json.loads(text)["about"] == "copy"
    assert json.loads(text)["schema_version"] == PLAIN_VERSION  # nothing of version 3 (npm) in it


def test_round_trip_with_unknowns_and_undated_items(tmp_path: Path) -> None:
    """A state with unknown repos and items, undated tags and closed items round-trips equal."""
    history = FileHistory(
        TAKEN, (FileVersion("x", TAKEN - dt.timedelta(days=1), "c2"), FileVersion(None, TAKEN - dt.timedelta(days=9)))
    )
    files: dict[str, FileHistory | Unknown] = {
        "f.txt": FileHistory.current("x", TAKEN),
        "g.txt": history,
        "h.txt": Unknown("too large"),
    }
    lib = RepoState("Org/Lib", (Tag("v1.0", "abc", None), Tag("v1.1", "", TAKEN)), "main", files)
    state = State(
        taken_at=TAKEN,
        source="built",
        repos={"org/lib": lib, "org/gone": Unknown("403 forbidden")},
        items={
            ("org/lib", 1): PullRequest(
                ItemRef("Org/Lib", 1),
                PrState.CLOSED,
                title="t",
                draft=True,
                head="me:branch",
                created_at=TAKEN,
                closed_at=TAKEN,
            ),
            ("org/lib", 2): Issue(ItemRef("Org/Lib", 2), IssueState.CLOSED, "bug", None, TAKEN),
            ("org/lib", 3): Unknown("timed out"),
        },
        families={("org/lib", 1): (ItemRef("Org/Lib", 4),), ("org/lib", 5): Unknown("incomplete search")},
    )
    again = load_snapshot(_write(tmp_path, dump_snapshot(state)))
    assert again.taken_at == state.taken_at
    assert again.repos == state.repos
    assert again.items == state.items
    assert again.families == state.families


def test_round_trip_keeps_a_repo_missing_from_the_state_unknown(tmp_path: Path) -> None:
    """A repo absent from the state (read as unknown) is still unknown after dump and load."""
    pr = PullRequest(ItemRef("org/lib", 1), PrState.OPEN)
    state = State(taken_at=TAKEN, source="built", repos={}, items={pr.ref.key: pr})
    assert isinstance(state.repo("org/lib"), Unknown)
    again = load_snapshot(_write(tmp_path, dump_snapshot(state)))
    assert again.item(pr.ref) == pr
    assert isinstance(again.repo("org/lib"), Unknown)


def test_dump_is_deterministic() -> None:
    """dump_snapshot sorts repos and items, so insertion order does not change the text."""
    a = PullRequest(ItemRef("org/lib", 2), PrState.OPEN)
    b = PullRequest(ItemRef("org/lib", 10), PrState.OPEN)
    lib = RepoState("org/lib")
    one = State(TAKEN, "x", {"org/lib": lib}, {a.ref.key: a, b.ref.key: b})
    two = State(TAKEN, "y", {"org/lib": lib}, {b.ref.key: b, a.ref.key: a})
    assert dump_snapshot(one) == dump_snapshot(two)


# -- unknown entries -------------------------------------------------------------------------------


def test_unknown_entries_become_unknown(tmp_path: Path) -> None:
    """``{"unknown": reason}`` for a repo, a PR or an issue is read as Unknown with that reason."""
    path = _write(
        tmp_path,
        _doc(
            {
                "org/gone": {"unknown": "403 forbidden"},
                "org/lib": {
                    "tags": [],
                    "pulls": {"1": {"unknown": "timed out"}},
                    "issues": {"2": {"unknown": "rate limited"}},
                },
            }
        ),
    )
    state = load_snapshot(path)
    assert state.repo("org/gone") == Unknown("403 forbidden")
    assert state.item(ItemRef("org/lib", 1)) == Unknown("timed out")
    assert state.item(ItemRef("org/lib", 2)) == Unknown("rate limited")
    assert isinstance(state.repo("org/lib"), RepoState)


def test_slugs_are_case_insensitive(tmp_path: Path) -> None:
    """Repos and items recorded under a mixed-case slug are found under any case."""
    path = _write(tmp_path, _doc({"Org/Lib": {"pulls": {"4": {"state": "open"}}}}))
    state = load_snapshot(path)
    assert isinstance(state.repo("org/lib"), RepoState)
    assert isinstance(state.item(ItemRef("ORG/LIB", 4)), PullRequest)


def test_times_are_read_as_utc(tmp_path: Path) -> None:
    """Times with an offset are converted to UTC."""
    path = _write(tmp_path, _doc(taken_at="2018-08-09T20:00:00+02:00"))
    assert load_snapshot(path).taken_at == TAKEN


# -- loader errors ----------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    """A missing file is a SnapshotError saying so, with a fix."""
    error = _error(tmp_path / "absent.json")
    assert "no such file" in error.problem


def test_not_json(tmp_path: Path) -> None:
    """A file that is not JSON is a SnapshotError saying it is not valid JSON, with the line."""
    error = _error(_write(tmp_path, "schema_version = 1\n"))
    assert "not valid JSON" in error.problem
    assert "line 1" in error.problem


def test_not_utf8(tmp_path: Path) -> None:
    """A file that is not UTF-8 text is a SnapshotError."""
    path = tmp_path / "state.json"
    path.write_bytes(b'{"taken_at": "\xff\xfe"}')
    assert "UTF-8" in _error(path).problem


def test_truncated_json(tmp_path: Path) -> None:
    """A file cut off between tokens is reported as truncated."""
    text = EXAMPLE_STATE.read_text(encoding="utf-8")
    error = _error(_write(tmp_path, text[: len(text) // 2].rstrip().rstrip(",")))
    assert "truncated" in error.problem


def test_truncated_inside_a_string(tmp_path: Path) -> None:
    """A file cut off in the middle of a string is reported as truncated, not as bad JSON."""
    error = _error(_write(tmp_path, '{"schema_version": 1, "taken_at": "2018-08-0'))
    assert "truncated" in error.problem


def test_not_an_object(tmp_path: Path) -> None:
    """A JSON document that is not an object is a SnapshotError."""
    assert "must be a JSON object" in _error(_write(tmp_path, [1, 2])).problem


def test_newer_schema_version(tmp_path: Path) -> None:
    """A snapshot written by a newer release-gate says so and suggests upgrading."""
    error = _error(_write(tmp_path, _doc(schema_version=SCHEMA_VERSION + 1)))
    assert "newer" in error.problem
    assert "Upgrade" in error.fix


@pytest.mark.parametrize("version", [None, "1", True, 1.0])
def test_missing_or_bad_schema_version(tmp_path: Path, version: object) -> None:
    """A missing or non-integer schema_version says this is not a snapshot."""
    document = _doc()
    if version is None:
        del document["schema_version"]
    else:
        document["schema_version"] = version
    error = _error(_write(tmp_path, document))
    assert error.problem.startswith("schema_version")
    assert "snapshot" in error.fix


def test_schema_version_zero(tmp_path: Path) -> None:
    """schema_version 0 is refused: versions start at 1."""
    assert "start at 1" in _error(_write(tmp_path, _doc(schema_version=0))).problem


def test_missing_taken_at(tmp_path: Path) -> None:
    """A snapshot without taken_at is refused, naming the key."""
    document = _doc()
    del document["taken_at"]
    error = _error(_write(tmp_path, document))
    assert error.problem.startswith("taken_at")
    assert "missing" in error.problem


def test_time_without_timezone(tmp_path: Path) -> None:
    """A time without a timezone is refused, naming where it is and showing a good example."""
    document = _doc({"org/lib": {"tags": [{"name": "v1", "date": "2018-08-01T00:00:00"}]}})
    error = _error(_write(tmp_path, document))
    assert "repos.org/lib.tags[0].date" in error.problem
    assert "timezone" in error.problem


def test_taken_at_without_timezone(tmp_path: Path) -> None:
    """A taken_at without a timezone is refused."""
    error = _error(_write(tmp_path, _doc(taken_at="2018-08-09T18:00:00")))
    assert "taken_at" in error.problem
    assert "timezone" in error.problem


@pytest.mark.parametrize(
    ("kind", "value"),
    [("pulls", "reopened"), ("pulls", None), ("issues", "merged")],
)
def test_bad_state_value(tmp_path: Path, kind: str, value: object) -> None:
    """A PR or issue state outside its choices is refused, listing the choices."""
    entry: dict[str, Any] = {} if value is None else {"state": value}
    error = _error(_write(tmp_path, _doc({"org/lib": {kind: {"3": entry}}})))
    assert f"repos.org/lib.{kind}.3.state" in error.problem
    assert "must be one of open" in error.problem


def test_non_object_repo_entry(tmp_path: Path) -> None:
    """A repo entry that is not an object is refused, naming the repo."""
    error = _error(_write(tmp_path, _doc({"org/lib": ["v1.0"]})))
    assert "repos.org/lib" in error.problem
    assert "must be a JSON object, not a list" in error.problem


def test_bad_repo_slug(tmp_path: Path) -> None:
    """A repo key that is not OWNER/NAME is refused."""
    assert "is not OWNER/NAME" in _error(_write(tmp_path, _doc({"lib": {}}))).problem


@pytest.mark.parametrize("key", ["abc", "-1", "1.5", "", "0", "2147483648", "9" * 5000])
def test_non_numeric_pr_key(tmp_path: Path, key: str) -> None:
    """A PR key that is not a PR number (1 to 2**31-1) is refused, naming it: never a crash on 5,000 digits."""
    error = _error(_write(tmp_path, _doc({"org/lib": {"pulls": {key: {"state": "open"}}}})))
    assert "is not a PR or issue number" in error.problem
    assert len(str(error)) < 300


@pytest.mark.parametrize("key", ["9" * 5000, "0"])
def test_a_family_key_or_part_past_the_limit_is_refused(tmp_path: Path, key: str) -> None:
    """A family parent or part that is not a PR number is a SnapshotError, not a crash."""
    error = _error(_write(tmp_path, _doc({"org/lib": {"families": {key: [1]}}})))
    assert "is not a PR or issue number" in error.problem
    error = _error(_write(tmp_path, _doc({"org/lib": {"families": {"1": [2**40]}}})))
    assert "must be a list of PR numbers" in error.problem


def test_unicode_digit_pr_key(tmp_path: Path) -> None:
    """A PR key of a non-ASCII digit character (superscript two) is a SnapshotError, not a crash."""
    error = _error(_write(tmp_path, _doc({"org/lib": {"pulls": {"\u00b2": {"state": "open"}}}})))
    assert "is not a PR or issue number" in error.problem


def test_tags_not_a_list(tmp_path: Path) -> None:
    """A repo's tags that are not a list are refused."""
    error = _error(_write(tmp_path, _doc({"org/lib": {"tags": {"v1.0": "2018-08-01"}}})))
    assert "repos.org/lib.tags" in error.problem
    assert "must be a list, not an object" in error.problem


def test_tag_without_name(tmp_path: Path) -> None:
    """A tag without a name is refused."""
    error = _error(_write(tmp_path, _doc({"org/lib": {"tags": [{"sha": "abc"}]}})))
    assert "tags[0].name" in error.problem
    assert "missing" in error.problem


def test_draft_not_boolean(tmp_path: Path) -> None:
    """A PR's draft flag that is not true or false is refused."""
    error = _error(_write(tmp_path, _doc({"org/lib": {"pulls": {"1": {"state": "open", "draft": "yes"}}}})))
    assert "draft" in error.problem


def test_file_content_not_text(tmp_path: Path) -> None:
    """A recorded file whose content is not a string is refused."""
    error = _error(_write(tmp_path, _doc({"org/lib": {"files": {"a.txt": 1}}})))
    assert "files.a.txt" in error.problem


def test_a_lone_surrogate_from_github_is_written_and_read_back(tmp_path: Path) -> None:
    """A title with a lone surrogate (valid JSON from GitHub, not UTF-8) is written escaped and reads back equal."""
    pr = PullRequest(ItemRef("org/lib", 1), PrState.OPEN, "broken \ud800 title \u202e")
    state = State(taken_at=TAKEN, source="built", repos={"org/lib": RepoState("org/lib")}, items={pr.ref.key: pr})
    text = dump_snapshot(state)
    assert "\\ud800" in text
    assert "\\u202e" in text
    assert load_snapshot(_write(tmp_path, text)).item(pr.ref) == pr


def test_a_snapshot_can_name_the_moment_it_answers_for(tmp_path: Path) -> None:
    """A snapshot's as_of (before taken_at) is the default moment of evaluation; it round-trips; later is refused."""
    meeting = TAKEN - dt.timedelta(days=10)
    state = State(taken_at=TAKEN, source="built", repos={"org/lib": RepoState("org/lib")}, as_of=meeting)
    again = load_snapshot(_write(tmp_path, dump_snapshot(state)))
    assert again.as_of == meeting
    document = json.loads(dump_snapshot(state))
    document["as_of"] = "2100-01-01T00:00:00Z"
    error = _error(_write(tmp_path, document))
    assert error.problem.startswith("as_of: is after taken_at")
