"""Which queued bookings a batch takes: new ones up to the cap, in arrival order, and every repeat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from workflows.contracts import BookingRequest, ClockSpec, SchedulerInput
from workflows.scheduler.workflow import MAX_BATCH_BOOKINGS, PlantSchedulerWorkflow

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _booking(order_id: str) -> BookingRequest:
    return BookingRequest(order_id=order_id, release_at=NOW, due=NOW + timedelta(days=2))


def _scheduler(queued: list[str], carry_all: bool = True) -> PlantSchedulerWorkflow:
    # The selection is plain state handling: the entity's object is built outside a workflow to test it.
    entity = PlantSchedulerWorkflow(SchedulerInput(clock=ClockSpec(epoch=0.0)))
    entity.carry_all = carry_all
    for order_id in queued:
        entity.book(_booking(order_id))
    return entity


def test_a_batch_takes_new_bookings_up_to_the_cap_in_arrival_order() -> None:
    ids = [f"ORD-{n}" for n in range(MAX_BATCH_BOOKINGS + 50)]
    entity = _scheduler(ids)
    taken, left = entity._bookings_for_batch()
    assert [b.order_id for b in taken] == ids[:MAX_BATCH_BOOKINGS]
    assert [b.order_id for b in left] == ids[MAX_BATCH_BOOKINGS:]


def test_repeats_do_not_count_against_the_cap_and_keep_their_place() -> None:
    entity = _scheduler([f"OLD-{n}" for n in range(MAX_BATCH_BOOKINGS)])
    first, _ = entity._bookings_for_batch()
    assert len(first) == MAX_BATCH_BOOKINGS
    entity.bookings = {}  # what the run loop does with the bookings a batch took
    # While that batch ran, new orders and repeats of old ones queued up.
    for order_id in ["NEW-0", "OLD-3", "NEW-1", *[f"NEW-{n}" for n in range(2, MAX_BATCH_BOOKINGS + 5)], "OLD-7"]:
        entity.book(_booking(order_id))
    entity.book(_booking("NEW-0"))  # asking again keeps NEW-0 first in the queue
    taken, left = entity._bookings_for_batch()
    taken_ids = [b.order_id for b in taken]
    assert taken_ids[:3] == ["NEW-0", "OLD-3", "NEW-1"]
    assert {"OLD-3", "OLD-7"} <= set(taken_ids), "repeats are always taken (answered again, nothing to plan)"
    assert sum(i.startswith("NEW-") for i in taken_ids) == MAX_BATCH_BOOKINGS
    assert [b.order_id for b in left] == [f"NEW-{n}" for n in range(MAX_BATCH_BOOKINGS, MAX_BATCH_BOOKINGS + 5)]


def test_runs_from_before_the_cap_take_everything() -> None:
    ids = [f"ORD-{n}" for n in range(MAX_BATCH_BOOKINGS + 50)]
    taken, left = _scheduler(ids, carry_all=False)._bookings_for_batch()
    assert len(taken) == len(ids) and left == []
