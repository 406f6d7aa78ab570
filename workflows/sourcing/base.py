"""What every sourcing activity shares: its ports, retrying supplier calls, one transaction per step.

Supplier calls retry "try again later" answers (:class:`SupplierUnavailable`) themselves, a few times
with a short backoff, so that a flaky supplier costs no extra Temporal round trips. Ids and keys
derive from the need id and the attempt, so every side effect can be repeated safely.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy.engine import Connection, Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from orchestrator.clock import PlantClock
from orchestrator.inventory.choice import ChoiceWeights
from orchestrator.inventory.lot_sizing import LotSizingRule
from orchestrator.observability.supplier_calls import MeteredSupplierPort
from orchestrator.observability.worker_metrics import current_meter
from orchestrator.persistence.events import NewEvent
from orchestrator.ports.suppliers import SupplierDirectory, SupplierPort, SupplierUnavailable, UnknownSupplier
from workflows.sourcing.messages import NeedRef

T = TypeVar("T")


def document_id(prefix: str, need_id: str, n: int) -> str:
    """A supplier-safe document id for a need's ``n``-th RFQ or PO (need ids may hold any character)."""
    return f"{prefix}-{hashlib.sha256(need_id.encode()).hexdigest()[:16].upper()}-{n}"


def idempotency_key(need: NeedRef, attempt: int) -> str:
    """The PO's idempotency key: order, need and attempt (hashed when that would be too long)."""
    key = f"c2m:{need.order_id}:{need.need_id}:po-{attempt}"
    return key if len(key) <= 200 else f"c2m:{hashlib.sha256(key.encode()).hexdigest()}"


class ActivityBase:
    """The ports and helpers of the sourcing activities."""

    def __init__(
        self,
        suppliers: SupplierDirectory,
        engine: Engine,
        clock: PlantClock,
        webhook_url: str,
        lot_rules: Mapping[tuple[str, str], LotSizingRule] | None = None,
        weights: ChoiceWeights | None = None,
        call_attempts: int = 5,
        backoff_seconds: float = 0.2,
        persist_seconds: float = 30.0,
    ) -> None:
        self.suppliers = suppliers
        self.engine = engine
        self.clock = clock
        self.webhook_url = webhook_url
        self.lot_rules = dict(lot_rules or {})
        self.weights = weights or ChoiceWeights()
        self.call_attempts = max(1, call_attempts)
        self.backoff_seconds = backoff_seconds
        self.persist_seconds = persist_seconds

    async def _retrying(self, call: Callable[[], Awaitable[T]], persist: bool = False) -> T:
        """Run a supplier call, retrying SupplierUnavailable with exponential backoff; re-raise the last.

        ``persist`` keeps retrying for ``persist_seconds`` rather than ``call_attempts`` times: for calls
        whose idempotency key makes repeating safe and giving up costly (placing and cancelling a PO).
        """
        deadline = time.monotonic() + self.persist_seconds
        n = 0
        while True:
            try:
                return await call()
            except SupplierUnavailable:
                n += 1
                if n >= self.call_attempts and (not persist or time.monotonic() >= deadline):
                    raise
            if activity.in_activity():
                activity.heartbeat(n)
            await asyncio.sleep(min(self.backoff_seconds * 2 ** (n - 1), 2.0))

    def _port(self, supplier: str) -> SupplierPort:
        """The supplier's port; a supplier missing from the configuration is a non-retryable error."""
        try:
            port = self.suppliers.supplier(supplier)
        except UnknownSupplier as exc:
            raise ApplicationError(str(exc), type="UnknownSupplier", non_retryable=True) from exc
        return MeteredSupplierPort(port, current_meter())  # every call counted on the worker's /metrics

    async def _write(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` in one transaction, off the event loop."""

        def run() -> T:
            with self.engine.begin() as conn:
                return fn(conn)

        return await asyncio.to_thread(run)

    def _lot(self, supplier: str, item: str, quantity: float) -> float:
        rule = self.lot_rules.get((supplier, item))
        return rule.apply(quantity) if rule else quantity

    def _plant_now(self) -> datetime:
        return self.clock.now().replace(microsecond=0)


def event_for(need: NeedRef, kind: str, key: str, now: datetime, payload: dict[str, object]) -> NewEvent:
    dedupe = f"{need.need_id}:{kind}:{key}"
    if len(dedupe) > 200:
        dedupe = f"{kind}:{hashlib.sha256(dedupe.encode()).hexdigest()}"
    return NewEvent(kind=kind, plant_time=now, order_id=need.order_id,
                    payload={"need_id": need.need_id, **payload}, dedupe_key=dedupe)


def dec(value: float) -> Decimal:
    return Decimal(str(value))
