"""UTC timestamps as the run logs and dbt's artifacts write them (ISO 8601 ending in Z)."""

from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def from_iso(text: str) -> dt.datetime:
    """The inverse of ``iso`` (``fromisoformat`` reads a trailing Z only from Python 3.11 on)."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
