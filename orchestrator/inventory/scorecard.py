"""The supplier scorecard: how a supplier has behaved, computed from its history records.

Each purchase order leaves records: ``accepted`` (with the promised delivery), ``rejected``,
``unanswered`` (no answer within the retries), ``delivered`` (goods received, with the promised and
actual delivery) and ``cancelled`` (by us). From them:

- **on-time rate** = deliveries received no later than promised (plus an hour's tolerance for the
  time between arrival and the goods receipt) / deliveries;
- **rejection rate** = rejected / answered purchase orders (accepted + rejected);
- **no-answer rate** = unanswered / purchase orders sent;
- **average lead-time error** = mean of (actual - promised delivery) in plant days; positive means late.

A rate with nothing to count is None (no history), never a made-up number. The choice score smooths
it with a prior instead (see ``choice.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

DAY_SECONDS = 86_400.0
DEFAULT_ON_TIME_TOLERANCE = timedelta(hours=1)


class HistoryKind(StrEnum):
    """What happened to a purchase order, from the supplier's report card point of view."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNANSWERED = "unanswered"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class SupplierHistoryRecord:
    """One fact in a supplier's history (plant times)."""

    supplier: str
    kind: HistoryKind
    at: datetime
    po_id: str | None = None
    item: str | None = None
    promised_delivery: datetime | None = None
    actual_delivery: datetime | None = None


@dataclass(frozen=True)
class Scorecard:
    """A supplier's record over the history given."""

    supplier: str
    purchase_orders: int
    accepted: int
    rejected: int
    unanswered: int
    deliveries: int
    on_time_deliveries: int
    on_time_rate: float | None
    rejection_rate: float | None
    no_answer_rate: float | None
    avg_lead_time_error_days: float | None

    @classmethod
    def empty(cls, supplier: str) -> Scorecard:
        """The scorecard of a supplier without history."""
        return compute_scorecard(supplier, [])


def compute_scorecard(
    supplier: str,
    records: Iterable[SupplierHistoryRecord],
    since: datetime | None = None,
    on_time_tolerance: timedelta = DEFAULT_ON_TIME_TOLERANCE,
) -> Scorecard:
    """The scorecard of ``supplier`` from its records (others' records are ignored), from ``since`` on."""
    accepted = rejected = unanswered = deliveries = on_time = 0
    errors: list[float] = []
    for rec in records:
        if rec.supplier != supplier or (since is not None and rec.at < since):
            continue
        if rec.kind is HistoryKind.ACCEPTED:
            accepted += 1
        elif rec.kind is HistoryKind.REJECTED:
            rejected += 1
        elif rec.kind is HistoryKind.UNANSWERED:
            unanswered += 1
        elif rec.kind is HistoryKind.DELIVERED:
            deliveries += 1
            actual = rec.actual_delivery or rec.at
            if rec.promised_delivery is None or actual <= rec.promised_delivery + on_time_tolerance:
                on_time += 1
            if rec.promised_delivery is not None:
                errors.append((actual - rec.promised_delivery).total_seconds() / DAY_SECONDS)
    answered = accepted + rejected
    sent = answered + unanswered
    return Scorecard(
        supplier=supplier,
        purchase_orders=sent,
        accepted=accepted,
        rejected=rejected,
        unanswered=unanswered,
        deliveries=deliveries,
        on_time_deliveries=on_time,
        on_time_rate=_rate(on_time, deliveries),
        rejection_rate=_rate(rejected, answered),
        no_answer_rate=_rate(unanswered, sent),
        avg_lead_time_error_days=round(sum(errors) / len(errors), 3) if errors else None,
    )


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
