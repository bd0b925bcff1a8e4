"""Property-based tests of what comes from outside: event payloads, GitHub's answers, registry bodies.

Whatever they hold, the merge gate's event is an Event or a ValueError (exit 2 at the command
line); a GraphQL answer is a State whose unreadable parts are Unknown, or a StateUnavailableError
(exit 3), and never a verdict more permissive than the true answer's; a PyPI or Helm body is a
Registry or an Unknown. Derandomised (a fixed seed) so CI runs the same examples every time.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from release_gate import StateUnavailableError, Unknown, load_snapshot, parse_plan
from release_gate.evaluate import Answer, Evaluation, HoldStatus, ReleaseStatus, evaluate
from release_gate.gate.decide import HANDLED_EVENTS, EventKind, parse_event
from release_gate.graph import ReleaseGraph, build_graph
from release_gate.plan.model import ItemRef, Plan
from release_gate.sources import github_query as gq
from release_gate.sources._http import Http
from release_gate.sources._http import Response as HttpResponse
from release_gate.sources.github import _describe
from release_gate.sources.registries import INDEXES, RegistryReader
from release_gate.state import (
    FileHistory,
    GitHubRelease,
    ReadStats,
    Registry,
    RepoState,
    State,
    StateRequest,
    Tag,
    request_for,
)
from release_gate.testing import FakeGitHub
from release_gate.testing.registries import SIMPLE_JSON
from tests.conftest import EXAMPLE_PLAN, EXAMPLE_STATE, PLAN_PATH, SHA_205, Repo, Run, pr_payload
from tests.test_properties import edge_plans

pytestmark = pytest.mark.slow

SETTINGS = settings(
    derandomize=True, database=None, max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
CLI_SETTINGS = settings(
    derandomize=True,
    database=None,
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# -- arbitrary JSON ---------------------------------------------------------------------------

HUGE = st.sampled_from(["x" * 100_000, "\u00e9\u4e2d\U0001f600" * 20_000, " " * 50_000 + "OPEN", "\u202e\x00\ud800"])
WORDS = st.sampled_from(
    ["", "OPEN", "MERGED", "CLOSED", "PullRequest", "Issue", "Commit", "Tag", "Tree", "2018-08-09T18:00:00Z",
     "2018-02-30T00:00:00Z", "not a time", "v0.9.0b1", "0.9.0b1", "1.0.0-beta.1", "RATE_LIMITED", "NOT_FOUND",
     "refs/heads/gh-readonly-queue/main/pr-5-abc", "pr-0-", "r2", "i205", "s0", "nodes", "\u0661\u0662"]
)  # fmt: skip
TEXT = st.one_of(st.text(max_size=30), WORDS, HUGE)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, -1, 2**31, 2**64, 10**30]),
    st.floats(),
    TEXT,
)
KEYS = st.one_of(st.text(max_size=8), WORDS)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=20,
)


def _deep(depth: int) -> Any:
    """Return lists and objects nested *depth* deep (built without recursion)."""
    value: Any = "bottom"
    for level in range(depth):
        value = [value] if level % 2 else {"nodes": value}
    return value


DEEP = st.integers(min_value=2, max_value=5000).map(_deep)
ANY = st.one_of(JSON, DEEP)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _paths(value: Any, limit: int = 12) -> Iterator[tuple[Any, ...]]:
    """Yield the path to every value in *value* (not below *limit* levels: deep values are inserted whole)."""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), value)]
    while stack:
        path, inner = stack.pop()
        yield path
        if len(path) < limit and isinstance(inner, dict):
            stack.extend(((*path, key), v) for key, v in inner.items())
        elif len(path) < limit and isinstance(inner, list):
            stack.extend(((*path, index), v) for index, v in enumerate(inner))


@st.composite
def corrupted(
    draw: st.DrawFn, base: Any, values: st.SearchStrategy[Any] = ANY
) -> tuple[Any, set[str], list[tuple[Any, ...]]]:
    """Return *base* with 1-3 corruptions, their kinds, and the paths where they changed it.

    ``wrong-type``, ``null`` and ``missing`` make data unreadable; ``same-type`` (another
    value of the same JSON type, such as a huge string) and ``extra`` (an added key) may be
    legitimate data.
    """
    document = copy.deepcopy(base)
    kinds: set[str] = set()
    changed: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(list(_paths(document))))
        old: Any = document
        for key in path:
            old = old[key]
        action = draw(st.sampled_from(["replace", "replace", "null", "delete", "add"]))
        if action == "add" and isinstance(old, dict):
            key = draw(KEYS)
            old[key] = draw(values)
            kinds.add("extra")
            changed.append((*path, key))
            continue
        if action == "delete" and path:
            parent: Any = document
            for key in path[:-1]:
                parent = parent[key]
            del parent[path[-1]]
            kinds.add("missing")
            changed.append(path[:-1] if isinstance(parent, list) else path)  # a list's later items move up
            continue
        new = None if action == "null" else draw(values)
        kinds.add("same-type" if _json_type(new) == _json_type(old) else ("null" if new is None else "wrong-type"))
        changed.append(path)
        if not path:
            document = new
            continue
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = new
    return document, kinds, changed


# -- event payloads -----------------------------------------------------------------------------

SHA = "a" * 40
REPOSITORY = {"full_name": "o/r", "name": "r", "owner": {"login": "o"}, "default_branch": "main"}
PULL = {
    "action": "synchronize",
    "number": 7,
    "pull_request": {
        "number": 7,
        "state": "open",
        "title": "[Part 1 of #5] a title",
        "labels": [{"name": "release-gate/override"}],
        "head": {"sha": SHA, "ref": "topic", "label": "u:topic", "repo": {"full_name": "u/r"}},
        "base": {"sha": "0" * 40, "ref": "main", "repo": REPOSITORY},
    },
    "repository": REPOSITORY,
    "sender": {"login": "u"},
}
PAYLOADS: dict[str, Any] = {
    "pull_request": PULL,
    "pull_request_target": PULL,
    "merge_group": {
        "action": "checks_requested",
        "merge_group": {
            "head_sha": "9" * 40,
            "head_ref": f"refs/heads/gh-readonly-queue/main/pr-7-{'8' * 40}",
            "base_sha": "8" * 40,
            "base_ref": "refs/heads/main",
        },
        "repository": REPOSITORY,
    },
    "schedule": {"schedule": "17,47 * * * *"},
    "workflow_dispatch": {"inputs": {"release": "x"}, "ref": "refs/heads/main", "repository": REPOSITORY},
    "repository_dispatch": {"action": "release-gate-recheck", "client_payload": {}, "repository": REPOSITORY},
    "push": {"ref": "refs/heads/main", "after": SHA, "commits": [], "repository": REPOSITORY},
    "issue_comment": {"action": "created", "issue": {"number": 7, "pull_request": {}}, "comment": {"body": "/gate"}},
}
HANDLED = ("pull_request", "pull_request_target", "merge_group", "schedule", "workflow_dispatch", "repository_dispatch")
NAMES = st.one_of(st.sampled_from([*PAYLOADS, "", "PULL_REQUEST", "pull_request ", "merge_group\x00"]), TEXT)


def _assert_valid(name: str, payload: object) -> None:
    """Parse *payload*: an Event that names a real PR and commit, or a sweep, or a ValueError."""
    try:
        event = parse_event(name, payload)
    except ValueError:
        return
    assert name in HANDLED
    if name in ("schedule", "workflow_dispatch", "repository_dispatch"):
        assert (event.kind, event.number, event.sha) == (EventKind.SWEEP, None, "")
        return
    assert event.kind is (EventKind.MERGE_GROUP if name == "merge_group" else EventKind.PULL_REQUEST)
    assert type(event.number) is int
    assert event.number > 0
    assert isinstance(event.sha, str)
    assert event.sha


@SETTINGS
@given(name=NAMES, payload=ANY)
def test_any_payload_gives_an_event_or_a_value_error(name: str, payload: Any) -> None:
    """Any JSON value (deep, huge, unicode, any type) under any event name is a valid Event or a ValueError."""
    _assert_valid(name, payload)


@SETTINGS
@given(data=st.data(), name=st.sampled_from(sorted(PAYLOADS)))
def test_a_mutated_real_payload_gives_an_event_or_a_value_error(data: st.DataObject, name: str) -> None:
    """A real-shaped payload of each event kind with values replaced, nulled or deleted is an Event or a ValueError."""
    payload, _, _ = data.draw(corrupted(PAYLOADS[name]))
    _assert_valid(name, payload)


def _reshape(draw: st.DrawFn, base: Any, values: st.SearchStrategy[Any], dice: st.SearchStrategy[int]) -> Any:
    if draw(dice) == 0:
        return draw(values)
    if isinstance(base, dict):
        return {key: _reshape(draw, value, values, dice) for key, value in base.items() if draw(dice) != 0}
    if isinstance(base, list):
        return [_reshape(draw, value, values, dice) for value in base]
    return base


@st.composite
def reshaped(draw: st.DrawFn, base: Any, values: st.SearchStrategy[Any] = ANY) -> Any:
    """Return *base* with each part, at every depth, kept, replaced by any value, or left out of its object."""
    return _reshape(draw, base, values, st.integers(min_value=0, max_value=5))


@SETTINGS
@given(data=st.data(), name=st.sampled_from(sorted(PAYLOADS)))
def test_a_reshaped_real_payload_gives_an_event_or_a_value_error(data: st.DataObject, name: str) -> None:
    """A real-shaped payload with parts at every depth replaced or left out is an Event or a ValueError."""
    _assert_valid(name, data.draw(reshaped(PAYLOADS[name])))


def _accepted(name: str, body: bytes) -> bool:
    try:
        parse_event(name, json.loads(body.decode("utf-8")))
    except ValueError:
        return False
    return True


BODIES = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
    st.sampled_from(["pull_request", "merge_group"]).flatmap(
        lambda name: reshaped(PAYLOADS[name], JSON).map(lambda value: json.dumps(value).encode())
    ),
    JSON.map(lambda value: json.dumps(value).encode()),
    st.integers(min_value=2, max_value=500).map(lambda depth: json.dumps(_deep(depth)).encode()),
)


@CLI_SETTINGS
@given(name=NAMES, body=BODIES)
def test_gate_command_rejects_a_bad_event_with_exit_2(run_cli: Callable[..., Run], name: str, body: bytes) -> None:
    """`release-gate gate` with an event it cannot use exits 2 naming GITHUB_EVENT_PATH or the event, offline."""
    assume(not _accepted(name, body))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "event.json"
        path.write_bytes(body)
        env = {
            "GITHUB_EVENT_NAME": name or "push",
            "GITHUB_EVENT_PATH": str(path),
            "GITHUB_REPOSITORY": "o/r",
            "GITHUB_API_URL": "http://127.0.0.1:9",  # never reached: the event is rejected first
            "GITHUB_TOKEN": "fuzz-token",
            "GITHUB_STEP_SUMMARY": str(Path(folder) / "summary.md"),
            "GITHUB_OUTPUT": str(Path(folder) / "output.txt"),
        }
        result = run_cli("gate", "--timeout", "1", env=env)
        assert (result.code, result.out) == (2, ""), result.err
        if (name or "push") in HANDLED_EVENTS:
            assert "GITHUB_EVENT_PATH" in result.err
        else:  # an event it does not handle is named, whatever its file holds
            assert "the gate does not handle " in result.err
        assert result.err.count("\n") == 1
        assert "Traceback" not in result.err
        assert not (Path(folder) / "output.txt").exists()


# -- GitHub's GraphQL answers ---------------------------------------------------------------------

MEETING = dt.datetime(2018, 8, 9, 18, tzinfo=dt.UTC)
KS = "jupyterhub/kubespawner"


@dataclasses.dataclass(frozen=True)
class Truth:
    """The founding plan read from the fake GitHub: the query, its true answer, and what it gives."""

    plan: Plan
    graph: ReleaseGraph
    request: StateRequest
    batch: gq.Batch
    response: dict[str, Any]
    state: State
    evaluation: Evaluation


def _plan() -> Plan:
    """Return the founding plan on GitHub alone: tags everywhere, kubespawner decided by its GitHub releases."""
    text = re.sub(r"^(sources|published) = .*$", "", EXAMPLE_PLAN.read_text(encoding="utf-8"), flags=re.MULTILINE)
    text = text.replace(f'github = "{KS}"', f'github = "{KS}"\nsources = ["github-releases", "tags"]')
    return parse_plan(text, path="github-only.toml")


def _state() -> State:
    """Return the recorded state, where kubespawner 0.9.0b1 is tagged and its GitHub release still a draft."""
    state = load_snapshot(EXAMPLE_STATE)
    repos = dict(state.repos)
    repo = repos[KS]
    assert isinstance(repo, RepoState)
    when = dt.datetime(2018, 8, 8, 12, tzinfo=dt.UTC)
    repos[KS] = dataclasses.replace(
        repo,
        tags=(*repo.tags, Tag("v0.9.0b1", "", when), Tag("v0.9.0a1", "", None)),
        releases=(GitHubRelease("v0.9.0b1", draft=True, prerelease=True), GitHubRelease("v0.8.1", published_at=when)),
    )
    return dataclasses.replace(state, repos=repos)


def _read(batch: gq.Batch, request: StateRequest, response: object) -> State:
    """Read *response* as the provider does, and build the follow-up queries it asks for."""
    if isinstance(response, dict):
        gq.failed_in_passing(response)
    answer = gq.Gathered()
    gq.read_answer(batch, response, answer, request)
    gq.more_batches(answer, request)
    return gq.state_of(answer, request, taken_at=MEETING, source="fuzz", stats=ReadStats())


@pytest.fixture(scope="module")
def truth(github_schema: Any) -> Truth:
    """Ask the fake GitHub the query the founding plan needs, once; keep its answer as JSON."""
    plan = _plan()
    graph = build_graph(plan)
    request = request_for(plan, (*graph.pull_requests(), *graph.issues()))
    (batch,) = gq.first_batches(request)
    fake = FakeGitHub(_state(), schema=github_schema)
    response = json.loads(json.dumps(fake.graphql(batch.text, batch.variables)))
    assert fake.invalid_queries == []
    assert "errors" not in response
    state = _read(batch, request, response)
    evaluation = evaluate(graph, state)
    assert evaluation.release("kubespawner").status is ReleaseStatus.TAGGED  # the draft release does not count
    assert evaluation.pr(ItemRef(KS, 205)).answer is Answer.BLOCKED
    return Truth(plan, graph, request, batch, response, state, evaluation)


def _touched(target: tuple[str, ...], corruption: tuple[Any, ...]) -> bool:
    """Whether a corruption at *corruption* (a path in the response) can change what *target* reads."""
    if corruption[:1] != ("data",):
        return corruption[:1] != ("extensions",)  # errors, or the whole answer
    inner = corruption[1:]
    return inner[: len(target)] == target or target[: len(inner)] == inner


def _more_permissive(true: Evaluation, seen: Evaluation, request: StateRequest) -> list[str]:
    """Say what is released, cuttable, free or clear to merge in *seen* but not in the *true* evaluation."""
    problems = [
        f"release {t.id}: {s.status}, truly {t.status}"
        for t, s in zip(true.releases, seen.releases, strict=True)
        if (s.status is ReleaseStatus.RELEASED and t.status is not ReleaseStatus.RELEASED)
        or (s.status is ReleaseStatus.UNBLOCKED and t.status in (ReleaseStatus.BLOCKED, ReleaseStatus.UNKNOWN))
    ]
    problems.extend(
        f"hold {t.id}: free, truly {t.status}"
        for t, s in zip(true.holds, seen.holds, strict=True)
        if s.status is HoldStatus.FREE and t.status is not HoldStatus.FREE
    )
    problems.extend(
        f"PR {ref}: clear, truly {true.pr(ref).answer}"
        for ref in request.items
        if seen.pr(ref).answer is Answer.CLEAR and true.pr(ref).answer is not Answer.CLEAR
    )
    return problems


def _read_or_unavailable(truth: Truth, response: object) -> State | None:
    try:
        return _read(truth.batch, truth.request, response)
    except StateUnavailableError:
        return None
    except gq.GraphQLRateLimited as error:
        described = _describe(error)
    assert described is not None  # the provider turns GraphQLRateLimited into StateUnavailableError
    return None


_MISSING = object()


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        if (isinstance(value, dict) and key in value) or (
            isinstance(value, list) and isinstance(key, int) and key < len(value)
        ):
            value = value[key]
        else:
            return _MISSING
    return value


def _problems(truth: Truth, response: object, changed: list[tuple[Any, ...]], *, unreadable: bool) -> list[str]:
    """Read and evaluate *response*, the true answer *changed* at those paths; say where it differs where it must not.

    Targets whose part of the answer did not change read as before; when every change made
    data *unreadable*, nothing comes out more permissive than from the true answer.
    """
    state = _read_or_unavailable(truth, response)
    if state is None:
        return []
    evaluation = evaluate(truth.graph, state)
    problems = []
    for path, target in truth.batch.targets.items():
        if any(_touched(path, p) for p in changed):
            continue
        if target.kind == "item":
            assert target.ref is not None
            if state.items[target.ref.key] != truth.state.items[target.ref.key]:
                problems.append(f"{target.ref} changed, but its answer did not")
        elif target.kind == "repo" and state.repos[target.slug.lower()] != truth.state.repos[target.slug.lower()]:
            problems.append(f"{target.slug} changed, but its answer did not")
    if unreadable:
        problems.extend(_more_permissive(truth.evaluation, evaluation, truth.request))
    return problems


@SETTINGS
@given(data=st.data())
def test_a_corrupted_answer_is_unknown_never_more_permissive(truth: Truth, data: st.DataObject) -> None:
    """A real answer with values of the wrong type, nulls, missing keys, huge or unicode strings reads without a crash.

    What the corruptions did not touch reads as before; when every corruption made data
    unreadable (not another value of the right type), no release, hold or PR comes out
    more permissive than from the true answer.
    """
    response, kinds, changed = data.draw(corrupted(truth.response))
    assert _problems(truth, response, changed, unreadable=kinds <= {"wrong-type", "null", "missing"}) == []


EXEMPLARS: tuple[object, ...] = (None, False, True, 0, "", "x", [], [{}], {})


def _replaced(document: Any, path: tuple[Any, ...], value: object) -> Any:
    """Return a copy of *document* with the value at *path* replaced by *value* (left out: ``_MISSING``)."""
    if not path:
        return value
    document = copy.deepcopy(document)
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if value is _MISSING:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return document


def test_every_unreadable_part_of_an_answer_is_unknown_never_more_permissive(truth: Truth) -> None:
    """Every value of a real answer in turn nulled, left out or of another JSON type: never more permissive.

    Exhaustive where the property above samples: every path, and values of every other JSON
    type, falsy and truthy (what a careless ``or {}`` or ``bool()`` would read as data).
    """
    problems: list[str] = []
    for path in _paths(truth.response, 99):
        old = _at(truth.response, path)
        for value in (_MISSING, *EXEMPLARS):
            if (value is _MISSING and not path) or (value is not _MISSING and _json_type(value) == _json_type(old)):
                continue
            response = _replaced(truth.response, path, value)
            where = "/".join(map(str, path))
            changed = [path[:-1] if value is _MISSING and isinstance(_at(truth.response, path[:-1]), list) else path]
            problems.extend(f"{where} = {value!r}: {p}" for p in _problems(truth, response, changed, unreadable=True))
    assert problems == []


@SETTINGS
@given(value=ANY, where=st.sampled_from(["whole", "data", "errors", "rateLimit", "r2", "i205", "f4", "s0", "error"]))
def test_any_json_as_an_answer_is_a_world_or_state_unavailable(truth: Truth, value: Any, where: str) -> None:
    """Any JSON as the answer, its data, its errors or one alias's value is a State (that evaluates) or exit 3."""
    response: Any = copy.deepcopy(truth.response)
    if where == "whole":
        response = value
    elif where in ("data", "errors"):
        response[where] = value
    elif where == "error":
        response["errors"] = [value]
    elif where in ("rateLimit", "r2", "s0"):
        response["data"][where] = value
    else:
        response["data"]["r2" if where == "i205" else "r4"][where] = value
    assert _problems(truth, response, [()], unreadable=True) == []


# -- PyPI and Helm bodies -------------------------------------------------------------------------

PYPI_INDEX = "https://pypi.example/pypi"
HELM_INDEX = "https://charts.example/index.yaml"
REGISTRY_PLAN = parse_plan(
    f"""
[plan]
name = "registries"
[repos.lib]
github = "o/lib"
published = {{ pypi = "lib", pypi_index = "{PYPI_INDEX}" }}
[repos.chart]
github = "o/chart"
scheme = "semver"
published = {{ helm = {{ index = "{HELM_INDEX}", chart = "app" }} }}
[releases.lib]
version = ">=1.0.0b1"
accept = "pre"
[releases.chart]
version = ">=1.0.0-beta.1"
accept = "pre"
after = ["lib"]
"""
)
FILE = {"filename": "lib-1.0.0b1.tar.gz", "upload_time_iso_8601": "2024-02-01T00:00:00.000000Z", "yanked": False}
PROJECT = {"info": {"name": "lib"}, "releases": {"0.9": [FILE], "1.0.0b1": [FILE, {**FILE, "yanked": True}]}}
SIMPLE_FILE = {"filename": "lib-1.0.0b1.tar.gz", "upload-time": "2024-02-01T00:00:00.000000Z", "yanked": False}
SIMPLE = {
    "meta": {"api-version": "1.1"},
    "name": "lib",
    "versions": ["0.9", "1.0.0b1"],
    "files": [{**SIMPLE_FILE, "filename": "lib-0.9.tar.gz"}, SIMPLE_FILE, {**SIMPLE_FILE, "yanked": "broken"}],
}
SIMPLE_TYPES = st.sampled_from([SIMPLE_JSON, f"{SIMPLE_JSON}; charset=utf-8", "text/html", "application/json", ""])
INDEX = {
    "apiVersion": "v1",
    "entries": {"app": [{"name": "app", "version": "1.0.0-beta.1", "created": "2024-02-01T00:00:00Z"}]},
}
YAML_SNIPPETS = st.sampled_from(
    ["created: 2018-02-30", "created: 0001-01-01T00:00:00+01:00", "created: 9999-12-31T23:59:59-01:00",
     "version: " + "1" * 5000, "version: 1.0", "version: [a, b]", "version: &a [*a]", "version: !!binary aGk=",
     "version: !!python/object:os.system x", "? [a]\n: b", "app: &x {version: 1.0.0}\nb: *x", "{" * 2000,
     "".join(" " * i + "a:\n" for i in range(1200)), "\ufeffentries: {app: []}", "\t: x", "version: .inf"]
)  # fmt: skip


def _yaml_text(value: Any) -> bytes:
    try:
        return yaml.safe_dump(value).encode("utf-8", "surrogatepass")
    except (yaml.YAMLError, ValueError):
        return b"{}"


def _body(shape: Any, *, yaml_body: bool = False) -> st.SearchStrategy[bytes]:
    """Bodies: raw bytes, any JSON or YAML, the real *shape* corrupted, deep nesting, YAML's odd corners."""
    dump = _yaml_text if yaml_body else (lambda v: json.dumps(v).encode())
    options = [
        st.binary(max_size=200),
        JSON.map(dump),
        corrupted(shape, JSON).map(lambda pair: dump(pair[0])),
        st.integers(min_value=2, max_value=5000).map(lambda n: b"[" * n + b"]" * n),
        st.just(dump(shape)),
    ]
    if yaml_body:
        options.append(
            st.lists(YAML_SNIPPETS, min_size=1, max_size=3).map("\nentries:\n  app:\n  - ".join)
            .map(lambda text: text.encode("utf-8", "surrogatepass"))
        )  # fmt: skip
    return st.one_of(options)


class _Canned(Http):
    """The HTTP layer with each exchange answered from *answers* (URL suffix -> status, body, Content-Type)."""

    def __init__(self, answers: dict[str, tuple[int, bytes, str]]) -> None:
        super().__init__(INDEXES, timeout=1, retries=0, budget=60.0)
        self.answers = answers

    def _exchange(self, method: str, url: str, headers: Any, data: Any) -> HttpResponse:
        del method, headers, data  # every request is a GET of the reader's
        self.sent += 1
        status, body, kind = next((a for suffix, a in self.answers.items() if url.endswith(suffix)), (404, b"", ""))
        return HttpResponse(status, CaseInsensitiveDict({"Content-Type": kind} if kind else {}), body)


class _Served(RegistryReader):
    """A RegistryReader whose HTTP requests are answered from *answers* (URL suffix -> status, body, Content-Type)."""

    def __init__(self, answers: dict[str, tuple[int, bytes, str]]) -> None:
        super().__init__(timeout=1, retries=0)
        self._http = _Canned(answers)


STATUS = st.sampled_from([200, 200, 200, 200, 304, 404, 406, 500])


@SETTINGS
@given(
    simple=st.tuples(STATUS, _body(SIMPLE), SIMPLE_TYPES),
    project=st.tuples(STATUS, _body(PROJECT)),
    index=st.tuples(STATUS, _body(INDEX, yaml_body=True)),
)
def test_any_registry_body_gives_a_registry_or_unknown(
    simple: tuple[int, bytes, str], project: tuple[int, bytes], index: tuple[int, bytes]
) -> None:
    """Any Simple API page (of any type), JSON API document or Helm index is a Registry or Unknown, and evaluates."""
    reader = _Served(
        {"/simple/lib/": simple, "/lib/json": (*project, "application/json"), "/index.yaml": (*index, "text/yaml")}
    )
    found = reader.read(request_for(REGISTRY_PLAN, ()))
    assert sorted(found) == ["helm:app", "pypi:lib"]
    assert all(isinstance(v, Registry | Unknown) for v in found.values())
    state = State(dt.datetime(2024, 6, 1, tzinfo=dt.UTC), "fuzz", {}, {}, {}, None, found)
    evaluation = evaluate(build_graph(REGISTRY_PLAN), state)
    assert [r.id for r in evaluation.releases] == ["lib", "chart"]


# -- a plan past the edges, read by the gate through GitHub ------------------------------------

GATE_SETTINGS = settings(CLI_SETTINGS, max_examples=20)


@GATE_SETTINGS
@given(text=edge_plans())
def test_gate_posts_error_for_a_plan_past_the_edges(repo: Repo, text: str) -> None:
    """A plan on GitHub past the edges (too deep, huge numbers, pins outside the repo): error status, exit 2."""
    state = repo.github.state
    kubespawner = state.repos[KS.lower()]
    assert isinstance(kubespawner, RepoState)
    plan = FileHistory.current(text, state.taken_at)
    repos = {**state.repos, KS.lower(): dataclasses.replace(kubespawner, files={**kubespawner.files, PLAN_PATH: plan})}
    repo.github.state = dataclasses.replace(state, repos=repos)
    result = repo.gate("pull_request", pr_payload(205, SHA_205))
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    assert "internal error" not in result.err
    assert "the plan has" in result.err
    assert repo.statuses(SHA_205)[-1][0] == "error"


# -- bugs found outside the files these tests may change (fix there, then drop the marker) -------------


def test_a_tag_of_thousands_of_digits_is_just_not_a_version(truth: Truth) -> None:
    """A tag named v999...9 (5,000 digits) in GitHub's answer is no version of anything: the State evaluates."""
    response = copy.deepcopy(truth.response)
    response["data"]["r2"]["tags"]["nodes"][0]["name"] = "v" + "9" * 5000
    evaluate(truth.graph, _read(truth.batch, truth.request, response))


def test_gate_command_rejects_a_deeply_nested_event_with_exit_2(run_cli: Callable[..., Run], tmp_path: Path) -> None:
    """An event file nested 5,000 deep is a bad event: exit 2, not an internal error."""
    path = tmp_path / "event.json"
    path.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    env = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(path), "GITHUB_REPOSITORY": "o/r"}
    result = run_cli("gate", env=env)
    assert "Traceback" not in result.err
    assert result.code == 2, result.err
