"""Reading plan files: load_plan, parse_plan and parse_ref."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from release_gate.errors import PlanError, PlanIssue
from release_gate.plan.model import Intent, ItemRef, Plan
from release_gate.plan.reader import load_plan, parse_plan, parse_ref
from release_gate.versions import Accept, Scheme

EXAMPLE_PLAN = Path(__file__).resolve().parent.parent / "config" / "jupyterhub-2018.toml"

BASE = """
[plan]
name = "test plan"

[repos.kubespawner]
github = "jupyterhub/kubespawner"

[repos.z2jh]
github = "jupyterhub/zero-to-jupyterhub-k8s"
scheme = "semver"
"""
"""Two repos (one pep440, one semver) and no releases: tests add what they need."""


def plan_text(extra: str = "") -> str:
    """Return the base plan followed by *extra* (dedented)."""
    return textwrap.dedent(BASE) + textwrap.dedent(extra)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """Return the 1-based line of the *occurrence*-th line of *text* containing *needle*."""
    hits = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def plan_issues(text: str) -> tuple[PlanIssue, ...]:
    """Parse *text*, which must fail, and return the issues of the PlanError."""
    with pytest.raises(PlanError) as info:
        parse_plan(text, path="plan.toml")
    assert info.value.path == "plan.toml"
    return info.value.issues


def only_issue(text: str) -> PlanIssue:
    """Parse *text*, which must fail with exactly one issue, and return it."""
    issues = plan_issues(text)
    assert len(issues) == 1, issues
    return issues[0]


@pytest.fixture(scope="module")
def example() -> Plan:
    """Return the example plan of the JupyterHub 2018 meeting."""
    return load_plan(EXAMPLE_PLAN)


# -- the example plan ----------------------------------------------------------------------


def test_example_has_five_repos_and_five_releases(example: Plan) -> None:
    """The example plan loads with its five repos and five releases, in file order."""
    assert [r.id for r in example.repos] == ["kubespawner", "oauthenticator", "jupyterhub", "z2jh", "batchspawner"]
    assert [r.id for r in example.releases] == ["kubespawner", "oauthenticator", "jupyterhub", "chart", "batchspawner"]
    assert example.name == "JupyterHub: release before JupyterCon 2018"
    assert example.path == str(EXAMPLE_PLAN)


def test_example_chart_release(example: Plan) -> None:
    """The chart release is in repo z2jh, uses semver and comes after the three Python releases."""
    chart = example.release("chart")
    assert chart.repo == "z2jh"
    assert example.repo("z2jh").scheme is Scheme.SEMVER
    assert example.repo("z2jh").slug == "jupyterhub/zero-to-jupyterhub-k8s"
    assert chart.requirement.scheme is Scheme.SEMVER
    assert chart.requirement.text == ">=0.7.0-beta.1"
    assert chart.after == ("kubespawner", "oauthenticator", "jupyterhub")


def test_example_short_refs_resolve_to_full_slugs(example: Plan) -> None:
    """Short refs such as kubespawner#232 resolve to the repo's full GitHub slug."""
    assert example.release("kubespawner").needs_prs == (
        ItemRef("jupyterhub/kubespawner", 230),
        ItemRef("jupyterhub/kubespawner", 232),
    )
    assert example.release("batchspawner").needs_prs == (ItemRef("jupyterhub/batchspawner", 112),)


def test_example_holds(example: Plan) -> None:
    """The example's holds carry their PRs, exceptions, releases, reason and owner."""
    big, chart = example.holds
    assert big.id == "kubespawner-big-prs"
    assert big.prs == (ItemRef("jupyterhub/kubespawner", 205),)
    assert big.exempt == tuple(ItemRef("jupyterhub/kubespawner", n) for n in (230, 231, 232))
    assert big.until == ("kubespawner",)
    assert big.owner == "consideRatio"
    assert big.reason.startswith("Release first")
    assert chart.id == "z2jh-big-prs"
    assert chart.prs == (ItemRef("jupyterhub/zero-to-jupyterhub-k8s", 758),)
    assert chart.until == ("chart",)
    assert chart.exempt == ()


def test_example_families(example: Plan) -> None:
    """The example's families are keyed by their parent PR and list their parts."""
    kube, z2jh = example.families
    assert kube.parent == ItemRef("jupyterhub/kubespawner", 205)
    assert kube.parts == tuple(ItemRef("jupyterhub/kubespawner", n) for n in (230, 231, 232))
    assert kube.discover is True
    assert z2jh.parent == ItemRef("jupyterhub/zero-to-jupyterhub-k8s", 758)
    assert z2jh.parts == ()
    assert z2jh.discover is True


def test_example_deadline_watch_and_status(example: Plan) -> None:
    """Deadline ids resolve to the deadline, watch refs resolve, and status proposed is read."""
    deadline = example.release("chart").deadline
    assert deadline is not None
    assert deadline.id == "jupytercon"
    assert deadline.date == dt.date(2018, 8, 23)
    assert deadline.warn_days == 7
    assert [w.ref for w in example.watch] == [
        ItemRef("jupyterhub/jupyterhub", 2043),
        ItemRef("jupyterhub/kubespawner", 223),
    ]
    assert example.release("batchspawner").intent is Intent.PROPOSED
    assert example.release("batchspawner").deadline is None


def test_full_refs_are_accepted() -> None:
    """A full OWNER/NAME#N ref works wherever a short ref does."""
    plan = parse_plan(
        plan_text("""
            [releases.kubespawner]
            version = ">=0.9"
            needs = { prs = ["jupyterhub/kubespawner#232", "other/repo#7"], issues = ["kubespawner#9"] }
        """)
    )
    release = plan.release("kubespawner")
    assert release.needs_prs == (ItemRef("jupyterhub/kubespawner", 232), ItemRef("other/repo", 7))
    assert release.needs_issues == (ItemRef("jupyterhub/kubespawner", 9),)


def test_defaults() -> None:
    """Omitted keys take their defaults: pep440, both tag patterns, repo = release id, planned, derived accept."""
    plan = parse_plan(
        textwrap.dedent("""
            [plan]
            name = "defaults"

            [repos.kubespawner]
            github = "jupyterhub/kubespawner"

            [releases.kubespawner]
            version = ">=0.9"
        """),
        path="defaults.toml",
    )
    repo = plan.repo("kubespawner")
    assert repo.scheme is Scheme.PEP440
    assert repo.tags == ("v{version}", "{version}")
    assert repo.pypi is None
    assert repo.helm is None
    release = plan.release("kubespawner")
    assert release.repo == "kubespawner"
    assert release.intent is Intent.PLANNED
    assert release.requirement.accept is Accept.FINAL
    assert release.after == ()
    assert release.needs_prs == ()
    assert release.deadline is None
    assert plan.path == "defaults.toml"
    assert plan.families == ()
    assert plan.holds == ()


@pytest.mark.parametrize(
    ("repo", "version", "accept_line", "expected"),
    [
        ("kubespawner", ">=0.9.0b1", "", Accept.PRE),
        ("kubespawner", ">0.9.1", "", Accept.FINAL),
        ("z2jh", ">=0.7.0-beta.1", "", Accept.PRE),
        ("z2jh", ">=0.7.0", "", Accept.FINAL),
        ("kubespawner", ">0.9.1", 'accept = "dev"', Accept.DEV),
        ("kubespawner", ">=0.9.0b1", 'accept = "final"', Accept.FINAL),
    ],
)
def test_accept_is_derived_unless_given(repo: str, version: str, accept_line: str, expected: Accept) -> None:
    """Accept is pre when the requirement names a pre-release, else final; an explicit accept wins."""
    plan = parse_plan(plan_text(f'[releases.r]\nrepo = "{repo}"\nversion = "{version}"\n{accept_line}\n'))
    assert plan.release("r").requirement.accept is expected


def test_deadline_may_be_a_date() -> None:
    """A release deadline written as a TOML date becomes a deadline of its own."""
    plan = parse_plan(plan_text('[releases.kubespawner]\nversion = ">1"\ndeadline = 2018-08-23\n'))
    deadline = plan.release("kubespawner").deadline
    assert deadline is not None
    assert deadline.date == dt.date(2018, 8, 23)
    assert deadline.id == "kubespawner deadline"


# -- files -------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    """A missing plan file is a PlanError naming the file, not an OSError."""
    missing = tmp_path / "nope.toml"
    with pytest.raises(PlanError) as info:
        load_plan(missing)
    assert info.value.path == str(missing)
    (issue,) = info.value.issues
    assert issue.key == ""
    assert "no such file" in issue.message
    assert str(missing) in str(info.value)


def test_directory_is_not_a_plan(tmp_path: Path) -> None:
    """A directory given as the plan is a PlanError saying it cannot be read."""
    with pytest.raises(PlanError) as info:
        load_plan(tmp_path)
    (issue,) = info.value.issues
    assert "cannot be read" in issue.message


def test_not_utf8(tmp_path: Path) -> None:
    """A plan file that is not UTF-8 is a PlanError saying so and where."""
    path = tmp_path / "latin1.toml"
    path.write_bytes('[plan]\nname = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(PlanError) as info:
        load_plan(path)
    (issue,) = info.value.issues
    assert "not UTF-8" in issue.message
    assert "byte 18" in issue.message


def test_load_plan_reads_a_file(tmp_path: Path) -> None:
    """load_plan reads a plan file from disk and records its path."""
    path = tmp_path / "plan.toml"
    path.write_text(plan_text('[releases.kubespawner]\nversion = ">1"\n'), encoding="utf-8")
    plan = load_plan(path)
    assert plan.path == str(path)
    assert plan.release("kubespawner").repo == "kubespawner"


def test_problems_in_a_file_name_the_file(tmp_path: Path) -> None:
    """Problems found in a loaded file are reported against that file's path."""
    path = tmp_path / "bad.toml"
    path.write_text(plan_text('[releases.kubespawner]\nversion = ">1"\nafter = ["ghost"]\n'), encoding="utf-8")
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert info.value.path == str(path)
    assert str(info.value).startswith(f"{path}: the plan has 1 problem:")


def test_toml_syntax_error() -> None:
    """A TOML syntax error names its line and column, and the issue carries the line."""
    text = '[plan]\nname = "x"\n\n[releases.kubespawner\nversion = ">1"\n'
    issue = only_issue(text)
    assert issue.key == ""
    assert issue.line == 4
    assert "is not valid TOML (line 4, column" in issue.message


# -- shape problems ------------------------------------------------------------------------------


def test_unknown_key_has_did_you_mean_hint() -> None:
    """An unknown key is reported with its path, line and the closest known key."""
    text = plan_text('[repos.chart]\ngithub = "o/chart"\nsceme = "semver"\n[releases.chart]\nversion = ">1"\n')
    issue = only_issue(text)
    assert issue.key == "repos.chart.sceme"
    assert issue.line == line_of(text, "sceme")
    assert "did you mean 'scheme'?" in issue.message


def test_wrong_type() -> None:
    """A value of the wrong type (after = "chart") is reported with the type wanted."""
    text = plan_text('[releases.kubespawner]\nversion = ">1"\nafter = "chart"\n')
    issue = only_issue(text)
    assert issue.key == "releases.kubespawner.after"
    assert issue.line == line_of(text, "after =")
    assert "must be a list, not a string" in issue.message


@pytest.mark.parametrize(
    ("extra", "key", "needle", "hint"),
    [
        ('[repos.x]\ngithub = "o/x"\nscheme = "semvar"\n', "repos.x.scheme", "semvar", "'semver'"),
        ('[releases.kubespawner]\nversion = ">1"\nstatus = "plannd"\n', "releases.kubespawner.status", "plannd", ""),
        ('[releases.kubespawner]\nversion = ">1"\naccept = "beta"\n', "releases.kubespawner.accept", "beta", ""),
    ],
)
def test_bad_enum_value(extra: str, key: str, needle: str, hint: str) -> None:
    """A value outside its choices is reported with the choices and, when close, a hint."""
    text = plan_text(extra if extra.startswith("[releases") else extra + '[releases.x]\nversion = ">1"\n')
    issue = only_issue(text)
    assert issue.key == key
    assert issue.line == line_of(text, needle)
    assert "must be one of" in issue.message
    assert f"not {needle!r}" in issue.message
    if hint:
        assert f"did you mean {hint}?" in issue.message


def test_all_problems_are_reported_at_once() -> None:
    """A plan with several different problems reports every one of them in one PlanError."""
    text = plan_text("""
        [repos.oauth]
        github = "jupyterhub/oauthenticator"
        sceme = "pep440"

        [releases.kubespawner]
        version = "=>0.9"
        after = ["chrat"]

        [releases.chart]
        repo = "z2jh"
        version = ">=0.7"
        status = "maybe"
        needs = { prs = ["kubespawner#abc"] }
        deadline = "jupytercon"

        [holds.big]
        prs = ["nowhere#5"]
        until = ["kubespawner"]
    """)
    issues = plan_issues(text)
    assert sorted(i.key for i in issues) == [
        "holds.big.prs[0]",
        "releases.chart.deadline",
        "releases.chart.needs.prs[0]",
        "releases.chart.status",
        "releases.chart.version",
        "releases.kubespawner.after[0]",
        "releases.kubespawner.version",
        "repos.oauth.sceme",
    ]
    assert all(issue.line is not None for issue in issues)


# -- repos ---------------------------------------------------------------------------------------


def test_duplicate_github_repo() -> None:
    """The same GitHub repo under two ids (any case) is reported on the second, naming the first."""
    text = plan_text('[repos.spawner]\ngithub = "JupyterHub/KubeSpawner"\n[releases.kubespawner]\nversion = ">1"\n')
    issue = only_issue(text)
    assert issue.key == "repos.spawner.github"
    assert issue.line == line_of(text, "KubeSpawner")
    assert "is already repos.kubespawner" in issue.message


def test_duplicate_github_repo_names_the_first_id() -> None:
    """Each later duplicate of a GitHub repo is pointed at the first id that has it."""
    text = plan_text("""
        [repos.spawner]
        github = "jupyterhub/kubespawner"
        [repos.kube]
        github = "jupyterhub/kubespawner"
        [releases.kubespawner]
        version = ">1"
    """)
    issues = plan_issues(text)
    assert [i.key for i in issues] == ["repos.spawner.github", "repos.kube.github"]
    for issue in issues:
        assert "is already repos.kubespawner" in issue.message, issue


def test_bad_github_slug() -> None:
    """A github value that is not OWNER/NAME is reported."""
    text = plan_text('[repos.x]\ngithub = "kubespawner"\n[releases.x]\nversion = ">1"\n')
    issue = only_issue(text)
    assert issue.key == "repos.x.github"
    assert "is not OWNER/NAME" in issue.message


@pytest.mark.parametrize("pattern", ["v", "{ver}", "v{version}-{version}", "{version}{"])
def test_tag_pattern_must_contain_version_once(pattern: str) -> None:
    """A tag pattern without exactly one {version} (and no other braces) is reported at its index."""
    text = plan_text(f'[repos.x]\ngithub = "o/x"\ntags = ["v{{version}}", "{pattern}"]\n[releases.x]\nversion = ">1"\n')
    issue = only_issue(text)
    assert issue.key == "repos.x.tags[1]"
    assert issue.line == line_of(text, "tags =")
    assert "must contain {version} exactly once" in issue.message


def test_unknown_repo_in_release() -> None:
    """A release whose repo key names no repo is reported with a did-you-mean hint."""
    text = plan_text('[releases.chart]\nrepo = "z2j"\nversion = ">=0.7.0"\n')
    issue = only_issue(text)
    assert issue.key == "releases.chart.repo"
    assert issue.line == line_of(text, 'repo = "z2j"')
    assert "no repo has the id 'z2j' (did you mean 'z2jh'?)" in issue.message


def test_release_without_repo_key_whose_id_is_no_repo() -> None:
    """A release without a repo key whose id is no repo id is reported, listing the repo ids."""
    text = plan_text('[releases.chart]\nversion = ">=0.7.0"\n')
    issue = only_issue(text)
    assert issue.key == "releases.chart"
    assert issue.line == line_of(text, "[releases.chart]")
    assert "has no 'repo' key" in issue.message
    assert "kubespawner, z2jh" in issue.message


def test_unknown_repo_does_not_hide_the_release_s_other_problems() -> None:
    """A release with an unknown repo still has its unknown 'after' and deadline reported."""
    text = plan_text("""
        [releases.chart]
        repo = "nope"
        version = ">=0.7.0"
        after = ["ghost"]
        deadline = "never"
    """)
    keys = sorted(i.key for i in plan_issues(text))
    assert keys == ["releases.chart.after[0]", "releases.chart.deadline", "releases.chart.repo"]


def test_dropped_repo_causes_no_follow_up_errors() -> None:
    """A repo entry dropped for a bad value is reported once; releases and refs using it are not."""
    text = plan_text("""
        [repos.oauth]
        github = 5

        [releases.oauth]
        version = ">1"

        [releases.other]
        repo = "oauth"
        version = ">1"
        needs = { prs = ["oauth#3"], issues = ["oauth#4"] }

        [families."oauth#10"]
        parts = ["oauth#11"]

        [holds.h]
        prs = ["oauth#12"]
        until = ["oauth"]

        [[watch]]
        ref = "oauth#13"
    """)
    issue = only_issue(text)
    assert issue.key == "repos.oauth.github"
    assert issue.line == line_of(text, "github = 5")
    assert "must be a string, not an integer" in issue.message


def test_repo_with_bad_id_causes_no_follow_up_errors() -> None:
    """A repo entry dropped for a bad id is reported once; a release naming that id is not."""
    text = plan_text("""
        [repos."oauth thing"]
        github = "jupyterhub/oauthenticator"

        [releases.oauth]
        repo = "oauth thing"
        version = ">1"
    """)
    issue = only_issue(text)
    assert issue.key == 'repos."oauth thing"'
    assert "is not an id" in issue.message


def test_dropped_release_and_deadline_cause_no_follow_up_errors() -> None:
    """Releases and deadlines dropped for bad values are not reported again where they are used."""
    text = plan_text("""
        [deadlines.conf]
        date = "2018-08-23"

        [releases.kubespawner]
        version = 5

        [releases.chart]
        repo = "z2jh"
        version = ">=0.7.0"
        after = ["kubespawner"]
        deadline = "conf"

        [holds.h]
        prs = ["kubespawner#1"]
        until = ["kubespawner"]
    """)
    keys = sorted(i.key for i in plan_issues(text))
    assert keys == ["deadlines.conf.date", "releases.kubespawner.version"]


# -- releases and holds --------------------------------------------------------------------------


def test_unknown_release_in_after() -> None:
    """An unknown release in 'after' is reported at its index with a did-you-mean hint."""
    text = plan_text("""
        [releases.kubespawner]
        version = ">1"
        [releases.chart]
        repo = "z2jh"
        version = ">=0.7.0"
        after = ["kubespawner", "kubespawnr"]
    """)
    issue = only_issue(text)
    assert issue.key == "releases.chart.after[1]"
    assert issue.line == line_of(text, "after =")
    assert "no release has the id 'kubespawnr' (did you mean 'kubespawner'?)" in issue.message


def test_unknown_release_in_hold_until() -> None:
    """An unknown release in a hold's 'until' is reported with a did-you-mean hint."""
    text = plan_text("""
        [releases.chart]
        repo = "z2jh"
        version = ">=0.7.0"
        [holds.big]
        prs = ["z2jh#758"]
        until = ["chrat"]
    """)
    issue = only_issue(text)
    assert issue.key == "holds.big.until[0]"
    assert issue.line == line_of(text, "until =")
    assert "no release has the id 'chrat' (did you mean 'chart'?)" in issue.message


def test_list_indices_survive_dropped_items() -> None:
    """A list item after one dropped for its type is reported at its own index."""
    text = plan_text('[releases.kubespawner]\nversion = ">1"\nafter = [5, "ghost"]\n')
    issues = plan_issues(text)
    assert sorted((i.key, i.message.split(" ", maxsplit=1)[0]) for i in issues) == [
        ("releases.kubespawner.after[0]", "must"),
        ("releases.kubespawner.after[1]", "no"),
    ]


def test_unknown_deadline_id() -> None:
    """A deadline id that no [deadlines] entry defines is reported with a hint."""
    text = plan_text("""
        [deadlines.jupytercon]
        date = 2018-08-23
        [releases.kubespawner]
        version = ">1"
        deadline = "jupytrcon"
    """)
    issue = only_issue(text)
    assert issue.key == "releases.kubespawner.deadline"
    assert issue.line == line_of(text, "deadline =")
    assert "no deadline has the id 'jupytrcon' (did you mean 'jupytercon'?)" in issue.message


@pytest.mark.parametrize(
    ("repo", "version", "scheme"),
    [("kubespawner", "=>1.0", "pep440"), ("z2jh", ">=0.7", "semver"), ("z2jh", ">=0.7.0,banana", "semver")],
)
def test_invalid_version_requirement(repo: str, version: str, scheme: str) -> None:
    """A requirement that does not parse in the repo's scheme is reported naming the scheme."""
    text = plan_text(f'[releases.r]\nrepo = "{repo}"\nversion = "{version}"\n')
    issue = only_issue(text)
    assert issue.key == "releases.r.version"
    assert issue.line == line_of(text, "version =")
    assert f"repos.{repo} uses the {scheme} scheme" in issue.message


@pytest.mark.parametrize(
    ("releases", "paths"),
    [
        ({"a": ["a"]}, ["a -> a"]),
        ({"a": ["b"], "b": ["a"]}, ["a -> b -> a", "b -> a -> b"]),
        ({"a": ["b"], "b": ["c"], "c": ["a"]}, ["a -> b -> c -> a", "b -> c -> a -> b", "c -> a -> b -> c"]),
    ],
    ids=["length-1", "length-2", "length-3"],
)
def test_dependency_cycle(releases: dict[str, list[str]], paths: list[str]) -> None:
    """Releases that wait on each other in a cycle are reported with the cycle path."""
    extra = "".join(
        f'[releases.{rid}]\nrepo = "kubespawner"\nversion = ">1"\nafter = {after!r}\n'.replace("'", '"')
        for rid, after in releases.items()
    )
    text = plan_text(extra)
    issue = only_issue(text)
    assert "in a cycle" in issue.message
    shown = [path for path in paths if f": {path};" in issue.message]
    assert len(shown) == 1, issue.message
    first = shown[0].split(" ", maxsplit=1)[0]
    assert issue.key == f"releases.{first}.after"
    assert issue.line == line_of(text, "after =", occurrence=list(releases).index(first) + 1)


def test_cycle_is_reported_with_other_problems_of_its_releases() -> None:
    """A cycle is reported even when a release in it also has a bad version requirement."""
    text = plan_text("""
        [releases.a]
        repo = "kubespawner"
        version = "=>1"
        after = ["b"]
        [releases.b]
        repo = "kubespawner"
        version = ">1"
        after = ["a"]
    """)
    issues = plan_issues(text)
    assert sorted(i.key for i in issues) in (
        ["releases.a.after", "releases.a.version"],
        ["releases.a.version", "releases.b.after"],
    )


def test_no_cycle_for_a_chain() -> None:
    """A chain of 'after' entries without a cycle is accepted."""
    plan = parse_plan(
        plan_text("""
            [releases.a]
            repo = "kubespawner"
            version = ">1"
            after = ["b"]
            [releases.b]
            repo = "kubespawner"
            version = ">1"
            after = ["c"]
            [releases.c]
            repo = "kubespawner"
            version = ">1"
        """)
    )
    assert [r.after for r in plan.releases] == [("b",), ("c",), ()]


@pytest.mark.parametrize(
    "text",
    [
        '[plan]\nname = "empty"\n',
        '[plan]\nname = "empty"\n[repos.x]\ngithub = "o/x"\n[releases]\n[holds]\n',
    ],
)
def test_empty_plan(text: str) -> None:
    """A plan with no releases and no holds is reported."""
    issue = only_issue(text)
    assert issue.key == "releases"
    assert "no releases and no holds" in issue.message


def test_plan_of_holds_only_is_not_empty() -> None:
    """A plan with holds but no releases is not reported as empty (only the unknown release is)."""
    issue = only_issue(plan_text('[holds.h]\nprs = ["kubespawner#1"]\nuntil = ["x"]\n'))
    assert issue.key == "holds.h.until[0]"


def test_missing_required_keys() -> None:
    """Missing required keys are reported on the table that lacks them."""
    text = plan_text('[repos.x]\nscheme = "pep440"\n[releases.kubespawner]\nnote = "no version"\n')
    issues = plan_issues(text)
    assert sorted(i.key for i in issues) == ["releases.kubespawner", "repos.x"]
    assert all("is missing the required key" in i.message for i in issues)


@pytest.mark.parametrize(
    ("extra", "key", "value"),
    [
        ('[releases.kubespawner]\nversion = ">1"\nafter = ["chart", "chart"]\n', "releases.kubespawner.after", "chart"),
        (
            '[releases.kubespawner]\nversion = ">1"\nneeds = { prs = ["kubespawner#1", "kubespawner#1"] }\n',
            "releases.kubespawner.needs.prs",
            "kubespawner#1",
        ),
        (
            '[releases.kubespawner]\nversion = ">1"\nneeds = { issues = ["kubespawner#2", "kubespawner#2"] }\n',
            "releases.kubespawner.needs.issues",
            "kubespawner#2",
        ),
        (
            '[families."kubespawner#5"]\nparts = ["kubespawner#6", "kubespawner#6"]\n',
            'families."kubespawner#5".parts',
            "kubespawner#6",
        ),
        ('[holds.h]\nprs = ["kubespawner#7", "kubespawner#7"]\nuntil = ["chart"]\n', "holds.h.prs", "kubespawner#7"),
        (
            '[holds.h]\nprs = ["kubespawner#7"]\nexcept = ["kubespawner#8", "kubespawner#8"]\nuntil = ["chart"]\n',
            "holds.h.except",
            "kubespawner#8",
        ),
        ('[holds.h]\nprs = ["kubespawner#7"]\nuntil = ["chart", "chart"]\n', "holds.h.until", "chart"),
    ],
    ids=["after", "needs.prs", "needs.issues", "family-parts", "hold-prs", "hold-except", "hold-until"],
)
def test_duplicate_list_entries(extra: str, key: str, value: str) -> None:
    """A list that names the same entry twice is reported once, naming the entry."""
    text = plan_text('[releases.chart]\nrepo = "z2jh"\nversion = ">=0.7.0"\n' + extra)
    issue = only_issue(text)
    assert issue.key == f"{key}[1]"
    assert issue.line is not None
    assert f"lists {value!r} twice" in issue.message


# -- references ----------------------------------------------------------------------------------


@pytest.mark.parametrize("ref", ["kubespawner#abc", "kubespawner#0", "#12", "kubespawner232", "kubespawner#", "a#1#2"])
def test_malformed_ref(ref: str) -> None:
    """A ref that is not REPO#N with N >= 1 is reported with the forms that work."""
    text = plan_text(f'[releases.kubespawner]\nversion = ">1"\nneeds = {{ prs = ["kubespawner#1", "{ref}"] }}\n')
    issue = only_issue(text)
    assert issue.key == "releases.kubespawner.needs.prs[1]"
    assert issue.line == line_of(text, "needs =")
    assert f"{ref!r} is not a PR or issue reference" in issue.message


@pytest.mark.parametrize("ref", ["kubespawner#\u00b2", "kubespawner#\u0661\u0662"])
def test_non_ascii_digits_are_not_a_ref_number(ref: str) -> None:
    """A ref whose number uses non-ASCII digits is a PlanError, as the schema's [0-9]+ says."""
    text = plan_text(f'[releases.kubespawner]\nversion = ">1"\nneeds = {{ prs = ["{ref}"] }}\n')
    issue = only_issue(text)
    assert issue.key == "releases.kubespawner.needs.prs[0]"
    assert "is not a PR or issue reference" in issue.message


@pytest.mark.parametrize(
    ("where", "key"),
    [
        (
            '[releases.kubespawner]\nversion = ">1"\nneeds = { prs = ["kubespawnr#3"] }\n',
            "releases.kubespawner.needs.prs[0]",
        ),
        ('[holds.h]\nprs = ["kubespawnr#3"]\nuntil = ["kubespawner"]\n', "holds.h.prs[0]"),
        ('[[watch]]\nref = "kubespawnr#3"\n', "watch[0].ref"),
    ],
)
def test_ref_to_unknown_repo_id(where: str, key: str) -> None:
    """A short ref whose repo id is not in the plan is reported with a hint and the full form."""
    release = '[releases.kubespawner]\nversion = ">1"\n' if "[releases" not in where else ""
    text = plan_text(release + where)
    issue = only_issue(text)
    assert issue.key == key
    assert issue.line is not None
    assert "'kubespawnr#3' names no repo of the plan (did you mean 'kubespawner'?)" in issue.message
    assert "OWNER/NAME#3" in issue.message


def test_family_key_must_be_a_ref() -> None:
    """A family keyed by something other than a PR ref is reported."""
    text = plan_text('[releases.kubespawner]\nversion = ">1"\n[families.big]\nparts = ["kubespawner#1"]\n')
    issue = only_issue(text)
    assert issue.key == "families.big"
    assert issue.line == line_of(text, "[families.big]")
    assert "is not a PR reference" in issue.message


def test_watch_issue_lines_point_at_their_own_table() -> None:
    """A problem in the second [[watch]] table is reported at that table's line, not the first's."""
    text = plan_text("""
        [releases.kubespawner]
        version = ">1"

        [[watch]]
        ref = "kubespawner#1"

        [[watch]]
        note = "no ref"
    """)
    issue = only_issue(text)
    assert issue.key == "watch[1]"
    assert issue.line is not None
    assert issue.line >= line_of(text, "[[watch]]", occurrence=2)


# -- the error as text ---------------------------------------------------------------------------


def test_plan_error_text_is_one_block_naming_the_file() -> None:
    """str(PlanError) is a header naming the file and count, then one line per issue with file:line: key."""
    text = plan_text('[releases.kubespawner]\nversion = ">1"\nafter = ["ghost"]\nstatus = "maybe"\n')
    with pytest.raises(PlanError) as info:
        parse_plan(text, path="plans/team.toml")
    lines = str(info.value).splitlines()
    assert lines[0] == "plans/team.toml: the plan has 2 problems:"
    after_line, status_line = line_of(text, "after ="), line_of(text, "status =")
    assert lines[1].startswith(f"  plans/team.toml:{after_line}: releases.kubespawner.after[0]: no release")
    assert lines[2].startswith(f"  plans/team.toml:{status_line}: releases.kubespawner.status: must be one of")
    assert len(lines) == 3


def test_plan_error_text_for_one_problem_without_line() -> None:
    """A single problem without a line reads 'file: key: message' under a singular header."""
    error = PlanError("p.toml", (PlanIssue("releases", "is empty"),))
    assert str(error) == "p.toml: the plan has 1 problem:\n  p.toml: releases: is empty"


# -- parse_ref -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kubespawner#232", ItemRef("jupyterhub/kubespawner", 232)),
        ("z2jh#758", ItemRef("jupyterhub/zero-to-jupyterhub-k8s", 758)),
        ("jupyterhub/kubespawner#232", ItemRef("jupyterhub/kubespawner", 232)),
        ("someone/elsewhere#1", ItemRef("someone/elsewhere", 1)),
    ],
)
def test_parse_ref_accepts_short_and_full_refs(example: Plan, text: str, expected: ItemRef) -> None:
    """parse_ref resolves short refs through the plan's repos and takes full refs as they are."""
    assert parse_ref(example, text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kubespawner#abc", "is not a PR or issue reference"),
        ("kubespawner#0", "is not a PR or issue reference"),
        ("#12", "is not a PR or issue reference"),
        ("kubespawner232", "is not a PR or issue reference"),
        ("kubespawner#\u00b2", "is not a PR or issue reference"),
        ("nowhere#12", "names no repo of the plan"),
        ("a/b/c#12", "is not OWNER/NAME"),
    ],
)
def test_parse_ref_rejects_bad_refs(example: Plan, text: str, message: str) -> None:
    """parse_ref raises ValueError saying what is wrong with a bad ref."""
    with pytest.raises(ValueError, match=message):
        parse_ref(example, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://github.com/jupyterhub/kubespawner/pull/205", ItemRef("jupyterhub/kubespawner", 205)),
        ("https://github.com/jupyterhub/kubespawner/pull/205/", ItemRef("jupyterhub/kubespawner", 205)),
        ("https://github.com/jupyterhub/kubespawner/pull/205#issuecomment-1", ItemRef("jupyterhub/kubespawner", 205)),
        ("https://github.com/jupyterhub/kubespawner/pull/205/files", ItemRef("jupyterhub/kubespawner", 205)),
        ("https://github.com/jupyterhub/jupyterhub/issues/2043", ItemRef("jupyterhub/jupyterhub", 2043)),
        ("https://github.com/jupyterhub/jupyterhub/issues/2043/#top", ItemRef("jupyterhub/jupyterhub", 2043)),
        ("https://github.com/jupyterhub/jupyterhub/issues/2043?q=1", ItemRef("jupyterhub/jupyterhub", 2043)),
        ("HTTPS://GitHub.com/JupyterHub/KubeSpawner/Pull/205", ItemRef("JupyterHub/KubeSpawner", 205)),
        ("https://ghe.example.com/team/tool/pull/7", ItemRef("team/tool", 7)),
    ],
    ids=["pull", "slash", "fragment", "files-tab", "issue", "slash-fragment", "query", "upper-case", "enterprise"],
)
def test_parse_ref_accepts_the_address_of_a_pr_or_issue(example: Plan, text: str, expected: ItemRef) -> None:
    """parse_ref reads a PR's or issue's page address as OWNER/NAME#N, with or without slash, query or fragment."""
    ref = parse_ref(example, text)
    assert ref == expected
    assert ref.key == expected.key


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("https://github.com/jupyterhub/kubespawner/blob/205", "is not the address of a PR or issue"),
        ("https://github.com/jupyterhub/kubespawner/pull/abc", "is not the address of a PR or issue"),
        ("https://github.com/jupyterhub/pull/205", "is not the address of a PR or issue"),
        ("http://github.com/jupyterhub/kubespawner/pull/0", "is not a PR or issue reference"),
        ("https://github.com/jupyterhub/kubespawner/pull/99999999999", "at most 2,147,483,647"),
    ],
    ids=["blob", "not-a-number", "no-repository", "zero", "past-github-int"],
)
def test_parse_ref_rejects_other_addresses(example: Plan, text: str, message: str) -> None:
    """An address that is not of a PR or issue, or names no number GitHub could hold, is a ValueError saying so."""
    with pytest.raises(ValueError, match=message):
        parse_ref(example, text)


def test_a_plan_past_the_size_limit_is_refused_from_text_too() -> None:
    """A plan text over MAX_PLAN_BYTES (as the gate reads one through the API) is a PlanError naming the limit."""
    from release_gate.plan.reader import MAX_PLAN_BYTES  # noqa: PLC0415

    with pytest.raises(PlanError) as raised:
        parse_plan("#" * (MAX_PLAN_BYTES + 1), path="o/r:.github/release-plan.toml@main")
    assert "a plan may have at most 5,000,000" in str(raised.value)
    assert "o/r:.github/release-plan.toml@main" in str(raised.value)


# -- the edges: nesting, paths, numbers, case ----------------------------------------------------

_RELEASE = '[releases.chart]\nrepo = "z2jh"\nversion = ">=0.7.0"\n'


def _nested_arrays(depth: int, inner: str = "") -> str:
    return "[" * depth + inner + "]" * depth


def _nested_tables(depth: int) -> str:
    return "{a = " * depth + "1" + "}" * depth


@pytest.mark.parametrize(
    ("extra", "key", "needle"),
    [
        pytest.param(f"x = {_nested_arrays(5000)}\n", "releases.chart.x", "x =", id="arrays-5000"),
        pytest.param(f"x = {_nested_arrays(400)}\n", "releases.chart.x", "x =", id="arrays-400"),
        pytest.param(f"x = {_nested_arrays(40)}\n", "releases.chart.x", "x =", id="arrays-past-the-limit"),
        pytest.param(f"x = {_nested_tables(5000)}\n", "releases.chart.x", "x =", id="inline-tables-5000"),
        pytest.param(f"x = {_nested_tables(40)}\n", "releases.chart.x", "x =", id="inline-tables-past-the-limit"),
        pytest.param(f"pins = {_nested_arrays(5000)}\n", "releases.chart.pins", "pins =", id="pins-5000"),
        pytest.param("pins = " + _nested_arrays(40, '"a"') + "\n", "releases.chart.pins", "pins =", id="pins-40"),
        pytest.param(
            "needs = { prs = " + _nested_arrays(3000) + " }\n", "releases.chart.needs", "needs =", id="needs-prs"
        ),
        pytest.param("note" + ".a" * 5000 + " = 1\n", "releases.chart.note", "note.a", id="dotted-keys-5000"),
        pytest.param("note = {" + "a." * 5000 + "a = 1}\n", "releases.chart.note", "note =", id="dotted-inline"),
    ],
)
def test_deep_nesting_is_a_plan_error(extra: str, key: str, needle: str) -> None:
    """Arrays, inline tables or dotted keys nested deeper than a plan needs are one PlanError naming key and line."""
    text = plan_text(_RELEASE + extra)
    issue = only_issue(text)
    assert issue.key == key
    assert issue.line == line_of(text, needle)
    assert "nested too deeply" in issue.message
    assert "write it flatter" in issue.message


def test_deep_table_headers_are_a_plan_error() -> None:
    """A table header of thousands of dotted parts under a known key is a PlanError, not a RecursionError."""
    text = plan_text(_RELEASE + "[releases.chart.note" + ".a" * 5000 + "]\n")
    issue = only_issue(text)
    assert issue.key == "releases.chart.note"
    assert "nested too deeply" in issue.message


def test_deep_nesting_of_a_top_level_value_names_its_key_and_line() -> None:
    """A deep value before any table header names its top-level key and line."""
    text = "x = " + _nested_tables(3000) + "\n" + plan_text(_RELEASE)
    issue = only_issue(text)
    assert (issue.key, issue.line) == ("x", 1)
    assert "nested too deeply" in issue.message


def test_deep_nesting_in_a_table_array_names_the_table() -> None:
    """A deep value in the second [[watch]] table is reported as watch[1].KEY at its line."""
    text = plan_text(_RELEASE + '[[watch]]\nref = "z2jh#1"\n[[watch]]\nref = "z2jh#2"\nnote = ' + _nested_arrays(3000))
    issue = only_issue(text)
    assert issue.key == "watch[1].note"
    assert issue.line == line_of(text, "note =")


def test_nesting_up_to_the_limit_is_read_as_usual() -> None:
    """Nesting up to MAX_NESTING levels gives the ordinary messages; one level more is 'too deeply'."""
    from release_gate.plan.reader import MAX_NESTING  # noqa: PLC0415

    # releases, chart and the pins list are three levels: MAX_NESTING - 2 arrays reach the limit exactly.
    text = plan_text(_RELEASE + "pins = " + _nested_arrays(MAX_NESTING - 2, '"a"') + "\n")
    issue = only_issue(text)
    assert issue.key == "releases.chart.pins[0]"
    assert "must be a string, not a list ([[[[" in issue.message
    text = plan_text(_RELEASE + "pins = " + _nested_arrays(MAX_NESTING - 1, '"a"') + "\n")
    assert "nested too deeply" in only_issue(text).message


def test_deep_nesting_with_little_stack_left_is_still_a_plan_error() -> None:
    """When the interpreter's stack runs out inside the TOML reader, the answer is still 'nested too deeply'."""
    import sys  # noqa: PLC0415
    import traceback  # noqa: PLC0415

    text = plan_text(_RELEASE + f"x = {_nested_arrays(30)}\n")
    depth = sum(1 for _ in traceback.walk_stack(None))  # leave the reader only a little of the stack
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 40)
    try:
        with pytest.raises(PlanError) as info:
            parse_plan(text, path="plan.toml")
    finally:
        sys.setrecursionlimit(old)
    assert "nested too deeply" in str(info.value)


@pytest.mark.parametrize(
    "pin",
    [
        "../../../../rate_limit",
        "images/../../x.txt",
        "..",
        "./requirements.txt",
        "images/./requirements.txt",
        "/etc/passwd",
        "images\\\\hub\\\\requirements.txt",
        "https://example.com/requirements.txt",
        "file:requirements.txt",
        "images//requirements.txt",
        "images/",
        "a\\u0007b.txt",
        "a\\u009bb.txt",
        "requirements.txt?ref=main",
        "../Chart.yaml#appVersion=jupyterhub",
        "#appVersion=jupyterhub",
    ],
)
def test_pin_path_must_be_a_path_inside_the_repository(pin: str) -> None:
    """A pin that leaves the repository, is absolute, a URL, or has odd parts is a PlanError with a fix."""
    text = plan_text(_RELEASE.replace('version = ">=0.7.0"', f'version = ">=0.7.0"\npins = ["{pin}"]'))
    issue = only_issue(text)
    assert issue.key == "releases.chart.pins[0]"
    assert issue.line == line_of(text, "pins =")
    assert "is not a path inside the repository" in issue.message
    assert "images/hub/requirements.txt" in issue.message  # the fix: what a good entry looks like


@pytest.mark.parametrize(
    "pin",
    [
        "images/hub/requirements.txt",
        ".github/requirements.txt",
        "..hidden/requirements.txt",
        "a.../b.txt",
        "jupyterhub/Chart.yaml#appVersion=jupyterhub",
        "docs/r\u00e9sum\u00e9/requirements.txt",
    ],
)
def test_pin_paths_inside_the_repository_are_read(pin: str) -> None:
    """Relative paths (dot-files and the PATH#KEY=PACKAGE form too) are accepted as written."""
    text = plan_text(_RELEASE.replace('version = ">=0.7.0"', f'version = ">=0.7.0"\npins = ["{pin}"]'))
    assert parse_plan(text).release("chart").pins == (pin,)


_BIG_NUMBERS = ["2147483648", "99999999999", "9" * 5000]


@pytest.mark.parametrize("number", _BIG_NUMBERS, ids=["2**31", "11-digits", "5000-digits"])
@pytest.mark.parametrize(
    ("extra", "key", "needle"),
    [
        (_RELEASE + 'needs.prs = ["z2jh#N"]\n', "releases.chart.needs.prs[0]", "needs.prs"),
        (_RELEASE + 'needs.issues = ["jupyterhub/z2jh#N"]\n', "releases.chart.needs.issues[0]", "needs.issues"),
        (_RELEASE + '[holds.h]\nprs = ["z2jh#N"]\nuntil = ["chart"]\n', "holds.h.prs[0]", "prs ="),
        (
            _RELEASE + '[holds.h]\nprs = ["z2jh#1"]\nexcept = ["z2jh#N"]\nuntil = ["chart"]\n',
            "holds.h.except[0]",
            "except =",
        ),
        (_RELEASE + '[families."z2jh#N"]\nparts = ["z2jh#1"]\n', 'families."z2jh#N"', "[families."),
        (_RELEASE + '[families."z2jh#1"]\nparts = ["z2jh#N"]\n', 'families."z2jh#1".parts[0]', "parts ="),
        (_RELEASE + '[[watch]]\nref = "z2jh#N"\n', "watch[0].ref", "ref ="),
    ],
    ids=["needs.prs", "needs.issues", "hold-prs", "hold-except", "family-parent", "family-parts", "watch"],
)
def test_pr_and_issue_numbers_past_github_s_int_are_a_plan_error(
    extra: str, key: str, needle: str, number: str
) -> None:
    """A PR or issue number GitHub's GraphQL Int cannot hold (> 2,147,483,647) is a PlanError, wherever it is."""
    text = plan_text(extra.replace("#N", f"#{number}"))
    issue = only_issue(text)
    assert issue.key == key.replace("#N", f"#{number}")
    assert issue.line == line_of(text, needle)
    assert "at most 2,147,483,647" in issue.message
    assert "Exceeds the limit" not in issue.message
    assert len(issue.message) < 400  # a number of thousands of digits is not repeated whole


def test_the_largest_github_number_is_accepted() -> None:
    """2,147,483,647 itself is a PR number (leading zeros are read as the number)."""
    text = plan_text(_RELEASE + 'needs.prs = ["z2jh#2147483647", "z2jh#0000000000002"]\n')
    assert [ref.number for ref in parse_plan(text).release("chart").needs_prs] == [2147483647, 2]


@pytest.mark.parametrize(
    ("repo", "version"),
    [
        ("kubespawner", ">=1" + "0" * 5000),
        ("kubespawner", "==1.0.post" + "9" * 5000),
        ("kubespawner", "===1" + "0" * 5000),
        ("kubespawner", ">=1.0, <2" + "0" * 100),
        ("z2jh", ">=1" + "0" * 5000 + ".0.0"),
        ("z2jh", ">=1.0.0-beta." + "1" * 5000),
        ("z2jh", ">=1.0.0, <2" + "0" * 100 + ".0.0"),
    ],
    ids=[
        "pep440-release",
        "pep440-post",
        "pep440-arbitrary",
        "pep440-100-digits",
        "semver-major",
        "semver-pre",
        "semver-100",
    ],
)
def test_a_version_part_of_too_many_digits_is_a_plan_issue(repo: str, version: str) -> None:
    """A requirement with a number of hundreds or thousands of digits is reported in release-gate's words."""
    text = plan_text(f'[releases.r]\nrepo = "{repo}"\nversion = "{version}"\n')
    issue = only_issue(text)
    assert issue.key == "releases.r.version"
    assert issue.line == line_of(text, "version =")
    assert "a version part may have at most 64 digits" in issue.message
    assert "Exceeds the limit" not in issue.message
    assert "set_int_max_str_digits" not in issue.message
    assert len(issue.message) < 400


@pytest.mark.parametrize(
    ("literal", "needle"),
    [
        ("1" * 5000, "digits"),
        ("1" + "_0" * 4400, "digits"),
        ("0x" + "f" * 3600, "64-bit"),
        ("9223372036854775808", "64-bit"),
        ("-9223372036854775809", "64-bit"),
    ],
    ids=["5000-digits", "underscores", "hex", "2**63", "-2**63-1"],
)
def test_an_integer_past_toml_s_64_bits_is_a_plan_error(literal: str, needle: str) -> None:
    """A TOML integer past 64 bits (TOML's own limit) is a PlanError, even one Python will not print."""
    text = plan_text(_RELEASE + "[deadlines.d]\ndate = 2018-08-23\nwarn_days = " + literal + "\n")
    issue = only_issue(text)
    assert issue.key == "deadlines.d.warn_days"
    assert issue.line == line_of(text, "warn_days")
    assert needle in issue.message
    assert "Exceeds the limit" not in issue.message
    assert len(issue.message) < 400


def test_warn_days_has_a_maximum() -> None:
    """warn_days past its maximum (ten years of days) is reported with the maximum."""
    text = plan_text(_RELEASE + "[deadlines.d]\ndate = 2018-08-23\nwarn_days = 3651\n")
    issue = only_issue(text)
    assert issue.key == "deadlines.d.warn_days"
    assert "must be at most 3650, not 3651" in issue.message


@pytest.mark.parametrize(
    ("extra", "key", "first"),
    [
        (
            (
                '[releases.JupyterHub]\nrepo = "kubespawner"\nversion = ">1"\n'
                '[releases.jupyterhub]\nrepo = "kubespawner"\nversion = ">2"\n'
            ),
            "releases.jupyterhub",
            "releases.JupyterHub",
        ),
        (
            (
                '[repos.Spawner]\ngithub = "o/spawner"\n[repos.spawner]\ngithub = "o/other"\n'
                '[releases.s]\nrepo = "spawner"\nversion = ">1"\n'
            ),
            "repos.spawner",
            "repos.Spawner",
        ),
        (
            (
                '[releases.k]\nrepo = "kubespawner"\nversion = ">1"\n'
                '[holds.Big]\nprs = ["kubespawner#1"]\nuntil = ["k"]\n'
                '[holds.big]\nprs = ["kubespawner#2"]\nuntil = ["k"]\n'
            ),
            "holds.big",
            "holds.Big",
        ),
    ],
    ids=["releases", "repos", "holds"],
)
def test_ids_that_differ_only_in_case_are_a_plan_error(extra: str, key: str, first: str) -> None:
    """Two release, repo or hold ids that differ only in case are reported on the second, naming both."""
    text = plan_text(extra)
    issue = only_issue(text)
    assert issue.key == key
    assert issue.line == line_of(text, f"[{key}]")
    assert first in issue.message
    assert key in issue.message
    assert "differ only in case" in issue.message


@pytest.mark.parametrize(
    "text",
    ["kubespawner#2147483648", "jupyterhub/kubespawner#99999999999", "kubespawner#" + "9" * 5000],
    ids=["2**31", "11-digits", "5000-digits"],
)
def test_parse_ref_rejects_numbers_past_github_s_int(example: Plan, text: str) -> None:
    """parse_ref refuses a number GitHub cannot hold, saying the limit in its own words."""
    with pytest.raises(ValueError, match="at most 2,147,483,647") as info:
        parse_ref(example, text)
    assert len(str(info.value)) < 400
