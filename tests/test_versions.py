"""Version schemes: PEP 440 and SemVer 2.0.0 parsing, kinds, requirements and accept policies."""

from __future__ import annotations

import pytest

from release_gate.versions import (
    Accept,
    ParsedVersion,
    Scheme,
    VersionKind,
    VersionRequirement,
    parse_requirement,
    parse_version,
)

PEP = Scheme.PEP440
SEM = Scheme.SEMVER
FINAL, PRE, DEV = VersionKind.FINAL, VersionKind.PRE, VersionKind.DEV


def _v(scheme: Scheme, text: str, *, partial: bool = False) -> ParsedVersion:
    """Parse *text*, failing the test when it is not a version."""
    parsed = parse_version(scheme, text, partial=partial)
    assert parsed is not None, f"{text!r} should parse as {scheme}"
    return parsed


def _satisfies(requirement: VersionRequirement, version: ParsedVersion) -> bool:
    return requirement.check(version) is None


# -- parsing and kinds ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        pytest.param("0.9.0", FINAL, id="final"),
        pytest.param("0.9.0.post1", FINAL, id="post-release-is-final"),
        pytest.param("1.0.0-1", FINAL, id="dash-number-is-post-release"),
        pytest.param("0.9.0a1", PRE, id="alpha"),
        pytest.param("0.9.0b1", PRE, id="beta"),
        pytest.param("0.9.0rc1", PRE, id="rc"),
        pytest.param("0.9.0beta1", PRE, id="spelled-out-beta"),
        pytest.param("0.9.0.dev1", DEV, id="dev-release"),
        pytest.param("0.9.0b1.dev2", DEV, id="dev-of-beta"),
        pytest.param("0.9.0.post1.dev1", DEV, id="dev-of-post"),
        pytest.param("0.9.0+local", DEV, id="local-version"),
        pytest.param("0.9.0b1+local", DEV, id="local-beta"),
    ],
)
def test_pep440_kind(text: str, kind: VersionKind) -> None:
    """A PEP 440 version is classified as final, pre-release or development build."""
    parsed = _v(PEP, text)
    assert parsed.scheme is PEP
    assert parsed.kind is kind
    assert str(parsed) == text


@pytest.mark.parametrize(
    ("text", "partial", "kind"),
    [
        pytest.param("0.7.0", False, FINAL, id="final"),
        pytest.param("0.7.0-alpha.1", False, PRE, id="alpha"),
        pytest.param("0.7.0-beta.1", False, PRE, id="beta"),
        pytest.param("0.7.0-beta1", False, PRE, id="beta-no-dot"),
        pytest.param("0.7.0-rc.1", False, PRE, id="rc"),
        pytest.param("0.7.0-RC.2", False, PRE, id="rc-uppercase"),
        pytest.param("4.0.1-0.dev.git.6889.h262097b2", False, DEV, id="chartpress-dev-git"),
        pytest.param("1.1.3-n772.hf133567f", False, DEV, id="chartpress-n-hash"),
        pytest.param("0.7.0-beta.1.dev", False, DEV, id="dev-identifier-after-beta"),
        pytest.param("1.0.0+build.5", False, DEV, id="build-metadata-only"),
        pytest.param("0.7-15e87d6", True, DEV, id="partial-commit-hash"),
        pytest.param("0.5-doc", True, DEV, id="partial-doc"),
        pytest.param("0.6", True, FINAL, id="partial-final"),
    ],
)
def test_semver_kind(text: str, partial: bool, kind: VersionKind) -> None:
    """A SemVer version is classified by its pre-release identifiers; labels make PRE, anything else DEV."""
    parsed = _v(SEM, text, partial=partial)
    assert parsed.scheme is SEM
    assert parsed.kind is kind
    assert str(parsed) == text


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("0.10.0-beta.1.git.5.h1234567", id="chartpress-git-after-beta"),
        pytest.param("0.10.0-beta.1.n005.h1234567", id="chartpress-n-after-beta"),
    ],
)
def test_semver_chartpress_build_after_prerelease_tag_is_dev(text: str) -> None:
    """A chartpress build made after a pre-release tag (TAG.git.N.HASH, TAG.nNNN.hHASH) is a development build."""
    assert _v(SEM, text).kind is DEV


@pytest.mark.parametrize("text", ["0.6", "0.7-15e87d6", "0.5-doc", "1"])
def test_semver_partial_needs_flag(text: str) -> None:
    """A SemVer version without MAJOR.MINOR.PATCH parses only with partial=True."""
    assert parse_version(SEM, text) is None
    assert parse_version(SEM, text, partial=True) is not None


def test_semver_partial_reads_missing_parts_as_zero() -> None:
    """A partial SemVer version '0.6' orders equal to '0.6.0' and keeps its written text."""
    partial = _v(SEM, "0.6", partial=True)
    assert partial == _v(SEM, "0.6.0")
    assert partial < _v(SEM, "0.6.1")
    assert str(partial) == "0.6"


@pytest.mark.parametrize(
    ("scheme", "text"),
    [
        pytest.param(PEP, "", id="pep440-empty"),
        pytest.param(PEP, "not-a-version", id="pep440-words"),
        pytest.param(PEP, "0.7-15e87d6", id="pep440-commit-hash"),
        pytest.param(PEP, "0.7.0-beta.1-x", id="pep440-trailing-junk"),
        pytest.param(SEM, "", id="semver-empty"),
        pytest.param(SEM, "not-a-version", id="semver-words"),
        pytest.param(SEM, "0.9.0b1", id="semver-pep440-beta"),
        pytest.param(SEM, "v0.6", id="semver-v-prefix"),
        pytest.param(SEM, "01.0.0", id="semver-leading-zero"),
        pytest.param(SEM, "1.0.0-", id="semver-empty-prerelease"),
        pytest.param(SEM, "1.0.0+", id="semver-empty-build"),
    ],
)
def test_invalid_version_is_none(scheme: Scheme, text: str) -> None:
    """A string that is not a version in the scheme parses to None, partial or not."""
    assert parse_version(scheme, text) is None
    assert parse_version(scheme, text, partial=True) is None


# -- ordering -------------------------------------------------------------------------------


def test_dash_number_is_semver_prerelease_but_pep440_post_release() -> None:
    """'1.0.0-1' sorts before 1.0.0 in SemVer (pre-release) and after it in PEP 440 (post-release)."""
    assert _v(SEM, "1.0.0-1") < _v(SEM, "1.0.0")
    assert _v(SEM, "1.0.0-1").kind is not FINAL
    assert _v(PEP, "1.0.0-1") > _v(PEP, "1.0.0")
    assert _v(PEP, "1.0.0-1").kind is FINAL


def test_semver_build_metadata_ignored_in_comparison() -> None:
    """SemVer build metadata does not take part in precedence: 1.0.0+a equals 1.0.0+b and 1.0.0."""
    a, b, plain = _v(SEM, "1.0.0+a"), _v(SEM, "1.0.0+b"), _v(SEM, "1.0.0")
    assert a == b
    assert a == plain
    assert not a < b
    assert not b < a
    assert a < _v(SEM, "1.0.1")


def test_semver_precedence_follows_the_spec() -> None:
    """SemVer versions sort in the precedence order given by the SemVer 2.0.0 specification."""
    expected = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.10.0",
    ]
    parsed = [_v(SEM, text) for text in reversed(expected)]
    assert [str(v) for v in sorted(parsed)] == expected


def test_pep440_precedence() -> None:
    """PEP 440 versions sort dev < alpha < beta < rc < final < post."""
    expected = ["0.9.0.dev1", "0.9.0a1", "0.9.0b1", "0.9.0b2", "0.9.0rc1", "0.9.0", "0.9.0.post1", "0.9.1"]
    parsed = [_v(PEP, text) for text in reversed(expected)]
    assert [str(v) for v in sorted(parsed)] == expected


def test_equal_versions_hash_equal_pep440() -> None:
    """Equal PEP 440 versions written differently (1.0 and 1.0.0) have equal hashes and collapse in a set."""
    short, long = _v(PEP, "1.0"), _v(PEP, "1.0.0")
    assert short == long
    assert hash(short) == hash(long)
    assert len({short, long}) == 1


def test_equal_versions_hash_equal_semver() -> None:
    """Equal SemVer versions differing only in build metadata have equal hashes and collapse in a set."""
    a, b = _v(SEM, "1.0.0+a"), _v(SEM, "1.0.0+b")
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1


def test_different_schemes_are_not_ordered() -> None:
    """Ordering a PEP 440 version against a SemVer one raises TypeError instead of guessing."""
    pep, sem = _v(PEP, "1.0.0"), _v(SEM, "1.0.0")
    assert pep.__lt__(sem) is NotImplemented
    assert pep.__eq__(sem) is NotImplemented
    with pytest.raises(TypeError):
        _ = pep < sem
    with pytest.raises(TypeError):
        _ = sem > pep
    with pytest.raises(TypeError):
        _ = pep <= sem


def test_different_schemes_are_never_equal() -> None:
    """A PEP 440 version never equals a SemVer version with the same text."""
    pep, sem = _v(PEP, "1.0.0"), _v(SEM, "1.0.0")
    assert pep != sem
    assert pep == _v(PEP, "1.0.0")


# -- "at least a beta" ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["0.9.0b1", "0.9.0b2", "0.9.0rc1", "0.9.0", "0.9.0.post1", "0.9.1", "1.0.0"])
def test_pep440_at_least_a_beta_met(text: str) -> None:
    """A beta, rc, final or later release satisfies '>=0.9.0b1' (PEP 440)."""
    requirement = parse_requirement(PEP, ">=0.9.0b1")
    assert requirement.accept is Accept.PRE
    assert requirement.check(_v(PEP, text)) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("0.9.0.dev1", "development build", id="dev-before-beta"),
        pytest.param("0.9.0b2.dev1", "development build", id="dev-of-beta"),
        pytest.param("0.9.1.dev1", "development build", id="dev-after-final"),
        pytest.param("0.9.0+local", "development build", id="local-build"),
        pytest.param("0.9.0a1", "outside", id="alpha"),
        pytest.param("0.8.0", "outside", id="older-final"),
        pytest.param("0.8.1", "outside", id="older-patch"),
        pytest.param("0.8.0rc0", "outside", id="older-rc"),
    ],
)
def test_pep440_at_least_a_beta_not_met(text: str, reason: str) -> None:
    """A dev build or anything older than 0.9.0b1 never satisfies '>=0.9.0b1' (PEP 440)."""
    why = parse_requirement(PEP, ">=0.9.0b1").check(_v(PEP, text))
    assert why is not None
    assert reason in why


@pytest.mark.parametrize("text", ["0.7.0-beta.1", "0.7.0-beta.2", "0.7.0-beta.10", "0.7.0-rc.1", "0.7.0", "0.7.1"])
def test_semver_at_least_a_beta_met(text: str) -> None:
    """A beta, rc, final or later release satisfies '>=0.7.0-beta.1' (SemVer)."""
    requirement = parse_requirement(SEM, ">=0.7.0-beta.1")
    assert requirement.accept is Accept.PRE
    assert requirement.check(_v(SEM, text)) is None


@pytest.mark.parametrize(
    ("text", "partial", "reason"),
    [
        pytest.param("0.7.0-15e87d6", False, "development build", id="commit-hash"),
        pytest.param("0.7-15e87d6", True, "development build", id="partial-commit-hash"),
        pytest.param("0.7.1-0.dev.git.12.habcdef1", False, "development build", id="chartpress-dev-git"),
        pytest.param("0.7.1-n012.habcdef1", False, "development build", id="chartpress-n-hash"),
        pytest.param("0.7.0+build.1", False, "development build", id="build-metadata"),
        pytest.param("0.7.0-alpha.1", False, "outside", id="alpha"),
        pytest.param("0.6.0", False, "outside", id="older-final"),
        pytest.param("0.6", True, "outside", id="older-partial"),
        pytest.param("0.6.5-rc.1", False, "outside", id="older-rc"),
    ],
)
def test_semver_at_least_a_beta_not_met(text: str, partial: bool, reason: str) -> None:
    """A dev build, an alpha or anything older never satisfies '>=0.7.0-beta.1' (SemVer)."""
    why = parse_requirement(SEM, ">=0.7.0-beta.1").check(_v(SEM, text, partial=partial))
    assert why is not None
    assert reason in why


def test_semver_chartpress_build_after_beta_does_not_satisfy_at_least_a_beta() -> None:
    """A chartpress dev build after the beta tag (0.7.0-beta.1.git.3.habc1234) never satisfies 'at least a beta'."""
    why = parse_requirement(SEM, ">=0.7.0-beta.1").check(_v(SEM, "0.7.0-beta.1.git.3.habc1234"))
    assert why is not None
    assert "development build" in why


# -- accept policy --------------------------------------------------------------------------


def test_pep440_derived_final_rejects_prerelease() -> None:
    """'>=5.0' with the derived policy (final) rejects 5.1.0b1, whatever packaging's own default is."""
    requirement = parse_requirement(PEP, ">=5.0")
    assert requirement.accept is Accept.FINAL
    why = requirement.check(_v(PEP, "5.1.0b1"))
    assert why is not None
    assert "pre-release" in why
    assert requirement.check(_v(PEP, "5.1.0")) is None


def test_pep440_accept_pre_admits_prerelease() -> None:
    """'>=5.0' with accept=pre admits 5.1.0b1 but still rejects 5.1.0.dev1 and out-of-range versions."""
    requirement = parse_requirement(PEP, ">=5.0", Accept.PRE)
    assert requirement.accept is Accept.PRE
    assert requirement.check(_v(PEP, "5.1.0b1")) is None
    assert requirement.check(_v(PEP, "5.1.0rc1")) is None
    dev = requirement.check(_v(PEP, "5.1.0.dev1"))
    assert dev is not None
    assert "development build" in dev
    older = requirement.check(_v(PEP, "4.9.0b1"))
    assert older is not None
    assert "outside" in older


@pytest.mark.parametrize("text", ["5.1.0.dev1", "5.0.1+local", "5.1.0b1", "5.0"])
def test_pep440_accept_dev_admits_everything_in_range(text: str) -> None:
    """'>=5.0' with accept=dev admits development builds, local versions and pre-releases in range."""
    assert parse_requirement(PEP, ">=5.0", Accept.DEV).check(_v(PEP, text)) is None


@pytest.mark.parametrize("text", ["4.9.0.dev1", "5.0.0.dev1", "4.0"])
def test_pep440_accept_dev_still_checks_range(text: str) -> None:
    """accept=dev admits every kind of version but not one outside the range."""
    why = parse_requirement(PEP, ">=5.0", Accept.DEV).check(_v(PEP, text))
    assert why is not None
    assert why == "outside >=5.0"


def test_pep440_accept_final_rejects_prerelease_in_range() -> None:
    """accept=final rejects a pre-release even when the requirement itself names one and it is in range."""
    requirement = parse_requirement(PEP, ">=0.9.0b1", Accept.FINAL)
    assert requirement.accept is Accept.FINAL
    why = requirement.check(_v(PEP, "0.9.0b2"))
    assert why is not None
    assert "pre-release" in why
    assert "final versions only" in why
    assert requirement.check(_v(PEP, "0.9.0")) is None


def test_pep440_exclusive_upper_bound_excludes_its_prereleases() -> None:
    """'<5.0' never admits 5.0b1 (PEP 440 exclusive ordering), even with accept=pre."""
    requirement = parse_requirement(PEP, "<5.0", Accept.PRE)
    assert requirement.check(_v(PEP, "4.9b1")) is None
    why = requirement.check(_v(PEP, "5.0b1"))
    assert why is not None
    assert "outside" in why


def test_semver_derived_final_rejects_prerelease() -> None:
    """'>=1.0.0' (SemVer) with the derived policy (final) rejects 1.1.0-beta.1; accept=pre admits it."""
    derived = parse_requirement(SEM, ">=1.0.0")
    assert derived.accept is Accept.FINAL
    why = derived.check(_v(SEM, "1.1.0-beta.1"))
    assert why is not None
    assert "pre-release" in why
    assert parse_requirement(SEM, ">=1.0.0", Accept.PRE).check(_v(SEM, "1.1.0-beta.1")) is None


def test_semver_accept_dev_admits_dev_builds() -> None:
    """'>=0.7.0-beta.1' with accept=dev admits chartpress dev builds in range, but not ones below it."""
    requirement = parse_requirement(SEM, ">=0.7.0-beta.1", Accept.DEV)
    assert requirement.check(_v(SEM, "0.7.1-0.dev.git.12.habcdef1")) is None
    assert requirement.check(_v(SEM, "0.7.1-n012.habcdef1")) is None
    assert requirement.check(_v(SEM, "0.7.0+build.1")) is None
    # '15e87d6' sorts before 'beta' (ASCII), so this build precedes the beta.
    assert requirement.check(_v(SEM, "0.7.0-15e87d6")) == "outside >=0.7.0-beta.1"


def test_semver_accept_final_rejects_prerelease_in_range() -> None:
    """accept=final (SemVer) rejects 0.7.0-rc.1 although it is within '>=0.7.0-beta.1'."""
    why = parse_requirement(SEM, ">=0.7.0-beta.1", Accept.FINAL).check(_v(SEM, "0.7.0-rc.1"))
    assert why is not None
    assert "pre-release" in why


@pytest.mark.parametrize(
    ("scheme", "text", "accept"),
    [
        pytest.param(PEP, ">=0.9.0b1", Accept.PRE, id="pep440-beta-bound"),
        pytest.param(PEP, ">=0.9,<1.0rc1", Accept.PRE, id="pep440-rc-upper-bound"),
        pytest.param(PEP, "==1.0.0a2", Accept.PRE, id="pep440-pinned-alpha"),
        pytest.param(PEP, ">0.9.1", Accept.FINAL, id="pep440-final-bound"),
        pytest.param(PEP, ">=5.0", Accept.FINAL, id="pep440-short-final"),
        pytest.param(PEP, "==0.9.*", Accept.FINAL, id="pep440-wildcard"),
        pytest.param(PEP, "~=0.9.0", Accept.FINAL, id="pep440-compatible"),
        pytest.param(SEM, ">=0.7.0-beta.1", Accept.PRE, id="semver-beta-bound"),
        pytest.param(SEM, ">=0.7.0,<0.8.0-rc.1", Accept.PRE, id="semver-rc-upper-bound"),
        pytest.param(SEM, ">=0.7.0", Accept.FINAL, id="semver-final-bound"),
        pytest.param(SEM, ">=0.7.0+build.1", Accept.FINAL, id="semver-build-metadata-bound"),
        pytest.param(SEM, ">0.6.0,<0.8.0", Accept.FINAL, id="semver-final-range"),
    ],
)
def test_derived_accept(scheme: Scheme, text: str, accept: Accept) -> None:
    """Without an explicit policy: pre when a bound names a pre-release, else final (both schemes)."""
    assert parse_requirement(scheme, text).accept is accept


@pytest.mark.parametrize(
    ("scheme", "text"),
    [
        pytest.param(PEP, "<2.0,!=1.5b1", id="pep440"),
        pytest.param(SEM, "<2.0.0,!=1.5.0-beta.1", id="semver"),
    ],
)
def test_derived_accept_ignores_excluded_prerelease(scheme: Scheme, text: str) -> None:
    """Excluding a pre-release with '!=' does not opt in to pre-releases, as in packaging's Specifier.prereleases."""
    assert parse_requirement(scheme, text).accept is Accept.FINAL


@pytest.mark.parametrize("accept", list(Accept))
def test_explicit_accept_overrides_derived(accept: Accept) -> None:
    """An explicit accept policy is kept as given, whatever the requirement names."""
    assert parse_requirement(PEP, ">=0.9.0b1", accept).accept is accept
    assert parse_requirement(PEP, ">=5.0", accept).accept is accept
    assert parse_requirement(SEM, ">=0.7.0-beta.1", accept).accept is accept
    assert parse_requirement(SEM, ">=0.7.0", accept).accept is accept


@pytest.mark.parametrize(
    ("accept", "kind", "admitted"),
    [
        (Accept.FINAL, FINAL, True),
        (Accept.FINAL, PRE, False),
        (Accept.FINAL, DEV, False),
        (Accept.PRE, FINAL, True),
        (Accept.PRE, PRE, True),
        (Accept.PRE, DEV, False),
        (Accept.DEV, FINAL, True),
        (Accept.DEV, PRE, True),
        (Accept.DEV, DEV, True),
    ],
    ids=str,
)
def test_accept_admits(accept: Accept, kind: VersionKind, admitted: bool) -> None:
    """Each policy admits its own kind and every more final kind, never a less final one."""
    assert accept.admits(kind) is admitted


# -- SemVer requirement syntax --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "version", "met"),
    [
        pytest.param("==0.7.0", "0.7.0", True, id="eq-same"),
        pytest.param("==0.7.0", "0.7.1", False, id="eq-other"),
        pytest.param("==0.7.0", "0.7.0+build.9", True, id="eq-ignores-build"),
        pytest.param("!=0.7.0", "0.7.0", False, id="ne-same"),
        pytest.param("!=0.7.0", "0.7.1", True, id="ne-other"),
        pytest.param(">=0.7.0", "0.7.0", True, id="ge-equal"),
        pytest.param(">=0.7.0", "0.6.9", False, id="ge-below"),
        pytest.param("<=0.7.0", "0.7.0", True, id="le-equal"),
        pytest.param("<=0.7.0", "0.7.1", False, id="le-above"),
        pytest.param(">0.7.0", "0.7.0", False, id="gt-equal"),
        pytest.param(">0.7.0", "0.7.1", True, id="gt-above"),
        pytest.param("<0.7.0", "0.7.0", False, id="lt-equal"),
        pytest.param("<0.7.0", "0.6.9", True, id="lt-below"),
        pytest.param(">=0.7.0,<0.8.0", "0.7.5", True, id="range-inside"),
        pytest.param(">=0.7.0,<0.8.0", "0.8.0", False, id="range-upper"),
        pytest.param(">=0.7.0,<0.8.0", "0.6.0", False, id="range-lower"),
        pytest.param(">=0.7.0,!=0.7.2,<0.8.0", "0.7.2", False, id="range-excluded"),
        pytest.param(">=0.7.0,!=0.7.2,<0.8.0", "0.7.3", True, id="range-not-excluded"),
        pytest.param(" >= 0.7.0 , < 0.8.0 ", "0.7.5", True, id="spaces-around"),
    ],
)
def test_semver_requirement_operators(text: str, version: str, met: bool) -> None:
    """Comma-separated SemVer clauses with == != >= <= > < must all hold for a version to satisfy them."""
    requirement = parse_requirement(SEM, text, Accept.DEV)
    assert _satisfies(requirement, _v(SEM, version)) is met
    assert str(requirement) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("=>1.0.0", "not a SemVer requirement", id="reversed-operator"),
        pytest.param("=1.0.0", "not a SemVer requirement", id="single-equals"),
        pytest.param("~1.0.0", "not a SemVer requirement", id="tilde"),
        pytest.param("^1.0.0", "not a SemVer requirement", id="caret"),
        pytest.param("1.0.0", "not a SemVer requirement", id="no-operator"),
        pytest.param(">=1.0.0,", "not a SemVer requirement", id="trailing-comma"),
        pytest.param(">=1.0.0 <2.0.0", "not a SemVer requirement", id="space-separated"),
        pytest.param(">=0.7", "not a SemVer 2.0.0 version", id="partial-bound"),
        pytest.param(">=v0.7.0", "not a SemVer 2.0.0 version", id="v-prefix"),
        pytest.param(">=0.9.0b1", "not a SemVer 2.0.0 version", id="pep440-bound"),
        pytest.param(">==1.0.0", "not a SemVer 2.0.0 version", id="tripled-operator"),
        pytest.param("", "empty", id="empty"),
        pytest.param("   ", "empty", id="blank"),
    ],
)
def test_semver_requirement_errors(text: str, message: str) -> None:
    """A malformed SemVer requirement raises ValueError with a message that explains the syntax."""
    with pytest.raises(ValueError, match=message) as excinfo:
        parse_requirement(SEM, text)
    if text.strip():
        assert repr(text) in str(excinfo.value)
        assert "0.7.0-beta.1" in str(excinfo.value)


def test_semver_requirement_error_names_bad_bound() -> None:
    """The error for a partial bound names the bound and the expected MAJOR.MINOR.PATCH form."""
    with pytest.raises(ValueError, match=r"'0\.7' in '>=0\.7' is not a SemVer 2\.0\.0 version") as excinfo:
        parse_requirement(SEM, ">=0.7")
    assert "MAJOR.MINOR.PATCH" in str(excinfo.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("=>1.0", r"'=>1\.0' is not a PEP 440 requirement", id="reversed-operator"),
        pytest.param("1.0", "is not a PEP 440 requirement", id="no-operator"),
        pytest.param(">=0.7.0-15e87d6", "is not a PEP 440 requirement", id="commit-hash"),
        pytest.param("", "empty", id="empty"),
        pytest.param("  ", "empty", id="blank"),
    ],
)
def test_pep440_requirement_errors(text: str, message: str) -> None:
    """A malformed PEP 440 requirement raises ValueError with a message that shows an example."""
    with pytest.raises(ValueError, match=message) as excinfo:
        parse_requirement(PEP, text)
    if text.strip():
        assert ">=0.9.0b1" in str(excinfo.value)


# -- check() reasons ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "requirement", "accept", "version", "reason"),
    [
        pytest.param(
            PEP,
            ">=0.9.0b1",
            None,
            "0.9.1.dev1",
            "development build, and the plan accepts final and pre-release versions only",
            id="pep440-dev-under-pre",
        ),
        pytest.param(
            PEP,
            ">=5.0",
            None,
            "5.1.0b1",
            "pre-release, and the plan accepts final versions only",
            id="pep440-pre-under-final",
        ),
        pytest.param(
            PEP,
            ">=5.0",
            Accept.FINAL,
            "5.1.0.dev1",
            "development build, and the plan accepts final versions only",
            id="pep440-dev-under-final",
        ),
        pytest.param(PEP, ">=0.9.0b1", None, "0.8.1", "outside >=0.9.0b1", id="pep440-older"),
        pytest.param(
            SEM,
            ">=0.7.0-beta.1",
            None,
            "4.0.1-0.dev.git.6889.h262097b2",
            "development build, and the plan accepts final and pre-release versions only",
            id="semver-dev-under-pre",
        ),
        pytest.param(
            SEM,
            ">=0.7.0",
            None,
            "0.8.0-rc.1",
            "pre-release, and the plan accepts final versions only",
            id="semver-pre-under-final",
        ),
        pytest.param(SEM, ">=0.7.0-beta.1", None, "0.6.2", "outside >=0.7.0-beta.1", id="semver-older"),
        pytest.param(SEM, ">=0.7.0,<0.8.0", None, "0.8.0", "outside >=0.7.0,<0.8.0", id="semver-upper"),
    ],
)
def test_check_reason(scheme: Scheme, requirement: str, accept: Accept | None, version: str, reason: str) -> None:
    """check() explains a miss in a short phrase: the kind and the policy, or that it is outside the range."""
    assert parse_requirement(scheme, requirement, accept).check(_v(scheme, version)) == reason


@pytest.mark.parametrize(
    ("scheme", "requirement", "version"),
    [
        pytest.param(PEP, ">=0.9.0b1", "0.9.0b1", id="pep440-bound-itself"),
        pytest.param(PEP, ">0.9.1", "0.9.2", id="pep440-next"),
        pytest.param(SEM, ">=0.7.0-beta.1", "0.7.0-beta.1", id="semver-bound-itself"),
        pytest.param(SEM, ">=0.7.0,<0.8.0", "0.7.9", id="semver-range"),
    ],
)
def test_check_satisfied_is_none(scheme: Scheme, requirement: str, version: str) -> None:
    """check() returns None, not an empty string, when the version satisfies the requirement."""
    assert parse_requirement(scheme, requirement).check(_v(scheme, version)) is None


def test_check_other_scheme_is_a_miss() -> None:
    """A version of the other scheme never satisfies a requirement, and the reason names both schemes."""
    pep_req = parse_requirement(PEP, ">=0.7.0", Accept.DEV)
    sem_req = parse_requirement(SEM, ">=0.7.0", Accept.DEV)
    assert pep_req.check(_v(SEM, "0.8.0")) == "semver version, the requirement is pep440"
    assert sem_req.check(_v(PEP, "0.8.0")) == "pep440 version, the requirement is semver"


# -- numbers of too many digits ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "text"),
    [
        pytest.param(PEP, ">=1" + "0" * 5000, id="pep440-release-5000"),
        pytest.param(PEP, ">=1.0.dev" + "1" * 4400, id="pep440-dev-4400"),
        pytest.param(PEP, "===1" + "0" * 5000, id="pep440-arbitrary-equality"),
        pytest.param(PEP, "!=1.0, >=1." + "2" * 65, id="pep440-65"),
        pytest.param(SEM, ">=1" + "0" * 5000 + ".0.0", id="semver-major-5000"),
        pytest.param(SEM, ">=1.0.0-rc." + "1" * 5000, id="semver-prerelease-5000"),
        pytest.param(SEM, ">=1.0.0, <1." + "2" * 65 + ".0", id="semver-65"),
    ],
)
def test_a_requirement_with_a_part_of_too_many_digits_is_refused_in_our_words(scheme: Scheme, text: str) -> None:
    """A requirement whose number has more than 64 digits is a ValueError saying the limit, not Python's."""
    with pytest.raises(ValueError, match="a version part may have at most 64 digits") as excinfo:
        parse_requirement(scheme, text)
    message = str(excinfo.value)
    assert "set_int_max_str_digits" not in message
    assert len(message) < 200  # the thousands of digits are not repeated


@pytest.mark.parametrize(
    ("scheme", "text", "version"),
    [
        pytest.param(PEP, ">=" + "9" * 64, "1" + "0" * 64, id="pep440"),
        pytest.param(SEM, ">=" + "9" * 64 + ".0.0", "1" + "0" * 64 + ".0.0", id="semver"),
    ],
)
def test_a_requirement_of_64_digit_parts_still_reads(scheme: Scheme, text: str, version: str) -> None:
    """Up to the limit, long numbers read and compare as numbers."""
    assert _satisfies(parse_requirement(scheme, text), _v(scheme, version))


@pytest.mark.parametrize("scheme", [PEP, SEM])
def test_a_version_of_thousands_of_digits_is_still_no_version(scheme: Scheme) -> None:
    """A version read from GitHub or a registry with a part of thousands of digits is no version, as before."""
    assert parse_version(scheme, "1" + "0" * 5000 + ".0.0") is None
    assert parse_version(scheme, "1.0.0-rc." + "1" * 5000) is None
