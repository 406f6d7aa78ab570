"""Purchase orders the supplier suite places, and how it makes the supplier ship one now.

Ids are unique per run (``C2M-CONF-<run>-<n>``). Shipping cannot wait weeks of lead time, so the driver
says how to make the supplier despatch a PO at once: ``despatch.admin_url`` (the c2m supplier
simulator's admin API: ``POST {admin_url}/suppliers/{id}/purchase-orders/{po_id}/despatch``), or
``despatch.command`` (a shell command; ``{supplier}`` and ``{po_id}`` are replaced, shell-quoted), or
neither (the suite waits for the supplier to ship on its own within ``ship_timeout``).
"""

from __future__ import annotations

import asyncio
import shlex
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from orchestrator.integration.conformance.outcome import Evidence
from orchestrator.ports.suppliers import (
    AckState,
    PurchaseOrder,
    PurchaseOrderAck,
    PurchaseOrderLine,
    PurchaseOrderStatus,
)

COMMAND_TIMEOUT_SECONDS = 60.0


class Despatch(BaseModel):
    """How to make the supplier ship a PO now (neither: wait for it to ship on its own)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    admin_url: str | None = Field(default=None, description="the supplier simulator's admin root, e.g. "
                                                            "http://127.0.0.1:8102/admin")
    command: str | None = Field(default=None, min_length=1, description="a shell command; {supplier} and "
                                                                        "{po_id} are replaced")

    @field_validator("admin_url")
    @classmethod
    def _http(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return url


class SupplierDriver(BaseModel):
    """How the supplier suite drives the endpoint (the conformance file's ``driver`` section)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item: str = Field(min_length=1, description="an item the supplier sells and accepts orders for")
    quantity: Decimal = Field(default=Decimal(1), gt=0, description="how many to order")
    unit: str = Field(default="pcs", min_length=1, description="the catalog unit of the item")
    need_in_days: float = Field(default=60.0, gt=0, description="the need date, days from now")
    webhook_secret: str = Field(min_length=1, description="the secret the supplier signs ASNs with")
    webhook_host: str = Field(default="127.0.0.1", description="where the suite listens for ASNs")
    webhook_port: int = Field(default=0, ge=0, le=65535, description="0: a free port")
    webhook_public_url: str | None = Field(default=None, pattern=r"^https?://",
                                           description="how the supplier reaches the listener, if not directly")
    despatch: Despatch = Field(default_factory=Despatch)
    ship_timeout: float = Field(default=60.0, gt=0, description="wall seconds for a despatched PO to ship")
    asn_timeout: float = Field(default=30.0, gt=0, description="wall seconds for its ASN to arrive once shipped")
    poll_seconds: float = Field(default=0.2, gt=0, description="wall seconds between status polls")


class OrderMaker:
    """Makes this run's purchase orders for one supplier."""

    def __init__(self, driver: SupplierDriver, supplier: str) -> None:
        self.driver, self.supplier = driver, supplier
        self.run = uuid.uuid4().hex[:8].upper()
        self._n = 0

    def new_id(self) -> str:
        """A PO id no earlier run used."""
        self._n += 1
        return f"C2M-CONF-{self.run}-{self._n}"

    def purchase_order(self, webhook_url: str) -> PurchaseOrder:
        """A one-line PO of the driver's item, its ASNs going to ``webhook_url``."""
        d = self.driver
        now = datetime.now(UTC).replace(microsecond=0)
        return PurchaseOrder(
            po_id=self.new_id(), supplier=self.supplier,
            lines=(PurchaseOrderLine(item=d.item, quantity=d.quantity, unit=d.unit),),
            need_date=now + timedelta(days=d.need_in_days), webhook_url=webhook_url, issued_at=now,
        )


def ack_text(ack: PurchaseOrderAck) -> str:
    """An acknowledgement as the exchanges show it."""
    lines = "; ".join(f"line {line.line_id}: {line.quantity} {line.unit} {line.state.value}"
                      f"{' by ' + line.promised_date.isoformat() if line.promised_date else ''}" for line in ack.lines)
    ref = f", reference {ack.supplier_reference}" if ack.supplier_reference else ""
    return f"{ack.po_id}: {ack.state.value}{ref} ({lines})" + (f", reason {ack.reason!r}" if ack.reason else "")


def status_text(status: PurchaseOrderStatus) -> str:
    """A PO status as the exchanges show it."""
    asns = ", ".join(a.asn_id for a in status.despatch_advices)
    return f"{status.po_id}: {status.state.value}" + (f", ASNs {asns}" if asns else "")


def ack_key(ack: PurchaseOrderAck) -> tuple[object, ...]:
    """What two answers to the same PO must agree on."""
    return (ack.po_id, ack.state, ack.supplier_reference,
            tuple((line.line_id, line.item, line.quantity, line.state, line.promised_date) for line in ack.lines))


def usable(ack: PurchaseOrderAck) -> None:
    """The PO was taken: a rejection means the driver's item cannot be checked with (no verdict)."""
    if ack.state is AckState.REJECTED:
        raise RuntimeError(f"the supplier rejected {ack.po_id} ({ack.reason or 'no reason given'}); choose "
                           "another driver.item or quantity that it accepts")


async def despatch(driver: SupplierDriver, evidence: Evidence, supplier: str, po_id: str) -> None:
    """Make the supplier ship ``po_id`` now, as the driver says (nothing when it says neither)."""
    how = driver.despatch
    if how.admin_url:
        url = f"{how.admin_url.rstrip('/')}/suppliers/{supplier}/purchase-orders/{po_id}/despatch"
        async with httpx.AsyncClient(timeout=10.0) as client:
            response = await client.post(url)
        evidence.note(f"POST {url} (driver: despatch now)", f"{response.status_code} {response.text[:300]}")
        if not response.is_success:
            raise RuntimeError(f"the despatch request was refused: {response.status_code} {response.text[:300]}")
    elif how.command:
        command = how.command.replace("{supplier}", shlex.quote(supplier)).replace("{po_id}", shlex.quote(po_id))
        proc = await asyncio.create_subprocess_shell(command, stdout=asyncio.subprocess.PIPE,
                                                     stderr=asyncio.subprocess.STDOUT)
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), COMMAND_TIMEOUT_SECONDS)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise RuntimeError(f"the despatch command did not end within {COMMAND_TIMEOUT_SECONDS:g} s") from None
        text = out.decode(errors="replace").strip()[-300:]
        evidence.note(f"$ {command} (driver: despatch now)", f"exit {proc.returncode}: {text}")
        if proc.returncode != 0:
            raise RuntimeError(f"the despatch command failed with exit {proc.returncode}: {text}")
