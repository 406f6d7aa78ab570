"""Suppliers in virtual time: quotes with sampled lead times, rejections, late shipments.

The behaviour follows the supplier simulator's model (suppliers/default.yaml): a quoted lead time is
drawn from the part's triangular distribution; a purchase order is rejected with the supplier's
reject rate; a shipment is late with probability ``1 - reliability``, by 10-50 % of its lead time.
Every draw comes from a generator seeded by the scenario seed and the document, so both policies meet
the same dice for the same purchase and a run is reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from orchestrator.simulation.world import SupplierPart


@dataclass(frozen=True)
class SupplierQuote:
    """A supplier's answer to an RFQ: lot-sized quantity, price and promised delivery."""

    part: SupplierPart
    quantity: float
    promised: datetime
    lead_days: float


@dataclass(frozen=True)
class PoAnswer:
    """What became of a purchase order: rejected, or accepted with its promised and actual delivery."""

    quote: SupplierQuote
    accepted: bool
    delivered: datetime | None  # when the goods actually arrive (None when rejected)

    @property
    def late(self) -> bool:
        """Whether the goods arrive after the promised date."""
        return self.delivered is not None and self.delivered > self.quote.promised


class Suppliers:
    """Answers RFQs and purchase orders for one run."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.placed = 0

    def quote(self, part: SupplierPart, need: float, now: datetime, document: str) -> SupplierQuote:
        """The supplier's quote for ``need`` units: its lot size, and a lead time drawn for this RFQ."""
        rng = random.Random(f"{self.seed}:quote:{part.supplier}:{part.item}:{document}")
        t = part.lead_days
        days = t.min if t.min == t.max else rng.triangular(t.min, t.max, t.mode)
        return SupplierQuote(part, part.lot.apply(need), now + timedelta(days=days), days)

    def place(self, q: SupplierQuote, document: str) -> PoAnswer:
        """Place a purchase order on a quote: rejected, or accepted with its (possibly late) delivery."""
        self.placed += 1
        rng = random.Random(f"{self.seed}:po:{q.part.supplier}:{q.part.item}:{document}")
        if rng.random() < q.part.reject_rate:
            return PoAnswer(q, False, None)
        slip = 0.0 if rng.random() < q.part.reliability else max(q.lead_days, 0.1) * rng.uniform(0.1, 0.5)
        return PoAnswer(q, True, q.promised + timedelta(days=slip))
