"""``release-gate graph``: the dependency graph, coloured by status (DOT, Mermaid, SVG or PNG)."""

from __future__ import annotations

import argparse
import math
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from release_gate.cli._commands import SUMMARIES
from release_gate.cli._common import IO, PLAN_HELP, Subparsers, add_evaluated, evaluated, write_file
from release_gate.cli._exits import EXIT_CLEAR
from release_gate.errors import UsageError
from release_gate.report import GraphFormat
from release_gate.report import svg as svg_report
from release_gate.report.graph import render_dot, render_mermaid

NAME = "graph"


def add_parser(subparsers: Subparsers) -> None:
    """Add ``graph``: the plan, the format and where to write it."""
    sub = add_evaluated(subparsers, NAME, SUMMARIES[NAME])
    sub.add_argument("plan", nargs="?", metavar="PLAN", help=PLAN_HELP)
    sub.add_argument(
        "--format",
        choices=[f.value for f in GraphFormat],
        default=GraphFormat.DOT.value,
        help="dot (Graphviz), mermaid, svg (the dashboard's picture) or png (drawn by chromium; needs -o)",
    )
    sub.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout (required for png)")


def run(args: argparse.Namespace, io: IO) -> int:
    """Print or write the graph; exit clear (a picture is always an answer)."""
    fmt = GraphFormat(args.format)
    evaluation, _ = evaluated(args, io)
    if fmt is GraphFormat.PNG:
        if not args.output:
            raise UsageError("--format png", "needs a file to write", "Add -o FILE.png")
        _png(svg_report.render_svg(evaluation, interactive=False), Path(args.output), io)
    else:
        render = {
            GraphFormat.MERMAID: render_mermaid,
            GraphFormat.DOT: render_dot,
            GraphFormat.SVG: svg_report.render_svg,
        }[fmt]
        if not args.output:
            io.out.write(render(evaluation))
            return EXIT_CLEAR
        write_file(args.output, render(evaluation))
    io.err.write(f"release-gate: wrote {args.output}\n")
    return EXIT_CLEAR


def _png(svg: str, target: Path, io: IO) -> None:
    """Draw *svg* to a PNG with headless Chromium (Debian's chromium, or CHROMIUM), at twice its size.

    The window is the picture's natural size (``data-width``, ``data-height``), and the
    device scale factor 2 makes the PNG twice as wide and high: sharp on a slide.
    """
    browser = io.env.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise UsageError("--format png", "needs Chromium to draw the picture", "Install chromium, or use --format svg")
    size = re.search(r'data-width="([\d.]+)" data-height="([\d.]+)"', svg)
    width, height = (math.ceil(float(size.group(1))), math.ceil(float(size.group(2)))) if size else (1600, 1200)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "graph.svg"
        source.write_text(svg, encoding="utf-8")
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
            "--disable-background-networking", "--disable-component-update", f"--user-data-dir={folder}/profile",
            "--hide-scrollbars", "--force-device-scale-factor=2", f"--screenshot={target.resolve()}",
            f"--window-size={width},{height}", source.as_uri(),
        ]  # fmt: skip
        try:
            subprocess.run(command, capture_output=True, timeout=120, check=True)  # noqa: S603 - chromium, our own file
        except (OSError, subprocess.SubprocessError) as exc:
            raise UsageError(
                "--format png", f"chromium could not draw it ({type(exc).__name__})", "Use --format svg"
            ) from None
    if not target.is_file():
        raise UsageError("--format png", "chromium wrote no picture", "Use --format svg")
