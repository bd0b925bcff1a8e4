"""release-gate: which planned releases can ship now, which are blocked and why, which PRs must wait.

The pipeline runs one way: plan file -> :class:`Plan` -> :class:`ReleaseGraph` -> state from a
:class:`StateProvider` -> :func:`evaluate` -> :class:`Evaluation` -> reporters. :func:`check`
runs it in one call::

    from release_gate import SnapshotStateProvider, check
    evaluation = check("config/jupyterhub-2018.toml", SnapshotStateProvider("state.json"))
    for verdict in evaluation.releases:
        print(verdict.id, verdict.status)
"""

from __future__ import annotations

__version__ = "0.1.0"

from release_gate.errors import (
    InputError,
    PlanError,
    PlanIssue,
    ReleaseGateError,
    SnapshotError,
    StateUnavailableError,
    UsageError,
)
from release_gate.evaluate import (
    Action,
    Answer,
    Candidate,
    DeadlineStatus,
    DeadlineVerdict,
    Evaluation,
    Evidence,
    FoundBy,
    HeldPr,
    HoldStatus,
    HoldVerdict,
    Outcome,
    PrVerdict,
    Reason,
    ReleaseStatus,
    ReleaseVerdict,
    WatchVerdict,
    evaluate,
)
from release_gate.fake import FakeStateProvider
from release_gate.graph import ReleaseGraph, build_graph
from release_gate.model import Deadline, Family, HelmChart, Hold, Intent, ItemRef, Plan, Release, Repo, Watch
from release_gate.pipeline import check
from release_gate.plan import load_plan, parse_plan, parse_ref
from release_gate.snapshot import SnapshotStateProvider, dump_world, load_world
from release_gate.state import Issue, PullRequest, RepoState, StateProvider, StateRequest, Tag, Unknown, World
from release_gate.versions import Accept, Scheme, VersionKind, VersionRequirement, parse_requirement, parse_version

__all__ = [
    "Accept",
    "Action",
    "Answer",
    "Candidate",
    "Deadline",
    "DeadlineStatus",
    "DeadlineVerdict",
    "Evaluation",
    "Evidence",
    "FakeStateProvider",
    "Family",
    "FoundBy",
    "HeldPr",
    "HelmChart",
    "Hold",
    "HoldStatus",
    "HoldVerdict",
    "InputError",
    "Intent",
    "Issue",
    "ItemRef",
    "Outcome",
    "Plan",
    "PlanError",
    "PlanIssue",
    "PrVerdict",
    "PullRequest",
    "Reason",
    "Release",
    "ReleaseGateError",
    "ReleaseGraph",
    "ReleaseStatus",
    "ReleaseVerdict",
    "Repo",
    "RepoState",
    "Scheme",
    "SnapshotError",
    "SnapshotStateProvider",
    "StateProvider",
    "StateRequest",
    "StateUnavailableError",
    "Tag",
    "Unknown",
    "UsageError",
    "VersionKind",
    "VersionRequirement",
    "Watch",
    "WatchVerdict",
    "World",
    "__version__",
    "build_graph",
    "check",
    "dump_world",
    "evaluate",
    "load_plan",
    "load_world",
    "parse_plan",
    "parse_ref",
    "parse_requirement",
    "parse_version",
]
