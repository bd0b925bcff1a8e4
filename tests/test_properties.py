"""Property-based tests: whatever a plan file or snapshot holds, the readers answer with a Plan or a clear error.

Derandomised (a fixed seed) so CI runs the same examples every time.
"""

from __future__ import annotations

import contextlib
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from release_gate import PlanError, SnapshotError, check, load_plan, load_snapshot, parse_plan
from release_gate.plan.reader import MAX_NESTING
from release_gate.sources.snapshot import SnapshotStateProvider
from tests.conftest import EXAMPLE_PLAN

pytestmark = pytest.mark.slow

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


# -- the edges: nesting, numbers and paths no plan needs ---------------------------------------------

FOUNDING = EXAMPLE_PLAN.read_text(encoding="utf-8")
_LINES = FOUNDING.splitlines()
_HEADERS = [index for index, line in enumerate(_LINES) if line.startswith("[")]
_DEPTHS = st.integers(min_value=MAX_NESTING + 1, max_value=6000)


def _nested(depth: int, kinds: str) -> str:
    """Return a TOML value of arrays and inline tables *depth* deep, the kinds taken in turn from *kinds*."""
    opening = "".join("[" if kinds[level % len(kinds)] == "a" else "{a = " for level in range(depth))
    closing = "".join("]" if kinds[level % len(kinds)] == "a" else "}" for level in reversed(range(depth)))
    return opening + "1" + closing


DEEP_VALUES = st.builds(_nested, _DEPTHS, st.sampled_from(["a", "t", "at", "ta", "aat"]))
DOTTED = _DEPTHS.map(lambda depth: "a." * depth + "a = 1")
HUGE_INTEGERS = st.one_of(
    st.integers(min_value=19, max_value=6000).map(lambda digits: "9" * digits),
    st.integers(min_value=19, max_value=6000).map(lambda digits: "-" + "9" * digits),
    st.integers(min_value=20, max_value=4500).map(lambda digits: "1" + "_0" * digits),
    st.integers(min_value=16, max_value=4000).map(lambda digits: "0x" + "f" * digits),
    st.integers(min_value=64, max_value=12000).map(lambda digits: "0b" + "1" * digits),
)
HUGE_NUMBERS = st.one_of(
    st.integers(min_value=2**31, max_value=10**12).map(str),
    st.integers(min_value=11, max_value=6000).map(lambda digits: "9" * digits),
    st.integers(min_value=11, max_value=6000).map(lambda digits: "0" + "8" * digits),
)
BAD_PINS = st.sampled_from(
    ["../../../../rate_limit", "a/../../b", "/etc/passwd", "a\\\\b", "https://x.invalid/r.txt", "file:r.txt",
     "a//b", "a/", ".", "./a", "a?b", "a\\u0000b", "a\\u0085b", "a b", "../Chart.yaml#appVersion=jupyterhub"]
)  # fmt: skip


@st.composite
def edge_plans(draw: st.DrawFn) -> str:
    """Return the founding plan with one thing no plan needs: deep nesting, a huge number, a pin path outside."""
    lines = list(_LINES)
    where = draw(st.sampled_from(_HEADERS)) + 1
    match draw(st.sampled_from(["deep", "dotted", "integer", "ref", "version", "pin"])):
        case "deep":
            key = draw(st.sampled_from(["x", "pins", "after", "note", "tags", "prs", "needs.prs", "ref", '"a b"']))
            lines.insert(where, f"{key} = {draw(DEEP_VALUES)}")
        case "dotted":
            lines.insert(where, f"{draw(st.sampled_from(['note', 'x', 'needs', 'published']))}.{draw(DOTTED)}")
        case "integer":
            key = draw(st.sampled_from(["warn_days", "x", "discover", "version"]))
            lines.insert(where, f"{key} = {draw(HUGE_INTEGERS)}")
        case "ref":
            refs = [
                i for i, line in enumerate(lines) if re.search(r'"(?:[A-Za-z0-9-]+/)?[A-Za-z0-9._-]+#[0-9]+"', line)
            ]
            at = draw(st.sampled_from(refs))
            number = draw(HUGE_NUMBERS)
            lines[at] = re.sub(r'("(?:[A-Za-z0-9-]+/)?[A-Za-z0-9._-]+#)[0-9]+"', rf'\g<1>{number}"', lines[at], count=1)
        case "version":
            at = draw(st.sampled_from([i for i, line in enumerate(lines) if line.startswith("version = ")]))
            digits = "7" * draw(st.integers(min_value=65, max_value=6000))
            lines[at] = re.sub(r"[0-9]+", digits, lines[at], count=1)
        case _:
            at = next(i for i, line in enumerate(lines) if line.startswith("pins = "))
            lines[at] = f'pins = ["{draw(BAD_PINS)}"]'
    return "\n".join(lines) + "\n"


@SETTINGS
@given(edge_plans())
def test_deep_nesting_huge_numbers_and_bad_paths_are_a_plan_error(text: str) -> None:
    """Nesting past the limit, numbers past 64 bits or GitHub's Int, and pins outside the repo are a PlanError."""
    with pytest.raises(PlanError) as raised:
        parse_plan(text, path="edge.toml")
    message = str(raised.value)
    assert "Exceeds the limit" not in message
    assert "set_int_max_str_digits" not in message
    assert all(len(issue.message) < 500 for issue in raised.value.issues)


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
    """Any JSON as a snapshot, whole or in place of a part of a valid one, is a State or a SnapshotError.

    A State read that way evaluates against the founding plan without crashing.
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
            load_snapshot(path)
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
