"""Per-release packaging: several releases of one repository, each with its own tags, names and sources."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from release_gate.errors import PlanError
from release_gate.evaluate import Outcome, ReleaseStatus
from release_gate.evaluate.whatif import apply, parse_assumption
from release_gate.pipeline import check
from release_gate.plan.model import Plan, Source
from release_gate.plan.reader import load_plan, parse_plan
from release_gate.report.json import render as render_json
from release_gate.sources.snapshot import SnapshotStateProvider, dump_snapshot, load_snapshot
from release_gate.state import Registry, RepoState, request_for
from release_gate.testing.provider import FakeStateProvider

ROOT = Path(__file__).resolve().parent.parent
MONOREPO_PLAN = ROOT / "config" / "example-monorepo.toml"
MONOREPO_STATE = ROOT / "config" / "example-monorepo.state.json"
OUTPUT_SCHEMA = jsonschema.Draft202012Validator(
    json.loads((ROOT / "release_gate" / "report" / "output.schema.json").read_text(encoding="utf-8"))
)
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


# -- old plans: the per-release view is the repo ---------------------------------------------------------

PACKAGED_PER_RELEASE = {
    "example-monorepo.toml",
    "example-jupyterlab-extension.toml",
    "jupyterhub-2018-conda-images.toml",
}
"""The examples whose releases name their own packaging."""

OLD_PLANS = sorted(
    path
    for path in (*(ROOT / "config").glob("*.toml"), *(ROOT / "tests" / "scenarios").glob("*/plan.toml"))
    if path.name not in PACKAGED_PER_RELEASE and path.parent.name != "cycle"  # the cycle scenario's plan is invalid
)


@pytest.mark.parametrize("path", OLD_PLANS, ids=[str(p.relative_to(ROOT)) for p in OLD_PLANS])
def test_a_release_without_packaging_keys_is_packaged_as_its_repo(path: Path) -> None:
    """In every plan that names no per-release packaging, each release's packaging is its repo, object for object."""
    plan = load_plan(path)
    assert plan.releases
    for release in plan.releases:
        assert release.packaging is None
        assert plan.packaging(release) is plan.repo(release.repo)


def test_the_old_plans_include_the_founding_plan_and_scenarios() -> None:
    """The table above covers the founding plan and the golden scenarios, so the property means something."""
    names = {str(p.relative_to(ROOT)) for p in OLD_PLANS}
    assert "config/jupyterhub-2018.toml" in names
    assert sum(name.startswith("tests/scenarios/") for name in names) >= 5


def test_a_release_names_only_what_it_changes() -> None:
    """A release naming only `tags` keeps its repo's scheme, published names and sources; id and slug stay."""
    tags_only = 'tags = ["v{version}"]\npublished = { pypi = "example-toolkit-core" }\n'
    plan = plan_of(
        TWO_PACKAGES.replace('published = { pypi = "example-toolkit" }\n', "").replace(
            tags_only, 'tags = ["v{version}"]\n'
        )
    )
    cli, repo = plan.packaging(plan.release("cli")), plan.repo("toolkit")
    assert (cli.id, cli.slug, cli.scheme, cli.pypi, cli.sources) == (
        repo.id,
        repo.slug,
        repo.scheme,
        repo.pypi,
        repo.sources,
    )
    assert (repo.tags, cli.tags) == (("v{version}",), ("cli-v{version}",))


def test_published_replaces_the_repos_table_and_its_default_sources() -> None:
    """A release's `published` replaces the repo's whole table; its default sources follow its own places."""
    body = """
    [repos.charts]
    github = "org/charts"
    published = { pypi = "org-tools", helm = { index = "https://org.github.io/charts/index.yaml", chart = "hub" } }
    [releases.tools]
    repo = "charts"
    version = ">=1.0"
    [releases.hub]
    repo = "charts"
    scheme = "semver"
    version = ">=2.0.0"
    tags = ["hub-{version}"]
    published = { helm = { index = "https://org.github.io/charts/index.yaml", chart = "hub" } }
    """
    plan = plan_of(body)
    hub = plan.packaging(plan.release("hub"))
    assert (hub.pypi, hub.helm is not None, hub.sources) == (None, True, (Source.HELM, Source.TAGS))
    assert plan.packaging(plan.release("tools")).sources == (Source.PYPI, Source.HELM, Source.TAGS)


# -- validate -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "key", "hint"),
    [
        ('tag = ["cli-v{version}"]', "releases.cli.tag", "did you mean 'tags'?"),
        ('publish = { pypi = "x" }', "releases.cli.publish", "did you mean 'published'?"),
        ('source = ["pypi"]', "releases.cli.source", "did you mean 'sources'?"),
        ('published = { pypy = "x" }', "releases.cli.published.pypy", "did you mean 'pypi'?"),
        ('scheme = "semvar"', "releases.cli.scheme", "did you mean 'semver'?"),
        ('sources = ["pypy"]', "releases.cli.sources[0]", "did you mean 'pypi'?"),
    ],
)
def test_a_misspelt_packaging_key_gets_a_did_you_mean(line: str, key: str, hint: str) -> None:
    """A misspelt per-release key or value names the key and the likely one."""
    own = 'published = { pypi = "example-toolkit" }'
    body = (
        TWO_PACKAGES.replace(own, line) if line.startswith("published") else TWO_PACKAGES.replace(own, f"{own}\n{line}")
    )
    found = dict(problems_of(body))
    assert key in found, found
    assert hint in found[key]


def test_a_release_source_needs_its_place() -> None:
    """Sources = ['pypi'] on a release whose repo and self publish no PyPI project is refused, naming both."""
    body = """
    [repos.mono]
    github = "org/mono"
    [releases.a]
    repo = "mono"
    version = ">=1.0"
    sources = ["pypi", "tags"]
    """
    assert problems_of(body) == [
        (
            "releases.a.sources[0]",
            "'pypi' needs published.pypi (the PyPI project); neither this release nor repos.mono names one",
        )
    ]


def test_the_version_is_read_in_the_releases_own_scheme() -> None:
    """A SemVer release of a PEP 440 repo has its requirement read as SemVer, and a bad one names the release."""
    plan = plan_of(
        TWO_PACKAGES.replace('tags = ["cli-v{version}"]', 'tags = ["cli-v{version}"]\nscheme = "semver"').replace(
            'version = ">=3.0,<3.1"\ntags = ["cli', 'version = ">=1.4.0, <1.5.0"\ntags = ["cli'
        )
    )
    assert str(plan.release("cli").requirement.scheme) == "semver"
    body = TWO_PACKAGES.replace('tags = ["cli-v{version}"]', 'tags = ["cli-v{version}"]\nscheme = "semver"')
    ((key, message),) = problems_of(
        body.replace('version = ">=3.0,<3.1"\ntags = ["cli', 'version = "~=3.0"\ntags = ["cli')
    )
    assert key == "releases.cli.version"
    assert message.endswith("releases.cli uses the semver scheme")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            'decided_by = "helm"',
            (
                "helm is not a source of releases.cli, which takes its sources from its own published (pypi, tags); "
                "add sources = [...] to releases.cli, or pick one of those"
            ),
        ),
        (
            'sources = ["pypi", "tags"]\ndecided_by = "github-releases"',
            (
                "github-releases is not a source of releases.cli (pypi, tags); add it to releases.cli.sources "
                "or pick one of those"
            ),
        ),
    ],
)
def test_decided_by_is_checked_against_the_releases_own_sources(extra: str, message: str) -> None:
    """`decided_by` must be one of the release's effective sources, and the message says where they came from."""
    body = TWO_PACKAGES.replace('after = ["core"]', f'after = ["core"]\n{extra}')
    assert problems_of(body) == [("releases.cli.decided_by", message)]


def test_decided_by_may_name_a_source_only_the_release_has() -> None:
    """A release listing github-releases may be decided by it although its repo's sources are pypi and tags."""
    body = TWO_PACKAGES.replace(
        'after = ["core"]', 'after = ["core"]\nsources = ["pypi", "github-releases"]\ndecided_by = "github-releases"'
    )
    assert plan_of(body).release("cli").decided_by is Source.GITHUB_RELEASES


def test_decided_by_inherited_sources_keep_the_repos_message() -> None:
    """A release naming only its tags is checked against its repo's sources, named as the repo's."""
    body = TWO_PACKAGES.replace('published = { pypi = "example-toolkit" }', 'decided_by = "helm"')
    assert problems_of(body) == [
        (
            "releases.cli.published",
            (
                "names its own tags but reads pypi 'example-toolkit-core' of repos.toolkit, so that package's versions "
                'would decide it; give releases.cli its own published (its package), or sources = ["tags"] if only its '
                "tags say it is out"
            ),
        ),
        (
            "releases.cli.decided_by",
            "helm is not a source of repos.toolkit (pypi, tags); add it to its sources or pick one of those",
        ),
    ]


# -- tag patterns that read each other's tags ---------------------------------------------------------


@pytest.mark.parametrize(
    ("core", "cli", "overlap"),
    [
        ("pkg-{version}", "pkg-v{version}", "'pkg-v1.2.3' reads as v1.2.3"),
        ("pkg-v{version}", "pkg-{version}", "'pkg-v1.2.3' reads as v1.2.3"),
        ("{version}", "v{version}", "'v1.2.3' reads as v1.2.3"),
        ("pkg-{version}", "pkg-ext-{version}", None),
        ("core-v{version}", "cli-v{version}", None),
        ("v{version}", "v{version}", None),  # a train tagged once: allowed
        ("@scope/core@{version}", "@scope/core-ext@{version}", None),
        ("core/v{version}", "cli/v{version}", None),
    ],
)
def test_tag_patterns_of_one_repo_must_not_read_each_others_tags(core: str, cli: str, overlap: str | None) -> None:
    """Two releases of one repo are refused when a sample tag of one reads as a version through the other's pattern."""
    body = TWO_PACKAGES.replace('"core-v{version}"', f'"{core}"').replace('"cli-v{version}"', f'"{cli}"')
    if overlap is None:
        assert plan_of(body).release("cli").packaging is not None
        return
    ((key, message),) = problems_of(body)
    assert key.endswith(".tags")
    assert overlap in message
    assert "patterns that cannot match each other's tags" in message


def test_a_release_pattern_is_checked_against_the_repos_own() -> None:
    """A release whose `{version}` would read the v-tags of a sibling using the repo's patterns is refused."""
    body = """
    [repos.mono]
    github = "org/mono"
    tags = ["v{version}"]
    [releases.lib]
    repo = "mono"
    version = ">=1.0"
    [releases.ext]
    repo = "mono"
    version = ">=2.0"
    tags = ["{version}"]
    """
    ((key, message),) = problems_of(body)
    assert key == "releases.ext.tags"
    assert "'v1.2.3' reads as v1.2.3" in message


def test_releases_of_different_repos_may_share_overlapping_patterns() -> None:
    """The overlap check is per repository: other repos' tags are never read."""
    body = """
    [repos.a]
    github = "org/a"
    tags = ["{version}"]
    [repos.b]
    github = "org/b"
    tags = ["v{version}"]
    [releases.a]
    version = ">=1.0"
    tags = ["pkg-{version}"]
    [releases.b]
    version = ">=1.0"
    tags = ["pkg-v{version}"]
    """
    assert len(plan_of(body).releases) == 2


# -- two packages of one repository at different versions ---------------------------------------------


def test_the_example_releases_two_packages_at_different_versions() -> None:
    """The monorepo example's snapshot has core 3.0.0 and server 2.5.0 out of one repository, each by its own source."""
    evaluation = check(MONOREPO_PLAN, SnapshotStateProvider(MONOREPO_STATE))
    core, server, cli = (evaluation.release(i) for i in ("core", "server", "cli"))
    assert core.repo.slug == server.repo.slug == cli.repo.slug == MONO
    assert (core.status, server.status, cli.status) == (
        ReleaseStatus.RELEASED,
        ReleaseStatus.RELEASED,
        ReleaseStatus.BLOCKED,
    )
    assert core.released is not None
    assert server.released is not None
    assert (core.released.version, core.released.source) == ("3.0.0", Source.PYPI)
    assert (server.released.version, server.released.source, server.released.tag) == (
        "2.5.0",
        Source.GITHUB_RELEASES,
        "server-v2.5.0",
    )
    # Each reads the repository's tags through its own pattern only.
    assert {c.tag for c in cli.candidates if c.source is Source.TAGS} == {"cli-v1.4.0rc1"}
    assert "core-v3.0.0" in cli.skipped_tags
    assert "server-v2.5.0" in core.skipped_tags


def test_the_example_pins_each_package_once_against_its_own_release() -> None:
    """The cli's requirements pin core (met, against core) and server (2.4.1: unmet, against server), once each."""
    evaluation = check(MONOREPO_PLAN, SnapshotStateProvider(MONOREPO_STATE))
    pins = [r for r in evaluation.release("cli").reasons if r.condition.startswith("pins ")]
    assert [(r.node, r.outcome, r.detail) for r in pins] == [
        ("release:core", Outcome.MET, "pins example-toolkit-core==3.0.0, released 2024-09-10 09:20 UTC"),
        ("release:server", Outcome.UNMET, "pins example-toolkit-server==2.4.1; the plan needs >=2.5,<2.6"),
    ]


def test_the_example_checks_on_the_command_line(run_cli: Callable[..., Any]) -> None:
    """`check --snapshot` on the example exits 1 (cli blocked) and its JSON shows each release's own packaging."""
    run = run_cli("check", str(MONOREPO_PLAN), "--snapshot", str(MONOREPO_STATE), "--format", "json")
    assert (run.code, run.err) == (1, "")
    document = json.loads(run.out)
    assert [error.message for error in OUTPUT_SCHEMA.iter_errors(document)] == []
    releases = {r["id"]: r for r in document["releases"]}
    assert {i: (r["status"], (r["released"] or {}).get("version")) for i, r in releases.items()} == {
        "core": ("released", "3.0.0"),
        "server": ("released", "2.5.0"),
        "cli": ("blocked", None),
    }
    assert {r["released"]["source"] for r in releases.values() if r["released"]} == {"pypi", "github-releases"}
    text = run_cli("check", str(MONOREPO_PLAN), "--snapshot", str(MONOREPO_STATE))
    assert "server is released: 2.5.0 (GitHub release server-v2.5.0" in text.text


def test_the_json_report_shows_each_releases_own_scheme() -> None:
    """A SemVer release of a PEP 440 repo is reported with scheme semver in the JSON report."""
    body = TWO_PACKAGES.replace(
        'version = ">=3.0,<3.1"\ntags = ["cli', 'scheme = "semver"\nversion = ">=1.4.0"\ntags = ["cli'
    )
    document = json.loads(render_json(check(plan_of(body), fake())))
    assert {r["id"]: r["scheme"] for r in document["releases"]} == {"core": "pep440", "cli": "semver"}
    assert [error.message for error in OUTPUT_SCHEMA.iter_errors(document)] == []


def test_the_example_snapshot_reads_back_as_written() -> None:
    """The example's snapshot round-trips: loaded and dumped again, it is byte for byte the file."""
    text = MONOREPO_STATE.read_text(encoding="utf-8")
    state = load_snapshot(MONOREPO_STATE)
    assert dump_snapshot(state, about=json.loads(text)["about"]) == text


def test_the_state_request_asks_for_each_releases_own_places() -> None:
    """request_for asks PyPI for every release's project and carries each release's packaging in `wants`."""
    plan = load_plan(MONOREPO_PLAN)
    request = request_for(plan, ())
    assert [name for _, name, _ in request.registries] == [
        "example-toolkit",
        "example-toolkit-core",
        "example-toolkit-server",
    ]
    assert [repo.tags for repo, _ in request.wants] == [
        ("core-v{version}",),
        ("server-v{version}",),
        ("cli-v{version}",),
    ]
    assert request.repos == (MONO,)  # the repository's tags are read once for all its releases


def test_assuming_a_release_tags_it_with_its_own_pattern() -> None:
    """`--assume 'cli==1.4.0 released'` makes the tag cli-v1.4.0 and the upload of example-toolkit 1.4.0."""
    state = apply(
        load_snapshot(MONOREPO_STATE),
        load_plan(MONOREPO_PLAN),
        [parse_assumption(load_plan(MONOREPO_PLAN), "cli==1.4.0 released")],
        TAKEN,
    )
    repo = state.repos[MONO]
    assert isinstance(repo, RepoState)
    assert repo.tags[-1].name == "cli-v1.4.0"
    registry = state.registry(Source.PYPI, "example-toolkit")
    assert isinstance(registry, Registry)
    assert registry.versions[-1].version == "1.4.0"


# -- pins: once per pinned package --------------------------------------------------------------------

SHARED_PROJECT = """
[repos.toolkit]
github = "example-org/toolkit"
published = { pypi = "example-toolkit-core" }
sources = ["pypi", "github-releases", "tags"]

[repos.app]
github = "example-org/app"

[releases.core]
repo = "toolkit"
version = ">=3.0,<3.1"

[releases.server]
repo = "toolkit"
version = ">=3.0,<3.1"
decided_by = "github-releases"

[releases.app]
version = ">=1.0"
after = ["core", "server"]
pins = ["requirements.txt"]
"""


def test_a_pinned_package_is_reported_once_however_many_after_releases_publish_it() -> None:
    """Two `after` releases of one repo (one PyPI project) give one pin reason, naming both, not two."""
    state = (
        fake()
        .published("pypi", "example-toolkit-core", "3.0.0", "2024-09-10T00:00:00Z")
        .tag(MONO, "v3.0.0", "2024-09-10T00:00:00Z")
        .repo("example-org/app", files={"requirements.txt": "example-toolkit-core==3.0.0\n"})
    )
    reasons = check(plan_of(SHARED_PROJECT), state).release("app").reasons
    pins = [r for r in reasons if r.condition.startswith("pins ")]
    assert [r.condition for r in pins] == ["pins core >=3.0,<3.1 and server >=3.0,<3.1 (requirements.txt)"]
    # core is out on PyPI; server is decided by a GitHub release that does not exist: the pin is unmet for server.
    assert pins[0].outcome is Outcome.UNMET
    assert pins[0].node == "release:server"
    assert pins[0].detail.startswith("for server: pins example-toolkit-core==3.0.0, not released yet")


def test_a_pin_met_for_every_release_that_publishes_it_is_met() -> None:
    """Once every `after` release publishing the pinned package has it out, the one reason is met."""
    state = (
        fake()
        .published("pypi", "example-toolkit-core", "3.0.0", "2024-09-10T00:00:00Z")
        .repo("example-org/app", files={"requirements.txt": "example-toolkit-core==3.0.0\n"})
    )
    plan = plan_of(SHARED_PROJECT.replace('decided_by = "github-releases"\n', ""))
    pins = [r for r in check(plan, state).release("app").reasons if r.condition.startswith("pins ")]
    assert [(r.node, r.outcome) for r in pins] == [("release:core", Outcome.MET)]
