"""``release-gate init``: draft a commented plan file from what GitHub shows of some repositories."""

from __future__ import annotations

import argparse
from pathlib import Path

from release_gate.cli._commands import SUMMARIES
from release_gate.cli._common import IO, PLAN_NAMES, Subparsers
from release_gate.cli._exits import EXIT_CLEAR
from release_gate.cli._live import github_provider
from release_gate.cli._live_options import add_live_options
from release_gate.errors import PlanError, UsageError
from release_gate.plan.draft import Draft, draft_plan
from release_gate.plan.model import parse_slug
from release_gate.plan.reader import parse_plan
from release_gate.sources.repo_facts import FactsRead, Wanted, read_facts
from release_gate.untrusted import clean

NAME = "init"

_DESCRIPTION = (
    "Draft a release plan from what GitHub shows of each repository: its latest tag or release, "
    "its tag pattern and version scheme, where it publishes (the PyPI project of pyproject.toml, "
    "setup.cfg or setup.py; the Helm chart of a Chart.yaml), what its files pin of the other "
    "repositories' packages (after and pins), and the open PRs picked out by label or milestone "
    "(needs and holds). The wanted version of each release is a guess, the next one after the "
    "latest; every guess is marked GUESS in the file and listed on stderr. The file passes "
    "`release-gate validate`, and an existing one is never overwritten. It needs a GitHub token "
    "(GH_TOKEN or GITHUB_TOKEN, or --token-env): each repository is read through the GraphQL "
    "API, all of them in one or two requests; a token with no scopes reads public repositories."
)


def add_parser(subparsers: Subparsers) -> None:
    """Add ``init``: the repositories, where to write, and which PRs to draft as needs and holds."""
    sub = subparsers.add_parser(NAME, help=SUMMARIES[NAME], description=_DESCRIPTION)
    sub.add_argument("repos", nargs="+", metavar="OWNER/REPO", help="the repositories the plan is about")
    sub.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        default=PLAN_NAMES[0],
        help=f"where to write the plan, never over an existing file; - for stdout (default: {PLAN_NAMES[0]})",
    )
    sub.add_argument(
        "--needs-label",
        metavar="NAME",
        action="append",
        default=[],
        help="open PRs with this label must merge before their repository's release (needs)",
    )
    sub.add_argument(
        "--milestone",
        metavar="TITLE",
        action="append",
        default=[],
        help="open PRs in the milestone with this title must merge before their repository's release (needs)",
    )
    sub.add_argument(
        "--hold-label",
        metavar="NAME",
        action="append",
        default=[],
        help="open PRs with this label wait until their repository's release is out (holds)",
    )
    add_live_options(sub)


def _slugs(named: list[str]) -> list[str]:
    """Return the repositories named, each once, in order; a name that is not OWNER/REPO is a usage error."""
    bad = [name for name in named if parse_slug(name) is None]
    if bad:
        raise UsageError(
            "OWNER/REPO", f"{', '.join(repr(b) for b in bad)} is not a GitHub repository", "Write OWNER/REPO"
        )
    return list({name.lower(): name for name in reversed(named)}.values())[::-1]


def run(args: argparse.Namespace, io: IO) -> int:
    """Read the repositories, draft the plan, check that it validates, write it; exit clear."""
    slugs = _slugs(args.repos)
    target = None if args.output == "-" else Path(args.output)
    if target is not None and target.exists():
        raise UsageError(
            "--output", f"{args.output} exists, and init never overwrites a plan", "Name another file, or - for stdout"
        )
    wanted = Wanted(tuple(args.needs_label), tuple(args.milestone), tuple(args.hold_label))
    read = read_facts(github_provider(args, io.env, err=io.err), slugs, wanted)
    draft = draft_plan(read.repos)
    try:
        parse_plan(draft.text, path=args.output)
    except PlanError as error:  # the draft is ours: one that does not validate is a bug
        raise RuntimeError(f"the drafted plan does not validate: {error}") from None
    if target is None:
        io.out.write(draft.text)
    else:
        _write(target, draft.text)
    _summary(args.output, read, draft, io)
    return EXIT_CLEAR


def _write(target: Path, text: str) -> None:
    """Write *text* to a new file *target* (its folder made if need be), never over one that appeared meanwhile."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise UsageError(
            "--output", f"{target} exists, and init never overwrites a plan", "Name another file, or - for stdout"
        ) from None
    except OSError as exc:
        raise UsageError("--output", f"cannot write {target} ({exc.strerror})", "Check the path") from None


def _summary(output: str, read: FactsRead, draft: Draft, io: IO) -> None:
    """Say on stderr what was read and written, and every guess to settle."""
    where = "stdout" if output == "-" else output
    counts = f"{_count(draft.repos, 'repo')}, {_count(draft.releases, 'release')}, {_count(draft.holds, 'hold')}"
    cost = f"{_count(read.queries, 'GraphQL request')} (cost {read.cost})"
    io.err.write(f"release-gate: read GitHub in {cost}; wrote {where}: {counts}\n")
    for note in read.notes:
        io.err.write(f"release-gate: note: {clean(note)}\n")
    if draft.guesses:
        io.err.write(f"release-gate: {_count(len(draft.guesses), 'guess')} to settle, each marked GUESS in the plan:\n")
        io.err.writelines(f"  - {clean(guess)}\n" for guess in draft.guesses)
    if output != "-":
        shown = "" if output == PLAN_NAMES[0] else f" {output}"
        io.err.write(f"release-gate: then run `release-gate validate{shown}` and `release-gate check{shown}`\n")


def _count(n: int, word: str) -> str:
    """Return "1 hold", "2 holds", "2 guesses"."""
    return f"{n} {word}" if n == 1 else f"{n} {word}es" if word.endswith("s") else f"{n} {word}s"
