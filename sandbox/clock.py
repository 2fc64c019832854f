"""The sandbox's one clock: times are stored in UTC and shown, typed and cut into days in China
Standard Time (UTC+8, no daylight saving) on every page and in every date filter."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "UTC+8")


def day_start(day: date) -> datetime:
    """Midnight of a China-time day, as the UTC instant it is."""
    return datetime.combine(day, time.min, tzinfo=CHINA).astimezone(UTC)
