"""Recorded state: the versioned snapshot file format, and the provider that replays it.

A snapshot is one JSON document (``schema_version`` 2, or 3 with npm or conda packages; described in
``docs/snapshot.md``) holding, per repository, its tags with dates, its pull requests and issues with their
open/merge/close times, and the default-branch files the plan reads. Timestamps make it
possible to ask for verdicts as of any moment up to ``taken_at``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from release_gate.errors import SnapshotError
from release_gate.plan.model import ItemRef, Source, parse_slug
from release_gate.state import (
    FileHistory,
    FileVersion,
    GitHubRelease,
    Issue,
    IssueState,
    PrState,
    Published,
    PullRequest,
    ReadStats,
    Registry,
    RepoState,
    State,
    StateRequest,
    Tag,
    Unknown,
    registry_key,
)
from release_gate.times import iso_time, parse_time
from release_gate.untrusted import json_safe

__all__ = ["SCHEMA_VERSION", "SnapshotStateProvider", "dump_snapshot", "load_snapshot"]

SCHEMA_VERSION = 3
"""The newest snapshot format this version writes; it reads every version up to it.

Version 3 adds npm packages (``source: "npm"``) and a version's ``deprecated`` message, and
conda packages (``source: "conda"``, name ``CHANNEL/NAME``) with each version's ``platforms``
(``{subdir: first counted upload}``), and container images (``source: "oci"``: the tags
checked, ``files`` 1 when pushed and 0 when not, with the manifest's ``digest``); a snapshot
holding none of these is still written as
`PLAIN_VERSION` (2), byte for byte as before, so that older readers keep reading it.

Version 2 records each default-branch file with the versions read and their commit dates
(``{"read_at", "complete", "versions": [{"text", "since", "commit"}]}``), and a family
whose search failed as ``{"unknown": reason}``; version 1 recorded a file as its text,
known only at ``taken_at``.
"""

PLAIN_VERSION = 2
"""The version written for a snapshot without what version 3 added."""

_REGISTRY_SOURCES = {Source.PYPI: 1, Source.HELM: 1, Source.NPM: 3, Source.CONDA: 3, Source.OCI: 3}
"""The sources a snapshot's registries may be of, with the schema version that added each."""

MAX_SNAPSHOT_BYTES = 200_000_000
MAX_NUMBER = 2**31 - 1
"""The largest PR or issue number GitHub has (its GraphQL ``Int``)."""


def _short(key: str, most: int = 20) -> str:
    """Return *key* cut to *most* characters for a message (a key can be anything in a broken file)."""
    return key if len(key) <= most else key[:most] + "..."


def _format_time(value: dt.datetime | None) -> str | None:
    return None if value is None else iso_time(value)


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.taken_at = dt.datetime.min.replace(tzinfo=dt.UTC)
        self.schema_version = SCHEMA_VERSION

    def fail(
        self, where: str, problem: str, fix: str = "Fix the file, or record it again with release-gate"
    ) -> SnapshotError:
        return SnapshotError(self.path, f"{where}: {problem}" if where else problem, fix)

    def obj(self, value: object, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"must be a JSON object, not {_json_type(value)}")
        return value

    def text(self, data: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(f"{where}.{key}", "is missing")
            return ""
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", f"must be a string, not {_json_type(value)}")
        return value

    def time(self, data: dict[str, Any], key: str, where: str) -> dt.datetime | None:
        text = data.get(key)
        if text is None:
            return None
        parsed = parse_time(text) if isinstance(text, str) else None
        if parsed is None:
            raise self.fail(
                f"{where}.{key}" if where else key,
                f"{text!r} is not an ISO 8601 time with a timezone (2018-08-09T18:00:00Z)",
            )
        return parsed

    def item_state(self, data: dict[str, Any], where: str, choices: type[PrState | IssueState]) -> Any:
        value = data.get("state")
        try:
            return choices(str(value))
        except ValueError:
            names = ", ".join(c.value for c in choices)
            raise self.fail(f"{where}.state", f"must be one of {names}, not {value!r}") from None

    def state(self, data: object) -> State:
        root = self.obj(data, "")
        version = root.get("schema_version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise self.fail(
                "schema_version",
                f"is missing or not an integer ({version!r})",
                "This does not look like a release-gate snapshot",
            )
        if version > SCHEMA_VERSION:
            raise self.fail(
                "schema_version",
                f"is {version}, written by a newer release-gate; this one reads versions 1 to {SCHEMA_VERSION}",
                "Upgrade release-gate, or record the snapshot again with this version",
            )
        if version < 1:
            raise self.fail("schema_version", f"is {version}; versions start at 1")
        taken_at = self.time(root, "taken_at", "")
        if taken_at is None:
            raise self.fail("taken_at", "is missing; a snapshot must say when it was taken")
        self.taken_at = taken_at
        self.schema_version = version
        as_of = self.time(root, "as_of", "")
        if as_of is not None and as_of > taken_at:
            raise self.fail("as_of", "is after taken_at; a snapshot cannot answer for a moment after it was taken")
        repos: dict[str, RepoState | Unknown] = {}
        items: dict[tuple[str, int], PullRequest | Issue | Unknown] = {}
        families: dict[tuple[str, int], tuple[ItemRef, ...] | Unknown] = {}
        for slug, entry in self.obj(root.get("repos", {}), "repos").items():
            where = f"repos.{slug}"
            if parse_slug(slug) is None:
                raise self.fail(where, f"{slug!r} is not OWNER/NAME")
            fields = self.obj(entry, where)
            if "unknown" in fields:  # the repo could not be read; items of it may have been
                repos[slug.lower()] = Unknown(self.text(fields, "unknown", where))
            else:
                repos[slug.lower()] = self.repo(slug, fields, where)
            families.update(self.families(slug, fields, where))
            for kind in ("pulls", "issues"):
                for number, item in self.obj(fields.get(kind, {}), f"{where}.{kind}").items():
                    item_where = f"{where}.{kind}.{_short(number)}"
                    ref = ItemRef(slug, self.number(number, item_where))
                    items[ref.key] = self.item(ref, kind, self.obj(item, item_where), item_where)
        return State(
            taken_at=taken_at,
            source=f"snapshot {self.path}",
            repos=repos,
            items=items,
            families=families,
            stats=self.stats(root.get("read")),
            registries=self.registries(root.get("registries", {})),
            as_of=as_of,
        )

    def registries(self, data: object) -> dict[str, Registry | Unknown]:
        found: dict[str, Registry | Unknown] = {}
        for key, entry in self.obj(data, "registries").items():
            where = f"registries.{key}"
            fields = self.obj(entry, where)
            if "unknown" in fields:
                found[key] = Unknown(self.text(fields, "unknown", where))
                continue
            source = self.registry_source(fields, where)
            name = self.text(fields, "name", where, required=True)
            if key != registry_key(source, name):  # two entries for one package: which to believe?
                raise self.fail(
                    where, f"must be registries.{registry_key(source, name)}, the key of its source and name"
                )
            if self.schema_version < _REGISTRY_SOURCES[source]:
                raise self.fail(
                    f"{where}.source", f"is {source.value}, which schema_version {self.schema_version} does not have"
                )
            versions = []
            for w, v in self.objects(fields, "versions", where):
                if source is Source.OCI and "files" not in v:  # a tag checked says whether it was there
                    raise self.fail(f"{w}.files", "is missing; an image tag says 1 (pushed) or 0 (not)")
                counts = {k: v.get(k, d) for k, d in (("files", 1), ("yanked", 0))}
                for k, value in counts.items():
                    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                        raise self.fail(f"{w}.{k}", f"must be a count, not {_json_type(value)}")
                versions.append(
                    Published(
                        self.text(v, "version", w, required=True),
                        self.time(v, "date", w),
                        counts["files"],
                        counts["yanked"],
                        self.text(v, "deprecated", w),
                        self.platforms(v, w),
                        self.digest(v, w),
                    )
                )
            found[registry_key(source, name)] = Registry(source, name, self.text(fields, "url", where), tuple(versions))
        return found

    def platforms(self, version: dict[str, Any], where: str) -> tuple[tuple[str, dt.datetime], ...]:
        """Return a conda version's ``platforms`` (``{subdir: time}``), sorted; none when it has none."""
        value = version.get("platforms", {})
        if not isinstance(value, dict):
            raise self.fail(f"{where}.platforms", f"must be an object of times by platform, not {_json_type(value)}")
        found = []
        for subdir in value:
            when = self.time(value, subdir, f"{where}.platforms")
            if when is None:
                raise self.fail(f"{where}.platforms.{_short(subdir)}", "must be an ISO 8601 time with a timezone")
            found.append((subdir, when))
        return tuple(sorted(found))

    def registry_source(self, fields: dict[str, Any], where: str) -> Source:
        """Return a registry's ``source``: pypi, npm, conda, helm or oci (an image, its tags checked)."""
        text = self.text(fields, "source", where, required=True)
        if text not in _REGISTRY_SOURCES:
            raise self.fail(f"{where}.source", "must be pypi, npm, conda, helm or oci")
        return Source(text)

    def digest(self, data: dict[str, Any], where: str) -> str:
        """Read an image tag's ``digest`` (``sha256:…``); empty when there is none."""
        digest = self.text(data, "digest", where)
        if digest and not re.fullmatch(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[A-Za-z0-9=_-]{32,128}", digest):
            raise self.fail(f"{where}.digest", f"is {_short(digest)!r}, not a digest (sha256:...)")
        return digest

    def objects(self, entry: dict[str, Any], key: str, where: str) -> list[tuple[str, dict[str, Any]]]:
        value = entry.get(key, [])
        if not isinstance(value, list):
            raise self.fail(f"{where}.{key}", f"must be a list, not {_json_type(value)}")
        return [(f"{where}.{key}[{i}]", self.obj(item, f"{where}.{key}[{i}]")) for i, item in enumerate(value)]

    def flag(self, data: dict[str, Any], key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"{where}.{key}", f"must be true or false, not {_json_type(value)}")
        return value

    def repo(self, slug: str, entry: dict[str, Any], where: str) -> RepoState:
        tags = tuple(
            Tag(self.text(t, "name", w, required=True), self.text(t, "sha", w), self.time(t, "date", w))
            for w, t in self.objects(entry, "tags", where)
        )
        releases = tuple(
            GitHubRelease(
                self.text(r, "tag", w, required=True),
                self.flag(r, "draft", w),
                self.flag(r, "prerelease", w),
                self.time(r, "published_at", w),
            )
            for w, r in self.objects(entry, "releases", where)
        )
        files = {
            name: self.file(content, f"{where}.files.{name}")
            for name, content in self.obj(entry.get("files", {}), f"{where}.files").items()
        }
        return RepoState(slug, tags, self.text(entry, "default_branch", where), files, releases)

    def file(self, content: object, where: str) -> FileHistory | Unknown:
        """Read one file: its text (version 1: known at ``taken_at`` only), its history, or why it is unknown."""
        if isinstance(content, str):
            return FileHistory.current(content, self.taken_at)
        fields = self.obj(content, where)
        if "unknown" in fields:
            return Unknown(self.text(fields, "unknown", where))
        read_at = self.time(fields, "read_at", where)
        if read_at is None:
            raise self.fail(f"{where}.read_at", "is missing; a file's history must say when it was read")
        if read_at > self.taken_at:
            raise self.fail(f"{where}.read_at", "is after the snapshot's taken_at")
        versions: list[FileVersion] = []
        for w, v in self.objects(fields, "versions", where):
            text = v.get("text")
            if text is not None and not isinstance(text, str):
                raise self.fail(f"{w}.text", f"must be the file's text or null, not {_json_type(text)}")
            since = self.time(v, "since", w)
            if since is not None and since > read_at:
                raise self.fail(f"{w}.since", "is after the file was read (read_at)")
            if versions and (since is None or (versions[-1].since is not None and since > versions[-1].since)):
                raise self.fail(f"{w}.since", "must be dated, and no later than the version before it (newest first)")
            versions.append(FileVersion(text, since, self.text(v, "commit", w)))
        return FileHistory(read_at, tuple(versions), self.flag(fields, "complete", where))

    def families(
        self, slug: str, entry: dict[str, Any], where: str
    ) -> dict[tuple[str, int], tuple[ItemRef, ...] | Unknown]:
        found: dict[tuple[str, int], tuple[ItemRef, ...] | Unknown] = {}
        for parent, parts in self.obj(entry.get("families", {}), f"{where}.families").items():
            key = f"{where}.families.{_short(parent)}"
            number = self.number(parent, key)
            if isinstance(parts, dict) and "unknown" in parts:
                found[ItemRef(slug, number).key] = Unknown(self.text(parts, "unknown", key))
                continue
            if not isinstance(parts, list) or not all(
                isinstance(p, int) and not isinstance(p, bool) and 0 < p <= MAX_NUMBER for p in parts
            ):
                raise self.fail(key, "must be a list of PR numbers")
            found[ItemRef(slug, number).key] = tuple(ItemRef(slug, p) for p in parts)
        return found

    def number(self, text: str, where: str) -> int:
        """Read a PR or issue number written as a key: 1 to GitHub's largest (a 32-bit ``Int``)."""
        if not re.fullmatch(r"[0-9]{1,10}", text) or not 0 < int(text) <= MAX_NUMBER:
            raise self.fail(where, f"{_short(text)!r} is not a PR or issue number")
        return int(text)

    def stats(self, data: object) -> ReadStats | None:
        if data is None:
            return None
        fields = self.obj(data, "read")
        numbers = {k: fields.get(k) for k in ("requests", "graphql_cost", "rate_remaining", "registry_requests")}
        for key, value in numbers.items():
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise self.fail(f"read.{key}", f"must be a number, not {_json_type(value)}")
        notes = fields.get("notes", [])
        if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
            raise self.fail("read.notes", "must be a list of strings")
        return ReadStats(
            numbers["requests"] or 0,
            numbers["graphql_cost"] or 0,
            numbers["rate_remaining"],
            self.time(fields, "rate_reset", "read"),
            tuple(notes),
            numbers["registry_requests"] or 0,
        )

    def item(self, ref: ItemRef, kind: str, data: dict[str, Any], where: str) -> PullRequest | Issue | Unknown:
        if "unknown" in data:
            return Unknown(self.text(data, "unknown", where))
        if kind == "pulls":
            labels = data.get("labels", [])
            if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
                raise self.fail(f"{where}.labels", "must be a list of label names")
            return PullRequest(
                ref=ref,
                state=self.item_state(data, where, PrState),
                title=self.text(data, "title", where),
                draft=self.flag(data, "draft", where),
                head=self.text(data, "head", where),
                created_at=self.time(data, "created_at", where),
                merged_at=self.time(data, "merged_at", where),
                closed_at=self.time(data, "closed_at", where),
                head_sha=self.text(data, "head_sha", where),
                review_decision=self.text(data, "review_decision", where),
                checks=self.text(data, "checks", where),
                labels=tuple(labels),
            )
        return Issue(
            ref=ref,
            state=self.item_state(data, where, IssueState),
            title=self.text(data, "title", where),
            created_at=self.time(data, "created_at", where),
            closed_at=self.time(data, "closed_at", where),
        )


def _json_type(value: object) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def load_snapshot(path: str | Path) -> State:
    """Read the snapshot file at *path*; raises [`SnapshotError`][release_gate.errors.SnapshotError] on any problem."""
    shown = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise SnapshotError(shown, "no such file", "Check the path given to --snapshot") from None
    except OSError as exc:
        raise SnapshotError(shown, f"cannot be read ({exc.strerror})", "Check the path and its permissions") from None
    if len(raw) > MAX_SNAPSHOT_BYTES:
        raise SnapshotError(
            shown,
            f"is {len(raw):,} bytes, over the limit of {MAX_SNAPSHOT_BYTES:,}",
            "Record a snapshot of a smaller plan",
        )
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise SnapshotError(shown, "is not UTF-8 text", "A snapshot is a JSON file written by release-gate") from None
    except json.JSONDecodeError as exc:
        # A cut inside a string reports where the string starts, not the end of the file.
        truncated = exc.pos >= len(raw.rstrip()) or exc.msg.startswith("Unterminated string")
        problem = (
            f"ends before the JSON document does (line {exc.lineno}, column {exc.colno}): the file is truncated"
            if truncated
            else f"is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        )
        raise SnapshotError(shown, problem, "Record the snapshot again, or restore the file") from None
    except RecursionError:
        raise SnapshotError(shown, "is nested too deeply to be a snapshot", "Record the snapshot again") from None
    return _Reader(shown).state(data)


def _dump_file(history: FileHistory | Unknown) -> dict[str, Any]:
    if isinstance(history, Unknown):
        return {"unknown": history.reason}
    return {
        "read_at": _format_time(history.read_at),
        "complete": history.complete,
        "versions": [{"text": v.text, "since": _format_time(v.since), "commit": v.commit} for v in history.versions],
    }


def dump_snapshot(state: State, *, about: str = "") -> str:
    """Return *state* as snapshot JSON (deterministic: sorted keys, fixed layout).

    A repo that is unknown, or absent while some of its items are known, is written as
    ``{"unknown": reason, "pulls": ..., "issues": ...}`` so that it reads back unknown.
    """
    repos = {key: _dump_repo(repo) for key, repo in sorted(state.repos.items())}
    names = {key: repo.slug for key, repo in state.repos.items() if isinstance(repo, RepoState)}
    for (slug, number), item in sorted(state.items.items()):
        entry = repos.setdefault(slug, {"unknown": f"{slug} is not in the state"})
        if not isinstance(item, Unknown):
            names.setdefault(slug, item.ref.slug)
        kind, value = _dump_item(item)
        entry.setdefault(kind, {})[str(number)] = value
    for (slug, number), parts in sorted(state.families.items()):
        entry = repos.setdefault(slug, {"unknown": f"{slug} is not in the state"})
        found = {"unknown": parts.reason} if isinstance(parts, Unknown) else [p.number for p in parts]
        entry.setdefault("families", {})[str(number)] = found
    document: dict[str, Any] = {"schema_version": _version_for(state), "taken_at": _format_time(state.taken_at)}
    if state.as_of is not None:
        document["as_of"] = _format_time(state.as_of)
    if about:
        document["about"] = about
    if state.registries:
        document["registries"] = {key: _dump_registry(registry) for key, registry in sorted(state.registries.items())}
    if state.stats is not None:
        document["read"] = _dump_stats(state.stats)
    document["repos"] = {names.get(key, key): entry for key, entry in repos.items()}
    # Escaped as \uXXXX where a raw character could not be written (a lone surrogate) or shown safely.
    return json_safe(json.dumps(document, indent=1, ensure_ascii=False)) + "\n"


def _dump_repo(repo: RepoState | Unknown) -> dict[str, Any]:
    if isinstance(repo, Unknown):
        return {"unknown": repo.reason}
    entry: dict[str, Any] = {
        "default_branch": repo.default_branch,
        "tags": [{"name": t.name, "sha": t.sha, "date": _format_time(t.date)} for t in repo.tags],
        "files": {path: _dump_file(history) for path, history in sorted(repo.files.items())},
    }
    if repo.releases:
        entry["releases"] = [
            {"tag": r.tag, "draft": r.draft, "prerelease": r.prerelease, "published_at": _format_time(r.published_at)}
            for r in repo.releases
        ]
    return entry


def _dump_item(item: PullRequest | Issue | Unknown) -> tuple[str, dict[str, Any]]:
    """Return where a PR or issue goes in its repo's entry (``pulls`` or ``issues``), and what is written."""
    if isinstance(item, Unknown):
        return "pulls", {"unknown": item.reason}
    if isinstance(item, PullRequest):
        return "pulls", {
            "state": item.state.value,
            "title": item.title,
            "draft": item.draft,
            "head": item.head,
            "created_at": _format_time(item.created_at),
            "merged_at": _format_time(item.merged_at),
            "closed_at": _format_time(item.closed_at),
            "head_sha": item.head_sha,
            "review_decision": item.review_decision,
            "checks": item.checks,
            "labels": list(item.labels),
        }
    return "issues", {
        "state": item.state.value,
        "title": item.title,
        "created_at": _format_time(item.created_at),
        "closed_at": _format_time(item.closed_at),
    }


def _version_for(state: State) -> int:
    """Return the schema version *state* needs: `PLAIN_VERSION` unless it holds what a later version added."""
    needed = PLAIN_VERSION
    for registry in state.registries.values():
        if isinstance(registry, Registry):
            needed = max(needed, _REGISTRY_SOURCES.get(registry.source, SCHEMA_VERSION))
            if any(p.deprecated or p.platforms or p.digest for p in registry.versions):
                needed = max(needed, 3)
    return needed


def _dump_registry(registry: Registry | Unknown) -> dict[str, Any]:
    if isinstance(registry, Unknown):
        return {"unknown": registry.reason}
    return {
        "source": str(registry.source),
        "name": registry.name,
        "url": registry.url,
        "versions": [_dump_published(p) for p in registry.versions],
    }


def _dump_published(published: Published) -> dict[str, Any]:
    """Write a version as snapshots do; ``deprecated`` only when it is (older snapshots have none)."""
    entry: dict[str, Any] = {
        "version": published.version,
        "date": _format_time(published.date),
        "files": published.files,
        "yanked": published.yanked,
    }
    if published.deprecated:
        entry["deprecated"] = published.deprecated
    if published.platforms:
        entry["platforms"] = {subdir: _format_time(when) for subdir, when in published.platforms}
    if published.digest:
        entry["digest"] = published.digest
    return entry


def _dump_stats(stats: ReadStats) -> dict[str, Any]:
    return {
        "requests": stats.requests,
        "graphql_cost": stats.graphql_cost,
        "rate_remaining": stats.rate_remaining,
        "rate_reset": _format_time(stats.rate_reset),
        "notes": list(stats.notes),
        "registry_requests": stats.registry_requests,
    }


class SnapshotStateProvider:
    """Replays a snapshot file: every request is answered from what it recorded."""

    def __init__(self, path: str | Path, *, label: str | None = None) -> None:
        """Replay the snapshot at *path*; *label* names it in reports instead of the path."""
        self.path = Path(path)
        self.label = label

    def fetch(self, request: StateRequest) -> State:
        """Return the recorded state; repos and items it lacks are read as unknown.

        Every recorded PR is returned, not only the requested ones, so that family parts
        recorded in the snapshot can be found.
        """
        del request  # a snapshot answers from what it has; absent entries read as unknown
        state = load_snapshot(self.path)
        if self.label:
            state = replace(state, source=f"snapshot {self.label}")
        return state
