"""The options of reading live state, and what they say without any client.

Every command that may read live state imports this module, offline too; the clients
(PyGithub, requests, the package index reader, the answer cache) are built in
`release_gate.cli._live`, which is imported only when a command reads live.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from release_gate.errors import UsageError
from release_gate.report import links

__all__ = ["DEFAULT_API_URL", "add_live_options", "api_url", "plain_http_warning", "user_cache_dir", "web_server"]

DEFAULT_API_URL = "https://api.github.com"
"""GitHub's REST API root (the same as `release_gate.sources.github.DEFAULT_API_URL`, without importing it)."""


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


def api_url(args: argparse.Namespace, env: Mapping[str, str]) -> str:
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


def plain_http_warning(url: str, token: str, err: TextIO) -> None:
    """Warn, in one line naming the host (never the token), when *token* would cross the network unencrypted.

    Plain ``http://`` to this machine (127.0.0.1, ::1, localhost: a fake, a tunnel) is
    not warned about.
    """
    if not token or not url.lower().startswith("http://"):
        return
    host = urllib.parse.urlsplit(url).hostname or ""  # api_url checked it is there
    try:
        loopback = host in _LOOPBACK_NAMES or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        err.write(
            f"release-gate: warning: the GitHub token goes unencrypted over plain http:// to {host}; "
            "anyone on the way can read it: use an https:// API URL (--github-url, GITHUB_API_URL)\n"
        )


def user_cache_dir(env: Mapping[str, str]) -> Path:
    """Return where release-gate keeps answers by default, as each system expects it."""
    if sys.platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "release-gate" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "release-gate"
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "release-gate"
