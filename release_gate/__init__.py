"""release-gate: which planned releases can ship now, which are blocked and why, which PRs must wait.

The pipeline runs one way: plan file -> [`Plan`][release_gate.plan.model.Plan] ->
[`ReleaseGraph`][release_gate.graph.ReleaseGraph] -> a [`State`][release_gate.state.State] from a
[`StateProvider`][release_gate.state.StateProvider] -> [`evaluate`][release_gate.evaluate.engine.evaluate] ->
[`Evaluation`][release_gate.evaluate.verdicts.Evaluation] -> reporters. [`check`][release_gate.pipeline.check]
runs it in one call:

    from release_gate import SnapshotStateProvider, check
    evaluation = check("config/jupyterhub-2018.toml", SnapshotStateProvider("state.json"))
    for verdict in evaluation.releases:
        print(verdict.id, verdict.status)

Every name below is imported from its module on first use, so ``import release_gate`` stays
light: reading a snapshot never loads the HTTP clients.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

from release_gate._version import __version__

if TYPE_CHECKING:
    from release_gate.errors import (
        InputError,
        NotInPlanError,
        PlanError,
        PlanIssue,
        ReleaseGateError,
        SnapshotError,
        StateUnavailableError,
        UsageError,
    )
    from release_gate.evaluate import (
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
        NextAction,
        Outcome,
        PrVerdict,
        Reason,
        ReleaseStatus,
        ReleaseVerdict,
        WatchVerdict,
        evaluate,
    )
    from release_gate.graph import ReleaseGraph, build_graph
    from release_gate.pipeline import check
    from release_gate.plan import (
        Deadline,
        Family,
        HelmChart,
        Hold,
        Intent,
        ItemRef,
        Plan,
        Release,
        Repo,
        Watch,
        load_plan,
        parse_plan,
        parse_ref,
    )
    from release_gate.sources.github import GitHubStateProvider
    from release_gate.sources.live import LiveStateProvider
    from release_gate.sources.registries import RegistryReader
    from release_gate.sources.snapshot import SnapshotStateProvider, dump_snapshot, load_snapshot
    from release_gate.state import Issue, PullRequest, RepoState, State, StateProvider, StateRequest, Tag, Unknown
    from release_gate.testing.provider import FakeStateProvider
    from release_gate.versions import Accept, Scheme, VersionKind, VersionRequirement, parse_requirement, parse_version

_WHERE = {
    "release_gate.errors": (
        "InputError",
        "NotInPlanError",
        "PlanError",
        "PlanIssue",
        "ReleaseGateError",
        "SnapshotError",
        "StateUnavailableError",
        "UsageError",
    ),
    "release_gate.evaluate": (
        "Answer",
        "Candidate",
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
    ),
    "release_gate.graph": ("ReleaseGraph", "build_graph"),
    "release_gate.pipeline": ("check",),
    "release_gate.plan": (
        "Deadline",
        "Family",
        "HelmChart",
        "Hold",
        "Intent",
        "ItemRef",
        "Plan",
        "Release",
        "Repo",
        "Watch",
        "load_plan",
        "parse_plan",
        "parse_ref",
    ),
    "release_gate.sources.github": ("GitHubStateProvider",),
    "release_gate.sources.live": ("LiveStateProvider",),
    "release_gate.sources.registries": ("RegistryReader",),
    "release_gate.sources.snapshot": ("SnapshotStateProvider", "dump_snapshot", "load_snapshot"),
    "release_gate.state": (
        "Issue",
        "PullRequest",
        "RepoState",
        "State",
        "StateProvider",
        "StateRequest",
        "Tag",
        "Unknown",
    ),
    "release_gate.testing.provider": ("FakeStateProvider",),
    "release_gate.versions": (
        "Accept",
        "Scheme",
        "VersionKind",
        "VersionRequirement",
        "parse_requirement",
        "parse_version",
    ),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}
_RENAMED = {"World": "State", "load_world": "load_snapshot", "dump_world": "dump_snapshot", "Action": "NextAction"}
"""Names of earlier versions: still importable, with a DeprecationWarning naming the new one."""

__all__ = [
    "Accept",
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
    "GitHubStateProvider",
    "HeldPr",
    "HelmChart",
    "Hold",
    "HoldStatus",
    "HoldVerdict",
    "InputError",
    "Intent",
    "Issue",
    "ItemRef",
    "LiveStateProvider",
    "NextAction",
    "NotInPlanError",
    "Outcome",
    "Plan",
    "PlanError",
    "PlanIssue",
    "PrVerdict",
    "PullRequest",
    "Reason",
    "RegistryReader",
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
    "State",
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
    "__version__",
    "build_graph",
    "check",
    "dump_snapshot",
    "evaluate",
    "load_plan",
    "load_snapshot",
    "parse_plan",
    "parse_ref",
    "parse_requirement",
    "parse_version",
]


def __getattr__(name: str) -> Any:
    """Import *name* from its module on first use (and the renamed names, with a warning)."""
    new = _RENAMED.get(name)
    if new is not None:
        warnings.warn(f"release_gate.{name} is now release_gate.{new}", DeprecationWarning, stacklevel=2)
        name = new
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'release_gate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    if new is None:
        globals()[name] = value  # found once, then an ordinary attribute
    return value


def __dir__() -> list[str]:
    return __all__
