"""The JSON report: versioned, deterministic, and complete down to the root causes."""

from __future__ import annotations

import json

from release_gate import Evaluation
from release_gate.report import json as json_report


def test_document_is_versioned_and_sorted(example: Evaluation) -> None:
    """The document carries schema_version 1 and is written with sorted keys and a final newline."""
    text = json_report.render(example)
    data = json.loads(text)
    assert data["schema_version"] == 1
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
