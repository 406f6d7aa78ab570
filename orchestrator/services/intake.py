"""Order intake: validate and price through the catalog, promise a date, store, start the workflow."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from orchestrator.catalog.model import Catalog
from orchestrator.catalog.promise import Promise, Promiser
from orchestrator.catalog.quote import Quote, quote
from orchestrator.catalog.values import ConfigError
from orchestrator.clock import PlantClock
from orchestrator.orders.approval import ApprovalPolicy, approval_reasons
from orchestrator.persistence.audit_repo import AuditEntry
from orchestrator.persistence.events import NewEvent
from orchestrator.persistence.orders_repo import insert_order, order_by_idempotency_key
from orchestrator.persistence.tables.orders import OrderRow
from orchestrator.security.keys import vault_for
from orchestrator.security.vault import Vault
from orchestrator.settings import Settings
from workflows.contracts import ClockSpec
from workflows.order.types import OrderInput, OrderPolicy


class InvalidOrder(ValueError):
    """The configuration breaks the catalog's rules; ``errors`` names every problem."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s) with the configuration")


@dataclass(frozen=True)
class NewOrder:
    """The fields of an accepted request the intake needs (kept free of HTTP types)."""

    sku: str
    options: dict
    quantity: int
    customer_id: str
    customer: dict
    special_requests: str | None
    notify_url: str | None
    priority: int = 0
    consent: dict | None = None
    placed_by: tuple[str, str] = ("anonymous", "none")  # (actor, role) for the audit log


@dataclass(frozen=True)
class Intake:
    """The collaborators of intake, built once by the API's composition root."""

    engine: Engine
    catalog: Catalog
    promiser: Promiser
    clock: PlantClock
    settings: Settings
    # Promise and store one order at a time: a promise counts the stock that the orders stored before it
    # hold (``inventory_repo.holds``), so two promises side by side would both count the same free stock.
    promising: asyncio.Lock = field(default_factory=asyncio.Lock, compare=False, repr=False)

    @cached_property
    def vault(self) -> Vault:
        """Seals the order's personal fields at rest (the settings' keys, the catalog's personal options)."""
        return vault_for(self.settings, self.catalog)

    async def place(self, order: NewOrder, idempotency_key: str | None, temporal: Client) -> tuple[OrderRow, bool]:
        """Store the order and start its workflow. A repeated idempotency key returns the first order."""
        if idempotency_key:
            # Keys are the client's own: scoped to the customer, two customers' "1" are two orders.
            idempotency_key = f"{order.customer_id}|{idempotency_key}"
            existing = await asyncio.to_thread(order_by_idempotency_key, self.engine, idempotency_key, self.vault)
            if existing is not None:
                await self._start(existing, temporal)
                return existing, False
        q = quote(self.catalog, order.sku, order.options, order.quantity)
        if not q.valid or q.price is None:
            raise InvalidOrder(list(q.errors))
        async with self.promising:
            now = self.clock.now()
            promise = await self.promiser.promise(q.routing, q.bom, order.quantity, now)
            row, received, placed = self._records(order, q, promise, idempotency_key, now)
            stored, created = await asyncio.to_thread(insert_order, self.engine, row, received, self.vault, placed)
        await self._start(stored, temporal)
        return stored, created

    def _records(self, order: NewOrder, q: Quote, promise: Promise, idempotency_key: str | None,
                 now: datetime) -> tuple[OrderRow, NewEvent, AuditEntry]:
        """The order's row (its promise and the stock it counted), its ``received`` event and audit entry."""
        assert q.price is not None  # a valid quote is priced
        wall_now = datetime.now(UTC)
        row = OrderRow(
            id=f"ORD-{secrets.token_hex(4).upper()}",
            sku=order.sku,
            options=dict(q.configuration.options),
            quantity=order.quantity,
            customer_id=order.customer_id,
            customer=order.customer,
            special_requests=order.special_requests,
            notify_url=order.notify_url,
            stage="received",
            price_total=float(q.price.total),
            currency=q.price.currency,
            promised_date=promise.promised_at,
            eta=promise.promised_at,
            idempotency_key=idempotency_key,
            tracking_token=secrets.token_urlsafe(24),
            consent=order.consent,
            plan={"promise": {"method": promise.method, "summary": promise.summary,
                              "from_stock": from_stock(promise)}},
            created_at=wall_now,
            updated_at=wall_now,
        )
        received = NewEvent(kind="stage", plant_time=now, order_id=row.id,
                            payload={"stage": "received", "promised_date": promise.promised_at.isoformat(),
                                     "price_total": row.price_total, "currency": row.currency},
                            dedupe_key=f"{row.id}:received")
        placed = AuditEntry(order.placed_by[0], order.placed_by[1], "order.place", f"order:{row.id}", None,
                            {"sku": row.sku, "quantity": row.quantity, "customer_id": row.customer_id,
                             "price_total": row.price_total, "consent": bool(order.consent)})
        return row, received, placed

    def workflow_input(self, row: OrderRow) -> OrderInput:
        """What the order workflow starts with."""
        s = self.settings
        policy = ApprovalPolicy(value_threshold=s.approval_value_threshold, max_quantity=s.approval_max_quantity)
        return OrderInput(
            order_id=row.id, sku=row.sku, options=row.options, quantity=row.quantity, customer_id=row.customer_id,
            special_requests=row.special_requests, notify_url=row.notify_url,
            promised_date=_aware(row.promised_date),
            approval_reasons=approval_reasons(row.special_requests, row.price_total, row.quantity, policy),
            clock=ClockSpec(epoch=self.clock.epoch, scale=self.clock.scale),
            policy=OrderPolicy(approval_escalation_hours=s.approval_escalation_hours,
                               delay_margin_hours=s.delay_margin_hours, quality_check_hours=s.quality_check_hours,
                               packing_hours=s.packing_hours, transit_hours=s.transit_hours),
        )

    async def _start(self, row: OrderRow, temporal: Client) -> None:
        # USE_EXISTING makes this safe to repeat: a retried POST never starts a second workflow.
        await temporal.start_workflow(
            "Order", self.workflow_input(row), id=row.id, task_queue=self.settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )


def from_stock(promise: Promise) -> dict[str, float]:
    """What the promise counted from free stock, per item: held for the order until it reserves
    (``inventory_repo.holds``)."""
    counted: dict[str, float] = {}
    for m in promise.material:
        if m.covered_by_stock:
            counted[m.item] = counted.get(m.item, 0.0) + float(m.quantity)
    return counted


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
