"""``python -m release_gate.testing STATE``: serve a snapshot as a fake GitHub until interrupted."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import TextIO

from release_gate.sources.snapshot import load_snapshot
from release_gate.testing.github import FakeGitHub
from release_gate.testing.graphql import load_github_schema

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m release_gate.testing",
        description="Serve a release-gate state snapshot as a fake GitHub on 127.0.0.1 (REST and GraphQL).",
    )
    parser.add_argument("state", help="a snapshot file (JSON), e.g. config/jupyterhub-2018-08-09.state.json")
    parser.add_argument("--token", default="test-token", help="the one token accepted (default: test-token)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--schema", help="GitHub's schema.graphql (default: fetched with npm into .cache/)")
    return parser


def main(argv: list[str] | None = None, stdout: TextIO | None = None) -> int:
    """Serve a snapshot as a fake GitHub until interrupted: ``python -m release_gate.testing STATE``.

    The first line written to *stdout* is the fake's URL, to pass as ``--github-url``.
    """
    out = stdout or sys.stdout  # noqa: TID251 - this command's own output, as the CLI's is
    args = _parser().parse_args(argv)
    fake = FakeGitHub(
        load_snapshot(args.state), schema=load_github_schema(args.schema), token=args.token, latency=args.latency
    )
    fake.start()
    out.write(f"{fake.url}\n")  # the first line: what to pass as --github-url
    out.write(f"fake GitHub serving {args.state}; token {args.token!r}; Ctrl-C to stop\n")
    out.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0
