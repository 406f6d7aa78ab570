"""Shift calendars: when a line works.

A calendar has shifts (a daily start and end time in the calendar's time zone, on some weekdays)
and non-working windows (holidays, shutdowns, planned maintenance). :meth:`Calendar.working_windows`
answers, as a pure function, the working time between two instants: the shift occurrences, merged,
minus the non-working windows. Every instant in and out is timezone-aware; results are in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_SETS = {"all": range(7), "daily": range(7), "weekdays": range(5), "weekends": range(5, 7)}
_MAX_SEARCH = timedelta(days=2 * 366)


@dataclass(frozen=True)
class Window:
    """A half-open span of time ``[start, end)``."""

    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        """How long the window lasts."""
        return self.end - self.start


@dataclass(frozen=True)
class ShiftWindow(Window):
    """One occurrence of a shift."""

    shift: str = ""


def _parse_time(value: object, *, is_end: bool = False) -> time:
    # YAML 1.1 reads an unquoted 14:00 as the base-60 integer 840: take it back as a clock time.
    if isinstance(value, int) and not isinstance(value, bool):
        minutes = value if value < 24 * 60 + 1 else value // 60
        value = f"{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, time):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a clock time like '06:00', got {value!r}")
    text = value.strip()
    if text in ("24:00", "24:00:00"):
        if not is_end:
            raise ValueError("24:00 is only allowed as a shift end")
        return time(0, 0)
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected a clock time like '06:00' or '22:30', got {value!r}") from None


def _parse_days(value: object) -> frozenset[int]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple | set | frozenset):
        raise ValueError(f"expected weekday names like [mon, tue] or 'all', got {value!r}")
    days: set[int] = set()
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 6:
            days.add(item)
            continue
        text = str(item).strip().lower()
        if text in _DAY_SETS:
            days.update(_DAY_SETS[text])
        elif "-" in text and all(part.strip()[:3] in WEEKDAYS for part in text.split("-", 1)):
            first, last = (WEEKDAYS.index(part.strip()[:3]) for part in text.split("-", 1))
            days.update(range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)])
        elif text[:3] in WEEKDAYS:
            days.add(WEEKDAYS.index(text[:3]))
        else:
            raise ValueError(
                f"{item!r} is not a weekday; use {', '.join(WEEKDAYS)}, a range like 'mon-fri', "
                f"or one of {', '.join(_DAY_SETS)}"
            )
    return frozenset(days)


class Shift(BaseModel):
    """A shift worked every listed weekday from ``start`` to ``end`` (local time).

    An ``end`` at or before ``start`` means the shift ends the next day (``22:00``-``06:00``);
    ``start == end`` is a 24-hour shift. ``days`` are the weekdays on which the shift *starts*.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    start: time
    end: time
    days: frozenset[int] = frozenset(range(7))

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, value: object) -> time:
        return _parse_time(value)

    @field_validator("end", mode="before")
    @classmethod
    def _end(cls, value: object) -> time:
        return _parse_time(value, is_end=True)

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, value: object) -> frozenset[int]:
        return _parse_days(value)

    def occurrence(self, day: date, tz: tzinfo) -> ShiftWindow:
        """The occurrence of this shift that starts on local date ``day``, in UTC."""
        start = datetime.combine(day, self.start, tz)
        end_day = day if self.end > self.start else day + timedelta(days=1)
        end = datetime.combine(end_day, self.end, tz)
        return ShiftWindow(start.astimezone(UTC), end.astimezone(UTC), self.name)


class NonWorkingWindow(BaseModel):
    """A span in which no shift works (holiday, shutdown, planned maintenance).

    Dates mean whole days: ``start: 2025-12-24, end: 2025-12-26`` is closed from the start of the
    24th to the end of the 26th. Date-times without a zone are local to the calendar.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: datetime | date
    end: datetime | date
    reason: str = ""

    def resolve(self, tz: tzinfo) -> Window:
        """The window in UTC, for a calendar in zone ``tz``."""
        return Window(_instant(self.start, tz, end=False), _instant(self.end, tz, end=True))


def _instant(value: datetime | date, tz: tzinfo, *, end: bool) -> datetime:
    if not isinstance(value, datetime):
        day = value + timedelta(days=1) if end else value
        value = datetime.combine(day, time(0, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (e.g. datetime(..., tzinfo=UTC)), got {value!r}")


def _merge(windows: list[Window]) -> list[Window]:
    merged: list[Window] = []
    for w in sorted(windows, key=lambda w: w.start):
        if merged and w.start <= merged[-1].end:
            if w.end > merged[-1].end:
                merged[-1] = Window(merged[-1].start, w.end)
        else:
            merged.append(Window(w.start, w.end))
    return merged


def _subtract(windows: list[Window], holes: list[Window]) -> list[Window]:
    result: list[Window] = []
    for w in windows:
        pieces = [w]
        for hole in holes:
            next_pieces: list[Window] = []
            for p in pieces:
                if hole.end <= p.start or hole.start >= p.end:
                    next_pieces.append(p)
                    continue
                if hole.start > p.start:
                    next_pieces.append(Window(p.start, hole.start))
                if hole.end < p.end:
                    next_pieces.append(Window(hole.end, p.end))
            pieces = next_pieces
        result.extend(pieces)
    return result


class Calendar(BaseModel):
    """A line's working calendar: shifts in a time zone, minus non-working windows."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = "UTC"
    shifts: tuple[Shift, ...] = Field(min_length=1)
    non_working: tuple[NonWorkingWindow, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name like 'UTC' or 'Europe/Berlin'") from None
        return value

    @property
    def tz(self) -> tzinfo:
        """The calendar's time zone."""
        return ZoneInfo(self.timezone)

    def shift_windows(self, start: datetime, end: datetime) -> list[ShiftWindow]:
        """Every shift occurrence overlapping ``[start, end)``, clipped to it, in start order (UTC).

        Non-working windows are not taken out here (see :meth:`working_windows`).
        """
        _require_aware("start", start)
        _require_aware("end", end)
        if end <= start:
            return []
        tz = self.tz
        first = start.astimezone(tz).date() - timedelta(days=1)
        last = end.astimezone(tz).date()
        found: list[ShiftWindow] = []
        day = first
        while day <= last:
            for shift in self.shifts:
                if day.weekday() not in shift.days:
                    continue
                occ = shift.occurrence(day, tz)
                s, e = max(occ.start, start), min(occ.end, end)
                if s < e:
                    found.append(ShiftWindow(s.astimezone(UTC), e.astimezone(UTC), occ.shift))
            day += timedelta(days=1)
        return sorted(found, key=lambda w: (w.start, w.end))

    def working_windows(self, start: datetime, end: datetime) -> list[Window]:
        """The working time in ``[start, end)``: merged shift windows minus non-working windows (UTC)."""
        shifts: list[Window] = list(self.shift_windows(start, end))
        holes = [nw.resolve(self.tz) for nw in self.non_working]
        return _subtract(_merge(shifts), _merge(holes))

    def is_working(self, at: datetime) -> bool:
        """Whether the calendar works at instant ``at``."""
        return bool(self.working_windows(at, at + timedelta(microseconds=1)))

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """Total working time in ``[start, end)``."""
        return sum((w.duration for w in self.working_windows(start, end)), timedelta())

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of working time, counted from ``start``, is used up.

        A zero duration gives the first working instant at or after ``start``. Raises ValueError when
        the calendar has no such working time within two years.
        """
        _require_aware("start", start)
        if duration < timedelta():
            raise ValueError(f"duration must not be negative, got {duration}")
        remaining, cursor, limit = duration, start, start + _MAX_SEARCH
        while cursor < limit:
            chunk_end = min(cursor + timedelta(days=7), limit)
            for w in self.working_windows(cursor, chunk_end):
                if w.duration > remaining or (remaining == timedelta() and w.duration > timedelta()):
                    return (w.start + remaining).astimezone(UTC)
                remaining -= w.duration
                if remaining == timedelta():
                    return w.end.astimezone(UTC)
            cursor = chunk_end
        raise ValueError(f"the calendar has less than {duration} of working time in the two years after {start}")
