"""The dashboard: one self-contained page, read from the top, every name linked; checked in a real headless browser."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks import _doc
from release_gate import Evaluation, FakeStateProvider, SnapshotStateProvider, check, load_snapshot, parse_plan
from release_gate.evaluate.timeline import timeline
from release_gate.graph import EdgeKind, NodeKind, build_graph
from release_gate.pipeline import plan_request
from release_gate.report import _timeline_svg, html, links
from release_gate.report import svg as svg_report
from release_gate.report.graph import FILL
from release_gate.state import State
from tests.conftest import EXAMPLE_PLAN, EXAMPLE_STATE, ROOT, Run

SCENARIOS = ROOT / "tests" / "scenarios"
DOCS = ROOT / "docs"
HOW_TO = DOCS / "how-to" / "share-a-dashboard.md"
IMAGES = (DOCS / "images" / "dashboard.png", DOCS / "images" / "graph.png")


def _section(page: str, key: str) -> str:
    """Return the HTML of the page's section *key*."""
    found = re.search(rf'<section id="{key}">(.*?)</section>', page, flags=re.DOTALL)
    assert found, f"no section {key}"
    return found.group(1)


def _words(fragment: str) -> str:
    """Return what a person reads in an HTML fragment: no tags, entities decoded, spaces collapsed."""
    blocks = re.sub(
        r"</?(?:p|li|h\d|tr|td|th|dt|dd|ul|ol|br|section|div|table|thead|tbody|summary)\b[^>]*>", " ", fragment
    )
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", blocks)).split())


def _hrefs(page: str) -> list[str]:
    return [html_lib.unescape(h) for h in re.findall(r'<a href="([^"]*)"', page)]


def _founding_page(server: str = links.GITHUB) -> tuple[Evaluation, State, str]:
    """Render the founding plan's dashboard as `report` does: with its timeline and the state's merges."""
    state = load_snapshot(EXAMPLE_STATE)
    evaluation = check(EXAMPLE_PLAN, SnapshotStateProvider(EXAMPLE_STATE))
    graph = build_graph(evaluation.plan)
    steps = timeline(graph, state, dt.datetime(2018, 1, 12, 2, 10, 21, tzinfo=dt.UTC), evaluation.as_of)
    return evaluation, state, html.render(evaluation, steps, server=server, state=state)


def _scenario_page(run_cli: Callable[..., Run], tmp_path: Path, name: str, *args: str) -> str:
    scenario = SCENARIOS / name
    out = tmp_path / f"{name}.html"
    result = run_cli(
        "report", str(scenario / "plan.toml"), "--snapshot", str(scenario / "state.json"), "-o", str(out), *args
    )
    assert result.code == 0, result.err
    return out.read_text(encoding="utf-8")


# -- a self-contained page, text from outside escaped ----------------------------------------------


def test_page_is_self_contained(example: Evaluation) -> None:
    """The page loads nothing from the network: no scripts, styles, fonts or images from elsewhere; only links."""
    _, _, page = _founding_page()
    assert not re.search(r"""\ssrc=|<link\b|@import|url\((?!#)""", page)  # url(#id): a marker of the page's own
    assert "<script src" not in page
    web = re.findall(r"""([\w-]+)=["']?(https?://[^"' >]*)""", page)
    assert {name for name, _ in web} == {"href", "xmlns"}
    assert {url for name, url in web if name == "xmlns"} == {"http://www.w3.org/2000/svg"}  # a name, not fetched
    assert all(match.startswith("<a ") for match in re.findall(r"<\w+ [^>]*href=", page))
    assert page.count('class="node ') == len(example.nodes)


def test_untrusted_text_is_escaped() -> None:
    """Plan and PR text is HTML-escaped, and the embedded explanations cannot close their script tag."""
    plan = parse_plan(
        '[plan]\nname = "<script>alert(1)</script>"\n[repos.a]\ngithub = "o/a"\n[releases.a]\nversion = ">=1"\n'
        'note = "<img src=x onerror=alert(2)>"\n[holds.h]\nprs = ["a#1"]\nuntil = ["a"]\n'
        'reason = "</script><b>bold</b>"\nowner = "<i>me</i>"\n'
    )
    provider = FakeStateProvider(taken_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)).repo("o/a")
    evaluation = check(plan, provider.pull("o/a", 1, title="<svg onload=alert(3)>\x1b[2J"))
    page = html.render(evaluation)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<b>bold</b>" not in page
    assert "<i>me</i>" not in page
    assert "<svg onload" not in page
    assert "&lt;svg onload=alert(3)&gt;\\x1b[2J" in page


def test_a_link_is_only_ever_a_web_page_or_a_place_on_the_page(example: Evaluation) -> None:
    """Whatever server is given, no link runs a script: a server that is not http(s) gives no GitHub links."""
    page = html.render(example, server="javascript:alert(1)//")
    hrefs = _hrefs(page)
    assert hrefs
    assert all(h.startswith(("https://", "#")) for h in hrefs)
    assert not any(h.startswith("https://github.com") for h in hrefs)


# -- the page's order ------------------------------------------------------------------------------


def test_sections_come_in_the_order_a_maintainer_reads(example: Evaluation) -> None:
    """The verdict line first, then can ship, blocked, must wait, next actions, order, deadlines, graph, timeline."""
    page = html.render(example)
    headings = re.findall(r"<h2>([^<]*)</h2>", page)
    assert headings == [heading for _, heading in html.SECTIONS]
    assert headings[:8] == [
        "Can ship now", "Blocked", "Must wait", "Next actions", "Order", "Deadlines", "Graph", "Timeline",
    ]  # fmt: skip
    verdict = re.search(r'<p class="verdict verdict-blocked" id="verdict">(.*?)</p>', page)
    assert verdict
    assert verdict.start() < page.index("<h2>") < page.index('<svg id="graph"')
    assert _words(verdict.group(1)).startswith(
        "blocked: 2 can ship now (oauthenticator, jupyterhub); 2 blocked (kubespawner, chart)"
    )


def test_a_what_if_report_says_what_it_assumes_under_the_verdict(run_cli: Callable[..., Run], tmp_path: Path) -> None:
    """With --assume, the header says what was assumed and what it changed, and the sections follow it."""
    out = tmp_path / "report.html"
    assume = ("--assume", "kubespawner#230 merged", "--assume", "kubespawner#232 merged")
    result = run_cli("report", str(EXAMPLE_PLAN), "--snapshot", str(EXAMPLE_STATE), *assume, "-o", str(out))
    assert result.code == 0, result.err
    page = out.read_text(encoding="utf-8")
    what_if = re.search(r'<p class="what-if">(.*?)</p>', page)
    assert what_if
    assert _words(what_if.group(1)) == (
        "What if: assuming kubespawner#230 merged; kubespawner#232 merged. release kubespawner: blocked → unblocked"
    )
    assert 'id="release-kubespawner"' in _section(page, "can-ship-now")


def test_can_ship_now_gives_each_unblocked_release_its_next_step(example: Evaluation) -> None:
    """Each release that can be cut is listed with where it counts once out, and what it helps."""
    ship = _section(html.render(example), "can-ship-now")
    assert re.findall(r'id="release-([\w.-]+)"', ship) == ["oauthenticator", "jupyterhub"]
    assert (
        "Next step: cut oauthenticator >0.7.3: publish it on PyPI as oauthenticator (that is where it counts); "
        "also checked: tag. It helps chart."
    ) in _words(ship)
    assert '<a href="https://pypi.org/project/oauthenticator/">publish it on PyPI as oauthenticator</a>' in ship
    assert '<a href="https://github.com/jupyterhub/oauthenticator/tags">tag</a>' in ship
    assert "Deadline jupytercon 2018-08-23: 14 days left, on track" in _words(ship)


def test_blocked_releases_give_their_root_causes_first_then_their_chain(example: Evaluation) -> None:
    """A blocked release lists each root cause once, with its next step, before the chain that leads there."""
    blocked = _section(html.render(example), "blocked")
    assert re.findall(r'id="release-([\w.-]+)"', blocked) == ["kubespawner", "chart", "batchspawner"]
    chart = blocked.split('id="release-chart"', 1)[1].split('id="release-batchspawner"', 1)[0]
    roots = _words(chart.split("<ol class='roots'>", 1)[1].split("</ol>", 1)[0])
    assert roots.count("needs kubespawner#230 merged: open → merge kubespawner#230") == 1
    assert "after oauthenticator >0.7.3: not released; it can be cut now → release oauthenticator >0.7.3" in roots
    assert chart.index("class='roots'") < chart.index("class='chain'")
    chain = _words(chart.split("<ul class='chain'>", 1)[1])
    assert chain.startswith("✗ after kubespawner >=0.9.0b1: not released (blocked) ✗ needs kubespawner#230")
    assert '<a href="https://github.com/jupyterhub/kubespawner/issues/230">kubespawner#230</a>' in chart
    assert '<a href="#release-oauthenticator">oauthenticator</a>' in chart
    kubespawner = blocked.split('id="release-chart"', 1)[0]
    assert "class='chain'" not in kubespawner  # its root causes are all there is to its chain
    assert "(proposed)" in blocked.split('id="release-batchspawner"', 1)[1]


def test_an_unknown_release_is_explained_with_what_could_not_be_read(
    run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    """A release whose state could not be read is in Blocked, unknown, with the root cause to find out."""
    blocked = _section(_scenario_page(run_cli, tmp_path, "unknown-state"), "blocked")
    app = _words(blocked.split('id="release-app">', 1)[1])
    assert app.startswith("app unknown example/lib >=1.1.0 (final releases only), counted on tags")
    assert "tags of example/private: cannot tell whether private is out" in app
    assert "→ make the tags of private readable (check the state source)" in app
    assert '<li class="unknown">' in blocked


def test_must_wait_gives_each_hold_its_prs_owner_reason_and_what_it_waits_for(example: Evaluation) -> None:
    """A hold: its PRs linked with their titles, the owner without @ and linked, the reason, the release awaited."""
    wait = _section(html.render(example), "must-wait")
    hold = wait.split('id="hold-kubespawner-big-prs"', 1)[1].split('id="hold-z2jh-big-prs"', 1)[0]
    assert '<dt>Owner</dt><dd><a href="https://github.com/consideRatio">consideRatio</a></dd>' in hold
    words = _words(hold)
    assert "Why Release first, ideally before merging the bigger PRs currently waiting." in words
    assert "Waits for kubespawner >=0.9.0b1 blocked 2 preconditions unmet" in words
    assert "kubespawner#205 [REVIEW] Add tolerations" in words
    assert '<a href="https://github.com/jupyterhub/kubespawner/issues/205">kubespawner#205</a>' in hold


def test_a_violated_hold_is_shown_in_red(run_cli: Callable[..., Run], tmp_path: Path) -> None:
    """A PR merged against its hold is a row styled as a violation (red), with why."""
    wait = _section(_scenario_page(run_cli, tmp_path, "violated-hold"), "must-wait")
    row = re.search(r'<tr class="status-violated violated">(.*?)</tr>', wait, flags=re.DOTALL)
    assert row
    assert "lib#10" in row.group(1)
    assert "merged 2024-01-15 09:30 UTC but lib 1.0.0 came out later" in _words(row.group(1))


def test_a_hold_of_many_prs_folds_those_that_need_no_attention() -> None:
    """Violated PRs are always shown; more than 12 held PRs, and the free ones, are folded under a summary."""
    held = ", ".join(f'"a#{n}"' for n in range(1, 14))
    plan = parse_plan(
        '[plan]\nname = "p"\n[repos.a]\ngithub = "o/a"\n[repos.b]\ngithub = "o/b"\n'
        '[releases.a]\nversion = ">=1"\n[releases.b]\nversion = ">=1"\n'
        f'[holds.many]\nprs = [{held}]\nuntil = ["a"]\n[holds.done]\nprs = ["b#1", "b#2", "b#3"]\nuntil = ["b"]\n'
    )
    provider = FakeStateProvider(taken_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC)).repo("o/a").repo("o/b")
    for n in range(1, 14):
        provider.pull("o/a", n)
    provider.tag("o/b", "v1.0.0", "2024-02-01T00:00:00Z").pull("o/b", 1).pull("o/b", 2)
    provider.pull("o/b", 3, "merged", merged_at="2024-01-15T00:00:00Z")
    wait = _section(html.render(check(plan, provider)), "must-wait")
    many = wait.split('id="hold-many">', 1)[1].split('id="hold-done">', 1)[0]
    assert many.count("<table>") == 1
    assert "<details><summary>13 PRs held</summary><table>" in many
    done = wait.split('id="hold-done">', 1)[1]
    shown, folded = done.split("<details>", 1)
    assert re.findall(r">(b#\d)</a>", shown) == ["b#3"]
    assert '<tr class="status-violated violated">' in shown
    assert folded.startswith("<summary>2 free (may merge)</summary>")
    assert re.findall(r">(b#\d)</a>", folded) == ["b#1", "b#2"]


def test_an_owner_is_never_mentioned() -> None:
    """An owner written @login shows as login, linked to the profile: a report never notifies anyone."""
    plan = parse_plan(
        '[plan]\nname = "p"\n[repos.a]\ngithub = "o/a"\n[releases.a]\nversion = ">=1"\n'
        '[holds.h]\nprs = ["a#1"]\nuntil = ["a"]\nowner = "@maintainer"\n'
        '[holds.g]\nprs = ["a#2"]\nuntil = ["a"]\nowner = "@the release team"\n'
    )
    provider = FakeStateProvider(taken_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)).repo("o/a").pull("o/a", 1)
    wait = _section(html.render(check(plan, provider.pull("o/a", 2))), "must-wait")
    assert '<a href="https://github.com/maintainer">maintainer</a>' in wait
    assert "<dd>the release team</dd>" in wait
    assert "@" not in _words(wait)


def test_next_actions_are_ranked_as_next_ranks_them(example: Evaluation, run_cli: Callable[..., Run]) -> None:
    """The page's next actions come in the order `release-gate next` prints them, each with what it helps."""
    actions = _section(html.render(example), "next-actions")
    shown = [_words(item) for item in re.findall(r"<li>(.*?)</li>", actions)]
    result = run_cli("next", str(EXAMPLE_PLAN), "--snapshot", str(EXAMPLE_STATE))
    printed = [line.split(". ", 1)[1] for line in result.out.splitlines() if re.match(r"\d+\. ", line)]
    assert shown == printed
    assert shown[0] == "merge kubespawner#230 (helps 2: kubespawner, chart)"


def test_order_lists_the_waves_and_what_is_out_already(run_cli: Callable[..., Run], tmp_path: Path) -> None:
    """The waves still to ship, in order; a release already out links to the version that counts."""
    order = _section(html.render(check(EXAMPLE_PLAN, SnapshotStateProvider(EXAMPLE_STATE))), "order")
    assert (
        "Wave 1: batchspawner blocked, jupyterhub unblocked, kubespawner blocked, oauthenticator unblocked"
        in _words(order)
    )
    assert "Wave 2: chart blocked" in _words(order)
    released = _section(_scenario_page(run_cli, tmp_path, "violated-hold"), "order")
    assert "Out already: lib released 1.0.0 (tag v1.0.0, 2024-02-01 12:00 UTC) in example/lib" in _words(released)
    assert '<a href="https://github.com/example/lib/tree/v1.0.0">tag v1.0.0</a>' in released


def test_deadlines_say_how_many_days_are_left(example: Evaluation) -> None:
    """Each deadline: its date, the days left from the moment evaluated, and how each release due stands."""
    deadlines = _words(_section(html.render(example), "deadlines"))
    assert "jupytercon 2018-08-23 14 days left kubespawner on track, oauthenticator on track" in deadlines
    assert "JupyterCon NYC: the JupyterHub talks" in deadlines


def test_a_missed_deadline_is_red() -> None:
    """A deadline passed with its release not out says how long ago, styled as missed (red)."""
    plan = parse_plan(
        '[plan]\nname = "p"\n[deadlines.launch]\ndate = 2023-12-25\n[repos.a]\ngithub = "o/a"\n'
        '[releases.a]\nversion = ">=1"\ndeadline = "launch"\n'
    )
    evaluation = check(plan, FakeStateProvider(taken_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)).repo("o/a"))
    page = html.render(evaluation)
    deadlines = _section(page, "deadlines")
    assert "launch 2023-12-25 7 days ago a missed" in _words(deadlines)
    assert '<span class="deadline-missed">missed</span>' in deadlines
    assert re.search(r"\.deadline-missed[^{]*\{\s*color: #b00020", page)
    assert '<p class="deadline late">Deadline launch 2023-12-25: 7 days ago, missed</p>' in page


def test_the_graph_is_embedded_and_fits_the_page(example: Evaluation) -> None:
    """The graph section holds the graph's SVG (svg.graph_svg), styled to the page's width, no inner scroll."""
    page = html.render(example)
    graph = _section(page, "graph-view")
    assert svg_report.graph_svg(example) in graph
    assert "#canvas > svg { display: block; max-width: 100%; height: auto; }" in page
    assert "overflow: auto" not in page
    assert "max-height" not in page


# -- links --------------------------------------------------------------------------------------------


def _allowed(evaluation: Evaluation, server: str = links.GITHUB) -> set[str]:
    """Every page links.py gives for the plan: repos, PRs and issues, owners, places and versions."""
    found = {links.repo_url(repo.slug, server) for repo in evaluation.plan.repos}
    found |= {links.item_url(n.ref, server) for n in evaluation.nodes if n.ref is not None}
    found |= {links.item_url(w.ref, server) for w in evaluation.plan.watch}
    found |= {links.user_url(login, server) for h in evaluation.plan.holds if (login := links.login_of(h.owner))}
    for verdict in evaluation.releases:
        repo = verdict.repo
        found |= {links.place_url(repo, source, server) for source in repo.sources}
        found |= {links.version_url(repo, c.source, c.tag, server) for c in verdict.candidates}
    return found


def _required(evaluation: Evaluation, server: str = links.GITHUB) -> set[str]:
    """Return the pages the founding plan's page must link: every repo, PR, issue, owner, where releases count."""
    found = {links.repo_url(repo.slug, server) for repo in evaluation.plan.repos}
    found |= {
        links.item_url(n.ref, server) for n in evaluation.nodes if n.kind in (NodeKind.PR, NodeKind.ISSUE) and n.ref
    }
    found |= {links.user_url("consideRatio", server)}
    found |= {links.pypi_url("https://pypi.org/pypi", "jupyterhub-kubespawner", "0.8.1")}
    found |= {links.tag_url("jupyterhub/kubespawner", "v0.8.1", server)}
    found |= {links.chart_url("https://jupyterhub.github.io/helm-chart/index.yaml", "jupyterhub")}
    return found


def _check_links(hrefs: list[str], ids: set[str], evaluation: Evaluation, server: str = links.GITHUB) -> None:
    allowed = _allowed(evaluation, server)
    for href in hrefs:
        if href.startswith("#"):
            assert href[1:] in ids, f"{href} points nowhere on the page"
        else:
            assert href in allowed, f"{href} is not a page links.py gives for the plan"
    assert _required(evaluation, server) <= set(hrefs)


def test_every_name_links_to_its_page() -> None:
    """Each link is a page links.py gives for the plan (or a place on the page); every repo, PR, issue is linked."""
    evaluation, _, page = _founding_page()
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    _check_links(_hrefs(page), ids, evaluation)


def test_links_go_to_the_github_server_given() -> None:
    """With a GitHub Enterprise server, every GitHub link goes there; PyPI and chart links stay where they are."""
    server = "https://github.example.com"
    evaluation, _, page = _founding_page(server)
    assert "https://github.com" not in page
    assert '<a href="https://github.example.com/jupyterhub/kubespawner/issues/205">' in page
    assert "https://pypi.org/project/jupyterhub-kubespawner/0.8.1/" in page
    _check_links(_hrefs(page), set(re.findall(r'\sid="([^"]+)"', page)), evaluation, server)


@pytest.mark.parametrize(
    ("option", "env", "server"),
    [
        ((), {}, "https://github.com"),
        (("--github-url", "https://ghe.example/api/v3"), {}, "https://ghe.example"),
        ((), {"GITHUB_API_URL": "https://ghe.example/api/v3"}, "https://ghe.example"),
        (
            ("--github-url", "https://api.github.com"),
            {"GITHUB_API_URL": "https://ghe.example/api/v3"},
            "https://github.com",
        ),
    ],
)
def test_report_links_to_the_server_of_the_github_url(
    run_cli: Callable[..., Run], tmp_path: Path, option: tuple[str, ...], env: dict[str, str], server: str
) -> None:
    """`report` links to the web server of --github-url, else GITHUB_API_URL, else github.com (snapshots too)."""
    out = tmp_path / "report.html"
    result = run_cli("report", str(EXAMPLE_PLAN), "--snapshot", str(EXAMPLE_STATE), *option, "-o", str(out), env=env)
    assert result.code == 0, result.err
    hrefs = [h for h in _hrefs(out.read_text(encoding="utf-8")) if "/jupyterhub/kubespawner/issues/" in h]
    assert hrefs
    assert all(h.startswith(f"{server}/jupyterhub/") for h in hrefs)


def test_report_refuses_a_github_url_that_is_not_http(run_cli: Callable[..., Run], tmp_path: Path) -> None:
    """A --github-url that is no http(s) URL is a usage error (exit 2), and no file is written."""
    out = tmp_path / "report.html"
    result = run_cli(
        "report", str(EXAMPLE_PLAN), "--snapshot", str(EXAMPLE_STATE), "--github-url", "ftp://x", "-o", str(out)
    )
    assert result.code == 2
    assert "--github-url" in result.err
    assert not out.exists()


# -- the timeline -------------------------------------------------------------------------------------


def test_timeline_has_a_dated_axis_the_deadline_and_the_moment_evaluated() -> None:
    """The timeline's axis has dated ticks (months here), the deadline as a line and the moment evaluated."""
    _, _, page = _founding_page()
    timeline_html = _section(page, "timeline")
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]*)</text>', timeline_html)
    assert ticks == ["Feb 2018", "Mar 2018", "Apr 2018", "May 2018", "Jun 2018", "Jul 2018", "Aug 2018"]
    deadline = re.search(r'<g class="deadline"><title>([^<]*)</title>', timeline_html)
    assert deadline
    assert deadline.group(1) == (
        "deadline jupytercon 2018-08-23 (14 days from the moment evaluated): JupyterCon NYC: the JupyterHub talks"
    )
    assert ">as of 2018-08-09</text>" in timeline_html
    assert "From 2018-01-12 02:10 UTC to 2018-08-09 18:00 UTC." in _words(timeline_html)


def test_timeline_colours_each_status_as_the_graph_does(run_cli: Callable[..., Run], tmp_path: Path) -> None:
    """Each strip has a bar per status it had, in the graph's colour (FILL), with its dates on hover."""
    page = _scenario_page(run_cli, tmp_path, "as-of")
    bars = re.findall(r'<rect class="segment status-(\w+)"[^>]* fill="([^"]+)"><title>([^<]*)</title>', page)
    jupyterhub = [bar for bar in bars if bar[2].startswith("release jupyterhub:")]
    assert [status for status, _, _ in jupyterhub] == ["unblocked", "released"]
    assert all(fill == FILL[status] for status, fill, _ in bars)
    assert jupyterhub[1][2].startswith("release jupyterhub: released from 2018-06-15 13:37 UTC to ")


def test_timeline_marks_each_version_published_and_each_pr_merged() -> None:
    """A marker per moment a version was published (linked, its sources on hover) and per PR merged (linked)."""
    _, _, page = _founding_page()
    timeline_html = _section(page, "timeline")
    published = (
        '<a href="https://pypi.org/project/jupyterhub-kubespawner/0.8.1/"><g class="mark published "><title>'
        "kubespawner 0.8.1 published 2018-01-30 12:47 UTC (PyPI 0.8.1, tag v0.8.1): outside &gt;=0.9.0b1</title>"
    )
    assert published in timeline_html
    merged = (
        '<a href="https://github.com/jupyterhub/kubespawner/issues/231"><g class="mark merged "><title>'
        "kubespawner#231 merged 2018-08-09 10:55 UTC: "
    )
    assert merged in timeline_html
    events = _words(timeline_html.split("<details>", 1)[1])
    assert events.startswith("16 events: versions published, PRs merged When What Pages")
    assert "tag v0.8.1" in events


def test_a_merge_against_a_hold_is_marked_red_and_a_version_that_counts_is_filled(
    run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    """The violating merge's marker is a violation; the version that satisfies the plan is marked as counting."""
    page = _section(_scenario_page(run_cli, tmp_path, "violated-hold"), "timeline")
    assert re.search(
        r'<g class="mark merged violated"><title>lib#10 merged 2024-01-15 09:30 UTC[^<]*against a hold', page
    )
    assert '<g class="mark published satisfies"><title>lib 1.0.0 published 2024-02-01 12:00 UTC (tag v1.0.0)' in page


def test_each_merge_is_marked_on_the_strips_it_concerns() -> None:
    """A merge is marked on its holds' and needing releases' strips, else its repo's releases', else "other"."""
    plan = parse_plan(
        '[plan]\nname = "p"\n[repos.a]\ngithub = "o/a"\n[repos.b]\ngithub = "o/b"\n'
        '[releases.a]\nversion = ">=1"\nneeds = { prs = ["a#1"] }\n[holds.h]\nprs = ["a#2"]\nuntil = ["a"]\n'
        '[[watch]]\nref = "a#4"\n[[watch]]\nref = "b#3"\n[[watch]]\nref = "a#5"\n'
    )
    provider = FakeStateProvider(taken_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC)).repo("o/a").repo("o/b")
    for slug, number in (("o/a", 1), ("o/a", 2), ("o/b", 3), ("o/a", 4)):
        provider.pull(slug, number, "merged", merged_at=f"2024-01-0{number}T00:00:00Z", title=f"change {number}")
    provider.pull("o/a", 5, "merged", merged_at="2024-02-01T00:00:00Z")  # after the moment evaluated
    graph = build_graph(plan)
    state = provider.fetch(plan_request(graph))
    evaluation = check(plan, provider, as_of=dt.datetime(2024, 1, 15, tzinfo=dt.UTC))
    found = _timeline_svg.marks(evaluation, state, dt.datetime(2023, 12, 1, tzinfo=dt.UTC), links.GITHUB)
    rows = {m.title.split(" merged", 1)[0]: m.rows for m in found if m.kind == "merged"}
    assert rows == {
        "a#1": ("release:a",),
        "a#2": ("hold:h",),
        "b#3": (_timeline_svg.OTHER,),
        "a#4": ("release:a",),
    }
    violated = [m for m in found if "violated" in m.classes]
    assert [m.url for m in violated] == ["https://github.com/o/a/issues/2"]
    page = html.render(evaluation, timeline(graph, state, found[0].when, evaluation.as_of), state=state)
    assert ">other PRs merged</text>" in page


def test_timeline_without_steps_says_where_it_comes_from(example: Evaluation) -> None:
    """Rendered with no timeline and no state, the section says that `report` draws it."""
    assert "No recorded events to draw" in _section(html.render(example), "timeline")


@pytest.mark.parametrize(
    ("days", "first", "count"),
    [(10, "11 Jan", 10), (45, "15 Jan", 6), (200, "Feb 2024", 6), (800, "Apr 2024", 8), (2000, "Jan 2025", 5)],
)
def test_timeline_ticks_suit_the_period(days: int, first: str, count: int) -> None:
    """Ticks are days, Mondays, months, quarters or years, as the period drawn is long."""
    start = dt.datetime(2024, 1, 10, 12, tzinfo=dt.UTC)
    ticks = _timeline_svg._ticks(start, start + dt.timedelta(days=days))
    assert ticks[0][1] == first
    assert len(ticks) == count
    assert all(start <= when <= start + dt.timedelta(days=days) for when, _ in ticks)


# -- in a real browser ------------------------------------------------------------------------------


def _browse(browser: Path, page: Path, *shots: Path) -> dict[str, Any]:
    result = subprocess.run(
        ["node", "browser_check.mjs", str(page), *map(str, shots)],
        cwd=browser,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    seen: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return seen


@pytest.fixture
def founding_report(run_cli: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Write the founding plan's dashboard with `release-gate report`, its files named as in the repository."""
    page = tmp_path / "report.html"
    monkeypatch.chdir(ROOT)  # the page names the snapshot as given: a path of the repository, not of this machine
    plan, state = (str(path.relative_to(ROOT)) for path in (EXAMPLE_PLAN, EXAMPLE_STATE))
    result = run_cli("report", plan, "--snapshot", state, "-o", str(page))
    assert result.code == 0, result.err
    return page


@pytest.mark.slow
def test_page_in_a_real_browser(
    example: Evaluation, browser: Path, founding_report: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """In Chromium at 1,280 px: no errors, sections in order, node status words, links right, no sideways scroll.

    A click on a node explains it; the filter and the switch hide nodes. With --update-goldens it
    writes the docs' screenshot of the page.
    """
    update = request.config.getoption("--update-goldens")
    shots = IMAGES[0] if update else tmp_path / "dashboard.png", tmp_path / "graph-section.png"
    seen = _browse(browser, founding_report, *shots)
    assert seen["errors"] == []
    assert seen["scrollWidth"] <= 1280
    assert [s["id"] for s in seen["sections"]] == [key for key, _ in html.SECTIONS]
    assert seen["verdict"]["inHeader"]
    assert seen["verdict"]["text"].startswith("blocked: 2 can ship now")
    nodes = {node["id"]: node for node in seen["nodes"]}
    assert sorted(nodes) == sorted(n.id for n in example.nodes)
    for node_id, status in example.node_status.items():
        assert status in nodes[node_id]["text"], f"{node_id} does not say {status}"
        assert f"status-{status.replace(' ', '-')}" in nodes[node_id]["cls"].split()
    assert "status-blocked" in nodes["release:chart"]["cls"].split()
    hrefs = [link["href"] for link in seen["links"]]
    _check_links(hrefs, set(seen["ids"]), example)
    assert not re.search(r"@[A-Za-z0-9]", seen["text"])
    assert seen["explanation"].startswith("release chart: jupyterhub/zero-to-jupyterhub-k8s >=0.7.0-beta.1")
    assert "<- after kubespawner >=0.9.0b1: not released (blocked)" in seen["explanation"]
    assert 0 < seen["filtered"] < len(example.nodes)
    parts = {e.source for e in example.edges if e.kind is EdgeKind.PART_OF}
    assert seen["collapsed"] == len(example.nodes) - len(parts)
    assert all(shot.stat().st_size > 10_000 for shot in shots)


@pytest.mark.slow
def test_graph_as_png(
    browser: Path, run_cli: Callable[..., Run], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """`graph --format png -o FILE` draws the picture with Chromium (the docs' graph.png with --update-goldens)."""
    del browser  # makes sure chromium is there
    out = IMAGES[1] if request.config.getoption("--update-goldens") else tmp_path / "graph.png"
    result = run_cli("graph", str(EXAMPLE_PLAN), "--snapshot", str(EXAMPLE_STATE), "--format", "png", "-o", str(out))
    assert result.code == 0, result.err
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run_cli("graph", "--format", "png").code == 2


def test_graph_as_a_standalone_svg(example: Evaluation) -> None:
    """`graph --format svg` is a well-formed SVG document with one node group per graph node and its colours."""
    import xml.etree.ElementTree as ET  # noqa: PLC0415

    svg = svg_report.render_svg(example)
    root = ET.fromstring(svg.split("\n", 1)[1])  # noqa: S314 - our own output
    groups = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if "node" in g.get("class", "").split()]
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(groups) == len(example.nodes)
    assert (
        f"#graph .node.status-blocked .box, #graph .node.status-blocked .stripe {{ fill: {FILL['blocked']}; }}" in svg
    )


# -- the docs show it -------------------------------------------------------------------------------


def test_the_docs_show_the_dashboard_and_the_graph() -> None:
    """docs/images/dashboard.png and graph.png exist, are PNGs, and the reports how-to (in the nav) shows them."""
    text = HOW_TO.read_text(encoding="utf-8")
    for image in IMAGES:
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{image.name}: run pytest {__file__} --update-goldens"
        assert f"](../images/{image.name})" in text
    assert "how-to/share-a-dashboard.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


def test_the_benchmarks_page_has_the_dashboard_table() -> None:
    """docs/benchmarks.md has the section benchmarks/dashboard.py writes: a row for each page it loads."""
    table = _doc.recorded("dashboard")
    assert "| page | graph nodes drawn |" in table
    assert re.search(r"^\| founding plan .*\| \d[\d,.]* (ms|s) \|", table, flags=re.MULTILINE)
    assert re.search(r"^\| generated plan \(1,[12]\d\d nodes: .*\| \d[\d,.]* (ms|s) \|", table, flags=re.MULTILINE)
