"""What the commands share: plan discovery, the built-in example, reading and evaluating, options, colour, progress."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, TextIO

from release_gate import pipeline
from release_gate.cli._live_options import add_live_options
from release_gate.errors import UsageError
from release_gate.evaluate import Evaluation
from release_gate.evaluate.whatif import parse_assumption
from release_gate.examples import PLAN as EXAMPLE_PLAN
from release_gate.examples import STATE as EXAMPLE_STATE
from release_gate.examples import example_path
from release_gate.plan.model import ItemRef, Plan
from release_gate.plan.reader import load_plan, parse_ref
from release_gate.sources.snapshot import SnapshotStateProvider
from release_gate.state import State, StateProvider
from release_gate.untrusted import clean

__all__ = [
    "BUILTIN_NOTE",
    "IO",
    "PLAN_HELP",
    "PLAN_NAMES",
    "Source",
    "Subparsers",
    "add_evaluated",
    "add_output_options",
    "evaluated",
    "example_ref",
    "find_plan",
    "load",
    "now",
    "parse_as_of",
    "parse_moment",
    "read",
    "ref",
    "resolve_plan",
    "shown",
    "state_source",
    "text_width",
    "use_color",
    "write_file",
    "write_note_lines",
    "write_notes",
]


@dataclass(frozen=True, slots=True)
class IO:
    """Where a command writes, and the environment it reads."""

    out: TextIO
    err: TextIO
    env: Mapping[str, str]


class Subparsers(Protocol):
    """The ``add_subparsers()`` action each command adds its parser to."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        """Add and return the parser of command *name*."""
        ...


# -- the plan -------------------------------------------------------------------------------------

PLAN_HELP = (
    "the plan file (TOML); default: .github/release-plan.toml or release-plan.toml here, "
    "else the built-in example with its recorded state"
)

PLAN_NAMES = (".github/release-plan.toml", "release-plan.toml")
"""Where a repository keeps its plan, in the order they are looked for when no plan is named."""

BUILTIN_NOTE = (
    f"release-gate: no plan named, and no {' or '.join(PLAN_NAMES)} here: using the built-in example "
    "(the JupyterHub plan of 2018-08-09 and its recorded state)\n"
)
"""What stderr says when a command falls back to the built-in example."""

_BUILTIN_PLAN = f"{EXAMPLE_PLAN} (built-in example)"
_BUILTIN_STATE = f"{EXAMPLE_STATE} (built-in example)"


def find_plan(start: Path) -> Path | None:
    """Return the repository's plan: in *start*, then at the top of the git repository holding it."""
    top = next((folder for folder in (start, *start.parents) if (folder / ".git").exists()), start)
    for folder in dict.fromkeys((start, top)):
        for name in PLAN_NAMES:
            if (folder / name).is_file():
                return folder / name
    return None


def shown(path: Path) -> str:
    """Return *path* relative to the working directory when it is under it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def resolve_plan(named: str | None, err: TextIO) -> str | None:
    """Return the plan file to use: *named*, else the repository's own, else ``None`` (the example); say which."""
    if named is not None:
        return named
    found = find_plan(Path.cwd())
    if found is not None:
        err.write(f"release-gate: no plan named: using {shown(found)}\n")
        return str(found)
    err.write(BUILTIN_NOTE)
    return None


def load(plan_file: str | None) -> Plan:
    """Load *plan_file*, or the built-in example's plan for ``None``."""
    if plan_file:
        return load_plan(plan_file)
    return replace(load_plan(example_path(EXAMPLE_PLAN)), path=_BUILTIN_PLAN)


def ref(plan: Plan, text: str, option: str) -> ItemRef:
    """Read the PR ref *text* given to *option* against *plan*."""
    try:
        return parse_ref(plan, text)
    except ValueError as exc:
        raise UsageError(option, str(exc), "Use a PR of the plan, e.g. " + example_ref(plan)) from None


def example_ref(plan: Plan) -> str:
    """Return a PR ref of *plan* to show in a hint."""
    for hold in plan.holds:
        return plan.short(hold.prs[0])
    return "REPO-ID#NUMBER"


# -- reading the state ------------------------------------------------------------------------------

_CLEAR_LINE = "\r\x1b[K"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a command's state comes from, and whether a progress line is drawn while it is read."""

    provider: StateProvider
    progress: bool = False


def state_source(args: argparse.Namespace, io: IO, plan_file: str | None, *, live: bool = False) -> Source:
    """Return ``--snapshot``'s file; else live GitHub for a named plan (or when *live*); else the example's state."""
    snapshot = getattr(args, "snapshot", None)
    if snapshot:
        return Source(SnapshotStateProvider(snapshot))
    if plan_file is None and not live:
        return Source(SnapshotStateProvider(example_path(EXAMPLE_STATE), label=_BUILTIN_STATE))
    from release_gate.cli._live import live_provider  # noqa: PLC0415 - the live clients, imported only to read live

    progress = _progress_line(args, io.err)
    return Source(live_provider(args, io.env, progress, err=io.err), progress=progress is not None)


def _progress_line(args: argparse.Namespace, err: TextIO) -> Callable[[str], None] | None:
    """Return a progress line writer for live reads: only on a terminal, never with --quiet or JSON output."""
    if not err.isatty() or getattr(args, "quiet", False) or getattr(args, "format", "") == "json":
        return None

    lock = threading.Lock()  # GitHub's read and the indexes' report from their own threads

    def show(line: str) -> None:
        with lock:
            err.write(f"{_CLEAR_LINE}{line}")
            err.flush()

    return show


def read(
    source: Source,
    plan: Plan,
    io: IO,
    *,
    as_of: dt.datetime | None = None,
    files_since: dt.datetime | None = None,
) -> pipeline.Reading:
    """Read the state *plan* needs from *source*; clear the progress line and write the read's notes."""
    reading = pipeline.read(plan, source.provider, as_of=as_of, files_since=files_since)
    if source.progress:
        io.err.write(_CLEAR_LINE)
    write_notes(reading.state, io.err)
    return reading


def write_notes(state: State, err: TextIO) -> None:
    """Write what the read of *state* noted (a rate limit near, an answer cut short), one clean line each."""
    write_note_lines(state.stats.notes if state.stats else (), err)


def write_note_lines(notes: Iterable[str], err: TextIO) -> None:
    """Write *notes* about a read, one clean line each."""
    err.writelines(f"release-gate: note: {clean(note)}\n" for note in notes)


def now() -> dt.datetime:
    """Return the current time (UTC)."""
    return dt.datetime.now(dt.UTC)


def evaluated(
    args: argparse.Namespace, io: IO, *, look_back: dt.timedelta | None = None
) -> tuple[Evaluation, pipeline.Reading]:
    """Read the state the command's plan needs and evaluate it (with any --assume); also return the reading.

    *look_back* also reads the pin files' versions over that span before the moment evaluated.
    """
    plan_file = resolve_plan(args.plan, io.err)
    plan = load(plan_file)
    source = state_source(args, io, plan_file)
    as_of = parse_as_of(args.as_of)
    since = (as_of or now()) - look_back if look_back is not None else None
    reading = read(source, plan, io, as_of=as_of, files_since=since)
    assumptions = []
    for text in args.assume:
        try:
            assumptions.append(parse_assumption(plan, text))
        except ValueError as exc:
            raise UsageError("--assume", str(exc), "See release-gate check --help") from None
    try:
        return reading.evaluate(as_of=as_of, assume=assumptions), reading
    except ValueError as exc:
        raise UsageError("--as-of", str(exc), "Pick a moment no later than when the state was taken") from None


# -- options --------------------------------------------------------------------------------------


def add_evaluated(subparsers: Subparsers, name: str, help_text: str) -> argparse.ArgumentParser:
    """Add the parser of a command that evaluates a plan: state, live reading, --assume and --as-of options."""
    sub = subparsers.add_parser(name, help=help_text, description=help_text)
    sub.add_argument(
        "--snapshot",
        "--state",
        dest="snapshot",
        metavar="FILE",
        help="a snapshot (a state saved to a file, JSON) to evaluate against, instead of live GitHub",
    )
    add_live_options(sub)
    sub.add_argument(
        "--assume",
        metavar="EVENT",
        action="append",
        default=[],
        help=(
            "evaluate as if this had happened (repeatable): 'kubespawner==0.9.0b1 released', "
            "'kubespawner#232 merged', 'jupyterhub#2043 closed', 'chart pins kubespawner==0.9.0b1'"
        ),
    )
    sub.add_argument(
        "--as-of",
        metavar="TIME",
        help=(
            "evaluate as of this moment: 2018-08-09 (00:00 UTC) or 2018-08-09T12:00:00Z; "
            "default: when the state was taken"
        ),
    )
    return sub


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """Add --color and --verbose."""
    parser.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour the text output (default: auto, off when NO_COLOR is set)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also show every condition met and every tag looked at"
    )


def use_color(choice: str, io: IO) -> bool:
    """Return whether to colour the output: --color, else NO_COLOR, FORCE_COLOR, TERM=dumb, else a terminal."""
    if choice != "auto":
        return choice == "always"
    if io.env.get("NO_COLOR"):
        return False
    if io.env.get("FORCE_COLOR"):
        return True
    if io.env.get("TERM") == "dumb":
        return False
    return io.out.isatty()


DEFAULT_WIDTH = 100
"""The text output's width when neither ``COLUMNS`` nor a terminal says otherwise (a pipe, a file, a CI log)."""


def text_width(io: IO) -> int:
    """Return the width to wrap text output to: ``COLUMNS``, else the terminal's, else `DEFAULT_WIDTH`."""
    columns = io.env.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if io.out.isatty():
        try:
            size = os.get_terminal_size(io.out.fileno()).columns
        except (OSError, ValueError):
            size = 0
        if size > 0:
            return size
    return DEFAULT_WIDTH


def parse_moment(text: str, option: str) -> dt.datetime:
    """Read the date or time *text* given to *option* (a date is 00:00 UTC)."""
    value = parse_as_of(text, option)
    assert value is not None
    return value


def parse_as_of(text: str | None, option: str = "--as-of") -> dt.datetime | None:
    """Read the date or time *text* given to *option*, if any (a date is 00:00 UTC; no time zone is UTC)."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        value = dt.datetime.fromisoformat(text)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise UsageError(
            option,
            f"{text!r} is not a date or time",
            "Write a date (2018-08-09) or an ISO 8601 time (2018-08-09T12:00:00Z)",
        ) from None


def write_file(name: str, text: str) -> None:
    """Write *text* to the file ``--output`` names."""
    try:
        Path(name).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError("--output", f"cannot write {name} ({exc.strerror})", "Check the path") from None
