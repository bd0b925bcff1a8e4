"""`release-gate init`: a plan drafted from the fake GitHub over real HTTP, validated, and checked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from release_gate import HoldStatus, ReleaseStatus, check, load_snapshot, parse_plan
from release_gate.evaluate import Evaluation
from release_gate.plan.model import HelmChart, ItemRef, Source
from release_gate.sources.github import GitHubStateProvider
from release_gate.sources.live import LiveStateProvider
from release_gate.sources.registries import RegistryReader
from release_gate.state import FileHistory, GitHubRelease, PrState, PullRequest, RepoState, State, Tag
from release_gate.testing import FakeGitHub, FakeRegistries, Fault
from release_gate.versions import Scheme
from tests.conftest import EXAMPLE_STATE, Run

MEETING = dt.datetime(2018, 8, 9, 18, tzinfo=dt.UTC)
GOLDEN = Path(__file__).parent / "init"
JUPYTERHUB = (
    "jupyterhub/kubespawner",
    "jupyterhub/oauthenticator",
    "jupyterhub/jupyterhub",
    "jupyterhub/zero-to-jupyterhub-k8s",
)

# The project files of 2018 that init reads (the recorded state has the chart's already).
KUBESPAWNER_SETUP = """\
from setuptools import setup, find_packages
import sys

v = sys.version_info
if v[:2] < (3, 5):
    error = "ERROR: jupyterhub-kubespawner requires Python version 3.5 or above."
    print(error, file=sys.stderr)
    sys.exit(1)

setup(
    name='jupyterhub-kubespawner',
    version='0.9.0.dev',
    install_requires=[
        'jupyterhub>=0.8',
        'pyYAML',
        'kubernetes==6.*',
        'escapism',
        'jinja2',
        'async_generator>=1.8',
    ],
    python_requires='>=3.5',
    packages=find_packages(),
)
"""
OAUTHENTICATOR_SETUP = """\
setup_args = dict(
    name                = 'oauthenticator',
    packages            = ['oauthenticator'],
    version             = version_ns['__version__'],
    description         = "OAuthenticator: Authenticate JupyterHub users with common OAuth providers",
)
"""
JUPYTERHUB_SETUP = """\
setup_args = dict(
    name                = 'jupyterhub',
    scripts             = glob(pjoin('scripts', '*')),
    packages            = packages,
    version             = version_ns['__version__'],
)
"""
JUPYTERHUB_REQUIREMENTS = (
    "alembic\nasync_generator>=1.8\njinja2\npamela\nSQLAlchemy>=1.1\ntornado>=5.0\ntraitlets>=4.3.2\n"
)

# -- states ---------------------------------------------------------------------------------------


def _with_files(state: State, slug: str, files: dict[str, str]) -> State:
    repos = dict(state.repos)
    repo = repos[slug.lower()]
    assert isinstance(repo, RepoState)
    added = {path: FileHistory.current(text, state.taken_at) for path, text in files.items()}
    repos[slug.lower()] = dataclasses.replace(repo, files={**repo.files, **added})
    return dataclasses.replace(state, repos=repos)


def _labelled(state: State, ref: ItemRef, *labels: str) -> State:
    items = dict(state.items)
    pull = items[ref.key]
    assert isinstance(pull, PullRequest)
    items[ref.key] = dataclasses.replace(pull, labels=labels)
    return dataclasses.replace(state, items=items)


def _jupyterhub_2018() -> State:
    """Return the recorded state of 2018-08-09 with the setup.py files, and a hold label on the big PRs."""
    state = load_snapshot(EXAMPLE_STATE)
    state = _with_files(state, "jupyterhub/kubespawner", {"setup.py": KUBESPAWNER_SETUP})
    state = _with_files(state, "jupyterhub/oauthenticator", {"setup.py": OAUTHENTICATOR_SETUP})
    state = _with_files(
        state, "jupyterhub/jupyterhub", {"setup.py": JUPYTERHUB_SETUP, "requirements.txt": JUPYTERHUB_REQUIREMENTS}
    )
    state = _labelled(state, ItemRef("jupyterhub/kubespawner", 205), "wait-for-release")
    return _labelled(state, ItemRef("jupyterhub/zero-to-jupyterhub-k8s", 758), "wait-for-release", "help wanted")


MILESTONE_0_9 = {ItemRef("jupyterhub/kubespawner", 230): "0.9", ItemRef("jupyterhub/kubespawner", 232): "0.9"}


def _day(day: int) -> dt.datetime:
    return dt.datetime(2024, 5, day, tzinfo=dt.UTC)


def _open(slug: str, number: int, title: str, *labels: str, state: PrState = PrState.OPEN) -> PullRequest:
    return PullRequest(ItemRef(slug, number), state, title, labels=labels)


def _state(repos: list[RepoState], pulls: list[PullRequest]) -> State:
    return State(_day(20), "test", {r.slug.lower(): r for r in repos}, {p.ref.key: p for p in pulls}, {}, None, {})


WIDGETS = "acme/widgets"


def _widgets() -> State:
    """Return a single Python library: {version} tags, setup.cfg, a GitHub release, development requirements."""
    setup_cfg = (
        "[metadata]\nname = acme-widgets\nversion = attr: widgets.__version__\n\n"
        "[options]\ninstall_requires =\n    attrs>=22\n"
    )
    repo = RepoState(
        WIDGETS,
        (
            Tag("1.3.0", date=_day(1)),
            Tag("1.4.0", date=_day(5)),
            Tag("1.4.1", date=_day(9)),
            Tag("nightly", date=_day(10)),
        ),
        "main",
        {
            "setup.cfg": FileHistory.current(setup_cfg, _day(20)),
            "requirements-dev.txt": FileHistory.current("pytest==8.2.0\nacme-widgets==1.4.1\n", _day(20)),
            "src/widgets/__init__.py": FileHistory.current("__version__ = '1.5.0.dev0'\n", _day(20)),
        },
        (GitHubRelease("1.4.1", published_at=_day(9)),),
    )
    pulls = [
        _open(WIDGETS, 17, "Drop Python 3.8", "release-blocker"),
        _open(WIDGETS, 18, "Rename the `spin` option", "release-blocker", "wait-for-release"),
        _open(WIDGETS, 20, "Rewrite the renderer", "wait-for-release"),
        _open(WIDGETS, 21, "Fix the docs", "release-blocker", state=PrState.MERGED),
        _open(WIDGETS, 22, "Unrelated", "enhancement"),
    ]
    return _state([repo], pulls)


PLATFORM, CHART, HELM_CHARTS = "acme/platform", "acme/platform-chart", "acme/helm-charts"
PLATFORM_PYPROJECT = """\
[project]
name = "acme-platform"
dynamic = ["version"]
dependencies = ["httpx>=0.27", "pydantic==2.7.1"]
"""
PLATFORM_CHART = """\
apiVersion: v2
name: platform
version: 2.3.0
appVersion: "0.5.0"
dependencies:
  - name: common
    version: 1.2.0
    repository: https://acme.github.io/helm-charts/
  - name: redis
    version: ^19.0.0
    repository: oci://registry-1.docker.io/bitnamicharts
"""


def _platform() -> State:
    """Return a SemVer set: a package, its chart (appVersion, an image's pins, a library chart), a charts monorepo."""
    now = _day(20)

    def tags(*names: str) -> tuple[Tag, ...]:
        return tuple(Tag(name, date=_day(n)) for n, name in enumerate(names, start=1))

    platform = RepoState(
        PLATFORM,
        tags("v0.4.0", "v0.5.0"),
        "main",
        {"pyproject.toml": FileHistory.current(PLATFORM_PYPROJECT, now)},
        (GitHubRelease("v0.5.0"), GitHubRelease("v0.6.0rc1", draft=True)),
    )
    chart_files = {
        "platform/Chart.yaml": PLATFORM_CHART,
        "platform/templates/deployment.yaml": "kind: Deployment\n",
        "platform/charts/redis/Chart.yaml": "name: redis\nversion: 19.0.1\n",
        "images/platform/requirements.txt": "acme-platform==0.5.0\nuvicorn==0.30.0\n",
        "tests/fixture/Chart.yaml": "name: fixture\nversion: 0.0.1\n",
    }
    chart = RepoState(
        CHART,
        tags("platform-2.2.0", "platform-2.3.0"),
        "main",
        {path: FileHistory.current(text, now) for path, text in chart_files.items()},
    )
    charts_files = {
        "charts/common/Chart.yaml": "name: common\ntype: library\nversion: 1.3.0-beta.1\n",
        "charts/worker/Chart.yaml": "name: worker\nversion: 0.3.0\n",
    }
    helm_charts = RepoState(
        HELM_CHARTS,
        tags("common-1.1.0", "worker-0.3.0", "common-1.2.0", "common-1.3.0-beta.1"),
        "main",
        {path: FileHistory.current(text, now) for path, text in charts_files.items()},
    )
    pulls = [_open(CHART, 40, "Run as non-root", "release-blocker"), _open(PLATFORM, 7, "Typing", "release-blocker")]
    return _state([platform, chart, helm_charts], pulls)


# -- running it -----------------------------------------------------------------------------------


@pytest.fixture
def serve(github_schema: Any) -> Iterator[Callable[[State], FakeGitHub]]:
    """Serve a state from a fake GitHub; fail the test if it saw a query GitHub would reject."""
    fakes: list[FakeGitHub] = []

    def start(state: State) -> FakeGitHub:
        fake = FakeGitHub(state, schema=github_schema)
        fake.start()
        fakes.append(fake)
        return fake

    yield start
    for fake in fakes:
        fake.stop()
        assert fake.invalid_queries == []


def _init(run_cli: Callable[..., Run], fake: FakeGitHub, *args: str, token: bool = True) -> Run:
    env = {"GH_TOKEN": str(fake.token)} if token else {}
    return run_cli("init", *args, "--github-url", fake.url, "--no-cache", env=env)


def _golden(request: pytest.FixtureRequest, name: str, text: str) -> None:
    """Compare *text* with tests/init/NAME (``--update-goldens`` writes it); check every guess is marked."""
    header, _, body = text.partition("\n[plan]\n")
    assert header.count("\n#   - ") == body.count("GUESS: ")
    path = GOLDEN / name
    if request.config.getoption("--update-goldens"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs: pytest {__file__} --update-goldens"


def _founding(run_cli: Callable[..., Run], fake: FakeGitHub, out: Path) -> Run:
    fake.milestones = dict(MILESTONE_0_9)
    return _init(run_cli, fake, *JUPYTERHUB, "-o", str(out), "--milestone", "0.9", "--hold-label", "wait-for-release")


def _live(text: str, github: FakeGitHub) -> Evaluation:
    reader = LiveStateProvider(
        GitHubStateProvider(token=github.token, base_url=github.url, clock=lambda: MEETING), RegistryReader(timeout=5)
    )
    return check(parse_plan(text), reader, as_of=MEETING)


def _pointed_at(text: str, registries: FakeRegistries) -> str:
    """Fill the draft's index URLs as the team would, here with the fake registries' (PyPI's is the default)."""
    text = re.sub(
        r"^(published\.pypi = .*)$", rf'\1\npublished.pypi_index = "{registries.pypi_index}"', text, flags=re.MULTILINE
    )
    guessed = "https://jupyterhub.github.io/zero-to-jupyterhub-k8s/index.yaml"
    assert guessed in text
    return text.replace(guessed, registries.helm_index("jupyterhub"))


# -- the founding repositories ----------------------------------------------------------------------


def test_the_2018_draft_gives_the_founding_verdicts(
    serve: Callable[[State], FakeGitHub], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    """Drafted from the 2018 repositories, the plan validates and, checked live, gives the founding plan's verdicts."""
    state = _jupyterhub_2018()
    github = serve(state)
    out = tmp_path / ".github" / "release-plan.toml"
    result = _founding(run_cli, github, out)
    assert result.code == 0, result.err
    assert run_cli("validate", str(out)).code == 0
    with FakeRegistries(state) as registries:
        founding = _live(registries.example_plan(), github)
        drafted = _live(_pointed_at(out.read_text(encoding="utf-8"), registries), github)
    same = {"kubespawner": "kubespawner", "oauthenticator": "oauthenticator", "jupyterhub": "jupyterhub"}
    same["chart"] = "zero-to-jupyterhub-k8s"
    assert {old: founding.release(old).status for old in same} == {
        "kubespawner": ReleaseStatus.BLOCKED,
        "oauthenticator": ReleaseStatus.UNBLOCKED,
        "jupyterhub": ReleaseStatus.UNBLOCKED,
        "chart": ReleaseStatus.BLOCKED,
    }
    assert {old: drafted.release(new).status for old, new in same.items()} == {
        old: founding.release(old).status for old in same
    }
    holds = {"kubespawner-big-prs": "wait-for-kubespawner", "z2jh-big-prs": "wait-for-zero-to-jupyterhub-k8s"}
    assert {old: drafted.hold(new).status for old, new in holds.items()} == {
        old: founding.hold(old).status for old in holds
    }
    assert {founding.hold(old).status for old in holds} == {HoldStatus.HELD}


def test_the_2018_draft_reads_as_the_plan_intended(
    serve: Callable[[State], FakeGitHub], run_cli: Callable[..., Run], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The plan reader reads the 2018 draft as drafted: publishing places, tags, after edges, pins, needs and holds."""
    github = serve(_jupyterhub_2018())
    out = tmp_path / "plan.toml"
    assert _founding(run_cli, github, out).code == 0
    text = out.read_text(encoding="utf-8")
    _golden(request, "jupyterhub-2018.toml", text)
    plan = parse_plan(text)
    repos = {r.id: (r.slug, r.scheme, r.tags, r.pypi, r.helm, r.sources) for r in plan.repos}
    pypi, v_first, bare_first = (Source.PYPI, Source.TAGS), ("v{version}", "{version}"), ("{version}", "v{version}")
    assert repos == {
        "kubespawner": ("jupyterhub/kubespawner", Scheme.PEP440, v_first, "jupyterhub-kubespawner", None, pypi),
        "oauthenticator": ("jupyterhub/oauthenticator", Scheme.PEP440, bare_first, "oauthenticator", None, pypi),
        "jupyterhub": ("jupyterhub/jupyterhub", Scheme.PEP440, bare_first, "jupyterhub", None, pypi),
        "zero-to-jupyterhub-k8s": (
            "jupyterhub/zero-to-jupyterhub-k8s",
            Scheme.SEMVER,
            ("v{version}", "{version}"),
            None,
            HelmChart("https://jupyterhub.github.io/zero-to-jupyterhub-k8s/index.yaml", "jupyterhub"),
            (Source.HELM, Source.TAGS),
        ),
    }  # fmt: skip
    releases = {r.id: (r.requirement.text, r.after, r.pins, r.needs_prs) for r in plan.releases}
    ks = "jupyterhub/kubespawner"
    assert releases == {
        "kubespawner": (">0.8.1", (), (), (ItemRef(ks, 230), ItemRef(ks, 232))),
        "oauthenticator": (">0.7.3", (), (), ()),
        "jupyterhub": (">0.9.1", (), (), ()),
        "zero-to-jupyterhub-k8s": (
            ">0.6.0",
            ("jupyterhub", "kubespawner", "oauthenticator"),
            ("images/hub/requirements.txt",),
            (),
        ),
    }
    holds = {h.id: (h.prs, h.until) for h in plan.holds}
    assert holds == {
        "wait-for-kubespawner": ((ItemRef(ks, 205),), ("kubespawner",)),
        "wait-for-zero-to-jupyterhub-k8s": (
            (ItemRef("jupyterhub/zero-to-jupyterhub-k8s", 758),),
            ("zero-to-jupyterhub-k8s",),
        ),
    }
    assert len(github.graphql_requests) == 2  # the tree showed a chart and a requirements file in folders
    assert not [r for r in github.requests if not r.graphql]


def test_every_guess_is_listed_on_stderr_and_marked_in_the_file(
    serve: Callable[[State], FakeGitHub], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    """Each guess is in the file's header, on its own line as GUESS, and in stderr's summary; the version always is."""
    github = serve(_jupyterhub_2018())
    out = tmp_path / "plan.toml"
    result = _founding(run_cli, github, out)
    text = out.read_text(encoding="utf-8")
    listed = re.findall(r"^#   - (.*)$", text, flags=re.MULTILINE)
    assert listed == re.findall(r"^  - (.*)$", result.err, flags=re.MULTILINE)
    marked = re.findall(r"# GUESS: (.*)$", text, flags=re.MULTILINE)
    assert len(marked) == len(listed) == 7
    assert all(any(line.endswith(guess) for line in listed) for guess in marked)
    assert [g.split(":")[0] for g in listed if ".version:" in g] == [
        f"releases.{r}.version" for r in ("kubespawner", "oauthenticator", "jupyterhub", "zero-to-jupyterhub-k8s")
    ]
    assert "wrote " + str(out) in result.err
    assert str(github.token) not in result.err + result.out + text


# -- two other shapes ------------------------------------------------------------------------------


def test_a_single_library_draft(
    serve: Callable[[State], FakeGitHub], run_cli: Callable[..., Run], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """One library ({version} tags, setup.cfg, a GitHub release): one request, to stdout, labels as needs and holds."""
    github = serve(_widgets())
    args = ("--needs-label", "release-blocker", "--hold-label", "wait-for-release", "--milestone", "2.0", "-o", "-")
    result = _init(run_cli, github, WIDGETS, *args)
    assert result.code == 0, result.err
    _golden(request, "widgets.toml", result.out)
    assert len(github.graphql_requests) == 1  # nothing beyond the root to read
    plan = parse_plan(result.out)
    (release,) = plan.releases
    assert (release.requirement.text, release.needs_prs) == (">1.4.1", (ItemRef(WIDGETS, 17), ItemRef(WIDGETS, 18)))
    assert [(h.prs, h.until) for h in plan.holds] == [((ItemRef(WIDGETS, 20),), ("widgets",))]
    assert "widgets#18 is also labelled 'wait-for-release': needed, so not held" in result.err
    assert "note: no repository has a milestone titled '2.0'" in result.err
    written = tmp_path / "widgets.toml"
    written.write_text(result.out, encoding="utf-8")
    assert run_cli("validate", str(written)).code == 0


def test_a_package_and_charts_draft(
    serve: Callable[[State], FakeGitHub], run_cli: Callable[..., Run], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A package, its chart and a charts monorepo: after and pins from appVersion, requirements and dependencies."""
    github = serve(_platform())
    out = tmp_path / "plan.toml"
    result = _init(run_cli, github, PLATFORM, CHART, HELM_CHARTS, "--needs-label", "release-blocker", "-o", str(out))
    assert result.code == 0, result.err
    text = out.read_text(encoding="utf-8")
    _golden(request, "platform.toml", text)
    plan = parse_plan(text)
    repos = {r.id: (r.slug, r.scheme, r.tags, r.pypi, r.helm) for r in plan.repos}
    assert repos == {
        "platform": (PLATFORM, Scheme.PEP440, ("v{version}", "{version}"), "acme-platform", None),
        "platform-chart": (
            CHART,
            Scheme.SEMVER,
            ("platform-{version}",),
            None,
            HelmChart("https://acme.github.io/platform-chart/index.yaml", "platform"),
        ),
        "helm-charts": (
            HELM_CHARTS,
            Scheme.SEMVER,
            ("common-{version}",),
            None,
            HelmChart("https://acme.github.io/helm-charts/index.yaml", "common"),
        ),
    }
    releases = {r.id: (r.requirement.text, r.after, r.pins) for r in plan.releases}
    assert releases == {
        "platform": (">0.5.0", (), ()),
        "platform-chart": (
            ">2.3.0",
            ("platform", "helm-charts"),
            ("images/platform/requirements.txt", "platform/Chart.yaml#appVersion=acme-platform"),
        ),
        "helm-charts": (">1.3.0-beta.1", (), ()),
    }
    assert [r.needs_prs for r in plan.releases] == [(ItemRef(PLATFORM, 7),), (ItemRef(CHART, 40),), ()]
    assert "the Helm chart worker (charts/worker/Chart.yaml) left out" in result.err
    assert run_cli("validate", str(out)).code == 0


def test_nothing_found_to_publish_is_a_commented_guess(
    serve: Callable[[State], FakeGitHub], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    """A repository with neither a Python project nor a chart is drafted from its tags, said so, and validates."""
    tools = RepoState(
        "acme/tools",
        (Tag("release-2024.05", date=_day(1)),),
        "main",
        {"README.md": FileHistory.current("# tools\n", _day(20))},
    )
    empty = RepoState("acme/empty")
    github = serve(_state([tools, empty], []))
    out = tmp_path / "plan.toml"
    result = _init(run_cli, github, "acme/tools", "acme/empty", "-o", str(out))
    assert result.code == 0, result.err
    text = out.read_text(encoding="utf-8")
    assert text.count("# GUESS: nothing found to publish") == 2
    assert "repos.tools: nothing found to publish" in result.err
    plan = parse_plan(text)
    assert [(r.id, r.pypi, r.helm, r.sources) for r in plan.repos] == [
        ("tools", None, None, (Source.TAGS,)),
        ("empty", None, None, (Source.TAGS,)),
    ]
    assert [r.requirement.text for r in plan.releases] == [">2024.5", ">=0"]
    assert run_cli("validate", str(out)).code == 0


# -- what it refuses ----------------------------------------------------------------------------------


def test_without_a_token_nothing_is_read_and_nothing_written(
    serve: Callable[[State], FakeGitHub], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    """With no token init exits 3 and says how to set one, before any request; no file is written."""
    github = serve(_widgets())
    out = tmp_path / "plan.toml"
    result = _init(run_cli, github, WIDGETS, "-o", str(out), token=False)
    assert result.code == 3
    assert "needs a token" in result.err
    assert "GH_TOKEN" in result.err
    assert "Traceback" not in result.err
    assert github.requests == []
    assert not out.exists()


def test_a_repository_that_does_not_exist_is_named(
    serve: Callable[[State], FakeGitHub], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    """Repositories GitHub does not have are named together, exit 3, and nothing is written."""
    github = serve(_widgets())
    out = tmp_path / "plan.toml"
    result = _init(run_cli, github, "acme/nope", WIDGETS, "acme/gone", "-o", str(out))
    assert result.code == 3
    assert "no repository acme/nope, acme/gone" in result.err
    assert "Check the names" in result.err
    assert not out.exists()


def test_an_existing_file_is_never_overwritten(
    serve: Callable[[State], FakeGitHub], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    """An existing output file is exit 2, left as it was, and GitHub is not asked."""
    github = serve(_widgets())
    out = tmp_path / "plan.toml"
    out.write_text("# ours\n", encoding="utf-8")
    result = _init(run_cli, github, WIDGETS, "-o", str(out))
    assert result.code == 2
    assert "exists, and init never overwrites a plan" in result.err
    assert out.read_text(encoding="utf-8") == "# ours\n"
    assert github.requests == []


def test_a_name_that_is_no_repository_is_a_usage_error(run_cli: Callable[..., Run], tmp_path: Path) -> None:
    """A repository not written OWNER/REPO is exit 2 with the fix, before reading anything."""
    result = run_cli("init", "kubespawner", "-o", str(tmp_path / "plan.toml"), env={"GH_TOKEN": "x"})
    assert result.code == 2
    assert "'kubespawner' is not a GitHub repository" in result.err
    assert "Write OWNER/REPO" in result.err


def test_a_part_of_the_answer_that_failed_drafts_nothing(
    serve: Callable[[State], FakeGitHub], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    """A repository GitHub failed to answer (part of the query) is exit 3, never a plan without its PRs."""
    github = serve(_widgets())
    github.inject(Fault.GRAPHQL_PARTIAL, times=None, where="graphql")
    out = tmp_path / "plan.toml"
    result = _init(run_cli, github, WIDGETS, "--needs-label", "release-blocker", "-o", str(out))
    assert result.code == 3
    assert "acme/widgets: Something went wrong" in result.err
    assert not out.exists()
