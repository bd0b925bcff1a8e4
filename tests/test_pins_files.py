"""Pins from more files: pyproject.toml, package.json, Chart.yaml, a values file's image, conda recipes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from release_gate import FakeStateProvider, Outcome, ReleaseStatus, check, parse_plan
from release_gate.evaluate.pins import Ecosystem, Pin, image_version, read_entry
from release_gate.plan.format import PinKind, pin_entry_of
from release_gate.plan.model import Plan, Source
from release_gate.sources.snapshot import load_snapshot
from release_gate.state import FileHistory, FileVersion, Published, Registry, RepoState, Tag, registry_key
from release_gate.testing import FakeGitHub, FakeRegistries
from tests.conftest import EXAMPLE_STATE, Run

TAKEN = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)

# The upstreams a release of o/app may pin: a PyPI project, an npm package and a Helm chart.
_UPSTREAMS = """
[plan]
name = "pins from more files"
[repos.lib]
github = "o/lib"
published = { pypi = "Acme_Lib" }
[repos.ext]
github = "o/ext"
scheme = "semver"
published = { npm = "@acme/ext" }
[repos.chart]
github = "o/chart"
scheme = "semver"
published = { helm = { index = "https://charts.example.org/stable/index.yaml", chart = "acme" } }
sources = ["helm", "tags"]
[repos.app]
github = "o/app"
scheme = "semver"
[releases.lib]
version = ">=1.1"
[releases.ext]
version = ">=2.0.0"
[releases.chart]
version = ">=3.0.0"
"""


def _plan(*pins: str, after: str = '"lib", "ext", "chart"') -> Plan:
    entries = ", ".join(f'"{pin}"' for pin in pins)
    return parse_plan(f'{_UPSTREAMS}[releases.app]\nversion = ">=9.0.0"\nafter = [{after}]\npins = [{entries}]\n')


def _provider(files: dict[str, str]) -> FakeStateProvider:
    """Return the three upstreams released (lib 1.1.0, ext 2.0.0, chart 3.0.0) and o/app with *files*."""
    return (
        FakeStateProvider(taken_at=TAKEN)
        .published("pypi", "acme-lib", "1.0.0", "2024-01-01T00:00:00Z")
        .published("pypi", "acme-lib", "1.1.0", "2024-05-01T00:00:00Z")
        .published("npm", "@acme/ext", "2.0.0", "2024-05-02T00:00:00Z")
        .published("helm", "acme", "3.0.0", "2024-05-03T00:00:00Z")
        .repo("o/lib")
        .repo("o/ext")
        .repo("o/chart")
        .repo("o/app", files=files)
    )


def _pin_reasons(plan: Plan, provider: FakeStateProvider) -> list[Any]:
    return [r for r in check(plan, provider).release("app").reasons if r.condition.startswith("pins")]


PYPROJECT_MET = '[project]\nname = "app"\ndependencies = ["acme-lib==1.1.0", "requests>=2"]\n'
PACKAGE_MET = '{"name": "app", "dependencies": {"@acme/ext": "2.0.0", "left-pad": "^1.3.0"}}\n'
CHART_MET = (
    "apiVersion: v2\nname: app\nversion: 9.0.0\ndependencies:\n"
    "  - name: acme\n    version: 3.0.0\n    repository: https://charts.example.org/stable\n"
)
META_MET = (
    '{% set name = "acme-lib" %}\n{% set version = "1.1.0" %}\n'
    "package:\n  name: {{ name|lower }}\n  version: {{ version }}\n"
    "source:\n  url: https://pypi.io/packages/source/{{ name[0] }}/{{ name }}/{{ name }}-{{ version }}.tar.gz\n"
    "requirements:\n  host:\n    - python >={{ python_min }}\n    - pip\n  run:\n    - python\n"
)
RECIPE_MET = (
    'context:\n  name: acme-lib\n  version: "1.1.0"\n'
    "package:\n  name: ${{ name }}\n  version: ${{ version }}\n"
    "requirements:\n  run:\n    - python\n    - if: win\n      then: pywin32\n"
)

# kind: (entry, file text that pins the released version, the same with a version the plan refuses, a range)
KINDS = {
    "pyproject": (
        "pyproject.toml",
        PYPROJECT_MET,
        PYPROJECT_MET.replace("acme-lib==1.1.0", "acme-lib==1.0.0"),
        PYPROJECT_MET.replace("acme-lib==1.1.0", "acme-lib>=1.1"),
    ),
    "npm": (
        "package.json",
        PACKAGE_MET,
        PACKAGE_MET.replace('"2.0.0"', '"1.9.0"'),
        PACKAGE_MET.replace('"2.0.0"', '"^2.0.0"'),
    ),
    "chart": (
        "charts/app/Chart.yaml",
        CHART_MET,
        CHART_MET.replace("version: 3.0.0", "version: 2.9.0"),
        CHART_MET.replace("version: 3.0.0", 'version: "~3.0.0"'),
    ),
    "conda-meta": (
        "recipe/meta.yaml",
        META_MET,
        META_MET.replace('"1.1.0"', '"1.0.0"'),
        META_MET.replace("    - python\n", "    - python\n    - acme-lib >=1.1\n").replace(
            'acme-lib" %}', 'acme-app" %}'
        ),
    ),
    "conda-recipe": (
        "recipe/recipe.yaml",
        RECIPE_MET,
        RECIPE_MET.replace('"1.1.0"', '"1.0.0"'),
        RECIPE_MET.replace("name: acme-lib", "name: acme-app").replace("    - python\n", "    - acme-lib =1.1\n"),
    ),
}
SHOWN = {
    "pyproject": ("pins Acme_Lib==1.1.0, released", "pins Acme_Lib==1.0.0; the plan needs >=1.1", "Acme_Lib>=1.1"),
    "npm": ("pins @acme/ext@2.0.0, released", "pins @acme/ext@1.9.0; the plan needs >=2.0.0", "@acme/ext@^2.0.0"),
    "chart": ("pins acme@3.0.0, released", "pins acme@2.9.0; the plan needs >=3.0.0", "acme@~3.0.0"),
    "conda-meta": ("pins acme-lib==1.1.0, released", "pins acme-lib==1.0.0; the plan", "acme-lib>=1.1"),
    "conda-recipe": ("pins acme-lib==1.1.0, released", "pins acme-lib==1.0.0; the plan", "acme-lib=1.1"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_pin_of_a_released_version_is_met(kind: str) -> None:
    """Each kind of file that pins the upstream's released version exactly meets the pin: the release is free."""
    entry, met, _, _ = KINDS[kind]
    plan = _plan(entry)
    (reason,) = _pin_reasons(plan, _provider({entry: met}))
    assert reason.outcome is Outcome.MET
    assert reason.detail.startswith(SHOWN[kind][0])
    assert check(plan, _provider({entry: met})).release("app").status is ReleaseStatus.UNBLOCKED


@pytest.mark.parametrize("kind", KINDS)
def test_a_pin_of_a_version_the_plan_refuses_is_unmet(kind: str) -> None:
    """Each kind of file that pins an exact version the plan's requirement refuses blocks the release."""
    entry, _, wrong, _ = KINDS[kind]
    (reason,) = _pin_reasons(_plan(entry), _provider({entry: wrong}))
    assert reason.outcome is Outcome.UNMET
    assert reason.detail.startswith(SHOWN[kind][1])


@pytest.mark.parametrize("kind", KINDS)
def test_a_range_is_not_one_exact_version(kind: str) -> None:
    """A range (>=, ^, ~, conda's =X) pins no exact version: unmet, as in a requirements file."""
    entry, _, _, ranged = KINDS[kind]
    (reason,) = _pin_reasons(_plan(entry), _provider({entry: ranged}))
    assert reason.outcome is Outcome.UNMET
    assert f"pins {SHOWN[kind][2]}, not one exact version" in reason.detail


@pytest.mark.parametrize("kind", KINDS)
def test_a_missing_pin_file_is_unknown(kind: str) -> None:
    """A pin file that is not on the default branch makes the release unknown, never free."""
    entry, _, _, _ = KINDS[kind]
    evaluation = check(_plan(entry), _provider({}).file("o/app", entry, (None, "2024-01-01T00:00:00Z")))
    verdict = evaluation.release("app")
    assert verdict.status is ReleaseStatus.UNKNOWN
    assert f"{entry} is not on the default branch of o/app" in verdict.reasons[-1].detail


@pytest.mark.parametrize(
    ("entry", "text", "why"),
    [
        ("pyproject.toml", "[project\nname = 1\n", "is not TOML"),
        ("pyproject.toml", '[tool.poetry]\nname = "app"\n', "has no [project] table"),
        ("pyproject.toml", '[project]\nname = "a"\ndynamic = ["dependencies"]\n', "dependencies dynamic"),
        ("pyproject.toml", '[project]\nname = "a"\ndependencies = ["acme-lib=1.1"]\n', "is not a requirement"),
        ("package.json", '{"dependencies": {"@acme/ext": "2.0.0",}}', "is not JSON"),
        ("package.json", '{"dependencies": ["@acme/ext"]}', "dependencies must map package names"),
        ("charts/app/Chart.yaml", "dependencies: [unclosed\n", "is not YAML"),
        ("charts/app/Chart.yaml", "dependencies:\n  - version: 3.0.0\n", "each with a name"),
        ("recipe/meta.yaml", "{% if win %}\npackage:\n  name: acme-lib\n{% endif %}\n", "is Jinja that is not a plain"),
        ("recipe/meta.yaml", "package:\n  name: {{ name }}\n", "the package name is not a plain string"),
        ("values.yaml#hub.image", "hub:\n  image: jupyterhub/k8s-hub:v1\n", "is not an image mapping"),
        ("values.yaml#hub.image", "hub:\n  other: 1\n", "has no key 'hub.image'"),
    ],
)
def test_a_file_that_cannot_be_read_for_sure_is_unknown(entry: str, text: str, why: str) -> None:
    """A malformed file, a missing key or a Jinja statement that is not a plain set: the pins are unknown (exit 3)."""
    evaluation = check(_plan(entry), _provider({entry.partition("#")[0]: text}))
    verdict = evaluation.release("app")
    assert verdict.status is ReleaseStatus.UNKNOWN
    (reason,) = (r for r in verdict.reasons if r.condition.startswith("pins in"))
    assert reason.outcome is Outcome.UNKNOWN
    assert why in reason.detail


@pytest.mark.parametrize(
    ("entry", "text", "why"),
    [
        ("recipe/meta.yaml", META_MET.replace('"1.1.0" %}', "environ['V'] %}"), "its version is not a plain string"),
        ("recipe/recipe.yaml", RECIPE_MET.replace('"1.1.0"', "1.1"), "its version is not a plain string"),
        ("recipe/meta.yaml", META_MET.replace("    - python\n", "    - acme-lib {{ v }}\n"), "holds a Jinja"),
        ("charts/app/Chart.yaml", CHART_MET.replace("version: 3.0.0", "version: 3.0"), "written as float 3.0"),
    ],
    ids=["set-to-an-expression", "v1-number", "unrendered-in-a-need", "chart-number"],
)
def test_a_version_that_cannot_be_read_makes_that_pin_unknown(entry: str, text: str, why: str) -> None:
    """A version set by an expression, written as a number or holding Jinja: that pin is unknown, never met."""
    (reason,) = _pin_reasons(_plan(entry), _provider({entry: text}))
    assert reason.outcome is Outcome.UNKNOWN
    assert why in reason.detail


@pytest.mark.parametrize("kind", KINDS)
def test_the_pin_file_is_read_as_of_the_moment_asked(kind: str) -> None:
    """--as-of judges by the file's version of that moment (FileHistory): the old pin then, the new one now."""
    entry, met, wrong, _ = KINDS[kind]
    provider = _provider({}).file("o/app", entry, (wrong, "2024-02-01T00:00:00Z"), (met, "2024-05-20T00:00:00Z"))
    plan = _plan(entry)
    before = check(plan, provider, as_of=dt.datetime(2024, 5, 10, tzinfo=dt.UTC)).release("app")
    now = check(plan, provider).release("app")
    assert before.status is ReleaseStatus.BLOCKED
    assert any(r.detail.startswith(SHOWN[kind][1]) for r in before.reasons)
    assert now.status is ReleaseStatus.UNBLOCKED
    unread = check(plan, provider, as_of=dt.datetime(2024, 1, 10, tzinfo=dt.UTC)).release("app")
    (missing,) = (r for r in unread.reasons if r.condition.startswith("pins"))
    assert missing.outcome is Outcome.UNKNOWN  # before the file existed: not on the branch, never met
    assert missing.detail == f"{entry} is not on the default branch of o/app as of 2024-01-10 00:00 UTC"


def test_one_package_pinned_in_two_files_must_be_met_in_both() -> None:
    """The same package pinned in two files is one reason, met only when every file pins a released version."""
    plan = _plan("requirements.txt", "pyproject.toml", after='"lib"')
    both = {"requirements.txt": "acme-lib==1.1.0\n", "pyproject.toml": PYPROJECT_MET}
    (met,) = _pin_reasons(plan, _provider(both))
    assert (met.outcome, met.condition) == (Outcome.MET, "pins lib >=1.1 (requirements.txt and pyproject.toml)")
    stale = {**both, "requirements.txt": "acme-lib==1.0.0\n"}
    (unmet,) = _pin_reasons(plan, _provider(stale))
    assert unmet.outcome is Outcome.UNMET
    assert unmet.detail == "pins Acme_Lib==1.0.0; the plan needs >=1.1"


def test_a_stale_pin_is_not_hidden_by_a_later_file() -> None:
    """Two requirements files pinning one package: a stale pin in the first blocks even when the second is right."""
    plan = _plan("images/hub/requirements.txt", "constraints.txt", after='"lib"')
    files = {"images/hub/requirements.txt": "acme-lib==1.0.0\n", "constraints.txt": "acme-lib==1.1.0\n"}
    assert check(plan, _provider(files)).release("app").status is ReleaseStatus.BLOCKED
    (reason,) = _pin_reasons(plan, _provider(files))
    assert reason.condition == "pins lib >=1.1 (images/hub/requirements.txt and constraints.txt)"


def test_a_chart_from_another_repository_is_not_the_planned_chart() -> None:
    """A Chart.yaml dependency of the same name from another chart repository does not meet the pin."""
    text = CHART_MET.replace("https://charts.example.org/stable", "https://mirror.example.net/charts")
    (reason,) = _pin_reasons(_plan("charts/app/Chart.yaml"), _provider({"charts/app/Chart.yaml": text}))
    assert reason.outcome is Outcome.UNMET
    assert "not from the plan's chart repository https://charts.example.org/stable/" in reason.detail
    alias = CHART_MET.replace("https://charts.example.org/stable", '"@acme-charts"')  # a repository alias: by name
    (by_name,) = _pin_reasons(_plan("charts/app/Chart.yaml"), _provider({"charts/app/Chart.yaml": alias}))
    assert by_name.outcome is Outcome.MET


def test_npm_dependencies_of_every_table_aliases_and_local_packages() -> None:
    """All four dependency tables are read; an npm: alias pins its target; workspace:/file: are no pins."""
    text = json.dumps(
        {
            "dependencies": {"a": "1.0.0", "widgets": "npm:@jupyter-widgets/base@6.0.0", "local": "workspace:*"},
            "peerDependencies": {"b": "=2.0.0"},
            "optionalDependencies": {"c": "v3.0.0"},
            "devDependencies": {"d": "github:o/d#abc123", "e": "file:../e", "f": "latest"},
        },
        indent=2,
    )
    pins = {pin.name: pin for pin in read_entry(text, "package.json", _plan())}
    assert {name: pin.exact() for name, pin in pins.items()} == {
        "a": "1.0.0",
        "@jupyter-widgets/base": "6.0.0",
        "b": "2.0.0",
        "c": "3.0.0",
        "d": None,
        "f": None,
    }
    assert (pins["d"].url, pins["d"].ref) == ("github:o/d#abc123", "abc123")
    assert {pin.ecosystem for pin in pins.values()} == {Ecosystem.NPM}
    assert pins["a"].line == 3


def test_a_conda_recipe_pins_its_own_package_and_its_run_needs() -> None:
    """meta.yaml: the recipe's package at its set version, and `name ==X` / `name X` needs as exact pins."""
    text = META_MET.replace("    - python\n", "    - python\n    - jupyterhub ==0.9.2\n    - tornado 5.1.1 py_0\n")
    pins = {pin.name: pin for pin in read_entry(text, "recipe/meta.yaml", _plan())}
    assert (pins["acme-lib"].exact(), pins["jupyterhub"].exact(), pins["tornado"].exact()) == (
        "1.1.0",
        "0.9.2",
        "5.1.1",
    )
    assert pins["python"].ecosystem is Ecosystem.CONDA
    assert pins["jupyterhub"].line == text.splitlines().index("    - jupyterhub ==0.9.2") + 1


def test_a_conda_pin_matches_a_release_on_its_conda_channel() -> None:
    """A recipe's need is matched against published.conda names too: met once conda-forge has that version."""
    plan = parse_plan(
        '[plan]\nname = "conda"\n[repos.hub]\ngithub = "o/hub-feedstock"\n'
        'published = { conda = { name = "jupyterhub", platforms = ["noarch"] } }\n'
        '[repos.app]\ngithub = "o/app"\n[releases.hub]\nversion = ">=0.9.2"\n'
        '[releases.app]\nversion = ">=1"\nafter = ["hub"]\npins = ["recipe/meta.yaml"]\n'
    )
    recipe = META_MET.replace("    - python\n", "    - python\n    - jupyterhub 0.9.2\n")
    provider = (
        FakeStateProvider(taken_at=TAKEN)
        .repo("o/hub-feedstock")
        .repo("o/app", files={"recipe/meta.yaml": recipe})
        .published("conda", "conda-forge/jupyterhub", "0.9.2", platforms={"noarch": "2024-05-01T00:00:00Z"})
    )
    (reason,) = _pin_reasons(plan, provider)
    assert (reason.outcome, reason.detail) == (Outcome.MET, "pins jupyterhub==0.9.2, released 2024-05-01 00:00 UTC")
    stale = provider.repo("o/app", files={"recipe/meta.yaml": recipe.replace("0.9.2", "0.9.1")})
    (unmet,) = _pin_reasons(plan, stale)
    assert unmet.detail == "pins jupyterhub==0.9.1; the plan needs >=0.9.2"


def test_a_values_image_is_read_with_its_tag() -> None:
    """PATH#KEY reads the image mapping at a dotted key: the name (registry prefixed), the tag with its v dropped."""
    text = "hub:\n  image:\n    registry: quay.io\n    repository: jupyterhub/k8s-hub\n    tag: v0.7.0@sha256:abc\n"
    (pin,) = read_entry(text, "jupyterhub/values.yaml#hub.image", _plan())
    assert (pin.name, pin.ref, pin.exact(), pin.ecosystem, pin.line) == (
        "quay.io/jupyterhub/k8s-hub",
        "v0.7.0",
        "0.7.0",
        Ecosystem.OCI,
        2,
    )
    docker = "hub:\n  image:\n    name: docker.io/library/python\n    tag: '3.12'\n"
    (python,) = read_entry(docker, "values.yaml#hub.image", _plan())
    assert (python.name, python.exact()) == ("python", "3.12")
    assert image_version("v0.7.0-beta.1", "v{version}") == "0.7.0-beta.1"


def test_a_values_image_no_release_publishes_is_not_a_condition() -> None:
    """An image pin is checked against the images the plan's releases publish; none listed: not a condition."""
    text = "hub:\n  image:\n    name: jupyterhub/k8s-hub\n    tag: v0.7.0\n"
    assert _pin_reasons(_plan("jupyterhub/values.yaml#hub.image"), _provider({"jupyterhub/values.yaml": text})) == []


def test_a_values_image_pins_the_release_that_lists_the_image() -> None:
    """A values file's image is checked against the release whose images list it, its tag read through the pattern."""
    plan = parse_plan(
        '[plan]\nname = "images"\n[repos.chart]\ngithub = "o/chart"\nscheme = "semver"\n'
        '[repos.app]\ngithub = "o/app"\n'
        '[releases.chart]\nversion = ">=0.7.0"\nimages = ["jupyterhub/k8s-hub:v{version}"]\n'
        '[releases.app]\nversion = ">=1"\nafter = ["chart"]\npins = ["values.yaml#hub.image"]\n'
    )
    values = "hub:\n  image:\n    name: jupyterhub/k8s-hub\n    tag: v0.6.0\n"
    provider = FakeStateProvider(taken_at=TAKEN).repo("o/chart").repo("o/app", files={"values.yaml": values})
    (reason,) = _pin_reasons(plan, provider)
    assert reason.outcome is Outcome.UNMET
    assert "0.6.0" in reason.detail
    assert ">=0.7.0" in reason.detail


def test_a_yaml_key_is_also_found_as_a_dotted_path() -> None:
    """PATH#KEY=PACKAGE looks the key up as written first, then as a dotted path with list indices."""
    text = "charts:\n  - images:\n      hub:\n        buildArgs:\n          JUPYTERHUB_VERSION: 0.9.2\n"
    entry = "chartpress.yaml#charts.0.images.hub.buildArgs.JUPYTERHUB_VERSION=jupyterhub"
    (pin,) = read_entry(text, entry, _plan())
    assert (pin.name, pin.exact(), pin.line) == ("jupyterhub", "0.9.2", 5)
    literal = "a.b: 1.0.0\na:\n  b: 2.0.0\n"
    assert read_entry(literal, "x.yaml#a.b=pkg", _plan())[0].exact() == "1.0.0"


# -- the entry syntax --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "kind", "path"),
    [
        ("images/hub/requirements.txt", PinKind.REQUIREMENTS, "images/hub/requirements.txt"),
        ("jupyterhub/Chart.yaml#appVersion=jupyterhub", PinKind.YAML, "jupyterhub/Chart.yaml"),
        ("pyproject.toml", PinKind.PYPROJECT, "pyproject.toml"),
        ("js/package.json", PinKind.NPM, "js/package.json"),
        ("jupyterhub/Chart.yaml", PinKind.CHART, "jupyterhub/Chart.yaml"),
        ("recipe/meta.yaml", PinKind.CONDA, "recipe/meta.yaml"),
        ("recipe/recipe.yaml", PinKind.CONDA, "recipe/recipe.yaml"),
        ("jupyterhub/values.yaml#hub.image", PinKind.VALUES, "jupyterhub/values.yaml"),
        ("requirements:pyproject.toml", PinKind.REQUIREMENTS, "pyproject.toml"),
        ("npm:deps.json", PinKind.NPM, "deps.json"),
        ("chart:jupyterhub/requirements.yaml", PinKind.CHART, "jupyterhub/requirements.yaml"),
        ("values:Chart.yaml#hub.image", PinKind.VALUES, "Chart.yaml"),
        ("yaml:x.yml#a=b", PinKind.YAML, "x.yml"),
    ],
)
def test_the_kind_comes_from_the_file_name_unless_written(entry: str, kind: PinKind, path: str) -> None:
    """Without KIND: the file name (or the selector) decides the kind; KIND:PATH overrides it."""
    parsed = pin_entry_of(entry)
    assert not isinstance(parsed, str)
    assert (parsed.kind, parsed.path) == (kind, path)


def test_the_explicit_kind_changes_how_the_file_is_read() -> None:
    """requirements:package.json reads the file as a requirements file (unknown), npm:deps.json as package.json."""
    requirements = _pin_reasons(_plan("requirements:package.json"), _provider({"package.json": PACKAGE_MET}))
    assert [r.outcome for r in requirements] == [Outcome.UNKNOWN]
    assert "is not a requirement" in requirements[0].detail
    (npm,) = _pin_reasons(_plan("npm:deps.json"), _provider({"deps.json": PACKAGE_MET}))
    assert npm.outcome is Outcome.MET


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("pyprojct:pyproject.toml", "'pyprojct' is not a pin kind (did you mean 'pyproject'?)"),
        ("chrat:Chart.yaml", "'chrat' is not a pin kind (did you mean 'chart'?)"),
        ("Chart.yaml#appVersion", "Chart.yaml is read whole as a chart pin: drop '#appVersion'"),
        ("npm:package.json#dependencies", "takes no #selector: drop '#dependencies'"),
        ("values:values.yaml", "a values pin names the key of an image mapping"),
        ("yaml:Chart.yaml#appVersion", "a yaml pin names a key and the package it pins"),
        ("values.yaml#hub image", "is not a selector"),
    ],
)
def test_validate_explains_a_bad_kind_or_selector(
    entry: str, message: str, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """`validate` refuses a bad kind or selector with exit 2, naming the key and the fix (did-you-mean)."""
    path = tmp_path / "plan.toml"
    path.write_text(f'{_UPSTREAMS}[releases.app]\nversion = ">=9.0.0"\npins = ["{entry}"]\n', encoding="utf-8")
    run = run_cli("validate", str(path))
    assert run.code == 2, run.out
    assert "releases.app.pins[0]" in run.err
    assert message in run.err
    assert "Traceback" not in run.err


def test_old_entries_keep_their_meaning() -> None:
    """A plain path stays a requirements file and PATH#KEY=PACKAGE a YAML key, whatever the kind table says."""
    assert pin_entry_of("images/hub/requirements.txt") == pin_entry_of("requirements:images/hub/requirements.txt")
    old = pin_entry_of("jupyterhub/Chart.yaml#appVersion=jupyterhub")
    assert not isinstance(old, str)
    assert (old.kind, old.key, old.package) == (PinKind.YAML, "appVersion", "jupyterhub")
    (pin,) = read_entry("appVersion: v0.9.2\n", "jupyterhub/Chart.yaml#appVersion=jupyterhub", _plan())
    assert pin == Pin("jupyterhub", "jupyterhub/Chart.yaml", 1, "==0.9.2")


# -- end to end: the CLI against the fake GitHub, which serves the file at each commit -----------

APP = "o/app"


def _day(day: int) -> dt.datetime:
    return dt.datetime(2024, 5, day, tzinfo=dt.UTC)


def _e2e_state() -> Any:
    """o/app's package.json and pyproject.toml moved from old pins (May 5) to the released ones (May 20)."""
    lib = Registry(Source.PYPI, "acme-lib", "", (Published("1.0.0", _day(1)), Published("1.1.0", _day(15))))
    ext = Registry(Source.NPM, "@acme/ext", "", (Published("1.9.0", _day(1)), Published("2.0.0", _day(16))))

    def history(old: str, new: str) -> FileHistory:
        versions = (FileVersion(new, _day(20), "b" * 40), FileVersion(old, _day(5), "a" * 40))
        return FileHistory(TAKEN, versions, complete=True)

    files = {
        "pyproject.toml": history(KINDS["pyproject"][2], PYPROJECT_MET),
        "js/package.json": history(KINDS["npm"][2], PACKAGE_MET),
    }
    repos = {
        "o/lib": RepoState("o/lib", tags=(Tag("1.1.0", "c" * 40, _day(15)),), default_branch="main"),
        "o/ext": RepoState("o/ext", tags=(Tag("v2.0.0", "d" * 40, _day(16)),), default_branch="main"),
        APP: RepoState(APP, default_branch="main", files=files),
    }
    base = load_snapshot(EXAMPLE_STATE)
    registries = {registry_key(r.source, r.name): r for r in (lib, ext)}
    return dataclasses.replace(base, taken_at=TAKEN, repos=repos, items={}, families={}, registries=registries)


_E2E_PLAN = """
[plan]
name = "pins over HTTP"
[repos.lib]
github = "o/lib"
published = {{ pypi = "Acme_Lib", pypi_index = "{pypi}" }}
[repos.ext]
github = "o/ext"
scheme = "semver"
published = {{ npm = "@acme/ext", npm_registry = "{npm}" }}
[repos.app]
github = "o/app"
scheme = "semver"
[releases.lib]
version = ">=1.1"
[releases.ext]
version = ">=2.0.0"
[releases.app]
version = ">=9.0.0"
after = ["lib", "ext"]
pins = ["pyproject.toml", "js/package.json"]
"""


@pytest.mark.parametrize(
    ("as_of", "code", "shown"),
    [
        ("2024-05-18T00:00:00Z", 1, "pins @acme/ext@1.9.0; the plan needs >=2.0.0"),
        ("2024-05-21T00:00:00Z", 0, "pins @acme/ext@2.0.0, released 2024-05-16 00:00 UTC"),
        (None, 0, "pins Acme_Lib==1.1.0, released 2024-05-15 00:00 UTC"),
    ],
    ids=["before-the-pins-moved", "after", "now"],
)
def test_check_reads_pyproject_and_package_json_at_the_commit_of_the_moment(  # noqa: PLR0917 - fixtures, parameters
    as_of: str | None, code: int, shown: str, github_schema: Any, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """`explain app --as-of` over HTTP reads pyproject.toml and package.json as they were then, in one query."""
    state = _e2e_state()
    with FakeRegistries(state) as registries, FakeGitHub(state, schema=github_schema) as github:
        text = _E2E_PLAN.format(pypi=registries.pypi_index, npm=registries.npm_registry)
        plan = tmp_path / "plan.toml"
        plan.write_text(text, encoding="utf-8")
        moment = ("--as-of", as_of) if as_of else ()
        run = run_cli(
            "explain", "app", str(plan), *moment, "--github-url", github.url, "--no-cache",
            env={"GH_TOKEN": str(github.token)},
        )  # fmt: skip
    assert github.invalid_queries == []
    assert run.code == code, run.out + run.err
    assert shown in run.text
    assert len(github.graphql_requests) == 1  # the files of that moment come in the same round trip
