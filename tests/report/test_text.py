"""The terminal report: tables, chains, colour and the explain views."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

from release_gate import Answer, Evaluation, SnapshotStateProvider, check, parse_ref
from release_gate.report import text

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_plain_text_has_no_escapes(example: Evaluation) -> None:
    """Without colour the report holds no ANSI escape sequences."""
    assert not ANSI.search(text.render(example, color=False))


def test_colour_only_adds_escapes(example: Evaluation) -> None:
    """With colour the report is the plain report plus escape sequences, and blocked is red."""
    coloured = text.render(example, color=True)
    assert ANSI.sub("", coloured) == text.render(example, color=False)
    assert "\x1b[31mblocked" in coloured


def test_chain_reaches_the_root_cause(example: Evaluation) -> None:
    """The chart's chain goes through kubespawner down to the open PRs, indented one level deeper."""
    out = text.render(example)
    assert (
        "    <- after kubespawner >=0.9.0b1: not released (blocked)\n       <- needs kubespawner#230 merged: open"
        in out
    )


def test_verbose_lists_met_conditions_and_tags(example: Evaluation) -> None:
    """Verbose output shows every tag looked at and why it was rejected."""
    out = text.render(example, verbose=True)
    assert "tag 0.9.1: rejected, outside >0.9.1" in out
    assert "PyPI 0.9.1: rejected, outside >0.9.1" in out
    assert "tag v0.5-doc (0.5-doc): rejected, development build" in out


def test_explain_release_lists_next_actions(example: Evaluation) -> None:
    """Explaining a blocked release ends with the next actions for its root causes."""
    out = text.render_release(example, "chart")
    assert out.startswith("release chart: jupyterhub/zero-to-jupyterhub-k8s >=0.7.0-beta.1, accepts pre versions")
    assert "    next: merge kubespawner#230\n" in out
    assert "    next: release jupyterhub >0.9.1\n" in out


def test_explain_hold_names_its_releases(example: Evaluation) -> None:
    """Explaining a hold names the release it waits for and how that release stands."""
    out = text.render_hold(example, "z2jh-big-prs")
    assert "until chart >=0.7.0-beta.1: blocked, 6 preconditions unmet" in out
    assert "z2jh#758" in out


def test_explain_pr_says_whether_it_may_merge(example: Evaluation) -> None:
    """Explaining a PR says whether it may merge and which releases need it."""
    held = text.render_pr(example, example.pr(parse_ref(example.plan, "kubespawner#205")))
    needed = text.render_pr(example, example.pr(parse_ref(example.plan, "kubespawner#230")))
    assert held.startswith("kubespawner#205: blocked, held: must not merge yet")
    assert needed == "kubespawner#230: clear, not held by the plan\n  needed by release kubespawner (blocked)\n"


def test_explain_lists_next_actions_in_rank_order(example: Evaluation) -> None:
    """Explaining a release lists the plan's next actions for it in the order the whole report ranks them."""
    shown = text.render_release(example, "chart")
    nexts = [line.removeprefix("    next: ") for line in shown.splitlines() if line.startswith("    next: ")]
    assert nexts == [a.text for a in example.actions if "chart" in a.unblocks]
    assert nexts == [
        "merge kubespawner#230",
        "merge kubespawner#232",
        "release jupyterhub >0.9.1",
        "release oauthenticator >0.7.3",
        "pin a released jupyterhub >0.9.1 in images/hub/requirements.txt",
        "pin a released oauthenticator >0.7.3 in images/hub/requirements.txt",
    ]


def _scenario(name: str, as_of: str | None = None) -> Evaluation:
    folder = SCENARIOS / name
    when = None if as_of is None else dt.datetime.fromisoformat(as_of)
    evaluation = check(folder / "plan.toml", SnapshotStateProvider(folder / "state.json"), as_of=when)
    return replace(evaluation, source="snapshot state.json")  # not the checkout's path: its length varies


def test_the_verdict_says_violated_when_only_a_hold_was_broken() -> None:
    """Every release out and a hold broken: the verdict line says violated, not blocked (the answer stays blocked)."""
    evaluation = _scenario("violated-hold")
    assert evaluation.answer() is Answer.BLOCKED
    assert text.render(evaluation).endswith("\nVerdict: violated: 1 released (lib); 1 PR violated (lib#10)\n")


def test_the_verdict_says_held_when_prs_wait_and_nothing_is_blocked() -> None:
    """A release that can be cut now and a PR waiting for it: the verdict line says held, not blocked."""
    evaluation = _scenario("as-of", "2018-06-15T13:00:00+00:00")
    assert evaluation.answer() is Answer.BLOCKED
    assert text.render(evaluation).endswith(
        "\nVerdict: held: 1 can ship now (jupyterhub); 1 PR held (jupyterhub#1900)\n"
    )


def test_the_verdict_says_blocked_when_a_release_is(example: Evaluation) -> None:
    """A planned release blocked: the verdict line says blocked, whatever the holds."""
    assert text.render(example).splitlines()[-1].startswith("Verdict: blocked: 2 can ship now")
