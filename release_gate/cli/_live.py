"""Reading live state: the options for it, the token and API URL from the environment, the answer cache."""

from __future__ import annotations

import argparse
import ipaddress
import sys
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from release_gate.errors import StateUnavailableError, UsageError
from release_gate.report import links
from release_gate.sources.cache import ResponseCache
from release_gate.sources.github import DEFAULT_API_URL, GitHubGateClient, GitHubStateProvider
from release_gate.sources.live import LiveStateProvider
from release_gate.sources.registries import RegistryReader

__all__ = ["add_live_options", "gate_client", "github_provider", "live_provider", "user_cache_dir", "web_server"]


def add_live_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of every command that may read live state, as ``--help``'s group "reading live state"."""
    group = parser.add_argument_group("reading live state")
    group.add_argument("-q", "--quiet", action="store_true", help="no progress line while reading live state")
    group.add_argument(
        "--token-env",
        metavar="NAME",
        help="read the GitHub token from this environment variable (default: GH_TOKEN, else GITHUB_TOKEN)",
    )
    group.add_argument(
        "--github-url",
        metavar="URL",
        help="the REST API root, e.g. https://HOST/api/v3 for GitHub Enterprise (default: GITHUB_API_URL, "
        f"else {DEFAULT_API_URL})",
    )
    group.add_argument(
        "--timeout", metavar="SECONDS", type=int, default=10, help="per-request timeout for GitHub (default: 10)"
    )
    group.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="keep the answers of GitHub's REST API, PyPI and Helm indexes here and ask for them again with "
        "If-None-Match, so unchanged answers cost no rate limit (default: the user cache folder, "
        "e.g. ~/.cache/release-gate)",
    )
    group.add_argument("--no-cache", action="store_true", help="keep no answers on disk")


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
    url = _api_url(args, env)
    if err is not None:
        _plain_http_warning(url, token, err)
    return GitHubStateProvider(
        token=token or None, base_url=url, timeout=args.timeout, cache=_cache(args, env), progress=progress
    )


def gate_client(args: argparse.Namespace, env: Mapping[str, str], err: TextIO) -> GitHubGateClient:
    """Return the client the gate reads PRs and posts statuses with (warning when the token would go unencrypted)."""
    token = env.get(args.token_env or "GH_TOKEN") or ("" if args.token_env else env.get("GITHUB_TOKEN", ""))
    url = _api_url(args, env)
    _plain_http_warning(url, token, err)
    return GitHubGateClient(token=token or None, base_url=url, timeout=args.timeout, cache=_cache(args, env))


def web_server(args: argparse.Namespace, env: Mapping[str, str]) -> str:
    """Return the GitHub server reports link to: that of the API URL (``--github-url``, ``GITHUB_API_URL``).

    A snapshot's report links to the same server as a live read would (github.com by default, a
    GitHub Enterprise server's own host when its API URL is given). An API URL that is not an
    http(s) URL with a host is a usage error: links to it could go anywhere.
    """
    url: str = getattr(args, "github_url", None) or env.get("GITHUB_API_URL") or DEFAULT_API_URL
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UsageError("--github-url", f"{url!r} is not an http(s) URL", "Use e.g. https://HOST/api/v3")
    return links.server_of(url)


def _api_url(args: argparse.Namespace, env: Mapping[str, str]) -> str:
    """Return GitHub's REST API root from the options and environment (and check --timeout with it)."""
    url: str = args.github_url or env.get("GITHUB_API_URL") or DEFAULT_API_URL
    try:
        host = urllib.parse.urlsplit(url).hostname
    except ValueError:
        host = None
    if not url.startswith(("https://", "http://")) or not host:
        raise UsageError("--github-url", f"{url!r} is not an http(s) URL", "Use e.g. https://HOST/api/v3")
    if args.timeout < 1:
        raise UsageError(
            "--timeout", f"{args.timeout} is not a number of seconds", "Use a whole number of seconds >= 1"
        )
    return url


_LOOPBACK_NAMES = frozenset({"localhost"})


def _plain_http_warning(url: str, token: str, err: TextIO) -> None:
    """Warn, in one line naming the host (never the token), when *token* would cross the network unencrypted.

    Plain ``http://`` to this machine (127.0.0.1, ::1, localhost: a fake, a tunnel) is
    not warned about.
    """
    if not token or not url.lower().startswith("http://"):
        return
    host = urllib.parse.urlsplit(url).hostname or ""  # _api_url checked it is there
    try:
        loopback = host in _LOOPBACK_NAMES or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        err.write(
            f"release-gate: warning: the GitHub token goes unencrypted over plain http:// to {host}; "
            "anyone on the way can read it: use an https:// API URL (--github-url, GITHUB_API_URL)\n"
        )


def _cache(args: argparse.Namespace, env: Mapping[str, str]) -> ResponseCache | None:
    """Return the answer cache the options ask for: ``--cache-dir``, else the user cache folder."""
    if args.no_cache:
        return None
    if args.cache_dir:
        return ResponseCache(Path(args.cache_dir))
    return ResponseCache(user_cache_dir(env))


def user_cache_dir(env: Mapping[str, str]) -> Path:
    """Return where release-gate keeps answers by default, as each system expects it."""
    if sys.platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "release-gate" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "release-gate"
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "release-gate"
