"""Read a plan file (TOML) into a :class:`~release_gate.model.Plan`, reporting every problem at once.

Reading happens in two passes over the whole file. The first checks the shape against
:data:`release_gate.spec.PLAN` (unknown keys with did-you-mean hints, wrong types, missing
keys); the second checks meaning (references to unknown repos or releases, malformed refs,
version requirements that do not parse in the repo's scheme, duplicates, dependency
cycles). Problems from both passes are raised together as one :class:`PlanError`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from release_gate.errors import PlanError, PlanIssue
from release_gate.graph import find_cycle
from release_gate.model import (
    DEFAULT_PYPI,
    Deadline,
    Family,
    HelmChart,
    Hold,
    Intent,
    ItemRef,
    Plan,
    Release,
    Repo,
    Source,
    Watch,
    parse_slug,
)
from release_gate.spec import ID_PATTERN, PLAN, Field, Kind
from release_gate.versions import Accept, Scheme, parse_requirement

__all__ = ["load_plan", "parse_plan", "parse_ref"]

MAX_PLAN_BYTES = 5_000_000
"""Plans larger than this are refused: a plan is a human-written file, not a data dump."""

_REF = re.compile(r"^(?P<repo>[^#\s]+)#(?P<number>[^#\s]*)$")
_DIGITS = re.compile(r"[0-9]+")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def load_plan(path: str | Path) -> Plan:
    """Read and validate the plan file at *path*.

    Raises :class:`PlanError` naming the file, each bad key and, where it can be found,
    its line; a missing or unreadable file is a :class:`PlanError` too.
    """
    shown = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise PlanError(
            shown, (PlanIssue("", "no such file; check the path, or run without a plan for the built-in example"),)
        ) from None
    except OSError as exc:
        raise PlanError(shown, (PlanIssue("", f"cannot be read ({exc.strerror}); check its permissions"),)) from None
    if len(raw) > MAX_PLAN_BYTES:
        raise PlanError(shown, (PlanIssue("", f"is {len(raw):,} bytes; a plan may have at most {MAX_PLAN_BYTES:,}"),))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanError(shown, (PlanIssue("", f"is not UTF-8 text (byte {exc.start}); save it as UTF-8"),)) from None
    return parse_plan(text, path=shown)


def parse_plan(text: str, *, path: str = "<plan>") -> Plan:
    """Parse and validate plan file *text*; *path* is used in messages only.

    The size limit holds here too, for plans read from anywhere (the gate reads its plan
    through GitHub's API).
    """
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_PLAN_BYTES:
        raise PlanError(path, (PlanIssue("", f"is {size:,} bytes; a plan may have at most {MAX_PLAN_BYTES:,}"),))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = _TOML_POSITION.search(message)
        line = int(position.group(1)) if position else None
        reason = _TOML_POSITION.sub("", message).strip()
        where = f" (line {position.group(1)}, column {position.group(2)})" if position else ""
        raise PlanError(
            path, (PlanIssue("", f"is not valid TOML{where}: {reason}; fix the syntax there", line),)
        ) from None
    return _Reader(path, text).read(data)


class _Reader:
    """Collects every problem while turning the TOML data into a Plan."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.issues: list[PlanIssue] = []
        self.repo_ids: dict[str, Repo] = {}
        self.broken: set[tuple[str, str]] = set()
        """``(map key, id)`` of entries dropped by the shape pass (already reported)."""

    # -- reporting ----------------------------------------------------------------------

    def dropped(self, section: str) -> set[str]:
        """Ids in *section* whose entries the shape pass dropped."""
        return {name for key, name in self.broken if key == section}

    def problem(self, key: str, message: str) -> None:
        self.issues.append(PlanIssue(key, message, _find_line(self.lines, key)))

    # -- pass 1: shape ------------------------------------------------------------------

    def clean(self, value: Any, spec: Field, key: str) -> tuple[Any, bool]:
        """Check *value* against *spec*, reporting every problem.

        Returns the value with its unusable parts removed, and whether the value itself is
        usable. A map entry or list item that is not usable is dropped by its parent; the
        ids of dropped map entries are remembered so that references to them do not
        report a second, misleading problem.
        """
        kind = _kind_of(value)
        if kind is Kind.TABLE and Kind.MAP in spec.kinds:
            kind = Kind.MAP
        if kind not in spec.kinds:
            wanted = " or ".join(_KIND_WORDS[k] for k in spec.kinds)
            got = _KIND_WORDS[kind] if kind is not None else type(value).__name__
            self.problem(key, f"must be {wanted}, not {got} ({_short(value)})")
            return None, False
        match kind:
            case Kind.STRING if spec.choices and value not in spec.choices:
                self.problem(
                    key, f"must be one of {', '.join(spec.choices)}, not {value!r}{_hint(value, spec.choices)}"
                )
                return None, False
            case Kind.STRING if spec.pattern and not _pattern(spec.pattern).match(value):
                return value, True  # the meaning pass says what a good value looks like
            case Kind.INTEGER if spec.minimum is not None and value < spec.minimum:
                self.problem(key, f"must be at least {spec.minimum}, not {value}")
                return None, False
            case Kind.LIST:
                assert spec.item is not None
                items = [self.clean(item, spec.item, f"{key}[{index}]") for index, item in enumerate(value)]
                # Bad items stay in place (as _BAD) so later messages keep their indices.
                return [item if ok else _BAD for item, ok in items], True
            case Kind.TABLE:
                table: dict[str, Any] = {}
                ok = True
                for name, sub in value.items():
                    where = _join(key, name)
                    if name not in spec.fields:
                        known = ", ".join(spec.fields)
                        self.problem(where, f"is not a key here{_hint(name, spec.fields)}; the keys are: {known}")
                        continue
                    cleaned, sub_ok = self.clean(sub, spec.fields[name], where)
                    if sub_ok:
                        table[name] = cleaned
                    elif spec.fields[name].required:
                        ok = False
                for name, sub in spec.fields.items():
                    if sub.required and name not in value:
                        self.problem(key, f"is missing the required key {name!r} ({sub.doc})")
                        ok = False
                return table, ok
            case Kind.MAP:
                assert spec.item is not None
                entries: dict[str, Any] = {}
                for name, sub in value.items():
                    where = _join(key, name)
                    if spec.key_pattern and not _pattern(spec.key_pattern).match(name):
                        what = (
                            "a PR reference like 'kubespawner#205'"
                            if "#" in spec.key_pattern
                            else "an id of letters, digits, '.', '_' and '-'"
                        )
                        self.problem(where, f"{name!r} is not {what}")
                        self.broken.add((key, name))
                        continue
                    cleaned, sub_ok = self.clean(sub, spec.item, where)
                    if sub_ok:
                        entries[name] = cleaned
                    else:
                        self.broken.add((key, name))
                return entries, True
            case _:
                return value, True

    # -- pass 2: meaning ----------------------------------------------------------------

    def read(self, raw: dict[str, Any]) -> Plan:
        data, _ = self.clean(raw, PLAN, "")
        if not raw.get("releases") and not raw.get("holds"):
            self.problem("releases", "the plan has no releases and no holds; add a [releases.ID] table")
        deadlines = tuple(self.read_deadline(i, d) for i, d in data.get("deadlines", {}).items())
        repos = self.read_repos(data.get("repos", {}))
        release_data: dict[str, Any] = data.get("releases", {})
        release_ids = set(release_data) | self.dropped("releases")
        releases = tuple(
            r for r in (self.read_release(i, d, deadlines, release_ids) for i, d in release_data.items()) if r
        )
        families = tuple(f for f in (self.read_family(k, d) for k, d in data.get("families", {}).items()) if f)
        holds = tuple(self.read_hold(i, d, release_ids) for i, d in data.get("holds", {}).items())
        watch = tuple(
            Watch(ref, d.get("note", ""))
            for index, d in _good(data.get("watch", []))
            if (ref := self.ref(d["ref"], f"watch[{index}].ref"))
        )
        # Every release's `after`, also of releases dropped for another problem.
        cycle = find_cycle({i: [u for _, u in _good(d.get("after", []))] for i, d in release_data.items()})
        if cycle:
            path = " -> ".join(cycle)
            self.problem(
                f"releases.{cycle[0]}.after",
                f"the releases wait on each other in a cycle: {path}; remove one of these 'after' entries",
            )
        if self.issues:
            raise PlanError(self.path, tuple(self.issues))
        meta = data.get("plan", {})
        return Plan(
            name=meta["name"],
            path=self.path,
            description=meta.get("description", "").strip(),
            source=meta.get("source", ""),
            deadlines=deadlines,
            repos=repos,
            releases=releases,
            families=families,
            holds=holds,
            watch=watch,
        )

    def read_deadline(self, deadline_id: str, data: dict[str, Any]) -> Deadline:
        return Deadline(deadline_id, data["date"], data.get("note", ""), data.get("warn_days", 7))

    def read_repos(self, data: dict[str, Any]) -> tuple[Repo, ...]:
        repos: list[Repo] = []
        slugs: dict[str, str] = {}
        for repo_id, entry in data.items():
            key = f"repos.{repo_id}"
            slug = entry["github"]
            if parse_slug(slug) is None:
                self.problem(f"{key}.github", f"{slug!r} is not OWNER/NAME (e.g. 'jupyterhub/kubespawner')")
            elif slug.lower() in slugs:
                self.problem(f"{key}.github", f"{slug} is already repos.{slugs[slug.lower()]}; use that id instead")
            slugs.setdefault(slug.lower(), repo_id)
            published = entry.get("published", {})
            helm = published.get("helm")
            repo = Repo(
                id=repo_id,
                slug=slug,
                scheme=Scheme(entry.get("scheme", Scheme.PEP440.value)),
                tags=tuple(pattern for _, pattern in _good(entry.get("tags", ["v{version}", "{version}"]))),
                pypi=published.get("pypi"),
                helm=HelmChart(helm["index"], helm["chart"]) if helm else None,
                pypi_index=published.get("pypi_index", DEFAULT_PYPI).rstrip("/"),
                sources=self.sources(key, entry, published),
            )
            for field_key, url in (
                ("pypi_index", published.get("pypi_index")),
                ("helm.index", (helm or {}).get("index")),
            ):
                if url is not None and not re.match(r"^https?://[^/\s]+", url):
                    self.problem(f"{key}.published.{field_key}", f"{url!r} is not an http(s) URL")
            for index, pattern in _good(entry.get("tags", [])):
                if pattern.count("{version}") != 1 or pattern.replace("{version}", "").count("{"):
                    self.problem(
                        f"{key}.tags[{index}]",
                        f"{pattern!r} must contain {{version}} exactly once, e.g. 'v{{version}}'",
                    )
            repos.append(repo)
            self.repo_ids[repo_id] = repo
        return tuple(repos)

    def sources(self, key: str, entry: dict[str, Any], published: dict[str, Any]) -> tuple[Source, ...]:
        """Return the repo's evidence sources: as listed, or the published places and then tags."""
        if "sources" not in entry:
            derived = [Source.PYPI] if "pypi" in published else []
            derived += [Source.HELM] if "helm" in published else []
            return (*derived, Source.TAGS)
        listed = [Source(value) for _, value in _good(entry["sources"])]
        if not entry["sources"]:
            self.problem(f"{key}.sources", "is empty; list at least one of tags, github-releases, pypi, helm")
        self.no_duplicates(entry["sources"], f"{key}.sources")
        for index, source in _good(entry["sources"]):
            place = {"pypi": "pypi", "helm": "helm"}.get(source)
            if place and place not in published:
                self.problem(
                    f"{key}.sources[{index}]",
                    f"{source!r} needs published.{place} (the {'PyPI project' if place == 'pypi' else 'Helm chart'})",
                )
        return tuple(dict.fromkeys(listed))

    def read_release(
        self, release_id: str, data: dict[str, Any], deadlines: tuple[Deadline, ...], all_releases: set[str]
    ) -> Release | None:
        key = f"releases.{release_id}"
        repo_id = data.get("repo", release_id)
        after = tuple(upstream for _, upstream in _good(data.get("after", [])))
        for index, upstream in _good(data.get("after", [])):
            if upstream not in all_releases:
                self.problem(
                    f"{key}.after[{index}]", f"no release has the id {upstream!r}{_hint(upstream, all_releases)}"
                )
        self.no_duplicates(data.get("after", []), f"{key}.after")
        needs = data.get("needs", {})
        prs = self.refs(needs.get("prs", []), f"{key}.needs.prs")
        issues = self.refs(needs.get("issues", []), f"{key}.needs.issues")
        deadline = self.deadline(data.get("deadline"), f"{key}.deadline", release_id, deadlines)
        repo = self.repo_ids.get(repo_id)
        if repo is None:
            if repo_id in self.dropped("repos"):
                pass  # the repo's own problem is reported already
            elif "repo" in data:
                self.problem(
                    f"{key}.repo",
                    f"no repo has the id {repo_id!r}{_hint(repo_id, self.repo_ids)}; "
                    f"define [repos.{_join('', repo_id)}] or fix the id",
                )
            else:
                self.problem(
                    key,
                    f"has no 'repo' key and no repo has the id {release_id!r}; "
                    f"add repo = one of: {', '.join(self.repo_ids) or '(no repos defined)'}",
                )
            return None  # the checks above have run: every problem of this release is reported
        accept = Accept(data["accept"]) if "accept" in data else None
        try:
            requirement = parse_requirement(repo.scheme, data["version"], accept)
        except ValueError as exc:
            self.problem(f"{key}.version", f"{exc}; repos.{repo_id} uses the {repo.scheme} scheme")
            return None  # the checks above have run: every problem of this release is reported
        return Release(
            id=release_id,
            repo=repo_id,
            requirement=requirement,
            after=after,
            needs_prs=prs,
            needs_issues=issues,
            deadline=deadline,
            intent=Intent(data.get("status", Intent.PLANNED.value)),
            note=data.get("note", ""),
            decided_by=self.decided_by(key, data, repo),
            pins=self.pins(key, data),
        )

    def pins(self, key: str, data: dict[str, Any]) -> tuple[str, ...]:
        entries = []
        for index, entry in _good(data.get("pins", [])):
            if not re.fullmatch(r"[^#\s]+(#[A-Za-z0-9_.-]+=[A-Za-z0-9_.-]+)?", entry):
                self.problem(
                    f"{key}.pins[{index}]",
                    f"{entry!r} is not a pin entry: write a path (images/hub/requirements.txt) or "
                    "PATH#KEY=PACKAGE for a YAML key (jupyterhub/Chart.yaml#appVersion=jupyterhub)",
                )
            entries.append(entry)
        return tuple(entries)

    def decided_by(self, key: str, data: dict[str, Any], repo: Repo) -> Source | None:
        if "decided_by" not in data:
            return None
        source = Source(data["decided_by"])
        if source not in repo.sources:
            listed = ", ".join(repo.sources)
            self.problem(
                f"{key}.decided_by",
                f"{source} is not a source of repos.{repo.id} ({listed}); add it to its sources or pick one of those",
            )
        return source

    def deadline(self, value: object, key: str, release_id: str, deadlines: tuple[Deadline, ...]) -> Deadline | None:
        if value is None:
            return None
        if isinstance(value, dt.date):
            return Deadline(f"{release_id} deadline", value)
        known = {d.id: d for d in deadlines}
        assert isinstance(value, str)
        if value in self.dropped("deadlines"):
            return None  # the deadline's own problem is reported already
        if value not in known:
            self.problem(
                key,
                f"no deadline has the id {value!r}{_hint(value, known)}; "
                f"define [deadlines.{value}] or write a date (2018-08-23)",
            )
            return None
        return known[value]

    def read_family(self, parent_text: str, data: dict[str, Any]) -> Family | None:
        key = f'families."{parent_text}"'
        parent = self.ref(parent_text, key)
        parts = self.refs(data.get("parts", []), f"{key}.parts")
        if parent is None:
            return None
        return Family(parent, parts, bool(data.get("discover", False)))

    def read_hold(self, hold_id: str, data: dict[str, Any], releases: set[str]) -> Hold:
        key = f"holds.{hold_id}"
        until = tuple(u for _, u in _good(data["until"]))
        if not data["until"]:
            self.problem(f"{key}.until", "is empty; name the release(s) these PRs wait for")
        if not data["prs"]:
            self.problem(f"{key}.prs", "is empty; name the PR(s) that must wait")
        self.no_duplicates(data["until"], f"{key}.until")
        for index, release_id in _good(data["until"]):
            if release_id not in releases:
                self.problem(
                    f"{key}.until[{index}]", f"no release has the id {release_id!r}{_hint(release_id, releases)}"
                )
        return Hold(
            id=hold_id,
            prs=self.refs(data["prs"], f"{key}.prs"),
            until=until,
            exempt=self.refs(data.get("except", []), f"{key}.except"),
            reason=data.get("reason", ""),
            owner=data.get("owner", ""),
        )

    # -- references -------------------------------------------------------------------------

    def refs(self, texts: list[Any], key: str) -> tuple[ItemRef, ...]:
        refs: dict[tuple[str, int], ItemRef] = {}
        for index, text in _good(texts):
            ref = self.ref(text, f"{key}[{index}]")
            if ref is not None and ref.key in refs:
                first = self.short(refs[ref.key])
                also = f" (also as {first!r})" if first != text else ""
                self.problem(f"{key}[{index}]", f"lists {text!r} twice{also}; remove one")
            elif ref is not None:
                refs[ref.key] = ref
        return tuple(refs.values())

    def short(self, ref: ItemRef) -> str:
        return next((f"{r.id}#{ref.number}" for r in self.repo_ids.values() if r.slug.lower() == ref.key[0]), str(ref))

    def ref(self, text: str, key: str) -> ItemRef | None:
        match = _REF.match(text)
        if match is None or not _DIGITS.fullmatch(match.group("number")) or int(match.group("number")) < 1:
            self.problem(
                key,
                f"{text!r} is not a PR or issue reference; write REPO-ID#NUMBER or OWNER/NAME#NUMBER, "
                "e.g. 'kubespawner#232' or 'jupyterhub/kubespawner#232'",
            )
            return None
        repo, number = match.group("repo"), int(match.group("number"))
        if "/" in repo:
            if parse_slug(repo) is None:
                self.problem(key, f"{repo!r} in {text!r} is not OWNER/NAME")
                return None
            return ItemRef(repo, number)
        if ("repos", repo) in self.broken:
            return None  # the repo's own problem is reported already
        if repo not in self.repo_ids:
            self.problem(
                key,
                f"{text!r} names no repo of the plan{_hint(repo, self.repo_ids)}; "
                f"use a repo id from [repos] or OWNER/NAME#{number}",
            )
            return None
        return ItemRef(self.repo_ids[repo].slug, number)

    def no_duplicates(self, values: list[Any], key: str) -> None:
        seen: set[str] = set()
        for index, value in _good(values):
            if value in seen:
                self.problem(f"{key}[{index}]", f"lists {value!r} twice; remove one")
            seen.add(value)


class _Bad:
    """Stands in a list for an item the shape pass rejected (and reported)."""


_BAD = _Bad()


def _good(values: list[Any]) -> list[tuple[int, Any]]:
    """Return the usable items of a list with their original indices."""
    return [(index, value) for index, value in enumerate(values) if value is not _BAD]


_KIND_WORDS = {
    Kind.STRING: "a string",
    Kind.INTEGER: "an integer",
    Kind.BOOLEAN: "true or false",
    Kind.DATE: "a date (2018-08-23, unquoted)",
    Kind.LIST: "a list",
    Kind.TABLE: "a table",
    Kind.MAP: "a table",
}


def _kind_of(value: object) -> Kind | None:
    if isinstance(value, bool):
        return Kind.BOOLEAN
    if isinstance(value, int):
        return Kind.INTEGER
    if isinstance(value, str):
        return Kind.STRING
    if isinstance(value, dt.datetime | dt.time):
        return None
    if isinstance(value, dt.date):
        return Kind.DATE
    if isinstance(value, list):
        return Kind.LIST
    if isinstance(value, dict):
        return Kind.TABLE
    return None


@functools.lru_cache(maxsize=64)
def _pattern(pattern: str) -> re.Pattern[str]:
    """Return *pattern* compiled (the spec's few patterns are matched against every value of a large plan)."""
    return re.compile(pattern)


def _join(key: str, name: str) -> str:
    part = name if _pattern(ID_PATTERN).match(name) else f'"{name}"'
    return f"{key}.{part}" if key else part


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _hint(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _find_line(lines: list[str], key: str) -> int | None:
    """Find the line that defines *key* (``releases.chart.after[1]``), as far as TOML shows it."""
    if not key:
        return None
    head = key.split("[", maxsplit=1)[0]
    parts = [p.strip('"') for p in re.findall(r'"[^"]*"|[^.]+', head)]
    table_array = re.match(r"^([A-Za-z0-9_-]+)\[(\d+)\]\.?(.*)$", key)
    headers = [
        i
        for i, line in enumerate(lines)
        if table_array and line.strip().startswith("[[") and _header_parts(line.strip()) == [table_array.group(1)]
    ]
    if table_array and headers:
        # `watch[2].ref`: the third [[watch]] table, then the key inside it.
        index, rest = int(table_array.group(2)), table_array.group(3)
        if index < len(headers):
            return _key_in_table(lines, headers[index], rest.split(".")[0].split("[")[0] if rest else "")
        return None
    # The deepest table header that is a prefix of the key, then the key inside it.
    for depth in range(len(parts), 0, -1):
        header = parts[:depth]
        for index, line in enumerate(lines):
            stripped = line.strip()
            if stripped.startswith("[") and _header_parts(stripped) == header:
                rest = parts[depth:]
                return _key_in_table(lines, index, rest[0] if rest else "")
    for index, line in enumerate(lines):
        if re.match(rf'^\s*"?{re.escape(parts[0])}"?\s*[.=]', line):
            return index + 1
    return None


def _key_in_table(lines: list[str], header: int, name: str) -> int:
    """Return the line of key *name* in the table whose header is at index *header* (or the header's line)."""
    if name:
        for offset, raw in enumerate(lines[header + 1 :], start=header + 2):
            inner = raw.strip()
            if inner.startswith("["):
                break
            if re.match(rf'^"?{re.escape(name)}"?\s*[.=]', inner):
                return offset
    return header + 1


def _header_parts(line: str) -> list[str]:
    match = re.match(r"^\[\[?\s*(.*?)\s*\]\]?\s*(#.*)?$", line)
    inner = match.group(1) if match else ""
    return [p.strip().strip('"') for p in re.findall(r'"[^"]*"|[^.]+', inner)]


def parse_ref(plan: Plan, text: str) -> ItemRef:
    """Read a PR or issue reference (``kubespawner#232`` or ``owner/name#232``) against *plan*.

    Raises :class:`ValueError` saying what is wrong and what would be right.
    """
    reader = _Reader(plan.path, "")
    reader.repo_ids = {repo.id: repo for repo in plan.repos}
    ref = reader.ref(text, "")
    if ref is None:
        raise ValueError(reader.issues[0].message)
    return ref
