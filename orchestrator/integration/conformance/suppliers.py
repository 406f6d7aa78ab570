"""The supplier suite: what the sourcing workflow relies on when it buys from a supplier.

1. ``suppliers.unknown-po``: the status or cancellation of a PO the supplier never got raises
   :class:`PurchaseOrderNotFound`.
2. ``suppliers.place-idempotent``: placing a PO again with the same idempotency key returns the first
   answer and no second order; the key reused for another PO raises :class:`IdempotencyConflict`.
3. ``suppliers.cancel``: an unshipped PO cancels (and cancelling again is harmless); once it has
   shipped, cancelling raises :class:`CancelRefused` and the PO stays shipped.
4. ``suppliers.asn-signed``: the ASN of a shipped PO is posted to the PO's webhook URL, signed with the
   shared secret the way ``orchestrator.webhooks.verify`` checks it (fresh, over the exact body), reads
   as a DespatchAdvice of that PO through the adapter's ``read_despatch_advice`` (as the API reads the
   supplier's webhooks), and is listed in the PO's status. An adapter without a reader gets ``error``
   on this rule before anything is placed: c2m cannot read its suppliers' ASN webhooks, so there is
   nothing to check, and the run does not pass.

Each rule listens for ASNs on its own receiver (POs it places name it), and cancels what it left open.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from orchestrator.integration.conformance.calls import ask, expect_refusal, poll
from orchestrator.integration.conformance.outcome import Evidence, Rule, RuleBroken
from orchestrator.integration.conformance.runner import open_port
from orchestrator.integration.conformance.supplier_orders import (
    OrderMaker,
    SupplierDriver,
    ack_key,
    ack_text,
    despatch,
    status_text,
    usable,
)
from orchestrator.integration.conformance.webhook_receiver import ReceivedWebhook, WebhookReceiver
from orchestrator.integration.despatch_advice import reader_of
from orchestrator.integration.spec import AdapterContext, AdapterSpec
from orchestrator.ports.suppliers import (
    CancelRefused,
    IdempotencyConflict,
    PurchaseOrder,
    PurchaseOrderAck,
    PurchaseOrderNotFound,
    PurchaseOrderState,
    PurchaseOrderStatus,
    SupplierError,
    SupplierPort,
    SupplierUnavailable,
)
from orchestrator.webhooks import SIGNATURE_HEADER, WebhookSignatureError, verify

DRIVER = SupplierDriver
RETRY_LATER = (SupplierUnavailable,)
SHIPPED = (PurchaseOrderState.SHIPPED, PurchaseOrderState.DELIVERED)


class _Suite:
    """The rules' shared parts: the adapter, its settings and context, the driver and this run's POs."""

    def __init__(self, adapter: AdapterSpec[Any], settings: BaseModel, context: AdapterContext,
                 driver: SupplierDriver) -> None:
        self.adapter, self.settings, self.context, self.driver = adapter, settings, context, driver
        self.orders = OrderMaker(driver, context.target)

    @contextlib.asynccontextmanager
    async def supplier(self) -> AsyncIterator[tuple[SupplierPort, WebhookReceiver, list[str]]]:
        """The port, a listening ASN receiver, and a list of PO ids to cancel (quietly) at the end."""
        d = self.driver
        async with (open_port(self.adapter, self.settings, self.context) as port,
                    WebhookReceiver(d.webhook_host, d.webhook_port, d.webhook_public_url) as receiver):
            placed: list[str] = []
            try:
                yield port, receiver, placed
            finally:
                for po_id in placed:
                    with contextlib.suppress(Exception):
                        await port.cancel_order(po_id, "c2m conformance check")

    async def place(self, ev: Evidence, port: SupplierPort, po: PurchaseOrder, key: str) -> PurchaseOrderAck:
        return await ask(ev, f"place_order({po.po_id}, {po.lines[0].quantity} {po.lines[0].item}, "
                             f"idempotency_key={key!r})", port.place_order(po, key), ack_text)

    async def shipped(self, ev: Evidence, port: SupplierPort, receiver: WebhookReceiver,
                      placed: list[str]) -> PurchaseOrderStatus:
        """A PO placed, despatched as the driver says, and reported shipped by the supplier."""
        po = self.orders.purchase_order(receiver.url)
        placed.append(po.po_id)
        usable(await self.place(ev, port, po, f"{po.po_id}-1"))
        await despatch(self.driver, ev, self.context.target, po.po_id)
        return await poll(ev, f"order_status({po.po_id!r})", lambda: port.order_status(po.po_id),
                          lambda s: s.state in SHIPPED, self.driver.ship_timeout, f"{po.po_id} shipped",
                          status_text, self.driver.poll_seconds, seen=lambda s: s.state)

    # -- the rules -------------------------------------------------------------------------------

    async def unknown_po(self, ev: Evidence) -> str:
        ghost = self.orders.new_id()
        async with open_port(self.adapter, self.settings, self.context) as port:
            await expect_refusal(ev, f"order_status({ghost!r})", port.order_status(ghost), PurchaseOrderNotFound,
                                 RETRY_LATER, status_text)
            await expect_refusal(ev, f"cancel_order({ghost!r})", port.cancel_order(ghost), PurchaseOrderNotFound,
                                 RETRY_LATER, status_text)
        return "status and cancel of an unknown PO raised PurchaseOrderNotFound"

    async def place_idempotent(self, ev: Evidence) -> str:
        async with self.supplier() as (port, receiver, placed):
            po = self.orders.purchase_order(receiver.url)
            key = f"{po.po_id}-1"
            placed.append(po.po_id)
            first = await self.place(ev, port, po, key)
            try:
                again = await self.place(ev, port, po, key)
            except SupplierError as exc:
                if isinstance(exc, SupplierUnavailable):
                    raise
                raise RuleBroken(f"placing {po.po_id} again with the same key raised {type(exc).__name__}: "
                                 f"{exc}, instead of answering as the first time") from exc
            if ack_key(again) != ack_key(first):
                raise RuleBroken(f"the repeat answered {ack_text(again)}; the first answer was {ack_text(first)}")
            status = await ask(ev, f"order_status({po.po_id!r})", port.order_status(po.po_id), status_text)
            if status.state is PurchaseOrderState.CANCELLED:
                raise RuleBroken(f"after placing twice the PO reads {status_text(status)}")
            other = self.orders.purchase_order(receiver.url)
            placed.append(other.po_id)
            await expect_refusal(ev, f"place_order({other.po_id}, idempotency_key={key!r}) (another PO, same key)",
                                 port.place_order(other, key), IdempotencyConflict, RETRY_LATER, ack_text)
        return f"the repeat answered {ack_text(again)} as the first; the key reused for another PO was refused"

    async def cancel(self, ev: Evidence) -> str:
        async with self.supplier() as (port, receiver, placed):
            po = self.orders.purchase_order(receiver.url)
            placed.append(po.po_id)
            usable(await self.place(ev, port, po, f"{po.po_id}-1"))
            for attempt in ("", " again"):
                status = await ask(ev, f"cancel_order({po.po_id!r}){attempt}", port.cancel_order(po.po_id),
                                   status_text)
                if status.state is not PurchaseOrderState.CANCELLED:
                    raise RuleBroken(f"an unshipped PO cancelled{attempt} reads {status_text(status)}, "
                                     "expected cancelled")
            shipped = await self.shipped(ev, port, receiver, placed)
            await expect_refusal(ev, f"cancel_order({shipped.po_id!r}) (shipped)", port.cancel_order(shipped.po_id),
                                 CancelRefused, RETRY_LATER, status_text)
            after = await ask(ev, f"order_status({shipped.po_id!r})", port.order_status(shipped.po_id), status_text)
            if after.state not in SHIPPED:
                raise RuleBroken(f"after the refused cancel the PO reads {status_text(after)}, expected it shipped")
            # Let its ASN arrive while the receiver listens, so the supplier is not left retrying (no verdict).
            needle = shipped.po_id.encode()
            await receiver.wait_for(lambda w: needle in w.body, self.driver.asn_timeout)
        return f"unshipped: cancelled twice; shipped: CancelRefused, still {after.state.value}"

    async def asn_signed(self, ev: Evidence) -> str:
        d = self.driver
        read = reader_of(self.adapter, self.context.target)  # none: NoDespatchAdviceReader, an error outcome
        async with self.supplier() as (port, receiver, placed):
            shipped = await self.shipped(ev, port, receiver, placed)
            needle = shipped.po_id.encode()
            webhook = await receiver.wait_for(lambda w: needle in w.body, d.asn_timeout)
            if webhook is None:
                raise RuleBroken(f"no ASN for {shipped.po_id} arrived at {receiver.url} within {d.asn_timeout:g} s "
                                 f"of it shipping ({len(receiver.received)} other webhook(s) arrived)")
            ev.note(f"(the supplier posted to {receiver.url})", _webhook_text(webhook))
            try:
                verify(d.webhook_secret, webhook.headers.get(SIGNATURE_HEADER.lower()), webhook.body, time.time())
            except WebhookSignatureError as exc:
                raise RuleBroken(f"the ASN's signature is refused: {exc}") from exc
            try:
                asn = read(webhook.body)
            except SupplierError as exc:
                raise RuleBroken(f"the {self.adapter.name} reader cannot read the ASN as a DespatchAdvice: "
                                 f"{exc.detail}") from exc
            if asn.po_id != shipped.po_id:
                raise RuleBroken(f"the ASN refers to PO {asn.po_id!r}, not {shipped.po_id!r}")
            if asn.supplier != self.context.target:
                raise RuleBroken(f"the ASN names supplier {asn.supplier!r}, not {self.context.target!r}: c2m refuses "
                                 "it at the supplier's webhook URL")
            status = await ask(ev, f"order_status({shipped.po_id!r})", port.order_status(shipped.po_id), status_text)
            if asn.asn_id not in [a.asn_id for a in status.despatch_advices]:
                raise RuleBroken(f"the PO's status does not list the ASN {asn.asn_id} that was posted "
                                 f"({status_text(status)})")
        return f"ASN {asn.asn_id} of {asn.po_id} arrived signed (verified), and the PO's status lists it"


def _webhook_text(webhook: ReceivedWebhook) -> str:
    signature = webhook.headers.get(SIGNATURE_HEADER.lower(), "(none)")
    body = webhook.body.decode(errors="replace")
    return f"POST {webhook.path}, {SIGNATURE_HEADER}: {signature}, body: {body[:300]}{'…' if len(body) > 300 else ''}"


def rules(adapter: AdapterSpec[Any], settings: BaseModel, context: AdapterContext,
          driver: SupplierDriver) -> list[Rule]:
    """The supplier rules, in the order they run."""
    s = _Suite(adapter, settings, context, driver)
    checks: list[tuple[str, str, Callable[[Evidence], Awaitable[str]]]] = [
        ("suppliers.unknown-po",
         "order_status and cancel_order of a PO the supplier never got raise PurchaseOrderNotFound", s.unknown_po),
        ("suppliers.place-idempotent",
         "placing a PO again with the same idempotency key answers as the first time and creates no second "
         "order; the key reused for another PO raises IdempotencyConflict", s.place_idempotent),
        ("suppliers.cancel",
         "an unshipped PO cancels, and cancelling again answers cancelled; once shipped, cancel_order raises "
         "CancelRefused and the PO stays shipped", s.cancel),
        ("suppliers.asn-signed",
         f"a shipped PO's ASN is posted to its webhook URL with an {SIGNATURE_HEADER} that verifies under the "
         "shared secret (fresh, over the exact body), reads as a DespatchAdvice of the PO, and is listed in "
         "its status", s.asn_signed),
    ]
    return [Rule(name, expected, check) for name, expected, check in checks]
