"""Inputs and results of the sourcing activities (one typed model each, so fields can be added).

All times are plant time. The workflow's own contract with its parent (``SourcingInput`` and
``SourcingResult``) lives in ``workflows/contracts.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from orchestrator.ports.suppliers import DespatchAdvice


class NeedRef(BaseModel):
    """Which purchase need an activity works for, and which workflow to route ASNs to."""

    order_id: str
    need_id: str
    workflow_id: str
    item: str
    unit: str
    quantity: float
    need_by: datetime


class QuoteRoundInput(BaseModel):
    """Ask every eligible supplier not in ``exclude`` for a quote (round ``n`` of this need)."""

    need: NeedRef
    n: int = 1
    exclude: list[str] = Field(default_factory=list)


class RankedQuote(BaseModel):
    """A quote with its choice score (see ``orchestrator/inventory/choice.py``)."""

    supplier: str
    quote_id: str | None = None
    quantity: float
    unit_price: float
    currency: str
    promised_delivery: datetime
    expected_delivery: datetime
    score: float
    promised_on_time: bool
    expected_on_time: bool
    parts: dict[str, float] = Field(default_factory=dict)


class QuoteRoundResult(BaseModel):
    """Quotes best first; suppliers that could not quote and why."""

    offers: list[RankedQuote] = Field(default_factory=list)
    eligible: list[str] = Field(default_factory=list)
    unavailable: dict[str, str] = Field(default_factory=dict)
    # The choice rule's after-a-rejection terms (``inventory.choice.worth_placing_after_rejection``), carried
    # from the activity's weights so that the workflow decides with the same ones.
    late_tolerance_days: float = 2.0
    ask_again_after_hours: float = 24.0


class PlaceOrderInput(BaseModel):
    """Place attempt ``attempt`` of the need as a PO to the quote's supplier."""

    need: NeedRef
    attempt: int
    offer: RankedQuote
    late_warning: bool = Field(default=False, description="also raise a planner exception: nobody is on time")


class PlaceOrderResult(BaseModel):
    """The supplier's answer, or that it never answered within the retries."""

    po_id: str
    supplier: str
    outcome: Literal["accepted", "rejected", "unanswered", "refused"]
    quantity: float = 0
    promised_delivery: datetime | None = None
    placed_at: datetime | None = None
    reason: str | None = None


class PollInput(BaseModel):
    """Ask the supplier where a PO stands (the fallback when no ASN came)."""

    need: NeedRef
    po_id: str
    supplier: str
    poll: int


class PollResult(BaseModel):
    """The PO's state at the supplier and every ASN it has sent; ``reachable`` False if it never answered."""

    reachable: bool
    state: str | None = None
    asns: list[DespatchAdvice] = Field(default_factory=list)
    detail: str | None = None


class ReceiptInput(BaseModel):
    """Goods of one ASN arrived: book them, ``for_order`` reserved for the order, the rest free."""

    need: NeedRef
    po_id: str
    supplier: str
    asn: DespatchAdvice
    for_order: float
    promised_delivery: datetime | None = None
    final: bool = Field(default=False, description="the PO is complete with this receipt")


class ReceiptResult(BaseModel):
    """How much was booked, and at which plant time."""

    quantity: float
    for_order: float
    surplus: float
    received_at: datetime


class CancelInput(BaseModel):
    """Withdraw from a PO: cancel it if it has not shipped, else book what is coming as free stock."""

    need: NeedRef
    po_id: str
    supplier: str
    po_quantity: float
    received_quantity: float = 0
    reason: str
    surplus_if_shipped: bool = Field(default=True, description="book shipped goods as free stock at once")


class CancelResult(BaseModel):
    """``cancelled``; ``shipped`` (cancel refused; surplus booked when asked); ``unknown`` (no such PO)."""

    outcome: Literal["cancelled", "shipped", "unknown", "unreachable"]
    surplus: float = 0
    asns: list[DespatchAdvice] = Field(default_factory=list)
    detail: str | None = None


class EventInput(BaseModel):
    """A milestone or planner exception to record for the order."""

    need: NeedRef
    kind: str
    key: str = Field(description="idempotency suffix of the event")
    payload: dict[str, Any] = Field(default_factory=dict)


class SourcingStatus(BaseModel):
    """What the ``status`` query of a sourcing workflow answers."""

    phase: str
    po_id: str | None = None
    supplier: str | None = None
    promised_delivery: datetime | None = None
    received_quantity: float = 0
    tried: list[str] = Field(default_factory=list)
    asns: list[str] = Field(default_factory=list)
