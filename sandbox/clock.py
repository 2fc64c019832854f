"""The sandbox's one clock: times are stored in UTC and shown, typed and cut into days in China
Standard Time (UTC+8, no daylight saving) on every page and in every date filter."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "UTC+8")


def day_start(day: date, at: time | None = None) -> datetime:
    """Midnight (or ``at``) of a China-time day, as the UTC instant it is."""
    return datetime.combine(day, at or time.min, tzinfo=CHINA).astimezone(UTC)


def moment(day: date | None, at: time | None = None) -> datetime | None:
    """A date (and time of day) typed in China time, as the UTC instant stored; None for no date."""
    return None if day is None else day_start(day, at)
