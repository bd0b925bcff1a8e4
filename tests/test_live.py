"""A live read sends at once every request that waits for no other's answer: bounded, apart, within its budget."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from release_gate import LiveStateProvider, SnapshotStateProvider, StateUnavailableError, check, load_snapshot
from release_gate.graph import build_graph
from release_gate.pipeline import plan_request
from release_gate.plan.model import Plan, Source
from release_gate.plan.reader import parse_plan
from release_gate.sources._http import WORKERS
from release_gate.sources.registries import RegistryReader
from release_gate.state import Published, Registry, State, StateRequest, Unknown, registry_key
from release_gate.testing import FakeGitHub, FakeRegistries, Fault
from tests.conftest import EXAMPLE_PLAN, EXAMPLE_STATE
from tests.test_github import MEETING, provider, verdicts

LATENCY = 0.3
"""Each answer's delay: long enough that requests sent one after another never overlap."""
SOURCES = 6
"""What the founding plan reads: 1 GraphQL query, 4 PyPI projects and 1 Helm index."""


@pytest.fixture
def slow_fakes(github_schema: Any) -> Iterator[tuple[FakeGitHub, FakeRegistries]]:
    """Serve the 2018 state from a fake GitHub and fake indexes that answer after `LATENCY`, counted together."""
    state = load_snapshot(EXAMPLE_STATE)
    with (
        FakeGitHub(state, schema=github_schema, latency=LATENCY) as github,
        FakeRegistries(state, latency=LATENCY) as registries,
    ):
        registries.in_flight = github.in_flight
        yield github, registries
    assert github.invalid_queries == []


def _live(github: FakeGitHub, *, token: str | None = "", **options: Any) -> LiveStateProvider:
    return LiveStateProvider(provider(github, token=token), RegistryReader(timeout=2, retries=1, **options))


def _founding(as_of: Any = MEETING) -> StateRequest:
    return plan_request(build_graph(parse_plan(EXAMPLE_PLAN.read_text(encoding="utf-8"))), as_of=as_of)


def _charts(count: int) -> tuple[State, Callable[[FakeRegistries], Plan]]:
    """Return a state with *count* Helm charts, and the plan reading each from its own index on a fake."""
    state = load_snapshot(EXAMPLE_STATE)
    charts = {
        registry_key(Source.HELM, f"c{n}"): Registry(Source.HELM, f"c{n}", "", (Published("1.0.0", MEETING),))
        for n in range(count)
    }

    def plan(fake: FakeRegistries) -> Plan:
        repos = "".join(
            f'[repos.c{n}]\ngithub = "o/c{n}"\nscheme = "semver"\n'
            f'published = {{ helm = {{ index = "{fake.helm_index(f"c{n}")}", chart = "c{n}" }} }}\n'
            f'[releases.c{n}]\nversion = ">=1.0.0"\n'
            for n in range(count)
        )
        return parse_plan(f'[plan]\nname = "charts"\n{repos}')

    return dataclasses.replace(state, registries=charts), plan


def _registries(plan: Plan) -> StateRequest:
    return plan_request(build_graph(plan))


def test_the_founding_plans_reads_are_all_in_flight_at_once(slow_fakes: tuple[FakeGitHub, FakeRegistries]) -> None:
    """With a token, the GraphQL query and every index document are in flight together; the verdicts are as recorded."""
    github, registries = slow_fakes
    plan = parse_plan(registries.example_plan())
    live = check(plan, _live(github), as_of=MEETING)
    assert verdicts(live) == verdicts(check(plan, SnapshotStateProvider(EXAMPLE_STATE), as_of=MEETING))
    assert len(github.requests) + len(registries.requests) == SOURCES
    assert SOURCES <= github.in_flight.most <= 2 * WORKERS


def test_without_a_token_the_rest_reads_are_in_flight_together(slow_fakes: tuple[FakeGitHub, FakeRegistries]) -> None:
    """Without a token, the REST requests that wait for no answer go together, at most WORKERS at a time."""
    github, _ = slow_fakes
    state = provider(github, token=None).fetch(_founding())
    assert github.in_flight.most == WORKERS  # 16 requests wait for no other: WORKERS of them at a time
    assert state.stats is not None
    assert state.stats.requests == len(github.requests) == 17
    assert state.stats.rate_remaining == github.rate_limit - github.rate_used  # the fewest left, whoever answered last


def test_a_failing_index_does_not_cancel_or_corrupt_the_other_reads(
    slow_fakes: tuple[FakeGitHub, FakeRegistries],
) -> None:
    """A Helm index that keeps failing is unknown; GitHub and the PyPI projects read with it are as without it."""
    github, registries = slow_fakes
    text = registries.example_plan()
    helm = registries.helm_index("jupyterhub")
    plan = parse_plan(text.replace(helm, helm.replace("127.0.0.1", "localhost")))  # a host of its own
    request = plan_request(build_graph(plan), as_of=MEETING)
    whole = _live(github).fetch(request)
    registries.inject(Fault.SERVER_ERROR, times=None, route="/helm/")
    failing = _live(github).fetch(request)
    key = registry_key(Source.HELM, "jupyterhub")
    chart = failing.registries[key]
    assert isinstance(chart, Unknown)
    assert "the index kept failing after the retries" in chart.reason
    others = {name: found for name, found in failing.registries.items() if name != key}
    assert others == {name: found for name, found in whole.registries.items() if name != key}
    assert all(isinstance(found, Registry) for found in others.values())
    assert (failing.repos, failing.items, failing.families) == (whole.repos, whole.items, whole.families)


def test_the_budget_ends_every_read_at_once(github_schema: Any) -> None:
    """No request is sent past a read's budget: the indexes not yet asked are unknown; GitHub's read is unavailable."""
    state, plan_for = _charts(WORKERS + 2)
    with FakeRegistries(state, latency=1.2) as registries:
        started = time.monotonic()
        found = RegistryReader(timeout=2, retries=1, budget=1.0).read(_registries(plan_for(registries)))
        elapsed = time.monotonic() - started
    assert len(registries.requests) == WORKERS
    read = [isinstance(found[registry_key(Source.HELM, f"c{n}")], Registry) for n in range(WORKERS + 2)]
    assert read == [True] * WORKERS + [False] * 2  # asked in the plan's order, WORKERS at a time
    late = found[registry_key(Source.HELM, f"c{WORKERS}")]
    assert isinstance(late, Unknown)
    assert "not asked: the package indexes took longer than 1 s in all" in late.reason
    assert elapsed < 2 * 1.2
    with FakeGitHub(load_snapshot(EXAMPLE_STATE), schema=github_schema, latency=1.2) as github:
        started = time.monotonic()
        with pytest.raises(StateUnavailableError) as raised:
            provider(github, token=None, budget=1.0).fetch(_founding())
        elapsed = time.monotonic() - started
    assert "not asked: GitHub took longer than 1 s in all" in str(raised.value)
    assert len(github.requests) == WORKERS
    assert elapsed < 2 * 1.2


def test_when_github_cannot_be_read_the_index_reads_are_stopped(github_schema: Any) -> None:
    """GitHub refusing the token ends the read: the index requests not yet sent are never sent."""
    state, plan_for = _charts(WORKERS + 2)
    with (
        FakeGitHub(state, schema=github_schema, latency=0.5) as github,  # refuses once the indexes are asked
        FakeRegistries(state, latency=1.0) as registries,
    ):
        live = _live(github, token="not-the-token")  # noqa: S106 - a wrong token, refused
        started = time.monotonic()
        with pytest.raises(StateUnavailableError, match="the token was refused"):
            live.fetch(_registries(plan_for(registries)))
        elapsed = time.monotonic() - started
    assert len(registries.requests) == WORKERS  # those in flight end; the two waiting are not sent
    assert elapsed < 2 * 1.0


def test_progress_says_how_many_projects_and_charts_are_read(fake_registries: FakeRegistries) -> None:
    """Read at once, the indexes' progress counts the projects and charts read, one line each, in order."""
    lines: list[str] = []
    RegistryReader(progress=lines.append).read(_registries(parse_plan(fake_registries.example_plan())))
    assert lines == [
        "reading 5 projects and charts from package indexes",
        *(f"read {n} of 5 projects and charts from package indexes" for n in range(1, 6)),
    ]


def test_a_missing_repo_with_a_pin_file_is_unknown_and_the_rest_is_read(github_schema: Any) -> None:
    """Without a token, a repo that is not there is unknown (its PR and pin file with it); the other repos evaluate."""
    state = load_snapshot(EXAMPLE_STATE)
    gone = "jupyterhub/zero-to-jupyterhub-k8s"
    repos = {key: repo for key, repo in state.repos.items() if key != gone}
    with FakeGitHub(dataclasses.replace(state, repos=repos), schema=github_schema) as github:
        read = provider(github, token=None).fetch(_founding())
    z2jh = read.repo(gone)
    assert isinstance(z2jh, Unknown)
    assert "not found" in z2jh.reason
    assert read.items[gone, 758] == Unknown(f"{gone}#758: its repository could not be read")
    assert all(not isinstance(read.repo(slug), Unknown) for slug in _founding().repos if slug.lower() != gone)
