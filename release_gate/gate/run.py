"""One run of the merge gate: event -> reads -> decisions -> statuses, as a library call.

`run` takes what the run needs, already read (the event, the repository, the options,
a `GitHubGateClient` and a way to get a state provider),
and returns a `GateResult`: the decisions, the verdict, the job summary, the step
outputs and the answer. It reads no argv or environment, prints nothing and never exits;
``release-gate gate`` (release_gate/cli/gate.py) does those around it.

Failing closed: a PR whose labels, plan or state cannot be read, or whose decision crashes,
still gets ``error`` (``failure`` in a merge group) posted, and the answer is unknown.

With ``status_issue``, a sweep also keeps the plan's status issue up to date
(`release_gate.gate.issue`), once the statuses are posted. When the issues cannot be listed,
nothing is created (that would make a second issue): the run says why and its answer is
unknown, as when a status cannot be posted.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from release_gate import pipeline
from release_gate._version import __version__
from release_gate.errors import InputError, ReleaseGateError, StateUnavailableError
from release_gate.evaluate import Answer, Evaluation
from release_gate.gate import issue
from release_gate.gate.actions import annotation_lines, outputs, summary
from release_gate.gate.decide import Decision, Event, EventKind, Override, decide, unavailable
from release_gate.plan.model import ItemRef
from release_gate.plan.reader import parse_plan
from release_gate.report import links
from release_gate.sources.github import GitHubGateClient, OpenPull
from release_gate.state import StateProvider

__all__ = ["GateInputs", "GateMode", "GateResult", "GateVerdict", "run"]


class GateMode(enum.StrEnum):
    """What the run does with its decisions."""

    STATUS = "status"
    """Post a commit status per PR; the run passes unless something could not be read."""
    CHECK = "check"
    """Post nothing; the run fails (the answer is blocked) when a PR is held."""


class GateVerdict(enum.StrEnum):
    """The run's one-word verdict (the ``verdict`` step output)."""

    CLEAR = "clear"
    HELD = "held"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class GateInputs:
    """What a gate run answers, and how."""

    repository: str
    """The gated repository, ``OWNER/NAME``."""
    event: Event
    """The event, read with `parse_event` from its name and payload."""
    plan_path: str = ".github/release-plan.toml"
    plan_repo: str = ""
    """The repository holding the plan (default: `repository`); it is read from its default branch."""
    mode: GateMode = GateMode.STATUS
    context: str = "release-gate"
    """The commit status context."""
    override_label: str = "release-gate/override"
    run_url: str = ""
    """The run the statuses link to."""
    status_issue: bool = False
    """On a sweep, keep the plan's status issue up to date (`release_gate.gate.issue`; needs ``issues: write``)."""
    server: str = links.GITHUB
    """The GitHub server the reports link to (`links.server_of` of the API URL)."""


@dataclass(frozen=True, slots=True)
class GateResult:
    """What a gate run decided and did."""

    decisions: tuple[Decision, ...]
    verdict: GateVerdict
    answer: Answer
    """Unknown when anything could not be read or decided; blocked when a PR is held in check mode; else clear."""
    evaluation: Evaluation | None
    """The plan's evaluation; ``None`` when the plan or the state could not be read, or no PR needed it."""
    failure: ReleaseGateError | None
    """Why there is no evaluation: an `InputError` for an invalid plan."""
    problems: tuple[str, ...]
    """Everything that went wrong, each once, in order."""
    undecided: tuple[str, ...]
    """The PRs (labels) the state could not tell held or free, though everything was read."""
    notes: tuple[str, ...]
    """What the state read noted."""
    report: str
    """The job summary (Markdown)."""
    outputs: str
    """The step outputs, in GITHUB_OUTPUT's format."""
    bugs: tuple[Exception, ...] = ()
    """Internal errors met on the way; every PR still got its status. The caller reports them (exit 4)."""
    status_issue: issue.Update | None = None
    """What was done to the plan's status issue (its number once created); ``None`` when it was not looked at."""

    @property
    def held(self) -> tuple[str, ...]:
        """The held PRs' labels."""
        return tuple(d.label for d in self.decisions if d.held)

    @property
    def annotations(self) -> tuple[str, ...]:
        """The workflow command lines that annotate the run, one per PR."""
        return tuple(annotation_lines(self.decisions))


@dataclass(frozen=True, slots=True)
class _Judged:
    """One PR's decision, the commit it goes on, and why it could not be decided ("" when it could)."""

    sha: str
    decision: Decision
    problem: str = ""


@dataclass(frozen=True, slots=True)
class _Run:
    """One run's inputs and client, and the bugs met so far (raised by the caller once the statuses are out)."""

    inputs: GateInputs
    client: GitHubGateClient
    bugs: list[Exception] = field(default_factory=list)

    @property
    def merge_group(self) -> bool:
        return self.inputs.event.kind is EventKind.MERGE_GROUP

    def bug(self, exc: Exception) -> str:
        """Keep *exc*; return what the PR's report says meanwhile."""
        self.bugs.append(exc)
        return f"internal error in release-gate {__version__}: {type(exc).__name__}: {exc}"


def run(inputs: GateInputs, client: GitHubGateClient, provider: Callable[[], StateProvider]) -> GateResult:
    """Judge the event's PRs and (in status mode) post each its commit status; return what was decided.

    *provider* is called, once, only when some PR needs the plan's state. Raises
    `StateUnavailableError` when a sweep cannot list the open PRs
    (there is nothing to post on); every other failure is in the result.
    """
    gate = _Run(inputs, client)
    targets = _targets(gate)
    evaluation: Evaluation | None = None
    failure: ReleaseGateError | None = None
    notes: tuple[str, ...] = ()
    if not targets or any(pull.labels is not None for pull, _ in targets):  # else no PR needs the plan
        evaluation, failure, notes = _evaluate(gate, provider)
    judged = [_judge_guarded(gate, pull, problem, evaluation, failure) for pull, problem in targets]
    problems = [str(failure)] if failure is not None else []  # also when there is no PR to give error
    problems += [j.problem for j in judged if j.problem]
    if inputs.mode is GateMode.STATUS:
        for item in judged:
            problems += _post(gate, item)
    kept, issue_problems = _status_issue(gate, evaluation)
    problems += issue_problems
    return _result(gate, judged, evaluation, failure, tuple(dict.fromkeys(problems)), notes, kept)


def _targets(gate: _Run) -> list[tuple[OpenPull, str]]:
    """Return the PRs to judge, each with why its labels could not be read ("" when they could).

    A sweep whose listing of open PRs fails has nothing to post on: that raises (exit 3).
    A PR event names the head to post on, so a PR whose labels cannot be read is still judged
    (``error``), never left with whatever status it had.
    """
    event, slug = gate.inputs.event, gate.inputs.repository
    if event.kind is EventKind.SWEEP:
        return [
            (pull, "" if pull.labels is not None else f"GitHub listed #{pull.number} without labels of the known shape")
            for pull in gate.client.open_pulls(slug)
        ]
    assert event.number is not None
    try:
        return [(OpenPull(event.number, event.sha, gate.client.labels(slug, event.number)), "")]
    except StateUnavailableError as exc:
        return [(OpenPull(event.number, event.sha, None), str(exc))]
    except Exception as exc:  # noqa: BLE001 - a bug: the PR still gets error, then it is reported
        return [(OpenPull(event.number, event.sha, None), gate.bug(exc))]


def _evaluate(
    gate: _Run, provider: Callable[[], StateProvider]
) -> tuple[Evaluation | None, ReleaseGateError | None, tuple[str, ...]]:
    """Read the plan from the plan repo's default branch and evaluate it: the evaluation or why not, and notes."""
    notes: tuple[str, ...] = ()
    try:
        text, where = gate.client.plan_text(gate.inputs.plan_repo or gate.inputs.repository, gate.inputs.plan_path)
        reading = pipeline.read(parse_plan(text, path=where), provider())
        notes = reading.state.stats.notes if reading.state.stats else ()
        return reading.evaluate(), None, notes
    except (InputError, StateUnavailableError) as exc:
        return None, exc, notes
    except Exception as exc:  # noqa: BLE001 - a bug: every PR still gets error, then it is reported
        return None, StateUnavailableError("release-gate", gate.bug(exc)), notes


def _judge_guarded(
    gate: _Run, pull: OpenPull, problem: str, evaluation: Evaluation | None, failure: Exception | None
) -> _Judged:
    """Decide one PR; should deciding crash (a bug), the PR still gets ``error``."""
    try:
        return _judge(gate, pull, problem, evaluation, failure)
    except Exception as exc:  # noqa: BLE001 - a bug: the PR still gets error, then it is reported
        why = gate.bug(exc)
        ref = ItemRef(gate.inputs.repository, pull.number)
        decision = unavailable(ref, f"#{pull.number}", "internal error", why, merge_group=gate.merge_group)
        return _Judged(pull.sha, decision, why)


def _judge(
    gate: _Run, pull: OpenPull, problem: str, evaluation: Evaluation | None, failure: Exception | None
) -> _Judged:
    """Decide one PR; when anything it depends on cannot be read, the decision is ``unavailable`` (fail closed)."""
    ref = ItemRef(gate.inputs.repository, pull.number)
    merge_group = gate.merge_group
    if pull.labels is None:
        detail = f"#{pull.number}: its labels could not be read: {problem}"
        decision = unavailable(ref, f"#{pull.number}", "the PR could not be read", detail, merge_group=merge_group)
        return _Judged(pull.sha, decision, problem)
    if evaluation is None:
        what = "the plan is invalid" if isinstance(failure, InputError) else "the state could not be read"
        decision = unavailable(ref, f"#{pull.number}", what, str(failure), merge_group=merge_group)
        return _Judged(pull.sha, decision, str(failure))
    verdict = evaluation.pr(ref)
    label = gate.inputs.override_label
    override = None
    if label in pull.labels and verdict.answer is Answer.BLOCKED:
        try:
            override = _override(gate, pull.number)
        except StateUnavailableError as exc:
            detail = f"{verdict.label}: cannot tell who added the {label} label, or whether they may: {exc}"
            what = f"could not check the {label} label"
            return _Judged(pull.sha, unavailable(ref, verdict.label, what, detail, merge_group=merge_group), str(exc))
    return _Judged(pull.sha, decide(evaluation, ref, merge_group=merge_group, override=override))


def _override(gate: _Run, number: int) -> Override:
    """Return the override label on PR *number*: who added it last, when, and their permission."""
    slug, label = gate.inputs.repository, gate.inputs.override_label
    added = gate.client.label_added(slug, number, label)
    by, at = added or ("someone", None)
    return Override(label, by, at, gate.client.permission(slug, by) if added else "none")


def _post(gate: _Run, judged: _Judged) -> list[str]:
    """Post the decision on its commit unless the same status is there already; return what went wrong.

    The current status is read only to avoid posting the same one twice: when that read
    fails, the status is posted anyway.
    """
    slug, context = gate.inputs.repository, gate.inputs.context
    problems = []
    state, description = str(judged.decision.state), judged.decision.description
    try:
        current = gate.client.status(slug, judged.sha, context)
    except StateUnavailableError as exc:
        current = None
        problems.append(f"{exc} (the status is posted without that check)")
    if current != (state, description):
        try:
            gate.client.post_status(
                slug, judged.sha, state=state, description=description, context=context, target_url=gate.inputs.run_url
            )
        except StateUnavailableError as exc:
            problems.append(str(exc))
    return problems


def _status_issue(gate: _Run, evaluation: Evaluation | None) -> tuple[issue.Update | None, list[str]]:
    """On a sweep asked to, bring the plan's status issue up to date; return what was done and what went wrong.

    Without an evaluation (the plan or the state could not be read) the issue is left as it
    was: the run fails and says why. When the issues cannot be listed, none is created.
    """
    inputs = gate.inputs
    if not inputs.status_issue or inputs.event.kind is not EventKind.SWEEP or evaluation is None:
        return None, []
    slug = inputs.repository
    mark = issue.marker(inputs.plan_repo or slug, inputs.plan_path)
    title = issue.title(evaluation)
    body = issue.body(evaluation, mark=mark, repository=slug, server=inputs.server)
    try:
        found = gate.client.labelled_issues(slug, issue.LABEL)
    except StateUnavailableError as exc:
        return None, [f"{exc} The status issue is left as it was; none is created, lest it be a second one."]
    except Exception as exc:  # noqa: BLE001 - a bug: the statuses are out; it is reported
        return None, [gate.bug(exc)]
    update = issue.decide(found, mark, title, body)
    try:
        if update.step is issue.Step.CREATE:
            made = gate.client.create_issue(slug, title=title, body=body, labels=(issue.LABEL,))
            update = replace(update, number=made.number)
            if issue.LABEL not in made.labels:
                lost = (
                    f"GitHub made the status issue {slug}#{made.number} without its label {issue.LABEL}, so the "
                    f"next sweep would not find it and would make another: add the label to #{made.number}"
                )
                return update, [lost]
        elif update.step is issue.Step.EDIT:
            assert update.number is not None
            gate.client.edit_issue(slug, update.number, title=title, body=body)
    except StateUnavailableError as exc:
        return None, [str(exc)]
    except Exception as exc:  # noqa: BLE001 - a bug: the statuses are out; it is reported
        return None, [gate.bug(exc)]
    return update, []


def _result(  # noqa: PLR0917 - private, one call site
    gate: _Run,
    judged: list[_Judged],
    evaluation: Evaluation | None,
    failure: ReleaseGateError | None,
    problems: tuple[str, ...],
    notes: tuple[str, ...],
    kept: issue.Update | None = None,
) -> GateResult:
    """Sum the run up: the verdict, the answer, the job summary and the step outputs."""
    decisions = tuple(j.decision for j in judged)
    held = [d.label for d in decisions if d.held]
    undecided = tuple(j.decision.label for j in judged if j.decision.unknown and not j.problem)
    verdict = GateVerdict.ERROR if problems or undecided else GateVerdict.HELD if held else GateVerdict.CLEAR
    if problems or undecided:  # fail closed in both modes: a PR whose verdict is unknown never passes
        answer = Answer.UNKNOWN
    else:
        answer = Answer.BLOCKED if gate.inputs.mode is GateMode.CHECK and held else Answer.CLEAR
    shown = "" if kept is None or kept.number is None else f"{gate.inputs.repository}#{kept.number} ({kept.step})"
    report = summary(evaluation, decisions, note="\n\n".join(problems), server=gate.inputs.server, issue=shown)
    return GateResult(
        decisions=decisions,
        verdict=verdict,
        answer=answer,
        evaluation=evaluation,
        failure=failure,
        problems=problems,
        undecided=undecided,
        notes=notes,
        report=report,
        outputs=outputs(str(verdict), held, report),
        bugs=tuple(gate.bugs),
        status_issue=kept,
    )
