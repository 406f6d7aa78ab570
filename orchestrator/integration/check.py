"""Connect to every configured endpoint through its adapter and say how it stands: ``c2m adapters check``.

Each check goes through the port the adapter builds, so it tests what the worker will use (the
adapter, its settings, the endpoint) and works for any registered adapter:

- a line: open its status source and wait for the first snapshot (a link or mapping problem is the
  first ``connection`` event's error, or the :class:`~orchestrator.ports.lines.LineStatusConfigError`);
- the MES: ask the status of a work order that does not exist; "not found" is the healthy answer;
- a supplier: ask the status of a purchase order that does not exist; likewise.

Every check is bounded by ``timeout`` seconds; all run at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from orchestrator.integration.lines import line_adapter
from orchestrator.integration.mes import MesSettingsError, mes_adapter
from orchestrator.integration.spec import close_port
from orchestrator.integration.suppliers import SupplierConfig, shared_client
from orchestrator.plant import Plant
from orchestrator.ports.journal import AdapterKind
from orchestrator.ports.lines import LineEventKind, LineStatusConfigError
from orchestrator.ports.mes import MesError, MesPort, WorkOrderNotFound
from orchestrator.ports.suppliers import PurchaseOrderNotFound, SupplierError, SupplierPort
from orchestrator.settings import Settings

#: The id asked for by the MES and supplier checks; no real work order or PO carries it.
PROBE_ID = "C2M-ADAPTER-CHECK"


@dataclass(frozen=True)
class CheckResult:
    """One endpoint: ``up`` when the adapter connected and got a sensible answer within the timeout.

    ``problem`` is the first problem found (``None`` when there is none); a line that is up may still
    carry one (it is faulted). ``latency_ms`` is how long the check took.
    """

    kind: AdapterKind
    target: str
    adapter: str
    url: str | None
    up: bool
    latency_ms: float
    problem: str | None = None


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


async def check_line(plant: Plant, line_id: str, default_endpoint: str, timeout: float) -> CheckResult:
    """Open the line's status source and wait (bounded) for its first snapshot."""
    start = time.perf_counter()
    adapter, url = plant.line(line_id).status.adapter, None
    try:
        spec, settings, context = line_adapter(plant, line_id, default_endpoint)
        url = spec.endpoint_of(settings, context)
        binding = plant.status_binding(line_id, default_endpoint=default_endpoint)
        source = spec.build(settings, context)(binding, known_completed=None)
    except (LineStatusConfigError, ValueError) as exc:
        return CheckResult(AdapterKind.LINE, line_id, adapter, url, False, _ms(start), _describe(exc))
    up = False
    problem: str | None = f"no snapshot within {timeout:g} s"
    events = source.events()
    try:
        async with asyncio.timeout(timeout):
            async for event in events:
                if event.kind is LineEventKind.SNAPSHOT:
                    up, problem = True, None
                    snapshot = event.snapshot
                    if snapshot is not None and snapshot.faulted:
                        problem = f"faulted: {snapshot.stop_reason_message or snapshot.stop_reason}"
                    break
                if event.kind is LineEventKind.CONNECTION and event.values.get("status") != "connected":
                    problem = str(event.values.get("error") or event.values.get("status"))
                    break
    except TimeoutError:
        pass
    except Exception as exc:  # a mapping the server lacks, or whatever else the adapter reports
        problem = _describe(exc)
    finally:
        latency = _ms(start)
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await asyncio.wait_for(aclose(), 5)
        await asyncio.wait_for(source.close(), 5)
    return CheckResult(AdapterKind.LINE, line_id, adapter, url, up, latency, problem)


async def check_mes(settings: Settings, timeout: float) -> CheckResult:
    """Ask the MES for a work order that does not exist: "not found" means it is there and speaks our API."""
    start = time.perf_counter()
    try:
        spec, validated, context = mes_adapter(settings)
    except MesSettingsError as exc:
        return CheckResult(AdapterKind.MES, "mes", settings.mes_adapter, None, False, _ms(start), str(exc))
    url = spec.endpoint_of(validated, context)
    port: MesPort = spec.build(validated, context)
    try:
        async with asyncio.timeout(timeout):
            await port.status(PROBE_ID)
        up, problem = True, None
    except WorkOrderNotFound:
        up, problem = True, None
    except TimeoutError:
        up, problem = False, f"no answer within {timeout:g} s"
    except MesError as exc:
        up, problem = False, _describe(exc)
    finally:
        latency = _ms(start)
        await close_port(port)
    return CheckResult(AdapterKind.MES, "mes", spec.name, url, up, latency, problem)


async def check_supplier(config: SupplierConfig, port: SupplierPort, timeout: float) -> CheckResult:
    """Ask the supplier for a purchase order that does not exist: "no such order" means it answers."""
    start = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            await port.order_status(PROBE_ID)
        up, problem = True, None
    except PurchaseOrderNotFound as exc:
        # A 404 about something else (an unknown supplier id at that endpoint) is a configuration problem.
        up, problem = (True, None) if PROBE_ID in exc.detail else (False, exc.detail)
    except TimeoutError:
        up, problem = False, f"no answer within {timeout:g} s"
    except SupplierError as exc:
        up, problem = False, exc.detail
    return CheckResult(AdapterKind.SUPPLIER, config.supplier_id, config.adapter, config.url, up, _ms(start), problem)


async def check_all(
    settings: Settings, plant: Plant, suppliers: Sequence[SupplierConfig], timeout: float = 5.0
) -> list[CheckResult]:
    """Check every line of the plant, the MES and every supplier at once; results in that order."""
    client = shared_client()
    try:
        ports = [c.spec.build(c.settings, c.context(http=client)) for c in suppliers]
        checks: list[Any] = [
            *(check_line(plant, line, settings.resolved_opcua_url, timeout) for line in plant.line_ids),
            check_mes(settings, timeout),
            *(check_supplier(c, p, timeout) for c, p in zip(suppliers, ports, strict=True)),
        ]
        results: list[CheckResult] = await asyncio.gather(*checks)
        for port in ports:
            await close_port(port)
        return results
    finally:
        await client.aclose()
