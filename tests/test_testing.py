"""The fake GitHub itself: what it serves, what it records, and how it fails when told to."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
import requests
from github import Auth, Github

import release_gate.testing
from release_gate import Evaluation
from release_gate.testing import FakeGitHub, Fault
from tests.conftest import EXAMPLE_STATE, ROOT, Run


def test_statuses_posted_through_pygithub_are_recorded(fake_github: FakeGitHub) -> None:
    """A commit status created with PyGithub is recorded, and listed back for its commit."""
    gh = Github(
        auth=Auth.Token(str(fake_github.token)), base_url=fake_github.url, seconds_between_writes=None, lazy=True
    )
    commit = gh.get_repo("jupyterhub/kubespawner").get_commit("a" * 40)
    commit.create_status("pending", "https://ci.example/run/1", "waits for kubespawner >=0.9.0b1", "release-gate")
    assert [(s.sha, s.state, s.context) for s in fake_github.statuses] == [("a" * 40, "pending", "release-gate")]
    listed = requests.get(
        f"{fake_github.url}/repos/jupyterhub/kubespawner/commits/{'a' * 40}/statuses", timeout=5
    ).json()
    assert listed[0]["description"] == "waits for kubespawner >=0.9.0b1"


def test_query_github_would_reject_is_recorded(fake_github: FakeGitHub) -> None:
    """A query with a field GitHub does not have is answered with errors and recorded as invalid."""
    answer = fake_github.graphql('query { repository(owner: "a", name: "b") { bogusField } }', None)
    assert "Cannot query field 'bogusField' on type 'Repository'" in answer["errors"][0]["message"]
    assert len(fake_github.invalid_queries) == 1
    fake_github.invalid_queries.clear()  # this test sent it on purpose


def test_graphql_needs_a_token(fake_github: FakeGitHub) -> None:
    """The GraphQL endpoint answers 401 without a token, as GitHub's does."""
    answer = requests.post(
        f"http://127.0.0.1:{fake_github.port}/api/graphql", json={"query": "{ viewer { login } }"}, timeout=5
    )
    assert answer.status_code == 401


def test_fault_is_injected_after_skipped_requests(fake_github: FakeGitHub) -> None:
    """A fault with skip=1 lets the first request through and fails the second only."""
    fake_github.inject(Fault.SERVER_ERROR, times=1, skip=1)
    url = f"{fake_github.url}/repos/jupyterhub/kubespawner"
    codes = [requests.get(url, timeout=5).status_code for _ in range(3)]
    assert codes == [200, 500, 200]


def test_a_fault_on_a_route_meets_only_that_routes_requests(fake_github: FakeGitHub) -> None:
    """A fault with a route fails the first request whose method, path and query it matches, and counts it."""
    injection = fake_github.inject(Fault.SERVER_ERROR, times=1, route=r"^GET \S*/tags\?page=2")
    url = f"{fake_github.url}/repos/jupyterhub/kubespawner/tags"
    codes = [requests.get(url, params=params, timeout=5).status_code for params in ({}, {"page": 2}, {"page": 2})]
    assert (codes, injection.hits) == ([200, 500, 200], 1)


def test_fakes_count_the_requests_they_answer_at_once(fake_github: FakeGitHub) -> None:
    """The most requests answered at the same time is counted, across the fakes that share the count."""
    fake_github.latency = 0.3
    url = f"{fake_github.url}/repos/jupyterhub/kubespawner"
    with ThreadPoolExecutor(3) as pool:
        assert list(pool.map(lambda _: requests.get(url, timeout=5).status_code, range(3))) == [200] * 3
    requests.get(url, timeout=5)
    assert (fake_github.in_flight.most, fake_github.in_flight.now) == (3, 0)


def test_rate_limit_headers_on_every_answer(fake_github: FakeGitHub) -> None:
    """Every answer carries GitHub's x-ratelimit headers and an ETag."""
    answer = requests.get(f"{fake_github.url}/repos/jupyterhub/kubespawner/tags", timeout=5)
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "etag"} <= {
        h.lower() for h in answer.headers
    }
    assert [t["name"] for t in answer.json()] == ["v0.8.1", "v0.8.0"]


def test_served_from_the_command_line(github_schema: Any, run_cli: Callable[..., Run], live_plan: Path) -> None:
    """`python -m release_gate.testing STATE` serves the snapshot; `check` against it gives the recorded verdicts."""
    del github_schema  # makes sure the schema is in .cache/ for the child process
    with subprocess.Popen(
        [sys.executable, "-m", "release_gate.testing", str(EXAMPLE_STATE)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as child:
        try:
            assert child.stdout is not None
            url = child.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:")
            env = {"GH_TOKEN": "test-token"}
            args = ("check", str(live_plan), "--format", "json")
            live = run_cli(*args, "--github-url", url, "--as-of", "2018-08-09T18:00:00Z", env=env)
            recorded = run_cli(*args, "--snapshot", str(EXAMPLE_STATE))
            assert live.code == recorded.code == 1
            assert json.loads(live.out)["releases"] == json.loads(recorded.out)["releases"]
        finally:
            child.terminate()


@pytest.mark.parametrize("fault", list(Fault), ids=str)
def test_every_fault_answers(fake_github: FakeGitHub, fault: Fault) -> None:
    """Each fault kind produces its failure at the HTTP level (an error status, bad body or broken connection)."""
    fake_github.slow_seconds = 0.5
    fake_github.inject(fault)
    try:
        answer = requests.post(
            f"http://127.0.0.1:{fake_github.port}/api/graphql",
            json={"query": "{ rateLimit { cost } }"},
            headers={"Authorization": f"token {fake_github.token}"},
            timeout=0.3 if fault is Fault.SLOW else 5,
        )
    except requests.exceptions.RequestException:
        assert fault in (Fault.RESET, Fault.SLOW, Fault.TRUNCATED)
        return
    if fault is Fault.MALFORMED_JSON:
        with pytest.raises(ValueError):  # noqa: PT011 - any JSON decoding error
            answer.json()
    elif fault is Fault.GRAPHQL_RATE_LIMITED:
        assert answer.json()["errors"][0]["type"] == "RATE_LIMITED"
    elif fault is Fault.GRAPHQL_PARTIAL:
        assert answer.json() == {"data": {"rateLimit": None}, "errors": [ANY]}
        assert answer.json()["errors"][0]["path"] == ["rateLimit"]
    else:
        assert answer.status_code >= 400


def _literal_block(docstring: str) -> str:
    """Return the first literal block (the indented lines after ``::``) of *docstring*, dedented."""
    lines = docstring.split("::\n", 1)[1].splitlines()
    block = []
    for line in lines[1:]:
        if line and not line.startswith("    "):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block))


def test_the_package_example_runs(github_schema: Any, example: Evaluation, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example in release_gate.testing's docstring runs as written and gives the snapshot's verdicts."""
    del github_schema  # makes sure the schema is in .cache/, where the example's load_github_schema() looks
    monkeypatch.chdir(ROOT)  # the example names its files from the repository's root
    assert release_gate.testing.__doc__ is not None
    code = _literal_block(release_gate.testing.__doc__)
    namespace: dict[str, Any] = {}
    exec(compile(code, "release_gate.testing example", "exec"), namespace)  # noqa: S102 - the docstring's own example
    served = namespace["evaluation"]
    assert [(v.id, v.status) for v in served.releases] == [(v.id, v.status) for v in example.releases]
    assert len(namespace["github"].requests) == 1  # the whole plan in one GraphQL round trip


def test_imported_and_serving_rest_without_graphql_core() -> None:
    """`import release_gate.testing` and the fakes' REST and registry answers work without graphql-core."""
    code = textwrap.dedent(
        """
        import sys
        sys.modules["graphql"] = None  # as if graphql-core were not installed
        import requests
        from release_gate import load_snapshot
        from release_gate.testing import FakeGitHub, FakeRegistries

        state = load_snapshot(sys.argv[1])
        with FakeGitHub(state) as github, FakeRegistries(state) as registries:
            print(requests.get(f"{github.url}/repos/jupyterhub/kubespawner", timeout=5).json()["full_name"])
            print(requests.get(f"{registries.pypi_index}/jupyterhub/json", timeout=5).json()["info"]["name"])
        print("graphql" in sys.modules and sys.modules["graphql"] is not None)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(EXAMPLE_STATE)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["jupyterhub/kubespawner", "jupyterhub", "False"]
