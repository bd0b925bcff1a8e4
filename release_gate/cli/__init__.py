"""The ``release-gate`` command: argv, environment, stdout/stderr and exit codes live here only.

Exit codes: 0 the question asked is clear, 1 blocked / held / violated, 2 usage or input
error, 3 state unavailable or unknown, 4 an internal error (a bug: please report it).

This module parses the command line, guards the output streams and turns errors into exit
codes; each command is a module of its own (``check``, ``gate``, ...) with ``add_parser``
and ``run``, and what they share is in ``_common``, ``_live_options`` and ``_live``.

A process imports only the command it runs: the parser lists every command from
``_commands.SUMMARIES`` and builds in full only the one named, so ``--help`` and
``--version`` import none (and the live clients, ``_live``, are imported only to read live).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, TextIO, cast

from release_gate._version import __version__
from release_gate.cli._commands import SUMMARIES
from release_gate.cli._exits import EXIT_BUG, EXIT_CLEAR, EXIT_CODES, EXIT_INPUT, EXIT_STATE
from release_gate.untrusted import clean, clean_output

if TYPE_CHECKING:
    from release_gate.cli._common import BUILTIN_NOTE, IO, PLAN_NAMES, Subparsers, find_plan
    from release_gate.cli._live_options import user_cache_dir

__all__ = ["BUILTIN_NOTE", "EXIT_CODES", "PLAN_NAMES", "entrypoint", "find_plan", "main", "user_cache_dir"]

_PASSED_ON = {
    "BUILTIN_NOTE": ("release_gate.cli._common", "BUILTIN_NOTE"),
    "PLAN_NAMES": ("release_gate.cli._common", "PLAN_NAMES"),
    "find_plan": ("release_gate.cli._common", "find_plan"),
    "user_cache_dir": ("release_gate.cli._live_options", "user_cache_dir"),
}
"""Names this module passes on from the commands' shared modules, imported on first use (not by --help)."""


def __getattr__(name: str) -> Any:
    """Import a name this module passes on (`_PASSED_ON`) from its module on first use."""
    where = _PASSED_ON.get(name)
    if where is None:
        raise AttributeError(f"module 'release_gate.cli' has no attribute {name!r}")
    module, attribute = where
    return getattr(importlib.import_module(module), attribute)


class _Command(Protocol):
    """A command module: its name, its parser, and what it does."""

    NAME: str

    def add_parser(self, subparsers: Subparsers) -> None: ...

    def run(self, args: argparse.Namespace, io: IO) -> int: ...


def _command(name: str) -> _Command:
    """Import and return the module of command *name* (``release_gate.cli.NAME``)."""
    return cast("_Command", importlib.import_module(f"release_gate.cli.{name}"))


class _Parser(argparse.ArgumentParser):
    """A parser whose errors show its own usage (a command's, for a command's option) and exit 2.

    Options are never taken abbreviated (``--form`` for ``--format``): an abbreviation that
    works today could mean another option once one is added; a misspelt or shortened option
    is an error that names the closest one.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{"allow_abbrev": False, **kwargs})

    def parse_known_args(  # type: ignore[override]  # typeshed's overloads; the behaviour is argparse's
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Parse; what this parser does not know is its error, not the top level's (which would show its usage)."""
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}{self._did_you_mean(extras)}")
        return parsed, extras

    def _did_you_mean(self, extras: list[str]) -> str:
        """Return `` (did you mean --format?)`` for the first unknown option close to one of this parser's."""
        import difflib  # noqa: PLC0415 - imported on use: --help and --version stay light

        options = [name for name in self._option_string_actions if name.startswith("--")]
        for extra in extras:
            if extra.startswith("-"):
                close = difflib.get_close_matches(extra.partition("=")[0], options, n=1, cutoff=0.6)
                if close:
                    return f" (did you mean {close[0]}?)"
        return ""

    def error(self, message: str) -> NoReturn:
        """Print this parser's usage and the error; exit 2."""
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"release-gate: error: {message}; see '{self.prog} --help'\n")


def _parser(built: Collection[str] | None = None) -> argparse.ArgumentParser:
    """Return the command line's parser: the top level, and each command's.

    Only the commands in *built* (default: every one) are imported and given their options;
    the others are listed with their summary alone, which is all the top level's ``--help``
    shows. `main` builds the one command it runs.
    """
    parser = _Parser(
        prog="release-gate",
        description=(
            "Tell which planned releases can ship now, which are blocked and why, and which pull "
            "requests must still wait. Without a plan file, runs the built-in example: the "
            "JupyterHub plan of 2018-08-09 against the recorded state of its repositories, as of that meeting."
        ),
        epilog="Exit codes: " + ", ".join(f"{code} {name}" for code, name, _ in EXIT_CODES) + ".",
    )
    parser.add_argument("--version", action="version", version=f"release-gate {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, summary in SUMMARIES.items():
        if built is None or name in built:
            _command(name).add_parser(subparsers)
        else:
            subparsers.add_parser(name, help=summary)
    return parser


class _Guarded:
    """A text stream that writes through `clean_output`.

    The last guard on everything a command prints: newlines, our colours and the progress
    line's clear pass; any other control character is shown escaped, never acted on.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(clean_output(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


def _message(exc: BaseException) -> str:
    """Return an error's message as clean lines: one line, or a plan error's line per problem."""
    from release_gate.errors import PlanError  # noqa: PLC0415 - imported on use: --help and --version stay light

    if isinstance(exc, PlanError):
        return "\n".join(clean(line) for line in str(exc).split("\n"))
    return clean(str(exc))


def _failed(exc: Exception, io: IO) -> int:
    """Say what went wrong, in one paragraph; return its exit code. The one place errors become exit codes."""
    from release_gate.errors import InputError, ReleaseGateError, StateUnavailableError  # noqa: PLC0415 - on use

    if isinstance(exc, InputError):
        io.err.write(f"release-gate: error: {_message(exc)}\n")
        return EXIT_INPUT
    if isinstance(exc, StateUnavailableError):
        io.err.write(f"release-gate: state unavailable: {_message(exc)}\n")
        return EXIT_STATE
    if isinstance(exc, ReleaseGateError):
        io.err.write(f"release-gate: error: {_message(exc)}\n")
        return EXIT_INPUT
    if isinstance(exc, BrokenPipeError):
        return EXIT_CLEAR
    if io.env.get("RELEASE_GATE_DEBUG"):
        raise exc
    io.err.write(
        f"release-gate: internal error (a bug in release-gate {__version__}): "
        f"{type(exc).__name__}: {_message(exc)}. "
        "Set RELEASE_GATE_DEBUG=1 to see the traceback, and please report it.\n"
    )
    return EXIT_BUG


_TOP_LEVEL = ("-h", "--help", "--version")


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Run the command line with *argv*; return the exit code (never raises for a user's mistake).

    *env* stands for the environment (default: ``os.environ``), so tests can set tokens.
    """
    out = cast("TextIO", _Guarded(stdout or sys.stdout))  # duck-typed: write, flush, isatty, the rest passed on
    err = cast("TextIO", _Guarded(stderr or sys.stderr))
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in _TOP_LEVEL) or argv[0].endswith(".toml"):
        argv = ["check", *argv]  # no command: the default job, `check`
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            # argv[0] is the command, or a top-level option that exits: build that command alone.
            args = _parser(built=argv[:1]).parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version, or a usage error (exit 2)
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    command = _command(args.command)
    from release_gate.cli._common import IO  # noqa: PLC0415 - imported with the command (every command imports it)

    io = IO(out, err, os.environ if env is None else env)
    try:
        return command.run(args, io)
    except Exception as exc:  # noqa: BLE001 - every error becomes its exit code in _failed
        return _failed(exc, io)


def entrypoint() -> NoReturn:
    """Console-script entry point."""
    from release_gate._gc import tune_for_a_short_run  # noqa: PLC0415 - the process's setting, not the module's

    tune_for_a_short_run()  # a short run that keeps what it makes: see release_gate/_gc.py
    sys.exit(main())
