"""Reporters: pure functions from an `Evaluation` to text."""

from __future__ import annotations

import enum

__all__ = ["Format", "GraphFormat"]


class Format(enum.StrEnum):
    """Report formats of ``release-gate check``."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


class GraphFormat(enum.StrEnum):
    """Formats of ``release-gate graph``."""

    DOT = "dot"
    MERMAID = "mermaid"
    SVG = "svg"
    PNG = "png"
