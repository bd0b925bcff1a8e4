"""Read a plan file (TOML) into a `Plan`, reporting every problem at once.

Reading happens in two passes over the whole file. The first checks the shape against
`release_gate.plan.format.PLAN` (unknown keys with did-you-mean hints, wrong types, missing
keys); the second checks meaning (references to unknown repos or releases, malformed refs,
version requirements that do not parse in the repo's scheme, duplicates, dependency
cycles). Problems from both passes are raised together as one `PlanError`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import re
import reprlib
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import release_gate.graph as _graph  # a module, not its names: graph imports plan.model, whose package imports this
from release_gate.errors import PlanError, PlanIssue
from release_gate.plan.format import (
    CONDA_CHANNEL_PATTERN,
    CONDA_NAME_PATTERN,
    ID_PATTERN,
    IMAGE_PATTERN,
    MAX_ITEM_NUMBER,
    NPM_NAME_PATTERN,
    PACKAGING,
    PIN_PATTERN,
    PLAN,
    Field,
    Kind,
    PinEntry,
    pin_entry_of,
)
from release_gate.plan.images import ImageRef, ValuesImage, image_problem, parse_image, values_entry
from release_gate.plan.model import (
    DEFAULT_CONDA_API,
    DEFAULT_NPM,
    DEFAULT_PYPI,
    DEFAULT_RECIPE,
    CondaPackage,
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
from release_gate.versions import Accept, Scheme, VersionRequirement, parse_requirement, parse_version

__all__ = [
    "MAX_NESTING",
    "load_plan",
    "npm_name_problem",
    "npm_scheme_problem",
    "parse_plan",
    "parse_ref",
    "pin_path_problem",
]

MAX_PLAN_BYTES = 5_000_000
"""Plans larger than this are refused: a plan is a human-written file, not a data dump."""

MAX_NESTING = 32
"""How deep tables and arrays may nest (a plan needs about five levels); deeper is refused, never a crash."""

_INT64 = (-(2**63), 2**63 - 1)
"""TOML's integers are 64-bit; tomllib reads any size."""

_REF = re.compile(r"^(?P<repo>[^#\s]+)#(?P<number>[^#\s]*)$")
_GOOD_REF = re.compile(r"([^#\s]+)#0*([1-9][0-9]{0,9})")
"""A ref `_REF` reads with a number GitHub may have (``_Reader.good_ref``: no key is named for it)."""
_DIGITS = re.compile(r"[0-9]+")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_TOML_INTEGERS = "past TOML's integers, which are 64-bit: from -9,223,372,036,854,775,808 to 9,223,372,036,854,775,807"
_TOO_DEEP = (
    f"is nested too deeply: a plan may nest tables and arrays at most {MAX_NESTING} levels deep; write it flatter"
)


def load_plan(path: str | Path) -> Plan:
    """Read and validate the plan file at *path*.

    Raises [`PlanError`][release_gate.errors.PlanError] naming the file, each bad key and, where it can be found,
    its line; a missing or unreadable file is a [`PlanError`][release_gate.errors.PlanError] too.
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
    except RecursionError:
        # tomllib reads nested arrays and inline tables recursively: thousands of levels exhaust the stack.
        key, line = _TomlScan(text).deep()
        raise PlanError(path, (PlanIssue(key, _TOO_DEEP, line),)) from None
    except ValueError:
        # tomllib reads integers with int(), which refuses more than 4,300 digits.
        key, line, digits = _TomlScan(text).longest_number()
        message = f"has an integer of {digits:,} digits, {_TOML_INTEGERS}"
        raise PlanError(path, (PlanIssue(key, message, line),)) from None
    limits = [] if _within_limits(data) else _limits(data)
    if limits:
        lines = text.splitlines()
        raise PlanError(path, tuple(PlanIssue(key, message, _find_line(lines, key)) for key, message in limits))
    return _Reader(path, text).read(data)


def _within_limits(data: dict[str, Any]) -> bool:
    """Return whether *data* nests at most MAX_NESTING deep and has no integer past 64 bits.

    The quick check that `_limits` is empty, for every plan that is fine: it walks the same
    values but names no key (a large plan has a hundred thousand of them).
    """
    low, high = _INT64
    stack: list[tuple[dict[str, Any] | list[Any], int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_NESTING:
            return False
        children: Iterable[Any] = value.values() if isinstance(value, dict) else value
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
            elif kind is int and not low <= child <= high:
                return False
    return True


def _limits(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Return ``(key, problem)`` for nesting deeper than MAX_NESTING and for integers past 64 bits.

    Walks the data without recursion, carrying the plan format's declaration along, so that a
    problem is reported at the deepest key the format knows (``releases.chart.pins``, or the
    unknown key itself), never at a path thousands of levels long.
    """
    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, int, str, Field | None]] = [(data, 0, "", PLAN)]
    while stack:
        value, depth, key, spec = stack.pop()
        if not isinstance(value, dict | list):
            if not _INT64[0] <= value <= _INT64[1]:
                found.append((key, f"is an integer {_TOML_INTEGERS}"))
            continue
        if depth > MAX_NESTING:
            return [(key, _TOO_DEEP)]  # that says it all
        children: Iterable[tuple[str | int, Any]] = value.items() if isinstance(value, dict) else enumerate(value)
        for name, child in children:
            if isinstance(child, bool) or not isinstance(child, dict | list | int):
                continue
            child_key, sub = key, None  # outside the format: the key named so far says where
            if spec is not None:
                child_key = f"{key}[{name}]" if isinstance(name, int) else _join(key, name)
                sub = spec.fields.get(str(name)) if Kind.TABLE in spec.kinds else spec.item
                if sub is not None and not _fits(child, sub):
                    # A table or list where the format wants something else: name the key, not its item.
                    child_key, sub = (key if isinstance(name, int) else child_key), None
            stack.append((child, depth + 1, child_key, sub))
    return found


PUBLISHED_PLACES: tuple[tuple[Source, str, str], ...] = (
    (Source.PYPI, "pypi", "the PyPI project"),
    (Source.NPM, "npm", "the npm package"),
    (Source.CONDA, "conda", "the conda package"),
    (Source.RECIPE, "conda", "the conda package, whose feedstock it reads"),
    (Source.HELM, "helm", "the Helm chart"),
)
"""``(source, key of published, what it names)`` for each source with a place in ``published``, in the
order a default ``sources`` lists them (before tags)."""


def published_fields(published: dict[str, Any]) -> dict[str, Any]:
    """Return the `Repo` fields a ``published`` table (of a repo or a release) gives: every one, default or named.

    A release's table replaces its repo's whole, so a field it does not name is the default, not the repo's.
    """
    helm = published.get("helm")
    return {
        "pypi": published.get("pypi"),
        "helm": HelmChart(helm["index"], helm["chart"]) if helm else None,
        "pypi_index": published.get("pypi_index", DEFAULT_PYPI).rstrip("/"),
        "npm": published.get("npm"),
        "npm_registry": published.get("npm_registry", DEFAULT_NPM).rstrip("/"),
        "conda": _conda(published.get("conda")),
    }


def _conda(table: dict[str, Any] | None) -> CondaPackage | None:
    """Return the conda package a ``published.conda`` table names (its defaults where it names none)."""
    if not table or not isinstance(table.get("name"), str):
        return None
    return CondaPackage(
        name=table["name"],
        channel=table.get("channel", "conda-forge"),
        platforms=tuple(dict.fromkeys(p for _, p in _good(table.get("platforms", [])))),
        labels=tuple(dict.fromkeys(label for _, label in _good(table.get("labels", ["main"])))),
        api=table.get("api", DEFAULT_CONDA_API).rstrip("/"),
        feedstock=table.get("feedstock", _default_feedstock(table)),
        recipe=tuple(dict.fromkeys(path for _, path in _good(table.get("recipe", list(DEFAULT_RECIPE))))),
    )


def _default_feedstock(table: dict[str, Any]) -> str:
    """Return conda-forge's feedstock of the package (``conda-forge/NAME-feedstock``); another channel has none."""
    return f"conda-forge/{table['name']}-feedstock" if table.get("channel", "conda-forge") == "conda-forge" else ""


_SAMPLE_VERSION = "1.2.3"
"""The version put into a tag pattern to make a sample tag (the tag-overlap check)."""


def _reads_other(scheme: Scheme, patterns: tuple[str, ...], others: tuple[str, ...]) -> tuple[str, str, str] | None:
    """Return ``(pattern, sample tag, version text)`` when one of *patterns* reads a sample tag of *others*.

    A pattern of *others* that *patterns* holds too is left out: releases may share a pattern
    on purpose (a train tagged once, ``v{version}``).

    >>> _reads_other(Scheme.PEP440, ("pkg-{version}",), ("pkg-v{version}",))
    ('pkg-{version}', 'pkg-v1.2.3', 'v1.2.3')
    >>> _reads_other(Scheme.PEP440, ("pkg-{version}",), ("pkg-ext-{version}",)) is None
    True
    """
    for other in others:
        if other in patterns:
            continue
        sample = other.replace("{version}", _SAMPLE_VERSION)
        for pattern in patterns:
            prefix, _, suffix = pattern.partition("{version}")
            if sample.startswith(prefix) and sample.endswith(suffix) and len(sample) > len(prefix) + len(suffix):
                text = sample[len(prefix) : len(sample) - len(suffix)]
                if parse_version(scheme, text, partial=scheme is Scheme.SEMVER) is not None:
                    return pattern, sample, text
    return None


def _plain_strings(spec: Field) -> bool:
    """Return whether every string is a good value of *spec* (a string with no choices)."""
    return Kind.STRING in spec.kinds and not spec.choices


def _plain_string(value: str, spec: Field) -> bool:
    """Return whether the string *value* is a good value of *spec*, as `_Reader.clean` would find it."""
    return Kind.STRING in spec.kinds and (not spec.choices or value in spec.choices)


def _good_as_is(value: object, spec: Field) -> bool:
    """Return whether `_Reader.clean` finds *value* good as it is: a good string, or a list of good strings."""
    if type(value) is str:
        return _plain_string(value, spec)
    return (
        type(value) is list
        and Kind.LIST in spec.kinds
        and spec.item is not None
        and _plain_strings(spec.item)
        and all(type(item) is str for item in value)
    )


def _fits(value: object, spec: Field) -> bool:
    """Return whether the table or list *value* is of a kind *spec* allows."""
    if isinstance(value, dict):
        return Kind.TABLE in spec.kinds or Kind.MAP in spec.kinds
    return not isinstance(value, list) or Kind.LIST in spec.kinds


class _TomlScan:
    """Find where in a TOML text a problem is, without parsing it (for what tomllib cannot read)."""

    _TOKENS = re.compile(
        r'''"""(?:[^\\"]|\\[\s\S]?|"(?!""))*(?:"""(?:""?)?|\Z)'''  # multi-line basic string
        r"|'''(?:[^']|'(?!''))*(?:'''(?:''?)?|\Z)"  # multi-line literal string
        r'|"(?:[^"\\\n]|\\[^\n]?)*"?'  # basic string
        r"|'[^'\n]*'?"  # literal string
        r"|#[^\n]*"  # comment
        r"|(?P<number>[0-9][0-9_]*)"
        r"|(?P<bracket>[\[\]{}])"
    )

    def __init__(self, text: str) -> None:
        self.text = text

    def _tokens(self) -> Iterator[tuple[re.Match[str], tuple[str, int], int]]:
        """Yield ``(token, key of the value it is in, line of that key)`` outside strings and comments."""
        text = self.text
        depth = 0
        table = ""
        arrays: dict[str, int] = {}
        where: tuple[str, int] = ("", 1)
        line, counted = 1, 0  # lines are counted as the scan goes: a large text is read once
        for token in self._TOKENS.finditer(text):
            if token.group("number") is None and token.group("bracket") is None:
                continue
            start = token.start()
            if depth == 0:
                line, counted = line + text.count("\n", counted, start), start
                line_start = text.rfind("\n", 0, start) + 1
                before = text[line_start:start]
                if token.group() == "[" and not before.strip():
                    end = text.find("\n", start)
                    header = text[start : end if end >= 0 else len(text)].strip()
                    table = ".".join(_join("", part) for part in _header_parts(header))
                    if header.startswith("[["):
                        arrays[table] = arrays.get(table, -1) + 1
                        table = f"{table}[{arrays[table]}]"
                else:
                    assignment = re.match(r"^\s*(.*?)\s*=", before)
                    names = re.findall(r'"[^"]*"|\'[^\']*\'|[^.\s]+', assignment.group(1)) if assignment else []
                    key = table
                    for name in names:
                        key = _join(key, name.strip("\"'"))
                    where = (key, line)
            if token.group("bracket") is not None:
                depth = depth + 1 if token.group() in "[{" else max(depth - 1, 0)
            yield token, where, depth

    def deep(self) -> tuple[str, int | None]:
        """Return the key and line of the first value nested more than MAX_NESTING deep."""
        for _, (key, line), depth in self._tokens():
            if depth > MAX_NESTING:
                return key, line
        return "", None

    def longest_number(self) -> tuple[str, int | None, int]:
        """Return the key and line of the integer with the most digits, and how many it has."""
        best: tuple[str, int | None, int] = ("", None, 0)
        for token, (key, line), _ in self._tokens():
            digits = len(token.group().replace("_", "")) if token.group("number") else 0
            if digits > best[2]:
                best = (key, line, digits)
        return best


class _Reader:
    """Collects every problem while turning the TOML data into a Plan."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self._lines: list[str] | None = None
        self.issues: list[PlanIssue] = []
        self.repo_ids: dict[str, Repo] = {}
        self.published: dict[str, dict[str, Any]] = {}
        """Each repo's ``published`` table as written: a release that names only ``sources`` is checked against it."""
        self.broken: set[tuple[str, str]] = set()
        """``(map key, id)`` of entries dropped by the shape pass (already reported)."""
        self.requirements: dict[tuple[Scheme, str, Accept | None], VersionRequirement] = {}
        """Requirements parsed so far: the releases of a large plan repeat a few (``>=1.0``)."""

    # -- reporting ----------------------------------------------------------------------

    def dropped(self, section: str) -> set[str]:
        """Ids in *section* whose entries the shape pass dropped."""
        return {name for key, name in self.broken if key == section}

    def problem(self, key: str, message: str) -> None:
        if self._lines is None:
            self._lines = self.text.splitlines()  # only a plan with a problem needs its lines
        self.issues.append(PlanIssue(key, message, _find_line(self._lines, key)))

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
            case Kind.LIST:
                return self.clean_list(value, spec, key)
            case Kind.TABLE:
                return self.clean_table(value, spec, key)
            case Kind.MAP:
                return self.clean_map(value, spec, key)
            case _:
                return self.clean_scalar(value, spec, key)

    def clean_scalar(self, value: Any, spec: Field, key: str) -> tuple[Any, bool]:
        """Check a string against the spec's choices, an integer against its bounds.

        A string that does not match the spec's pattern stays: the meaning pass says what a
        good value looks like.
        """
        if isinstance(value, str) and spec.choices and value not in spec.choices:
            self.problem(key, f"must be one of {', '.join(spec.choices)}, not {value!r}{_hint(value, spec.choices)}")
            return None, False
        if isinstance(value, int) and not isinstance(value, bool):
            if spec.minimum is not None and value < spec.minimum:
                self.problem(key, f"must be at least {spec.minimum}, not {value}")
                return None, False
            if spec.maximum is not None and value > spec.maximum:
                self.problem(key, f"must be at most {spec.maximum}, not {value}")
                return None, False
        return value, True

    def clean_list(self, value: list[Any], spec: Field, key: str) -> tuple[list[Any], bool]:
        """Check each item of a list; bad items stay in place (as ``_BAD``) so later messages keep their indices."""
        assert spec.item is not None
        if _plain_strings(spec.item) and all(type(item) is str for item in value):
            return list(value), True  # what the loop below gives, without a key for each item
        items = [self.clean(item, spec.item, f"{key}[{index}]") for index, item in enumerate(value)]
        return [item if ok else _BAD for item, ok in items], True

    def clean_table(self, value: dict[str, Any], spec: Field, key: str) -> tuple[dict[str, Any], bool]:
        """Check a table's keys and values: unknown keys and bad values are dropped, missing required keys reported.

        The table is usable unless a required key is missing or unusable.
        """
        table: dict[str, Any] = {}
        ok = True
        fields = spec.fields
        for name, sub in value.items():
            field = fields.get(name)
            if field is not None and _good_as_is(sub, field):
                table[name] = list(sub) if type(sub) is list else sub  # what clean() gives, without naming its key
                continue
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

    def clean_map(self, value: dict[str, Any], spec: Field, key: str) -> tuple[dict[str, Any], bool]:
        """Check a map's ids and entries: a bad id or entry is dropped, and remembered as broken."""
        assert spec.item is not None
        entries: dict[str, Any] = {}
        for name, sub in value.items():
            where = _join(key, name)
            if spec.key_pattern and not _pattern(spec.key_pattern).match(name):
                self.problem(where, _bad_id(name, spec.key_pattern))
                self.broken.add((key, name))
                continue
            cleaned, sub_ok = self.clean(sub, spec.item, where)
            if sub_ok:
                entries[name] = cleaned
            else:
                self.broken.add((key, name))
        return entries, True

    # -- pass 2: meaning ----------------------------------------------------------------

    def read(self, raw: dict[str, Any]) -> Plan:
        data, _ = self.clean(raw, PLAN, "")
        for section in ("repos", "releases", "holds"):
            entries = raw.get(section)
            if isinstance(entries, dict):
                self.case_twins(section, [name for name in entries if _pattern(ID_PATTERN).match(name)])
        if not raw.get("releases") and not raw.get("holds"):
            self.problem("releases", "the plan has no releases and no holds; add a [releases.ID] table")
        deadlines = tuple(self.read_deadline(i, d) for i, d in data.get("deadlines", {}).items())
        repos = self.read_repos(data.get("repos", {}))
        release_data: dict[str, Any] = data.get("releases", {})
        release_ids = set(release_data) | self.dropped("releases")
        releases = tuple(
            r for r in (self.read_release(i, d, deadlines, release_ids) for i, d in release_data.items()) if r
        )
        self.tag_overlaps(releases, release_data)
        families = tuple(f for f in (self.read_family(k, d) for k, d in data.get("families", {}).items()) if f)
        holds = tuple(self.read_hold(i, d, release_ids) for i, d in data.get("holds", {}).items())
        watch = tuple(
            Watch(ref, d.get("note", ""))
            for index, d in _good(data.get("watch", []))
            if (ref := self.ref(d["ref"], f"watch[{index}].ref"))
        )
        # Every release's `after`, also of releases dropped for another problem.
        cycle = _graph.find_cycle({i: [u for _, u in _good(d.get("after", []))] for i, d in release_data.items()})
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
            fields = self.packaging(key, entry, published, None)
            repo = Repo(id=repo_id, slug=slug, **fields)
            self.npm(key, repo)
            repos.append(repo)
            self.repo_ids[repo_id] = repo
            self.published[repo_id] = published
        return tuple(repos)

    def packaging(
        self, key: str, entry: dict[str, Any], published: dict[str, Any], inherited: Repo | None
    ) -> dict[str, Any]:
        """Return the `Repo` fields *entry* (a repo, or a release of *inherited*) names, each checked.

        A repo gets every field (its defaults where it names none); a release only those it names,
        and ``sources`` also when it names its own ``published`` (the default follows the places).
        """
        fields: dict[str, Any] = {}
        if inherited is None or "scheme" in entry:
            fields["scheme"] = Scheme(entry.get("scheme", Scheme.PEP440.value))
        if inherited is None or "tags" in entry:
            fields["tags"] = tuple(pattern for _, pattern in _good(entry.get("tags", ["v{version}", "{version}"])))
            for index, pattern in _good(entry.get("tags", [])):
                if pattern.count("{version}") != 1 or pattern.replace("{version}", "").count("{"):
                    self.problem(
                        f"{key}.tags[{index}]",
                        f"{pattern!r} must contain {{version}} exactly once, e.g. 'v{{version}}'",
                    )
        if inherited is None or "published" in entry:
            fields.update(published_fields(published))
            for field_key, url in (
                ("pypi_index", published.get("pypi_index")),
                ("npm_registry", published.get("npm_registry")),
                ("conda.api", (published.get("conda") or {}).get("api")),
                ("helm.index", (published.get("helm") or {}).get("index")),
            ):
                if url is not None and not re.match(r"^https?://[^/\s]+", url):
                    self.problem(f"{key}.published.{field_key}", f"{url!r} is not an http(s) URL")
            self.conda(f"{key}.published.conda", published.get("conda"))
        if inherited is None or "published" in entry or "sources" in entry:
            own = inherited is None or "published" in entry
            fields["sources"] = self.sources(key, entry, published, None if own else inherited)
        return fields

    def sources(
        self, key: str, entry: dict[str, Any], published: dict[str, Any], inherited: Repo | None = None
    ) -> tuple[Source, ...]:
        """Return the evidence sources *entry* names, or the published places and then tags.

        *published* is the table the sources are checked against: the entry's own, or for a
        release that names none, its repo's.
        """
        feedstock = bool((_conda(published.get("conda")) or CondaPackage("")).feedstock)
        if "sources" not in entry:
            derived = [source for source, place, _ in PUBLISHED_PLACES if place in published]
            return (*(s for s in derived if s is not Source.RECIPE or feedstock), Source.TAGS)
        listed = [Source(value) for _, value in _good(entry["sources"])]
        if not entry["sources"]:
            self.problem(
                f"{key}.sources", "is empty; list at least one of tags, github-releases, pypi, npm, conda, helm"
            )
        self.no_duplicates(entry["sources"], f"{key}.sources")
        places = {source.value: (place, what) for source, place, what in PUBLISHED_PLACES}
        for index, source in _good(entry["sources"]):
            place, what = places.get(source, (None, ""))
            if place and place not in published:
                whose = "" if inherited is None else f"; neither this release nor repos.{inherited.id} names one"
                self.problem(f"{key}.sources[{index}]", f"{source!r} needs published.{place} ({what}){whose}")
            elif source == Source.RECIPE and place in published and not feedstock:
                self.problem(
                    f"{key}.sources[{index}]",
                    "'recipe' needs published.conda.feedstock (OWNER/NAME of the feedstock on GitHub): only "
                    "conda-forge's is known without it",
                )
        return tuple(dict.fromkeys(listed))

    def conda(self, key: str, table: dict[str, Any] | None) -> None:
        """Check a ``published.conda`` table's name, channel and labels (platforms are checked as choices)."""
        if not table:
            return
        for field_key, pattern, what in (
            ("name", CONDA_NAME_PATTERN, "a conda package name (lower case letters, digits, '_', '.', '+', '-')"),
            ("channel", CONDA_CHANNEL_PATTERN, "an anaconda.org channel name, such as 'conda-forge'"),
        ):
            value = table.get(field_key)
            if isinstance(value, str) and not _pattern(pattern).match(value):
                hint = f" (did you mean {value.lower()!r}?)" if _pattern(pattern).match(value.lower()) else ""
                if field_key == "channel" and "/" in value:
                    hint = "; name the channel only: the API root goes in published.conda.api"
                self.problem(f"{key}.{field_key}", f"{value[:120]!r} is not {what}{hint}")
        if "labels" in table and not table["labels"]:
            self.problem(f"{key}.labels", "is empty; list at least one label, such as 'main'")
        for field_key in ("platforms", "labels"):
            self.no_duplicates(table.get(field_key, []), f"{key}.{field_key}")
        for index, label in _good(table.get("labels", [])):
            if not _pattern(CONDA_CHANNEL_PATTERN).match(label):
                self.problem(f"{key}.labels[{index}]", f"{label[:120]!r} is not a channel label, such as 'main'")
        self.feedstock(key, table)

    def feedstock(self, key: str, table: dict[str, Any]) -> None:
        """Check a ``published.conda`` table's feedstock (OWNER/NAME) and recipe paths (inside the feedstock)."""
        feedstock = table.get("feedstock")
        if isinstance(feedstock, str) and parse_slug(feedstock) is None:
            self.problem(f"{key}.feedstock", f"{feedstock[:120]!r} is not OWNER/NAME (e.g. 'conda-forge/x-feedstock')")
        if "recipe" in table and not table["recipe"]:
            self.problem(f"{key}.recipe", "is empty; list the recipe's path, such as 'recipe/meta.yaml'")
        self.no_duplicates(table.get("recipe", []), f"{key}.recipe")
        for index, path in _good(table.get("recipe", [])):
            if (problem := pin_path_problem(path)) is not None:
                self.problem(f"{key}.recipe[{index}]", f"{path[:120]!r} is not a path inside the feedstock: {problem}")

    def npm(self, key: str, repo: Repo) -> None:
        """Check the repo's npm package: its name, and that its versions are read as SemVer."""
        if repo.npm is not None and (problem := npm_name_problem(repo.npm)) is not None:
            self.problem(f"{key}.published.npm", problem)
        if Source.NPM in repo.sources and (problem := npm_scheme_problem(repo.scheme, key)) is not None:
            self.problem(f"{key}.scheme", problem)

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
        own = self.own_packaging(key, data, repo)
        packaged = own or repo
        accept = Accept(data["accept"]) if "accept" in data else None
        try:
            requirement = self.requirement(packaged.scheme, data["version"], accept)
        except ValueError as exc:
            whose = f"{key} uses" if "scheme" in data else f"repos.{repo_id} uses"
            self.problem(f"{key}.version", f"{exc}; {whose} the {packaged.scheme} scheme")
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
            decided_by=self.decided_by(
                key, data, packaged, inherited="sources" not in data and "published" not in data
            ),
            pins=self.pins(key, data),
            packaging=own,
            images=self.images(key, data),
            values_images=self.values_images(key, data),
        )

    def own_packaging(self, key: str, data: dict[str, Any], repo: Repo) -> Repo | None:
        """Return *repo* with what the release names of its own packaging, or ``None`` when it names none."""
        if not any(name in data for name in PACKAGING):
            return None
        published = data["published"] if "published" in data else self.published.get(repo.id, {})
        packaged = dataclasses.replace(repo, **self.packaging(key, data, published, repo))
        if "published" in data and packaged.npm is not None and (problem := npm_name_problem(packaged.npm)):
            self.problem(f"{key}.published.npm", problem)
        if Source.NPM in packaged.sources and (problem := npm_scheme_problem(packaged.scheme, key)) is not None:
            self.problem(f"{key}.scheme", problem)  # its own scheme, sources or package, or the repo's
        self.borrowed_package(key, data, packaged, repo)
        return packaged

    def borrowed_package(self, key: str, data: dict[str, Any], packaged: Repo, repo: Repo) -> None:
        """Report a release with its own tags or scheme that reads its repo's package: another package's versions.

        Its own ``tags`` say it is versioned apart from its repo (a monorepo's package), yet a
        place in ``published`` it does not name is the repo's package, whose versions would then
        decide it (core 3.0.0 on PyPI would release cli).
        """
        if "published" in data or not ("tags" in data or "scheme" in data):
            return
        places = [(source, place) for source in packaged.sources if (place := packaged.place(source)) is not None]
        if places:
            source, (name, _) = places[0]
            own = "tags" if "tags" in data else "scheme"
            self.problem(
                f"{key}.published",
                f"names its own {own} but reads {source.value} {name!r} of repos.{repo.id}, so that package's "
                f"versions would decide it; give {key} its own published (its package), or "
                'sources = ["tags"] if only its tags say it is out',
            )

    def tag_overlaps(self, releases: tuple[Release, ...], data: dict[str, Any]) -> None:
        """Report releases of one repo whose tag patterns read each other's tags.

        Each pattern makes a sample tag (``1.2.3`` for ``{version}``), read through the other
        release's patterns as the engine reads tags: a version there means one release could be
        counted released by the other's tag. Releases that share their repo's patterns (every
        release that names no ``tags``) and patterns both releases list are never compared.
        """
        by_repo: dict[str, dict[tuple[Scheme, tuple[str, ...]], Release]] = {}
        for release in releases:
            packaged = release.packaging or self.repo_ids[release.repo]
            by_repo.setdefault(release.repo, {}).setdefault((packaged.scheme, packaged.tags), release)
        for kinds in by_repo.values():
            groups = [(release, scheme, tags) for (scheme, tags), release in kinds.items()]
            found = next(
                (
                    (reader, other, overlap)
                    for reader, scheme, tags in groups
                    for other, _, other_tags in groups
                    if other is not reader and (overlap := _reads_other(scheme, tags, other_tags)) is not None
                ),
                None,
            )
            if found is not None:  # one pair says it: the fix changes the others
                self.tag_overlap(*found, data)

    def tag_overlap(self, reader: Release, other: Release, found: tuple[str, str, str], data: dict[str, Any]) -> None:
        pattern, sample, text = found
        key = f"releases.{reader.id}"
        owner = key if "tags" in data.get(reader.id, {}) else f"repos.{reader.repo}"
        self.problem(
            f"{key}.tags" if "tags" in data.get(reader.id, {}) else f"releases.{other.id}.tags",
            f"tag pattern {pattern!r} of {owner} also reads the tags of releases.{other.id} ({sample!r} reads "
            f"as {text}), so one release could be counted out by the other's tag; give the releases of "
            f"repos.{reader.repo} patterns that cannot match each other's tags, such as 'core-v{{version}}' and "
            "'cli-v{version}'",
        )

    def requirement(self, scheme: Scheme, text: str, accept: Accept | None) -> VersionRequirement:
        """Parse a release's requirement, once for all the releases that write it alike (a value never changes)."""
        known = self.requirements.get((scheme, text, accept))
        if known is None:
            known = self.requirements[scheme, text, accept] = parse_requirement(scheme, text, accept)
        return known

    def pins(self, key: str, data: dict[str, Any]) -> tuple[str, ...]:
        entries = []
        for index, entry in _good(data.get("pins", [])):
            parsed = pin_entry_of(entry)
            problem = pin_path_problem(parsed.path) if isinstance(parsed, PinEntry) else None
            if isinstance(parsed, str):
                self.problem(f"{key}.pins[{index}]", f"{_clip(entry)!r} is not a pin entry: {parsed}")
            elif problem is None and not _pattern(PIN_PATTERN).match(entry):
                problem = "it is not a plain relative path"  # what the JSON Schema refuses, the reader refuses too
            if problem is not None:
                self.problem(
                    f"{key}.pins[{index}]",
                    f"{_clip(entry)!r} is not a path inside the repository: {problem}; write it from the "
                    "repository's root, e.g. images/hub/requirements.txt",
                )
            entries.append(entry)
        return tuple(entries)

    def images(self, key: str, data: dict[str, Any]) -> tuple[ImageRef, ...]:
        """Read ``images``: each a reference with ``{version}`` once in its tag, named by tag (see `image_problem`)."""
        found: dict[str, ImageRef] = {}
        for index, entry in _good(data.get("images", [])):
            if values_entry(entry) is not None:
                continue  # PATH#KEY: read by values_images
            problem = image_problem(entry)
            if problem is not None and entry.endswith((".yaml", ".yml")) and ":" not in entry:
                problem = f"{entry!r} is a values file: add '#' and the dotted key of its image mapping"
                problem += f" (did you mean '{entry}#hub.image'?)"
            if problem is not None:
                example = "" if "did you mean" in problem else "; e.g. jupyterhub/k8s-hub:v{version}"
                self.problem(f"{key}.images[{index}]", f"{problem}{example}")
                continue
            image = parse_image(entry)
            if (image.name, image.tag) in {(i.name, i.tag) for i in found.values()}:
                self.problem(f"{key}.images[{index}]", f"{entry!r} names an image listed before; list each once")
                continue
            found[entry] = image
        return tuple(found.values())

    def values_images(self, key: str, data: dict[str, Any]) -> tuple[ValuesImage, ...]:
        """Read the ``images`` entries ``PATH#KEY``: a path inside the repository and a dotted key."""
        found: dict[str, ValuesImage] = {}
        for index, entry in _good(data.get("images", [])):
            image = values_entry(entry)
            if image is None:
                continue  # NAME:TAG: read by images
            at = f"{key}.images[{index}]"
            path = image.path.removeprefix("values:")
            problem = pin_path_problem(path) if path else "it names no file before '#'"
            if problem is None and not re.fullmatch(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*", image.key):
                problem = f"{image.key[:80]!r} is not a dotted key of the image mapping"
            if path != image.path and problem is None:
                problem = f"an image entry is not a pin (did you mean {entry.removeprefix('values:')!r}?)"
            if problem is None and not _pattern(IMAGE_PATTERN).match(entry):
                problem = "it is not a plain relative path"  # what the JSON Schema refuses, the reader refuses too
            if problem is not None:
                self.problem(
                    at,
                    f"{_clip(entry)!r} does not name a values file's image: {problem}; write PATH#DOTTED.KEY from "
                    "the repository's root, e.g. jupyterhub/values.yaml#hub.image",
                )
            elif image.text in found:
                self.problem(at, f"{entry!r} names an image listed before; list each once")
            else:
                found[image.text] = image
        return tuple(found.values())

    def decided_by(self, key: str, data: dict[str, Any], packaged: Repo, *, inherited: bool) -> Source | None:
        """Read ``decided_by``: one of the release's effective sources (its repo's, unless it names its own)."""
        if "decided_by" not in data:
            return None
        source = Source(data["decided_by"])
        if source not in packaged.sources:
            listed = ", ".join(packaged.sources)
            if inherited:
                message = (
                    f"{source} is not a source of repos.{packaged.id} ({listed}); add it to its sources "
                    "or pick one of those"
                )
            else:
                message = f"{source} is not a source of {key} ({listed}); add it to {key}.sources or pick one of those"
                if "sources" not in data:
                    message = (
                        f"{source} is not a source of {key}, which takes its sources from its own published "
                        f"({listed}); add sources = [...] to {key}, or pick one of those"
                    )
            self.problem(f"{key}.decided_by", message)
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
        for index, text in enumerate(texts):
            if text is _BAD:
                continue
            # A good ref is read without naming its key (a large plan has a hundred thousand).
            ref = self.good_ref(text) or self.ref(text, f"{key}[{index}]")
            if ref is None:
                continue
            ref_key = ref.key
            if ref_key in refs:
                first = self.short(refs[ref_key])
                also = f" (also as {first!r})" if first != text else ""
                self.problem(f"{key}[{index}]", f"lists {text!r} twice{also}; remove one")
            else:
                refs[ref_key] = ref
        return tuple(refs.values())

    def good_ref(self, text: str) -> ItemRef | None:
        """Return what `ref` returns for *text* when it finds no problem with it; ``None`` when it may."""
        match = _GOOD_REF.fullmatch(text)
        if match is None:
            return None
        repo, digits = match.groups()
        number = int(digits)
        if number > MAX_ITEM_NUMBER:
            return None
        if "/" in repo:
            return ItemRef(repo, number) if parse_slug(repo) is not None else None
        known = self.repo_ids.get(repo)
        return None if known is None else ItemRef(known.slug, number)

    def short(self, ref: ItemRef) -> str:
        return next((f"{r.id}#{ref.number}" for r in self.repo_ids.values() if r.slug.lower() == ref.key[0]), str(ref))

    def ref(self, text: str, key: str) -> ItemRef | None:
        match = _REF.match(text)
        if match is None or not _DIGITS.fullmatch(match.group("number")) or not match.group("number").strip("0"):
            self.problem(
                key,
                f"{_clip(text)!r} is not a PR or issue reference; write REPO-ID#NUMBER or OWNER/NAME#NUMBER, "
                "e.g. 'kubespawner#232' or 'jupyterhub/kubespawner#232'",
            )
            return None
        if _number_past_github(text):
            self.problem(key, _number_message(text))
            return None
        repo, number = match.group("repo"), int(match.group("number").lstrip("0"))
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

    def case_twins(self, section: str, ids: list[str]) -> None:
        """Report ids of *section* that differ only in case (``JupyterHub`` beside ``jupyterhub``)."""
        first: dict[str, str] = {}
        for name in ids:
            earlier = first.setdefault(name.casefold(), name)
            if earlier != name:
                self.problem(
                    f"{section}.{name}",
                    f"{section}.{earlier} and {section}.{name} differ only in case, which reports, graph node ids "
                    "and lookups such as --release cannot tell apart; rename one of them",
                )

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


_REPR = reprlib.Repr()
_REPR.maxlevel = 3  # a bounded walk: a table of thousands of levels is never printed whole (or recursively)
_REPR.maxstring = _REPR.maxother = 60


def _short(value: object) -> str:
    text = _REPR.repr(value) if isinstance(value, dict | list) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _clip(text: str) -> str:
    """Return *text*, cut to 60 characters: a value of thousands is not repeated whole in a message."""
    return text if len(text) <= 60 else text[:57] + "..."


def _bad_id(name: str, pattern: str) -> str:
    """Say why map key *name* is not an id of the map (its keys match *pattern*)."""
    if "#" not in pattern:
        return f"{name!r} is not an id of letters, digits, '.', '_' and '-'"
    if _number_past_github(name):
        return _number_message(name)
    return f"{name!r} is not a PR reference like 'kubespawner#205'"


def _number_past_github(ref: str) -> bool:
    """Return whether *ref* is ``REPO#DIGITS`` with a number past the largest GitHub has."""
    match = _REF.match(ref)
    digits = match.group("number").lstrip("0") if match else ""
    return _DIGITS.fullmatch(digits) is not None and (
        len(digits) > len(str(MAX_ITEM_NUMBER)) or int(digits) > MAX_ITEM_NUMBER
    )


def _number_message(ref: str) -> str:
    return (
        f"{_clip(ref)!r} has a number larger than any on GitHub: PR and issue numbers are at most "
        f"{MAX_ITEM_NUMBER:,} (GitHub's 32-bit Int); check the number"
    )


def pin_path_problem(path: str) -> str | None:
    """Return why *path* (of a ``pins`` entry) is not a relative path inside a repository, or ``None``.

    The reader refuses such plans; `release_gate.sources.github` asks again before it builds a
    request from a path, so that no path can reach another API endpoint.

    >>> pin_path_problem("images/hub/requirements.txt") is None
    True
    >>> pin_path_problem("../../rate_limit")
    "it has a '.' or '..' part"
    """
    problem = None
    if not path:
        problem = "the path is empty"
    elif any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in path):
        problem = "it has a control character"
    elif re.search(r"\s", path):
        problem = "it has a space"
    elif "\\" in path:
        problem = "it has '\\'; separate folders with '/'"
    elif "?" in path:
        problem = "it has '?'; a pin names a file, with no query"
    elif ":" in path:
        problem = "it has ':' (a URL, or a scheme such as https: or file:)"
    elif path.startswith("/"):
        problem = "it starts with '/'"
    elif "" in path.split("/"):
        problem = "it has an empty part ('//', or '/' at the end)"
    elif {".", ".."} & set(path.split("/")):
        problem = "it has a '.' or '..' part"
    return problem


_NPM_VERSION = re.compile(r"^(@?[^@]+)@(?:[v=^~]?\d.*|latest|next)$")
"""A name with a version or dist-tag after it (``@scope/name@1.0.0``, ``name@latest``), as npm install takes."""
_NPM_URL = re.compile(r"^https?://(?:www\.)?npmjs\.(?:com|org)/(?:package/)?(@?[^?#]+?)(?:/v/[^/?#]+)?/?(?:[?#].*)?$")


def npm_name_problem(name: str) -> str | None:
    """Say what is wrong with *name* as an npm package name, with the name meant when it can tell; ``None``: nothing.

    >>> npm_name_problem("@jupyterlab/git") is None
    True
    >>> npm_name_problem("jupyterlab/git")
    "'jupyterlab/git' is not an npm package name: a scoped name starts with '@' (did you mean '@jupyterlab/git'?)"
    """
    if re.match(NPM_NAME_PATTERN, name) and len(name) <= _NPM_MAX:
        return None
    what = f"{name[:120]!r} is not an npm package name"
    meant: str | None = None
    if (url := _NPM_URL.match(name)) is not None:
        why, meant = "write the package's name, not its page", url.group(1)
    elif (versioned := _NPM_VERSION.match(name)) is not None:
        why, meant = "the version goes in the release's 'version', not in the name", versioned.group(1)
    elif name != name.lower():
        why, meant = "npm names are lower case", name.lower()
    elif re.match(NPM_NAME_PATTERN, "@" + name) and "/" in name:
        why, meant = "a scoped name starts with '@'", "@" + name
    elif len(name) > _NPM_MAX:
        why = f"npm names are at most {_NPM_MAX} characters"
    else:
        why = "write @scope/name or name: lower-case letters, digits and - . _ ~, not starting with . or _"
    if meant is not None and npm_name_problem(meant) is None:
        return f"{what}: {why} (did you mean {meant!r}?)"
    return f"{what}: {why}"


_NPM_MAX = 214
"""The longest name the npm registry accepts."""


def npm_scheme_problem(scheme: Scheme, key: str) -> str | None:
    """Say why a repo (or release) at *key* read from npm cannot use *scheme*; ``None``: it can (SemVer)."""
    if scheme is Scheme.SEMVER:
        return None
    section, _, name = key.partition(".")
    return (
        f"is {scheme.value!r} (the default is pep440), but npm versions are SemVer (npm refuses any other); "
        f'add scheme = "semver" to [{_join(section, name)}]'
    )


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


_ITEM_URL = re.compile(
    r"^https?://[^/\s]+/(?P<slug>[^/\s#?]+/[^/\s#?]+)/(?:pull|pulls|issues)/(?P<number>[0-9]+)"
    r"(?:/(?:files|commits|checks))?/?(?:\?[^#\s]*)?(?:#\S*)?$",
    re.IGNORECASE,
)
"""A PR's or issue's page: ``https://github.com/OWNER/NAME/pull/N`` (or ``/issues/N``), any host (GitHub
Enterprise), with or without a trailing slash, a query or a ``#fragment``, or a PR's files, commits or checks tab."""


def parse_ref(plan: Plan, text: str) -> ItemRef:
    """Read a PR or issue reference (``kubespawner#232``, ``owner/name#232`` or the page's URL) against *plan*.

    Raises `ValueError` saying what is wrong and what would be right, also for a number
    past `release_gate.plan.format.MAX_ITEM_NUMBER` (GitHub would reject the query).
    """
    url = _ITEM_URL.match(text)
    if url is None and text.lower().startswith(("http://", "https://")):
        raise ValueError(
            f"{_clip(text)!r} is not the address of a PR or issue; use one such as "
            "'https://github.com/OWNER/NAME/pull/NUMBER' or '.../issues/NUMBER', or write OWNER/NAME#NUMBER"
        )
    reader = _Reader(plan.path, "")
    reader.repo_ids = {repo.id: repo for repo in plan.repos}
    ref = reader.ref(f"{url['slug']}#{url['number']}" if url else text, "")
    if ref is None:
        raise ValueError(reader.issues[0].message)
    return ref
