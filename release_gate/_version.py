"""The version of release-gate (one place: the packaging reads it here too)."""

__version__ = "0.1.0"
