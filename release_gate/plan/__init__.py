"""The plan: the file format (TOML), its reader with every problem reported at once, and the frozen model.

`load_plan` and `parse_plan` read a plan into a `Plan`
or raise `PlanError` listing every problem; the format (its keys, and
the JSON Schema made from them) is `release_gate.plan.format`.
"""

from __future__ import annotations

from release_gate.plan.model import (
    Deadline,
    Family,
    HelmChart,
    Hold,
    Intent,
    ItemRef,
    Plan,
    Release,
    Repo,
    Source,
    Watch,
)
from release_gate.plan.reader import load_plan, parse_plan, parse_ref

__all__ = [
    "Deadline",
    "Family",
    "HelmChart",
    "Hold",
    "Intent",
    "ItemRef",
    "Plan",
    "Release",
    "Repo",
    "Source",
    "Watch",
    "load_plan",
    "parse_plan",
    "parse_ref",
]
