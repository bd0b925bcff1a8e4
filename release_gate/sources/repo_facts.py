"""What ``release-gate init`` reads of each repository, through GitHub's GraphQL API.

The queries and the reading of their answers are pure; `read_facts` sends them through
`GitHubStateProvider.read_with <release_gate.sources.github.GitHubStateProvider.read_with>`
(PyGithub's requester and the one HTTP layer). Two round trips at most: the first reads, for
every repository, its newest tags, its GitHub releases, the open pull requests with each
label asked for and in each milestone asked for, its tree three folders deep and the project
files at its root (`ROOT_FILES`); the second, only where
the tree shows more (a chart in a folder, a requirements file in one), reads those files.

Nothing is drafted from a partial answer: an error anywhere in GitHub's answer, or an answer
not shaped as the query asked, raises `StateUnavailableError`
(a plan drafted without the pull requests a label picks out would look complete and not be).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from release_gate.errors import StateUnavailableError
from release_gate.plan.draft import PullFact, RepoFacts
from release_gate.plan.projects import MAX_DEPTH, ROOT_FILES, files_to_read
from release_gate.sources._shape import Unreadable as _Unreadable
from release_gate.sources._shape import count as _count
from release_gate.sources._shape import items as _list
from release_gate.sources._shape import obj as _obj
from release_gate.sources._shape import text as _str
from release_gate.sources.github import GitHubStateProvider, GraphQLQuery
from release_gate.sources.github_query import GraphQLRateLimited

__all__ = ["MAX_REPOS", "FactsRead", "Wanted", "files_query", "first_query", "read_facts"]

MAX_REPOS = 20
"""Repositories per query: far inside GitHub's node limit (about 2,500 nodes each) and its 10 seconds."""

PAGE = 100
"""Tags, and pull requests per label or milestone, read: GitHub's largest page."""

MILESTONES = 20
"""Milestones read per title asked for (GitHub matches titles by substring: ``0.9`` finds ``0.9.1`` too)."""

_TEXT = "... on Blob { text isTruncated }"
_ENTRIES = "entries { name type }"
for _ in range(MAX_DEPTH - 1):
    _ENTRIES = f"entries {{ name type object {{ ... on Tree {{ {_ENTRIES} }} }} }}"
_PULLS = f"first: {PAGE}) {{ totalCount pageInfo {{ hasNextPage }} nodes {{ number title }} }}"
_TAGS = f'tags: refs(refPrefix: "refs/tags/", first: {PAGE}, orderBy: {{field: TAG_COMMIT_DATE, direction: DESC}})'
_RELEASES = f"releases(first: {PAGE}, orderBy: {{field: CREATED_AT, direction: DESC}})"


@dataclass(frozen=True, slots=True)
class Wanted:
    """Which open pull requests to draft as ``needs`` (by label, by milestone) and as ``holds`` (by label)."""

    needs_labels: tuple[str, ...] = ()
    milestones: tuple[str, ...] = ()
    hold_labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FactsRead:
    """The facts of every repository, and what reading them cost."""

    repos: tuple[RepoFacts, ...]
    queries: int
    cost: int
    """GraphQL points (GitHub's ``rateLimit.cost``, summed)."""
    notes: tuple[str, ...] = ()
    """What is worth saying about the read as a whole (a milestone no repository has)."""


@dataclass(frozen=True, slots=True)
class Query:
    """One GraphQL query and its variables."""

    text: str
    variables: Mapping[str, Any] = field(default_factory=dict)


def _repo_head(index: int, slug: str, variables: dict[str, Any], declared: list[str]) -> str:
    owner, _, name = slug.partition("/")
    variables[f"o{index}"], variables[f"n{index}"] = owner, name
    declared.extend((f"$o{index}: String!", f"$n{index}: String!"))
    return f"r{index}: repository(owner: $o{index}, name: $n{index})"


def _query(name: str, declared: Sequence[str], blocks: Sequence[str]) -> str:
    head = f"query {name}({', '.join(declared)})" if declared else f"query {name}"
    return head + " {\n  rateLimit { cost remaining resetAt }\n  " + "\n  ".join(blocks) + "\n}\n"


def first_query(slugs: Sequence[str], wanted: Wanted) -> Query:
    """Return the query that reads *slugs*' tags, releases, tree, root project files and the pull requests *wanted*."""
    variables: dict[str, Any] = {}
    declared: list[str] = []
    picks = []
    for kind, values in (("nl", wanted.needs_labels), ("hl", wanted.hold_labels), ("m", wanted.milestones)):
        for number, value in enumerate(values):
            variables[f"{kind}{number}"] = value
            declared.append(f"${kind}{number}: String!")
            if kind == "m":
                picks.append(
                    f"m{number}: milestones(query: $m{number}, first: {MILESTONES}) "
                    f"{{ pageInfo {{ hasNextPage }} nodes {{ title pullRequests(states: [OPEN], {_PULLS} }} }}"
                )
            else:
                picks.append(f"{kind}{number}: pullRequests(states: [OPEN], labels: [${kind}{number}], {_PULLS}")
    blocks = []
    for index, slug in enumerate(slugs):
        fields = [
            "nameWithOwner",
            f"{_TAGS} {{ totalCount nodes {{ name }} }}",
            f"{_RELEASES} {{ nodes {{ tagName isDraft }} }}",
            f'tree: object(expression: "HEAD:") {{ ... on Tree {{ {_ENTRIES} }} }}',
            *(f'f{n}: object(expression: "HEAD:{path}") {{ {_TEXT} }}' for n, path in enumerate(ROOT_FILES)),
            *picks,
        ]
        blocks.append(_repo_head(index, slug, variables, declared) + " {\n    " + "\n    ".join(fields) + "\n  }")
    return Query(_query("ReleaseGateInit", declared, blocks), variables)


def files_query(files: Mapping[str, Sequence[str]]) -> Query:
    """Return the query that reads the texts of *files* (paths by repository) on each default branch."""
    variables: dict[str, Any] = {}
    declared: list[str] = []
    blocks = []
    for index, (slug, paths) in enumerate(files.items()):
        fields = []
        for number, path in enumerate(paths):
            variables[f"p{index}_{number}"] = f"HEAD:{path}"
            declared.append(f"$p{index}_{number}: String!")
            fields.append(f"f{number}: object(expression: $p{index}_{number}) {{ {_TEXT} }}")
        blocks.append(_repo_head(index, slug, variables, declared) + " {\n    " + "\n    ".join(fields) + "\n  }")
    return Query(_query("ReleaseGateInitFiles", declared, blocks), variables)


# -- reading the answers --------------------------------------------------------------------------


def _repo_of(alias: object, slugs: Sequence[str]) -> str:
    """Return the repository an answer's alias (``r3``) stands for, or ``""``."""
    if not isinstance(alias, str) or alias[:1] != "r" or not alias[1:].isdigit():
        return ""
    index = int(alias[1:])
    return slugs[index] if index < len(slugs) else ""


def _checked(answer: Mapping[str, Any], slugs: Sequence[str], source: str) -> Mapping[str, Any]:
    """Return the answer's data; raise for any error in it (every repository not found named at once)."""
    errors = answer.get("errors") or []
    if not isinstance(errors, list):
        raise StateUnavailableError(source, "GitHub's answer could not be read (errors is not a list)")
    missing, other = [], []
    for error in errors:
        found: Mapping[str, Any] = error if isinstance(error, Mapping) else {}
        if found.get("type") == "RATE_LIMITED":
            raise GraphQLRateLimited(str(found.get("message") or "API rate limit exceeded"), None)
        path = found.get("path")
        path = path if isinstance(path, list) else []
        repo = _repo_of(path[0] if path else None, slugs)
        if found.get("type") == "NOT_FOUND" and repo and len(path) == 1:
            missing.append(repo)
        else:
            message = found.get("message")
            other.append(f"{repo or 'the query'}: {message if isinstance(message, str) else 'an error'}")
    if missing:
        raise StateUnavailableError(
            source,
            f"no repository {', '.join(missing)}",
            "Check the names (OWNER/REPO), and that the token can see private ones",
        )
    if other:
        raise StateUnavailableError(source, "GitHub answered with errors: " + "; ".join(other), "Try again later")
    data = answer.get("data")
    if not isinstance(data, Mapping):
        raise StateUnavailableError(source, "GitHub's answer has no data", "Try again later")
    return data


def _cost(data: Mapping[str, Any]) -> int:
    rate = data.get("rateLimit")
    cost = rate.get("cost") if isinstance(rate, Mapping) else None
    return cost if isinstance(cost, int) and not isinstance(cost, bool) else 0


def _paths(tree: object, folder: str = "") -> list[str]:
    """Return the paths of the files in a tree answer, as deep as it was read."""
    if tree is None:
        return []
    found = []
    for entry in _list(_obj(tree, "tree").get("entries") or [], "entries"):
        item = _obj(entry, "an entry")
        path = f"{folder}{_str(item, 'name')}"
        if item.get("type") == "blob":
            found.append(path)
        elif item.get("type") == "tree" and item.get("object") is not None:
            found.extend(_paths(item["object"], f"{path}/"))
    return found


def _text(value: object, path: str, files: dict[str, str], unread: dict[str, str]) -> None:
    """Keep a file's text from a ``Blob`` answer; say why not when it is too large or not text."""
    if value is None:
        return
    blob = _obj(value, path)
    if blob.get("isTruncated") is True:
        unread[path] = "GitHub cuts it short: too large"
    elif not isinstance(blob.get("text"), str):
        unread[path] = "not a text file"
    else:
        files[path] = blob["text"]


def _pulls(connection: object, why: str, notes: list[str]) -> list[PullFact]:
    page = _obj(connection, "pullRequests")
    pulls = []
    for node in _list(page.get("nodes"), "pullRequests.nodes"):
        item = _obj(node, "a pull request")
        number = item.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
            raise _Unreadable("a pull request has no number")
        pulls.append(PullFact(number, _str(item, "title"), why))
    if _obj(page.get("pageInfo"), "pageInfo").get("hasNextPage") is True:
        notes.append(f"{_count(page, 'totalCount')} open PRs {why}: only the first {PAGE} are in the plan")
    return pulls


def _picked(repo: Mapping[str, Any], wanted: Wanted, notes: list[str]) -> tuple[list[PullFact], list[PullFact]]:
    """Return the needed and held pull requests in a repository's answer (each PR once, the first reason kept)."""
    needs: dict[int, PullFact] = {}
    holds: dict[int, PullFact] = {}
    for number, label in enumerate(wanted.needs_labels):
        for pull in _pulls(repo.get(f"nl{number}"), f"labelled '{label}'", notes):
            needs.setdefault(pull.number, pull)
    for number, title in enumerate(wanted.milestones):
        found = _obj(repo.get(f"m{number}") or {"nodes": []}, "milestones")
        exact = [
            milestone
            for node in _list(found.get("nodes"), "milestones.nodes")
            if _str(milestone := _obj(node, "a milestone"), "title").casefold() == title.casefold()
        ]
        if not exact and _obj(found.get("pageInfo"), "milestones.pageInfo").get("hasNextPage") is True:
            notes.append(f"more than {MILESTONES} milestones have {title!r} in their title, none of them read is it")
        for milestone in exact:
            for pull in _pulls(milestone.get("pullRequests"), f"in milestone '{title}'", notes):
                needs.setdefault(pull.number, pull)
    for number, label in enumerate(wanted.hold_labels):
        for pull in _pulls(repo.get(f"hl{number}"), f"labelled '{label}'", notes):
            holds.setdefault(pull.number, pull)
    return sorted(needs.values(), key=lambda p: p.number), sorted(holds.values(), key=lambda p: p.number)


@dataclass(slots=True)
class _Repo:
    """What the first answer said of one repository, before its other files are read."""

    slug: str
    tags: tuple[str, ...]
    tag_count: int
    releases: tuple[str, ...]
    paths: list[str]
    files: dict[str, str]
    unread: dict[str, str]
    needs: list[PullFact]
    holds: list[PullFact]
    notes: list[str]
    milestones: set[str]

    def facts(self) -> RepoFacts:
        return RepoFacts(
            self.slug,
            self.tags,
            self.tag_count,
            self.releases,
            dict(self.files),
            dict(self.unread),
            tuple(self.needs),
            tuple(self.holds),
            tuple(self.notes),
        )


def _first_repo(value: object, wanted: Wanted) -> _Repo:
    repo = _obj(value, "repository")
    tags = _obj(repo.get("tags") or {"totalCount": 0, "nodes": []}, "tags")  # none, with no error: no tags
    names = tuple(_str(_obj(node, "a tag"), "name") for node in _list(tags.get("nodes"), "tags.nodes"))
    notes: list[str] = []
    if _count(tags, "totalCount") > len(names):
        notes.append(f"only the newest {len(names)} of {tags['totalCount']} tags were read (by commit date)")
    releases = tuple(
        _str(release, "tagName")
        for node in _list(_obj(repo.get("releases") or {"nodes": []}, "releases").get("nodes"), "releases.nodes")
        if (release := _obj(node, "a release")).get("isDraft") is not True
    )
    files: dict[str, str] = {}
    unread: dict[str, str] = {}
    for number, path in enumerate(ROOT_FILES):
        _text(repo.get(f"f{number}"), path, files, unread)
    needs, holds = _picked(repo, wanted, notes)
    milestones = {
        _str(_obj(node, "a milestone"), "title").casefold()
        for number in range(len(wanted.milestones))
        for node in _list(_obj(repo.get(f"m{number}") or {"nodes": []}, "milestones").get("nodes"), "milestones")
    }
    return _Repo(
        slug=_str(repo, "nameWithOwner"),
        tags=names,
        tag_count=tags["totalCount"],
        releases=releases,
        paths=_paths(repo.get("tree")),
        files=files,
        unread=unread,
        needs=needs,
        holds=holds,
        notes=notes,
        milestones=milestones,
    )


def read_facts(github: GitHubStateProvider, slugs: Sequence[str], wanted: Wanted) -> FactsRead:
    """Read the facts of every repository in *slugs* (``owner/name``) through *github*, in order.

    Raises `StateUnavailableError` when GitHub cannot be read, a
    repository does not exist (or the token cannot see it; every one named), or an answer
    has an error or is not shaped as asked.
    """
    source = f"GitHub ({github.base_url})"

    def read(ask: GraphQLQuery) -> FactsRead:
        repos: list[_Repo] = []
        queries = cost = 0
        for start in range(0, len(slugs), MAX_REPOS):
            batch = slugs[start : start + MAX_REPOS]
            query = first_query(batch, wanted)
            data = _checked(ask(query.text, query.variables), batch, source)
            queries, cost = queries + 1, cost + _cost(data)
            repos.extend(_answered(data, batch, wanted, source))
        for start in range(0, len(repos), MAX_REPOS):
            batch_repos = repos[start : start + MAX_REPOS]
            more = {r.slug: files_to_read(r.paths) for r in batch_repos if files_to_read(r.paths)}
            if more:
                query = files_query(more)
                data = _checked(ask(query.text, query.variables), list(more), source)
                queries, cost = queries + 1, cost + _cost(data)
                _read_files(data, more, batch_repos, source)
        missing = [t for t in wanted.milestones if not any(t.casefold() in r.milestones for r in repos)]
        notes = tuple(f"no repository has a milestone titled {title!r}" for title in missing)
        return FactsRead(tuple(r.facts() for r in repos), queries, cost, notes)

    return github.read_with(read)


def _answered(data: Mapping[str, Any], slugs: Sequence[str], wanted: Wanted, source: str) -> list[_Repo]:
    """Read the first query's answer for each of *slugs*."""
    found = []
    for index, slug in enumerate(slugs):
        try:
            found.append(_first_repo(data.get(f"r{index}"), wanted))
        except _Unreadable as error:
            raise StateUnavailableError(source, f"GitHub's answer for {slug} could not be read ({error})") from None
    return found


def _read_files(
    data: Mapping[str, Any], more: Mapping[str, Sequence[str]], repos: Sequence[_Repo], source: str
) -> None:
    """Add the texts the files query answered to *repos*."""
    by_slug = {r.slug: r for r in repos}
    for index, (slug, paths) in enumerate(more.items()):
        repo = by_slug[slug]
        try:
            answer = _obj(data.get(f"r{index}"), "repository")
            for number, path in enumerate(paths):
                _text(answer.get(f"f{number}"), path, repo.files, repo.unread)
        except _Unreadable as error:
            raise StateUnavailableError(source, f"GitHub's answer for {slug} could not be read ({error})") from None
