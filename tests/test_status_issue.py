"""The status issue: one GitHub issue per plan, kept up to date by the gate's sweeps, through PyGithub and the fake."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import subprocess
from pathlib import Path

import pytest

from release_gate import SnapshotStateProvider, check
from release_gate.evaluate import Evaluation
from release_gate.gate import issue
from release_gate.gate.decide import Event, EventKind
from release_gate.gate.run import GateInputs
from release_gate.gate.run import run as run_gate
from release_gate.report import links, markdown
from release_gate.sources.github import GitHubGateClient, GitHubStateProvider, ListedIssue
from release_gate.sources.live import LiveStateProvider
from release_gate.sources.registries import RegistryReader
from release_gate.state import StateProvider
from release_gate.testing.routes import FakeIssue
from tests.conftest import EXAMPLE_PLAN, EXAMPLE_STATE, KS, PLAN_PATH, ROOT, SHA_205, Repo, Run, pr_payload

MARKER = f"<!-- release-gate status issue: plan {PLAN_PATH} in {KS} -->"
TITLE = "Release plan: JupyterHub: release before JupyterCon 2018"
GATEWAY = (502, {"message": "Bad Gateway"})
ISSUES = f"/api/v3/repos/{KS}/issues"


def _sweep(repo: Repo, *args: str) -> Run:
    return repo.gate("schedule", {}, "--status-issue", *args)


def _writes(repo: Repo) -> list[tuple[str, str]]:
    """Return the requests that create or edit an issue, in order."""
    return [(r.method, r.path) for r in repo.github.requests if r.method in ("POST", "PATCH") and "/issues" in r.path]


def _only_issue(repo: Repo) -> FakeIssue:
    (made,) = repo.github.issues.values()
    return made


def test_a_sweep_creates_the_status_issue_with_the_report(repo: Repo) -> None:
    """A sweep with --status-issue creates one labelled issue titled after the plan: the marker, then the report."""
    result = _sweep(repo)
    assert result.code == 0, result.err
    made = _only_issue(repo)
    assert made.title == TITLE
    assert made.labels == (issue.LABEL,)
    assert made.body.startswith(MARKER + "\n## JupyterHub: release before JupyterCon 2018\n\n**Question:** ")
    assert re.findall(r"^### (.+)$", made.body, flags=re.MULTILINE)[:3] == ["Can ship now", "Blocked", "Must wait"]
    assert "jupyterhub/kubespawner#205: **held**" in made.body
    assert f"release-gate: status issue #{made.number}: created\n" in result.out
    summary = (repo.folder / "summary.md").read_text(encoding="utf-8")
    assert f"Status issue: jupyterhub/kubespawner#{made.number} (created)" in summary


def test_a_second_sweep_with_nothing_changed_sends_no_edit(repo: Repo) -> None:
    """Swept again with nothing changed (the state read anew, later), the issue is neither edited nor made again."""
    assert _sweep(repo).code == 0
    assert _writes(repo) == [("POST", ISSUES)]
    result = _sweep(repo)
    assert result.code == 0, result.err
    assert _writes(repo) == [("POST", ISSUES)]
    assert f"release-gate: status issue #{_only_issue(repo).number}: unchanged\n" in result.out


def test_a_sweep_an_hour_later_with_nothing_changed_sends_no_edit(repo: Repo) -> None:
    """The state read an hour later says the same: the issue, which leaves out when it was read, is not edited."""
    token = str(repo.github.token)
    client = GitHubGateClient(token=token, base_url=repo.github.url, timeout=5)
    inputs = GateInputs(KS, Event(EventKind.SWEEP), status_issue=True)
    for hour in (10, 11):
        at = dt.datetime(2026, 1, 5, hour, tzinfo=dt.UTC)

        def live(at: dt.datetime = at) -> StateProvider:
            github = GitHubStateProvider(token=token, base_url=repo.github.url, timeout=5, clock=lambda: at)
            return LiveStateProvider(github, RegistryReader(timeout=5))

        result = run_gate(inputs, client, live)
        assert result.problems == ()
        assert result.evaluation is not None
        assert result.evaluation.taken_at == at
    assert result.status_issue is not None
    assert result.status_issue.step is issue.Step.KEEP
    assert _writes(repo) == [("POST", ISSUES)]


def test_the_issue_is_edited_in_one_request_when_the_report_changes(repo: Repo) -> None:
    """Once kubespawner is out, the next sweep replaces the whole body and title in one PATCH."""
    assert _sweep(repo).code == 0
    before = _only_issue(repo)
    repo.release_kubespawner()
    result = _sweep(repo)
    assert result.code == 0, result.err
    after = _only_issue(repo)
    assert _writes(repo) == [("POST", ISSUES), ("PATCH", f"{ISSUES}/{before.number}")]
    assert after.number == before.number
    assert after.body.startswith(MARKER)
    assert "- **kubespawner** `>=0.9.0b1` (pre) of [jupyterhub/kubespawner]" in after.body.split("### Released")[1]
    assert after.body != before.body


def test_the_issue_mentions_no_one_and_links_everything(repo: Repo) -> None:
    """The body notifies no one (no @name), writes PRs owner/name#N, links repositories, and fits GitHub's cap."""
    assert _sweep(repo).code == 0
    body = _only_issue(repo).body
    assert re.findall(r"(?<![A-Za-z0-9_])@[A-Za-z0-9]", body) == []
    server = links.server_of(repo.github.url)  # the fake's own host: links follow the API URL (GitHub Enterprise)
    assert f"owner: [consideRatio]({server}/consideRatio)" in body
    assert f"[jupyterhub/zero-to-jupyterhub-k8s]({server}/jupyterhub/zero-to-jupyterhub-k8s)" in body
    assert "merge jupyterhub/kubespawner#230" in body
    assert len(body) <= markdown.COMMENT_LIMIT


def test_a_failed_listing_creates_nothing_and_exits_3(repo: Repo) -> None:
    """When the issues cannot be listed, no issue is created (it could be a second one): exit 3 saying why."""
    repo.github.rest_answers["GET", f"/repos/{KS}/issues"] = GATEWAY
    result = _sweep(repo)
    assert result.code == 3, result.err
    assert _writes(repo) == []
    assert repo.github.issues == {}
    assert "listing the issues labelled release-gate/status: GitHub kept failing after the retries" in result.err
    assert "none is created" in result.err
    assert "Traceback" not in result.err
    assert repo.statuses(SHA_205) == [("pending", "waits for kubespawner >=0.9.0b1 to be released")]


def test_a_listing_of_an_unexpected_shape_creates_nothing(repo: Repo) -> None:
    """An issue listed without a body of the documented shape makes the listing unreadable: nothing is created."""
    repo.github.rest_answers["GET", f"/repos/{KS}/issues"] = (200, [{"number": 3, "title": "x", "body": 7}])
    result = _sweep(repo)
    assert result.code == 3, result.err
    assert _writes(repo) == []
    assert "answer is not shaped as its REST API describes" in result.err


def test_a_failed_edit_leaves_the_issue_whole_and_exits_3(repo: Repo) -> None:
    """An edit GitHub keeps failing leaves the issue as it was (never half-written), and the run exits 3."""
    assert _sweep(repo).code == 0
    before = _only_issue(repo)
    repo.release_kubespawner()
    repo.github.rest_answers["PATCH", rf"/repos/{KS}/issues/\d+"] = GATEWAY
    result = _sweep(repo)
    assert result.code == 3, result.err
    assert f"editing the status issue #{before.number}: GitHub kept failing after the retries" in result.err
    assert _only_issue(repo) == before
    assert [method for method, _ in _writes(repo)].count("POST") == 1


def test_a_create_that_seems_to_fail_is_never_sent_twice(repo: Repo) -> None:
    """A create answered 502 is not asked again (GitHub may have made it): one POST, exit 3."""
    repo.github.rest_answers["POST", f"/repos/{KS}/issues"] = GATEWAY
    result = _sweep(repo)
    assert result.code == 3, result.err
    assert _writes(repo) == [("POST", ISSUES)]
    assert "creating the status issue: GitHub kept failing" in result.err
    assert "(sent once, never again: GitHub may have made it all the same, and the next sweep finds it)" in result.err


def test_without_issues_write_it_says_which_permission_and_exits_3(repo: Repo) -> None:
    """A token without issues: write gets a 403: one clear message naming the permission, exit 3, no issue."""
    repo.github.forbid_issues = True
    result = _sweep(repo)
    assert result.code == 3, result.err
    assert "creating the status issue: access forbidden (403)" in result.err
    assert "issues: write" in result.err
    assert repo.github.issues == {}
    assert "Traceback" not in result.err
    assert repo.statuses(SHA_205) == [("pending", "waits for kubespawner >=0.9.0b1 to be released")]


def test_an_issue_made_without_its_label_is_an_error(repo: Repo) -> None:
    """When GitHub drops the label of the new issue, the next sweep could not find it: exit 3 naming it."""
    made = {"number": 901, "title": TITLE, "body": MARKER, "state": "open", "labels": []}
    repo.github.rest_answers["POST", f"/repos/{KS}/issues"] = (201, made)
    result = _sweep(repo)
    assert result.code == 3, result.err
    assert f"{KS}#901 without its label release-gate/status" in result.err
    assert "add the label to #901" in result.err


def test_a_closed_status_issue_is_left_alone(repo: Repo) -> None:
    """Closing the status issue stops the updates: the sweep neither edits it nor makes another."""
    number = repo.github.add_issue(KS, TITLE, MARKER + "\nold report", open=False, labels=(issue.LABEL,))
    result = _sweep(repo)
    assert result.code == 0, result.err
    assert _writes(repo) == []
    assert f"release-gate: status issue #{number}: closed, so not updated: reopen it to have it kept\n" in result.out


def test_the_issue_is_found_by_its_marker(repo: Repo) -> None:
    """Another plan's status issue is left alone; this plan's is edited, whatever its title now says."""
    elsewhere = "<!-- release-gate status issue: plan x.toml in o/r -->"
    other = repo.github.add_issue(KS, "Another plan", elsewhere, labels=(issue.LABEL,))
    mine = repo.github.add_issue(KS, "renamed by hand", MARKER + "\nold", labels=(issue.LABEL,))
    result = _sweep(repo)
    assert result.code == 0, result.err
    assert _writes(repo) == [("PATCH", f"{ISSUES}/{mine}")]
    assert repo.github.issues[KS, mine].title == TITLE
    assert repo.github.issues[KS, other].title == "Another plan"


def test_a_pr_event_leaves_the_status_issue_alone(repo: Repo) -> None:
    """Only sweeps keep the status issue: a PR event with --status-issue lists, creates and edits no issue."""
    result = repo.gate("pull_request_target", pr_payload(205, SHA_205), "--status-issue")
    assert result.code == 0, result.err
    assert [r for r in repo.github.requests if r.path == ISSUES] == []


def test_without_the_option_no_issue_is_looked_at(repo: Repo) -> None:
    """The status issue is off by default: a plain sweep sends no request about issues."""
    assert repo.gate("schedule", {}).code == 0
    assert [r.path for r in repo.github.requests if r.path == ISSUES] == []


def test_the_gate_as_a_library_returns_what_it_did_to_the_issue(repo: Repo) -> None:
    """gate.run with status_issue returns the step and the issue's number, and links to the server given."""
    token = str(repo.github.token)

    def live() -> StateProvider:
        github = GitHubStateProvider(token=token, base_url=repo.github.url, timeout=5)
        return LiveStateProvider(github, RegistryReader(timeout=5))

    inputs = GateInputs(KS, Event(EventKind.SWEEP), status_issue=True, server="https://github.example")
    client = GitHubGateClient(token=token, base_url=repo.github.url, timeout=5)
    result = run_gate(inputs, client, live)
    assert result.status_issue is not None
    assert (result.status_issue.step, result.status_issue.number) == (issue.Step.CREATE, _only_issue(repo).number)
    assert "(https://github.example/jupyterhub/kubespawner)" in _only_issue(repo).body
    assert "https://github.com/" not in _only_issue(repo).body


# -- the decisions, pure ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    """Evaluate the 2018 example."""
    return check(EXAMPLE_PLAN, SnapshotStateProvider(EXAMPLE_STATE))


def test_decide_edits_the_oldest_open_issue_and_names_the_others() -> None:
    """With several open issues carrying the marker, the oldest is kept up to date and the others named."""
    found = [
        ListedIssue(9, TITLE, MARKER + "\nb", open=True),
        ListedIssue(4, TITLE, MARKER + "\na", open=True),
        ListedIssue(2, TITLE, MARKER + "\nold", open=False),
        ListedIssue(1, TITLE, "no marker", open=True),
    ]
    update = issue.decide(found, MARKER, TITLE, MARKER + "\nnew")
    assert (update.step, update.number, update.others) == (issue.Step.EDIT, 4, (9,))


def test_decide_keeps_an_issue_that_says_it_already() -> None:
    """An issue whose title and body are the report (GitHub's CR LF line ends aside) is left unchanged."""
    body = MARKER + "\n## plan\n\ntext\n"
    found = [ListedIssue(4, TITLE, body.replace("\n", "\r\n"), open=True)]
    assert issue.decide(found, MARKER, TITLE, body).step is issue.Step.KEEP
    assert issue.decide(found, MARKER, TITLE + "!", body).step is issue.Step.EDIT


def test_decide_creates_when_no_issue_carries_the_marker() -> None:
    """No issue with this plan's marker (another plan's, or none): create one."""
    found = [ListedIssue(4, TITLE, "<!-- release-gate status issue: plan other.toml in o/r -->", open=True)]
    update = issue.decide(found, MARKER, TITLE, "body")
    assert (update.step, update.number) == (issue.Step.CREATE, None)


def test_the_marker_cannot_be_ended_by_the_plan_path() -> None:
    """A plan path with --> in it is quoted: the comment ends where the marker does."""
    assert issue.marker("o/r", "a -->b.toml").count("-->") == 1


def test_the_body_fits_githubs_cap_however_long_the_report(evaluation: Evaluation) -> None:
    """A report longer than 65,536 characters is cut (graph first), the marker and footer kept, within the cap."""
    import dataclasses  # noqa: PLC0415

    plan = dataclasses.replace(evaluation.plan, name="x" * 70_000)
    body = issue.body(dataclasses.replace(evaluation, plan=plan), mark=MARKER, repository=KS)
    assert len(body) <= markdown.COMMENT_LIMIT
    assert body.startswith(MARKER + "\n")
    assert body.endswith("Close the issue to stop the updates._\n")


def test_the_title_names_the_plan_and_no_one(evaluation: Evaluation) -> None:
    """The title is "Release plan: NAME", an @ in the name made inert, within GitHub's 256 characters."""
    import dataclasses  # noqa: PLC0415

    assert issue.title(evaluation) == TITLE
    plan = dataclasses.replace(evaluation.plan, name="ask @minrk " + "y" * 300)
    title = issue.title(dataclasses.replace(evaluation, plan=plan))
    assert title.startswith("Release plan: ask @\u200bminrk y")
    assert len(title) == issue.TITLE_LIMIT


# -- what it looks like: the body rendered, in a real browser -------------------------------------

IMAGE = ROOT / "docs" / "images" / "status-issue.png"
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ margin: 0; background: #fff; color: #1f2328; font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans",
  Helvetica, Arial, sans-serif; }}
.issue {{ max-width: 1012px; margin: 24px auto; padding: 0 16px; }}
h1.title {{ font-size: 32px; font-weight: 400; margin: 0 0 8px; }} h1.title span {{ color: #59636e; }}
.meta {{ display: flex; gap: 8px; align-items: center; padding-bottom: 16px; border-bottom: 1px solid #d1d9e0;
  color: #59636e; }}
.state {{ background: #1f883d; color: #fff; border-radius: 2em; padding: 5px 12px; font-weight: 500; }}
.label {{ background: #ededed; border-radius: 2em; padding: 0 7px; font-size: 12px; font-weight: 500; }}
.comment {{ margin-top: 24px; border: 1px solid #d1d9e0; border-radius: 6px; }}
.comment header {{ background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px; color: #59636e;
  border-radius: 6px 6px 0 0; }}
.markdown-body {{ padding: 16px; }}
.markdown-body h2 {{ font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin-top: 0; }}
.markdown-body h3 {{ font-size: 1.25em; margin: 24px 0 16px; }}
.markdown-body a {{ color: #0969da; text-decoration: none; }}
.markdown-body code {{ background: #eff1f3; border-radius: 6px; padding: .2em .4em; font-size: 85%;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }}
.markdown-body ul, .markdown-body ol {{ padding-left: 2em; }}
.markdown-body hr {{ border: 0; border-top: 1px solid #d1d9e0; margin: 24px 0; }}
.markdown-body em {{ color: #59636e; }}
pre.mermaid {{ background: #fff; text-align: center; }}
</style>
<script src="file://{mermaid}"></script>
</head><body><main class="issue">
<h1 class="title">{title} <span>#{number}</span></h1>
<div class="meta"><span class="state">Open</span><span>github-actions opened this issue</span>
<span class="label">{label}</span></div>
<section class="comment"><header><b>github-actions</b> bot commented</header>
<div class="markdown-body">{body}</div></section>
</main></body></html>
"""


def _issue_page(made: FakeIssue, mermaid_js: Path) -> str:
    """Render the issue as GitHub shows it: its body's Markdown to HTML (Python-Markdown), the diagram for Mermaid."""
    import markdown as python_markdown  # type: ignore[import-untyped]  # noqa: PLC0415 - mkdocs brings it, untyped

    # GitHub nests a list under two spaces, as the report writes it; Python-Markdown, under tab_length.
    body = python_markdown.markdown(made.body, extensions=["tables", "fenced_code"], tab_length=2)
    body = re.sub(
        r'<pre><code class="language-mermaid">(.*?)</code></pre>',
        r'<pre class="mermaid">\1</pre>',
        body,
        flags=re.DOTALL,
    )
    escape = html.escape
    return _PAGE.format(
        title=escape(made.title), number=made.number, label=escape(issue.LABEL), body=body, mermaid=mermaid_js
    )


def test_the_screenshot_of_the_status_issue_is_in_the_docs() -> None:
    """docs/images/status-issue.png is a PNG, and docs/gate.md shows it."""
    assert IMAGE.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "](images/status-issue.png)" in (ROOT / "docs" / "gate.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_status_issue_in_a_real_browser(
    repo: Repo,
    *,
    browser: Path,
    mermaid_parser: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    """Rendered in Chromium: no errors, the report's sections, the diagram drawn, links out, no @name; the screenshot.

    The gate keeps the issue on the fake GitHub from the state recorded at the 2018 meeting (so
    the picture in the docs shows the meeting's answer, linked to github.com). The screenshot
    goes to docs/images/status-issue.png only with --update-goldens (it is not byte-stable).
    """
    monkeypatch.chdir(ROOT)  # the state's name, as the report shows it, is the path given: keep it short
    token = str(repo.github.token)
    inputs = GateInputs(KS, Event(EventKind.SWEEP), status_issue=True)
    client = GitHubGateClient(token=token, base_url=repo.github.url, timeout=5)
    snapshot = EXAMPLE_STATE.relative_to(ROOT)
    assert run_gate(inputs, client, lambda: SnapshotStateProvider(snapshot)).problems == ()
    made = _only_issue(repo)
    page = tmp_path / "issue.html"
    mermaid_js = mermaid_parser / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
    page.write_text(_issue_page(made, mermaid_js), encoding="utf-8")
    (browser / "issue_check.mjs").write_text(
        (ROOT / "tests" / "issue_check.mjs").read_text(encoding="utf-8"), encoding="utf-8"
    )
    shot = IMAGE if request.config.getoption("--update-goldens") else tmp_path / "status-issue.png"
    result = subprocess.run(
        ["node", "issue_check.mjs", str(page), str(shot)],
        cwd=browser,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert (seen["errors"], seen["outside"]) == ([], [])
    assert seen["headings"][:5] == [
        "JupyterHub: release before JupyterCon 2018",
        "Can ship now",
        "Blocked",
        "Must wait",
        "Next actions",
    ]
    assert seen["headings"][-1] == "Graph"
    assert seen["nodes"] == len(check(EXAMPLE_PLAN, SnapshotStateProvider(EXAMPLE_STATE)).nodes)
    assert "https://github.com/jupyterhub/oauthenticator/releases/new" in seen["links"]
    assert "https://github.com/consideRatio" in seen["links"]
    assert "jupytercon 2018-08-23, 14 days left" in seen["text"]
    assert re.findall(r"(?<![A-Za-z0-9_])@[A-Za-z0-9]", seen["text"]) == []
    assert "jupyterhub/kubespawner#205: held" in seen["text"]
    assert shot.stat().st_size > 20_000
