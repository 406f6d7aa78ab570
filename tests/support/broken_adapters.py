"""Adapters with one deliberate bug each, for proving that the conformance suite catches it.

- ``b2mml-http-new-id-on-repeat`` (MES): releasing a work order it has released before sends it under
  another JobOrderID, so the MES gets a second job: breaks ``mes.release-idempotent``.
- ``b2mml-http-waiting-as-ready`` (MES): reports ``waiting`` jobs as ``ready``: breaks ``mes.status-states``.
- ``ubl-http-fresh-key`` (supplier): places every PO with a fresh idempotency key, so a retry is a new
  request: breaks ``suppliers.place-idempotent``.

:func:`broken_adapters_installed` registers them next to the installed adapters (as entry points would)
for the duration of a block, without installing a package.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import EntryPoint
from typing import Any
from unittest import mock

from adapters.mes import HttpMesAdapter
from adapters.mes.spec import B2mmlHttpSettings
from adapters.suppliers.http import HttpSupplierAdapter
from adapters.suppliers.spec import UBL_HTTP, UblHttpSettings
from orchestrator.integration import registry
from orchestrator.integration.spec import AdapterContext, AdapterSpec
from orchestrator.ports.journal import AdapterKind
from orchestrator.ports.mes import WorkOrder, WorkOrderState, WorkOrderStatus
from orchestrator.ports.suppliers import PurchaseOrder, PurchaseOrderAck


class NewIdOnRepeat(HttpMesAdapter):
    """Bug: a repeated release goes out under a new JobOrderID."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sent: set[str] = set()

    async def release(self, work_orders: Sequence[WorkOrder]) -> list[WorkOrderStatus]:
        renamed = [w.model_copy(update={"id": f"{w.id}-again"}) if w.id in self._sent else w for w in work_orders]
        self._sent.update(w.id for w in work_orders)
        return await super().release(renamed)


def _waiting_as_ready(status: WorkOrderStatus) -> WorkOrderStatus:
    if status.state is WorkOrderState.WAITING:
        return status.model_copy(update={"state": WorkOrderState.READY})
    return status


class WaitingAsReady(HttpMesAdapter):
    """Bug: the MES's Waiting is mapped to our ``ready``."""

    async def release(self, work_orders: Sequence[WorkOrder]) -> list[WorkOrderStatus]:
        return [_waiting_as_ready(s) for s in await super().release(work_orders)]

    async def status(self, work_order_id: str) -> WorkOrderStatus:
        return _waiting_as_ready(await super().status(work_order_id))

    async def statuses(self, work_order_ids: Sequence[str]) -> list[WorkOrderStatus]:
        return [_waiting_as_ready(s) for s in await super().statuses(work_order_ids)]

    async def withdraw(self, work_order_id: str, stop_if_running: bool = False) -> WorkOrderStatus:
        return _waiting_as_ready(await super().withdraw(work_order_id, stop_if_running))


class FreshKeyEachCall(HttpSupplierAdapter):
    """Bug: every placement carries a new idempotency key, so a retry is not recognised as one."""

    async def place_order(self, po: PurchaseOrder, idempotency_key: str) -> PurchaseOrderAck:
        return await super().place_order(po, f"{idempotency_key}-{uuid.uuid4().hex[:6]}")


def _mes(cls: type[HttpMesAdapter]) -> Any:
    def build(settings: B2mmlHttpSettings, context: AdapterContext) -> HttpMesAdapter:
        return cls(settings.endpoint or context.default_endpoint or "", timeout=settings.timeout)
    return build


def _fresh_key(settings: UblHttpSettings, context: AdapterContext) -> HttpSupplierAdapter:
    return FreshKeyEachCall(context.target, settings.endpoint or context.default_endpoint or "")


NEW_ID_ON_REPEAT: AdapterSpec[B2mmlHttpSettings] = AdapterSpec(
    "b2mml-http-new-id-on-repeat", AdapterKind.MES, B2mmlHttpSettings, _mes(NewIdOnRepeat),
    "b2mml-http with a bug: a repeated release gets a new JobOrderID")
WAITING_AS_READY: AdapterSpec[B2mmlHttpSettings] = AdapterSpec(
    "b2mml-http-waiting-as-ready", AdapterKind.MES, B2mmlHttpSettings, _mes(WaitingAsReady),
    "b2mml-http with a bug: waiting is reported as ready")
FRESH_KEY: AdapterSpec[UblHttpSettings] = AdapterSpec(
    "ubl-http-fresh-key", AdapterKind.SUPPLIER, UblHttpSettings, _fresh_key,
    "ubl-http with a bug: a fresh idempotency key on every call",
    read_despatch_advice=UBL_HTTP.read_despatch_advice)

#: The entry points the broken adapters would have if a package registered them, by group.
BROKEN: dict[str, list[EntryPoint]] = {}
for _attribute, _spec in (("NEW_ID_ON_REPEAT", NEW_ID_ON_REPEAT), ("WAITING_AS_READY", WAITING_AS_READY),
                          ("FRESH_KEY", FRESH_KEY)):
    _group = registry.ENTRY_POINT_GROUPS[_spec.kind]
    BROKEN.setdefault(_group, []).append(EntryPoint(_spec.name, f"{__name__}:{_attribute}", _group))


@contextmanager
def broken_adapters_installed() -> Iterator[None]:
    """Within the block, the registry finds the broken adapters next to the installed ones."""
    real = registry.entry_points

    def with_broken(*, group: str) -> list[EntryPoint]:
        return [*real(group=group), *BROKEN.get(group, [])]

    registry.forget()
    with mock.patch.object(registry, "entry_points", with_broken):
        try:
            yield
        finally:
            registry.forget()
