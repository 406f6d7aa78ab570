"""Shift calendars: working windows as a pure function of two instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from orchestrator.plant import Calendar, NonWorkingWindow, Shift, Window

BERLIN = ZoneInfo("Europe/Berlin")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def shift(**fields: object) -> Shift:
    """A shift from plant-file style values (times as text, days as names)."""
    return Shift.model_validate(fields)


def three_shifts() -> Calendar:
    return Calendar(shifts=(
        shift(name="early", start="06:00", end="14:00"),
        shift(name="late", start="14:00", end="22:00"),
        shift(name="night", start="22:00", end="06:00"),
    ))


def two_shifts_weekdays() -> Calendar:
    return Calendar(
        timezone="Europe/Berlin",
        shifts=(
            shift(name="early", start="06:00", end="14:00", days="mon-fri"),
            shift(name="late", start="14:00", end="22:00", days=["mon", "tue", "wed", "thu", "fri"]),
        ),
        non_working=(NonWorkingWindow(start=date(2025, 12, 24), end=date(2025, 12, 26), reason="Christmas"),),
    )


def test_three_shifts_around_the_clock_merge_into_one_window() -> None:
    start, end = utc(2025, 3, 3, 5, 30), utc(2025, 3, 10, 7)
    assert three_shifts().working_windows(start, end) == [Window(start, end)]
    assert three_shifts().working_time(start, end) == end - start


def test_shift_windows_name_each_occurrence_and_cross_midnight() -> None:
    windows = three_shifts().shift_windows(utc(2025, 3, 3, 20), utc(2025, 3, 4, 7))
    assert [(w.shift, w.start, w.end) for w in windows] == [
        ("late", utc(2025, 3, 3, 20), utc(2025, 3, 3, 22)),
        ("night", utc(2025, 3, 3, 22), utc(2025, 3, 4, 6)),
        ("early", utc(2025, 3, 4, 6), utc(2025, 3, 4, 7)),
    ]


def test_weekday_shifts_in_local_time_skip_the_weekend() -> None:
    cal = two_shifts_weekdays()
    # Friday 2025-03-07 to Monday 2025-03-10, Berlin is UTC+1 in winter.
    windows = cal.working_windows(utc(2025, 3, 7, 0), utc(2025, 3, 11, 0))
    assert windows == [
        Window(utc(2025, 3, 7, 5), utc(2025, 3, 7, 21)),
        Window(utc(2025, 3, 10, 5), utc(2025, 3, 10, 21)),
    ]
    assert cal.is_working(utc(2025, 3, 7, 12))
    assert not cal.is_working(utc(2025, 3, 8, 12))  # Saturday
    assert not cal.is_working(utc(2025, 3, 7, 21))  # end is exclusive


def test_daylight_saving_time_moves_the_utc_windows() -> None:
    cal = two_shifts_weekdays()
    # Monday 2025-03-31, after the switch to summer time: Berlin is UTC+2.
    assert cal.working_windows(utc(2025, 3, 31), utc(2025, 4, 1)) == [
        Window(utc(2025, 3, 31, 4), utc(2025, 3, 31, 20))
    ]


def test_non_working_dates_are_whole_days_inclusive() -> None:
    cal = two_shifts_weekdays()
    windows = cal.working_windows(utc(2025, 12, 22), utc(2025, 12, 30))
    days = [w.start.astimezone(BERLIN).date() for w in windows]
    assert days == [date(2025, 12, 22), date(2025, 12, 23), date(2025, 12, 29)]


def test_non_working_datetime_window_cuts_a_shift() -> None:
    cal = Calendar(
        shifts=(shift(name="day", start=time(8), end=time(16)),),
        non_working=(NonWorkingWindow(start=datetime(2025, 5, 5, 10), end=datetime(2025, 5, 5, 12, 30)),),
    )
    assert cal.working_windows(utc(2025, 5, 5), utc(2025, 5, 6)) == [
        Window(utc(2025, 5, 5, 8), utc(2025, 5, 5, 10)),
        Window(utc(2025, 5, 5, 12, 30), utc(2025, 5, 5, 16)),
    ]


def test_add_working_time_skips_nights_weekends_and_holidays() -> None:
    cal = two_shifts_weekdays()
    friday_evening = utc(2025, 3, 7, 19)  # 20:00 in Berlin: 2 h left of the late shift
    assert cal.add_working_time(friday_evening, timedelta(hours=3)) == utc(2025, 3, 10, 6)
    assert cal.add_working_time(friday_evening, timedelta(hours=2)) == utc(2025, 3, 7, 21)
    assert cal.add_working_time(friday_evening, timedelta(hours=1)) == utc(2025, 3, 7, 20)
    # A zero duration gives the first working instant.
    assert cal.add_working_time(utc(2025, 3, 8, 12), timedelta()) == utc(2025, 3, 10, 5)
    # Over Christmas: Tuesday 23rd late shift, then nothing until Monday 29th.
    assert cal.add_working_time(utc(2025, 12, 23, 20), timedelta(hours=2)) == utc(2025, 12, 29, 6)


def test_add_working_time_fails_clearly_without_working_time() -> None:
    cal = Calendar(
        shifts=(shift(name="day", start="08:00", end="16:00"),),
        non_working=(NonWorkingWindow(start=date(2025, 1, 1), end=date(2030, 1, 1)),),
    )
    with pytest.raises(ValueError, match="less than"):
        cal.add_working_time(utc(2025, 1, 1), timedelta(hours=1))


def test_instants_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        three_shifts().working_windows(datetime(2025, 1, 1), utc(2025, 1, 2))


def test_yaml_base_60_times_and_24_00_are_understood() -> None:
    # YAML 1.1 reads an unquoted 14:00 as 840: the calendar takes it back as 14:00.
    late = shift(name="late", start=840, end="24:00")
    assert late.start == time(14) and late.end == time(0)
    occ = late.occurrence(date(2025, 1, 1), UTC)
    assert (occ.start, occ.end) == (utc(2025, 1, 1, 14), utc(2025, 1, 2, 0))


def test_a_24_hour_shift() -> None:
    cal = Calendar(shifts=(shift(name="all day", start="00:00", end="00:00", days="weekends"),))
    assert cal.working_windows(utc(2025, 3, 7), utc(2025, 3, 11)) == [Window(utc(2025, 3, 8), utc(2025, 3, 10))]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "x", "start": "25:00", "end": "06:00"}, "clock time"),
        ({"name": "x", "start": "24:00", "end": "06:00"}, "only allowed as a shift end"),
        ({"name": "x", "start": "06:00", "end": "14:00", "days": ["funday"]}, "not a weekday"),
    ],
)
def test_bad_shifts_say_what_to_write(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        shift(**kwargs)


def test_unknown_time_zone() -> None:
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Olympus'"):
        Calendar(timezone="Mars/Olympus", shifts=(shift(name="x", start="06:00", end="14:00"),))
