"""PyPI and Helm as evidence sources, read for real over HTTP from the fake registries."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from release_gate import FakeStateProvider, ReleaseStatus, check, load_snapshot, parse_plan
from release_gate.plan.model import Source
from release_gate.sources.cache import ResponseCache
from release_gate.sources.registries import RegistryReader
from release_gate.state import Published, Registry, StateRequest, Unknown, registry_key
from release_gate.testing import FakeRegistries, Fault
from release_gate.testing.registries import SIMPLE_JSON
from tests.conftest import EXAMPLE_STATE, Run

TAKEN = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


def _state(*registries: Registry) -> Any:
    return dataclasses.replace(
        load_snapshot(EXAMPLE_STATE), registries={registry_key(r.source, r.name): r for r in registries}
    )


def _plan(fake: FakeRegistries, *, pypi: str = "lib", chart: str = "app", lib_version: str = ">=1.0.0b1") -> Any:
    return parse_plan(
        f"""
[plan]
name = "sources"
[repos.lib]
github = "o/lib"
published = {{ pypi = "{pypi}", pypi_index = "{fake.pypi_index}" }}
[repos.chart]
github = "o/chart"
scheme = "semver"
published = {{ helm = {{ index = "{fake.helm_index(chart)}", chart = "{chart}" }} }}
[releases.lib]
version = "{lib_version}"
[releases.chart]
version = ">=1.0.0-beta.1"
"""
    )


def _read(plan: Any, **kwargs: Any) -> dict[str, Registry | Unknown]:
    from release_gate.state import request_for  # noqa: PLC0415

    return RegistryReader(timeout=2, retries=1, **kwargs).read(request_for(plan, ()))


def _evaluate(fake: FakeRegistries, plan: Any, *, as_of: dt.datetime | None = None, **kwargs: Any) -> Any:
    del fake  # the plan carries its URLs
    registries = _read(plan, **kwargs)
    state = FakeStateProvider(taken_at=TAKEN).repo("o/lib").repo("o/chart")
    fixed = _Fixed(dataclasses.replace(state.fetch(StateRequest((), ())), registries=registries))
    return check(plan, fixed, as_of=as_of)


class _Fixed:
    def __init__(self, state: Any) -> None:
        self.state = state

    def fetch(self, request: StateRequest) -> Any:
        del request
        return self.state


LIB = Registry(
    Source.PYPI,
    "lib",
    "",
    (
        Published("0.9", dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
        Published("1.0.0b1", dt.datetime(2024, 2, 1, tzinfo=dt.UTC), files=2, yanked=2),  # every file yanked
        Published("1.0.0b2", dt.datetime(2024, 3, 1, tzinfo=dt.UTC), files=0),  # a version key with no files
        Published("1.0.0rc1", dt.datetime(2024, 4, 1, tzinfo=dt.UTC), files=3, yanked=1),  # one file yanked
    ),
)
APP = Registry(
    Source.HELM,
    "app",
    "",
    (
        Published("0.9.0", dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
        Published("1.0.0-0.dev.git.12.h262097b", dt.datetime(2024, 2, 1, tzinfo=dt.UTC)),
        Published("1.0.1-0.dev.git.3.habc1234", dt.datetime(2024, 3, 1, tzinfo=dt.UTC)),
        Published("1.0.0-beta.1", dt.datetime(2024, 4, 1, tzinfo=dt.UTC)),
    ),
)


def test_pypi_counts_a_version_with_an_unyanked_file() -> None:
    """A version counts when it has a file that is not yanked; fully yanked and empty versions say why not."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        lib = _evaluate(fake, _plan(fake)).release("lib")
    assert lib.status is ReleaseStatus.RELEASED
    assert lib.released is not None
    assert (lib.released.version, lib.released.source) == ("1.0.0rc1", Source.PYPI)
    why = {c.tag: c.why for c in lib.candidates if c.source is Source.PYPI}
    assert why["1.0.0b1"] == "yanked"
    assert why["1.0.0b2"] == "no files"
    assert why["1.0.0rc1"] == "satisfies >=1.0.0b1"


def test_helm_dev_builds_never_satisfy() -> None:
    """Dev builds in an unsorted Helm index never satisfy; the labelled beta does; non-SemVer versions are skipped."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.extra_entries["app"] = [{"name": "app", "version": "v1.2", "created": "2024-05-01T00:00:00Z"}]
        chart = _evaluate(fake, _plan(fake)).release("chart")
    assert chart.status is ReleaseStatus.RELEASED
    assert chart.released is not None
    assert chart.released.version == "1.0.0-beta.1"
    rejected = {c.tag: c.why for c in chart.candidates if not c.accepted}
    assert rejected["1.0.1-0.dev.git.3.habc1234"].startswith("development build")
    assert "helm v1.2" in chart.skipped_tags


def test_helm_redirect_and_conditional_get(tmp_path: Path) -> None:
    """A moved index is followed, and with a cache folder the second read is a conditional GET (304)."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        plan = _plan(fake)
        moved = dataclasses.replace(
            plan.repos[1], helm=dataclasses.replace(plan.repos[1].helm, index=f"{fake.url}/moved/app/index.yaml")
        )
        plan = dataclasses.replace(plan, repos=(plan.repos[0], moved))
        first = _read(plan, cache=ResponseCache(tmp_path))
        second = _read(plan, cache=ResponseCache(tmp_path))
    assert first == second
    assert isinstance(first["helm:app"], Registry)
    assert [r.path for r in fake.requests].count("/helm/app/index.yaml") == 2  # both after the redirect


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        (lambda fake: setattr(fake, "broken_index", True), "is not YAML"),
        (lambda fake: setattr(fake, "down", True), "the index kept failing after the retries"),
    ],
    ids=["not-yaml", "down"],
)
def test_unreadable_sources_make_the_release_unknown(setup: Callable[[FakeRegistries], None], needle: str) -> None:
    """An index that is down or not YAML makes its release unknown, with the reason; never unblocked."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        setup(fake)
        evaluation = _evaluate(fake, _plan(fake))
    chart = evaluation.release("chart")
    assert chart.status is ReleaseStatus.UNKNOWN
    assert needle in chart.reasons[0].detail


def test_missing_project_and_chart_are_unknown_with_a_hint() -> None:
    """A PyPI project or chart that does not exist is unknown, saying which key of the plan to check."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        evaluation = _evaluate(fake, _plan(fake, pypi="no-such-project", chart="nochart"))
    lib, chart = evaluation.release("lib"), evaluation.release("chart")
    assert (lib.status, chart.status) == (ReleaseStatus.UNKNOWN, ReleaseStatus.UNKNOWN)
    assert "has no project 'no-such-project'; check published.pypi" in lib.reasons[0].detail
    assert "check published.helm.chart" in chart.reasons[0].detail or "answered" in chart.reasons[0].detail


def test_tagged_but_not_on_pypi_is_tagged() -> None:
    """A tag that satisfies the release while PyPI does not have it yet makes the release tagged, not released."""
    plan = parse_plan(
        '[plan]\nname = "t"\n[repos.lib]\ngithub = "o/lib"\npublished = { pypi = "lib" }\n'
        '[releases.lib]\nversion = ">=2.0"\n'
    )
    state = (
        FakeStateProvider(taken_at=TAKEN).tag("o/lib", "v2.0", "2024-05-01T00:00:00Z").published("pypi", "lib", "1.0")
    )
    lib = check(plan, state).release("lib")
    assert lib.status is ReleaseStatus.TAGGED
    assert lib.reasons[0].detail == "tag v2.0 has 2.0, not yet on PyPI"
    assert lib.reasons[0].action == "publish lib 2.0 (PyPI)"
    state.published("pypi", "lib", "2.0", "2024-05-01T00:10:00Z")
    assert check(plan, state).release("lib").status is ReleaseStatus.RELEASED


def test_github_releases_skip_drafts_and_prereleases() -> None:
    """A draft never counts; a release marked pre-release counts only when the plan accepts pre-releases."""
    from release_gate import state as state_types  # noqa: PLC0415

    text = (
        '[plan]\nname = "g"\n[repos.lib]\ngithub = "o/lib"\nsources = ["github-releases"]\n'
        '[releases.lib]\nversion = ">=2.0"\n'
    )
    fake = FakeStateProvider(taken_at=TAKEN).repo("o/lib")
    state = fake.fetch(StateRequest((), ()))
    repo = state.repos["o/lib"]
    assert isinstance(repo, state_types.RepoState)
    releases = (
        state_types.GitHubRelease("v2.0", draft=True, published_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC)),
        state_types.GitHubRelease("v2.1", prerelease=True, published_at=dt.datetime(2024, 5, 2, tzinfo=dt.UTC)),
    )
    state = dataclasses.replace(state, repos={"o/lib": dataclasses.replace(repo, releases=releases)})
    final = check(parse_plan(text), _Fixed(state)).release("lib")
    assert final.status is ReleaseStatus.UNBLOCKED
    assert {c.tag: c.why for c in final.candidates} == {"v2.0": "a draft", "v2.1": "marked pre-release on GitHub"}
    pre = check(parse_plan(text.replace('">=2.0"', '">=2.0"\naccept = "pre"')), _Fixed(state)).release("lib")
    assert pre.status is ReleaseStatus.RELEASED


def test_founding_example_against_the_fakes(
    fake_github: Any, fake_registries: FakeRegistries, live_plan: Path, run_cli: Callable[..., Run]
) -> None:
    """Read live from the fakes, the chart is blocked by its pins (git kubespawner, old oauthenticator) too."""
    result = run_cli(
        "explain", "chart", str(live_plan), "--github-url", fake_github.url, env={"GH_TOKEN": str(fake_github.token)}
    )
    assert result.code == 1
    assert "pins jupyterhub-kubespawner from git 7ae9900; the plan needs >=0.9.0b1 released" in result.text
    assert "pins oauthenticator==0.7.2; the plan needs >0.7.3" in result.text
    assert "after kubespawner >=0.9.0b1: not released (blocked)" in result.text
    assert "chart index v0.7-15e87d6" not in result.text  # the dev build was skipped, not accepted
    assert any(r.path == "/helm/jupyterhub/index.yaml" for r in fake_registries.requests)


def test_plan_mistakes_in_sources_are_exit_2(run_cli: Callable[..., Run], tmp_path: Path) -> None:
    """A source without its place, a decided_by outside the sources, a non-http index: one report, exit 2."""
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[plan]\nname = "bad"\n[repos.lib]\ngithub = "o/lib"\nsources = ["pypi", "tags"]\n'
        '[repos.chart]\ngithub = "o/chart"\npublished = { helm = { index = "ftp://x/index.yaml", chart = "c" } }\n'
        '[releases.lib]\nversion = ">=1"\ndecided_by = "helm"\n',
        encoding="utf-8",
    )
    result = run_cli("validate", str(plan))
    assert result.code == 2
    assert "repos.lib.sources[0]: 'pypi' needs published.pypi" in result.err
    assert "releases.lib.decided_by: helm is not a source of repos.lib" in result.err
    assert "repos.chart.published.helm.index: 'ftp://x/index.yaml' is not an http(s) URL" in result.err
    assert "Traceback" not in result.err


def test_an_answer_past_the_size_limit_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    """An answer larger than MAX_ANSWER is not read to the end: its release is unknown, saying why."""
    monkeypatch.setattr("release_gate.sources._http.MAX_ANSWER", 100)
    with FakeRegistries(_state(LIB, APP)) as fake:
        found = _read(_plan(fake))
    assert isinstance(found["pypi:lib"], Unknown)
    assert "more than 0 MiB" in found["pypi:lib"].reason


def test_a_host_that_failed_is_not_asked_again_in_the_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a host fails after its retries, the read's projects on it not yet asked are unknown without asking."""
    monkeypatch.setattr("release_gate.sources._http.WORKERS", 1)  # one at a time: the second waits for the first
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.down = True
        found = _read(_plan(fake))
        asked = len(fake.requests)
    reasons = sorted((str(getattr(found[key], "reason", "")) for key in ("pypi:lib", "helm:app")), key=len)
    assert "the index kept failing after the retries" in reasons[0]
    assert "not asked: 127.0.0.1" in reasons[1]
    assert "failed earlier in this read (the index kept failing after the retries)" in reasons[1]
    assert asked == 2  # the first project's document, once and once again (retries=1); the other never


def test_an_answer_past_the_limit_does_not_mark_its_host_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """A too-large answer makes only its own source unknown: the other projects on that host are still read."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        plan = _plan(fake)
        # The chart's index (read first) grows past the limit; PyPI's documents stay under it.
        fake.extra_entries["app"] = [{"version": f"0.0.{n}", "name": "app"} for n in range(100)]
        pypi = len(fake.answer("/simple/lib/", SIMPLE_JSON)[1])
        assert len(fake.answer("/helm/app/index.yaml")[1]) > pypi
        monkeypatch.setattr("release_gate.sources._http.MAX_ANSWER", pypi + 1)
        found = _read(plan)
    assert isinstance(found["helm:app"], Unknown)
    assert "more than" in found["helm:app"].reason
    assert isinstance(found["pypi:lib"], Registry)


# -- an index must be whole ----------------------------------------------------------------------

DEV_BUILD = {
    "apiVersion": "v1",
    "name": "jupyterhub",
    "version": "0.7.0-15e87d6",
    "created": "2018-08-07T19:55:47Z",
    "urls": ["jupyterhub-0.7.0-15e87d6.tgz"],
}
"""A development build of the chart, as chartpress names them: never the release the plan waits for."""
AS_OF = "2018-08-09T18:00:00Z"


def _check_pr(run_cli: Callable[..., Run], plan: Path, github: Any, pr: str, *args: str) -> Run:
    """Run ``release-gate check PLAN --pr PR`` live against the fakes, as of the 2018 meeting."""
    env = {"GH_TOKEN": str(github.token)}
    return run_cli("check", str(plan), "--pr", pr, "--github-url", github.url, "--as-of", AS_OF, *args, env=env)


def test_an_index_cut_inside_its_last_entry_frees_no_held_pr(
    fake_github: Any, fake_registries: FakeRegistries, live_plan: Path, run_cli: Callable[..., Run]
) -> None:
    """An index cut in a dev build's version (0.7.0-15e87d6 read as 0.7.0) is unknown: the held z2jh#758 stays held."""
    fake_registries.extra_entries["jupyterhub"] = [DEV_BUILD]
    truth = _check_pr(run_cli, live_plan, fake_github, "z2jh#758")
    assert truth.code == 1, truth.out + truth.err  # held: the chart is not released, its dev build never counts
    # Helm writes each entry's keys in order, `version` last: the cut leaves a whole-looking entry.
    fake_registries.cut_index = "version: 0.7.0"
    cut = fake_registries.cut(fake_registries.answer("/helm/jupyterhub/index.yaml")[1])
    assert cut.endswith(b"name: jupyterhub\n    urls:\n    - jupyterhub-0.7.0-15e87d6.tgz\n    version: 0.7.0")
    run = _check_pr(run_cli, live_plan, fake_github, "z2jh#758", "--format", "json")
    assert run.code == 3, run.out + run.err
    chart = next(r for r in json.loads(run.out)["releases"] if r["id"] == "chart")
    assert chart["status"] == "unknown"
    assert "is not whole: it has no 'generated'" in run.text
    assert "Traceback" not in run.err


def test_an_index_cut_at_an_entry_boundary_is_unknown() -> None:
    """An index that lost its last entries and `generated` (with a matching Content-Length) is unknown, saying why."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.cut_index = 2
        index = yaml.safe_load(fake.cut(fake.answer("/helm/app/index.yaml")[1]))
        assert len(index["entries"]["app"]) == 2
        assert "generated" not in index
        found = _read(_plan(fake))
    assert found["helm:app"] == Unknown(
        f"the Helm index {fake.helm_index('app')} is not whole: it has no 'generated', which Helm writes after "
        "the entries, so the file was cut short"
    )
    assert isinstance(found["pypi:lib"], Registry)


def test_an_index_shorter_than_its_content_length_is_unknown() -> None:
    """An index body that ends before its Content-Length is asked for again, then unknown as cut short."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.cut_index, fake.cut_index_short = 2, True
        found = _read(_plan(fake))
        asked = [r.path for r in fake.requests].count("/helm/app/index.yaml")
    assert isinstance(found["helm:app"], Unknown)
    assert "cut short" in found["helm:app"].reason
    assert asked == 2  # once, and once again (retries=1)


def test_a_gzip_index_is_measured_by_the_bytes_on_the_wire() -> None:
    """A gzip-compressed index whose Content-Length counts the compressed bytes is whole and read as usual."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        plain = _read(_plan(fake))
        fake.gzip = True
        answer = requests.get(fake.helm_index("app"), timeout=5, stream=True)
        with answer:
            raw = answer.raw.read(decode_content=False)
        assert answer.headers["Content-Encoding"] == "gzip"
        assert int(answer.headers["Content-Length"]) == len(raw) < len(fake.answer("/helm/app/index.yaml")[1])
        compressed = _read(_plan(fake))
    assert isinstance(plain["helm:app"], Registry)
    assert compressed == plain


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"name": "app", "version": "1.1.0"}, "of chart 'app' has no 'created'"),
        ({"version": "1.1.0", "created": "2024-05-01T00:00:00Z"}, "of chart 'app' has no 'name'"),
        ({"name": "other", "version": "1.1.0", "created": "2024-05-01T00:00:00Z"}, "names the chart 'other'"),
        ({"name": "app", "created": "2024-05-01T00:00:00Z"}, "of chart 'app' has no 'version'"),
        ({"name": "app", "version": "1.1.0", "created": "soon"}, "has a 'created' that is not a time"),
    ],
    ids=["no-created", "no-name", "other-name", "no-version", "bad-created"],
)
def test_a_malformed_entry_of_the_chart_makes_the_index_unknown(entry: dict[str, Any], problem: str) -> None:
    """Helm writes name, version and created in every entry: a chart entry without them is unknown, not skipped."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.extra_entries["app"] = [entry]
        fake.cut_index = "zzz"  # no such text: the index is served whole
        found = _read(_plan(fake))
    assert isinstance(found["helm:app"], Unknown)
    assert problem in found["helm:app"].reason
    assert found["helm:app"].reason.startswith(f"the Helm index {fake.helm_index('app')} is not whole: ")


# -- waits the indexes ask for -------------------------------------------------------------------

QUICK = 10.0
"""A read that refuses to wait ends well within this (seconds); a generous bound, not a benchmark."""


def test_a_retry_after_past_30_seconds_ends_the_source_at_once() -> None:
    """A 429 asking to wait 59 s is not waited for: the source is unknown at once, saying so."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.inject(Fault.TOO_MANY_REQUESTS, times=None, retry_after=59)
        started = time.monotonic()
        found = _read(_plan(fake))
        elapsed = time.monotonic() - started
    assert elapsed < QUICK, f"took {elapsed:.1f} s"
    reasons = sorted(str(getattr(found[key], "reason", "")) for key in ("pypi:lib", "helm:app"))
    assert "the index asks to wait 59 s; release-gate waits at most 30 s" in reasons[0] + reasons[1]


def test_retry_after_waits_count_in_the_budget() -> None:
    """A wait the index asks for that would pass the read's budget is not waited for."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.inject(Fault.TOO_MANY_REQUESTS, times=None, retry_after=5)
        started = time.monotonic()
        found = _read(_plan(fake), budget=2.0)
        elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"took {elapsed:.1f} s"
    assert isinstance(found["helm:app"], Unknown)
    assert "the index asks to wait 5 s, past the 2 s budget of the package indexes" in found["helm:app"].reason


@pytest.mark.parametrize("retry_after", [1, 0], ids=["retry-after", "message-only"])
def test_a_403_rate_limit_is_retried_like_a_429(retry_after: int) -> None:
    """A 403 that says the index is rate limiting (with or without Retry-After) is asked again, then read."""
    with FakeRegistries(_state(LIB, APP)) as fake:
        whole = _read(_plan(fake))
        fake.inject(Fault.SECONDARY_RATE_LIMIT, times=1, retry_after=retry_after)
        again = _read(_plan(fake))
    assert isinstance(whole["helm:app"], Registry)
    assert again == whole


def test_a_check_against_an_index_asking_to_wait_a_minute_ends_quickly(
    fake_github: Any, fake_registries: FakeRegistries, live_plan: Path, run_cli: Callable[..., Run]
) -> None:
    """`release-gate check` against indexes that answer 429 with Retry-After: 59 is unknown (exit 3) in seconds."""
    fake_registries.inject(Fault.TOO_MANY_REQUESTS, times=None, retry_after=59)
    started = time.monotonic()
    run = run_cli(
        "check",
        str(live_plan),
        "--github-url",
        fake_github.url,
        "--as-of",
        AS_OF,
        env={"GH_TOKEN": str(fake_github.token)},
    )
    elapsed = time.monotonic() - started
    assert run.code == 3, run.out + run.err
    assert elapsed < QUICK, f"took {elapsed:.1f} s"
    assert "the index asks to wait 59 s" in run.text
