"""The JSON report: versioned, deterministic, and complete down to the root causes."""

from __future__ import annotations

import json

from release_gate import Evaluation, parse_ref
from release_gate.report import json as json_report


def test_document_is_versioned_and_sorted(example: Evaluation) -> None:
    """The document carries schema_version 2 and is written with sorted keys and a final newline."""
    text = json_report.render(example)
    data = json.loads(text)
    assert data["schema_version"] == 2
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_reason_tree_reaches_root_causes(example: Evaluation) -> None:
    """The chart's reasons nest down to the open kubespawner PRs, each root with its action."""
    chart = next(r for r in json.loads(json_report.render(example))["releases"] if r["id"] == "chart")
    after_kubespawner = chart["reasons"][0]
    assert after_kubespawner["outcome"] == "unmet"
    assert [(c["node"], c["detail"], c["action"]) for c in after_kubespawner["causes"]] == [
        ("pr:jupyterhub/kubespawner#230", "open", "merge kubespawner#230"),
        ("pr:jupyterhub/kubespawner#232", "open", "merge kubespawner#232"),
    ]


def test_answer_and_statuses(example: Evaluation) -> None:
    """The answer and each release's status match the evaluation."""
    data = json.loads(json_report.render(example))
    assert data["answer"] == "blocked"
    assert {r["id"]: r["status"] for r in data["releases"]} == {r.id: str(r.status) for r in example.releases}
    assert data["holds"][0]["prs"][0]["found_by"] == "plan"


def test_the_whole_plan_is_the_question_by_default(example: Evaluation) -> None:
    """Without a release or PR, the question is the whole plan and the answer is the plan's."""
    data = json.loads(json_report.render(example))
    assert data["question"] == {
        "kind": "plan",
        "id": None,
        "label": "JupyterHub: release before JupyterCon 2018",
        "detail": data["summary"],
        "holds": [],
        "needed_by": [],
    }
    assert data["answer"] == str(example.answer()) == "blocked"


def test_a_release_question_is_answered_for_that_release(example: Evaluation) -> None:
    """Asked about the unblocked jupyterhub release, the answer is clear although the plan is blocked."""
    data = json.loads(json_report.render(example, release="jupyterhub"))
    assert data["question"]["kind"] == "release"
    assert data["question"]["id"] == "jupyterhub"
    assert data["question"]["detail"] == "unblocked: can be cut now (every precondition met)"
    assert data["answer"] == "clear"
    assert data["summary"].startswith("blocked: ")  # the whole plan's verdict line is still there


def test_a_pr_question_is_answered_for_that_pr(example: Evaluation) -> None:
    """Asked about a held PR the answer is blocked, naming its hold; about one the plan does not name, clear."""
    held = json.loads(json_report.render(example, pr=example.pr(parse_ref(example.plan, "kubespawner#205"))))
    assert held["answer"] == "blocked"
    assert held["question"]["kind"] == "pr"
    assert held["question"]["id"] == "jupyterhub/kubespawner#205"
    assert held["question"]["label"] == "kubespawner#205"
    assert [(h["id"], h["status"]) for h in held["question"]["holds"]] == [("kubespawner-big-prs", "held")]
    unnamed = json.loads(json_report.render(example, pr=example.pr(parse_ref(example.plan, "kubespawner#999"))))
    assert unnamed["answer"] == "clear"
    assert unnamed["question"]["detail"] == "not named by the plan, so not held"
    needed = json.loads(json_report.render(example, pr=example.pr(parse_ref(example.plan, "kubespawner#230"))))
    assert needed["question"]["needed_by"] == ["kubespawner"]
