"""The founding plan with conda-forge and the hub image: offline from its snapshot, live against the fakes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from release_gate import SnapshotStateProvider, check
from tests import record_conda_images as example
from tests.conftest import Run

PLAN, SNAPSHOT = example.PLAN, example.SNAPSHOT
BEFORE_IMAGE = dt.datetime(2018, 8, 19, 14, 40, tzinfo=dt.UTC)
"""The chart is in the index (14:20), its hub image not pushed yet (15:00)."""
AFTER_IMAGE = dt.datetime(2018, 8, 19, 15, 30, tzinfo=dt.UTC)

R, T, U, B, X = "released", "tagged", "unblocked", "blocked", "unknown"
EXPECTED: dict[dt.datetime | None, tuple[int, dict[str, str]]] = {
    # As of the meeting: the founding plan's verdicts; the conda build waits for the PyPI release;
    # conda-forge has no oauthenticator or kubespawner package (proposed, so the answer is not unknown).
    None: (1, {"kubespawner": B, "oauthenticator": U, "jupyterhub": U, "chart": B, "batchspawner": B,
               "jupyterhub-conda": B, "oauthenticator-conda": X, "kubespawner-conda": X}),
    BEFORE_IMAGE: (1, {"kubespawner": R, "oauthenticator": R, "jupyterhub": R, "chart": T, "batchspawner": B,
                       "jupyterhub-conda": R, "oauthenticator-conda": X, "kubespawner-conda": X}),
    AFTER_IMAGE: (0, {"kubespawner": R, "oauthenticator": R, "jupyterhub": R, "chart": R, "batchspawner": B,
                      "jupyterhub-conda": R, "oauthenticator-conda": X, "kubespawner-conda": X}),
    example.TAKEN: (0, {"kubespawner": R, "oauthenticator": R, "jupyterhub": R, "chart": R, "batchspawner": B,
                        "jupyterhub-conda": R, "oauthenticator-conda": X, "kubespawner-conda": X}),
}  # fmt: skip
"""Per moment (``None``: the snapshot's own, the meeting): the exit code of `check` and each release's status."""
MOMENTS = list(EXPECTED)
IDS = ["meeting", "chart-before-image", "chart-after-image", "taken"]


def _as_of(moment: dt.datetime | None) -> tuple[str, ...]:
    return () if moment is None else ("--as-of", moment.strftime("%Y-%m-%dT%H:%MZ"))


def _statuses(evaluation: Any) -> dict[str, str]:
    return {verdict.id: verdict.status.value for verdict in evaluation.releases}


@pytest.mark.parametrize("moment", MOMENTS, ids=IDS)
def test_the_example_evaluates_offline_from_its_snapshot(
    moment: dt.datetime | None, run_cli: Callable[..., Run]
) -> None:
    """`check --snapshot` gives each release's expected status and the exit code, with no network."""
    code, statuses = EXPECTED[moment]
    run = run_cli("check", str(PLAN), "--snapshot", str(SNAPSHOT), "--format", "json", *_as_of(moment))
    assert (run.code, run.err) == (code, "")
    assert {r["id"]: r["status"] for r in json.loads(run.out)["releases"]} == statuses


def test_the_chart_counts_only_once_its_image_is_pushed(run_cli: Callable[..., Run]) -> None:
    """Between the chart entering the index and the image's push the chart is tagged, saying which image to push."""
    before = run_cli("check", str(PLAN), "--snapshot", str(SNAPSHOT), "--format", "json", *_as_of(BEFORE_IMAGE))
    after = run_cli("check", str(PLAN), "--snapshot", str(SNAPSHOT), "--format", "json", *_as_of(AFTER_IMAGE))
    chart = next(r for r in json.loads(before.out)["releases"] if r["id"] == "chart")
    assert chart["released"] is None
    assert [r["action"] for r in chart["reasons"] if r["action"]] == ["push jupyterhub/k8s-hub:v0.7.0-beta.1"]
    assert "jupyterhub/k8s-hub:v0.7.0-beta.1 was not pushed yet (pushed 2018-08-19 15:00 UTC)" in before.out
    released = next(r for r in json.loads(after.out)["releases"] if r["id"] == "chart")["released"]
    assert (released["version"], released["source"], released["date"]) == (
        "0.7.0-beta.1",
        "helm",
        "2018-08-19T14:20:00Z",
    )


def test_the_conda_release_is_decided_by_conda_forge(run_cli: Callable[..., Run]) -> None:
    """jupyterhub-conda is out at 0.9.2 once the last of its three platforms is uploaded, not at PyPI's time."""
    run = run_cli("check", str(PLAN), "--snapshot", str(SNAPSHOT), "--format", "json", *_as_of(example.TAKEN))
    conda = next(r for r in json.loads(run.out)["releases"] if r["id"] == "jupyterhub-conda")
    released = conda["released"]
    assert (released["version"], released["source"], released["date"]) == ("0.9.2", "conda", "2018-08-11T15:12:00Z")
    proposed = next(r for r in json.loads(run.out)["releases"] if r["id"] == "oauthenticator-conda")
    assert "has no package 'oauthenticator'" in proposed["reasons"][0]["detail"]


@pytest.mark.parametrize("moment", [None, example.TAKEN], ids=["meeting", "taken"])
def test_the_founding_releases_keep_their_verdicts(moment: dt.datetime | None) -> None:
    """The five founding releases have exactly the founding example's verdicts and reasons, at both moments."""
    extended = check(PLAN, SnapshotStateProvider(SNAPSHOT), as_of=moment)
    founding = check(
        example.ROOT / "config" / "jupyterhub-2018.toml", SnapshotStateProvider(example.FOUNDING_STATE), as_of=moment
    )
    ids = [r.id for r in founding.releases]
    assert [(r.id, r.status, r.reasons) for r in extended.releases if r.id in ids and r.id != "chart"] == [
        (r.id, r.status, r.reasons) for r in founding.releases if r.id != "chart"
    ]
    assert extended.release("chart").status is founding.release("chart").status  # the image was pushed by then


def test_the_snapshot_is_what_the_recording_script_writes(github_schema: Any) -> None:
    """Recording again against the fakes (tests/record_conda_images.py) writes the committed snapshot byte for byte."""
    assert example.record(github_schema) == SNAPSHOT.read_text(encoding="utf-8")


@pytest.mark.parametrize("moment", MOMENTS, ids=IDS)
def test_live_against_the_fakes_gives_the_snapshots_verdicts(moment: dt.datetime | None, github_schema: Any) -> None:
    """Read live from fake GitHub, PyPI, Helm, conda-forge and Docker Hub over HTTP: the snapshot's verdicts."""
    offline = check(PLAN, SnapshotStateProvider(SNAPSHOT), as_of=moment)
    with example.fakes(github_schema) as fakes:
        live = check(fakes.plan(), fakes.provider(), as_of=moment or example.MEETING)
        heads = [r for r in fakes.oci.requests if r.method == "HEAD"]
        conda = [r.path for r in fakes.registries.requests if r.path.startswith("/conda/")]
    assert fakes.github.invalid_queries == []
    assert _statuses(live) == _statuses(offline) == EXPECTED[moment][1]
    assert [(r.id, r.released) for r in live.releases] == [(r.id, r.released) for r in offline.releases]
    same = [r.id for r in offline.releases if not r.id.endswith("-conda")]  # the conda ones name the API's URL
    assert [(r.id, r.reasons) for r in live.releases if r.id in same] == [
        (r.id, r.reasons) for r in offline.releases if r.id in same
    ]
    assert heads
    assert fakes.oci.manifest_gets() == []  # a HEAD, never a pull
    assert sorted(conda) == [
        f"/conda/package/conda-forge/{n}" for n in ("jupyterhub", "jupyterhub-kubespawner", "oauthenticator")
    ]
    assert live.answer() is offline.answer()


@pytest.mark.parametrize(("form", "link"), [("markdown", "([image tag page]({url}))"), ("html", '<a href="{url}">')])
def test_reports_link_the_image_a_release_waits_for(
    form: str, link: str, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    """The HTML and Markdown reports link the missing image's tag page on Docker Hub beside its reason."""
    url = "https://hub.docker.com/r/jupyterhub/k8s-hub/tags?name=v0.7.0-beta.1"
    pages = []
    for moment in (BEFORE_IMAGE, None):
        out = tmp_path / f"report-{moment is None}.{form}"
        run = run_cli(
            "report", str(PLAN), "--snapshot", str(SNAPSHOT), "--format", form, "-o", str(out), *_as_of(moment)
        )
        assert run.code in (0, 1), run.err
        pages.append(out.read_text(encoding="utf-8"))
    before, meeting = pages
    assert link.format(url=url) in before
    assert url not in meeting  # as of the meeting the chart is not in the index: no image reason, no link
