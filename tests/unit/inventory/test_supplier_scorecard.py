"""The supplier scorecard from history records."""

from datetime import UTC, datetime, timedelta

import pytest

from orchestrator.inventory import HistoryKind, Scorecard, SupplierHistoryRecord, compute_scorecard

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def rec(kind: HistoryKind, supplier: str = "acme", days: float = 0, promised: float | None = None,
        actual: float | None = None) -> SupplierHistoryRecord:
    return SupplierHistoryRecord(
        supplier, kind, T0 + timedelta(days=days),
        promised_delivery=T0 + timedelta(days=promised) if promised is not None else None,
        actual_delivery=T0 + timedelta(days=actual) if actual is not None else None,
    )


def test_rates_and_lead_time_error_from_history() -> None:
    history = [
        rec(HistoryKind.ACCEPTED), rec(HistoryKind.ACCEPTED), rec(HistoryKind.ACCEPTED),
        rec(HistoryKind.REJECTED), rec(HistoryKind.UNANSWERED),
        rec(HistoryKind.DELIVERED, days=5, promised=5, actual=5),  # on time
        rec(HistoryKind.DELIVERED, days=7, promised=5, actual=7),  # 2 days late
        rec(HistoryKind.DELIVERED, days=4, promised=5, actual=4),  # 1 day early
        rec(HistoryKind.DELIVERED, days=5, supplier="other", promised=5, actual=9),  # not acme's
        rec(HistoryKind.CANCELLED),
    ]
    card = compute_scorecard("acme", history)
    assert (card.purchase_orders, card.accepted, card.rejected, card.unanswered) == (5, 3, 1, 1)
    assert (card.deliveries, card.on_time_deliveries) == (3, 2)
    assert card.on_time_rate == pytest.approx(2 / 3, abs=1e-4)
    assert card.rejection_rate == 0.25
    assert card.no_answer_rate == 0.2
    assert card.avg_lead_time_error_days == pytest.approx((0 + 2 - 1) / 3, abs=1e-3)


def test_a_receipt_within_the_hour_after_the_promise_is_still_on_time() -> None:
    history = [rec(HistoryKind.DELIVERED, promised=5, actual=5.03), rec(HistoryKind.DELIVERED, promised=5, actual=5.2)]
    card = compute_scorecard("acme", history)
    assert card.on_time_deliveries == 1
    assert compute_scorecard("acme", history, on_time_tolerance=timedelta(0)).on_time_deliveries == 0


def test_no_history_gives_no_rates_rather_than_invented_ones() -> None:
    card = Scorecard.empty("newcomer")
    assert card.purchase_orders == card.deliveries == 0
    assert card.on_time_rate is None and card.rejection_rate is None and card.avg_lead_time_error_days is None


def test_since_limits_the_window() -> None:
    history = [rec(HistoryKind.REJECTED, days=0), rec(HistoryKind.ACCEPTED, days=10)]
    assert compute_scorecard("acme", history, since=T0 + timedelta(days=5)).rejection_rate == 0
