"""Version schemes: PEP 440 for Python packages, SemVer 2.0.0 for Helm charts.

Each scheme parses a version string into a `ParsedVersion` that knows its
`VersionKind` (final, pre-release, development build), and parses a requirement
such as ``>=0.9.0b1`` or ``>=0.7.0-beta.1`` into a `VersionRequirement` that decides,
with an explicit `Accept` policy, whether a version satisfies it.

The two schemes are never coerced into each other: ``1.0.0-1`` is a post-release in
PEP 440 and a pre-release in SemVer, so a repo's scheme decides which reading applies.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass
from functools import total_ordering

import semver
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

__all__ = [
    "Accept",
    "ParsedVersion",
    "Scheme",
    "VersionKind",
    "VersionRequirement",
    "parse_requirement",
    "parse_version",
]


class Scheme(enum.StrEnum):
    """How a repo's versions are written and ordered."""

    PEP440 = "pep440"
    """Python packages: ``0.9.0b1``, ordered by PEP 440 through `packaging`."""
    SEMVER = "semver"
    """Helm charts: ``0.7.0-beta.1``, ordered by SemVer 2.0.0 precedence."""


class VersionKind(enum.StrEnum):
    """What kind of release a version string names."""

    FINAL = "final"
    """A final (or post-) release: ``0.9.0``, ``0.9.0.post1``, ``0.7.0``."""
    PRE = "pre"
    """A labelled pre-release: alpha, beta or release candidate."""
    DEV = "dev"
    """A development build: ``0.9.0.dev1``, ``0.7.0-15e87d6``, ``4.0.1-0.dev.git.6889.h2``."""


class Accept(enum.StrEnum):
    """Which kinds of versions may satisfy a requirement (the pre-release policy)."""

    FINAL = "final"
    """Only final releases."""
    PRE = "pre"
    """Final releases and labelled pre-releases (alpha, beta, rc); never development builds."""
    DEV = "dev"
    """Any version, development builds included."""

    def admits(self, kind: VersionKind) -> bool:
        """Return whether a version of *kind* may satisfy a requirement under this policy.

        >>> Accept.PRE.admits(VersionKind.DEV)
        False
        """
        # Identity tests, not dicts keyed by enum members: this runs for every tag of every release.
        if self is Accept.DEV:
            return True
        if self is Accept.PRE:
            return kind is not VersionKind.DEV
        return kind is VersionKind.FINAL


# A SemVer pre-release counts as a labelled pre-release when its first identifier is one
# of these labels (``beta``, ``beta1``, ``rc``) and every other identifier is a number or a
# label (``beta.2``, ``alpha.beta``); anything else is a development or CI build:
# ``0.dev.git.6889.h2``, ``15e87d6``, ``n772.hf133567f``, ``doc``, and chartpress's builds
# after a pre-release tag, ``0.10.0-beta.1.git.5.h1234567`` and ``0.10.0-beta.1.n005.h1234567``.
_SEMVER_PRE_LABEL = re.compile(r"^(alpha|beta|rc|pre|preview|a|b)\d{0,4}$", re.IGNORECASE)


@total_ordering
@dataclass(frozen=True, slots=True)
class ParsedVersion:
    """A version string read in one scheme; ordered within that scheme only."""

    scheme: Scheme
    text: str
    """The version as written (``0.7.0-beta.1``), kept for display and exact lookups."""
    kind: VersionKind
    _key: Version | semver.Version

    def __str__(self) -> str:
        return self.text

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, ParsedVersion) or other.scheme is not self.scheme:
            return NotImplemented
        return bool(self._key < other._key)  # type: ignore[operator]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParsedVersion) or other.scheme is not self.scheme:
            return NotImplemented
        return bool(self._key == other._key)

    def __hash__(self) -> int:
        return hash((self.scheme, self._key))


def _semver_kind(version: semver.Version) -> VersionKind:
    if version.prerelease is None:
        return VersionKind.DEV if version.build else VersionKind.FINAL
    first, *rest = version.prerelease.split(".")
    if _SEMVER_PRE_LABEL.match(first) and all(p.isdigit() or _SEMVER_PRE_LABEL.match(p) for p in rest):
        return VersionKind.PRE
    return VersionKind.DEV


MAX_VERSION_LENGTH = 256
"""Longer text is no version (and Python would refuse to read its numbers past 4,300 digits)."""

MAX_VERSION_DIGITS = 64
"""The most digits one number of a version in a requirement may have (``>=1.0.post123``: 3)."""

_NUMBER = re.compile(r"\d+")


def parse_version(scheme: Scheme, text: str, *, partial: bool = False) -> ParsedVersion | None:
    """Read *text* as a version in *scheme*; return ``None`` when it is not one.

    *partial* lets SemVer read ``0.6`` as ``0.6.0`` (old chart tags such as ``v0.6``).

    >>> parse_version(Scheme.PEP440, "0.9.0b1").kind
    <VersionKind.PRE: 'pre'>
    >>> parse_version(Scheme.SEMVER, "0.7-15e87d6", partial=True).kind
    <VersionKind.DEV: 'dev'>
    >>> parse_version(Scheme.SEMVER, "4.0.1-0.dev.git.6889.h262097b2").kind
    <VersionKind.DEV: 'dev'>
    >>> parse_version(Scheme.SEMVER, "not-a-version") is None
    True
    >>> parse_version(Scheme.PEP440, "9" * 5000) is None  # no version is that long
    True
    """
    if len(text) > MAX_VERSION_LENGTH:
        return None
    return _parse_version(scheme, text, partial)


@functools.lru_cache(maxsize=65536, typed=True)
def _parse_version(scheme: Scheme, text: str, partial: bool) -> ParsedVersion | None:
    """Parse once: plans read the same tag names for many releases (a ParsedVersion never changes)."""
    if scheme is Scheme.PEP440:
        try:
            pep = Version(text)
        except InvalidVersion:
            return None
        if pep.is_devrelease or pep.local is not None:
            kind = VersionKind.DEV
        elif pep.is_prerelease:
            kind = VersionKind.PRE
        else:
            kind = VersionKind.FINAL
        return ParsedVersion(scheme, text, kind, pep)
    try:
        sem = semver.Version.parse(text, optional_minor_and_patch=partial)
    except (ValueError, TypeError):
        return None
    return ParsedVersion(scheme, text, _semver_kind(sem), sem)


_SEMVER_CLAUSE = re.compile(r"^\s*(==|!=|>=|<=|>|<)\s*(\S+)\s*$")


@dataclass(frozen=True, slots=True)
class _SemverClause:
    op: str
    bound: semver.Version

    def holds(self, version: semver.Version) -> bool:
        comparison = version.compare(self.bound)
        match self.op:
            case "==":
                return comparison == 0
            case "!=":
                return comparison != 0
            case ">=":
                return comparison >= 0
            case "<=":
                return comparison <= 0
            case ">":
                return comparison > 0
            case "<":
                return comparison < 0
        raise KeyError(self.op)


@dataclass(frozen=True, slots=True)
class VersionRequirement:
    """A version requirement in one scheme, with its pre-release policy."""

    scheme: Scheme
    text: str
    """The requirement as written in the plan (``>=0.9.0b1``)."""
    accept: Accept
    """The effective policy: as written in the plan, or derived (see `parse_requirement`)."""
    _pep: SpecifierSet | None
    _sem: tuple[_SemverClause, ...]

    def check(self, version: ParsedVersion) -> str | None:
        """Return ``None`` when *version* satisfies this requirement, else why not.

        >>> req = parse_requirement(Scheme.PEP440, ">=0.9.0b1")
        >>> req.check(parse_version(Scheme.PEP440, "0.9.0b2")) is None
        True
        >>> req.check(parse_version(Scheme.PEP440, "0.9.1.dev1"))
        'development build, and the plan accepts final and pre-release versions only'
        """
        if version.scheme is not self.scheme:
            return f"{version.scheme} version, the requirement is {self.scheme}"
        if not self.accept.admits(version.kind):
            allowed = {
                Accept.FINAL: "final versions only",
                Accept.PRE: "final and pre-release versions only",
                Accept.DEV: "any version",
            }[self.accept]
            kind = {VersionKind.PRE: "pre-release", VersionKind.DEV: "development build"}
            return f"{kind.get(version.kind, 'final')}, and the plan accepts {allowed}"
        if self._pep is not None:
            # packaging 26 changed the default pre-release handling of `contains`; the
            # policy above already decided on pre-releases, so ask the pure range question.
            # The parsed version saves parsing the text again; `===` compares the text as written
            # (without "===" in the requirement, no clause can be an arbitrary equality).
            key = version._key  # noqa: SLF001 - same module: the comparison key of a ParsedVersion
            item = key if isinstance(key, Version) and "===" not in self.text else str(version.text)
            if not self._pep.contains(item, prereleases=True):
                return _outside(self.text)
            return None
        key = version._key  # noqa: SLF001 - same module: the comparison key of a ParsedVersion
        assert isinstance(key, semver.Version)
        for clause in self._sem:
            if not clause.holds(key):
                return _outside(self.text)
        return None

    def is_below(self, version: ParsedVersion) -> bool:
        """Return whether *version* is below a lower bound (``>=``, ``>``, ``==``, ``~=``) of this requirement.

        Then every lower version fails too, which lets a reader stop at older tags.

        >>> req = parse_requirement(Scheme.PEP440, ">=0.9.0b1")
        >>> req.is_below(parse_version(Scheme.PEP440, "0.8.1")), req.is_below(parse_version(Scheme.PEP440, "1.0"))
        (True, False)
        """
        if version.scheme is not self.scheme:
            return False
        if self._pep is not None:
            key = version._key  # noqa: SLF001 - same module: the comparison key of a ParsedVersion
            assert isinstance(key, Version)
            for spec in self._pep:
                if spec.operator in (">=", ">", "==", "~=", "===") and _plain(spec.version):
                    bound = Version(spec.version.rstrip(".*"))
                    if key < bound or (spec.operator == ">" and key == bound):
                        return True
            return False
        key = version._key  # noqa: SLF001 - ParsedVersion is this module's own class
        assert isinstance(key, semver.Version)
        return any(c.op in (">=", ">", "==") and key.compare(c.bound) < (1 if c.op == ">" else 0) for c in self._sem)

    def __str__(self) -> str:
        return self.text


def parse_requirement(scheme: Scheme, text: str, accept: Accept | None = None) -> VersionRequirement:
    """Parse a requirement such as ``>=0.9.0b1`` (PEP 440) or ``>=0.7.0-beta.1`` (SemVer).

    SemVer requirements are comma-separated clauses, each one of ``== != >= <= > <``
    followed by a full SemVer version. When *accept* is ``None`` the policy is derived as
    PEP 440 does: pre-releases are accepted when a bound names one (dev builds too when a
    bound names a dev build), else finals only.

    Raises `ValueError` with a message fit for a plan error, also when a number of the
    requirement has more than `MAX_VERSION_DIGITS` digits.

    >>> parse_requirement(Scheme.SEMVER, ">=0.7.0-beta.1").accept
    <Accept.PRE: 'pre'>
    >>> parse_requirement(Scheme.PEP440, ">0.9.1").accept
    <Accept.FINAL: 'final'>
    >>> parse_requirement(Scheme.PEP440, ">=1.0.dev0").accept  # naming a dev build admits dev builds
    <Accept.DEV: 'dev'>
    """
    if not text.strip():
        raise ValueError("the requirement is empty")
    longest = max((len(number) for number in _NUMBER.findall(text)), default=0)
    if longest > MAX_VERSION_DIGITS:
        # Python refuses to read numbers past 4,300 digits; no real version comes near either limit.
        raise ValueError(f"a version part may have at most {MAX_VERSION_DIGITS} digits, not {longest:,}")
    if scheme is Scheme.PEP440:
        try:
            spec = SpecifierSet(text)
        except InvalidSpecifier:
            raise ValueError(f"{text!r} is not a PEP 440 requirement (e.g. '>=0.9.0b1')") from None
        # As PEP 440 says, only inclusive bounds imply pre-releases: `!=1.5b1` excludes one.
        named = [Version(s.version.rstrip(".*")) for s in spec if s.operator != "!=" and _plain(s.version)]
        derived = (
            Accept.DEV
            if any(v.is_devrelease for v in named)
            else Accept.PRE
            if any(v.is_prerelease for v in named)
            else Accept.FINAL
        )
        return VersionRequirement(scheme, text, accept or derived, spec, ())
    clauses: list[_SemverClause] = []
    for raw in text.split(","):
        match = _SEMVER_CLAUSE.match(raw)
        if match is None:
            raise ValueError(
                f"{text!r} is not a SemVer requirement: each comma-separated clause is an "
                "operator (== != >= <= > <) and a version, e.g. '>=0.7.0-beta.1'"
            )
        op, bound_text = match.groups()
        try:
            bound = semver.Version.parse(bound_text)
        except ValueError:
            raise ValueError(
                f"{bound_text!r} in {text!r} is not a SemVer 2.0.0 version (MAJOR.MINOR.PATCH, e.g. '0.7.0-beta.1')"
            ) from None
        clauses.append(_SemverClause(op, bound))
    kinds = {_semver_kind(c.bound) for c in clauses if c.bound.prerelease and c.op != "!="}
    derived = Accept.DEV if VersionKind.DEV in kinds else Accept.PRE if kinds else Accept.FINAL
    return VersionRequirement(scheme, text, accept or derived, None, tuple(clauses))


@functools.lru_cache(maxsize=1024)
def _outside(text: str) -> str:
    """Return why a version fails *text*: one string for all the tags a requirement rejects."""
    return f"outside {text}"


def _plain(version: str) -> bool:
    try:
        Version(version.rstrip(".*"))
    except InvalidVersion:
        return False
    return True
