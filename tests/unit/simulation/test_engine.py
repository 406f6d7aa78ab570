"""The virtual-time event queue: time order, ties in scheduling order, no wall clock."""

from datetime import UTC, datetime, timedelta

from orchestrator.simulation.engine import EventQueue

T0 = datetime(2026, 1, 5, 6, tzinfo=UTC)


def test_events_run_in_time_order_and_ties_in_the_order_they_were_scheduled() -> None:
    queue = EventQueue(T0)
    seen: list[tuple[str, datetime]] = []
    queue.at(T0 + timedelta(hours=2), lambda: seen.append(("late", queue.now)))
    queue.at(T0 + timedelta(hours=1), lambda: seen.append(("first", queue.now)))
    queue.at(T0 + timedelta(hours=1), lambda: seen.append(("second", queue.now)))
    queue.run()
    assert seen == [("first", T0 + timedelta(hours=1)), ("second", T0 + timedelta(hours=1)),
                    ("late", T0 + timedelta(hours=2))]


def test_an_event_in_the_past_runs_now_and_an_event_can_schedule_another() -> None:
    queue = EventQueue(T0)
    seen: list[datetime] = []

    def chain() -> None:
        seen.append(queue.now)
        queue.at(T0 - timedelta(days=1), lambda: seen.append(queue.now))

    queue.at(T0 + timedelta(minutes=5), chain)
    queue.run()
    assert seen == [T0 + timedelta(minutes=5)] * 2


def test_run_stops_at_until_and_leaves_later_events_queued() -> None:
    queue = EventQueue(T0)
    queue.at(T0 + timedelta(days=3), lambda: None)
    queue.run(until=T0 + timedelta(days=1))
    assert len(queue) == 1 and queue.now == T0
