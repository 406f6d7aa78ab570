"""Proactive delay notices: tell the customer about a slip before they have to ask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class DelayNotice:
    """What the customer is told: the new date, how late against the promise, and an apology."""

    new_date: datetime
    promised_date: datetime
    late_by: timedelta
    message: str


def delay_notice(
    promised: datetime,
    projected: datetime,
    last_announced: datetime | None,
    margin: timedelta = timedelta(hours=12),
) -> DelayNotice | None:
    """A notice when ``projected`` passes the promise for the first time, or moves later by more than
    ``margin`` since the last announcement; None otherwise (no news is not news)."""
    if projected <= promised:
        return None
    if last_announced is not None and projected - last_announced <= margin:
        return None
    late_by = projected - promised
    return DelayNotice(
        new_date=projected,
        promised_date=promised,
        late_by=late_by,
        message=(
            f"We are sorry: your order will arrive later than we promised. We now expect to deliver it on "
            f"{projected:%Y-%m-%d %H:%M} UTC, {_human(late_by)} after the promised {promised:%Y-%m-%d %H:%M} UTC. "
            "We are telling you now so you can plan around it; we will let you know if anything changes again."
        ),
    )


def _human(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours < 48:
        return f"{max(1, round(hours))} hour{'s' if round(hours) != 1 else ''}"
    return f"{round(hours / 24)} days"
