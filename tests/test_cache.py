"""The answer cache: repeated reads ask "changed since?" and get 304s that cost no rate limit."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from release_gate import SnapshotStateProvider, check
from release_gate.sources.cache import ResponseCache
from release_gate.sources.github import GitHubGateClient, GitHubStateProvider
from release_gate.testing import FakeGitHub, FakeRegistries
from tests.conftest import EXAMPLE_STATE, KS, SHA_205, Repo, Run, pr_payload
from tests.test_github import MEETING, PLAN, verdicts


def test_an_answer_is_kept_and_given_back(tmp_path: Path) -> None:
    """What is put under a key comes back with its ETag, body and the kept headers only."""
    cache = ResponseCache(tmp_path / "c")
    cache.put("k", '"e1"', b"\x00body", {"Content-Type": "application/json", "Link": "<x>", "Set-Cookie": "s"})
    kept = cache.get("k")
    assert kept is not None
    assert (kept.etag, kept.body, dict(kept.headers)) == (
        '"e1"',
        b"\x00body",
        {"Content-Type": "application/json", "Link": "<x>"},
    )
    assert cache.get("other") is None
    assert cache.stored == 1


def test_a_broken_or_foreign_file_is_a_miss(tmp_path: Path) -> None:
    """A file that is not JSON, or that was written for another key, is a miss, never an error."""
    cache = ResponseCache(tmp_path)
    cache.put("k", '"e"', b"b", {})
    (path,) = tmp_path.glob("*.json")
    path.write_text("{not json", encoding="utf-8")
    assert cache.get("k") is None
    entry = {"key": "someone-else", "etag": '"e"', "headers": {}, "body": base64.b64encode(b"b").decode()}
    path.write_text(json.dumps(entry), encoding="utf-8")
    assert cache.get("k") is None


def test_a_folder_that_cannot_be_written_costs_only_the_cache(tmp_path: Path) -> None:
    """When the folder cannot be made (a file is in the way), nothing is kept and nothing fails."""
    (tmp_path / "blocked").write_text("a file", encoding="utf-8")
    cache = ResponseCache(tmp_path / "blocked" / "cache")
    cache.put("k", '"e"', b"b", {})
    assert (cache.stored, cache.get("k")) == (0, None)


def test_rest_read_again_is_all_304_and_the_same_world(fake_github: FakeGitHub, tmp_path: Path) -> None:
    """Read twice through REST with a cache, the second read's GETs are all 304s and give the same verdicts."""

    def read() -> object:
        provider = GitHubStateProvider(base_url=fake_github.url, cache=ResponseCache(tmp_path), clock=lambda: MEETING)
        return check(PLAN, provider)

    first = read()
    asked = len(fake_github.requests)
    second = read()
    again = len(fake_github.requests) - asked
    assert verdicts(first) == verdicts(second) == verdicts(check(PLAN, SnapshotStateProvider(EXAMPLE_STATE)))
    assert again > 5
    assert fake_github.not_modified == again  # every GET of the second read was answered 304


def test_authorised_304s_cost_no_rate_limit(repo: Repo, tmp_path: Path) -> None:
    """The gate's REST reads, made again with a cache and a token, are 304s that leave the rate limit untouched."""
    cache = ResponseCache(tmp_path / "gate-cache")
    client = GitHubGateClient(token=repo.github.token, base_url=repo.github.url, cache=cache)
    first = (client.open_pulls(KS), client.labels(KS, 205), client.status(KS, SHA_205, "release-gate"))
    used = repo.github.rate_used
    second = (client.open_pulls(KS), client.labels(KS, 205), client.status(KS, SHA_205, "release-gate"))
    assert first == second
    assert repo.github.rate_used == used
    assert cache.revalidated == repo.github.not_modified >= 3


def test_a_changed_answer_is_read_in_full(repo: Repo, tmp_path: Path) -> None:
    """When GitHub's answer changed, its new ETag misses and the new answer is read and kept."""
    cache = ResponseCache(tmp_path / "gate-cache")
    client = GitHubGateClient(token=repo.github.token, base_url=repo.github.url, cache=cache)
    assert client.status(KS, SHA_205, "release-gate") is None
    repo.gate("pull_request_target", pr_payload(205, SHA_205))  # posts pending
    assert client.status(KS, SHA_205, "release-gate") == ("pending", "waits for kubespawner >=0.9.0b1 to be released")
    assert client.status(KS, SHA_205, "release-gate") == ("pending", "waits for kubespawner >=0.9.0b1 to be released")
    assert cache.revalidated == 1  # only the third read was unchanged


def _live_check(plan: Path, github: FakeGitHub) -> tuple[str, ...]:
    """Return the arguments of a live check of *plan* against *github*, as of the 2018 meeting."""
    return ("check", str(plan), "--github-url", github.url, "--as-of", "2018-08-09T18:00:00Z", "-q")


def test_cli_keeps_answers_in_the_user_cache_folder_without_the_token(
    fake_github: FakeGitHub,
    fake_registries: FakeRegistries,
    run_cli: Callable[..., Run],
    live_plan: Path,
    tmp_path: Path,
) -> None:
    """By default a live check keeps REST, PyPI and Helm answers under XDG_CACHE_HOME; no file holds the token."""
    del fake_registries  # serving the plan's PyPI and Helm URLs
    cache = tmp_path / "xdg"
    args = _live_check(live_plan, fake_github)
    first = run_cli(*args, env={"XDG_CACHE_HOME": str(cache)})
    second = run_cli(*args, env={"XDG_CACHE_HOME": str(cache)})
    assert first.code == second.code == 1
    assert first.out == second.out
    files = list((cache / "release-gate").glob("*.json"))
    assert len(files) > 10
    assert fake_github.not_modified > 5
    token = str(fake_github.token)
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert token not in text
        assert base64.b64encode(token.encode()).decode() not in text


def test_cli_no_cache_keeps_nothing(
    fake_github: FakeGitHub,
    fake_registries: FakeRegistries,
    run_cli: Callable[..., Run],
    live_plan: Path,
    tmp_path: Path,
) -> None:
    """--no-cache reads everything in full and writes no file."""
    del fake_registries  # serving the plan's PyPI and Helm URLs
    cache = tmp_path / "xdg"
    args = _live_check(live_plan, fake_github)
    for _ in range(2):
        assert run_cli(*args, "--no-cache", env={"XDG_CACHE_HOME": str(cache)}).code == 1
    assert not cache.exists()
    assert fake_github.not_modified == 0


def test_cli_cache_dir_names_the_folder(
    fake_github: FakeGitHub,
    fake_registries: FakeRegistries,
    run_cli: Callable[..., Run],
    live_plan: Path,
    tmp_path: Path,
) -> None:
    """--cache-dir puts the answers where it says."""
    del fake_registries  # serving the plan's PyPI and Helm URLs
    folder = tmp_path / "mine"
    args = _live_check(live_plan, fake_github)
    assert run_cli(*args, "--cache-dir", str(folder)).code == 1
    assert list(folder.glob("*.json"))
    assert not (tmp_path / "user-cache").exists()  # the default folder is not used


def _edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite the kept entry at *path* with *change*, leaving its digest as it was."""
    entry = json.loads(path.read_text(encoding="utf-8"))
    change(entry)
    path.write_text(json.dumps(entry), encoding="utf-8")


def _body_to(text: bytes) -> Callable[[dict[str, Any]], None]:
    return lambda entry: entry.update(body=base64.b64encode(text).decode())


@pytest.mark.parametrize(
    "change",
    [
        _body_to(b"edited"),
        lambda entry: entry.update(etag='"e2"'),
        lambda entry: entry.update(headers={"Content-Type": "text/html"}),
        lambda entry: entry.pop("digest"),
        lambda entry: entry.update(digest="0" * 64),
    ],
    ids=["body", "etag", "headers", "no-digest", "other-digest"],
)
def test_an_entry_that_does_not_match_its_digest_is_a_miss_and_dropped(
    tmp_path: Path, change: Callable[[dict[str, Any]], None]
) -> None:
    """An entry whose body, ETag or headers changed after it was kept (or with no digest) is a miss, and removed."""
    cache = ResponseCache(tmp_path)
    cache.put("k", '"e1"', b"body", {"Content-Type": "application/json"})
    (path,) = tmp_path.glob("*.json")
    assert cache.get("k") is not None
    _edit(path, change)
    assert cache.get("k") is None
    assert not path.exists()


def test_an_edited_cached_index_is_read_in_full_again(
    fake_github: FakeGitHub,
    fake_registries: FakeRegistries,
    run_cli: Callable[..., Run],
    live_plan: Path,
    tmp_path: Path,
) -> None:
    """A kept Helm index edited on disk to list the chart is ignored: asked in full again, z2jh#758 stays held."""
    folder = tmp_path / "answers"
    args = (*_live_check(live_plan, fake_github), "--pr", "z2jh#758", "--cache-dir", str(folder))
    assert run_cli(*args).code == 1  # held: the chart is not released
    url = fake_registries.helm_index("jupyterhub")
    keys = {p: json.loads(p.read_text(encoding="utf-8"))["key"] for p in folder.glob("*.json")}
    (path,) = [p for p, key in keys.items() if key.startswith(f"{url} ")]  # the URL, and the Accept it was asked with
    real = json.loads(path.read_text(encoding="utf-8"))["body"]
    index = yaml.safe_load(base64.b64decode(real))
    released = {"apiVersion": "v1", "name": "jupyterhub", "version": "0.7.0", "created": "2018-08-08T00:00:00Z"}
    index["entries"]["jupyterhub"].append(released)
    _edit(path, _body_to(yaml.safe_dump(index).encode()))
    asked, confirmed = len(fake_registries.requests), fake_registries.not_modified
    run = run_cli(*args)
    assert run.code == 1, run.out + run.err  # still held: the edit was not believed
    assert len(fake_registries.requests) - asked == fake_registries.not_modified - confirmed + 1  # one full answer
    assert json.loads(path.read_text(encoding="utf-8"))["body"] == real  # kept again as the index really is


def test_an_edited_cached_github_answer_is_read_in_full_again(repo: Repo, tmp_path: Path) -> None:
    """A kept REST answer (a commit status) edited on disk is not replayed on the next 304: GitHub's own is read."""
    folder = tmp_path / "gate-cache"
    repo.gate("pull_request_target", pr_payload(205, SHA_205))  # posts pending
    pending = ("pending", "waits for kubespawner >=0.9.0b1 to be released")
    client = GitHubGateClient(token=repo.github.token, base_url=repo.github.url, cache=ResponseCache(folder))
    assert client.status(KS, SHA_205, "release-gate") == pending
    for path in folder.glob("*.json"):
        body = base64.b64decode(json.loads(path.read_text(encoding="utf-8"))["body"])
        _edit(path, _body_to(body.replace(b'"pending"', b'"success"')))
    cache = ResponseCache(folder)
    client = GitHubGateClient(token=repo.github.token, base_url=repo.github.url, cache=cache)
    assert client.status(KS, SHA_205, "release-gate") == pending
    assert cache.revalidated == 0
