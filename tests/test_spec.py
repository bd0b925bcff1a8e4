"""The JSON Schema made from the plan file format declaration (release_gate.plan.format)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from release_gate.plan.format import PLAN, Field, Kind, json_schema
from release_gate.plan.model import Intent
from release_gate.versions import Accept, Scheme

EXAMPLE_PLAN = Path(__file__).resolve().parent.parent / "config" / "jupyterhub-2018.toml"


def _jsonable(value: Any) -> Any:
    """Turn TOML dates into ISO strings, as JSON has no date type."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return value


def _example() -> dict[str, Any]:
    with EXAMPLE_PLAN.open("rb") as handle:
        plan: dict[str, Any] = _jsonable(tomllib.load(handle))
    return plan


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json_schema())


def _errors(instance: Any) -> list[jsonschema.ValidationError]:
    return sorted(_validator().iter_errors(instance), key=lambda error: list(error.absolute_path))


def _minimal() -> dict[str, Any]:
    """Return a small valid plan: one repo, one release."""
    return {
        "plan": {"name": "Minimal"},
        "repos": {"z2jh": {"github": "jupyterhub/zero-to-jupyterhub-k8s", "scheme": "semver"}},
        "releases": {"chart": {"repo": "z2jh", "version": ">=0.7.0-beta.1"}},
    }


# -- the schema itself ----------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12() -> None:
    """json_schema() is itself a valid JSON Schema draft 2020-12 document."""
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert jsonschema.validators.validator_for(schema) is jsonschema.Draft202012Validator


def test_schema_top_level_is_a_closed_object() -> None:
    """The top level of the schema is an object that allows only the declared keys and requires [plan]."""
    schema = json_schema()
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(PLAN.fields)
    assert schema["required"] == ["plan"]
    assert schema["description"] == PLAN.doc


def test_schema_is_fresh_each_call() -> None:
    """Changing one returned schema, defaults included, changes neither the next one nor PLAN."""
    declared = PLAN.fields["repos"].item
    assert declared is not None
    declared_tags: list[str] = declared.fields["tags"].default
    original = list(declared_tags)
    try:
        first = json_schema()
        first["properties"]["plan"]["properties"].clear()
        first["properties"]["repos"]["additionalProperties"]["properties"]["tags"]["default"].append("x{version}")
        second = json_schema()
        assert "name" in second["properties"]["plan"]["properties"]
        assert second["properties"]["repos"]["additionalProperties"]["properties"]["tags"]["default"] == original
        assert declared_tags == original
    finally:
        declared_tags[:] = original  # undo a leak into PLAN so other tests see the declared default


# -- the example plan -----------------------------------------------------------------------


def test_example_plan_validates() -> None:
    """The shipped example plan (config/jupyterhub-2018.toml) has no schema errors."""
    assert [error.message for error in _errors(_example())] == []


def test_example_plan_dates_become_strings() -> None:
    """The example's TOML date is read as a date and validated as an ISO string."""
    with EXAMPLE_PLAN.open("rb") as handle:
        raw = tomllib.load(handle)
    assert raw["deadlines"]["jupytercon"]["date"] == dt.date(2018, 8, 23)
    assert _example()["deadlines"]["jupytercon"]["date"] == "2018-08-23"


def test_minimal_plan_validates() -> None:
    """A plan with only the required keys has no schema errors."""
    assert _errors(_minimal()) == []


def test_raw_toml_date_is_not_json() -> None:
    """A date object left unconverted fails the schema: JSON dates are strings."""
    plan = _minimal()
    plan["deadlines"] = {"jupytercon": {"date": dt.date(2018, 8, 23)}}
    assert [list(error.absolute_path) for error in _errors(plan)] == [["deadlines", "jupytercon", "date"]]


# -- invalid plans --------------------------------------------------------------------------


def _set(plan: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    target: Any = plan
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def _delete(plan: dict[str, Any], path: tuple[str | int, ...]) -> None:
    target: Any = plan
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]


@pytest.mark.parametrize(
    ("path", "value", "validator", "where"),
    [
        pytest.param(("bogus",), 1, "additionalProperties", [], id="unknown-top-level-key"),
        pytest.param(("plan", "title"), "x", "additionalProperties", ["plan"], id="unknown-plan-key"),
        pytest.param(
            ("releases", "kubespawner", "verison"),
            ">=1.0",
            "additionalProperties",
            ["releases", "kubespawner"],
            id="unknown-release-key",
        ),
        pytest.param(
            ("repos", "z2jh", "published", "cargo"),
            "x",
            "additionalProperties",
            ["repos", "z2jh", "published"],
            id="unknown-published-key",
        ),
        pytest.param(("plan", "name"), 3, "type", ["plan", "name"], id="name-not-string"),
        pytest.param(
            ("deadlines", "jupytercon", "warn_days"),
            "7",
            "type",
            ["deadlines", "jupytercon", "warn_days"],
            id="warn-days-string",
        ),
        pytest.param(
            ("deadlines", "jupytercon", "warn_days"),
            -1,
            "minimum",
            ["deadlines", "jupytercon", "warn_days"],
            id="warn-days-negative",
        ),
        pytest.param(
            ("families", "kubespawner#205", "discover"),
            "yes",
            "type",
            ["families", "kubespawner#205", "discover"],
            id="discover-not-boolean",
        ),
        pytest.param(("watch",), {"ref": "jupyterhub#2043"}, "type", ["watch"], id="watch-not-list"),
        pytest.param(
            ("releases", "chart", "after"), "kubespawner", "type", ["releases", "chart", "after"], id="after-not-list"
        ),
        pytest.param(("releases", "chart", "deadline"), 23, "anyOf", ["releases", "chart", "deadline"], id="deadline"),
        pytest.param(("repos", "z2jh", "scheme"), "semvr", "enum", ["repos", "z2jh", "scheme"], id="bad-scheme"),
        pytest.param(("releases", "chart", "accept"), "beta", "enum", ["releases", "chart", "accept"], id="bad-accept"),
        pytest.param(
            ("releases", "batchspawner", "status"),
            "maybe",
            "enum",
            ["releases", "batchspawner", "status"],
            id="bad-status",
        ),
        pytest.param(
            ("releases", "kubespawner", "needs", "prs"),
            ["kubespawner#abc"],
            "pattern",
            ["releases", "kubespawner", "needs", "prs", 0],
            id="ref-number-not-digits",
        ),
        pytest.param(("watch", 0, "ref"), "jupyterhub 2043", "pattern", ["watch", 0, "ref"], id="ref-without-hash"),
        pytest.param(
            ("holds", "z2jh-big-prs", "prs"),
            ["https://github.com/jupyterhub/zero-to-jupyterhub-k8s/pull/758"],
            "pattern",
            ["holds", "z2jh-big-prs", "prs", 0],
            id="ref-is-url",
        ),
        pytest.param(
            ("repos", "z2jh", "github"),
            "zero-to-jupyterhub-k8s",
            "pattern",
            ["repos", "z2jh", "github"],
            id="github-without-owner",
        ),
        pytest.param(
            ("repos", "z2jh", "tags"),
            ["v{version}-{version}"],
            "pattern",
            ["repos", "z2jh", "tags", 0],
            id="tag-pattern-twice",
        ),
        pytest.param(
            ("releases", "chart", "after"),
            ["-kubespawner"],
            "pattern",
            ["releases", "chart", "after", 0],
            id="id-starts-with-dash",
        ),
    ],
)
def test_invalid_value_fails(path: tuple[str | int, ...], value: Any, validator: str, where: list[str | int]) -> None:
    """A plan with an unknown key, a wrong type, a bad enum value or a bad pattern fails at that key."""
    plan = copy.deepcopy(_example())
    _set(plan, path, value)
    errors = _errors(plan)
    assert [(error.validator, list(error.absolute_path)) for error in errors] == [(validator, where)]


@pytest.mark.parametrize(
    ("path", "missing", "where"),
    [
        pytest.param(("releases", "kubespawner", "version"), "version", ["releases", "kubespawner"], id="version"),
        pytest.param(("plan",), "plan", [], id="plan"),
        pytest.param(("plan", "name"), "name", ["plan"], id="plan-name"),
        pytest.param(("repos", "z2jh", "github"), "github", ["repos", "z2jh"], id="repo-github"),
        pytest.param(("deadlines", "jupytercon", "date"), "date", ["deadlines", "jupytercon"], id="deadline-date"),
        pytest.param(("holds", "z2jh-big-prs", "until"), "until", ["holds", "z2jh-big-prs"], id="hold-until"),
        pytest.param(("holds", "z2jh-big-prs", "prs"), "prs", ["holds", "z2jh-big-prs"], id="hold-prs"),
        pytest.param(("watch", 0, "ref"), "ref", ["watch", 0], id="watch-ref"),
        pytest.param(
            ("repos", "z2jh", "published", "helm", "chart"),
            "chart",
            ["repos", "z2jh", "published", "helm"],
            id="helm-chart",
        ),
    ],
)
def test_missing_required_key_fails(path: tuple[str | int, ...], missing: str, where: list[str | int]) -> None:
    """A plan missing a required key (e.g. releases.x without version) fails, naming the key."""
    plan = copy.deepcopy(_example())
    _delete(plan, path)
    errors = _errors(plan)
    assert [(error.validator, list(error.absolute_path)) for error in errors] == [("required", where)]
    assert repr(missing) in errors[0].message


def test_release_without_version_fails() -> None:
    """A release table with no version (releases.x = {}) fails validation."""
    plan = _minimal()
    plan["releases"]["x"] = {}
    errors = _errors(plan)
    assert [(error.validator, list(error.absolute_path)) for error in errors] == [("required", ["releases", "x"])]
    assert "'version' is a required property" in errors[0].message


@pytest.mark.parametrize(
    ("section", "key"),
    [
        pytest.param("families", "kubespawner-205", id="family-key-not-a-ref"),
        pytest.param("families", "kubespawner#", id="family-key-without-number"),
        pytest.param("releases", "-chart", id="release-key-leading-dash"),
        pytest.param("repos", "zero to jupyterhub", id="repo-key-with-spaces"),
        pytest.param("deadlines", "", id="deadline-key-empty"),
    ],
)
def test_bad_map_key_fails(section: str, key: str) -> None:
    """A map key that does not match its pattern (ids, or refs for families) fails validation."""
    plan = copy.deepcopy(_example())
    entries = plan[section]
    entries[key] = copy.deepcopy(next(iter(entries.values())))
    errors = _errors(plan)
    assert [(error.validator, list(error.absolute_path)) for error in errors] == [("pattern", [section])]


@pytest.mark.parametrize(
    "ref",
    ["kubespawner#232", "jupyterhub/kubespawner#232", "z2jh#758", "jupyter-hub/my.repo_name#1"],
)
def test_good_refs_pass(ref: str) -> None:
    """Short (ID#N) and full (OWNER/NAME#N) refs pass the ref pattern."""
    plan = _minimal()
    plan["watch"] = [{"ref": ref}]
    assert _errors(plan) == []


@pytest.mark.parametrize(
    "ref",
    ["kubespawner", "#232", "kubespawner#", "a/b/c#1", "-x/y#1", "kubespawner#232 ", "kubespawner#23a"],
)
def test_bad_refs_fail(ref: str) -> None:
    """A ref without a repo, without a number, or with extra parts fails the ref pattern."""
    plan = _minimal()
    plan["watch"] = [{"ref": ref}]
    errors = _errors(plan)
    assert [(error.validator, list(error.absolute_path)) for error in errors] == [("pattern", ["watch", 0, "ref"])]


@pytest.mark.parametrize(
    ("deadline", "valid"),
    [
        pytest.param("jupytercon", True, id="deadline-id"),
        pytest.param("2018-08-23", True, id="deadline-date-string"),
        pytest.param(True, False, id="deadline-boolean"),
        pytest.param(["jupytercon"], False, id="deadline-list"),
    ],
)
def test_release_deadline_is_id_or_date(deadline: Any, valid: bool) -> None:
    """A release's deadline may be a deadline id or a date (string), nothing else."""
    plan = _minimal()
    plan["releases"]["chart"]["deadline"] = deadline
    assert (_errors(plan) == []) is valid


# -- the schema covers the declaration ------------------------------------------------------


def _walk(spec: Field, node: dict[str, Any], path: str) -> Iterator[tuple[str, Field, dict[str, Any]]]:
    """Yield (path, field, schema node) for *spec* and every field below it."""
    yield path, spec, node
    alternatives = node["anyOf"] if len(spec.kinds) > 1 else [node]
    assert len(alternatives) == len(spec.kinds), path
    for kind, alternative in zip(spec.kinds, alternatives, strict=True):
        if kind is Kind.TABLE:
            assert set(alternative["properties"]) == set(spec.fields), path
            for name, sub in spec.fields.items():
                yield from _walk(sub, alternative["properties"][name], f"{path}.{name}")
        elif kind is Kind.MAP:
            assert spec.item is not None
            assert alternative["propertyNames"] == {"pattern": spec.key_pattern}, path
            yield from _walk(spec.item, alternative["additionalProperties"], f"{path}.<id>")
        elif kind is Kind.LIST:
            assert spec.item is not None
            yield from _walk(spec.item, alternative["items"], f"{path}[]")


def _declared(spec: Field, path: str) -> Iterator[str]:
    """Yield the path of *spec* and every field below it, from the declaration alone."""
    yield path
    for name, sub in spec.fields.items():
        yield from _declared(sub, f"{path}.{name}")
    if spec.item is not None:
        yield from _declared(spec.item, f"{path}.<id>" if Kind.MAP in spec.kinds else f"{path}[]")


def test_walk_reaches_every_declared_field() -> None:
    """Walking the schema reaches every field of PLAN, including those inside maps and lists."""
    walked = [path for path, _, _ in _walk(PLAN, json_schema(), "$")]
    assert walked == list(_declared(PLAN, "$"))
    for expected in (
        "$.plan.name",
        "$.deadlines.<id>.warn_days",
        "$.repos.<id>.published.helm.index",
        "$.releases.<id>.needs.prs[]",
        "$.families.<id>.discover",
        "$.holds.<id>.except[]",
        "$.watch[].ref",
    ):
        assert expected in walked


@pytest.mark.parametrize("path", list(_declared(PLAN, "$")))
def test_every_field_has_its_description(path: str) -> None:
    """Every key declared in PLAN appears in the schema with its documentation as a non-empty description."""
    nodes = {walked: (spec, node) for walked, spec, node in _walk(PLAN, json_schema(), "$")}
    spec, node = nodes[path]
    assert spec.doc.strip()
    assert node["description"] == spec.doc


@pytest.mark.parametrize("path", list(_declared(PLAN, "$")))
def test_every_field_has_its_constraints(path: str) -> None:
    """Each field's required keys, enum, pattern, minimum, maximum and default are carried into the schema."""
    nodes = {walked: (spec, node) for walked, spec, node in _walk(PLAN, json_schema(), "$")}
    spec, node = nodes[path]
    if spec.default is not None:
        assert node["default"] == spec.default
    else:
        assert "default" not in node
    alternatives = node["anyOf"] if len(spec.kinds) > 1 else [node]
    for kind, alternative in zip(spec.kinds, alternatives, strict=True):
        expected_type = {
            Kind.STRING: "string",
            Kind.DATE: "string",
            Kind.INTEGER: "integer",
            Kind.BOOLEAN: "boolean",
            Kind.LIST: "array",
            Kind.TABLE: "object",
            Kind.MAP: "object",
        }[kind]
        assert alternative["type"] == expected_type
        if kind is Kind.STRING:
            assert alternative.get("enum", []) == list(spec.choices)
            assert alternative.get("pattern") == spec.pattern
        if kind is Kind.DATE:
            assert alternative["format"] == "date"
        if kind is Kind.INTEGER:
            assert alternative.get("minimum") == spec.minimum
            assert alternative.get("maximum") == spec.maximum
        if kind is Kind.TABLE:
            required = [name for name, sub in spec.fields.items() if sub.required]
            assert alternative.get("required", []) == required
            assert alternative["additionalProperties"] is False


def test_enums_match_the_version_and_model_enums() -> None:
    """The scheme, accept and status enums list exactly the values of Scheme, Accept and Intent."""
    schema = json_schema()
    repo = schema["properties"]["repos"]["additionalProperties"]["properties"]
    release = schema["properties"]["releases"]["additionalProperties"]["properties"]
    assert repo["scheme"]["enum"] == [s.value for s in Scheme] == ["pep440", "semver"]
    assert release["accept"]["enum"] == [a.value for a in Accept] == ["final", "pre", "dev"]
    assert release["status"]["enum"] == [i.value for i in Intent]


def test_shipped_schema_file_is_current() -> None:
    """release_gate/plan/plan.schema.json, shipped for editors, is exactly what `release-gate schema` prints."""
    shipped = Path(__file__).resolve().parent.parent / "release_gate" / "plan" / "plan.schema.json"
    assert shipped.read_text(encoding="utf-8") == json.dumps(json_schema(), indent=2) + "\n"


# -- the schema and the parser agree at the edges -------------------------------------------------


def _plan_accepts(plan: dict[str, Any]) -> bool:
    """Return whether release-gate's own reader accepts *plan* (written as TOML)."""
    import tomli_w  # noqa: PLC0415

    from release_gate import PlanError, parse_plan  # noqa: PLC0415

    try:
        parse_plan(tomli_w.dumps(plan), path="schema-check.toml")
    except PlanError:
        return False
    return True


_BAD_PINS = [
    "../../../../rate_limit",
    "images/../requirements.txt",
    "./requirements.txt",
    "..",
    "/etc/passwd",
    "images\\hub\\requirements.txt",
    "https://example.com/requirements.txt",
    "file:requirements.txt",
    "images//requirements.txt",
    "images/",
    "a\x07b.txt",
    "a\x9bb.txt",
    "a\tb.txt",
    "requirements.txt?ref=main",
    "../Chart.yaml#appVersion=jupyterhub",
    "Chart.yaml#appVersion",
    "",
]
_GOOD_PINS = [
    "images/hub/requirements.txt",
    ".github/requirements.txt",
    "..hidden/requirements.txt",
    "a.../b.txt",
    "jupyterhub/Chart.yaml#appVersion=jupyterhub",
    "docs/r\u00e9sum\u00e9/requirements.txt",
]


@pytest.mark.parametrize("pin", _BAD_PINS + _GOOD_PINS)
def test_pin_pattern_agrees_with_the_reader(pin: str) -> None:
    """The schema's pattern for pins accepts exactly the paths inside the repository that the reader accepts."""
    plan = _minimal()
    plan["releases"]["chart"]["pins"] = [pin]
    errors = _errors(plan)
    assert [(error.validator, list(error.absolute_path)) for error in errors] == (
        [] if pin in _GOOD_PINS else [("pattern", ["releases", "chart", "pins", 0])]
    )
    assert _plan_accepts(plan) is (pin in _GOOD_PINS)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("1", True),
        ("999999999", True),
        ("1999999999", True),
        ("2147483639", True),
        ("2147483647", True),
        ("0002147483647", True),
        ("0", False),
        ("000", False),
        ("2147483648", False),
        ("2147483650", False),
        ("2147483700", False),
        ("2200000000", False),
        ("3000000000", False),
        ("9999999999", False),
        ("10000000000", False),
        ("9" * 5000, False),
    ],
)
def test_ref_number_pattern_stops_at_github_s_int(number: str, valid: bool) -> None:
    """A ref's number passes the schema exactly when the reader takes it: 1 to 2,147,483,647 (GitHub's Int)."""
    plan = _minimal()
    plan["watch"] = [{"ref": f"jupyterhub/kubespawner#{number}"}]
    plan["families"] = {f"jupyterhub/kubespawner#{number}": {"parts": []}}
    errors = _errors(plan)
    assert sorted(error.validator for error in errors) == ([] if valid else ["pattern", "pattern"])
    assert _plan_accepts(plan) is valid


@pytest.mark.parametrize(("warn_days", "valid"), [(0, True), (3650, True), (3651, False), (2**63 - 1, False)])
def test_warn_days_maximum_agrees_with_the_reader(warn_days: int, valid: bool) -> None:
    """warn_days passes the schema exactly when the reader takes it: 0 to 3650 days."""
    plan = _minimal()
    plan["deadlines"] = {"d": {"date": "2018-08-23", "warn_days": warn_days}}
    errors = _errors(plan)
    assert [error.validator for error in errors] == ([] if valid else ["maximum"])
    plan["deadlines"]["d"]["date"] = dt.date(2018, 8, 23)  # a TOML date for the reader
    assert _plan_accepts(plan) is valid
