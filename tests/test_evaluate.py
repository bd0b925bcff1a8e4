"""Evaluation: releases, holds, as_of, deadlines and waves, on the founding example and small states."""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from release_gate.errors import NotInPlanError, ReleaseGateError
from release_gate.evaluate import (
    Answer,
    DeadlineStatus,
    Evaluation,
    HoldStatus,
    Outcome,
    ReleaseStatus,
    evaluate,
)
from release_gate.graph import build_graph
from release_gate.pipeline import check
from release_gate.plan.model import Intent, ItemRef, Plan, Source
from release_gate.plan.reader import load_plan, parse_plan
from release_gate.sources.snapshot import SnapshotStateProvider, load_snapshot
from release_gate.state import FileHistory, Published, Registry, RepoState, State, StateRequest, Tag, Unknown
from release_gate.testing.provider import FakeStateProvider

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_PLAN = ROOT / "config" / "jupyterhub-2018.toml"
EXAMPLE_STATE = ROOT / "config" / "jupyterhub-2018-08-09.state.json"

TAKEN = dt.datetime(2018, 8, 20, tzinfo=dt.UTC)

KS = "jupyterhub/kubespawner"
Z2JH = "jupyterhub/zero-to-jupyterhub-k8s"


def at(text: str) -> dt.datetime:
    """Return an aware UTC time from ISO text (``2018-08-10T00:00:00Z``)."""
    value = dt.datetime.fromisoformat(text)
    assert value.tzinfo is not None
    return value.astimezone(dt.UTC)


def plan_of(body: str) -> Plan:
    """Parse a plan from TOML that has no [plan] table (one is added)."""
    return parse_plan('[plan]\nname = "test"\n' + textwrap.dedent(body))


def fake() -> FakeStateProvider:
    """Return an empty fake state taken at TAKEN."""
    return FakeStateProvider(taken_at=TAKEN)


def _state_of(provider: FakeStateProvider) -> State:
    return provider.fetch(StateRequest(repos=(), items=()))


TWO = """
[repos.lib]
github = "org/lib"
[repos.app]
github = "org/app"
[releases.lib]
version = ">=1.0"
[releases.app]
version = ">=2.0"
after = ["lib"]
"""


def held(lines: str = "") -> Plan:
    """Return a plan with release lib and a hold on app#10 until lib, plus *lines*."""
    return plan_of(
        TWO
        + textwrap.dedent("""
        [holds.h]
        prs = ["app#10"]
        until = ["lib"]
        """)
        + textwrap.dedent(lines)
    )


# -- the founding example --------------------------------------------------------------------


@pytest.fixture(scope="module")
def example() -> Evaluation:
    """Return the example plan checked against the state recorded at the meeting."""
    return check(EXAMPLE_PLAN, SnapshotStateProvider(EXAMPLE_STATE))


def test_example_jupyterhub_and_oauthenticator_unblocked(example: Evaluation) -> None:
    """The jupyterhub and oauthenticator releases can be cut now, in the first wave, with nothing blocking."""
    for release_id in ("jupyterhub", "oauthenticator"):
        verdict = example.release(release_id)
        assert verdict.status is ReleaseStatus.UNBLOCKED
        assert verdict.blockers == ()
        assert verdict.released is None
        assert verdict.wave == 1


def test_example_kubespawner_blocked_by_open_parts(example: Evaluation) -> None:
    """The kubespawner release is blocked by exactly kubespawner#230 and #232, both open."""
    verdict = example.release("kubespawner")
    assert verdict.status is ReleaseStatus.BLOCKED
    assert [b.node for b in verdict.blockers] == [f"pr:{KS}#230", f"pr:{KS}#232"]
    assert [b.condition for b in verdict.blockers] == ["needs kubespawner#230 merged", "needs kubespawner#232 merged"]
    assert {b.detail for b in verdict.blockers} == {"open"}
    assert {b.outcome for b in verdict.blockers} == {Outcome.UNMET}
    assert [b.action for b in verdict.blockers] == ["merge kubespawner#230", "merge kubespawner#232"]
    assert [c.tag for c in verdict.candidates if c.source is Source.TAGS] == ["v0.8.0", "v0.8.1"]
    assert [c.tag for c in verdict.candidates if c.source is Source.PYPI] == ["0.8", "0.8.1"]
    assert not any(c.accepted for c in verdict.candidates)


def test_example_chart_blocked_with_chain(example: Evaluation) -> None:
    """The chart is blocked after kubespawner, whose reasons are #230/#232, and waits on the other two."""
    verdict = example.release("chart")
    assert verdict.status is ReleaseStatus.BLOCKED
    assert verdict.wave == 2
    by_node = {r.node: r for r in verdict.reasons if r.condition.startswith("after")}
    assert set(by_node) == {"release:kubespawner", "release:oauthenticator", "release:jupyterhub"}
    pins = [r for r in verdict.reasons if r.condition.startswith("pins")]
    assert [(r.outcome, r.detail) for r in pins] == [
        (Outcome.UNMET, "pins jupyterhub-kubespawner from git 7ae9900; the plan needs >=0.9.0b1 released"),
        (Outcome.UNMET, "pins oauthenticator==0.7.2; the plan needs >0.7.3"),
        (Outcome.UNMET, "pins jupyterhub==0.9.1; the plan needs >0.9.1"),
    ]
    ks = by_node["release:kubespawner"]
    assert ks.outcome is Outcome.UNMET
    assert ks.condition == "after kubespawner >=0.9.0b1"
    assert ks.detail == "not released (blocked)"
    assert [root.node for root in ks.roots()] == [f"pr:{KS}#230", f"pr:{KS}#232"]
    for upstream in ("oauthenticator", "jupyterhub"):
        reason = by_node[f"release:{upstream}"]
        assert reason.outcome is Outcome.UNMET
        assert "it can be cut now" in reason.detail
        assert reason.action.startswith(f"release {upstream}")


def test_example_holds_are_held(example: Evaluation) -> None:
    """Both holds are held: kubespawner#205 (its first parts exempt) and z2jh#758."""
    ks_hold = example.hold("kubespawner-big-prs")
    assert ks_hold.status is HoldStatus.HELD
    assert [pr.ref for pr in ks_hold.prs] == [ItemRef(KS, 205)]
    assert ks_hold.waiting_on == ("kubespawner",)
    z2jh_hold = example.hold("z2jh-big-prs")
    assert z2jh_hold.status is HoldStatus.HELD
    assert [pr.ref for pr in z2jh_hold.prs] == [ItemRef(Z2JH, 758)]
    assert z2jh_hold.waiting_on == ("chart",)
    assert example.pr(ItemRef(KS, 205)).answer is Answer.BLOCKED
    assert example.pr(ItemRef(KS, 230)).answer is Answer.CLEAR


def test_example_answer_is_blocked(example: Evaluation) -> None:
    """The plan as recorded is blocked."""
    assert example.answer() is Answer.BLOCKED


def test_example_batchspawner_is_proposed(example: Evaluation) -> None:
    """The batchspawner release is a proposal: evaluated (blocked by its open PR), last in the actions."""
    verdict = example.release("batchspawner")
    assert verdict.release.intent is Intent.PROPOSED
    assert verdict.status is ReleaseStatus.BLOCKED
    assert example.actions[-1].text == "merge batchspawner#112"


def test_example_batchspawner_does_not_change_the_answer() -> None:
    """With every planned release out, the answer is clear although proposed batchspawner is blocked."""
    state = load_snapshot(EXAMPLE_STATE)
    out = {
        KS: "v0.9.0b1",
        "jupyterhub/oauthenticator": "0.8.0",
        "jupyterhub/jupyterhub": "0.9.2",
        Z2JH: "v0.7.0-beta.1",
    }
    repos = dict(state.repos)
    for slug, tag in out.items():
        repo = repos[slug]
        assert isinstance(repo, RepoState)
        repos[slug] = replace(repo, tags=(*repo.tags, Tag(tag, "", at("2018-08-09T12:00:00Z"))))
    registries = dict(state.registries)
    for key, version in (
        ("pypi:jupyterhub-kubespawner", "0.9.0b1"),
        ("pypi:oauthenticator", "0.8.0"),
        ("pypi:jupyterhub", "0.9.2"),
        ("helm:jupyterhub", "0.7.0-beta.1"),
    ):
        registry = registries[key]
        assert isinstance(registry, Registry)
        published = Published(version, at("2018-08-09T13:00:00Z"))
        registries[key] = replace(registry, versions=(*registry.versions, published))
    chart = repos[Z2JH]
    assert isinstance(chart, RepoState)
    pins = "jupyterhub==0.9.2\njupyterhub-kubespawner==0.9.0b1\noauthenticator==0.8.0\n"
    pinned = FileHistory.current(pins, state.taken_at)
    repos[Z2JH] = replace(chart, files={**chart.files, "images/hub/requirements.txt": pinned})
    evaluation = evaluate(build_graph(load_plan(EXAMPLE_PLAN)), replace(state, repos=repos, registries=registries))
    assert {v.id: v.status for v in evaluation.releases} == {
        "kubespawner": ReleaseStatus.RELEASED,
        "oauthenticator": ReleaseStatus.RELEASED,
        "jupyterhub": ReleaseStatus.RELEASED,
        "chart": ReleaseStatus.RELEASED,
        "batchspawner": ReleaseStatus.BLOCKED,
    }
    assert {h.status for h in evaluation.holds} == {HoldStatus.FREE}
    assert evaluation.answer() is Answer.CLEAR


def test_example_deadline(example: Evaluation) -> None:
    """Every planned release is due at jupytercon, 14 days after the meeting, and on track."""
    for release_id in ("kubespawner", "oauthenticator", "jupyterhub", "chart"):
        deadline = example.release(release_id).deadline
        assert deadline is not None
        assert deadline.deadline.id == "jupytercon"
        assert deadline.days_left == 14
        assert deadline.status is DeadlineStatus.ON_TRACK
    assert example.release("batchspawner").deadline is None


def test_example_next_actions(example: Evaluation) -> None:
    """Next actions start with merging #230/#232 and include releasing jupyterhub and oauthenticator for chart."""
    texts = [a.text for a in example.actions]
    assert set(texts[:2]) == {"merge kubespawner#230", "merge kubespawner#232"}
    assert example.actions[0].unblocks == ("kubespawner", "chart")
    by_text = {a.text: a for a in example.actions}
    assert by_text["release jupyterhub >0.9.1"].unblocks == ("chart",)
    assert by_text["release oauthenticator >0.7.3"].unblocks == ("chart",)
    assert texts.index("release jupyterhub >0.9.1") < texts.index("merge batchspawner#112")


def test_a_pin_action_is_plain_words(example: Evaluation) -> None:
    """A pin that needs a released version says so in words, with no placeholder syntax to read past."""
    pins = {r.node: r.action for r in example.release("chart").reasons if r.condition.startswith("pins")}
    assert pins["release:jupyterhub"] == "pin a released jupyterhub >0.9.1 in images/hub/requirements.txt"
    assert pins["release:oauthenticator"] == "pin a released oauthenticator >0.7.3 in images/hub/requirements.txt"
    assert pins["release:kubespawner"] == ""  # under a chain: the chain's roots are the actions
    texts = [a.text for a in example.actions]
    assert "pin a released jupyterhub >0.9.1 in images/hub/requirements.txt" in texts
    assert not any("{" in text or "==" in text for text in texts)


CHAIN = """
[repos.lib]
github = "org/lib"
[repos.core]
github = "org/core"
[releases.lib]
version = ">=1.0"
needs = { prs = ["lib#5"] }
[releases.mid]
repo = "lib"
version = ">=2.0"
after = ["lib"]
[releases.app]
repo = "lib"
version = ">=3.0"
after = ["mid"]
[releases.core]
version = ">=1.0"
needs = { prs = ["core#1"] }
[releases.top]
repo = "core"
version = ">=2.0"
after = ["core"]
"""


def test_an_action_helps_the_releases_downstream_until_one_is_out() -> None:
    """A root cause holds up every release after its own, through releases not out, never past a release that is out."""
    state = fake().repo("org/lib").pull("org/lib", 5)
    state = state.tag("org/core", "v1.0", "2018-08-01T00:00:00Z").pull("org/core", 1)
    evaluation = check(plan_of(CHAIN), state)
    by_text = {a.text: a for a in evaluation.actions}
    assert by_text["merge lib#5"].unblocks == ("lib", "mid", "app")
    assert by_text["merge lib#5"].node == "pr:org/lib#5"
    assert "merge core#1" not in by_text  # core is out: its open PR holds nothing up
    assert by_text["release top >=2.0"].unblocks == ()


BROKEN_PINS = """
[repos.a]
github = "o/a"
[repos.b]
github = "o/b"
[repos.c]
github = "o/c"
[releases.a]
version = ">=1.0"
status = "proposed"
pins = ["requirements.txt"]
[releases.b]
version = ">=1.0"
status = "proposed"
pins = ["requirements.txt"]
[releases.c]
version = ">=1.0"
after = ["b", "a"]
"""


def test_one_action_for_one_text_names_the_node_first_in_the_chain() -> None:
    """Two root causes with one text are one action, named by the first in the chain of the first release it helps."""
    broken = {"requirements.txt": "not a requirement!\n"}
    state = fake().repo("o/a", files=broken).repo("o/b", files=broken).repo("o/c")
    evaluation = check(plan_of(BROKEN_PINS), state)
    (fix,) = [a for a in evaluation.actions if a.text == "fix requirements.txt"]
    assert fix.unblocks == ("c", "a", "b")  # the planned release first, then the proposed ones
    assert fix.node == "repo:o/b"  # c waits on b first


def test_example_waves(example: Evaluation) -> None:
    """Nothing is released yet: the first wave is the four leaf releases, the chart is second."""
    assert example.waves == (("batchspawner", "jupyterhub", "kubespawner", "oauthenticator"), ("chart",))


def test_example_watch(example: Evaluation) -> None:
    """Watched follow-ups are reported with their state and never block."""
    assert [(w.label, w.state) for w in example.watch] == [
        ("jupyterhub#2043", "issue open"),
        ("kubespawner#223", "issue open"),
    ]


# -- released --------------------------------------------------------------------------------


def test_earliest_satisfying_tag_by_date_is_the_evidence() -> None:
    """Among satisfying tags the one made first (by date) is the evidence, not the lowest version."""
    state = (
        fake()
        .tag("org/lib", "v0.9", "2018-07-01T00:00:00Z")
        .tag("org/lib", "v1.0", "2018-08-05T00:00:00Z", sha="late")
        .tag("org/lib", "v1.1", "2018-08-01T00:00:00Z", sha="early")
        .repo("org/app")
    )
    verdict = check(plan_of(TWO), state).release("lib")
    assert verdict.status is ReleaseStatus.RELEASED
    assert verdict.released is not None
    assert (verdict.released.tag, verdict.released.version, verdict.released.sha) == ("v1.1", "1.1", "early")
    assert verdict.released.date == at("2018-08-01T00:00:00Z")
    assert verdict.wave == 0
    accepted = {c.tag: c.accepted for c in verdict.candidates}
    assert accepted == {"v0.9": False, "v1.0": True, "v1.1": True}
    assert next(c.why for c in verdict.candidates if c.tag == "v0.9") == "outside >=1.0"


PRE = """
[repos.ks]
github = "org/ks"
[releases.ks]
version = ">=0.9.0b1"
accept = "pre"
"""


def test_beta_satisfies_requirement_accepting_pre() -> None:
    """A beta tag satisfies >=0.9.0b1 with accept = pre."""
    verdict = check(plan_of(PRE), fake().tag("org/ks", "v0.9.0b2", "2018-08-01T00:00:00Z")).release("ks")
    assert verdict.status is ReleaseStatus.RELEASED
    assert verdict.released is not None
    assert verdict.released.version == "0.9.0b2"


def test_dev_tag_never_satisfies_pre() -> None:
    """A development build above the bound does not satisfy a requirement accepting pre-releases."""
    verdict = check(plan_of(PRE), fake().tag("org/ks", "v0.9.1.dev1", "2018-08-01T00:00:00Z")).release("ks")
    assert verdict.status is ReleaseStatus.UNBLOCKED
    assert verdict.released is None
    (candidate,) = verdict.candidates
    assert not candidate.accepted
    assert "development build" in candidate.why


def test_dev_tag_satisfies_accept_dev() -> None:
    """A development build satisfies a requirement that accepts dev builds."""
    plan = plan_of(PRE.replace('accept = "pre"', 'accept = "dev"'))
    verdict = check(plan, fake().tag("org/ks", "v0.9.1.dev1", "2018-08-01T00:00:00Z")).release("ks")
    assert verdict.status is ReleaseStatus.RELEASED


def test_pre_release_does_not_satisfy_final_requirement() -> None:
    """Without accept, >=1.0 accepts final versions only: a beta above it does not count."""
    verdict = check(plan_of(TWO), fake().tag("org/lib", "v1.1b1", "2018-08-01T00:00:00Z").repo("org/app"))
    lib = verdict.release("lib")
    assert lib.status is ReleaseStatus.UNBLOCKED
    assert "pre-release" in lib.candidates[0].why


def test_tags_outside_the_scheme_are_skipped() -> None:
    """Tags that name no version under the repo's patterns are listed in skipped_tags, sorted."""
    state = (
        fake()
        .tag("org/lib", "nightly")
        .tag("org/lib", "docs-2018")
        .tag("org/lib", "v1.0", "2018-08-01T00:00:00Z")
        .repo("org/app")
    )
    verdict = check(plan_of(TWO), state).release("lib")
    assert verdict.status is ReleaseStatus.RELEASED
    assert verdict.skipped_tags == ("docs-2018", "nightly")
    assert [c.tag for c in verdict.candidates] == ["v1.0"]


def test_both_tag_patterns_work() -> None:
    """Tags named v{version} and {version} are both read under the default patterns."""
    state = (
        fake()
        .tag("org/lib", "v0.8.1", "2018-07-01T00:00:00Z")
        .tag("org/lib", "1.0.0", "2018-08-01T00:00:00Z")
        .repo("org/app")
    )
    verdict = check(plan_of(TWO), state).release("lib")
    assert verdict.released is not None
    assert verdict.released.tag == "1.0.0"
    assert {c.tag: c.version for c in verdict.candidates} == {"1.0.0": "1.0.0", "v0.8.1": "0.8.1"}


def test_only_listed_tag_patterns_count() -> None:
    """With tags = ["v{version}"] a bare version tag is skipped."""
    plan = plan_of("""
    [repos.lib]
    github = "org/lib"
    tags = ["v{version}"]
    [releases.lib]
    version = ">=1.0"
    """)
    verdict = check(plan, fake().tag("org/lib", "1.0", "2018-08-01T00:00:00Z")).release("lib")
    assert verdict.status is ReleaseStatus.UNBLOCKED
    assert verdict.skipped_tags == ("1.0",)


def test_undated_tag_counts_at_taken_at() -> None:
    """A satisfying tag with no recorded date counts as released when asked at the time the state was taken."""
    verdict = check(plan_of(TWO), fake().tag("org/lib", "v1.0").repo("org/app")).release("lib")
    assert verdict.status is ReleaseStatus.RELEASED
    assert verdict.released is not None
    assert verdict.released.date is None


def test_undated_tag_is_unknown_earlier() -> None:
    """A satisfying tag with no recorded date makes the release UNKNOWN at an earlier as_of."""
    state = fake().tag("org/lib", "v1.0").repo("org/app")
    evaluation = check(plan_of(TWO), state, as_of=at("2018-08-10T00:00:00Z"))
    lib = evaluation.release("lib")
    assert lib.status is ReleaseStatus.UNKNOWN
    assert "date is not recorded" in lib.blockers[0].detail
    assert evaluation.release("app").status is ReleaseStatus.UNKNOWN


# -- unblocked and blocked --------------------------------------------------------------------


NEEDS = """
[repos.lib]
github = "org/lib"
[repos.app]
github = "org/app"
[releases.lib]
version = ">=1.0"
[releases.app]
version = ">=2.0"
after = ["lib"]
needs = { prs = ["app#1", "lib#5"], issues = ["app#2"] }
"""


def test_unblocked_when_every_condition_is_met() -> None:
    """A release whose upstream is out, whose PRs are merged and whose issues are closed is unblocked."""
    state = (
        fake()
        .tag("org/lib", "v1.0", "2018-08-01T00:00:00Z")
        .tag("org/app", "v1.5", "2018-07-01T00:00:00Z")
        .pull("org/app", 1, "merged", merged_at="2018-08-02T00:00:00Z")
        .pull("org/lib", 5, "merged", merged_at="2018-07-30T00:00:00Z")
        .issue("org/app", 2, "closed", closed_at="2018-08-03T00:00:00Z")
    )
    evaluation = check(plan_of(NEEDS), state)
    app = evaluation.release("app")
    assert app.status is ReleaseStatus.UNBLOCKED
    assert [r.outcome for r in app.reasons] == [Outcome.MET] * 4
    assert [r.node for r in app.reasons] == ["release:lib", "pr:org/app#1", "pr:org/lib#5", "issue:org/app#2"]
    assert app.reasons[0].detail == "released 1.0 (2018-08-01 00:00 UTC)"
    assert evaluation.release_answer("app") is Answer.CLEAR
    assert evaluation.answer() is Answer.CLEAR


def test_blocked_lists_every_unmet_condition() -> None:
    """A blocked release lists every unmet condition: upstream not out, PRs open, issue open."""
    state = fake().repo("org/lib").pull("org/app", 1).pull("org/lib", 5).issue("org/app", 2)
    evaluation = check(plan_of(NEEDS), state)
    app = evaluation.release("app")
    assert app.status is ReleaseStatus.BLOCKED
    assert [(b.node, b.detail) for b in app.blockers] == [
        ("release:lib", "not released; it can be cut now"),
        ("pr:org/app#1", "open"),
        ("pr:org/lib#5", "open"),
        ("issue:org/app#2", "open"),
    ]
    assert [b.action for b in app.blockers] == ["release lib >=1.0", "merge app#1", "merge lib#5", "close app#2"]
    assert evaluation.release_answer("app") is Answer.BLOCKED


def test_closed_unmerged_pr_blocks_with_reopen_action() -> None:
    """A needed PR closed without merge blocks; its action says to reopen it."""
    state = (
        fake()
        .tag("org/lib", "v1.0", "2018-08-01T00:00:00Z")
        .pull("org/app", 1, "closed", closed_at="2018-08-02T00:00:00Z")
        .pull("org/lib", 5, "merged", merged_at="2018-08-02T00:00:00Z")
        .issue("org/app", 2, "closed", closed_at="2018-08-02T00:00:00Z")
    )
    app = check(plan_of(NEEDS), state).release("app")
    assert app.status is ReleaseStatus.BLOCKED
    (blocker,) = app.blockers
    assert blocker.detail == "closed without merge"
    assert "reopen app#1" in blocker.action


def test_draft_pr_detail_says_draft() -> None:
    """An open draft PR blocks with detail 'open, draft'."""
    plan = plan_of("""
    [repos.lib]
    github = "org/lib"
    [releases.lib]
    version = ">=1.0"
    needs = { prs = ["lib#5"] }
    """)
    lib = check(plan, fake().pull("org/lib", 5, draft=True)).release("lib")
    assert lib.status is ReleaseStatus.BLOCKED
    assert lib.blockers[0].detail == "open, draft"


ISSUE = """
[repos.lib]
github = "org/lib"
[releases.lib]
version = ">=1.0"
needs = { issues = ["lib#9"] }
"""


def test_open_needed_issue_blocks() -> None:
    """An open needed issue blocks the release."""
    lib = check(plan_of(ISSUE), fake().issue("org/lib", 9)).release("lib")
    assert lib.status is ReleaseStatus.BLOCKED
    assert lib.blockers[0].condition == "needs lib#9 closed"


def test_closed_needed_issue_is_met() -> None:
    """A closed needed issue is met and the release is unblocked."""
    lib = check(plan_of(ISSUE), fake().issue("org/lib", 9, "closed", closed_at="2018-08-01T00:00:00Z")).release("lib")
    assert lib.status is ReleaseStatus.UNBLOCKED
    assert lib.reasons[0].outcome is Outcome.MET
    assert lib.reasons[0].detail == "closed 2018-08-01 00:00 UTC"


def test_needing_a_family_parent_needs_every_part() -> None:
    """Needing a split PR needs its parent closed and every part merged."""
    plan = plan_of("""
    [repos.lib]
    github = "org/lib"
    [releases.lib]
    version = ">=1.0"
    needs = { prs = ["lib#10"] }
    [families."lib#10"]
    parts = ["lib#11", "lib#12"]
    """)
    state = fake().pull("org/lib", 10).pull("org/lib", 11, "merged", merged_at="2018-08-01T00:00:00Z")
    state.pull("org/lib", 12)
    lib = check(plan, state).release("lib")
    assert lib.status is ReleaseStatus.BLOCKED
    assert [(b.node, b.detail) for b in lib.blockers] == [
        ("pr:org/lib#10", "the split PR is still open: parts may still come"),
        ("pr:org/lib#12", "open"),
    ]


# -- unknown -----------------------------------------------------------------------------------


def test_repo_missing_from_state_is_unknown() -> None:
    """A release whose repo is not in the state is UNKNOWN, never unblocked, with a reason on the repo's tags."""
    evaluation = check(plan_of(TWO), fake().repo("org/app"))
    lib = evaluation.release("lib")
    assert lib.status is ReleaseStatus.UNKNOWN
    assert lib.reasons[0].node == "repo:org/lib"
    assert lib.reasons[0].outcome is Outcome.UNKNOWN
    assert "org/lib is not in the state" in lib.reasons[0].detail
    assert evaluation.release_answer("lib") is Answer.UNKNOWN


def test_repo_recorded_unknown_is_unknown() -> None:
    """A repo recorded as unreadable makes its release UNKNOWN with the recorded reason."""
    lib = check(plan_of(TWO), fake().unknown("org/lib", reason="403").repo("org/app")).release("lib")
    assert lib.status is ReleaseStatus.UNKNOWN
    assert lib.reasons[0].detail.endswith("403")


def test_missing_needed_pr_is_unknown() -> None:
    """A needed PR missing from the state makes the release UNKNOWN."""
    plan = plan_of("""
    [repos.lib]
    github = "org/lib"
    [releases.lib]
    version = ">=1.0"
    needs = { prs = ["lib#5"] }
    """)
    lib = check(plan, fake().repo("org/lib")).release("lib")
    assert lib.status is ReleaseStatus.UNKNOWN
    (blocker,) = lib.blockers
    assert blocker.outcome is Outcome.UNKNOWN
    assert "not in the state" in blocker.detail
    assert blocker.action == "find out the state of lib#5"


def test_upstream_unknown_propagates() -> None:
    """A release after an UNKNOWN upstream is UNKNOWN, not unblocked, and the plan answer is UNKNOWN."""
    evaluation = check(plan_of(TWO), fake().repo("org/app"))
    app = evaluation.release("app")
    assert app.status is ReleaseStatus.UNKNOWN
    (reason,) = app.reasons
    assert reason.outcome is Outcome.UNKNOWN
    assert reason.roots()[0].node == "repo:org/lib"
    assert evaluation.answer() is Answer.UNKNOWN


def test_unmet_and_unknown_is_blocked() -> None:
    """One unmet and one unknown condition make the release BLOCKED, with both in blockers."""
    state = fake().repo("org/lib").repo("org/app").pull("org/app", 1)
    state.issue("org/app", 2, "closed", closed_at="2018-08-01T00:00:00Z")
    state.unknown("org/lib", 5, reason="timeout")
    app = check(plan_of(NEEDS), state, as_of=TAKEN).release("app")
    assert app.status is ReleaseStatus.BLOCKED
    outcomes = {b.node: b.outcome for b in app.blockers}
    assert outcomes["pr:org/app#1"] is Outcome.UNMET
    assert outcomes["pr:org/lib#5"] is Outcome.UNKNOWN


# -- holds ------------------------------------------------------------------------------------


def test_hold_is_held_until_release_is_out() -> None:
    """A hold is HELD while its release is not out; the held PR may not merge."""
    evaluation = check(held(), fake().repo("org/lib").pull("org/app", 10))
    hold = evaluation.hold("h")
    assert hold.status is HoldStatus.HELD
    assert hold.waiting_on == ("lib",)
    (pr,) = hold.prs
    assert pr.status is HoldStatus.HELD
    assert pr.detail == "open; waits for lib >=1.0"
    assert evaluation.pr(ItemRef("org/app", 10)).answer is Answer.BLOCKED
    assert evaluation.answer() is Answer.BLOCKED


def test_hold_is_free_after_release() -> None:
    """Once the release is out the hold is FREE and the PR may merge."""
    state = fake().tag("org/lib", "v1.0", "2018-08-01T00:00:00Z").pull("org/app", 10)
    evaluation = check(held(), state)
    assert evaluation.hold("h").status is HoldStatus.FREE
    assert evaluation.hold("h").waiting_on == ()
    verdict = evaluation.pr(ItemRef("org/app", 10))
    assert verdict.answer is Answer.CLEAR
    assert verdict.holds == (("h", HoldStatus.FREE, "open; every release it waited for is out"),)


def test_held_pr_merged_after_release_is_free() -> None:
    """A held PR merged after the release tag is FREE."""
    state = (
        fake()
        .tag("org/lib", "v1.0", "2018-08-01T00:00:00Z")
        .pull("org/app", 10, "merged", merged_at="2018-08-02T00:00:00Z")
    )
    hold = check(held(), state).hold("h")
    assert hold.status is HoldStatus.FREE
    assert hold.prs[0].detail == "merged 2018-08-02 00:00 UTC, after its releases"


def test_held_pr_merged_before_release_is_violated() -> None:
    """A held PR merged before the release's tag date violates the hold; the detail names the merge and the release."""
    state = (
        fake()
        .tag("org/lib", "v1.0", "2018-08-05T00:00:00Z")
        .pull("org/app", 10, "merged", merged_at="2018-08-02T00:00:00Z")
    )
    evaluation = check(held(), state)
    hold = evaluation.hold("h")
    assert hold.status is HoldStatus.VIOLATED
    detail = hold.prs[0].detail
    assert "merged 2018-08-02 00:00 UTC" in detail
    assert "lib 1.0 came out later (2018-08-05 00:00 UTC)" in detail
    verdict = evaluation.pr(ItemRef("org/app", 10))
    assert verdict.answer is Answer.BLOCKED
    assert verdict.detail == "merged in violation of a hold"
    assert evaluation.answer() is Answer.BLOCKED


def test_held_pr_merged_release_never_came_is_violated() -> None:
    """A held PR merged while its release never came out violates the hold."""
    state = fake().repo("org/lib").pull("org/app", 10, "merged", merged_at="2018-08-02T00:00:00Z")
    hold = check(held(), state).hold("h")
    assert hold.status is HoldStatus.VIOLATED
    assert "lib is still not released" in hold.prs[0].detail


FAMILY = """
[families."app#10"]
parts = ["app#11"]
discover = true
"""


def _family_world() -> FakeStateProvider:
    return (
        fake()
        .repo("org/lib")
        .pull("org/app", 10, title="Big change")
        .pull("org/app", 11, title="first part")
        .pull("org/app", 14, title="[Part 4 of #10] more")
        .pull("org/app", 15, title="[part 5 of #99] other family")
        .pull("org/app", 16, title="unrelated")
    )


def test_family_hold_covers_listed_and_discovered_parts() -> None:
    """A hold on a family parent covers the listed parts and the parts found by their title."""
    hold = check(held(FAMILY), _family_world()).hold("h")
    assert hold.status is HoldStatus.HELD
    assert [(pr.ref.number, pr.found_by, pr.status) for pr in hold.prs] == [
        (10, "plan", HoldStatus.HELD),
        (11, "family", HoldStatus.HELD),
        (14, "title", HoldStatus.HELD),
    ]
    assert hold.prs[2].title == "[Part 4 of #10] more"
    assert "split into parts" in hold.prs[0].detail


def test_family_without_discover_finds_no_titles() -> None:
    """With discover = false only the listed parts are covered."""
    hold = check(held(FAMILY.replace("true", "false")), _family_world()).hold("h")
    assert [pr.ref.number for pr in hold.prs] == [10, 11]


def test_except_exempts_parts() -> None:
    """Parts listed in the hold's except are not held."""
    base = held(FAMILY)
    plan = replace(base, holds=(replace(base.holds[0], exempt=(ItemRef("org/app", 14),)),))
    evaluation = check(plan, _family_world())
    assert [pr.ref.number for pr in evaluation.hold("h").prs] == [10, 11]
    assert evaluation.pr(ItemRef("org/app", 14)).answer is Answer.CLEAR


def test_except_in_plan_file_exempts_parts() -> None:
    """An except list written in the plan file exempts those parts."""
    plan = plan_of(
        TWO
        + textwrap.dedent("""
        [holds.h]
        prs = ["app#10"]
        except = ["app#11", "app#14"]
        until = ["lib"]
        """)
        + textwrap.dedent(FAMILY)
    )
    hold = check(plan, _family_world()).hold("h")
    assert [pr.ref.number for pr in hold.prs] == [10]


def test_discovered_part_opened_after_as_of_is_not_covered() -> None:
    """A part found by title but created after as_of is not covered by the hold then."""
    state = _family_world().pull("org/app", 17, title="[Part 5 of #10] late", created_at="2018-08-15T00:00:00Z")
    early = check(held(FAMILY), state, as_of=at("2018-08-10T00:00:00Z")).hold("h")
    late = check(held(FAMILY), state).hold("h")
    assert 17 not in [pr.ref.number for pr in early.prs]
    assert 17 in [pr.ref.number for pr in late.prs]


def test_unknown_held_pr_makes_hold_unknown() -> None:
    """A held PR whose state is unknown makes the hold UNKNOWN, and the PR's answer UNKNOWN."""
    evaluation = check(held(), fake().repo("org/lib").repo("org/app").unknown("org/app", 10, reason="timeout"))
    hold = evaluation.hold("h")
    assert hold.status is HoldStatus.UNKNOWN
    assert hold.prs[0].detail == "timeout"
    assert evaluation.pr(ItemRef("org/app", 10)).answer is Answer.UNKNOWN
    assert evaluation.answer() is Answer.UNKNOWN


def test_held_pr_missing_from_state_is_unknown() -> None:
    """A held PR missing from the state makes the hold UNKNOWN (never free)."""
    state = fake().tag("org/lib", "v1.0", "2018-08-01T00:00:00Z")
    assert check(held(), state).hold("h").status is HoldStatus.UNKNOWN


def test_pr_not_in_any_hold_is_clear() -> None:
    """Evaluation.pr answers CLEAR for a PR no hold covers, and says which releases need it."""
    evaluation = check(plan_of(NEEDS), fake().repo("org/lib").pull("org/app", 1))
    verdict = evaluation.pr(ItemRef("ORG/APP", 1))
    assert verdict.answer is Answer.CLEAR
    assert verdict.detail == "not held by the plan"
    assert verdict.holds == ()
    assert verdict.needed_by == ("app",)
    assert verdict.label == "app#1"


# -- as_of -------------------------------------------------------------------------------------


def test_tag_counts_only_from_its_date() -> None:
    """Before a tag's date the release is not out; from its date on it is."""
    state = fake().tag("org/lib", "v1.0", "2018-08-10T00:00:00Z").repo("org/app")
    before = check(plan_of(TWO), state, as_of=at("2018-08-09T23:59:59Z"))
    after = check(plan_of(TWO), state, as_of=at("2018-08-10T00:00:00Z"))
    assert before.release("lib").status is ReleaseStatus.UNBLOCKED
    assert before.release("lib").candidates == ()
    assert before.as_of == at("2018-08-09T23:59:59Z")
    assert after.release("lib").status is ReleaseStatus.RELEASED


def test_pr_merged_after_as_of_counts_as_open() -> None:
    """A PR merged after as_of is open at as_of."""
    state = fake().tag("org/lib", "v1.0", "2018-08-01T00:00:00Z")
    state.pull("org/app", 1, "merged", merged_at="2018-08-15T00:00:00Z")
    state.pull("org/lib", 5, "merged", merged_at="2018-08-01T00:00:00Z")
    state.issue("org/app", 2, "closed", closed_at="2018-08-01T00:00:00Z")
    evaluation = check(plan_of(NEEDS), state, as_of=at("2018-08-10T00:00:00Z"))
    reasons = {r.node: r for r in evaluation.release("app").reasons}
    assert reasons["pr:org/app#1"].outcome is Outcome.UNMET
    assert reasons["pr:org/app#1"].detail == "open"


def test_pr_created_after_as_of_is_not_opened_yet() -> None:
    """A needed PR created after as_of is 'not opened yet' and blocks."""
    plan = plan_of("""
    [repos.lib]
    github = "org/lib"
    [releases.lib]
    version = ">=1.0"
    needs = { prs = ["lib#5"] }
    """)
    state = fake().pull("org/lib", 5, created_at="2018-08-15T00:00:00Z")
    lib = check(plan, state, as_of=at("2018-08-10T00:00:00Z")).release("lib")
    assert lib.status is ReleaseStatus.BLOCKED
    assert lib.blockers[0].detail == "not opened yet"
    assert lib.blockers[0].action == "open lib#5"


MERGED_ONLY = """
[repos.lib]
github = "org/lib"
[releases.lib]
version = ">=1.0"
needs = { prs = ["lib#5"] }
"""


def test_merged_pr_without_merge_time_is_unknown_earlier() -> None:
    """A merged PR with no recorded merge time is UNKNOWN at an as_of earlier than taken_at."""
    state = fake().pull("org/lib", 5, "merged")
    lib = check(plan_of(MERGED_ONLY), state, as_of=at("2018-08-10T00:00:00Z")).release("lib")
    assert lib.status is ReleaseStatus.UNKNOWN
    assert lib.blockers[0].outcome is Outcome.UNKNOWN


def test_merged_pr_without_merge_time_is_merged_at_taken_at() -> None:
    """A merged PR with no recorded merge time is merged when asked at the moment the state was taken."""
    state = fake().pull("org/lib", 5, "merged")
    lib = check(plan_of(MERGED_ONLY), state).release("lib")
    assert lib.reasons[0].outcome is Outcome.MET
    assert lib.status is ReleaseStatus.UNBLOCKED


def test_closed_issue_without_close_time_is_closed_at_taken_at() -> None:
    """A closed issue with no recorded close time is closed when asked at the moment the state was taken."""
    lib = check(plan_of(ISSUE), fake().issue("org/lib", 9, "closed")).release("lib")
    assert lib.reasons[0].outcome is Outcome.MET
    assert lib.status is ReleaseStatus.UNBLOCKED


def test_as_of_after_taken_at_raises() -> None:
    """Asking about a moment after the state was taken raises ValueError."""
    with pytest.raises(ValueError, match="cannot tell what happened later"):
        check(plan_of(TWO), fake(), as_of=TAKEN + dt.timedelta(seconds=1))


def test_as_of_without_timezone_raises() -> None:
    """A naive as_of raises ValueError."""
    naive = dt.datetime(2018, 8, 1)  # noqa: DTZ001 - naive on purpose
    with pytest.raises(ValueError, match="timezone"):
        evaluate(build_graph(plan_of(TWO)), _state_of(fake()), as_of=naive)


def test_default_as_of_is_taken_at() -> None:
    """Without as_of the evaluation is at the time the state was taken."""
    evaluation = evaluate(build_graph(plan_of(TWO)), _state_of(fake()))
    assert evaluation.as_of == TAKEN
    assert evaluation.taken_at == TAKEN
    assert evaluation.source == "fake state"


# -- deadlines ----------------------------------------------------------------------------------


DEADLINE = """
[deadlines.conf]
date = 2018-08-23
warn_days = 5
[repos.lib]
github = "org/lib"
[releases.lib]
version = ">=1.0"
deadline = "conf"
needs = { prs = ["lib#5"] }
"""


def test_deadline_on_track() -> None:
    """A blocked release with more than warn_days left is on track."""
    lib = check(plan_of(DEADLINE), fake().pull("org/lib", 5), as_of=at("2018-08-10T00:00:00Z")).release("lib")
    assert lib.deadline is not None
    assert lib.deadline.status is DeadlineStatus.ON_TRACK
    assert lib.deadline.days_left == 13


def test_deadline_at_risk() -> None:
    """A blocked release with warn_days or fewer left is at risk."""
    lib = check(plan_of(DEADLINE), fake().pull("org/lib", 5), as_of=at("2018-08-18T12:00:00Z")).release("lib")
    assert lib.deadline is not None
    assert lib.deadline.days_left == 5
    assert lib.deadline.status is DeadlineStatus.AT_RISK


def test_unblocked_close_to_deadline_is_on_track() -> None:
    """An unblocked release close to its deadline is still on track (it can be cut now)."""
    state = fake().pull("org/lib", 5, "merged", merged_at="2018-08-01T00:00:00Z")
    lib = check(plan_of(DEADLINE), state, as_of=at("2018-08-20T00:00:00Z")).release("lib")
    assert lib.deadline is not None
    assert lib.deadline.status is DeadlineStatus.ON_TRACK


def test_deadline_missed() -> None:
    """A release not out after its deadline has passed missed it."""
    state = FakeStateProvider(taken_at=at("2018-08-30T00:00:00Z")).pull("org/lib", 5)
    lib = check(plan_of(DEADLINE), state).release("lib")
    assert lib.deadline is not None
    assert lib.deadline.status is DeadlineStatus.MISSED
    assert lib.deadline.days_left == -7


def test_deadline_met() -> None:
    """A release out on or before its deadline met it."""
    state = (
        FakeStateProvider(taken_at=at("2018-08-30T00:00:00Z"))
        .tag("org/lib", "v1.0", "2018-08-23T23:00:00Z")
        .pull("org/lib", 5, "merged", merged_at="2018-08-01T00:00:00Z")
    )
    lib = check(plan_of(DEADLINE), state).release("lib")
    assert lib.deadline is not None
    assert lib.deadline.status is DeadlineStatus.MET


def test_deadline_late() -> None:
    """A release out after its deadline was late."""
    state = (
        FakeStateProvider(taken_at=at("2018-08-30T00:00:00Z"))
        .tag("org/lib", "v1.0", "2018-08-24T01:00:00Z")
        .pull("org/lib", 5, "merged", merged_at="2018-08-01T00:00:00Z")
    )
    lib = check(plan_of(DEADLINE), state).release("lib")
    assert lib.deadline is not None
    assert lib.deadline.status is DeadlineStatus.LATE


def test_deadline_of_a_release_of_unknown_date_is_unknown_once_past() -> None:
    """A release out by now, at a time nobody recorded, is not said to have met a deadline that has passed."""
    state = (
        FakeStateProvider(taken_at=at("2018-08-30T00:00:00Z"))
        .tag("org/lib", "v1.0", None)
        .pull("org/lib", 5, "merged", merged_at="2018-08-01T00:00:00Z")
    )
    lib = check(plan_of(DEADLINE), state).release("lib")
    assert lib.status is ReleaseStatus.RELEASED
    assert lib.deadline is not None
    assert lib.deadline.status is DeadlineStatus.UNKNOWN


def test_deadline_of_a_release_of_unknown_date_is_met_before_it_passes() -> None:
    """A release out by a moment before its deadline met it, when it was out being unknown."""
    state = FakeStateProvider(taken_at=at("2018-08-20T00:00:00Z")).tag("org/lib", "v1.0", None)
    state = state.pull("org/lib", 5, "merged", merged_at="2018-08-01T00:00:00Z")
    lib = check(plan_of(DEADLINE), state).release("lib")
    assert lib.deadline is not None
    assert lib.deadline.status is DeadlineStatus.MET


# -- waves and single answers ------------------------------------------------------------------


def test_waves_exclude_released_releases() -> None:
    """Released releases are in no wave (wave 0); what is left starts again at wave 1."""
    plan = plan_of(
        TWO
        + textwrap.dedent("""
        [repos.site]
        github = "org/site"
        [releases.site]
        version = ">=3.0"
        after = ["app"]
        """)
    )
    state = fake().tag("org/lib", "v1.0", "2018-08-01T00:00:00Z").repo("org/app").repo("org/site")
    evaluation = check(plan, state)
    assert evaluation.waves == (("app",), ("site",))
    assert [(v.id, v.wave) for v in evaluation.releases] == [("lib", 0), ("app", 1), ("site", 2)]


def test_release_answer_for_one_release() -> None:
    """release_answer is CLEAR for released and unblocked, BLOCKED for blocked, UNKNOWN for unknown."""
    plan = plan_of(
        NEEDS
        + textwrap.dedent("""
        [repos.other]
        github = "org/other"
        [releases.other]
        version = ">=1.0"
        """)
    )
    state = fake().tag("org/lib", "v1.0", "2018-08-01T00:00:00Z").pull("org/app", 1).pull("org/lib", 5)
    state.issue("org/app", 2)
    evaluation = check(plan, state)
    assert evaluation.release_answer("lib") is Answer.CLEAR
    assert evaluation.release_answer("app") is Answer.BLOCKED
    assert evaluation.release_answer("other") is Answer.UNKNOWN
    with pytest.raises(KeyError):
        evaluation.release_answer("nope")


def test_answer_clear_when_everything_is_out() -> None:
    """The plan answer is CLEAR when every planned release is out and no hold is held."""
    state = (
        fake()
        .tag("org/lib", "v1.0", "2018-08-01T00:00:00Z")
        .tag("org/app", "v2.0", "2018-08-02T00:00:00Z")
        .pull("org/app", 10, "merged", merged_at="2018-08-03T00:00:00Z")
    )
    assert check(held(), state).answer() is Answer.CLEAR


# -- a family whose parts may not all be known -----------------------------------------------------


def _unsure_family(state: State) -> State:
    """Return *state* with the search for the parts of z2jh#758 failed."""
    why = Unknown("GitHub's search for the parts of z2jh#758 gave incomplete results")
    return replace(state, families={**state.families, ("jupyterhub/zero-to-jupyterhub-k8s", 758): why})


def test_a_hold_over_a_family_with_unknown_parts_is_unknown_while_it_holds() -> None:
    """Parts a search may have missed make the hold unknown (never free) while its release is not out."""
    state = _unsure_family(load_snapshot(EXAMPLE_STATE))
    evaluation = evaluate(build_graph(load_plan(EXAMPLE_PLAN)), state)
    hold = evaluation.hold("z2jh-big-prs")
    assert hold.status is HoldStatus.UNKNOWN
    assert hold.unknown_parts == (
        "parts of z2jh#758 may be missing: GitHub's search for the parts of z2jh#758 gave incomplete results",
    )
    unlisted = evaluation.pr(ItemRef("jupyterhub/zero-to-jupyterhub-k8s", 842))
    assert unlisted.answer is Answer.UNKNOWN  # it may be a part the search missed
    assert evaluation.pr(ItemRef("jupyterhub/zero-to-jupyterhub-k8s", 758)).answer is Answer.BLOCKED
    assert evaluation.pr(ItemRef("jupyterhub/jupyterhub", 842)).answer is Answer.CLEAR  # another repository
    assert evaluation.answer() is Answer.UNKNOWN


def test_unknown_parts_do_not_matter_once_the_release_is_out() -> None:
    """When every release a hold waits for is out, every part is free, found or not: the hold is free."""
    state = _unsure_family(load_snapshot(EXAMPLE_STATE))
    registries = dict(state.registries)
    helm = registries["helm:jupyterhub"]
    assert isinstance(helm, Registry)
    registries["helm:jupyterhub"] = replace(
        helm, versions=(*helm.versions, Published("0.7.0-beta.1", at("2018-08-09T12:00:00Z")))
    )
    evaluation = evaluate(build_graph(load_plan(EXAMPLE_PLAN)), replace(state, registries=registries))
    hold = evaluation.hold("z2jh-big-prs")
    assert hold.status is HoldStatus.FREE
    assert hold.unknown_parts == ()
    assert evaluation.pr(ItemRef("jupyterhub/zero-to-jupyterhub-k8s", 842)).answer is Answer.CLEAR


@pytest.mark.parametrize(
    ("kind", "name", "close"),
    [("release", "charts", "chart"), ("hold", "kubespawner-big-pr", "kubespawner-big-prs")],
)
def test_an_id_the_plan_lacks_is_a_clear_lookup_error(example: Evaluation, kind: str, name: str, close: str) -> None:
    """`release()`/`hold()` of a missing id raise NotInPlanError naming it, the closest id and the plan's ids."""
    with pytest.raises(NotInPlanError) as raised:
        getattr(example, kind)(name)
    error = raised.value
    ids = [verdict.id for verdict in (example.releases if kind == "release" else example.holds)]
    assert (error.kind, error.id, error.known) == (kind, name, tuple(ids))
    assert str(error) == f"the plan has no {kind} {name!r} (did you mean {close!r}?); its {kind}s: {', '.join(ids)}"


def test_a_missing_id_is_still_a_key_error(example: Evaluation) -> None:
    """NotInPlanError is a ReleaseGateError and a KeyError: `except KeyError` written for older versions still works."""
    for lookup in (example.release, example.hold, example.release_answer):
        with pytest.raises(KeyError) as raised:
            lookup("nothing-like-it")
        assert isinstance(raised.value, ReleaseGateError)
        assert isinstance(raised.value, LookupError)
        assert "did you mean" not in str(raised.value)  # nothing close: no guess
        assert str(raised.value).startswith("the plan has no ")
