"""``release-gate gate``: the merge gate in GitHub Actions, around `release_gate.gate.run.run`.

This adapter reads the variables Actions sets and the event file, builds the clients, runs the
gate, and writes its annotations, job summary, step outputs and errors.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path

from release_gate.cli._commands import SUMMARIES
from release_gate.cli._common import IO, Subparsers, write_note_lines
from release_gate.cli._exits import ANSWER_EXIT, EXIT_INPUT
from release_gate.cli._live import gate_client, live_provider
from release_gate.cli._live_options import add_live_options, web_server
from release_gate.errors import InputError, UsageError
from release_gate.gate import issue
from release_gate.gate.decide import HANDLED_EVENTS, Event, UnhandledEventError, parse_event
from release_gate.gate.run import GateInputs, GateMode, GateResult
from release_gate.gate.run import run as run_gate
from release_gate.state import StateProvider

NAME = "gate"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``gate``: where the plan is, the mode, the status context, the override label."""
    sub = subparsers.add_parser(
        NAME,
        help=SUMMARIES[NAME],
        description=(
            "Gate merges in GitHub Actions. Reads the event (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH): a PR event "
            "judges that PR, merge_group the PR in the queue entry, schedule / workflow_dispatch / "
            "repository_dispatch every open PR. The plan is read from the default branch through the API."
        ),
    )
    sub.add_argument(
        "--plan", metavar="PATH", default=".github/release-plan.toml", help="the plan's path in the plan repo"
    )
    sub.add_argument("--plan-repo", metavar="OWNER/NAME", help="a central repo holding the plan (default: this repo)")
    sub.add_argument(
        "--mode", choices=[m.value for m in GateMode], default="status", help="post statuses, or fail the job"
    )
    sub.add_argument("--context", default="release-gate", help="the commit status context (default: release-gate)")
    sub.add_argument(
        "--override-label",
        default="release-gate/override",
        help="a label that frees a held PR when added by someone with write access",
    )
    sub.add_argument(
        "--status-issue",
        action="store_true",
        help=f"on a sweep, keep one issue per plan (labelled {issue.LABEL}) up to date with the Markdown report, "
        "editing it only when the report changes (needs issues: write)",
    )
    add_live_options(sub)


def run(args: argparse.Namespace, io: IO) -> int:
    """Run the gate on the event Actions names; exit 0 clear, 1 held (check mode), 2 bad input, 3 unknown."""
    env = io.env
    slug, event = _event(env)
    client = gate_client(args, env, io.err)
    run_id = env.get("GITHUB_RUN_ID")
    inputs = GateInputs(
        repository=slug,
        event=event,
        plan_path=args.plan,
        plan_repo=args.plan_repo or "",
        mode=GateMode(args.mode),
        context=args.context,
        override_label=args.override_label,
        run_url=f"{env.get('GITHUB_SERVER_URL', 'https://github.com')}/{slug}/actions/runs/{run_id}" if run_id else "",
        status_issue=args.status_issue,
        server=web_server(args, env),
    )

    def provider() -> StateProvider:
        return live_provider(args, env)

    result = run_gate(inputs, client, provider)
    _write(result, io)
    if result.bugs:
        raise result.bugs[0]
    for problem in result.problems:
        io.err.write(f"release-gate: error: {problem}\n")
    if isinstance(result.failure, InputError):
        return EXIT_INPUT
    if result.undecided:
        io.err.write(f"release-gate: error: the state cannot tell whether {', '.join(result.undecided)} is held\n")
    return ANSWER_EXIT[result.answer]


def _event(env: Mapping[str, str]) -> tuple[str, Event]:
    """Return the gated repository and the event, from the variables GitHub Actions sets."""
    name, path, slug = env.get("GITHUB_EVENT_NAME"), env.get("GITHUB_EVENT_PATH"), env.get("GITHUB_REPOSITORY")
    for variable, value in (("GITHUB_EVENT_NAME", name), ("GITHUB_EVENT_PATH", path), ("GITHUB_REPOSITORY", slug)):
        if not value:
            raise UsageError(
                variable, "is not set", "Run the gate in GitHub Actions, or set the variable as Actions does"
            )
    assert name
    assert path
    assert slug
    if name not in HANDLED_EVENTS:  # said before the event file is read: the event is what is wrong
        raise UnhandledEventError(name)
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
        return slug, parse_event(name, payload)
    except OSError as exc:
        raise UsageError(
            "GITHUB_EVENT_PATH", f"cannot read {path} ({exc.strerror})", "Point it at the event file"
        ) from None
    except ValueError as exc:
        raise UsageError("GITHUB_EVENT_PATH", f"{path}: {exc}", "Check the workflow's triggers") from None
    except RecursionError:
        raise UsageError("GITHUB_EVENT_PATH", f"{path}: nested too deeply to be an event", "Check the file") from None


def _write(result: GateResult, io: IO) -> None:
    """Write the read's notes, the annotations, the job summary, the step outputs and the one-line verdict."""
    write_note_lines(result.notes, io.err)
    io.out.writelines(line + "\n" for line in result.annotations)
    kept = result.status_issue
    if kept is not None and kept.number is not None:
        said = str(kept.step)
        if kept.step is issue.Step.CLOSED:
            said += ", so not updated: reopen it to have it kept"
        others = f" (also carrying its marker: {', '.join(f'#{n}' for n in kept.others)})" if kept.others else ""
        io.out.write(f"release-gate: status issue #{kept.number}: {said}{others}\n")
    for variable, text in (("GITHUB_STEP_SUMMARY", result.report), ("GITHUB_OUTPUT", result.outputs)):
        if io.env.get(variable):
            with Path(io.env[variable]).open("a", encoding="utf-8") as handle:
                handle.write(text)
    io.out.write(f"release-gate: {result.verdict}: {len(result.decisions)} PR(s), {len(result.held)} held\n")
