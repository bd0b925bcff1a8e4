"""Fakes for tests: GitHub (REST and GraphQL), PyPI and Helm over real HTTP on 127.0.0.1; a state in memory.

:class:`FakeGitHub` serves a :class:`~release_gate.state.State` as GitHub does, checking every
GraphQL query against GitHub's published schema; :class:`FakeRegistries` serves PyPI and Helm
indexes; :class:`FakeStateProvider` builds a state in memory, with no network at all.
"""

from __future__ import annotations

from release_gate.testing.provider import FakeStateProvider
from release_gate.testing.server import (
    SCHEMA_PACKAGE,
    FakeGitHub,
    FakeRegistries,
    Fault,
    PostedStatus,
    RecordedRequest,
    fetch_github_schema,
    load_github_schema,
)

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
