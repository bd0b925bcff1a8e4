"""The terminal report: tables, chains, colour and the explain views."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pytest

from release_gate import Answer, Evaluation, SnapshotStateProvider, check, parse_ref
from release_gate.report import text

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


# -- the width ------------------------------------------------------------------------------------

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def _short(example: Evaluation) -> Evaluation:
    """Return the example with a short state source, so that no word is wider than the narrowest layout."""
    return replace(example, source="snapshot jupyterhub-2018-08-09.state.json")


def _views(evaluation: Evaluation, width: int | None, *, color: bool = False) -> dict[str, str]:
    """Every text view of *evaluation* in *width* columns, by name."""
    views = {
        "check": text.render(evaluation, width=width, color=color),
        "check -v": text.render(evaluation, width=width, color=color, verbose=True),
        "next": text.render_next(evaluation, width=width),
    }
    views |= {r.id: text.render_release(evaluation, r.id, width=width, color=color) for r in evaluation.releases}
    views |= {h.id: text.render_hold(evaluation, h.id, width=width, color=color) for h in evaluation.holds}
    prs = [pr.ref for hold in evaluation.holds for pr in hold.prs]
    views |= {str(ref): text.render_pr(evaluation, evaluation.pr(ref), width=width, color=color) for ref in prs}
    return views


@pytest.mark.parametrize("width", [50, 60, 80, 100, 120])
def test_no_line_is_wider_than_asked(example: Evaluation, width: int) -> None:
    """Every view of the example fits the width asked for, down to 50 columns (then its longest words overflow)."""
    for name, shown in _views(_short(example), width).items():
        assert [line for line in shown.splitlines() if len(line) > width] == [], name


def test_without_a_width_each_item_keeps_its_line(example: Evaluation) -> None:
    """A library caller that gives no width gets one line per item, as before (145 columns for the releases)."""
    shown = text.render(example)
    assert "  chart           jupyterhub/zero-to-jupyterhub-k8s >=0.7.0-beta.1 (pre)  blocked             2" in shown
    assert max(len(line) for line in shown.splitlines()) == 145


def test_wrapping_only_moves_words(example: Evaluation) -> None:
    """Wrapped or not, a view holds the same words in the same order: nothing is cut, broken or added."""
    wide, narrow = _views(_short(example), None), _views(_short(example), 60)
    for name, shown in narrow.items():
        words = shown.split()
        if name.startswith("check"):  # the releases table becomes key: value lines below 100 columns
            words = [w for w in words if w not in ("wants:", "status:", "wave:", "deadline:")]
            words = [w for w in words if w not in ("RELEASE", "WANTS", "STATUS", "WAVE", "DEADLINE")]
            assert sorted(words) == sorted(
                w for w in wide[name].split() if w not in ("RELEASE", "WANTS", "STATUS", "WAVE", "DEADLINE")
            ), name
        else:
            assert words == wide[name].split(), name


def test_colour_only_adds_escapes_when_wrapped(example: Evaluation) -> None:
    """Wrapped with colour, each view is the wrapped plain view plus escape sequences."""
    plain, coloured = _views(example, 70), _views(example, 70, color=True)
    for name, shown in coloured.items():
        assert ANSI.sub("", shown) == plain[name], name


def test_releases_at_100_columns_keep_their_table_with_the_deadline_below(example: Evaluation) -> None:
    """At 100 columns the releases stay a table; the deadline goes on a line of its own under each row."""
    shown = text.render(example, width=100)
    assert (
        "  RELEASE         WANTS                                                   STATUS              WAVE\n"
        "  kubespawner     jupyterhub/kubespawner >=0.9.0b1 (pre)                  blocked             1\n"
        "                  deadline: jupytercon 2018-08-23: 14 days left, on track\n"
    ) in shown
    assert (
        "  batchspawner    jupyterhub/batchspawner >=0.9.0b1 (pre)                 blocked (proposed)  1\n\n" in shown
    )


def test_releases_at_80_columns_keep_status_and_wave_in_the_table(example: Evaluation) -> None:
    """At 80 columns the table keeps release, status and wave; what it wants and its deadline go below."""
    shown = text.render(example, width=80)
    assert (
        "  RELEASE         STATUS              WAVE\n"
        "  kubespawner     blocked             1\n"
        "                  wants: jupyterhub/kubespawner >=0.9.0b1 (pre)\n"
        "                  deadline: jupytercon 2018-08-23: 14 days left, on track\n"
    ) in shown


def test_releases_at_40_columns_are_key_value_blocks(example: Evaluation) -> None:
    """Too narrow for any table, each release is a block of key: value lines, wrapped under the value."""
    shown = text.render(example, width=40)
    assert (
        "  chart\n"
        "    wants:    jupyterhub/zero-to-jupyterhub-k8s\n"
        "              >=0.7.0-beta.1 (pre)\n"
        "    status:   blocked\n"
        "    wave:     2\n"
        "    deadline: jupytercon 2018-08-23: 14\n"
        "              days left, on track\n"
    ) in shown


def test_a_held_prs_detail_wraps_under_its_column(example: Evaluation) -> None:
    """A held PR's detail wraps onto continuation lines aligned under the detail column."""
    shown = text.render(example, width=100)
    assert (
        "    kubespawner#205  held  open, split into parts: the parts still to come wait too; waits for\n"
        "                           kubespawner >=0.9.0b1\n"
    ) in shown


def test_a_reason_chain_wraps_under_its_marker(example: Evaluation) -> None:
    """A long reason wraps with a hanging indent under the text after its marker, above its own causes."""
    shown = text.render(example, width=100)
    assert (
        "    <- pins kubespawner >=0.9.0b1 (images/hub/requirements.txt): pins jupyterhub-kubespawner from\n"
        "       git 7ae9900; the plan needs >=0.9.0b1 released\n"
        "       <- needs kubespawner#230 merged: open\n"
    ) in shown


def test_a_long_word_is_never_broken(example: Evaluation) -> None:
    """A URL longer than the line stays whole on a line of its own; the words around it still wrap."""
    url = "https://github.com/jupyterhub/zero-to-jupyterhub-k8s/issues/758#issuecomment-412345678901234567890"
    hold = example.holds[0]
    long = replace(hold, hold=replace(hold.hold, reason=f"Release first: see {url} for the discussion."))
    shown = text.render(replace(example, holds=(long, *example.holds[1:])), width=60)
    assert f"    why: Release first: see\n         {url}\n         for the discussion.\n" in shown


def test_a_time_stays_on_one_line() -> None:
    """A date and its time (``2024-02-01 12:00 UTC``) are never split across lines; the line breaks before them."""
    evaluation = _scenario("violated-hold")
    for width in range(50, 101):
        for name, shown in _views(evaluation, width).items():
            assert not re.search(r"\d{4}-\d\d-\d\d *\n *(\d\d:\d\d|UTC)", shown), (width, name)
            assert all(len(line) <= width for line in shown.splitlines()), (width, name)
    assert "came out later\n                      (2024-02-01 12:00 UTC)\n" in text.render(evaluation, width=100)


def test_a_continuation_line_never_starts_with_colons(example: Evaluation) -> None:
    """Outside text that wraps never starts a line with ``::`` (the Actions runner would take it as a command)."""
    hold = example.holds[0]
    hostile = replace(hold, hold=replace(hold.hold, reason="Release first " + "::warning::spoofed " * 12))
    evaluation = replace(example, holds=(hostile, *example.holds[1:]))
    for width in range(40, 101):
        shown = text.render(evaluation, width=width) + text.render_hold(evaluation, hold.id, width=width)
        assert [line for line in shown.splitlines() if line.lstrip().startswith(":")] == [], width
    assert "spoofed ::warning::spoofed" in text.render(evaluation, width=40)


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
