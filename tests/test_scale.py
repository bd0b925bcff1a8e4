"""The shortcuts large plans take give what the long way gives: refs, limits, the graph's index, deferred parts."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.generate import generated
from release_gate import load_plan, load_snapshot
from release_gate.errors import PlanError
from release_gate.evaluate import Answer, Candidate, Evaluation, HeldPr, HoldStatus, ReleaseStatus, evaluate
from release_gate.evaluate import engine as engine_module
from release_gate.evaluate.verdicts import Deferred
from release_gate.graph import NodeKind, ReleaseGraph, build_graph, hold_node, item_node, release_node
from release_gate.plan import ItemRef, parse_plan, parse_ref
from release_gate.plan.reader import MAX_NESTING, _limits, _within_limits
from release_gate.state import GitHubRelease, Issue, PullRequest, RepoState, State, Tag, Unknown
from release_gate.versions import Accept, Scheme
from tests.conftest import ROOT

SCENARIOS = Path(__file__).parent / "scenarios"

_PLAN = """
[plan]
name = "refs"

[repos.kubespawner]
github = "jupyterhub/KubeSpawner"

[repos.z2jh]
github = "jupyterhub/zero-to-jupyterhub-k8s"
scheme = "semver"

[releases.kubespawner]
version = ">=1"
"""


def _scenario_graphs() -> Iterator[tuple[str, ReleaseGraph, Any]]:
    """Yield each scenario's name, graph and state (those whose plan reads)."""
    for folder in sorted(p for p in SCENARIOS.iterdir() if p.is_dir()):
        spec = tomllib.loads((folder / "runs.toml").read_text(encoding="utf-8"))
        try:
            plan = load_plan(folder / spec.get("plan", "plan.toml"))
        except PlanError:
            continue  # the cycle scenario: no graph to evaluate
        yield folder.name, build_graph(plan), load_snapshot(folder / spec.get("state", "state.json"))


def _evaluations() -> Iterator[tuple[str, Evaluation]]:
    """Yield each scenario evaluated as of its default moment and of moments up to a year before."""
    for name, graph, state in _scenario_graphs():
        moment = state.as_of or state.taken_at
        for days in (0, 1, 7, 30, 90, 365):
            yield f"{name}-{days}d", evaluate(graph, state, as_of=moment - dt.timedelta(days=days))
    plan, state = generated(repos=12, prs=240)
    yield "generated", evaluate(build_graph(plan), state)


EVALUATIONS = dict(_evaluations())


# -- the plan reader's quick paths ------------------------------------------------------------

_REF_TEXTS = st.builds(
    "{}#{}{}".format,
    st.sampled_from(["kubespawner", "z2jh", "nope", "jupyterhub/kubespawner", "Jupyterhub/x.y", "-bad/x", "a b/c"]),
    st.text("0123456789", min_size=1, max_size=12) | st.sampled_from(["0", "00", "x1", "", "1 ", "2147483648"]),
    st.sampled_from(["", "", "", "\n", " ", "#1"]),
)


@given(texts=st.lists(_REF_TEXTS, min_size=1, max_size=8))
@settings(max_examples=300, deadline=None)
def test_refs_in_a_plan_are_read_as_parse_ref_reads_each(texts: list[str]) -> None:
    """A plan's refs, read quickly when they are good, are the refs (or the problems) parse_ref finds one by one."""
    plan = parse_plan(_PLAN)
    expected: dict[tuple[str, int], ItemRef] = {}
    problems = 0
    for text in texts:
        try:
            ref = parse_ref(plan, text)
        except ValueError:
            problems += 1
            continue
        problems += ref.key in expected  # listed twice
        expected.setdefault(ref.key, ref)
    hold = '[holds.h]\nuntil = ["kubespawner"]\nprs = ['
    text = f"{_PLAN}\n{hold}{', '.join(_toml_string(t) for t in texts)}]\n"
    if problems:
        with pytest.raises(PlanError) as error:
            parse_plan(text)
        assert len(error.value.issues) == problems, error.value.issues
    else:
        assert parse_plan(text).holds[0].prs == tuple(expected.values())


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def test_the_usual_refs_are_the_items_they_name() -> None:
    """Repo-id and OWNER/NAME refs, leading zeros too, name the repo as the plan spells it, or as written."""
    hold = '[holds.h]\nuntil = ["kubespawner"]\n'
    prs = 'prs = ["kubespawner#007", "jupyterhub/kubespawner#8", "Other/Repo#2147483647"]\n'
    plan = parse_plan(f"{_PLAN}\n{hold}{prs}")
    assert plan.holds[0].prs == (
        ItemRef("jupyterhub/KubeSpawner", 7),
        ItemRef("jupyterhub/kubespawner", 8),
        ItemRef("Other/Repo", 2147483647),
    )


_VALUES = st.recursive(
    st.integers(min_value=-(2**64), max_value=2**64) | st.text(max_size=3) | st.booleans(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text("abc", max_size=2), inner, max_size=3),
    max_leaves=40,
)


def _nested(depth: int, leaf: object) -> dict[str, Any]:
    value: Any = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return {"plan": value}


@given(data=st.dictionaries(st.sampled_from(["plan", "repos", "x"]), _VALUES, max_size=3))
@settings(max_examples=300, deadline=None)
def test_the_quick_limits_check_agrees_with_the_full_one(data: dict[str, Any]) -> None:
    """_within_limits is true exactly when _limits finds no problem (big integers anywhere)."""
    assert _within_limits(data) == (not _limits(data))


@pytest.mark.parametrize("depth", [MAX_NESTING - 1, MAX_NESTING, MAX_NESTING + 1, MAX_NESTING + 2])
@pytest.mark.parametrize("leaf", [1, 2**63, "s"])
def test_the_quick_limits_check_agrees_at_the_nesting_limit(depth: int, leaf: object) -> None:
    """At and around MAX_NESTING, with a big integer at the bottom or not, both checks agree."""
    data = _nested(depth, leaf)
    assert _within_limits(data) == (not _limits(data))


def test_a_requirement_written_alike_is_read_in_each_repos_scheme() -> None:
    """Releases that share a requirement's text each get it in their own repo's scheme and policy."""
    plan = parse_plan(
        f"""{_PLAN}
[releases.z2jh]
version = ">=1.0.0"

[releases.again]
repo = "kubespawner"
version = ">=1.0.0"
accept = "dev"

[releases.final]
repo = "kubespawner"
version = ">=1.0.0"
"""
    )
    spawner, chart, again = (plan.release(r) for r in ("kubespawner", "z2jh", "again"))
    assert (spawner.requirement.text, chart.requirement.text, again.requirement.text) == (">=1", ">=1.0.0", ">=1.0.0")
    final = plan.release("final")
    assert (again.requirement.scheme, chart.requirement.scheme, final.requirement.scheme) == (
        Scheme.PEP440,
        Scheme.SEMVER,
        Scheme.PEP440,
    )
    assert (final.requirement.accept, again.requirement.accept) == (Accept.FINAL, Accept.DEV)


# -- the graph's index of PR and issue nodes --------------------------------------------------


@pytest.mark.parametrize("name", sorted(EVALUATIONS))
def test_the_item_index_is_every_pr_and_issue_node(name: str) -> None:
    """graph.item_nodes() lists exactly the PR and issue nodes a scan of graph.nodes finds, with their refs."""
    graph = EVALUATIONS[name].graph
    scanned = {n.id: n.ref for n in graph.nodes if n.kind in (NodeKind.PR, NodeKind.ISSUE)}
    assert dict(graph.item_nodes()) == scanned


# -- the parts of an evaluation made when a report asks ----------------------------------------


_RANK = (HoldStatus.FREE, HoldStatus.HELD, HoldStatus.UNKNOWN, HoldStatus.VIOLATED)


def _scanned_status(evaluation: Evaluation, state: State) -> dict[str, str]:
    """Return the node statuses as they were made before the index: a scan of every node."""
    status = {release_node(r.id): r.status.value for r in evaluation.releases}
    held: dict[str, HoldStatus] = {}
    for hold in evaluation.holds:
        status[hold_node(hold.id)] = hold.status.value
        for pr in hold.prs:
            node_id = item_node(NodeKind.PR, pr.ref)
            if node_id not in held or _RANK.index(pr.status) > _RANK.index(held[node_id]):
                held[node_id] = pr.status
    for node in evaluation.nodes:
        if node.id in status or node.kind not in (NodeKind.PR, NodeKind.ISSUE):
            continue
        worst = held.get(node.id)
        if worst is not None and worst is not HoldStatus.FREE:
            status[node.id] = worst.value
            continue
        assert node.ref is not None
        item: PullRequest | Issue | Unknown | None = state.item(node.ref)
        if isinstance(item, PullRequest | Issue) and evaluation.as_of < state.taken_at:
            item = item.at(evaluation.as_of)
        status[node.id] = "unknown" if isinstance(item, Unknown) else "not opened" if item is None else item.state.value
    return status


@pytest.mark.parametrize("name", sorted(name for name, _, _ in _scenario_graphs()))
def test_node_status_from_the_index_agrees_with_a_scan_of_every_node(name: str) -> None:
    """The status of every release, hold, PR and issue node is what scanning every node gave."""
    graph, state = next((graph, state) for found, graph, state in _scenario_graphs() if found == name)
    evaluation = evaluate(graph, state)
    assert dict(evaluation.node_status) == _scanned_status(evaluation, state)


@pytest.mark.parametrize("name", sorted(EVALUATIONS))
def test_a_holds_status_is_the_worst_of_its_prs(name: str) -> None:
    """The status of a hold, found without its PRs' lines, is the worst status among the lines made later."""
    for hold in EVALUATIONS[name].holds:
        worst = max((pr.status for pr in hold.prs), key=_RANK.index, default=HoldStatus.FREE)
        if hold.unknown_parts:  # parts a search could not list make it unknown, at least
            worst = max(worst, HoldStatus.UNKNOWN, key=_RANK.index)
        assert hold.status is worst, (hold.id, [(pr.label, pr.status) for pr in hold.prs])


@pytest.mark.parametrize("name", sorted(EVALUATIONS))
def test_the_evidence_is_the_first_accepted_candidate_of_the_deciding_source(name: str) -> None:
    """The released version (found without candidates) is the oldest accepted candidate of the deciding source."""
    for verdict in EVALUATIONS[name].releases:
        deciding = verdict.release.decided_by or verdict.repo.sources[0]
        accepted = [c for c in verdict.candidates if c.source is deciding and c.accepted]
        if verdict.released is None:
            assert accepted == [], verdict.id
            continue
        taken_at = EVALUATIONS[name].taken_at
        earliest = min(c.date or taken_at for c in accepted)
        firsts = {(c.version, c.date) for c in accepted if (c.date or taken_at) == earliest}
        assert (verdict.released.version, verdict.released.date) in firsts, verdict.id


def test_releases_sharing_a_requirement_judge_each_tag_by_its_own_date_and_kind() -> None:
    """A requirement's answer for a version is asked once; each release still weighs its own drafts and dates."""
    plan = parse_plan(
        '[plan]\nname = "shared"\n'
        + "".join(f'[repos.{r}]\ngithub = "o/{r}"\nsources = ["{s}"]\n' for r, s in _SOURCES.items())
        + "".join(f'[releases.{r}]\nversion = ">=1.0"\n' for r in _SOURCES)
    )
    assert plan.release("draft").requirement is plan.release("later").requirement  # read once
    may, june, july = (dt.datetime(2024, month, 1, tzinfo=dt.UTC) for month in (5, 6, 7))
    repos = {
        "o/draft": RepoState("o/draft", (), "main", releases=(GitHubRelease("v1.0", draft=True, published_at=may),)),
        "o/out": RepoState("o/out", (), "main", releases=(GitHubRelease("v1.0", published_at=may),)),
        "o/later": RepoState("o/later", (Tag("v1.0", "", june), Tag("v0.9", "", may)), "main"),
    }
    evaluation = evaluate(build_graph(plan), State(july, "test", repos), as_of=may + dt.timedelta(days=14))
    statuses = {v.id: (v.status, [(c.tag, c.why) for c in v.candidates]) for v in evaluation.releases}
    assert statuses == {
        "draft": (ReleaseStatus.UNBLOCKED, [("v1.0", "a draft")]),
        "out": (ReleaseStatus.RELEASED, [("v1.0", "satisfies >=1.0")]),
        "later": (ReleaseStatus.UNBLOCKED, [("v0.9", "outside >=1.0")]),  # v1.0 was not made yet
    }


_SOURCES = {"draft": "github-releases", "out": "github-releases", "later": "tags"}


def test_evaluating_makes_no_candidate_nor_held_pr_until_a_report_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Candidates and held-PR lines are made on first use, and once."""
    made: list[str] = []

    def counted(kind: type[Any], name: str) -> Any:
        def make(*args: Any) -> Any:
            made.append(name)
            return kind(*args)

        return make

    monkeypatch.setattr(engine_module, "Candidate", counted(Candidate, "candidate"))
    monkeypatch.setattr(engine_module, "HeldPr", counted(HeldPr, "held"))
    plan, state = generated(repos=5, prs=100)
    evaluation = evaluate(build_graph(plan), state)
    assert made == []
    assert evaluation.answer() is Answer.BLOCKED  # every verdict is there without them
    assert made == []
    candidates = [v.candidates for v in evaluation.releases]
    assert made.count("candidate") == sum(map(len, candidates)) > 0
    prs = [h.prs for h in evaluation.holds]
    assert made.count("held") == sum(map(len, prs)) > 0
    assert [v.candidates for v in evaluation.releases] == candidates  # kept: not made again
    assert made.count("candidate") == sum(map(len, candidates))


def test_deferred_values_compare_and_hash_as_their_values() -> None:
    """Two deferred values are equal when what they make is; known() is made already."""
    calls: list[int] = []

    def make() -> tuple[int, int]:
        calls.append(1)
        return (1, 2)

    later = Deferred(make)
    assert calls == []
    assert later == Deferred.known((1, 2))
    assert hash(later) == hash((1, 2))
    assert later.get() is later.get()
    assert calls == [1]
    assert later != Deferred.known(())


# -- garbage collection for a short run --------------------------------------------------------


def test_the_command_line_tunes_the_collector_as_the_benchmark_does() -> None:
    """entrypoint() applies tune_for_a_short_run() (which the benchmark calls): higher thresholds, imports frozen."""
    code = (
        "import gc, sys\n"
        "from release_gate._gc import tune_for_a_short_run\n"
        "from release_gate.cli import entrypoint\n"
        "print(gc.get_threshold(), gc.get_freeze_count())\n"
        "sys.argv = ['release-gate', '--version']\n"
        "try:\n"
        "    entrypoint()\n"
        "except SystemExit:\n"
        "    print(gc.get_threshold(), gc.get_freeze_count() > 0)\n"
        "gc.unfreeze()\n"
        "gc.set_threshold(700, 10, 10)\n"
        "tune_for_a_short_run()\n"
        "print(gc.get_threshold(), gc.get_freeze_count() > 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    before, by_cli, by_function = (line for line in result.stdout.splitlines() if line.startswith("("))
    assert before == "(700, 10, 10) 0"
    assert by_cli == by_function
    assert by_cli.endswith(" True")
    assert by_cli != "(700, 10, 10) True"
