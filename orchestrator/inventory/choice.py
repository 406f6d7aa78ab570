"""The supplier choice score: which quote to turn into a purchase order.

A quote's *merit* combines price and date, each in [0, 1], higher is better:

- **price** = cheapest unit price among the quotes / this quote's unit price (1 for the cheapest);
- **date**: the promised delivery is first corrected by the supplier's history (its smoothed average
  lead-time error when that is late, never when early): the *expected delivery*. Arriving by the
  need date scores 0.5 plus up to 0.5 for slack (full at ``buffer_days`` of slack); arriving late
  scores 0.5 down to 0 at ``late_horizon_days`` late.

merit = (w_price·price + w_date·date) / (w_price + w_date)

The supplier's **reliability** is the chance that a PO placed there turns into goods as promised:
smoothed on-time rate × (1 - smoothed rejection rate) × (1 - smoothed no-answer rate), from the
scorecard. Smoothing adds ``prior_weight`` imaginary records at the prior rates, so a supplier
without history is neither trusted blindly nor shut out.

score = merit × reliability ** w_reliability

Reliability multiplies rather than adds: a supplier that rejected its last orders is worth little
however cheap it is (``w_reliability = 0`` ignores history). Ranking puts quotes expected on time
before late ones (being late for production costs more than any price difference), then by score,
then by earlier promise, then by supplier id, so equal inputs always give the same choice.

When no quote is on time the same reasoning holds among the late ones: every day later is a day the
customer's order waits, so a late quote expected more than ``late_tolerance_days`` after the earliest
late one ranks below it whatever its price (within that tolerance the score decides). Without this, a
cheap quote weeks late outscored a dearer one a few days late once both were past ``late_horizon_days``
(both then score 0 on date, so price alone decided): the promise simulation showed a third of the orders
waiting for sea freight that way.

After a supplier *rejects* a purchase order, the next quote is worth placing only when it is expected
on time, or no later (within ``late_tolerance_days``) than the refusing supplier would deliver if asked
again ``ask_again_after_hours`` later. Otherwise the suppliers are asked again after that wait, the
refusing one included: a refusal for a full order book is an answer for that request, not for good,
and falling back to a slow supplier weeks later costs the customer more than a day's wait (the promise
simulation showed most broken promises coming from that fallback).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from orchestrator.inventory.scorecard import DAY_SECONDS, Scorecard


@dataclass(frozen=True)
class ChoiceWeights:
    """Weights and priors of the choice score (defaults: price and date equally, full reliability)."""

    price: float = 0.5
    date: float = 0.5
    reliability: float = 1.0
    buffer_days: float = 2.0
    late_horizon_days: float = 14.0
    prior_on_time: float = 0.9
    prior_rejection: float = 0.05
    prior_no_answer: float = 0.02
    prior_weight: float = 3.0
    late_tolerance_days: float = 2.0
    ask_again_after_hours: float = 24.0

    def __post_init__(self) -> None:
        if min(self.price, self.date, self.reliability) < 0 or self.price + self.date <= 0:
            raise ValueError("choice weights must be >= 0, and price and date not both zero")
        if self.buffer_days <= 0 or self.late_horizon_days <= 0 or self.prior_weight < 0:
            raise ValueError("buffer_days and late_horizon_days must be > 0, prior_weight >= 0")
        if self.late_tolerance_days <= 0:
            raise ValueError("late_tolerance_days must be > 0")
        if self.ask_again_after_hours < 0:
            raise ValueError("ask_again_after_hours must be >= 0")


@dataclass(frozen=True)
class Offer:
    """A supplier's quote for one need: the (lot-sized) quantity, unit price and promised delivery."""

    supplier: str
    item: str
    quantity: float
    unit_price: float
    currency: str
    promised_delivery: datetime
    quote_id: str | None = None


@dataclass(frozen=True)
class RankedOffer:
    """An offer with its score and the reasons, as shown to planners."""

    offer: Offer
    score: float
    expected_delivery: datetime
    promised_on_time: bool
    expected_on_time: bool
    parts: dict[str, float] = field(default_factory=dict)


def rank_offers(
    offers: Iterable[Offer],
    need_by: datetime,
    scorecards: Mapping[str, Scorecard] | None = None,
    weights: ChoiceWeights | None = None,
) -> list[RankedOffer]:
    """Score and order the offers, best first (see the module docstring for the formula).

    All offers must be in one currency; mixed currencies raise ``ValueError`` (convert first).
    """
    offers = list(offers)
    if not offers:
        return []
    weights = weights or ChoiceWeights()
    scorecards = scorecards or {}
    currencies = {o.currency for o in offers}
    if len(currencies) > 1:
        raise ValueError(
            f"quotes are in several currencies ({', '.join(sorted(currencies))}); "
            "convert them to one currency before ranking"
        )
    for o in offers:
        if not o.unit_price > 0:
            raise ValueError(f"quote {o.quote_id or '?'} of {o.supplier}: unit price must be > 0, got {o.unit_price}")
    cheapest = min(o.unit_price for o in offers)
    total = weights.price + weights.date
    ranked = []
    for o in offers:
        card = scorecards.get(o.supplier) or Scorecard.empty(o.supplier)
        expected = o.promised_delivery + timedelta(days=max(0.0, _smoothed_error_days(card, weights)))
        price = cheapest / o.unit_price
        date = _date_score(expected, need_by, weights)
        reliability = reliability_score(card, weights)
        score = (weights.price * price + weights.date * date) / total * reliability**weights.reliability
        ranked.append(
            RankedOffer(
                offer=o,
                score=round(score, 6),
                expected_delivery=expected,
                promised_on_time=o.promised_delivery <= need_by,
                expected_on_time=expected <= need_by,
                parts={"price": round(price, 4), "date": round(date, 4), "reliability": round(reliability, 4)},
            )
        )
    first_late = min((r.expected_delivery for r in ranked if not r.expected_on_time), default=None)

    def later_than_first_late(r: RankedOffer) -> int:
        """How many tolerances a late quote comes after the earliest late one (0 for on-time quotes)."""
        if r.expected_on_time or first_late is None:
            return 0
        return int((r.expected_delivery - first_late).total_seconds() // (weights.late_tolerance_days * DAY_SECONDS))

    ranked.sort(key=lambda r: (not r.expected_on_time, later_than_first_late(r), -r.score, r.offer.promised_delivery,
                               r.offer.supplier))
    return ranked


class ExpectedDelivery(Protocol):
    """What ``worth_placing_after_rejection`` reads of a ranked quote (``RankedOffer`` or a copy of it)."""

    @property
    def expected_delivery(self) -> datetime: ...

    @property
    def expected_on_time(self) -> bool: ...


def worth_placing_after_rejection(
    rejected: ExpectedDelivery, candidate: ExpectedDelivery, weights: ChoiceWeights
) -> bool:
    """Whether ``candidate`` is worth a purchase order now that ``rejected``'s supplier refused, rather than
    asking the suppliers again after ``weights.ask_again_after_hours`` (see the module docstring)."""
    if candidate.expected_on_time:
        return True
    again = rejected.expected_delivery + timedelta(hours=weights.ask_again_after_hours)
    return candidate.expected_delivery <= again + timedelta(days=weights.late_tolerance_days)


def reliability_score(card: Scorecard, weights: ChoiceWeights | None = None) -> float:
    """Smoothed on-time rate × (1 - smoothed rejection rate) × (1 - smoothed no-answer rate)."""
    w = weights or ChoiceWeights()
    on_time = _smooth(card.on_time_deliveries, card.deliveries, w.prior_on_time, w.prior_weight)
    rejection = _smooth(card.rejected, card.accepted + card.rejected, w.prior_rejection, w.prior_weight)
    no_answer = _smooth(card.unanswered, card.purchase_orders, w.prior_no_answer, w.prior_weight)
    return on_time * (1 - rejection) * (1 - no_answer)


def _smooth(hits: int, total: int, prior: float, weight: float) -> float:
    if total + weight == 0:
        return prior
    return (hits + prior * weight) / (total + weight)


def _smoothed_error_days(card: Scorecard, w: ChoiceWeights) -> float:
    if card.avg_lead_time_error_days is None or card.deliveries == 0:
        return 0.0
    # Shrink toward zero error: a single late delivery should not move every future promise by days.
    return card.avg_lead_time_error_days * card.deliveries / (card.deliveries + w.prior_weight)


def _date_score(expected: datetime, need_by: datetime, w: ChoiceWeights) -> float:
    slack_days = (need_by - expected).total_seconds() / DAY_SECONDS
    if slack_days >= 0:
        return 0.5 + 0.5 * min(1.0, slack_days / w.buffer_days)
    return 0.5 * max(0.0, 1.0 + slack_days / w.late_horizon_days)
