"""Property-based tests: whatever a plan file or snapshot holds, the readers answer with a Plan or a clear error.

Derandomised (a fixed seed) so CI runs the same examples every time.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from release_gate import PlanError, SnapshotError, check, load_plan, load_world, parse_plan
from release_gate.snapshot import SnapshotStateProvider
from tests.conftest import EXAMPLE_PLAN

SETTINGS = settings(
    derandomize=True, database=None, max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

KEYS = st.sampled_from(
    ["plan", "name", "repos", "releases", "holds", "families", "watch", "github", "version", "after", "needs",
     "prs", "issues", "until", "except", "scheme", "tags", "published", "pypi", "helm", "sources", "pins",
     "deadline", "deadlines", "date", "accept", "status", "kubespawner", "chart", "a", "x#1", "é", ""]
)  # fmt: skip
SCALARS = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.sampled_from([">=1.0", "o/r", "kubespawner#1", "v{version}", "pep440", "semver", "pre"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=25,
)
DOCUMENTS = st.dictionaries(KEYS, VALUES, max_size=6)


@SETTINGS
@given(DOCUMENTS)
def test_any_toml_document_gives_a_plan_or_a_plan_error(document: dict[str, Any]) -> None:
    """Arbitrary TOML (nested tables, lists, wrong types, unicode) is a Plan or a PlanError, never a crash."""
    try:
        text = tomli_w.dumps(document)
    except (TypeError, ValueError):
        return  # not expressible as TOML (mixed arrays of tables, say): nothing to feed the reader
    with contextlib.suppress(PlanError):
        parse_plan(text, path="generated.toml")


@SETTINGS
@given(st.text(max_size=400))
def test_any_text_gives_a_plan_or_a_plan_error(text: str) -> None:
    """Any text at all, TOML or not, is a Plan or a PlanError."""
    with contextlib.suppress(PlanError):
        parse_plan(text, path="text.toml")


@SETTINGS
@given(DOCUMENTS)
def test_a_valid_plan_mutated_stays_readable(extra: dict[str, Any]) -> None:
    """The founding plan with random tables merged in is a Plan or a PlanError."""
    import tomllib  # noqa: PLC0415

    document = tomllib.loads(EXAMPLE_PLAN.read_text(encoding="utf-8"))
    for key, value in extra.items():
        target = document.get(key)
        document[key] = {**target, **value} if isinstance(target, dict) and isinstance(value, dict) else value
    try:
        text = tomli_w.dumps(document)
    except (TypeError, ValueError):
        return
    with contextlib.suppress(PlanError):
        parse_plan(text, path="mutated.toml")


JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.text(max_size=20),
        st.sampled_from(["2018-08-09T18:00:00Z", "open", "merged"]),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=30,
)


@SETTINGS
@given(value=JSON, where=st.sampled_from([None, "repos", "pulls", "tags", "registries"]))
def test_any_snapshot_gives_a_world_or_a_snapshot_error(value: Any, where: str | None) -> None:
    """Any JSON as a snapshot, whole or in place of a part of a valid one, is a World or a SnapshotError.

    A World read that way evaluates against the founding plan without crashing.
    """
    if where is None:
        document = value
    else:
        document = {"schema_version": 1, "taken_at": "2018-08-09T18:00:00Z", "repos": {"jupyterhub/kubespawner": {}}}
        if where == "repos":
            document["repos"] = value
        elif where == "registries":
            document["registries"] = value
        else:
            document["repos"]["jupyterhub/kubespawner"][where] = value
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        try:
            load_world(path)
        except SnapshotError:
            return
        evaluation = check(load_plan(EXAMPLE_PLAN), SnapshotStateProvider(path))
    assert [r.id for r in evaluation.releases] == [
        "kubespawner",
        "oauthenticator",
        "jupyterhub",
        "chart",
        "batchspawner",
    ]
