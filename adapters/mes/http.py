"""The MES port over HTTP: the B2MML job order API of the bundled MES simulator (and MESs like it).

One shared ``httpx.AsyncClient`` per adapter (connection reuse), every request bounded by a
timeout. The MES's answers map onto the port's errors: 404 -> WorkOrderNotFound, 409 ->
WorkOrderConflict, 400/422 -> WorkOrderRejected, 5xx and transport failures -> MesUnavailable.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from adapters.http_journal import endpoint_by_prefix, install_journal_hooks
from adapters.mes.b2mml import job_order, work_order_status
from orchestrator.ports.journal import AdapterKind, Journal
from orchestrator.ports.mes import (
    MesError,
    MesUnavailable,
    WorkOrder,
    WorkOrderConflict,
    WorkOrderNotFound,
    WorkOrderRejected,
    WorkOrderStatus,
)

# Ids per status query: keeps URLs short however many work orders a caller follows.
_IDS_PER_QUERY = 50


def _path_id(value: str) -> str:
    return quote(value, safe="")


def _detail(response: httpx.Response) -> tuple[str, dict[str, Any]]:
    """A readable message and the JSON body (if any) of an error answer."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:500] or response.reason_phrase, {}
    if not isinstance(body, dict):
        return str(body)[:500], {}
    detail = body.get("detail", body)
    if isinstance(detail, list):  # FastAPI validation errors: say where each problem is
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', e)}" if isinstance(e, dict) else str(e)
            for e in detail
        )
    return str(detail), body


class HttpMesAdapter:
    """:class:`~orchestrator.ports.mes.MesPort` for an MES that speaks B2MML JobOrder JSON over HTTP.

    ``base_url`` is the MES's root (e.g. ``http://127.0.0.1:8101``); the API lives under
    ``/api/v1``. ``timeout`` bounds each request (``connect_timeout`` the connection); pass
    ``client`` to share a connection pool instead (its own timeouts then apply, and closing it
    stays the caller's job). Use it as an async context manager, or call :meth:`aclose` when done.
    Safe to call concurrently. With a ``journal``, every exchange is recorded there (endpoint ``mes``).
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        connect_timeout: float = 3.0,
        client: httpx.AsyncClient | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(connect_timeout, timeout)),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            headers={"Accept": "application/json"},
        )
        if journal is not None:
            install_journal_hooks(self._client, journal, AdapterKind.MES, endpoint_by_prefix({"mes": self.base_url}))

    async def __aenter__(self) -> HttpMesAdapter:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (only when this adapter created it)."""
        if self._owns_client:
            await self._client.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        work_order_id: str | None = None,
    ) -> Any:
        url = f"{self.base_url}/api/v1{path}"
        what = f"{method} {url}"
        try:
            response = await self._client.request(method, url, json=json, params=params)
        except httpx.TimeoutException as exc:
            raise MesUnavailable(f"the MES did not answer in time ({what}): {exc!r}") from exc
        except httpx.TransportError as exc:
            raise MesUnavailable(f"cannot reach the MES ({what}): {exc!r}") from exc
        if response.is_success:
            try:
                return response.json()
            except ValueError as exc:
                raise MesUnavailable(f"the MES answered {what} with non-JSON: {response.text[:200]!r}") from exc
        detail, body = _detail(response)
        code = response.status_code
        message = f"MES refused {what} ({code}): {detail}"
        if code >= 500 or code in (408, 429):
            raise MesUnavailable(message)
        kind = body.get("error")
        if code == 404 and kind == "JobNotFound":
            raise WorkOrderNotFound(str(body.get("JobOrderID") or work_order_id or "?"), message)
        if code == 409:
            raise WorkOrderConflict(message)
        if code in (400, 422) or (code == 404 and kind == "LineNotFound"):
            raise WorkOrderRejected(message)
        if code == 404:
            raise MesError(f"{message} (no such endpoint: is {self.base_url} really the MES?)")
        raise MesError(message)

    async def release(self, work_orders: Sequence[WorkOrder]) -> list[WorkOrderStatus]:
        """Send the work orders as one B2MML batch; a repeat returns the stored statuses."""
        if not work_orders:
            return []
        body = await self._call("POST", "/job-orders", json={"JobOrders": [job_order(w) for w in work_orders]})
        return [work_order_status(r) for r in body["JobResponses"]]

    async def withdraw(self, work_order_id: str, stop_if_running: bool = False) -> WorkOrderStatus:
        """Withdraw a work order; a running one only with ``stop_if_running``."""
        body = await self._call(
            "POST",
            f"/job-orders/{_path_id(work_order_id)}/withdraw",
            json={"stop_if_running": stop_if_running},
            work_order_id=work_order_id,
        )
        return work_order_status(body)

    async def resequence(self, line: str, work_order_ids: Sequence[str]) -> list[WorkOrderStatus]:
        """Put these queued work orders first on the line; returns the line's queue."""
        body = await self._call("PUT", f"/lines/{_path_id(line)}/sequence", json={"JobOrderIDs": list(work_order_ids)})
        return [work_order_status(r) for r in body["JobResponses"]]

    async def move(self, work_order_id: str, line: str) -> WorkOrderStatus:
        """Move a work order that has not started to another line."""
        body = await self._call(
            "POST",
            f"/job-orders/{_path_id(work_order_id)}/move",
            json={"EquipmentID": line},
            work_order_id=work_order_id,
        )
        return work_order_status(body)

    async def status(self, work_order_id: str) -> WorkOrderStatus:
        """The status of one work order."""
        body = await self._call("GET", f"/job-orders/{_path_id(work_order_id)}", work_order_id=work_order_id)
        return work_order_status(body)

    async def statuses(self, work_order_ids: Sequence[str]) -> list[WorkOrderStatus]:
        """Statuses of several work orders, in the order asked; unknown ids are left out."""
        found: dict[str, WorkOrderStatus] = {}
        ids = list(dict.fromkeys(work_order_ids))
        for start in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[start : start + _IDS_PER_QUERY]
            body = await self._call("GET", "/job-orders", params=[("id", i) for i in chunk])
            for response in body["JobResponses"]:
                status = work_order_status(response)
                found[status.id] = status
        return [found[i] for i in work_order_ids if i in found]
