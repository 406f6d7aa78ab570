"""The MES's OPC UA connection to the plant: discovery, change notifications, reads and job methods.

One long-lived task keeps a session open and re-opens it (with backoff) whenever it drops, e.g.
when the plant restarts. Line variables are watched through one subscription; a change only tells
the listener *which line* moved, and the dispatcher then reads a consistent snapshot of that line.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Protocol

from asyncua import Client, Node, ua
from asyncua.client.ua_client import UaClientState

from simulators.mes.errors import LineNotFound, PlantUnavailable

log = logging.getLogger("c2m.sim.mes.plant")

PLANT_NAMESPACE = "urn:c2m:plant-simulator"


PRODUCTION_MODE = 1  # PackML UnitModeCurrent: 1 Production, 2 Maintenance, 3 Manual


class PackML(IntEnum):
    """PackML (OPC 30050) state numbers."""

    CLEARING = 1
    STOPPED = 2
    STARTING = 3
    IDLE = 4
    SUSPENDED = 5
    EXECUTE = 6
    STOPPING = 7
    ABORTING = 8
    ABORTED = 9
    HOLDING = 10
    HELD = 11
    UNHOLDING = 12
    SUSPENDING = 13
    UNSUSPENDING = 14
    RESETTING = 15
    COMPLETING = 16
    COMPLETE = 17


# Variables read for a snapshot, in this order; (browse path under the line, default when unreadable).
_FIELDS: dict[str, tuple[str, Any]] = {
    "state": ("Status/StateCurrent", 0),
    "unit_mode": ("Status/UnitModeCurrent", 1),
    "job_order_id": ("JobOrder/JobOrderID", ""),
    "produced": ("JobOrder/ProducedQuantity", 0),
    "defective": ("JobOrder/DefectiveQuantity", 0),
    "stop_reason": ("Admin/StopReason", 0),
    "stop_message": ("Admin/StopReasonMessage", ""),
    "completed": ("JobOrder/CompletedJobOrders", []),
    "last_aborted": ("JobOrder/LastAbortedJobOrderID", ""),
}
# Changes to these wake the dispatcher (the stop message always changes with the stop reason).
_WATCHED = ("state", "unit_mode", "job_order_id", "produced", "defective", "stop_reason", "completed", "last_aborted")


@dataclass(frozen=True)
class LineSnapshot:
    """A line's state read in one OPC UA request."""

    line: str
    state: int
    unit_mode: int
    job_order_id: str
    produced: int
    defective: int
    stop_reason: int
    stop_message: str
    completed: tuple[str, ...]
    last_aborted: str

    @property
    def state_name(self) -> str:
        """The PackML state's name, e.g. Execute."""
        try:
            return PackML(self.state).name.title()
        except ValueError:
            return f"Unknown({self.state})"


class PlantListener(Protocol):
    """Who the link tells about the plant."""

    def plant_connected(self, lines: list[str]) -> None:
        """A session is open and the lines are known."""

    def plant_disconnected(self) -> None:
        """The session is gone; calls fail until it is back."""

    def line_changed(self, line: str) -> None:
        """One of the line's watched variables changed."""


class _Notifications:
    """asyncua subscription handler: maps monitored nodes back to their line."""

    def __init__(self, lines_by_node: dict[ua.NodeId, str], listener: PlantListener) -> None:
        self._lines_by_node = lines_by_node
        self._listener = listener

    def datachange_notification(self, node: Node, val: Any, data: Any) -> None:
        line = self._lines_by_node.get(node.nodeid)
        if line is not None:
            self._listener.line_changed(line)

    def status_change_notification(self, status: Any) -> None:
        log.info("plant subscription status changed: %s", status)


class PlantLink:
    """A self-healing OPC UA client session to the plant simulator."""

    def __init__(
        self,
        url: str,
        listener: PlantListener,
        publishing_interval_ms: float = 50.0,
        request_timeout: float = 4.0,
        max_backoff: float = 2.0,
    ) -> None:
        self.url = url
        self._listener = listener
        self._publishing_ms = publishing_interval_ms
        self._request_timeout = request_timeout
        self._max_backoff = max_backoff
        self._client: Client | None = None
        self._ns = 2
        self.lines: list[str] = []
        self.last_error: str | None = None

    @property
    def connected(self) -> bool:
        """True while a session is open."""
        return self._client is not None

    async def run(self) -> None:
        """Keep a session to the plant open until cancelled."""
        backoff = 0.2
        while True:
            client = Client(self.url, timeout=self._request_timeout, watchdog_intervall=1.0)
            try:
                await client.connect()
                await self._open(client)
                backoff = 0.2
                log.info("connected to plant %s, lines %s", self.url, ", ".join(self.lines))
                async with client.subscribe_state() as changes:
                    await changes.wait_for_state(UaClientState.DISCONNECTED)
                self.last_error = "connection lost"
                log.warning("lost the plant connection %s; reconnecting", self.url)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure means: drop this session and try again
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.info("plant %s not reachable (%s); retrying in %.1f s", self.url, self.last_error, backoff)
            finally:
                was_connected = self._client is not None
                self._client = None
                if was_connected:
                    self._listener.plant_disconnected()
                await _quietly_disconnect(client)
            _raise_if_cancelled()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff)

    async def _open(self, client: Client) -> None:
        self._ns = await client.get_namespace_index(PLANT_NAMESPACE)
        machines = client.get_node(_string_node_id("Machines", self._ns))
        lines: list[str] = []
        for child in await machines.get_children(nodeclassmask=ua.NodeClass.Object):
            lines.append(str((await child.read_browse_name()).Name))
        if not lines:
            raise RuntimeError(f"the plant at {self.url} has no lines under Objects/Machines")
        lines.sort()
        lines_by_node = {self._node_id(line, _FIELDS[f][0]): line for line in lines for f in _WATCHED}
        subscription = await client.create_subscription(
            self._publishing_ms, _Notifications(lines_by_node, self._listener)
        )
        await subscription.subscribe_data_change([client.get_node(n) for n in lines_by_node])
        self.lines = lines
        self._client = client
        self.last_error = None
        self._listener.plant_connected(lines)

    def _node_id(self, line: str, path: str) -> ua.NodeId:
        return _string_node_id(f"Machines/{line}/{path}", self._ns)

    def _session(self, line: str) -> Client:
        client = self._client
        if client is None:
            raise PlantUnavailable(f"not connected to the plant at {self.url} ({self.last_error}); retry shortly")
        if line not in self.lines:
            raise LineNotFound(f"{line!r} is not a line of this plant; lines are {', '.join(self.lines)}")
        return client

    async def snapshot(self, line: str) -> LineSnapshot:
        """Read the line's state, job and counters in one request."""
        client = self._session(line)
        nodes = [client.get_node(self._node_id(line, path)) for path, _ in _FIELDS.values()]
        try:
            values = await client.read_values(nodes)
        except (ConnectionError, OSError, TimeoutError, ua.UaError) as exc:
            raise PlantUnavailable(f"reading line {line} failed: {exc}") from exc
        fields = {
            name: default if value is None else value
            for (name, (_, default)), value in zip(_FIELDS.items(), values, strict=True)
        }
        return LineSnapshot(
            line=line,
            state=int(fields["state"]),
            unit_mode=int(fields["unit_mode"]),
            job_order_id=str(fields["job_order_id"]),
            produced=int(fields["produced"]),
            defective=int(fields["defective"]),
            stop_reason=int(fields["stop_reason"]),
            stop_message=str(fields["stop_message"]),
            completed=tuple(str(x) for x in fields["completed"]),
            last_aborted=str(fields["last_aborted"]),
        )

    async def call(self, line: str, method: str, *args: ua.Variant) -> int:
        """Call one of the line's methods; returns its Int32 status (0 when it returns nothing).

        A method the server refuses with a bad status code returns -1 (logged), so callers treat
        it like any other refusal; transport failures raise :class:`PlantUnavailable`.
        """
        client = self._session(line)
        parent = client.get_node(_string_node_id(f"Machines/{line}", self._ns))
        try:
            result = await parent.call_method(self._node_id(line, method), *args)
        except ua.UaStatusCodeError as exc:
            log.warning("%s.%s refused by the plant: %s", line, method, exc)
            return -1
        except (ConnectionError, OSError, TimeoutError, ua.UaError) as exc:
            raise PlantUnavailable(f"calling {line}.{method} failed: {exc}") from exc
        if isinstance(result, list):
            result = result[0] if result else None
        return 0 if result is None else int(result)

    async def store_and_start(
        self, line: str, job_order_id: str, quantity: int, setup_seconds: float, seconds_per_unit: float
    ) -> int:
        """Load a job on an idle line and start it (0 ok, 1 not idle, 2 bad arguments)."""
        return await self.call(
            line,
            "StoreAndStart",
            ua.Variant(job_order_id, ua.VariantType.String),
            ua.Variant(quantity, ua.VariantType.Int32),
            ua.Variant(float(setup_seconds), ua.VariantType.Double),
            ua.Variant(float(seconds_per_unit), ua.VariantType.Double),
        )

    async def inject_fault(self, line: str, mode: str, reason: str, duration_seconds: float) -> int:
        """Ask the plant to fault the line (admin method of the simulator)."""
        return await self.call(
            line,
            "InjectFault",
            ua.Variant(mode, ua.VariantType.String),
            ua.Variant(reason, ua.VariantType.String),
            ua.Variant(float(duration_seconds), ua.VariantType.Double),
        )


def _string_node_id(identifier: str, namespace: int) -> ua.NodeId:
    return ua.NodeId(ua.String(identifier), ua.Int16(namespace))


async def _quietly_disconnect(client: Client) -> None:
    """Close a session that may already be dead, without hanging and without raising.

    asyncua swallows a CancelledError delivered inside ``disconnect``; running it as its own task
    keeps our cancellation (shutdown) out of its hands.
    """
    closing = asyncio.create_task(client.disconnect())
    done, _ = await asyncio.wait({closing}, timeout=2.0)
    if not done:
        closing.cancel()
    elif closing.exception() is not None:
        log.debug("ignored error while closing the plant session: %r", closing.exception())


def _raise_if_cancelled() -> None:
    # Belt and braces: should a library have swallowed our cancellation, honour it here.
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
