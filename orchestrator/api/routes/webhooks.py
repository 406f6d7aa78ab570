"""Suppliers' ASNs, verified, read by the supplier's adapter and forwarded to their sourcing workflow.

``POST /api/webhooks/suppliers/{supplier_id}/despatch-advice`` is a supplier's own URL: its body is read
by the ``read_despatch_advice`` of the adapter the supplier file names for that supplier, so a supplier
may send ASNs in its own format. ``POST /api/webhooks/despatch-advice`` is the shared URL (our simulator
and existing senders): the supplier the document names decides the reader, the default adapter's
(``ubl-http``) reads documents of suppliers that are not configured. Both go through the same steps:

1. The ``X-C2M-Signature`` header must be a fresh HMAC of the exact body under ``C2M_WEBHOOK_SECRET``
   and must not have been accepted before: 401 otherwise (logged), so a forged, stale or replayed
   request changes nothing.
2. The body is read as a DespatchAdvice by the adapter's reader (422 when it is not one, when the
   supplier's adapter has no reader, or when it names another supplier than the URL's; 404 for a
   supplier id the supplier file does not know).
3. The PO is looked up in ``purchase_orders`` (404 when it is not ours); the ASN is noted on it and
   recorded as an ``asn_received`` event, idempotently.
4. The PO's sourcing workflow gets the ``asn_received`` signal. A workflow that has finished (the need
   was cancelled) is not an error: the ASN is recorded, 200. When Temporal cannot be reached the answer
   is 503 and the supplier retries (its retry is not taken for a replay).

Every delivery, accepted or refused, is noted in the adapter journal (the integrator page).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, HTTPException, Request
from temporalio.service import RPCError, RPCStatusCode

from orchestrator.api.errors import answers
from orchestrator.api.temporal import get_temporal
from orchestrator.clock import PlantClock
from orchestrator.integration.despatch_advice import (
    NoDespatchAdviceReader,
    SupplierMismatch,
    read_for_document,
    read_for_supplier,
)
from orchestrator.integration.suppliers import SupplierConfig, load_supplier_configs
from orchestrator.inventory.supplier_list import SupplierFileError
from orchestrator.persistence import purchasing_repo
from orchestrator.ports.journal import AdapterKind, AdapterMessage, Direction, clip_body
from orchestrator.ports.suppliers import DespatchAdvice, SupplierProtocolError
from orchestrator.settings import Settings
from orchestrator.webhooks import DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER, WebhookSignatureError, verify

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])
log = logging.getLogger("c2m.webhooks")
ASN_SIGNAL = "asn_received"
ENDPOINT = "despatch-advice"
#: Reads a verified body into a DespatchAdvice, or raises the HTTPException that refuses it.
Reader = Callable[[bytes], Awaitable[DespatchAdvice]]


@router.post("/despatch-advice", summary="A supplier's despatch advice (ASN), read by the supplier it names",
             responses=answers(401, 404, 422, 503, s404="the purchase order is not one this buyer placed"))
async def despatch_advice(request: Request) -> dict[str, str]:
    """Verify, record and forward an ASN to the sourcing workflow of its purchase order."""

    async def read(body: bytes) -> DespatchAdvice:
        configs = await _supplier_configs(request)
        return _read(lambda: read_for_document(configs, body))

    return await _deliver(request, read)


@router.post("/suppliers/{supplier_id}/despatch-advice",
             summary="A supplier's despatch advice (ASN), read by that supplier's adapter",
             responses=answers(401, 404, 422, 503,
                               s404="the supplier is not in the supplier file, or the purchase order is not ours"))
async def supplier_despatch_advice(supplier_id: str, request: Request) -> dict[str, str]:
    """Verify an ASN, read it with the supplier's adapter, record and forward it (as the shared URL does)."""

    async def read(body: bytes) -> DespatchAdvice:
        configs = await _supplier_configs(request)
        config = configs.get(supplier_id)
        if config is None:
            known = ", ".join(sorted(configs)) or "none"
            raise HTTPException(404, f"no supplier {supplier_id!r} in the supplier file (its suppliers: {known}); "
                                     "post to the URL of the supplier that sends the despatch advice")
        return _read(lambda: read_for_supplier(config, body))

    return await _deliver(request, read)


async def _supplier_configs(request: Request) -> Mapping[str, SupplierConfig]:
    """The supplier file's suppliers with their adapters, read once per app (they choose the readers)."""
    configs: dict[str, SupplierConfig] | None = getattr(request.app.state, "supplier_configs", None)
    if configs is None:
        settings: Settings = request.app.state.settings
        try:
            loaded = await asyncio.to_thread(load_supplier_configs, settings.suppliers_file,
                                             settings.resolved_suppliers_url)
        except SupplierFileError as exc:
            raise HTTPException(500, f"the supplier file is refused, so no ASN can be read: {exc}") from exc
        configs = request.app.state.supplier_configs = {c.supplier_id: c for c in loaded}
    return configs


def _read(read: Callable[[], DespatchAdvice]) -> DespatchAdvice:
    """Run an adapter's reading, its refusals turned into 422 answers that say why."""
    try:
        return read()
    except SupplierProtocolError as exc:
        raise HTTPException(422, f"not a readable DespatchAdvice: {exc.detail}") from exc
    except (NoDespatchAdviceReader, SupplierMismatch) as exc:
        raise HTTPException(422, str(exc)) from exc
    except ValueError as exc:  # an adapter's reader that lets its parser's complaint through
        raise HTTPException(422, f"not a readable DespatchAdvice: {exc}") from exc


async def _deliver(request: Request, read: Reader) -> dict[str, str]:
    """Receive one delivery and note it, accepted or refused, in the adapter journal."""
    body = await request.body()
    try:
        answer = await _receive(request, body, read)
    except HTTPException as exc:
        _journal(request, body, exc.status_code, str(exc.detail))
        raise
    except Exception:
        _journal(request, body, 500, "internal error")
        raise
    _journal(request, body, 200, answer["status"])
    return answer


def _journal(request: Request, body: bytes, status: int, outcome: str) -> None:
    """Note the delivery in the adapter journal (the integrator page), when the app keeps one."""
    journal = getattr(request.app.state, "adapter_journal", None)
    if journal is not None:
        journal.record(AdapterMessage(AdapterKind.WEBHOOK, ENDPOINT, Direction.RECEIVED,
                                      f"POST {request.url.path} → {status}: {outcome}", clip_body(body),
                                      ok=status < 400))


async def _receive(request: Request, body: bytes, read: Reader) -> dict[str, str]:
    settings: Settings = request.app.state.settings
    engine = request.app.state.engine
    header = request.headers.get(SIGNATURE_HEADER)
    peer = request.client.host if request.client else "?"
    try:
        verify(settings.webhook_secret, header, body, time.time())
    except WebhookSignatureError as exc:
        log.warning("refused despatch advice from %s: %s", peer, exc)
        raise HTTPException(401, f"signature refused: {exc}") from exc
    digest = hashlib.sha256((header or "").encode()).hexdigest()
    keep = timedelta(seconds=2 * DEFAULT_TOLERANCE_SECONDS)
    fresh = await asyncio.to_thread(
        purchasing_repo.remember_signature, engine, digest, ENDPOINT, datetime.now(UTC), keep)
    if not fresh:
        log.warning("refused replayed despatch advice from %s", peer)
        raise HTTPException(401, "signature refused: this signed request was already accepted (replay)")
    try:
        return await _accept(request, settings, await read(body))
    except BaseException:
        # Not processed: the sender's retry of these exact bytes must not count as a replay.
        await asyncio.to_thread(purchasing_repo.forget_signature, engine, digest)
        raise


async def _accept(request: Request, settings: Settings, asn: DespatchAdvice) -> dict[str, str]:
    engine = request.app.state.engine
    plant_now = _plant_clock(settings).now()

    def record() -> purchasing_repo.PurchaseOrderRow | None:
        with engine.begin() as conn:
            return purchasing_repo.record_asn(conn, asn, plant_now)

    po = await asyncio.to_thread(record)
    if po is None:
        raise HTTPException(
            404, f"despatch advice {asn.asn_id} refers to purchase order {asn.po_id!r} of supplier "
                 f"{asn.supplier!r}, which this buyer never placed; check the OrderReference",
        )
    delivered = await _signal(request, po.workflow_id, asn)
    log.info("despatch advice %s for %s (%s) %s", asn.asn_id, asn.po_id, asn.supplier, delivered)
    return {"status": delivered, "po_id": asn.po_id, "asn_id": asn.asn_id, "workflow_id": po.workflow_id}


async def _signal(request: Request, workflow_id: str, asn: DespatchAdvice) -> str:
    client = await get_temporal(request)
    try:
        await client.get_workflow_handle(workflow_id).signal(ASN_SIGNAL, asn)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return "recorded"  # the sourcing workflow has finished (e.g. cancelled): nothing to wake
        raise HTTPException(503, f"the workflow engine did not take the ASN ({exc.status.name}); retry") from exc
    return "forwarded"


def _plant_clock(settings: Settings) -> PlantClock:
    if settings.clock_epoch is None:
        return PlantClock(0.0, 1.0)  # unscaled: plant time is wall time
    return PlantClock(settings.clock_epoch, settings.time_scale)
