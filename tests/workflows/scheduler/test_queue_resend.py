"""When a line's queue must be sent to the MES again: only when the wanted order differs from what the MES holds."""

from __future__ import annotations

from workflows.scheduler.mes_push import in_order_already


def test_nothing_sent_yet_means_send() -> None:
    assert not in_order_already(None, ["A", "B"])


def test_the_same_queue_is_not_sent_again() -> None:
    assert in_order_already(("A", "B", "C"), ["A", "B", "C"])


def test_work_orders_that_left_the_queue_need_no_resend() -> None:
    # A started and C was withdrawn: the MES holds B, D in that order already.
    assert in_order_already(("A", "B", "C", "D"), ["B", "D"])


def test_a_new_order_of_the_same_work_orders_is_sent() -> None:
    assert not in_order_already(("A", "B", "C"), ["A", "C", "B"])


def test_a_work_order_released_or_moved_here_since_is_sent() -> None:
    assert not in_order_already(("A", "B"), ["A", "B", "E"])
    assert not in_order_already(("A", "B"), ["E", "A", "B"])
