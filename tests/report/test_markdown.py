"""The Markdown report: the dashboard's order, links to every page, refs GitHub links, and no mentions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from release_gate import Evaluation, FakeStateProvider, SnapshotStateProvider, check, parse_plan, parse_ref
from release_gate.evaluate import evaluate
from release_gate.evaluate.timeline import timeline
from release_gate.graph import build_graph
from release_gate.report import markdown, text
from release_gate.state import GitHubRelease, RepoState, State, StateRequest, request_for
from tests.conftest import Run
from tests.test_scenarios import SCENARIOS

TAKEN = dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC)
ZWSP = "\u200b"

PUBLISHED = """
[plan]
name = "Published places, ask @release-team"

[deadlines.summit]
date = 2024-06-15
note = "the summit: @keynote speaks"

[repos.lib]
github = "example/lib"
published = { pypi = "example-lib" }
sources = ["pypi", "tags"]

[repos.chart]
github = "example/helm-chart"
published = { helm = { index = "https://charts.example.org/index.yaml", chart = "example" } }
sources = ["helm", "tags"]

[repos.app]
github = "example/app"
sources = ["github-releases", "tags"]

[repos.tool]
github = "example/tool"

[repos.pkg]
github = "example/pkg"
published = { pypi = "example-pkg" }
sources = ["pypi", "tags"]

[releases.pkg]
version = ">=6.0"

[releases.lib]
version = ">=1.0"
deadline = "summit"

[releases.chart]
version = ">=2.0.0"
after = ["lib"]

[releases.app]
version = ">=3.0"

[releases.tool]
version = ">=4.0"
needs = { prs = ["tool#7"] }
deadline = "summit"

[releases.next]
repo = "tool"
version = ">=5.0"
after = ["tool"]

[holds.big]
prs = ["tool#8"]
until = ["tool"]
owner = "@consideRatio"
reason = "Ask @minrk first; see [this](https://evil.example) <!-- and &#64;everyone"

[[watch]]
ref = "app#9"
note = "cc @watcher"
"""


@pytest.fixture(scope="module")
def published() -> Evaluation:
    """Evaluate a plan whose releases are out on PyPI, a Helm index, as a GitHub release and as a tag (one not yet)."""
    state = (
        FakeStateProvider(taken_at=TAKEN)
        .repo("example/lib")
        .tag("example/lib", "v1.0", "2024-05-01T00:00:00Z")
        .published("pypi", "example-lib", "1.0", "2024-05-01T01:00:00Z")
        .repo("example/helm-chart")
        .tag("example/helm-chart", "example-2.0.0", "2024-05-02T00:00:00Z")
        .published("helm", "example", "2.0.0", "2024-05-02T01:00:00Z")
        .repo("example/app")
        .tag("example/app", "v3.0", "2024-05-03T00:00:00Z")
        .repo("example/pkg")
        .tag("example/pkg", "v6.0", "2024-05-04T00:00:00Z")
        .published("pypi", "example-pkg", "5.0", "2024-01-04T00:00:00Z")
        .repo("example/tool")
        .pull("example/tool", 7, "open")
        .pull("example/tool", 8, "open")
        .issue("example/app", 9)
        .fetch(_request())
    )
    app = state.repos["example/app"]
    assert isinstance(app, RepoState)
    app = dataclasses.replace(
        app, releases=(GitHubRelease("v3.0", published_at=dt.datetime(2024, 5, 3, tzinfo=dt.UTC)),)
    )
    return evaluate(
        build_graph(parse_plan(PUBLISHED)), dataclasses.replace(state, repos={**state.repos, "example/app": app})
    )


def _request() -> StateRequest:
    graph = build_graph(parse_plan(PUBLISHED))
    return request_for(graph.plan, (*graph.pull_requests(), *graph.issues()))


def _sections(report: str) -> list[str]:
    return re.findall(r"^### (.+)$", report, flags=re.MULTILINE)


def _section(report: str, title: str) -> list[str]:
    """Return the lines of section *title* (without its heading and blank lines)."""
    body = report.split(f"\n### {title}\n\n", 1)[1].split("\n### ", 1)[0]
    return [line for line in body.splitlines() if line]


def test_the_sections_follow_the_dashboards_order(example: Evaluation) -> None:
    """Answer, can ship now, blocked, must wait, next actions, order, deadlines, watched, then the graph last."""
    report = markdown.render(example)
    assert report.splitlines()[2].startswith("**Question:** is the whole plan clear? **Answer: blocked**")
    assert _sections(report) == [
        "Can ship now",
        "Blocked",
        "Must wait",
        "Next actions",
        "Order",
        "Deadlines",
        "Watching",
        "Graph",
    ]


def test_every_release_is_in_one_section_only(example: Evaluation, published: Evaluation) -> None:
    """Each release is listed once: under can ship now, blocked or released, by its status."""
    for evaluation in (example, published):
        report = markdown.render(evaluation)
        listed = [
            re.match(r"- \*\*([^*]+)\*\*", line).group(1)  # type: ignore[union-attr]
            for title in ("Can ship now", "Blocked", "Released")
            if f"### {title}" in report
            for line in _section(report, title)
            if line.startswith("- ")
        ]
        assert sorted(listed) == sorted(r.id for r in evaluation.releases)


def test_can_ship_now_gives_the_next_step_to_cut_each_release(example: Evaluation) -> None:
    """An unblocked release names its next step, links where to draft it, and says what it helps."""
    assert _section(markdown.render(example), "Can ship now")[0] == (
        "- **oauthenticator** `>0.7.3` (pre) of "
        "[jupyterhub/oauthenticator](https://github.com/jupyterhub/oauthenticator): "
        "every precondition met. Next: release oauthenticator >0.7.3 "
        "([draft the release](https://github.com/jupyterhub/oauthenticator/releases/new)); it helps chart"
    )


def test_blocked_lists_root_causes_first_each_once(example: Evaluation) -> None:
    """A blocked release lists its root causes first, each once, then the conditions they hold up."""
    chart = _section(markdown.render(example), "Blocked")
    start = next(i for i, line in enumerate(chart) if line.startswith("- **chart**"))
    below = [line.strip() for line in chart[start + 1 : start + 9]]
    assert below[:2] == [
        "- root cause: needs jupyterhub/kubespawner#230 merged: open",
        "- root cause: needs jupyterhub/kubespawner#232 merged: open",
    ]
    assert [line.split(":")[0] for line in below] == ["- root cause"] * 6 + ["- through"] * 2
    assert below[6] == "- through: after kubespawner >=0.9.0b1: not released (blocked)"


def test_must_wait_gives_each_hold_its_prs_owner_and_reason(example: Evaluation) -> None:
    """A hold says what it waits for, its owner (linked, no @) and reason; then its PRs as owner/name#N."""
    hold, pr, *_ = _section(markdown.render(example), "Must wait")
    assert hold == (
        "- **kubespawner-big-prs** is **held**: waits for kubespawner `>=0.9.0b1` (blocked); "
        "owner: [consideRatio](https://github.com/consideRatio); "
        "why: Release first, ideally before merging the bigger PRs currently waiting."
    )
    assert pr == (
        "  - jupyterhub/kubespawner#205: **held**, open, split into parts: the parts still to come wait too; "
        "waits for kubespawner >=0.9.0b1"
    )


def _scenario(name: str) -> Evaluation:
    folder = SCENARIOS / name
    return check(folder / "plan.toml", SnapshotStateProvider(folder / "state.json"))


def test_violations_are_marked() -> None:
    """A violated hold and the PR that broke it are marked; the PRs that merged in time are not."""
    report = markdown.render(_scenario("violated-hold"))
    hold, broke, in_time, *_ = _section(report, "Must wait")
    assert hold.startswith("- ⚠️ **after-release** is **violated**: waited for lib `>=1.0.0` (released)")
    assert broke.startswith("  - ⚠️ example/lib#10: **violated**, merged 2024-01-15 09:30 UTC but lib 1.0.0 came out")
    assert in_time.startswith("  - example/lib#11: **free**")


RANKED = """
[plan]
name = "A proposed release whose PR helps the most"
[repos.a]
github = "o/a"
[repos.b]
github = "o/b"
[releases.a]
version = ">=1"
needs = { prs = ["a#1"] }
[releases.b]
version = ">=1"
status = "proposed"
needs = { prs = ["b#2"] }
[releases.c]
repo = "b"
version = ">=2"
status = "proposed"
after = ["b"]
"""


def test_next_actions_are_ranked_as_release_gate_next_ranks_them() -> None:
    """The Markdown report's next actions come in `release-gate next`'s order: those that help the most first."""
    state = FakeStateProvider(taken_at=TAKEN).repo("o/a").repo("o/b").pull("o/a", 1).pull("o/b", 2)
    evaluation = check(parse_plan(RANKED), state)
    assert [a.text for a in evaluation.actions] == ["merge a#1", "merge b#2"]  # the engine's order: planned first
    assert text.render_next(evaluation).splitlines() == ["1. merge b#2 (helps 2: b, c)", "2. merge a#1 (helps 1: a)"]
    assert _section(markdown.render(evaluation), "Next actions") == [
        "1. merge o/b#2 (helps 2: b, c)",
        "2. merge o/a#1 (helps 1: a)",
    ]


def test_deadlines_say_the_days_left_and_how_each_release_stands(example: Evaluation) -> None:
    """Each deadline: its date, the days left, each release due by it with its status, and its note."""
    (line,) = _section(markdown.render(example), "Deadlines")
    assert line == (
        "- **jupytercon** 2018-08-23, 14 days left: kubespawner (blocked, on track), "
        "oauthenticator (unblocked, on track), jupyterhub (unblocked, on track), chart (blocked, on track) "
        "— JupyterCon NYC: the JupyterHub talks"
    )


def test_every_repository_tag_release_and_version_links_to_its_page(published: Evaluation) -> None:
    """Repositories, tags, GitHub releases, PyPI versions and chart versions link to their pages."""
    released = "\n".join(_section(markdown.render(published), "Released"))
    for link in (
        "[example/lib](https://github.com/example/lib)",
        "[PyPI 1.0](https://pypi.org/project/example-lib/1.0/)",
        "[chart example 2.0.0](https://charts.example.org/index.yaml#example-2.0.0)",
        "[GitHub release v3.0](https://github.com/example/app/releases/tag/v3.0)",
        "[example/helm-chart](https://github.com/example/helm-chart)",
    ):
        assert link in released


def test_a_release_tagged_but_not_yet_published_links_its_tag(published: Evaluation) -> None:
    """A release tagged but not yet on its deciding source is blocked; the tag seen links to its page."""
    (pkg,) = [line for line in _section(markdown.render(published), "Blocked") if line.startswith("- **pkg**")]
    assert pkg.endswith(
        "is **tagged**: 1 precondition unmet; seen as [tag v6.0](https://github.com/example/pkg/tree/v6.0)"
    )


def test_a_tag_links_to_its_tree() -> None:
    """A release seen as a tag links the tag's page."""
    report = markdown.render(_scenario("all-released"))
    assert "[tag v1.0.0](https://github.com/example/lib/tree/v1.0.0)" in report


def test_links_go_to_the_github_server_given(published: Evaluation) -> None:
    """On GitHub Enterprise every GitHub page links to its own host; PyPI's pages stay PyPI's."""
    report = markdown.render(published, server="https://github.example")
    assert "[example/app](https://github.example/example/app)" in report
    assert "(https://github.example/example/app/releases/tag/v3.0)" in report
    assert "[consideRatio](https://github.example/consideRatio)" in report
    assert "https://github.com" not in report
    assert "(https://pypi.org/project/example-lib/1.0/)" in report


def test_prs_and_issues_are_written_as_github_links_them(example: Evaluation) -> None:
    """PRs and issues are owner/name#N everywhere outside the diagram: never the plan's short id#N, nor [#N](url)."""
    report = markdown.render(example).split("```mermaid")[0]
    assert "jupyterhub/zero-to-jupyterhub-k8s#758" in report
    assert "jupyterhub/jupyterhub#2043" in report
    assert re.findall(r"(?<![\w/])(?:kubespawner|z2jh|batchspawner|jupyterhub)#\d", report) == []
    assert "](https://github.com/jupyterhub/kubespawner/issues/" not in report
    asked = markdown.render(example, pr=example.pr(parse_ref(example.plan, "kubespawner#205")))
    assert asked.startswith(
        "## JupyterHub: release before JupyterCon 2018\n\n**Question:** may jupyterhub/kubespawner#205 merge?"
    )


def test_nothing_in_the_report_mentions_anyone(published: Evaluation) -> None:
    """No @ followed by a name anywhere: owners are linked without it, and plan text has a zero-width space after it."""
    report = markdown.render(published)
    assert re.findall(r"(?<![A-Za-z0-9_])@[A-Za-z0-9]", report) == []
    assert "owner: [consideRatio](https://github.com/consideRatio)" in report
    assert f"Ask @{ZWSP}minrk first" in report
    assert f"## Published places, ask @{ZWSP}release-team" in report
    assert f"cc @{ZWSP}watcher" in report
    assert f"the summit: @{ZWSP}keynote speaks" in report


def test_text_from_the_plan_cannot_open_a_link_a_comment_or_an_entity(published: Evaluation) -> None:
    """Brackets, an HTML comment and an entity that would spell @everyone are escaped: shown, never acted on."""
    (hold, *_) = _section(markdown.render(published), "Must wait")
    assert hold.endswith(r"see \[this\](https://evil.example) \<!-- and \&#64;everyone")


def test_pipes_in_text_are_escaped() -> None:
    """A pipe in the plan's name or a reason cannot end a table cell or start one."""
    plan = parse_plan(
        '[plan]\nname = "a | b"\n[repos.lib]\ngithub = "o/lib"\n[releases.lib]\nversion = ">=1"\n'
        '[holds.h]\nprs = ["lib#1"]\nuntil = ["lib"]\nreason = "x | y"\n'
    )
    state = FakeStateProvider(taken_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)).repo("o/lib").pull("o/lib", 1)
    out = markdown.render(check(plan, state))
    assert out.startswith("## a \\| b\n")
    assert "; why: x \\| y" in out


def test_graph_is_a_mermaid_block(example: Evaluation) -> None:
    """The report ends with the dependency graph as a Mermaid block that GitHub renders."""
    out = markdown.render(example)
    block = out.split("### Graph\n\n```mermaid\n", 1)[1]
    assert block.startswith("flowchart LR\n")
    assert block.endswith("```\n")


def test_a_timeline_comes_after_the_graph(published: Evaluation) -> None:
    """Given a timeline, the report ends with it: how each release stood at its start, then each change."""
    graph = build_graph(published.plan)
    state = _published_state()
    steps = timeline(graph, state, dt.datetime(2024, 4, 1, tzinfo=dt.UTC), TAKEN)
    report = markdown.render(published, steps=steps)
    assert _sections(report)[-2:] == ["Graph", "Timeline"]
    lines = _section(report, "Timeline")
    assert lines[0].startswith("- 2024-04-01 00:00 UTC: ")
    assert "; release lib unblocked; release chart unknown;" in lines[0]
    assert lines[1:3] == [
        "- 2024-05-01 00:00 UTC: release lib unblocked → **tagged**",
        "- 2024-05-01 01:00 UTC: release lib tagged → **released**",
    ]


def _published_state() -> State:
    state = FakeStateProvider(taken_at=TAKEN).published("pypi", "example-lib", "1.0", "2024-05-01T01:00:00Z")
    return state.repo("example/lib").tag("example/lib", "v1.0", "2024-05-01T00:00:00Z").fetch(_request())


def test_without_the_times_a_report_changes_only_when_what_it_says_does(example: Evaluation) -> None:
    """With taken=False the state line names the source only: read again later, the same answer is the same text."""
    later = dataclasses.replace(example, taken_at=example.taken_at + dt.timedelta(hours=1))
    assert markdown.render(example, taken=False) == markdown.render(later, taken=False)
    assert markdown.render(example) != markdown.render(later)
    assert f"\nState: {example.source}.\n\n### Can ship now\n" in markdown.render(example, taken=False)


def test_past_the_limit_the_graph_goes_first_then_the_text_is_cut(example: Evaluation) -> None:
    """A report over the size limit drops the graph and says so; far over, it is cut at a line and says so."""
    whole = markdown.render(example)
    without = markdown.render(example, limit=len(whole) - 1)
    assert "```mermaid" not in without
    assert "is left out: the report would exceed" in without
    assert len(without) < len(whole)
    tiny = markdown.render(example, limit=400)
    assert len(tiny) <= 400
    assert tiny.endswith("run release-gate check for the whole report._\n")


def test_the_question_and_its_answer_come_first(example: Evaluation) -> None:
    """Under the title, the report states the question asked and its answer, then (for one release or PR) the plan's."""
    plan = markdown.render(example).splitlines()
    assert plan[2].startswith("**Question:** is the whole plan clear? **Answer: blocked** — 2 can ship now")
    release = markdown.render(example, release="jupyterhub").splitlines()
    assert release[2] == (
        "**Question:** is release jupyterhub out or ready to cut? **Answer: clear** — "
        "jupyterhub is unblocked: can be cut now (every precondition met)"
    )
    assert release[4].startswith("The whole plan: **blocked** — 2 can ship now")
    pr = markdown.render(example, pr=example.pr(parse_ref(example.plan, "kubespawner#250"))).splitlines()
    assert pr[2] == (
        "**Question:** may jupyterhub/kubespawner#250 merge? **Answer: clear** — "
        f"not named by the plan, so not held (did you mean jupyterhub/kubespawner#205 or #{ZWSP}230?)"
    )


def test_a_held_pr_lists_its_holds_and_the_releases_needing_it(example: Evaluation) -> None:
    """Asked about a held PR, the holds covering it follow the answer as a list; so do the releases that need it."""
    held = markdown.render(example, pr=example.pr(parse_ref(example.plan, "kubespawner#205"))).splitlines()
    assert held[2].startswith(
        "**Question:** may jupyterhub/kubespawner#205 merge? **Answer: blocked** — held: must not merge"
    )
    assert held[3] == ""
    assert held[4].startswith("- hold kubespawner-big-prs: **held**, open")
    needed = markdown.render(example, pr=example.pr(parse_ref(example.plan, "kubespawner#230"))).splitlines()
    assert needed[4] == "- needed by release kubespawner (blocked)"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("@minrk", f"@{ZWSP}minrk"),
        ("(@minrk)", f"(@{ZWSP}minrk)"),
        ("@jupyterhub/team", f"@{ZWSP}jupyterhub/team"),
        ("me@example.org", "me@example.org"),
        ("pkg@1.0", "pkg@1.0"),
        ("@ alone", "@ alone"),
        ("fixes #12", f"fixes #{ZWSP}12"),
        ("o/r#12 and lib#3", "o/r#12 and lib#3"),
        ("&#64;x", "\\&#64;x"),
    ],
)
def test_inline_text_notifies_no_one_and_links_no_bare_number(raw: str, shown: str) -> None:
    """Where GitHub would mention or link a bare #N, a zero-width space comes after the @ or #; nothing else changes."""
    assert markdown.inline(raw) == shown


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("--github-url", "https://ghe.example/api/v3"), {}),
        ((), {"GITHUB_API_URL": "https://ghe.example/api/v3"}),
    ],
    ids=["option", "environment"],
)
def test_the_command_line_links_to_the_server_of_its_api_url(
    run_cli: Callable[..., Run], tmp_path: Path, args: tuple[str, ...], env: dict[str, str]
) -> None:
    """`check --format markdown` and `report --format markdown` link to the GitHub Enterprise host of the API URL."""
    checked = run_cli("check", "--format", "markdown", *args, env=env)
    out = tmp_path / "report.md"
    assert run_cli("report", "--format", "markdown", "-o", str(out), *args, env=env).code == 0
    for report in (checked.out, out.read_text(encoding="utf-8")):
        assert "[jupyterhub/kubespawner](https://ghe.example/jupyterhub/kubespawner)" in report
        assert "https://github.com" not in report


def test_the_markdown_file_report_writes_ends_with_the_timeline(run_cli: Callable[..., Run], tmp_path: Path) -> None:
    """`report --format markdown` has the dashboard's timeline too, after the graph: how each release and hold stood."""
    out = tmp_path / "report.md"
    assert run_cli("report", "--format", "markdown", "-o", str(out)).code == 0
    report = out.read_text(encoding="utf-8")
    assert _sections(report)[-2:] == ["Graph", "Timeline"]
    (start,) = _section(report, "Timeline")  # over the year to the meeting, nothing changed after the first moment
    assert start.startswith("- 2018-01-12 02:10 UTC: release kubespawner blocked; release oauthenticator unblocked;")
