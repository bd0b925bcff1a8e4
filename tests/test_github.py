"""The live GitHub provider, driven for real through PyGithub against the fake GitHub on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import logging
import re
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from release_gate import (
    FoundBy,
    ReleaseStatus,
    SnapshotStateProvider,
    StateUnavailableError,
    Unknown,
    check,
    dump_snapshot,
    load_snapshot,
    parse_plan,
)
from release_gate.plan.model import ItemRef
from release_gate.sources.github import GitHubStateProvider
from release_gate.sources.registries import RegistryReader
from release_gate.state import PrState, PullRequest, State, Tag
from release_gate.testing import FakeGitHub, Fault
from tests.conftest import EXAMPLE_PLAN, EXAMPLE_STATE, Run

MEETING = dt.datetime(2018, 8, 9, 18, tzinfo=dt.UTC)
# These tests are about GitHub: the founding plan with tags as every repo's only source.
TAGS_ONLY = re.sub(r"^(sources|published|pins) = .*$", "", EXAMPLE_PLAN.read_text(encoding="utf-8"), flags=re.MULTILINE)
PLAN = parse_plan(TAGS_ONLY, path=str(EXAMPLE_PLAN))


def provider(fake: FakeGitHub, *, token: str | None = "", **kwargs: Any) -> GitHubStateProvider:
    """Return a provider for *fake*, with the fake's token unless told otherwise, and short limits."""
    options: dict[str, Any] = {"timeout": 2, "retries": 1, "max_wait": 5.0, "budget": 20.0, "clock": lambda: MEETING}
    options.update(kwargs)
    return GitHubStateProvider(token=fake.token if token == "" else token, base_url=fake.url, **options)


def verdicts(evaluation: Any) -> list[tuple[str, str]]:
    """Release and hold statuses, for comparing two evaluations."""
    return [(r.id, str(r.status)) for r in evaluation.releases] + [(h.id, str(h.status)) for h in evaluation.holds]


def test_whole_plan_in_one_graphql_request(fake_github: FakeGitHub) -> None:
    """The founding plan is read with one GraphQL request, and its cost is reported."""
    evaluation = check(PLAN, provider(fake_github))
    assert len(fake_github.requests) == 1
    assert fake_github.requests[0].graphql.startswith("query ReleaseGateState(")
    assert evaluation.stats is not None
    assert (evaluation.stats.requests, evaluation.stats.graphql_cost) == (1, 1)
    assert evaluation.stats.rate_remaining == 4999


def test_live_read_gives_the_recorded_verdicts(fake_github: FakeGitHub) -> None:
    """Reading the recorded state live gives the same verdicts, reasons and actions as the snapshot."""
    live = check(PLAN, provider(fake_github))
    recorded = check(PLAN, SnapshotStateProvider(EXAMPLE_STATE))
    assert verdicts(live) == verdicts(recorded)
    assert [r.reasons for r in live.releases] == [r.reasons for r in recorded.releases]
    assert live.actions == recorded.actions
    assert [h.prs for h in live.holds] == [h.prs for h in recorded.holds]


def test_rest_path_gives_the_same_evaluation(fake_github: FakeGitHub) -> None:
    """Without a token, REST reads public repos and the evaluation equals the GraphQL one."""
    graphql = check(PLAN, provider(fake_github))
    rest = check(PLAN, provider(fake_github, token=None))
    assert verdicts(rest) == verdicts(graphql)
    assert [r.reasons for r in rest.releases] == [r.reasons for r in graphql.releases]
    assert [r.released for r in rest.releases] == [r.released for r in graphql.releases]
    assert rest.stats is not None
    assert "60 requests an hour" in rest.stats.notes[0]
    rest_requests = [r for r in fake_github.requests if not r.graphql]
    assert all(not r.authorized for r in rest_requests)
    assert len(rest_requests) == rest.stats.requests


def test_rest_and_graphql_agree_on_a_released_world(github_schema: Any) -> None:
    """A state where releases are out and a hold was broken reads the same through REST and GraphQL."""
    state = load_snapshot(EXAMPLE_STATE)
    later = dt.datetime(2018, 8, 25, tzinfo=dt.UTC)
    repos = dict(state.repos)
    ks = repos["jupyterhub/kubespawner"]
    assert not isinstance(ks, Unknown)
    repos["jupyterhub/kubespawner"] = type(ks)(
        ks.slug, (*ks.tags, Tag("v0.9.0b1", "", dt.datetime(2018, 8, 19, tzinfo=dt.UTC))), ks.default_branch
    )
    items = dict(state.items)
    for number in (230, 232):
        ref = ItemRef("jupyterhub/kubespawner", number)
        old = items[ref.key]
        assert isinstance(old, PullRequest)
        items[ref.key] = PullRequest(ref, PrState.MERGED, old.title, merged_at=dt.datetime(2018, 8, 15, tzinfo=dt.UTC))
    ref = ItemRef("jupyterhub/kubespawner", 205)
    items[ref.key] = PullRequest(ref, PrState.MERGED, "big", merged_at=dt.datetime(2018, 8, 16, tzinfo=dt.UTC))
    state = type(state)(later, "test", repos, items)
    with FakeGitHub(state, schema=github_schema) as fake:
        graphql = check(PLAN, provider(fake, clock=lambda: later))
        rest = check(PLAN, provider(fake, token=None, clock=lambda: later))
    assert graphql.release("kubespawner").status is ReleaseStatus.RELEASED
    assert graphql.hold("kubespawner-big-prs").status.value == "violated"
    assert verdicts(rest) == verdicts(graphql)
    assert [h.prs for h in rest.holds] == [h.prs for h in graphql.holds]
    assert fake.invalid_queries == []


def test_parts_found_by_search_are_covered_and_labelled(github_schema: Any) -> None:
    """A part opened after the plan was written, titled or described as a part, is found by search."""
    state = load_snapshot(EXAMPLE_STATE)
    items = dict(state.items)
    for number, title in ((240, "Tolerations"), (241, "[Part 5 of #205] Affinities"), (242, "Typo")):
        ref = ItemRef("jupyterhub/kubespawner", number)
        items[ref.key] = PullRequest(ref, PrState.OPEN, title)
    state = type(state)(state.taken_at, "test", state.repos, items)
    bodies = {
        ItemRef("jupyterhub/kubespawner", 240): "Split out of #205: tolerations.",
        ItemRef("jupyterhub/kubespawner", 242): "Fixes a typo introduced in #205.",
    }
    with FakeGitHub(state, schema=github_schema, bodies=bodies) as fake:
        evaluation = check(PLAN, provider(fake))
        assert fake.invalid_queries == []
    held = {pr.label: pr.found_by for pr in evaluation.hold("kubespawner-big-prs").prs}
    assert held == {
        "kubespawner#205": FoundBy.PLAN,
        "kubespawner#240": FoundBy.SEARCH,
        "kubespawner#241": FoundBy.TITLE,
    }


def _z2jh_with_a_described_part() -> tuple[State, dict[ItemRef, str]]:
    """Return the 2018 state plus z2jh#842, a part of #758 named only in its description (found by search only)."""
    state = load_snapshot(EXAMPLE_STATE)
    ref = ItemRef("jupyterhub/zero-to-jupyterhub-k8s", 842)
    items = {**state.items, ref.key: PullRequest(ref, PrState.OPEN, "User scheduler")}
    return dataclasses.replace(state, items=items), {ref: "Split out of #758: the user scheduler."}


@pytest.mark.parametrize("token", [True, False], ids=["graphql", "rest"])
def test_an_incomplete_search_makes_the_hold_unknown_never_free(
    github_schema: Any, tmp_path: Path, run_cli: Callable[..., Run], token: bool
) -> None:
    """A part the search missed (incomplete results) is unknown, exit 3: `check --pr` never clears it."""
    state, bodies = _z2jh_with_a_described_part()
    plan = tmp_path / "plan.toml"
    plan.write_text(TAGS_ONLY, encoding="utf-8")
    with FakeGitHub(state, schema=github_schema, bodies=bodies) as fake:
        env = {"GH_TOKEN": str(fake.token)} if token else {}
        live = ("--github-url", fake.url, "--no-cache")
        whole = run_cli("check", str(plan), "--pr", "z2jh#842", *live, env=env)
        fake.search_misses = 1
        short = run_cli("check", str(plan), "--pr", "z2jh#842", *live, env=env)
        other = run_cli("check", str(plan), "--pr", "z2jh#900", *live, env=env)
        listed = run_cli("check", str(plan), "--pr", "z2jh#758", *live, env=env)
        assert fake.invalid_queries == []
    assert whole.code == 1, whole.out + whole.err  # found by search: held
    assert short.code == 3, short.out + short.err  # the search fell short: unknown, never clear
    assert "parts of z2jh#758 may be missing" in short.out
    assert other.code == 3  # any PR of the repository may be the part the search missed
    assert listed.code == 1  # the parent itself is still held


@pytest.mark.parametrize(
    "body",
    [
        {"total_count": 1, "items": [{"number": 842, "title": "x"}]},
        {"total_count": "1", "incomplete_results": False, "items": []},
        {"total_count": 1, "incomplete_results": False, "items": [{"title": "no number"}]},
        {"total_count": 1, "incomplete_results": False, "items": [None]},
        [],
    ],
    ids=["no-incomplete-flag", "count-not-a-number", "no-number", "null-item", "not-an-object"],
)
def test_a_search_answer_of_an_unexpected_shape_is_unknown_not_a_crash(
    github_schema: Any, tmp_path: Path, run_cli: Callable[..., Run], body: Any
) -> None:
    """A REST search answer (no token) that is not shaped as GitHub documents: the family is unknown, exit 3."""
    state, bodies = _z2jh_with_a_described_part()
    plan = tmp_path / "plan.toml"
    plan.write_text(TAGS_ONLY, encoding="utf-8")
    with FakeGitHub(state, schema=github_schema, bodies=bodies) as fake:
        fake.rest_answers["GET", "/search/issues"] = (200, body)
        run = run_cli("check", str(plan), "--pr", "z2jh#842", "--github-url", fake.url, "--no-cache")
    assert run.code == 3, run.out + run.err
    assert "could not be read" in run.out
    assert "Traceback" not in run.err


def test_a_failed_search_makes_a_needed_family_unknown(github_schema: Any) -> None:
    """A release that needs a family whose search fell short is unknown, not unblocked."""
    state, bodies = _z2jh_with_a_described_part()
    items = dict(state.items)
    for number, pr_state in ((758, PrState.CLOSED), (842, PrState.MERGED)):
        ref = ItemRef("jupyterhub/zero-to-jupyterhub-k8s", number)
        items[ref.key] = PullRequest(ref, pr_state, "x", merged_at=MEETING if pr_state is PrState.MERGED else None)
    state = dataclasses.replace(state, items=items)
    plan = parse_plan(
        '[plan]\nname = "t"\n[repos.z2jh]\ngithub = "jupyterhub/zero-to-jupyterhub-k8s"\nscheme = "semver"\n'
        'tags = ["v{version}", "{version}"]\n[releases.chart]\nrepo = "z2jh"\nversion = ">=0.7.0-beta.1"\n'
        'accept = "pre"\nneeds = { prs = ["z2jh#758"] }\n[families."z2jh#758"]\ndiscover = true\n'
    )
    with FakeGitHub(state, schema=github_schema, bodies=bodies) as fake:
        whole = check(plan, provider(fake)).release("chart")
        fake.search_misses = 1
        short = check(plan, provider(fake)).release("chart")
        assert fake.invalid_queries == []
    assert whole.status is ReleaseStatus.UNBLOCKED  # every part merged
    assert short.status is ReleaseStatus.UNKNOWN  # a part may be missing: never unblocked by accident
    unknown = [r for r in short.reasons if r.outcome.value == "unknown"]
    assert [r.condition for r in unknown] == ["needs every part of z2jh#758 merged"]
    assert "counted 1 results but gave 0" in unknown[0].detail


def test_missing_repo_and_pr_are_unknown_with_a_hint(github_schema: Any) -> None:
    """A repo or PR that does not exist is unknown ("not found", with a hint); the rest evaluates."""
    plan = PLAN
    state = load_snapshot(EXAMPLE_STATE)
    repos = {k: v for k, v in state.repos.items() if k != "jupyterhub/oauthenticator"}
    items = {k: v for k, v in state.items.items() if k != ("jupyterhub/kubespawner", 232)}
    with FakeGitHub(type(state)(state.taken_at, "t", repos, items), schema=github_schema) as fake:
        for token in ("", None):
            evaluation = check(plan, provider(fake, token=token))
            oauth = evaluation.release("oauthenticator")
            assert oauth.status is ReleaseStatus.UNKNOWN
            assert "not found" in oauth.reasons[0].detail
            kubespawner = evaluation.release("kubespawner")
            assert kubespawner.status is ReleaseStatus.BLOCKED  # #230 is open: blocked whatever #232 is
            assert "no PR or issue #232 in jupyterhub/kubespawner" in kubespawner.reasons[1].detail
            assert evaluation.release("jupyterhub").status is ReleaseStatus.UNBLOCKED
        assert fake.invalid_queries == []


def test_graphql_partial_error_is_unknown_for_that_node(fake_github: FakeGitHub) -> None:
    """A GraphQL error on one PR makes that PR unknown and leaves the others read."""
    fake_github.node_errors[ItemRef("jupyterhub/zero-to-jupyterhub-k8s", 758)] = "FORBIDDEN"
    evaluation = check(PLAN, provider(fake_github))
    hold = evaluation.hold("z2jh-big-prs")
    assert hold.status.value == "unknown"
    assert "FORBIDDEN" in hold.prs[0].detail or "Forbidden" in hold.prs[0].detail
    assert evaluation.hold("kubespawner-big-prs").status.value == "held"


def test_older_tag_pages_are_read_only_while_undecided(github_schema: Any) -> None:
    """Tags past the first page are read by cursor only while a release is not decided yet."""
    state = load_snapshot(EXAMPLE_STATE)
    repos = dict(state.repos)
    hub = repos["jupyterhub/jupyterhub"]
    assert not isinstance(hub, Unknown)
    start = dt.datetime(2018, 7, 5, tzinfo=dt.UTC)  # after 0.9.1: the newest 250 tags name no version
    noise = tuple(Tag(f"docs-{i}", "", start + dt.timedelta(hours=i)) for i in range(250))
    repos["jupyterhub/jupyterhub"] = type(hub)(hub.slug, (*hub.tags, *noise), hub.default_branch)
    with FakeGitHub(type(state)(state.taken_at, "t", repos, state.items), schema=github_schema) as fake:
        evaluation = check(PLAN, provider(fake))
        assert fake.invalid_queries == []
    # jupyterhub >0.9.1: the two newest pages hold no version, so they decide nothing; the
    # third reaches 0.9.1, below the bound, and reading stops there.
    assert len(fake.graphql_requests) == 3
    assert evaluation.release("jupyterhub").status is ReleaseStatus.UNBLOCKED
    assert evaluation.stats is not None
    assert evaluation.stats.notes == ("read older pages of tags or search results in 2 more round(s)",)


def test_a_repo_with_more_pages_of_tags_than_the_rounds_allow_is_unknown(
    github_schema: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_ROUNDS follow-up rounds a repo still undecided is unknown (its release too), never a crash."""
    monkeypatch.setattr("release_gate.sources.github.MAX_ROUNDS", 1)
    state = load_snapshot(EXAMPLE_STATE)
    repos = dict(state.repos)
    hub = repos["jupyterhub/jupyterhub"]
    assert not isinstance(hub, Unknown)
    start = dt.datetime(2018, 7, 5, tzinfo=dt.UTC)
    noise = tuple(Tag(f"docs-{i}", "", start + dt.timedelta(hours=i)) for i in range(250))
    repos["jupyterhub/jupyterhub"] = type(hub)(hub.slug, (*hub.tags, *noise), hub.default_branch)
    with FakeGitHub(type(state)(state.taken_at, "t", repos, state.items), schema=github_schema) as fake:
        evaluation = check(PLAN, provider(fake))
    hub_release = evaluation.release("jupyterhub")
    assert hub_release.status is ReleaseStatus.UNKNOWN
    assert "jupyterhub/jupyterhub: more than 1 pages of tags" in hub_release.reasons[0].detail


def test_a_large_plan_is_split_into_few_queries(github_schema: Any) -> None:
    """Past one query's size the plan is split, and every query still validates against GitHub's schema."""
    from benchmarks.generate import generated  # noqa: PLC0415

    plan, state = generated(repos=30, prs=600)
    with FakeGitHub(state, schema=github_schema) as fake:
        evaluation = check(plan, provider(fake))
        assert fake.invalid_queries == []
    assert 1 < len(fake.graphql_requests) <= 5
    assert all(r.status is not ReleaseStatus.UNKNOWN for r in evaluation.releases)


@pytest.mark.parametrize(
    ("fault", "needle"),
    [
        (Fault.SERVER_ERROR, "kept failing"),
        (Fault.BAD_GATEWAY, "kept failing"),
        (Fault.SECONDARY_RATE_LIMIT, "rate limited"),
        (Fault.TOO_MANY_REQUESTS, "rate limited"),
        (Fault.PRIMARY_EXHAUSTED, "rate limited; it resets at"),
        (Fault.GRAPHQL_RATE_LIMITED, "rate limited; it resets at"),
        (Fault.MALFORMED_JSON, "not valid JSON"),
        (Fault.TRUNCATED, "cut short"),
        (Fault.RESET, "connection broke off"),
        (Fault.SLOW, "did not answer in time"),
    ],
    ids=str,
)
def test_persistent_fault_is_state_unavailable(fake_github: FakeGitHub, fault: Fault, needle: str) -> None:
    """A fault on every request ends, within a bounded time, in StateUnavailableError, never a verdict."""
    fake_github.slow_seconds = 1.5
    fake_github.inject(fault, times=None)
    started = time.monotonic()
    with pytest.raises(StateUnavailableError) as raised:
        check(PLAN, provider(fake_github, timeout=1, retries=1, max_wait=2.0))
    assert time.monotonic() - started < 15
    assert needle in str(raised.value)
    assert fake_github.token is not None
    assert fake_github.token not in str(raised.value)


@pytest.mark.parametrize(
    "fault",
    [Fault.SERVER_ERROR, Fault.BAD_GATEWAY, Fault.SECONDARY_RATE_LIMIT, Fault.TOO_MANY_REQUESTS, Fault.RESET],
    ids=str,
)
def test_transient_fault_is_retried(fake_github: FakeGitHub, fault: Fault) -> None:
    """A fault on the first request only is retried, and the verdicts are the recorded ones."""
    fake_github.inject(fault, times=1)
    live = check(PLAN, provider(fake_github, retries=2))
    assert verdicts(live) == verdicts(check(PLAN, SnapshotStateProvider(EXAMPLE_STATE)))


def test_retry_after_waits_count_in_the_budget(fake_github: FakeGitHub) -> None:
    """A Retry-After GitHub asks for that would pass the read's budget is not waited for: unavailable at once."""
    fake_github.inject(Fault.TOO_MANY_REQUESTS, times=None, retry_after=5)
    started = time.monotonic()
    with pytest.raises(StateUnavailableError) as raised:
        check(PLAN, provider(fake_github, max_wait=30.0, budget=2.0))
    assert time.monotonic() - started < 2
    assert raised.value.problem == "rate limited; GitHub asks to wait 5 s, past the 2 s budget of GitHub"
    assert len(fake_github.requests) == 1


def test_a_github_answer_past_the_size_limit_is_not_read_to_its_end(
    fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub's answers have the size limit of the package indexes': past it, the read is unavailable, saying so."""
    monkeypatch.setattr("release_gate.sources._http.MAX_ANSWER", 1000)
    with pytest.raises(StateUnavailableError) as raised:
        check(PLAN, provider(fake_github))
    assert (
        raised.value.problem
        == f"{fake_github.url.removesuffix('/v3')}/graphql answered more than 0 MiB; release-gate stops there"
    )
    assert len(fake_github.requests) == 1


def test_the_library_leaves_logging_alone(
    fake_github: FakeGitHub, live_plan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading GitHub and the indexes, through faults, changes no logger: logging is the application's to set up."""
    from release_gate.state import request_for  # noqa: PLC0415

    names = ("github", "github.Requester", "github.GithubRetry", "urllib3", "urllib3.connectionpool")
    for name in names:  # as in a fresh process, whatever ran before
        monkeypatch.setattr(logging.getLogger(name), "level", logging.NOTSET)
    before = {name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers)) for name in names}
    fake_github.inject(Fault.SERVER_ERROR, times=1)
    check(PLAN, provider(fake_github))
    check(PLAN, provider(fake_github, token=None))
    RegistryReader(timeout=2).read(request_for(parse_plan(live_plan.read_text(encoding="utf-8")), ()))
    after = {name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers)) for name in names}
    assert after == before


def test_bad_token_is_state_unavailable_with_a_hint(fake_github: FakeGitHub) -> None:
    """A refused token ends in StateUnavailableError that says what to check and never shows the token."""
    with pytest.raises(StateUnavailableError) as raised:
        check(PLAN, provider(fake_github, token="not-the-token-9f8e7d"))  # noqa: S106 - a wrong token on purpose
    assert "401 Bad credentials" in str(raised.value)
    assert "GH_TOKEN" in str(raised.value)
    assert "not-the-token-9f8e7d" not in str(raised.value)


def test_snapshot_round_trip_replays_the_same_evaluation(fake_github: FakeGitHub, tmp_path: Any) -> None:
    """Recording a live read and replaying it gives the same evaluation; no token is recorded."""
    plan = PLAN
    live_provider = provider(fake_github)
    from release_gate.graph import build_graph  # noqa: PLC0415
    from release_gate.state import request_for  # noqa: PLC0415

    graph = build_graph(plan)
    state = live_provider.fetch(request_for(plan, (*graph.pull_requests(), *graph.issues())))
    path = tmp_path / "state.json"
    path.write_text(dump_snapshot(state), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    assert fake_github.token is not None
    assert fake_github.token not in text
    assert "Authorization" not in text
    replayed = check(plan, SnapshotStateProvider(path))
    live = check(plan, provider(fake_github))
    assert verdicts(replayed) == verdicts(live)
    assert [r.reasons for r in replayed.releases] == [r.reasons for r in live.releases]
    assert json.loads(text)["read"]["requests"] == 1


def test_cli_live_check_matches_the_snapshot(
    fake_github: FakeGitHub, run_cli: Callable[..., Run], live_plan: Path
) -> None:
    """`release-gate check PLAN --github-url FAKE` gives the JSON verdicts of `check PLAN --snapshot SNAPSHOT`."""
    env = {"GH_TOKEN": str(fake_github.token)}
    live = run_cli(
        "check",
        str(live_plan),
        "--github-url",
        fake_github.url,
        "--as-of",
        "2018-08-09T18:00:00Z",
        "--format",
        "json",
        env=env,
    )
    recorded = run_cli("check", str(live_plan), "--snapshot", str(EXAMPLE_STATE), "--format", "json")
    assert (live.code, recorded.code) == (1, 1)
    live_doc, recorded_doc = json.loads(live.out), json.loads(recorded.out)
    for key in ("releases", "holds", "actions", "waves", "answer"):
        assert live_doc[key] == recorded_doc[key], key
    assert live_doc["state"]["read"]["requests"] == 1
    assert str(fake_github.token) not in live.out + live.err


def test_cli_snapshot_then_check_round_trips(
    fake_github: FakeGitHub, run_cli: Callable[..., Run], tmp_path: Any, live_plan: Path
) -> None:
    """`release-gate snapshot -o FILE` then `check --snapshot FILE` gives the live answer, offline."""
    env = {"GITHUB_TOKEN": str(fake_github.token)}
    out = tmp_path / "recorded.json"
    recorded = run_cli("snapshot", str(live_plan), "-o", str(out), "--github-url", fake_github.url, env=env)
    assert recorded.code == 0, recorded.err
    assert "wrote" in recorded.err
    live = run_cli("check", str(live_plan), "--github-url", fake_github.url, "--format", "json", env=env)
    replay = run_cli("check", str(live_plan), "--snapshot", str(out), "--format", "json")
    assert json.loads(live.out)["releases"] == json.loads(replay.out)["releases"]
    assert str(fake_github.token) not in out.read_text(encoding="utf-8")


def test_cli_token_env_names_the_variable(
    fake_github: FakeGitHub, run_cli: Callable[..., Run], live_plan: Path
) -> None:
    """--token-env reads the named variable; an unset one is exit 3 with a hint, not a silent anonymous read."""
    good = run_cli(
        "check",
        str(live_plan),
        "--github-url",
        fake_github.url,
        "--token-env",
        "MY_TOKEN",
        env={"MY_TOKEN": str(fake_github.token)},
    )
    assert good.code == 1
    missing = run_cli("check", str(live_plan), "--github-url", fake_github.url, "--token-env", "MY_TOKEN", env={})
    assert missing.code == 3
    assert "MY_TOKEN, which is not set" in missing.err
    assert "Traceback" not in missing.err


def test_cli_without_token_warns_about_the_anonymous_limit(
    fake_github: FakeGitHub, run_cli: Callable[..., Run], live_plan: Path
) -> None:
    """With no token the CLI reads through REST and says so on stderr."""
    result = run_cli("check", str(live_plan), "--github-url", fake_github.url, env={})
    assert result.code == 1
    assert "release-gate: note: no token" in result.err
    assert not fake_github.graphql_requests


def test_cli_github_api_url_from_the_environment(
    fake_github: FakeGitHub, run_cli: Callable[..., Run], live_plan: Path
) -> None:
    """GITHUB_API_URL sets the API root when --github-url is not given (GitHub Enterprise style)."""
    env = {"GH_TOKEN": str(fake_github.token), "GITHUB_API_URL": fake_github.url}
    assert run_cli("check", str(live_plan), env=env).code == 1
    assert fake_github.requests[0].path == "/api/graphql"


@pytest.mark.parametrize(
    ("host", "token", "warned"),
    [("github.internal.test", True, True), ("github.internal.test", False, False), ("127.0.0.1", True, False)],
    ids=["token-to-named-host", "no-token", "token-to-loopback"],
)
def test_cli_warns_when_the_token_would_go_over_plain_http(  # noqa: PLR0917 - fixtures and cases
    fake_github: FakeGitHub,
    run_cli: Callable[..., Run],
    live_plan: Path,
    monkeypatch: pytest.MonkeyPatch,
    host: str,
    token: bool,
    warned: bool,
) -> None:
    """A token sent over http:// to a host that is not loopback gets one warning naming the host, never the token."""
    resolve = socket.getaddrinfo

    def getaddrinfo(name: Any, *args: Any, **kwargs: Any) -> Any:
        return resolve("127.0.0.1" if name == "github.internal.test" else name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)  # the name reaches the fake on this machine
    fake_github.host = host
    env = {"GH_TOKEN": str(fake_github.token)} if token else {}
    result = run_cli("check", str(live_plan), "--github-url", fake_github.url, env=env)
    assert result.code == 1, result.err
    warnings = [line for line in result.err.splitlines() if line.startswith("release-gate: warning: ")]
    said = f"release-gate: warning: the GitHub token goes unencrypted over plain http:// to {host}; "
    assert [line.startswith(said) for line in warnings] == ([True] if warned else [])
    assert str(fake_github.token) not in result.out + result.err


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.PRIMARY_EXHAUSTED, Fault.RESET], ids=str)
def test_cli_fault_is_exit_3_with_a_message(
    fake_github: FakeGitHub, run_cli: Callable[..., Run], fault: Fault, live_plan: Path
) -> None:
    """A persistent fault is exit 3 with one clear message: never a traceback, never a verdict."""
    fake_github.inject(fault, times=None)
    result = run_cli(
        "check",
        str(live_plan),
        "--github-url",
        fake_github.url,
        "--timeout",
        "1",
        env={"GH_TOKEN": str(fake_github.token)},
    )
    assert result.code == 3
    assert result.err.startswith("release-gate: state unavailable: GitHub (http://127.0.0.1:")
    assert "Traceback" not in result.err
    assert result.out == ""


class _Terminal(io.StringIO):
    """Stands for a terminal's stderr."""

    def isatty(self) -> bool:
        """Answer as a terminal does."""
        return True


@pytest.mark.parametrize(
    ("terminal", "extra", "shown"),
    [(True, (), True), (False, (), False), (True, ("--quiet",), False), (True, ("--format", "json"), False)],
    ids=["terminal", "not-a-terminal", "quiet", "json"],
)
def test_progress_line_only_on_a_terminal(
    fake_github: FakeGitHub, live_plan: Path, terminal: bool, extra: tuple[str, ...], shown: bool
) -> None:
    """A live read shows a progress line on a terminal's stderr, never otherwise, with --quiet or in JSON mode."""
    from release_gate.cli import main  # noqa: PLC0415

    err: io.StringIO = _Terminal() if terminal else io.StringIO()
    env = {"GH_TOKEN": str(fake_github.token)}
    code = main(
        ["check", str(live_plan), "--github-url", fake_github.url, *extra], stdout=io.StringIO(), stderr=err, env=env
    )
    assert code == 1
    assert ("reading GitHub (GraphQL): request 1" in err.getvalue()) is shown


def test_rest_never_requests_a_pin_path_outside_the_repository(fake_github: FakeGitHub) -> None:
    """A Plan made in code with a '..' pin path (the reader refuses it) reads no such file: the release is unknown."""
    import dataclasses  # noqa: PLC0415

    plan = parse_plan(EXAMPLE_PLAN.read_text(encoding="utf-8"), path=str(EXAMPLE_PLAN))
    bad = "../../../../rate_limit"
    releases = tuple(dataclasses.replace(r, pins=(bad,)) if r.id == "chart" else r for r in plan.releases)
    evaluation = check(dataclasses.replace(plan, releases=releases), provider(fake_github, token=None))
    assert all("rate_limit" not in request.path for request in fake_github.requests)
    chart = next(r for r in evaluation.releases if r.id == "chart")
    assert str(chart.status) == "unknown"
    assert any(bad in reason.detail for reason in chart.reasons)
