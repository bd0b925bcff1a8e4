"""The state: what GitHub and the package indexes looked like at one moment; and the provider seam.

A `State` holds tags, GitHub releases, pull requests, issues, default-branch files and
published versions. A `StateProvider` reads one (live GitHub and the indexes, or a
snapshot: a state saved to a file). Anything that could not be read is an
`Unknown` value carrying the reason, never an exception and never a default that
could count as "met".
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from packaging.utils import canonicalize_name

from release_gate.plan.format import pin_path
from release_gate.plan.images import ImageRef, ValuesImage, image_at
from release_gate.plan.model import ItemRef, Plan, Release, Repo, Source
from release_gate.plan.values import PinFileError, image_mapping
from release_gate.times import show_time
from release_gate.versions import ParsedVersion, Scheme, VersionRequirement, parse_version

__all__ = [
    "FileHistory",
    "FileVersion",
    "GitHubRelease",
    "ImageWant",
    "Issue",
    "IssueState",
    "PrState",
    "Published",
    "PullRequest",
    "ReadStats",
    "Registry",
    "RepoState",
    "State",
    "StateProvider",
    "StateRequest",
    "Tag",
    "Unknown",
    "is_part_of",
    "registry_key",
    "request_for",
    "satisfies",
    "values_image",
]


@dataclass(frozen=True, slots=True)
class Unknown:
    """Something that could not be found out, and why."""

    reason: str


class PrState(enum.StrEnum):
    """Where a pull request stands."""

    OPEN = "open"
    MERGED = "merged"
    CLOSED = "closed"
    """Closed without being merged."""


class IssueState(enum.StrEnum):
    """Where an issue stands."""

    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Tag:
    """A git tag; ``date`` is when it was made (tagger or commit date), if known."""

    name: str
    sha: str = ""
    date: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class GitHubRelease:
    """A release on GitHub's releases page (a tag can exist without one)."""

    tag: str
    draft: bool = False
    prerelease: bool = False
    published_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class PullRequest:
    """A pull request as it stood when the state was read."""

    ref: ItemRef
    state: PrState
    title: str = ""
    draft: bool = False
    head: str = ""
    """The head branch (``consideRatio:pr2-test-docs``)."""
    created_at: dt.datetime | None = None
    merged_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    head_sha: str = ""
    review_decision: str = ""
    """GitHub's review decision: ``APPROVED``, ``CHANGES_REQUESTED``, ``REVIEW_REQUIRED`` or empty."""
    checks: str = ""
    """The head commit's combined check state: ``SUCCESS``, ``FAILURE``, ``PENDING``... or empty."""
    labels: tuple[str, ...] = ()

    def at(self, when: dt.datetime) -> PullRequest | Unknown | None:
        """Return this PR as it stood at *when*; ``None`` if it was not opened yet."""
        if self.created_at is not None and self.created_at > when:
            return None
        ended = self.merged_at if self.state is PrState.MERGED else self.closed_at
        if self.state is PrState.OPEN:
            return self
        if ended is None:
            return Unknown(
                f"{self.state} at a time the state does not record, so its state at {show_time(when)} is unknown"
            )
        if ended > when:
            return replace(self, state=PrState.OPEN, merged_at=None, closed_at=None)
        return self


@dataclass(frozen=True, slots=True)
class Issue:
    """An issue as it stood when the state was read."""

    ref: ItemRef
    state: IssueState
    title: str = ""
    created_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None

    def at(self, when: dt.datetime) -> Issue | Unknown | None:
        """Return this issue as it stood at *when*; ``None`` if it was not opened yet."""
        if self.created_at is not None and self.created_at > when:
            return None
        if self.state is IssueState.OPEN:
            return self
        if self.closed_at is None:
            return Unknown(f"closed at a time the state does not record, so its state at {show_time(when)} is unknown")
        if self.closed_at > when:
            return replace(self, state=IssueState.OPEN, closed_at=None)
        return self


@dataclass(frozen=True, slots=True)
class FileVersion:
    """One version of a default-branch file: its text from the commit that made it."""

    text: str | None
    """The file's text; ``None`` where there was no such file (not added yet, or deleted)."""
    since: dt.datetime | None = None
    """From when this version is known to be the file's text: the date of the commit that made it,
    or where that is not known a later moment it was seen; ``None`` when not known at all."""
    commit: str = ""
    """That commit's SHA, where known."""


@dataclass(frozen=True, slots=True)
class FileHistory:
    """What was read of one file on a repository's default branch, up to one moment.

    The versions are newest first; each lasts from its `FileVersion.since` until the
    next newer one's, the newest until `read_at`. Before the oldest version the file
    is unknown, unless the history is `complete` (then there was no such file). The
    dates are commit dates, as git records them: not when a commit reached the branch.
    """

    read_at: dt.datetime
    """The moment the default branch was read as of: when the state was taken, or ``--as-of``."""
    versions: tuple[FileVersion, ...] = ()
    complete: bool = False
    """Whether the versions go back to the file's first commit."""

    @classmethod
    def current(cls, text: str | None, read_at: dt.datetime, since: dt.datetime | None = None) -> FileHistory:
        """Return the history of a file read once: *text* at *read_at*, made at *since* if known."""
        return cls(read_at, (FileVersion(text, since),))

    @property
    def latest(self) -> FileVersion | None:
        """The version at `read_at`, if it was read."""
        return self.versions[0] if self.versions else None

    def at(self, when: dt.datetime) -> FileVersion | Unknown:
        """Return the version the file had at *when*, or `Unknown` when the history cannot tell.

        >>> import datetime as dt
        >>> day = lambda d: dt.datetime(2018, 8, d, tzinfo=dt.UTC)
        >>> history = FileHistory(day(19), (FileVersion("new", day(18)), FileVersion("old", day(10))))
        >>> history.at(day(19)).text, history.at(day(18)).text, history.at(day(12)).text
        ('new', 'new', 'old')
        >>> print(history.at(day(9)).reason)
        its history was read back to 2018-08-10 00:00 UTC only
        """
        if when > self.read_at:
            return Unknown(f"it was read as of {show_time(self.read_at)}, not later")
        for index, version in enumerate(self.versions):
            if version.since is None:
                if index == 0 and when == self.read_at:
                    return version
                return Unknown(f"it was read as of {show_time(self.read_at)}, without the date of its last change")
            if version.since <= when:
                return version
        if self.complete:
            return FileVersion(None)
        if not self.versions:
            return Unknown("no version of it was read")
        return Unknown(f"its history was read back to {show_time(self.versions[-1].since or self.read_at)} only")


@dataclass(frozen=True, slots=True)
class RepoState:
    """A repository's tags and the files of its default branch that the plan reads."""

    slug: str
    tags: tuple[Tag, ...] = ()
    default_branch: str = ""
    files: Mapping[str, FileHistory | Unknown] = field(default_factory=dict)
    """By path: what was read of each file, or why it could not be read."""
    releases: tuple[GitHubRelease, ...] = ()
    """GitHub releases, newest first (what the plan's sources may read)."""

    def file(self, path: str, when: dt.datetime) -> FileVersion | Unknown:
        """Return file *path* as it was at *when*; `Unknown` when it was not read for that moment."""
        history = self.files.get(path)
        if history is None:
            return Unknown(f"{path} of {self.slug} was not read")
        if isinstance(history, Unknown):
            return history
        return history.at(when)


@dataclass(frozen=True, slots=True)
class Published:
    """One version in a package index or chart repository, as it was read."""

    version: str
    """Exactly as the index writes it (``0.7.0-beta.1``, ``v0.6``)."""
    date: dt.datetime | None = None
    """The first upload (PyPI) or the entry's ``created`` time (Helm)."""
    files: int = 1
    """PyPI: how many files the version has (a version key can have none)."""
    yanked: int = 0
    """PyPI: how many of its files are yanked."""
    deprecated: str = ""
    """npm: why the version is deprecated (its ``deprecated`` message); empty: it is not."""
    platforms: tuple[tuple[str, dt.datetime], ...] = ()
    """conda: each platform (subdir) with a file under a counted label, and that file's first upload
    (``noarch`` for a noarch build); `files` counts every file and `yanked` those under no counted label."""
    digest: str = ""
    """An image tag (source oci): its manifest's digest (``Docker-Content-Digest``), where the registry gave it."""


@dataclass(frozen=True, slots=True)
class Registry:
    """What a package index (PyPI) or a Helm repository holds for one project or chart."""

    source: Source
    name: str
    """The PyPI project, or the chart's name."""
    url: str
    """The index's JSON API root, or the Helm repository's index.yaml URL."""
    versions: tuple[Published, ...] = ()


def registry_key(source: Source, name: str) -> str:
    """Return how a State files a registry: ``pypi:jupyterhub-kubespawner`` (names as PEP 503 says).

    >>> registry_key(Source.PYPI, "JupyterHub_KubeSpawner")
    'pypi:jupyterhub-kubespawner'
    """
    if source is Source.PYPI:
        name = canonicalize_name(name)
    return f"{source}:{name}"


@dataclass(frozen=True, slots=True)
class ReadStats:
    """What reading the state cost, when it was read live."""

    requests: int = 0
    """HTTP requests sent."""
    graphql_cost: int = 0
    """GraphQL points spent (GitHub's ``rateLimit.cost``, summed over queries)."""
    rate_remaining: int | None = None
    """Points or requests left in the current rate-limit window."""
    rate_reset: dt.datetime | None = None
    """When the rate-limit window resets."""
    notes: tuple[str, ...] = ()
    """Warnings worth showing (the anonymous limit, pages read, skipped data)."""
    registry_requests: int = 0
    """HTTP requests sent to package indexes and chart repositories."""


@dataclass(frozen=True, slots=True)
class State:
    """Everything a provider read, keyed case-insensitively by repo and number."""

    taken_at: dt.datetime
    """When the state was read; verdicts can be asked for this moment or any earlier one."""
    source: str
    """Where it came from, for reports: ``snapshot config/x.state.json``."""
    repos: Mapping[str, RepoState | Unknown] = field(default_factory=dict)
    """By lower-cased ``owner/name``."""
    items: Mapping[tuple[str, int], PullRequest | Issue | Unknown] = field(default_factory=dict)
    """By [`ItemRef.key`][release_gate.plan.model.ItemRef.key]."""
    families: Mapping[tuple[str, int], tuple[ItemRef, ...] | Unknown] = field(default_factory=dict)
    """Parts of split PRs that the provider found (by GitHub search), by the parent's key;
    [`Unknown`][release_gate.state.Unknown] where the search failed or was incomplete, so parts may be missing."""
    stats: ReadStats | None = None
    """The cost of a live read; ``None`` for recorded state."""
    registries: Mapping[str, Registry | Unknown] = field(default_factory=dict)
    """Package indexes and chart repositories, by `registry_key`."""
    as_of: dt.datetime | None = None
    """The moment verdicts are given for by default, when it is not `taken_at`: a snapshot
    that records what happened after the moment it is about (the built-in example records the
    weeks after the 2018 meeting, and answers as of the meeting)."""

    def registry(self, source: Source, name: str) -> Registry | Unknown:
        """Return what *source* holds for *name*, or [`Unknown`][release_gate.state.Unknown] if it was not read."""
        key = registry_key(source, name)
        try:
            return self.registries[key]
        except KeyError:  # the reason is written only when it is needed (large plans ask often)
            return Unknown(f"{key} is not in the state ({self.source})")

    def repo(self, slug: str) -> RepoState | Unknown:
        """Return the state of repo *slug*, or [`Unknown`][release_gate.state.Unknown] if it was not read."""
        try:
            return self.repos[slug.lower()]
        except KeyError:
            return Unknown(f"{slug} is not in the state ({self.source})")

    def item(self, ref: ItemRef) -> PullRequest | Issue | Unknown:
        """Return the PR or issue *ref*, or [`Unknown`][release_gate.state.Unknown] if it was not read."""
        try:
            return self.items[ref.key]
        except KeyError:
            return Unknown(f"{ref} is not in the state ({self.source})")

    def pull_requests(self, slug: str) -> Iterator[PullRequest]:
        """Yield every PR of repo *slug* in the state (for finding the parts of a family)."""
        for (item_slug, _), item in sorted(self.items.items()):
            if item_slug == slug.lower() and isinstance(item, PullRequest):
                yield item


@dataclass(frozen=True, slots=True)
class ImageWant:
    """A release's images, read for the versions its deciding source offers that satisfy it."""

    release: str
    """The release's id (for messages)."""
    repo: Repo
    """The release's packaging."""
    requirement: VersionRequirement
    source: Source
    """Its deciding source: the versions it offers name the tags to check."""
    images: tuple[ImageRef, ...]
    values: tuple[ValuesImage, ...] = ()
    """Images named by a values file of the release's repo (`values_image` reads each at a moment)."""


def values_image(state: State, slug: str, entry: ValuesImage, when: dt.datetime) -> ImageRef | Unknown:
    """Return the image *entry* names at *when*: the mapping in the values file of *slug* at that moment, at its tag.

    Unknown when the file was not read for that moment, is missing, has no such key, holds no
    image mapping there, or a tag that is no string or no valid tag. A placeholder tag
    (``set-by-chartpress``) is a tag like any other: the registry will not have it.
    """
    repo = state.repo(slug)
    version = repo if isinstance(repo, Unknown) else repo.file(entry.path, when)
    if isinstance(version, Unknown):
        return Unknown(f"{entry.path} of {slug} could not be read: {version.reason}")
    if version.text is None:
        return Unknown(f"{slug} has no file {entry.path} on its default branch as of {show_time(when)}")
    try:
        name, tag, _ = image_mapping(version.text, entry.path, entry.key)
    except (PinFileError, RecursionError) as error:
        why = str(error) if isinstance(error, PinFileError) else f"{entry.path} is nested too deeply to read"
        return Unknown(f"{why} (images: {entry.text})")
    if not isinstance(tag, str):
        written = "has no tag" if tag is None else f"has a tag written as {type(tag).__name__} {tag!r}, not a string"
        return Unknown(f"{entry.path}: {entry.key} {written} (images: {entry.text})")
    found = image_at(name, tag.strip().partition("@")[0])  # a digest after the tag pins it; the tag is checked
    return Unknown(f"{entry.path}: {entry.key}: {found} (images: {entry.text})") if isinstance(found, str) else found


@dataclass(frozen=True, slots=True)
class StateRequest:
    """What a plan needs to know: which repos' tags, which PRs and issues, which families."""

    repos: tuple[str, ...]
    items: tuple[ItemRef, ...]
    """PRs and issues (a provider returns whichever each number is)."""
    families: tuple[ItemRef, ...] = ()
    """Parents of families whose parts should also be found (``discover = true``)."""
    wants: tuple[tuple[Repo, VersionRequirement], ...] = ()
    """The releases wanted, so a provider can stop reading tags once they are decided."""
    files: tuple[tuple[str, str], ...] = ()
    """``(owner/name, path)`` of default-branch files the plan reads."""
    registries: tuple[tuple[Source, str, str], ...] = ()
    """``(source, name, url)`` of the package indexes and chart repositories to read."""
    as_of: dt.datetime | None = None
    """Read the default-branch `files` as they were at this moment (``None``: as they are now)."""
    files_since: dt.datetime | None = None
    """Also read the versions the files had since this moment (for a timeline); ``None``: only the last."""
    images: tuple[ImageWant, ...] = ()
    """The releases that name images: read after everything else, for the versions found."""

    def tags_decided(self, slug: str, newest_first: Sequence[Tag]) -> bool:
        """Return whether the tags read so far (newest first) decide every release of repo *slug*.

        Versions are taken to grow over time, so older tags hold lower versions. A release is
        decided when a tag satisfies it and the oldest tag read does not (no earlier
        satisfying version can be older), or when nothing satisfies it and the oldest version
        read is already below its lower bound (nothing older can reach it). Otherwise older
        tags may matter, and a provider reads on while there are more.
        """
        for repo, requirement in self.wants:
            if repo.slug.lower() != slug.lower():
                continue
            satisfied = [satisfies(repo, requirement, tag) for tag in newest_first]
            if any(satisfied):
                if satisfied[-1]:
                    return False
                continue
            versions = [v for tag in newest_first if (v := _version(repo, tag)) is not None]
            if not versions or not requirement.is_below(versions[-1]):
                return False
        return True


def _version(repo: Repo, tag: Tag) -> ParsedVersion | None:
    text = repo.version_from_tag(tag.name)
    return parse_version(repo.scheme, text, partial=repo.scheme is Scheme.SEMVER) if text else None


def satisfies(repo: Repo, requirement: VersionRequirement, tag: Tag) -> bool:
    """Return whether *tag* names a version of *repo* that satisfies *requirement*."""
    version = _version(repo, tag)
    return version is not None and requirement.check(version) is None


def request_for(
    plan: Plan,
    items: tuple[ItemRef, ...],
    *,
    as_of: dt.datetime | None = None,
    files_since: dt.datetime | None = None,
) -> StateRequest:
    """Return the state request for *plan*, given every item its graph names.

    *as_of* asks for the default-branch files as they were at that moment (pins are judged
    by the file of their moment, never by today's); *files_since* for their versions since then.
    """
    slugs = {r.slug for r in plan.repos} | {ref.slug for ref in items}
    registries: dict[str, tuple[Source, str, str]] = {}
    # The repos' places, as always (also a repo's whose releases all name their own), then the releases' own.
    packagings = (*plan.repos, *(r.packaging for r in plan.releases if r.packaging is not None))
    for repo in packagings:
        for source in repo.sources:
            place = repo.place(source)
            if place is not None and place[0]:
                registries[registry_key(source, place[0])] = (source, *place)
    # The feedstocks' recipes (source recipe): files of repos the plan may not name, read with its own.
    recipes = {(r.conda.feedstock, path) for r in packagings if r.conda is not None for path in recipe_paths(r)}
    # The values files that name images (images = ["PATH#KEY"]): read with the pins, at the same moment.
    values = {(plan.repo(r.repo).slug, image.path) for r in plan.releases for image in r.values_images}
    return StateRequest(
        repos=tuple(sorted(slugs, key=str.lower)),
        items=tuple(sorted(set(items))),
        families=tuple(f.parent for f in plan.families if f.discover),
        wants=tuple((plan.packaging(r), r.requirement) for r in plan.releases),
        files=tuple(
            sorted({*((plan.repo(r.repo).slug, pin_path(e)) for r in plan.releases for e in r.pins), *recipes, *values})
        ),
        registries=tuple(registries[key] for key in sorted(registries)),
        as_of=as_of,
        files_since=files_since,
        images=tuple(_image_want(plan, r) for r in plan.releases if r.images or r.values_images),
    )


def recipe_paths(repo: Repo) -> tuple[str, ...]:
    """Return the recipe paths *repo* (a packaging) reads in its feedstock; ``()`` without the recipe source."""
    if Source.RECIPE not in repo.sources or repo.conda is None or not repo.conda.feedstock:
        return ()
    return repo.conda.recipe


def _image_want(plan: Plan, release: Release) -> ImageWant:
    repo = plan.packaging(release)
    source = release.decided_by or repo.sources[0]
    return ImageWant(release.id, repo, release.requirement, source, release.images, release.values_images)


_PART = re.compile(
    r"(?:^\s*\[\s*part\s+\d+\s+of\s+#(?P<title>\d+)\s*\])"
    r"|(?:\b(?:part\s+\d+\s+of|split\s+(?:out\s+)?(?:from|of)|broken\s+out\s+of|extracted\s+from)\s+#(?P<body>\d+)\b)",
    re.IGNORECASE,
)


def is_part_of(parent: int, title: str, body: str = "") -> bool:
    """Return whether a PR with *title* and *body* is a part of split PR #*parent*.

    A part is titled ``[Part N of #PARENT] ...``, or says in its description that it is
    ``part N of``, ``split from``, ``split out of``, ``broken out of`` or ``extracted from``
    ``#PARENT``. A bare mention of ``#PARENT`` is not enough.

    >>> is_part_of(205, "[Part 4 of #205] Tolerations")
    True
    >>> is_part_of(205, "Tolerations", "Split out of #205, as discussed.")
    True
    >>> is_part_of(205, "Fix a bug from #205")
    False
    """
    return any(str(parent) in (m.group("title"), m.group("body")) for m in _PART.finditer(f"{title}\n{body}"))


class StateProvider(Protocol):
    """A source of state: a recorded snapshot, a fake, or (later) live GitHub.

    ``fetch`` returns a [`State`][release_gate.state.State] with an entry for everything requested; what could
    not be read for one repo or item is an [`Unknown`][release_gate.state.Unknown] entry (a missing entry is read
    as unknown too). Only when nothing at all can be read does it raise
    [`StateUnavailableError`][release_gate.errors.StateUnavailableError].
    """

    def fetch(self, request: StateRequest) -> State:
        """Read the state *request* asks for."""
        ...
