"""Where the benchmarks write their tables: sections of docs/benchmarks.md, each with a fingerprint.

A benchmark writes each of its tables with `write`, between two markers that name it::

    <!-- benchmark:NAME start fingerprint=0123abcd... (written by `python -m benchmarks MODULE`) -->
    ...the table and what the benchmark says of it...
    <!-- benchmark:NAME end -->

The fingerprint is a digest of the files the figures depend on: the benchmark's own module and
the parts of release-gate it measures (`MEASURED` names them per section, as glob patterns from
the repository's root). When one of them changes, `stale` says the section is stale, and
``tests/test_benchmarks.py`` fails until the benchmark is run again: the docs never quote a
figure measured on code that is no longer there.

Each benchmark module ``benchmarks/MODULE.py`` exposes ``SECTIONS`` (section name -> the glob
patterns of what it measures, its own module first) and ``run_for_docs(quick)``, which measures
and writes all its sections; ``python -m benchmarks [MODULE ...] [--quick]`` runs them
(benchmarks/__main__.py). A benchmark that needs what the machine lacks raises `Unavailable`.
"""

from __future__ import annotations

import hashlib
import re
import resource
from collections.abc import Iterable
from pathlib import Path

__all__ = ["DOC", "ROOT", "Unavailable", "fingerprint", "peak_rss_mib", "recorded", "sections", "stale", "write"]

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"

_START = re.compile(r"<!-- benchmark:(?P<name>[\w-]+) start fingerprint=(?P<digest>[0-9a-f]+) [^\n]*-->\n")


class Unavailable(Exception):  # noqa: N818 - what the benchmark is, not an error of the code
    """Raised by a benchmark's ``run_for_docs`` when this machine lacks what it needs (a browser, a tool).

    The message says what is missing and how to get it; ``python -m benchmarks`` says so and
    leaves the benchmark's sections as they are.
    """


def _start(name: str, digest: str, module: str) -> str:
    return f"<!-- benchmark:{name} start fingerprint={digest} (written by `python -m benchmarks {module}`) -->\n"


def _module(name: str, measured: tuple[str, ...]) -> str:
    """Return the benchmark writing section *name*: the first ``benchmarks/NAME.py`` in *measured*, else *name*."""
    own = (re.fullmatch(r"benchmarks/(\w+)\.py", pattern) for pattern in measured)
    return next((match[1] for match in own if match), name)


def _end(name: str) -> str:
    return f"<!-- benchmark:{name} end -->"


def fingerprint(patterns: Iterable[str]) -> str:
    """Digest the files *patterns* match (globs from the repository's root), names and contents."""
    patterns = tuple(patterns)
    digest = hashlib.sha256()
    files = sorted({path for pattern in patterns for path in ROOT.glob(pattern) if path.is_file()})
    if not files:
        raise ValueError(f"no file matches {list(patterns)!r}")
    for path in files:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def sections(text: str | None = None) -> dict[str, str]:
    """Map each section docs/benchmarks.md has to the fingerprint it was written with."""
    text = DOC.read_text(encoding="utf-8") if text is None else text
    return {match["name"]: match["digest"] for match in _START.finditer(text)}


def recorded(name: str) -> str:
    """Return the body of section *name* as docs/benchmarks.md has it (between the markers)."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(_START.pattern.replace(r"(?P<name>[\w-]+)", re.escape(name)), text)
    if match is None or _end(name) not in text[match.end() :]:
        raise KeyError(name)
    return text[match.end() : text.index(_end(name), match.end())].rstrip("\n")


def write(name: str, body: str, measured: Iterable[str]) -> None:
    """Write *body* as section *name* of docs/benchmarks.md, fingerprinted by the files *measured* matches.

    The section must be there already (its two markers, with any fingerprint): a benchmark
    rewrites its own table and nothing else. The start marker names the command that writes it,
    ``python -m benchmarks MODULE``: the module is the first ``benchmarks/MODULE.py`` in *measured*
    (a benchmark names its own module there first).
    """
    measured = tuple(measured)
    text = DOC.read_text(encoding="utf-8")
    match = re.search(_START.pattern.replace(r"(?P<name>[\w-]+)", re.escape(name)), text)
    end = text.find(_end(name), match.end()) if match else -1
    if match is None or end < 0:
        raise LookupError(f"{DOC} has no section {name!r} to write into: add its two markers first")
    digest = fingerprint(measured)
    start = _start(name, digest, _module(name, measured))
    DOC.write_text(f"{text[: match.start()]}{start}{body.rstrip()}\n{text[end:]}", encoding="utf-8")


def stale(name: str, measured: Iterable[str]) -> bool:
    """Whether section *name* was written with other files than *measured* matches today."""
    return sections().get(name) != fingerprint(measured)


def peak_rss_mib() -> float:
    """Return this process's peak resident memory (MiB), since it started its program.

    Linux keeps ``ru_maxrss`` across ``exec``: a child started by a big process (the runner
    after another benchmark) would report its parent's peak. ``VmHWM`` in /proc/self/status
    is the peak of this program's own memory; ``ru_maxrss`` is the answer elsewhere.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:  # noqa: PTH123 - a proc file, read as it is
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux (bytes on macOS)
