"""Reading live state: the clients, with the token and API URL from the options and environment, and the answer cache.

Imported only by a command that reads live (`release_gate.cli._common.state_source`, ``gate``,
``init``): it loads PyGithub, requests and the package index reader. The options themselves,
and what they say without a client, are in `release_gate.cli._live_options`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from release_gate.cli._live_options import api_url, plain_http_warning, user_cache_dir
from release_gate.errors import StateUnavailableError
from release_gate.sources.cache import ResponseCache
from release_gate.sources.github import GitHubGateClient, GitHubStateProvider
from release_gate.sources.live import LiveStateProvider
from release_gate.sources.registries import RegistryReader

__all__ = ["gate_client", "github_provider", "live_provider"]


def live_provider(
    args: argparse.Namespace,
    env: Mapping[str, str],
    progress: Callable[[str], None] | None = None,
    *,
    err: TextIO | None = None,
) -> LiveStateProvider:
    """Return the live provider, with the token and API URL from the options and environment.

    With *err*, warns there when the token would go to another machine over plain http://.
    """
    github = github_provider(args, env, progress, err=err)
    return LiveStateProvider(github, RegistryReader(timeout=args.timeout, cache=github.cache, progress=progress))


def github_provider(
    args: argparse.Namespace,
    env: Mapping[str, str],
    progress: Callable[[str], None] | None = None,
    *,
    err: TextIO | None = None,
) -> GitHubStateProvider:
    """Return the GitHub reader alone, as `live_provider` makes it (the package indexes left out)."""
    if args.token_env:
        token = env.get(args.token_env, "")
        if not token:
            raise StateUnavailableError(
                "GitHub", f"--token-env names {args.token_env}, which is not set or empty", f"Set {args.token_env}"
            )
    else:
        token = env.get("GH_TOKEN") or env.get("GITHUB_TOKEN") or ""
    url = api_url(args, env)
    if err is not None:
        plain_http_warning(url, token, err)
    return GitHubStateProvider(
        token=token or None, base_url=url, timeout=args.timeout, cache=_cache(args, env), progress=progress
    )


def gate_client(args: argparse.Namespace, env: Mapping[str, str], err: TextIO) -> GitHubGateClient:
    """Return the client the gate reads PRs and posts statuses with (warning when the token would go unencrypted)."""
    token = env.get(args.token_env or "GH_TOKEN") or ("" if args.token_env else env.get("GITHUB_TOKEN", ""))
    url = api_url(args, env)
    plain_http_warning(url, token, err)
    return GitHubGateClient(token=token or None, base_url=url, timeout=args.timeout, cache=_cache(args, env))


def _cache(args: argparse.Namespace, env: Mapping[str, str]) -> ResponseCache | None:
    """Return the answer cache the options ask for: ``--cache-dir``, else the user cache folder."""
    if args.no_cache:
        return None
    if args.cache_dir:
        return ResponseCache(Path(args.cache_dir))
    return ResponseCache(user_cache_dir(env))
