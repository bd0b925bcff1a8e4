"""A first plan, drafted from what GitHub shows of some repositories: facts in, commented TOML out.

Pure: ``release-gate init`` reads the facts (`release_gate.sources.repo_facts`) and
writes the text `draft_plan` returns. Every key written is a key of the plan format
(`release_gate.plan.format.PLAN`); what the facts do not settle is a guess, marked
``GUESS`` on its line and listed at the top (and in `Draft.guesses`), so the team
reads what it must decide. The wanted version of every release is a guess: the next one
after the latest (``>LATEST``).
"""

from __future__ import annotations

import enum
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import semver
from packaging.utils import canonicalize_name
from packaging.version import Version

from release_gate.plan.format import PLAN, Field, Kind
from release_gate.plan.model import Repo
from release_gate.plan.projects import (
    Chart,
    PythonProject,
    TagPattern,
    charts,
    exact_pins,
    is_requirements,
    python_project,
    tag_patterns,
)
from release_gate.untrusted import clean
from release_gate.versions import Scheme, VersionKind, parse_version

__all__ = ["Draft", "PullFact", "RepoFacts", "draft_plan"]


@dataclass(frozen=True, slots=True)
class PullFact:
    """An open pull request that a label or milestone picked out."""

    number: int
    title: str
    why: str
    """How it was picked: ``labelled release-blocker``, ``in milestone 0.9``."""


@dataclass(frozen=True, slots=True)
class RepoFacts:
    """What GitHub shows of one repository, as far as ``release-gate init`` reads it."""

    slug: str
    """``owner/name`` as GitHub spells it."""
    tags: tuple[str, ...] = ()
    """Tag names, newest first."""
    tag_count: int = 0
    """How many tags the repository has (more than `tags` when only the newest were read)."""
    releases: tuple[str, ...] = ()
    """The tags of its GitHub releases that are not drafts, newest first."""
    files: Mapping[str, str] = field(default_factory=dict)
    """The texts of the project files read (pyproject.toml, Chart.yaml...), by path."""
    unread: Mapping[str, str] = field(default_factory=dict)
    """Project files that could not be read, and why."""
    needs: tuple[PullFact, ...] = ()
    """Open PRs with a needs label, or in a milestone asked for."""
    holds: tuple[PullFact, ...] = ()
    """Open PRs with a hold label."""
    notes: tuple[str, ...] = ()
    """What the read could not see whole (more PRs than one page), to check by hand."""


@dataclass(frozen=True, slots=True)
class Draft:
    """A drafted plan: its text, and what it had to guess."""

    text: str
    guesses: tuple[str, ...]
    """``key: what was guessed``, as the text's header lists them."""
    repos: int
    releases: int
    holds: int


class _Publishes(enum.Enum):
    """Where a repository's releases go."""

    PYPI = "pypi"
    HELM = "helm"
    NOTHING = "nothing"


@dataclass(frozen=True, slots=True)
class _Unit:
    """A repository and the one thing the plan releases of it: its Python project, a chart, or its tags."""

    id: str
    facts: RepoFacts
    publishes: _Publishes
    name: str = ""
    """The PyPI project or chart name."""
    where: str = ""
    """Where the name was read."""
    chart: Chart | None = None
    project: PythonProject | None = None
    also: tuple[str, ...] = ()
    """Other things the repository publishes, which the plan leaves out (one repos entry per repository)."""

    def aliases(self) -> frozenset[str]:
        """Return what a tag prefix may call it (``pkg-v1.0``: ``pkg``), canonical."""
        return _aliases(self.publishes, self.name, self.facts.slug)


def _aliases(publishes: _Publishes, name: str, slug: str) -> frozenset[str]:
    repo = canonicalize_name(slug.partition("/")[2])
    name = canonicalize_name(name) if name else repo
    if publishes is _Publishes.HELM:
        return frozenset({name, "chart", "helm", "helm-chart", f"{name}-chart", f"chart-{name}"})
    return frozenset({name, repo, "py", "python", "pypi"})


@dataclass(frozen=True, slots=True)
class _Edge:
    """An ``after`` edge: the upstream release, why, and the ``pins`` entry that shows it (if one can)."""

    upstream: str
    why: str
    pin: str = ""
    guess: str = ""
    """Why the pins entry is a guess, if it is one."""


# -- the plan format's keys -----------------------------------------------------------------------


def _spec(*path: str) -> Field:
    """Return the plan format's field at *path* (``*`` steps into a map's entries); a bug if there is none."""
    spec = PLAN
    for name in path:
        if name == "*":
            assert spec.kinds == (Kind.MAP,), path
            assert spec.item is not None, path
            spec = spec.item
        else:
            spec = spec.fields[name]
    return spec


def _key(*path: str) -> str:
    """Return the key *path* names inside its table, checked against the plan format, so the draft cannot drift.

    >>> _key("repos", "*", "published", "pypi"), _key("plan", "name")
    ('published.pypi', 'name')
    """
    _spec(*path)
    inside = len(path) - path[::-1].index("*") if "*" in path else 1
    return ".".join(path[inside:])


DEFAULT_TAGS: tuple[str, ...] = tuple(_spec("repos", "*", "tags").default)
"""The plan's default tag patterns: ``v{version}``, then ``{version}``."""

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(name: str) -> str:
    return name if _BARE_KEY.match(name) else _string(name)


def _string(value: str) -> str:
    """Return *value* as a TOML basic string (control characters escaped, lone surrogates replaced)."""
    out = []
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif code < 0x20 or 0x7F <= code <= 0x9F:  # C0, DEL and C1
            out.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:  # no encoder writes a lone surrogate
            out.append("\ufffd")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _strings(values: Sequence[str]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


# -- what each repository releases ----------------------------------------------------------------


def _base_ids(facts: Sequence[RepoFacts]) -> dict[str, str]:
    """Return each repository's id: its name, or ``owner-name`` when two listed repositories share a name."""

    def tidy(text: str) -> str:
        return re.sub(r"^[^a-z0-9]+", "", re.sub(r"[^a-z0-9_.-]+", "-", text.lower())) or "repo"

    names = [tidy(f.slug.partition("/")[2]) for f in facts]
    ids: dict[str, str] = {}
    for repo, name in zip(facts, names, strict=True):
        wanted = name if names.count(name) == 1 else tidy(repo.slug.replace("/", "-"))
        unique, count = wanted, 1
        while unique in ids.values():
            count += 1
            unique = f"{wanted}-{count}"
        ids[repo.slug] = unique
    return ids


def _units(facts: Sequence[RepoFacts]) -> tuple[_Unit, ...]:
    """Return what the plan releases of each repository: its Python project, else the chart most of its tags name.

    A repository is one ``repos`` entry, with one scheme and one list of tag patterns, so it
    is one release here; the other things it publishes are named, for the team to decide.
    """
    bases = _base_ids(facts)
    found = []
    for repo in facts:
        project = python_project(repo.files)
        found_charts = sorted(charts(repo.files), key=lambda c: -_tags_naming(repo, c.name))
        others = tuple(f"the Helm chart {c.name} ({c.path})" for c in found_charts)
        if project is not None:
            found.append(
                _Unit(bases[repo.slug], repo, _Publishes.PYPI, project.name, project.where, None, project, others)
            )
        elif found_charts:
            chart = found_charts[0]
            unit = _Unit(
                bases[repo.slug], repo, _Publishes.HELM, chart.name, f"{chart.path} name", chart, None, others[1:]
            )
            found.append(unit)
        else:
            found.append(_Unit(bases[repo.slug], repo, _Publishes.NOTHING))
    return tuple(found)


def _tags_naming(repo: RepoFacts, chart: str) -> int:
    """Return how many of *repo*'s tags a prefix names as *chart*'s (``common-1.2.0``)."""
    aliases = _aliases(_Publishes.HELM, chart, repo.slug)
    return sum(len(p.tags) for p in tag_patterns(repo.tags) if p.stem in aliases)


@dataclass(frozen=True, slots=True)
class _Shape:
    """How a unit's versions are written: scheme, tag patterns, the latest version; and where its chart index is."""

    scheme: Scheme
    scheme_note: str
    scheme_guess: str
    tags: tuple[str, ...]
    tags_note: str
    tags_guess: str
    latest: str
    """The latest version (normalised), or ``""``."""
    latest_from: str
    index: str = ""
    index_guess: str = ""


def _patterns_for(unit: _Unit) -> tuple[tuple[TagPattern, ...], str]:
    """Return the tag patterns of *unit*'s versions, and why they are a guess when they are one.

    Those whose prefix names it (``common-{version}`` for the chart common), else those with no
    name (``v{version}``, ``{version}``), else any other (``release-{version}``).
    """
    patterns = tag_patterns(unit.facts.tags)
    mine = tuple(p for p in patterns if p.stem and p.stem in unit.aliases())
    generic = tuple(p for p in patterns if not p.stem)
    others = tuple(p for p in patterns if p.stem and p not in mine)
    if mine or generic:
        return mine or generic, ""
    if others:
        return others, "its tags name something else than its release: check they are its versions"
    return (), "no tag names a version yet: the plan's default patterns"


def _scheme_for(unit: _Unit) -> tuple[Scheme, str, str]:
    """Return a unit's version scheme, why, and the guess it is when nothing published says."""
    if unit.publishes is _Publishes.PYPI:
        return Scheme.PEP440, "a Python project", ""
    if unit.publishes is _Publishes.HELM:
        return Scheme.SEMVER, "a Helm chart", ""
    versions = [
        text for pattern in tag_patterns(unit.facts.tags) for tag in pattern.tags if (text := _version_text(tag))
    ]
    pep = sum(parse_version(Scheme.PEP440, v) is not None for v in versions)
    sem = sum(parse_version(Scheme.SEMVER, v, partial=True) is not None for v in versions)
    if sem > pep:
        return Scheme.SEMVER, "", "its tags read as SemVer versions, not all as PEP 440 ones"
    return (
        Scheme.PEP440,
        "",
        "nothing published says; its tags read as PEP 440 versions"
        if versions
        else ("nothing published says, and no tag names a version"),
    )


def _version_text(tag: str) -> str:
    found = tag_patterns((tag,))
    if not found:
        return ""
    prefix = found[0].pattern.partition("{version}")[0]
    return tag[len(prefix) :]


def _normal(scheme: Scheme, text: str) -> str:
    """Return version *text* as a requirement writes it: PEP 440's normal form, or a full SemVer version."""
    if scheme is Scheme.PEP440:
        return str(Version(text))
    return str(semver.Version.parse(text, optional_minor_and_patch=True))


def _latest(unit: _Unit, scheme: Scheme, tags: tuple[str, ...]) -> tuple[str, str]:
    """Return the highest version among the unit's tags and GitHub releases (no development builds), and where."""
    reader = Repo(unit.id, unit.facts.slug, scheme, tags)
    best = None
    for where, names in (("tag", unit.facts.tags), ("GitHub release", unit.facts.releases)):
        for name in names:
            text = reader.version_from_tag(name)
            version = parse_version(scheme, text, partial=scheme is Scheme.SEMVER) if text else None
            if version is not None and version.kind is not VersionKind.DEV and (best is None or version > best[0]):
                best = (version, f"{where} {name}")
    if best is None:
        return "", ""
    return _normal(scheme, best[0].text), best[1]


def _tags_note(chosen: Sequence[TagPattern], facts: RepoFacts) -> str:
    if not chosen:
        return "no tags yet" if not facts.tags else "no tag names a version"
    counts = ", ".join(f"{len(p.tags)} as {p.pattern}" for p in chosen)
    newest = min(chosen, key=lambda p: facts.tags.index(p.tags[0])).tags[0]
    return f"{counts}; the newest {newest}"


def _helm_index(unit: _Unit, units: Sequence[_Unit]) -> tuple[str, str]:
    """Return a guess at the chart repository's index URL, and why (the index is not in the repository)."""
    for other in units:
        for dependency in other.chart.dependencies if other.chart else ():
            if dependency.name == unit.name and dependency.repository.startswith(("https://", "http://")):
                url = dependency.repository.rstrip("/") + "/index.yaml"
                return url, f"where {other.facts.slug}'s {other.chart.path if other.chart else ''} gets it from"
    owner, _, name = unit.facts.slug.partition("/")
    return (
        f"https://{owner.lower()}.github.io/{name}/index.yaml",
        "where chart-releaser publishes (GitHub Pages); the chart index is not in the repository",
    )


def _shape(unit: _Unit, units: Sequence[_Unit]) -> _Shape:
    chosen, tags_guess = _patterns_for(unit)
    tags = tuple(p.pattern for p in chosen) or DEFAULT_TAGS
    if set(tags) <= set(DEFAULT_TAGS):  # both: projects move from v1.0 to 1.0 (and back)
        tags = (*tags, *(t for t in DEFAULT_TAGS if t not in tags))
    scheme, scheme_note, scheme_guess = _scheme_for(unit)
    latest, latest_from = _latest(unit, scheme, tags)
    index, index_guess = _helm_index(unit, units) if unit.publishes is _Publishes.HELM else ("", "")
    return _Shape(
        scheme,
        scheme_note,
        scheme_guess,
        tags,
        _tags_note(chosen, unit.facts),
        tags_guess,
        latest,
        latest_from,
        index,
        index_guess,
    )


# -- what pins what -------------------------------------------------------------------------------


class _Edges:
    """The ``after`` edges and ``pins`` entries found, kept free of cycles."""

    def __init__(self, units: Sequence[_Unit], shapes: Mapping[str, _Shape]) -> None:
        self.units = units
        self.shapes = shapes
        self.after: dict[str, list[_Edge]] = {u.id: [] for u in units}
        self.left_out: list[tuple[str, str]] = []
        self.packages: dict[str, _Unit] = {
            canonicalize_name(u.name): u for u in reversed(units) if u.publishes is _Publishes.PYPI
        }
        self.charts = {u.name: u for u in reversed(units) if u.publishes is _Publishes.HELM}
        self.slugs = {u.facts.slug.lower(): u for u in units if u.publishes is not _Publishes.HELM}
        """A git URL installs a Python project: the repository's, when it publishes no chart."""

    def _reaches(self, start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(edge.upstream for edge in self.after[node])
        return False

    def add(self, unit: _Unit, upstream: _Unit | None, edge: _Edge) -> None:
        """Add *edge* from *unit* to *upstream*, unless it is the same, already there, or would close a cycle."""
        if upstream is None or upstream.id == unit.id:
            return
        if any(e.upstream == upstream.id and e.pin == edge.pin for e in self.after[unit.id]):
            return
        if self._reaches(upstream.id, unit.id):
            self.left_out.append((unit.id, f"{edge.why}, but {upstream.id} comes after {unit.id} already"))
            return
        self.after[unit.id].append(edge)

    def read(self) -> None:
        """Find every edge: pin files, dependency lists, charts' dependencies and appVersion."""
        for unit in self.units:
            for path in _pin_files(unit):
                for pin in exact_pins(unit.facts.files[path].splitlines()):
                    upstream = self.packages.get(pin.name) or self.slugs.get(pin.slug)
                    self.add(unit, upstream, _Edge(upstream.id if upstream else "", f"{path} pins {pin}", path))
            if unit.project is not None:
                self._dependencies(unit, unit.project)
            if unit.chart is not None:
                self._chart(unit, unit.chart)

    def _dependencies(self, unit: _Unit, project: PythonProject) -> None:
        for pin in exact_pins(project.dependencies):
            upstream = self.packages.get(pin.name) or self.slugs.get(pin.slug)
            why = f"{project.dependencies_from} pins {pin} (a pins entry reads requirements files only)"
            self.add(unit, upstream, _Edge(upstream.id if upstream else "", why))

    def _chart(self, unit: _Unit, chart: Chart) -> None:
        for dependency in chart.dependencies:
            upstream = self.charts.get(dependency.name)
            version = dependency.version.removeprefix("=").strip().removeprefix("v")
            if upstream is None or parse_version(Scheme.SEMVER, version) is None:
                continue  # a range (^1.2.0) waits for no release
            why = f"{chart.path} dependencies pin {dependency.name} {dependency.version} (no pins entry reads them)"
            self.add(unit, upstream, _Edge(upstream.id, why))
        app = self._app_package(unit, chart)
        if app is not None:
            why = f"{chart.path} appVersion {chart.app_version} is a version of {app.name}"
            guess = f"that {chart.path}'s appVersion is the version of {app.name} the chart deploys"
            self.add(unit, app, _Edge(app.id, why, f"{chart.path}#appVersion={app.name}", guess))

    def _app_package(self, unit: _Unit, chart: Chart) -> _Unit | None:
        """Return the Python project the chart deploys: named as the chart, its appVersion one of its versions."""
        version = chart.app_version.strip().removeprefix("v")
        for candidate in self.units:
            if candidate.publishes is not _Publishes.PYPI or candidate.id == unit.id:
                continue
            names = {canonicalize_name(candidate.name), canonicalize_name(candidate.facts.slug.partition("/")[2])}
            if canonicalize_name(chart.name) not in names:
                continue
            shape = self.shapes[candidate.id]
            reader = Repo(candidate.id, candidate.facts.slug, shape.scheme, shape.tags)
            versions = {reader.version_from_tag(tag) for tag in (*candidate.facts.tags, *candidate.facts.releases)}
            if version and version in versions:
                return candidate
        return None


def _pin_files(unit: _Unit) -> list[str]:
    """Return the requirements files read of *unit*'s repository (a root requirements.txt, and those in folders)."""
    return [path for path in sorted(unit.facts.files) if is_requirements(path)]


# -- the text -------------------------------------------------------------------------------------


def _count(n: int, word: str) -> str:
    """Return "no tags", "1 tag", "2 tags"."""
    return f"no {word}s" if n == 0 else f"1 {word}" if n == 1 else f"{n} {word}s"


class _Text:
    """The plan's lines, each key with its comment aligned per block; the guesses made on the way."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.guesses: list[str] = []
        self._block: list[tuple[str, str]] = []

    def comment(self, text: str = "") -> None:
        """Add a comment paragraph, wrapped."""
        self.flush()
        self.lines.extend(f"# {line}".rstrip() for line in textwrap.wrap(clean(text), 92) or [""])

    def rule(self, title: str) -> None:
        """Add a section's rule: ``# -- title -----``."""
        self.flush()
        self.lines.append(f"# -- {title} ".ljust(96, "-"))

    def table(self, header: str) -> None:
        self.flush()
        self.lines.append(f"[{header}]")

    def blank(self) -> None:
        self.flush()
        self.lines.append("")

    def line(self, code: str, note: str = "", *, guess: str = "", where: str = "") -> None:
        """Add one line of TOML with *note* (or ``GUESS: guess``) as its comment; a guess is listed under *where*."""
        if guess:
            note = f"GUESS: {guess}"
            self.guesses.append(f"{where}: {guess}")
        self._block.append((code, clean(note)))

    def flush(self) -> None:
        width = min(max((len(code) for code, note in self._block if note), default=0), 48)
        for code, note in self._block:
            self.lines.append(f"{code.ljust(width)}  # {note}" if note else code)
        self._block = []


def _repo_section(text: _Text, unit: _Unit, shape: _Shape) -> None:
    table = f"repos.{_toml_key(unit.id)}"
    facts = unit.facts
    tags = (
        f"{_count(facts.tag_count, 'tag')} ({len(facts.tags)} read)"
        if facts.tag_count > len(facts.tags)
        else (_count(len(facts.tags), "tag"))
    )
    text.blank()
    text.comment(f"{facts.slug}: {tags}, {_count(len(facts.releases), 'GitHub release')}.")
    if unit.publishes is _Publishes.NOTHING:
        text.comment(
            "GUESS: nothing found to publish (no pyproject.toml, setup.cfg, setup.py or Chart.yaml), "
            "so its releases are read from its tags alone. If it publishes, say where:"
        )
        text.lines.append('#   published.pypi = "PROJECT"')
        text.lines.append('#   published.helm = { index = "https://HOST/index.yaml", chart = "NAME" }')
        text.guesses.append(f"{table}: nothing found to publish; its releases are read from its tags")
    for other in unit.also:
        text.comment(
            f"GUESS: it also publishes {other}, which the plan leaves out: a repository is one [repos] entry, "
            "with one scheme and one list of tag patterns (config/example-monorepo.toml shows how to "
            "plan several releases of one repository)."
        )
        text.guesses.append(f"{table}: {other} left out: one release per repository")
    text.table(table)
    text.line(f"{_key('repos', '*', 'github')} = {_string(facts.slug)}")
    text.line(
        f"{_key('repos', '*', 'scheme')} = {_string(str(shape.scheme))}",
        shape.scheme_note,
        guess=shape.scheme_guess,
        where=f"{table}.scheme",
    )
    text.line(
        f"{_key('repos', '*', 'tags')} = {_strings(shape.tags)}",
        shape.tags_note,
        guess=shape.tags_guess,
        where=f"{table}.tags",
    )
    if unit.publishes is _Publishes.PYPI:
        text.line(f"{_key('repos', '*', 'published', 'pypi')} = {_string(unit.name)}", unit.where)
    elif unit.publishes is _Publishes.HELM:
        text.line(f"{_key('repos', '*', 'published', 'helm', 'chart')} = {_string(unit.name)}", unit.where)
        index = _key("repos", "*", "published", "helm", "index")
        text.line(f"{index} = {_string(shape.index)}", guess=shape.index_guess, where=f"{table}.{index}")


def _list_lines(text: _Text, key: str, entries: Sequence[tuple[str, str]]) -> None:
    """Write ``key = [...]``, one entry a line with its comment."""
    text.line(f"{key} = [")
    for value, note in entries:
        text.line(f"  {_string(value)},", note)
    text.line("]")


def _release_section(text: _Text, unit: _Unit, shape: _Shape, edges: _Edges, ref_id: str) -> None:
    table = f"releases.{_toml_key(unit.id)}"
    text.blank()
    text.table(table)
    version = _key("releases", "*", "version")
    if shape.latest:
        wanted = f">{shape.latest}"
        guess = f"the next version after the latest, {shape.latest} ({shape.latest_from})"
    else:
        wanted = ">=0" if shape.scheme is Scheme.PEP440 else ">=0.0.0"
        guess = "no version found: any first release"
    text.line(f"{version} = {_string(wanted)}", guess=guess, where=f"{table}.{version}")
    after = edges.after[unit.id]
    if after:
        upstreams = {e.upstream: e.why for e in reversed(after)}  # each once, with the first reason
        _list_lines(
            text, _key("releases", "*", "after"), [(u, upstreams[u]) for u in dict.fromkeys(e.upstream for e in after)]
        )
    pins = list(dict.fromkeys(e.pin for e in after if e.pin))
    if pins:
        notes = {pin: next(e.guess for e in after if e.pin == pin) for pin in pins}
        text.line(f"{_key('releases', '*', 'pins')} = [")
        for pin in pins:
            where = f"{table}.pins"
            text.line(f"  {_string(pin)},", "it must pin released versions", guess=notes[pin], where=where)
        text.line("]")
    for left, why in edges.left_out:
        if left == unit.id:
            text.comment(f"Not an after edge: {why}.")
    held = {f.number: f.why for f in unit.facts.holds}
    if unit.facts.needs:
        key = _key("releases", "*", "needs", "prs")
        text.line(f"{key} = [")
        for pull in unit.facts.needs:
            ref = f"{ref_id}#{pull.number}"
            clash = f"{ref} is also {held[pull.number]}: needed, so not held" if pull.number in held else ""
            text.line(f"  {_string(ref)},", f"{pull.why}: {pull.title}", guess=clash, where=f"{table}.{key}")
        text.line("]")


def _hold_section(text: _Text, facts: RepoFacts, ref_id: str, until: Sequence[str]) -> bool:
    """Write the hold of *facts*' held PRs, if there are any (those also needed are needed only); say if there was."""
    held = [f for f in facts.holds if f.number not in {n.number for n in facts.needs}]  # needed ones: see needs
    if not held:
        return False
    table = f"holds.{_toml_key(f'wait-for-{ref_id}')}"
    text.blank()
    text.table(table)
    _list_lines(text, _key("holds", "*", "prs"), [(f"{ref_id}#{f.number}", f"{f.why}: {f.title}") for f in held])
    until_key = _key("holds", "*", "until")
    text.line(
        f"{until_key} = {_strings(until)}",
        guess=f"they wait for the next release of {facts.slug}",
        where=f"{table}.{until_key}",
    )
    whys = ", ".join(sorted({f.why for f in held}))
    text.line(f"{_key('holds', '*', 'reason')} = {_string(whys[:1].upper() + whys[1:] + ' on GitHub')}")
    return True


def draft_plan(facts: Sequence[RepoFacts]) -> Draft:
    """Return a commented plan for the repositories *facts* describe, and what it guessed.

    One repo and one release per thing each repository publishes (its Python project, each
    chart; its tags when nothing is found), ``after`` edges and ``pins`` from what its files
    pin exactly, ``needs`` and ``holds`` from the pull requests picked out by label or
    milestone. The text passes ``release-gate validate``.
    """
    units = _units(facts)
    shapes = {u.id: _shape(u, units) for u in units}
    edges = _Edges(units, shapes)
    edges.read()
    text = _Text()
    text.table("plan")
    text.line(
        f"{_key('plan', 'name')} = {_string('Next releases: ' + ', '.join(u.id for u in units))}",
        "a title of your own",
    )
    text.line(f"{_key('plan', 'source')} = {_string('Drafted by release-gate init from GitHub')}")
    text.blank()
    text.rule("repositories: what each releases, and where")
    for unit in units:
        _repo_section(text, unit, shapes[unit.id])
    text.blank()
    text.rule("releases: the next version of each")
    first_of = {u.facts.slug: u.id for u in reversed(units)}
    for unit in units:
        _release_section(text, unit, shapes[unit.id], edges, first_of[unit.facts.slug])
    holds = 0
    if any(repo.holds for repo in facts):
        text.blank()
        text.rule("holds: pull requests that wait for a release")
    for repo in facts:
        until = [u.id for u in units if u.facts.slug == repo.slug]
        holds += _hold_section(text, repo, first_of[repo.slug], until)
    text.flush()
    for repo in facts:
        text.guesses.extend(f"{repo.slug}: {note}" for note in repo.notes)
        text.guesses.extend(f"{repo.slug}: {path} could not be read ({why})" for path, why in repo.unread.items())
    body = "\n".join(text.lines).strip("\n")
    return Draft(_header(facts, text.guesses) + body + "\n", tuple(text.guesses), len(units), len(units), holds)


def _header(facts: Sequence[RepoFacts], guesses: Sequence[str]) -> str:
    lines = [
        "# A release plan drafted by `release-gate init` from what GitHub shows of",
        *(f"#   {clean(f.slug)}" for f in facts),
        "# Settle every GUESS, then check the plan with `release-gate validate` and `release-gate check`.",
        "# The plan file guide (docs/plan.md) describes every key; `release-gate schema` prints its JSON Schema.",
        "#",
        "# GUESSES to settle:" if guesses else "# Nothing had to be guessed.",
        *(f"#   - {clean(guess)}" for guess in guesses),
        "",
        "",
    ]
    return "\n".join(lines)
