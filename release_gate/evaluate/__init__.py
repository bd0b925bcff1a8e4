"""Evaluation: the plan's graph and a state in, verdicts with their reasons out (pure, no I/O).

`evaluate` gives an
`Evaluation`: every release released, tagged,
unblocked, blocked or unknown; every hold held, free, violated or unknown; each with the chain
of reasons down to the root causes and the next actions. Unknown is never counted as met.
`release_gate.evaluate.whatif` evaluates under assumptions, and `release_gate.evaluate.timeline`
over a period.
"""

from __future__ import annotations

from release_gate.evaluate.engine import evaluate
from release_gate.evaluate.verdicts import (
    Answer,
    Candidate,
    Change,
    ChangeKind,
    DeadlineStatus,
    DeadlineVerdict,
    Evaluation,
    Evidence,
    FoundBy,
    HeldPr,
    HoldStatus,
    HoldVerdict,
    NextAction,
    Outcome,
    PrVerdict,
    Reason,
    ReleaseStatus,
    ReleaseVerdict,
    WatchVerdict,
)

__all__ = [
    "Answer",
    "Candidate",
    "Change",
    "ChangeKind",
    "DeadlineStatus",
    "DeadlineVerdict",
    "Evaluation",
    "Evidence",
    "FoundBy",
    "HeldPr",
    "HoldStatus",
    "HoldVerdict",
    "NextAction",
    "Outcome",
    "PrVerdict",
    "Reason",
    "ReleaseStatus",
    "ReleaseVerdict",
    "WatchVerdict",
    "evaluate",
]
