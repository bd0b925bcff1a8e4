"""The JSON report's schema (release_gate/report/output.schema.json) holds every JSON output the tests make."""

from __future__ import annotations

import copy
import datetime as dt
import importlib.resources
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from release_gate import FakeStateProvider, check, parse_plan
from release_gate.report import json as json_report
from release_gate.testing import FakeGitHub
from tests.conftest import ROOT, Run

SCHEMA: dict[str, Any] = json.loads(
    importlib.resources.files("release_gate.report").joinpath("output.schema.json").read_text(encoding="utf-8")
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
GOLDENS = sorted((ROOT / "tests" / "scenarios").glob("*/expected/*.json"))
EXAMPLE_GOLDEN = ROOT / "tests" / "scenarios" / "jupyterhub-2018" / "expected" / "as-recorded.json"


def _errors(document: Any) -> list[str]:
    """Return every way *document* breaks the schema, as `path: message`, for a readable failure."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in sorted(VALIDATOR.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]


def _schemas(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield every subschema of *node* with its JSON pointer-ish location."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _schemas(value, f"{where}/{index}")


# -- the schema itself --------------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12() -> None:
    """The shipped schema is a valid JSON Schema of draft 2020-12 and declares that draft."""
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert jsonschema.validators.validator_for(SCHEMA) is jsonschema.Draft202012Validator


def test_schema_version_is_the_reporters() -> None:
    """The schema's const schema_version is the reporter's SCHEMA_VERSION."""
    assert SCHEMA["properties"]["schema_version"]["const"] == json_report.SCHEMA_VERSION


def test_every_object_is_closed_required_and_described() -> None:
    """Every object in the schema forbids unknown keys and requires and describes each of its properties."""
    objects = [(where, s) for where, s in _schemas(SCHEMA) if s.get("type") == "object" and "properties" in s]
    assert len(objects) > 10
    for where, schema in objects:
        assert schema.get("additionalProperties") is False, where
        assert schema.get("required") == list(schema["properties"]), where
        assert schema.get("description"), where
        for key, sub in schema["properties"].items():
            assert sub.get("description"), f"{where}/properties/{key}"


# -- real outputs validate ----------------------------------------------------------------------


def test_goldens_are_found() -> None:
    """The scenario goldens include JSON outputs to validate (so the next test is not vacuous)."""
    assert len(GOLDENS) >= 8
    assert EXAMPLE_GOLDEN in GOLDENS


@pytest.mark.parametrize("path", GOLDENS, ids=lambda p: str(p.relative_to(ROOT / "tests" / "scenarios")))
def test_golden_output_validates(path: Path) -> None:
    """Every golden JSON output under tests/scenarios/*/expected/ validates."""
    assert _errors(json.loads(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("-v",),
        ("--release", "jupyterhub"),
        ("--release", "chart"),
        ("--pr", "kubespawner#232"),
        ("--pr", "kubespawner#205"),
        ("--pr", "https://github.com/jupyterhub/kubespawner/pull/250"),
        ("--assume", "kubespawner==0.9.0b1 released", "--assume", "kubespawner#232 merged"),
        ("--as-of", "2018-08-01"),
    ],
    ids=["plain", "verbose", "release-unblocked", "release-blocked", "pr", "pr-held", "pr-unnamed", "what-if", "as-of"],
)
def test_check_output_validates(run_cli: Callable[..., Run], args: tuple[str, ...]) -> None:
    """`check --format json` on the built-in example validates, whatever question or assumption it is given."""
    run = run_cli("check", "--format", "json", *args)
    assert run.code in (0, 1), run.err
    document = json.loads(run.out)
    assert (document["what_if"] is not None) == ("--assume" in args)
    assert document["question"]["kind"] == ("release" if "--release" in args else "pr" if "--pr" in args else "plan")
    assert run.code == {"clear": 0, "blocked": 1}[document["answer"]]
    assert _errors(document) == []


def test_live_read_and_its_replay_validate(
    fake_github: FakeGitHub, run_cli: Callable[..., Run], live_plan: Path, tmp_path: Path
) -> None:
    """A live read from the fake GitHub and registries, and the snapshot it records replayed, both validate."""
    env = {"GH_TOKEN": str(fake_github.token)}
    live = run_cli("check", str(live_plan), "--github-url", fake_github.url, "--format", "json", "--no-cache", env=env)
    assert live.code == 1, live.err
    document = json.loads(live.out)
    assert document["state"]["read"]["requests"] >= 1
    assert _errors(document) == []
    snapshot = tmp_path / "recorded.json"
    recorded = run_cli("snapshot", str(live_plan), "-o", str(snapshot), "--github-url", fake_github.url, env=env)
    assert recorded.code == 0, recorded.err
    replay = run_cli("check", str(live_plan), "--snapshot", str(snapshot), "--format", "json")
    assert replay.code == 1, replay.err
    replayed = json.loads(replay.out)
    assert replayed["state"]["read"] is not None  # a snapshot keeps what its live read cost
    assert _errors(replayed) == []


RARE = """
[plan]
name = "rare shapes"
[deadlines.launch]
date = 2024-05-15
[repos.lib]
github = "o/lib"
published = { pypi = "lib" }
[repos.tool]
github = "o/tool"
[repos.app]
github = "o/app"
[releases.lib]
version = ">=2.0"
deadline = "launch"
[releases.tool]
version = ">=1.0"
deadline = 2024-05-01
[releases.app]
version = ">=1.0"
after = ["lib"]
needs = { issues = ["app#3"] }
deadline = 2024-06-05
[holds.wait]
prs = ["app#5"]
until = ["lib"]
reason = "lib first"
[[watch]]
ref = "app#7"
note = "follow up"
[[watch]]
ref = "app#8"
"""


def test_rare_shapes_validate() -> None:
    """Rarer shapes validate: tagged, a sha, late, missed and at-risk deadlines, a violated hold, unknown watch."""
    state = (
        FakeStateProvider(taken_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
        .tag("o/lib", "v2.0", "2024-05-01T00:00:00Z", sha="a" * 40)
        .published("pypi", "lib", "1.0", "2024-01-01T00:00:00Z")
        .tag("o/tool", "v1.0", "2024-05-10T00:00:00Z", sha="b" * 40)
        .repo("o/app")
        .issue("o/app", 3, "open", title="Blocker")
        .pull("o/app", 5, "merged", title="Too early", merged_at="2024-05-20T00:00:00Z")
        .pull("o/app", 7, "merged", title="Follow-up", merged_at="2024-05-21T00:00:00Z")
    )
    document = json.loads(json_report.render(check(parse_plan(RARE), state)))
    releases = {r["id"]: (r["status"], r["deadline"]["status"]) for r in document["releases"]}
    assert releases == {"lib": ("tagged", "missed"), "tool": ("released", "late"), "app": ("blocked", "at risk")}
    assert document["releases"][1]["released"]["sha"] == "b" * 40
    assert document["holds"][0]["status"] == "violated"
    assert [w["state"].split(":")[0] for w in document["watch"]] == ["PR merged", "unknown"]
    assert _errors(document) == []


# -- the schema is strict -----------------------------------------------------------------------


def _release(doc: dict[str, Any], release_id: str) -> dict[str, Any]:
    return next(r for r in doc["releases"] if r["id"] == release_id)


def _chart_cause(doc: dict[str, Any]) -> dict[str, Any]:
    cause: dict[str, Any] = _release(doc, "chart")["reasons"][0]["causes"][0]
    return cause


MUTATIONS: dict[str, Callable[[dict[str, Any]], object]] = {
    "unknown top-level key": lambda d: d.update(extra=True),
    "unknown key in a release": lambda d: d["releases"][0].update(extra=True),
    "unknown key in a nested cause": lambda d: _chart_cause(d).update(extra=True),
    "unknown key in held PR": lambda d: d["holds"][0]["prs"][0].update(extra=True),
    "missing key": lambda d: d.pop("summary"),
    "release status outside the enum": lambda d: d["releases"][0].update(status="shipped"),
    "hold status outside the enum": lambda d: d["holds"][0].update(status="waiting"),
    "outcome outside the enum": lambda d: _chart_cause(d).update(outcome="maybe"),
    "answer outside the enum": lambda d: d.update(answer="yes"),
    "found_by outside the enum": lambda d: d["holds"][0]["prs"][0].update(found_by="guess"),
    "deadline status outside the enum": lambda d: d["releases"][0]["deadline"].update(status="fine"),
    "candidate source outside the enum": lambda d: d["releases"][0]["candidates"][0].update(source="cargo"),
    "another schema_version": lambda d: d.update(schema_version=3),
    "the first schema_version": lambda d: d.update(schema_version=1),
    "no question": lambda d: d.pop("question"),
    "question of no known kind": lambda d: d["question"].update(kind="hold"),
    "the plan's question with an id": lambda d: d["question"].update(id="chart"),
    "the plan's question with holds": lambda d: d["question"]["holds"].append(
        {"id": "h", "status": "held", "detail": ""}
    ),
    "time without a Z": lambda d: d.update(as_of="2018-08-09T18:00:00+00:00"),
    "released without evidence": lambda d: d["releases"][0].update(status="released"),
    "a met reason with causes": lambda d: _release(d, "chart")["reasons"][0].update(outcome="met"),
    "node of no known kind": lambda d: d["actions"][0].update(node="team:jupyterhub"),
}


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_mutated_output_is_rejected(mutate: Callable[[dict[str, Any]], object]) -> None:
    """A valid output with an unknown key, a missing key or a value outside its set no longer validates."""
    original = json.loads(EXAMPLE_GOLDEN.read_text(encoding="utf-8"))
    assert _errors(original) == []
    document = copy.deepcopy(original)
    mutate(document)
    assert document != original
    assert _errors(document) != []
