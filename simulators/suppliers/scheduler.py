"""The background loop that despatches, delivers and posts ASNs when they fall due.

It sleeps until the next due plant instant (converted to wall time) or until state changes, so it
reacts within milliseconds without polling. ASN posts run as their own tasks and are retried with
exponential backoff (wall time, capped) until the buyer answers 2xx; each attempt is signed afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time

import httpx

from simulators.suppliers.portal import SupplierPortal
from simulators.suppliers.records import ShipmentRecord
from simulators.suppliers.shipping import advance
from simulators.suppliers.signing import SIGNATURE_HEADER, signature_header

log = logging.getLogger("simulators.suppliers")

MAX_SLEEP_SECONDS = 5.0  # a safety net only: every change wakes the loop at once
BACKOFF_FIRST_SECONDS = 0.2
BACKOFF_MAX_SECONDS = 10.0

ShipmentKey = tuple[str, str, int]


def backoff_seconds(attempts: int, rng: random.Random) -> float:
    """Wall seconds before the next attempt after ``attempts`` failures (exponential, jittered, capped)."""
    base = min(BACKOFF_FIRST_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return base * rng.uniform(0.8, 1.2)


class ShipmentScheduler:
    """Drives despatches, deliveries and ASN posts for the portal."""

    def __init__(self, portal: SupplierPortal, webhook_secret: str, client: httpx.AsyncClient | None = None) -> None:
        self.portal = portal
        self.secret = webhook_secret
        self.client = client or httpx.AsyncClient(timeout=httpx.Timeout(5.0, connect=2.0))
        self._owns_client = client is None
        self._wake = asyncio.Event()
        self._posting: dict[ShipmentKey, asyncio.Task[None]] = {}
        self._task: asyncio.Task[None] | None = None
        self._rng = random.Random(portal.seed)
        portal.advance = lambda now_ts: advance(portal, now_ts)
        portal.on_change(self.poke)

    def poke(self) -> None:
        """Something changed: re-plan the next wake-up."""
        self._wake.set()

    def start(self) -> None:
        """Start the loop on the running event loop."""
        self._task = asyncio.create_task(self._run(), name="supplier-shipments")

    async def stop(self) -> None:
        """Stop the loop and in-flight posts (unfinished posts resume after a restart)."""
        tasks = [t for t in (self._task, *self._posting.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._owns_client:
            await self.client.aclose()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                advance(self.portal, self.portal.now_ts())
                self._start_due_posts()
                delay = self._seconds_to_next_event()
            except Exception:  # keep shipping even if one step hits a bug; it is logged and retried
                log.exception("shipment scheduler step failed")
                delay = 1.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    def _seconds_to_next_event(self) -> float:
        clock, now = self.portal.clock, time.time()
        candidates = [MAX_SLEEP_SECONDS]
        next_plant = self.portal.store.next_plant_event()
        if next_plant is not None:
            wall = clock.epoch + (next_plant - clock.epoch) / clock.scale
            candidates.append(wall - now + 0.001)  # a hair late, so the event is surely due on waking
        next_post = self.portal.store.next_asn_attempt(exclude=set(self._posting))
        if next_post is not None:
            candidates.append(next_post - now)
        return max(min(candidates), 0.0)

    def _start_due_posts(self) -> None:
        for shipment in self.portal.store.asns_due(time.time()):
            if shipment.key not in self._posting:
                task = asyncio.create_task(self._post(shipment), name=f"asn-{shipment.po_id}-{shipment.seq}")
                self._posting[shipment.key] = task

    async def _post(self, shipment: ShipmentRecord) -> None:
        """One attempt to deliver an ASN; the outcome is recorded and the loop re-planned."""
        store = self.portal.store
        po = store.order(shipment.supplier_id, shipment.po_id)
        error: str | None = None
        try:
            if po is None or not po.endpoint or shipment.asn_json is None:
                error = "no DespatchAdviceEndpoint"
            else:
                body = shipment.asn_json.encode()
                headers = {
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: signature_header(self.secret, body, int(time.time())),
                    "User-Agent": "c2m-supplier-simulator",
                }
                response = await self.client.post(po.endpoint, content=body, headers=headers)
                if not response.is_success:
                    error = f"HTTP {response.status_code} from {po.endpoint}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            self._posting.pop(shipment.key, None)
        attempts = shipment.asn_attempts + 1
        if error is None:
            store.update_asn(shipment.key, "acked", attempts, None, None)
            log.info("ASN for %s/%s #%d acknowledged", shipment.supplier_id, shipment.po_id, shipment.seq)
        else:
            retry_at = time.time() + backoff_seconds(attempts, self._rng)
            store.update_asn(shipment.key, "pending", attempts, retry_at, error)
            if attempts & (attempts - 1) == 0:  # log attempts 1, 2, 4, 8 ...: a dead endpoint must not flood
                log.warning("ASN for %s/%s #%d not delivered after %d attempt(s) (%s); retrying",
                            shipment.supplier_id, shipment.po_id, shipment.seq, attempts, error)
        self.poke()
