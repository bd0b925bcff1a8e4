"""Synthetic plans and states of any size, for benchmarks and scale tests.

``generated(repos=100, prs=2000)`` writes a plan as TOML (so the parser is part of what is
measured), and a state in which about a third of the releases are out, most needed PRs are
merged and every repo has a hold on a handful of big PRs.
"""

from __future__ import annotations

import datetime as dt
import random

from release_gate import Plan, parse_plan
from release_gate.plan.model import ItemRef
from release_gate.state import Issue, IssueState, PrState, PullRequest, RepoState, State, Tag

__all__ = ["generated", "generated_world", "plan_text", "sized"]

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
TAKEN = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


def plan_text(repos: int, prs: int, *, seed: int = 7) -> str:
    """Return a plan of *repos* repos (one release each) naming *prs* PRs in needs and holds."""
    rng = random.Random(seed)
    per_repo = max(prs // repos, 1)
    lines = ["[plan]", f'name = "Generated: {repos} repos, {prs} PRs"', ""]
    lines += ["[deadlines.launch]", "date = 2024-07-01", ""]
    for i in range(repos):
        scheme = "semver" if i % 5 == 4 else "pep440"
        lines += [f"[repos.r{i}]", f'github = "bench/repo{i}"', f'scheme = "{scheme}"', ""]
    for i in range(repos):
        version = ">=1.1.0-beta.1" if i % 5 == 4 else ">=1.1.0b1"
        after = [f"r{j}" for j in range(max(0, i - 3), i) if rng.random() < 0.3]
        needs = [f"r{i}#{n}" for n in range(1, min(per_repo, 5) + 1)]
        lines += [
            f"[releases.r{i}]",
            f'version = "{version}"',
            f"after = {after!r}".replace("'", '"'),
            f"needs = {{ prs = {needs!r} }}".replace("'", '"'),
            'deadline = "launch"',
            "",
        ]
    for i in range(repos):
        held = [f"r{i}#{n}" for n in range(6, per_repo + 1)]
        if held:
            lines += [f"[holds.h{i}]", f"prs = {held!r}".replace("'", '"'), f'until = ["r{i}"]', 'owner = "bench"', ""]
    return "\n".join(lines) + "\n"


def sized(nodes: int, *, prs_per_repo: int = 20) -> tuple[int, int]:
    """Return ``(repos, prs)`` for a generated plan whose graph has about *nodes* nodes.

    Each repo brings a repo node, a release node, *prs_per_repo* PR nodes and (with more
    than 5 PRs) a hold node: 23 nodes a repo by default, as in ``generated(100, 2000)``.

    >>> sized(100_000)
    (4348, 86960)
    """
    per_repo = 2 + prs_per_repo + (1 if prs_per_repo > 5 else 0)
    repos = max(round(nodes / per_repo), 1)
    return repos, repos * prs_per_repo


def generated(repos: int = 100, prs: int = 2000, *, seed: int = 7) -> tuple[Plan, State]:
    """Return a generated plan and a state for it (deterministic for a given *seed*)."""
    plan = parse_plan(plan_text(repos, prs, seed=seed), path=f"generated-{repos}-{prs}.toml")
    return plan, generated_world(repos, prs, seed=seed)


def generated_world(repos: int = 100, prs: int = 2000, *, seed: int = 7) -> State:
    """Return the state of ``generated(repos, prs)`` alone (no plan is parsed)."""
    rng = random.Random(seed)
    per_repo = max(prs // repos, 1)
    states: dict[str, RepoState] = {}
    items: dict[tuple[str, int], PullRequest | Issue] = {}
    for i in range(repos):
        slug = f"bench/repo{i}"
        semver = i % 5 == 4
        tags = [Tag(f"v1.0.{n}", "", START + dt.timedelta(days=n)) for n in range(20)]
        if rng.random() < 0.35:
            name = "v1.1.0-beta.1" if semver else "v1.1.0b1"
            tags.append(Tag(name, "", START + dt.timedelta(days=100)))
        states[slug.lower()] = RepoState(slug, tuple(tags), "main")
        for n in range(1, per_repo + 1):
            ref = ItemRef(slug, n)
            merged = rng.random() < (0.8 if n <= 5 else 0.1)
            state = PrState.MERGED if merged else PrState.OPEN
            when = START + dt.timedelta(days=50 + n % 40)
            items[ref.key] = PullRequest(
                ref, state, f"Change {n}", merged_at=when if merged else None, closed_at=when if merged else None
            )
        issue = ItemRef(slug, per_repo + 1)
        items[issue.key] = Issue(issue, IssueState.OPEN, "An issue")
    return State(TAKEN, "generated", dict(states), dict(items))
