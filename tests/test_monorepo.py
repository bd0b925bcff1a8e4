"""Per-release packaging: several releases of one repository, each with its own tags, names and sources."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from release_gate.errors import PlanError
from release_gate.evaluate import ReleaseStatus
from release_gate.pipeline import check
from release_gate.plan.model import Plan
from release_gate.plan.reader import parse_plan
from release_gate.testing.provider import FakeStateProvider

TAKEN = dt.datetime(2024, 10, 1, tzinfo=dt.UTC)
MONO = "example-org/toolkit"

TWO_PACKAGES = """
[repos.toolkit]
github = "example-org/toolkit"
tags = ["v{version}"]
published = { pypi = "example-toolkit-core" }

[releases.core]
repo = "toolkit"
version = ">=3.0,<3.1"
tags = ["core-v{version}"]
published = { pypi = "example-toolkit-core" }

[releases.cli]
repo = "toolkit"
version = ">=3.0,<3.1"
tags = ["cli-v{version}"]
published = { pypi = "example-toolkit" }
after = ["core"]
"""


def plan_of(body: str) -> Plan:
    """Parse a plan from TOML that has no [plan] table (one is added)."""
    return parse_plan('[plan]\nname = "test"\n' + textwrap.dedent(body))


def problems_of(body: str) -> list[tuple[str, str]]:
    """Return ``(key, message)`` of each problem the reader finds in *body*."""
    with pytest.raises(PlanError) as raised:
        plan_of(body)
    return [(issue.key, issue.message) for issue in raised.value.issues]


def fake() -> FakeStateProvider:
    """Return an empty fake state taken at TAKEN."""
    return FakeStateProvider(taken_at=TAKEN)


# -- fail closed: one release is never out by another's tag or package ----------------------------------


def test_a_release_is_not_released_by_another_releases_tag_or_package() -> None:
    """The tag and PyPI project of core at 3.0.0 leave cli, of the same repository and requirement, not released."""
    state = (
        fake()
        .tag(MONO, "core-v3.0.0", "2024-09-01T00:00:00Z")
        .tag(MONO, "v3.0.0", "2024-09-01T00:00:00Z")
        .published("pypi", "example-toolkit-core", "3.0.0", "2024-09-01T00:00:00Z")
    )
    evaluation = check(plan_of(TWO_PACKAGES), state)
    assert evaluation.release("core").status is ReleaseStatus.RELEASED
    cli = evaluation.release("cli")
    assert cli.status is not ReleaseStatus.RELEASED
    assert cli.released is None
    assert all(c.source.value != "pypi" or c.tag != "3.0.0" for c in cli.candidates)
    assert [c.tag for c in cli.candidates] == []


def test_a_release_is_not_released_by_another_releases_tag_alone() -> None:
    """Decided by tags, cli is not out when only core's tag (and the repo's pattern) names 3.0.0."""
    body = TWO_PACKAGES.replace('published = { pypi = "example-toolkit" }', 'sources = ["tags"]')
    state = fake().tag(MONO, "core-v3.0.0", "2024-09-01T00:00:00Z").tag(MONO, "v3.0.0", "2024-09-01T00:00:00Z")
    evaluation = check(plan_of(body), state)
    assert evaluation.release("cli").status is not ReleaseStatus.RELEASED
    assert evaluation.release("cli").skipped_tags == ("core-v3.0.0", "v3.0.0")
