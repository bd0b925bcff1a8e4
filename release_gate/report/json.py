"""The JSON report: one deterministic document with ``schema_version``, for scripts and CI.

Consumers should ignore keys they do not know (added in minor versions) and reject a
``schema_version`` whose major number they do not know. The layout is in ``docs/json.md``.
The document answers one question (``question``): the whole plan, one release
(``check --release``) or one PR (``check --pr``); ``answer`` is that question's answer,
which the exit code follows.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from release_gate._version import __version__
from release_gate.evaluate import Evaluation, PrVerdict, Reason, ReleaseVerdict
from release_gate.report._common import release_detail, status_text, verdict_line
from release_gate.times import iso_time
from release_gate.untrusted import json_safe

__all__ = ["SCHEMA_VERSION", "render"]

SCHEMA_VERSION = 2
"""2: ``answer`` is the answer to ``question`` (under ``--release`` or ``--pr``, no longer the whole plan's)."""


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else iso_time(value)


def _reason(reason: Reason) -> dict[str, Any]:
    return {
        "node": reason.node,
        "condition": reason.condition,
        "outcome": str(reason.outcome),
        "detail": reason.detail,
        "action": reason.action or None,
        "causes": [_reason(c) for c in reason.causes],
    }


def _release(verdict: ReleaseVerdict) -> dict[str, Any]:
    release = verdict.release
    evidence = verdict.released
    deadline = verdict.deadline
    return {
        "id": release.id,
        "repo": verdict.repo.id,
        "github": verdict.repo.slug,
        "scheme": str(verdict.repo.scheme),  # the release's own, when it names one (a monorepo's package)
        "requirement": release.requirement.text,
        "accept": str(release.requirement.accept),
        "intent": str(release.intent),
        "status": str(verdict.status),
        "wave": verdict.wave,
        "released": None
        if evidence is None
        else {
            "version": evidence.version,
            "source": str(evidence.source),
            "tag": evidence.tag,
            "sha": evidence.sha or None,
            "date": _time(evidence.date),
        },
        "deadline": None
        if deadline is None
        else {
            "id": deadline.deadline.id,
            "date": deadline.deadline.date.isoformat(),
            "days_left": deadline.days_left,
            "status": str(deadline.status),
        },
        "reasons": [_reason(r) for r in verdict.reasons],
        "candidates": [
            {
                "source": str(c.source),
                "tag": c.tag,
                "version": c.version,
                "date": _time(c.date),
                "accepted": c.accepted,
                "why": c.why,
            }
            for c in verdict.candidates
        ],
        "skipped_tags": list(verdict.skipped_tags),
    }


def _read(evaluation: Evaluation) -> dict[str, Any] | None:
    stats = evaluation.stats
    if stats is None:
        return None
    return {
        "requests": stats.requests,
        "graphql_cost": stats.graphql_cost,
        "rate_remaining": stats.rate_remaining,
        "rate_reset": _time(stats.rate_reset),
        "notes": list(stats.notes),
        "registry_requests": stats.registry_requests,
    }


def _question(evaluation: Evaluation, release: str | None, pr: PrVerdict | None) -> tuple[dict[str, Any], str]:
    """Return the question asked, and its answer: about *pr*, else *release*, else the whole plan."""
    asked: dict[str, Any] = {"kind": "plan", "id": None, "label": evaluation.plan.name, "holds": [], "needed_by": []}
    if pr is not None:
        holds = [{"id": hold_id, "status": str(status), "detail": detail} for hold_id, status, detail in pr.holds]
        asked |= {"kind": "pr", "id": str(pr.ref), "label": pr.label, "detail": pr.detail, "holds": holds}
        asked["needed_by"] = list(pr.needed_by)
        return asked, str(pr.answer)
    if release is not None:
        verdict = evaluation.release(release)
        detail = f"{status_text(verdict)}: {release_detail(verdict)}"
        asked |= {"kind": "release", "id": release, "label": release, "detail": detail}
        return asked, str(evaluation.release_answer(release))
    asked["detail"] = verdict_line(evaluation)
    return asked, str(evaluation.answer())


def document(evaluation: Evaluation, *, release: str | None = None, pr: PrVerdict | None = None) -> dict[str, Any]:
    """Return the report as JSON-ready data, answering for *pr*, else *release*, else the whole plan."""
    plan = evaluation.plan
    question, answer = _question(evaluation, release, pr)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "release-gate", "version": __version__},
        "plan": {"name": plan.name, "path": plan.path},
        "state": {"source": evaluation.source, "taken_at": _time(evaluation.taken_at), "read": _read(evaluation)},
        "as_of": _time(evaluation.as_of),
        "question": question,
        "answer": answer,
        "summary": verdict_line(evaluation),
        "releases": [_release(v) for v in evaluation.releases],
        "holds": [
            {
                "id": h.id,
                "status": str(h.status),
                "reason": h.hold.reason,
                "owner": h.hold.owner,
                "until": list(h.hold.until),
                "waiting_on": list(h.waiting_on),
                "unknown_parts": list(h.unknown_parts),
                "prs": [
                    {
                        "ref": str(pr.ref),
                        "label": pr.label,
                        "status": str(pr.status),
                        "detail": pr.detail,
                        "found_by": str(pr.found_by),
                        "title": pr.title,
                    }
                    for pr in h.prs
                ],
            }
            for h in evaluation.holds
        ],
        "waves": [list(w) for w in evaluation.waves],
        "what_if": {
            "assumptions": list(evaluation.assumptions),
            "changes": [{"kind": c.kind, "id": c.id, "before": c.before, "after": c.after} for c in evaluation.changed],
        }
        if evaluation.assumptions
        else None,
        "actions": [{"text": a.text, "node": a.node, "unblocks": list(a.unblocks)} for a in evaluation.actions],
        "watch": [
            {"ref": str(w.watch.ref), "label": w.label, "state": w.state, "title": w.title, "note": w.watch.note}
            for w in evaluation.watch
        ],
    }


def render(evaluation: Evaluation, *, release: str | None = None, pr: PrVerdict | None = None) -> str:
    r"""Render the evaluation as a JSON document (sorted keys, trailing newline), answering for *pr* or *release*.

    Strings keep their exact value; what a terminal would act on (controls, bidi overrides,
    line separators) is written as ``\uXXXX`` escapes.
    """
    data = document(evaluation, release=release, pr=pr)
    return json_safe(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)) + "\n"
