"""Fault modes of a simulated supplier, and the per-request decision they lead to.

Rates are probabilities in [0, 1]. ``latency_ms``, ``error_rate`` and ``down`` act on every request to
the supplier's endpoints; ``reject_rate`` on purchase orders; ``partial_shipment_rate``,
``late_asn_rate``/``late_by_days`` and ``lost_asn_rate`` when a shipment falls due.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field


class Faults(BaseModel):
    """Injected misbehaviour of one supplier; all off by default."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: int = Field(default=0, ge=0, le=60_000, description="each answer waits uniformly 0..this")
    error_rate: float = Field(default=0.0, ge=0, le=1, description="share of requests answered with a 5xx")
    reject_rate: float = Field(default=0.0, ge=0, le=1, description="share of purchase orders rejected (RE)")
    partial_shipment_rate: float = Field(
        default=0.0, ge=0, le=1, description="share of shipments sent in two parts"
    )
    late_asn_rate: float = Field(
        default=0.0, ge=0, le=1, description="share of shipments (and so their ASN) that slip"
    )
    late_by_days: float = Field(default=2.0, ge=0, description="plant days a late shipment slips")
    lost_asn_rate: float = Field(
        default=0.0, ge=0, le=1, description="share of ASNs never posted (the PO status still shows them)"
    )
    down: bool = Field(default=False, description="every request to the supplier answers 503")


@dataclass(frozen=True)
class RequestFate:
    """What the fault modes do to one request."""

    delay_seconds: float = 0.0
    status_before: int | None = None  # answer this 5xx without doing anything
    status_after: int | None = None  # do the work, then answer this 5xx (the caller never learns the result)

    @property
    def fails(self) -> bool:
        """True when the caller gets a 5xx either way."""
        return self.status_before is not None or self.status_after is not None


def request_fate(faults: Faults, rng: random.Random) -> RequestFate:
    """Roll the dice for one request. Half of the injected errors strike after the work is done,
    which is the case that makes idempotency keys necessary."""
    if faults.down:
        return RequestFate(status_before=503)
    delay = rng.uniform(0, faults.latency_ms / 1000) if faults.latency_ms else 0.0
    if faults.error_rate and rng.random() < faults.error_rate:
        status = rng.choice((500, 502, 503))
        if rng.random() < 0.5:
            return RequestFate(delay_seconds=delay, status_before=status)
        return RequestFate(delay_seconds=delay, status_after=status)
    return RequestFate(delay_seconds=delay)
