"""Times: reading ISO 8601 with a timezone, and the two ways release-gate writes them."""

from __future__ import annotations

import datetime as dt

__all__ = ["iso_time", "parse_time", "show_time"]


def parse_time(text: str) -> dt.datetime | None:
    """Parse an ISO 8601 time with a timezone (``2018-08-09T18:00:00Z``); ``None`` if it is not one.

    >>> parse_time("2018-08-09T18:00:00Z")
    datetime.datetime(2018, 8, 9, 18, 0, tzinfo=datetime.timezone.utc)
    >>> parse_time("2018-08-09T18:00:00") is None
    True

    anaconda.org's upload times (a space, microseconds, ``+00:00``) read too:

    >>> parse_time("2018-08-11 14:41:03.311000+00:00")
    datetime.datetime(2018, 8, 11, 14, 41, 3, 311000, tzinfo=datetime.timezone.utc)
    """
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        return None
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        return None


def iso_time(when: dt.datetime) -> str:
    """Write *when* for machines: ``2018-08-09T18:00:00Z`` (with microseconds only when it has them).

    >>> iso_time(dt.datetime(1, 1, 1, tzinfo=dt.UTC))
    '0001-01-01T00:00:00Z'
    """
    return when.astimezone(dt.UTC).replace(tzinfo=None).isoformat() + "Z"


def show_time(when: dt.datetime) -> str:
    """Write *when* for people: ``2018-08-09 18:00 UTC``."""
    return when.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="minutes") + " UTC"
