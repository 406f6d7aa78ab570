from datetime import UTC, datetime, timedelta

from orchestrator.orders.approval import ApprovalPolicy, approval_reasons
from orchestrator.orders.delay import delay_notice
from orchestrator.orders.fulfilment import FulfilmentTimes, projected_delivery
from orchestrator.orders.stages import Stage, cancel_refusal, is_terminal

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_plain_orders_need_no_approval() -> None:
    assert approval_reasons(None, 500.0, 1, ApprovalPolicy()) == []
    assert approval_reasons("   ", 500.0, 1, ApprovalPolicy()) == []


def test_special_requests_high_value_and_unusual_quantities_wait_for_a_planner() -> None:
    policy = ApprovalPolicy(value_threshold=1000, max_quantity=5)
    reasons = approval_reasons("fridge must fit a small flat", 1500.0, 6, policy)
    assert len(reasons) == 3
    assert "special requests" in reasons[0]
    assert "1,500.00" in reasons[1]
    assert "quantity 6" in reasons[2]


def test_no_notice_while_the_promise_holds() -> None:
    assert delay_notice(T0, T0, None) is None
    assert delay_notice(T0, T0 - timedelta(hours=3), None) is None


def test_first_slip_is_announced_with_the_new_date_and_an_apology() -> None:
    notice = delay_notice(T0, T0 + timedelta(hours=30), None)
    assert notice is not None
    assert notice.new_date == T0 + timedelta(hours=30)
    assert notice.late_by == timedelta(hours=30)
    assert "sorry" in notice.message.lower() and "30 hours" in notice.message


def test_small_further_slips_are_not_repeated_but_big_ones_are() -> None:
    announced = T0 + timedelta(hours=30)
    assert delay_notice(T0, announced + timedelta(hours=5), announced, margin=timedelta(hours=12)) is None
    again = delay_notice(T0, announced + timedelta(hours=20), announced, margin=timedelta(hours=12))
    assert again is not None and "2 days" in again.message


def test_cancel_is_allowed_until_shipping() -> None:
    assert cancel_refusal(Stage.IN_PRODUCTION) is None and cancel_refusal(Stage.PACKED) is None
    assert cancel_refusal(Stage.SHIPPED) is not None
    assert "no longer be cancelled" in (cancel_refusal(Stage.SHIPPED) or "")
    assert "already cancelled" in (cancel_refusal(Stage.CANCELLED) or "")
    assert is_terminal(Stage.DELIVERED) and not is_terminal(Stage.SCHEDULED)


def test_delivery_is_projected_from_the_end_of_production() -> None:
    times = FulfilmentTimes(quality_check=timedelta(hours=2), packing=timedelta(hours=1), transit=timedelta(days=2))
    assert projected_delivery(T0, times) == T0 + timedelta(hours=51)
