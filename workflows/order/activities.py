"""The order workflow's activities: every I/O of the order's path.

The class receives its collaborators (database engine, catalog planner, stores, MES port, Temporal
client, HTTP client) from the worker's composition root; tests build it with real ones.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import httpx
from sqlalchemy.engine import Connection, Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError

from orchestrator.persistence import orders_repo
from orchestrator.persistence.events import NewEvent, append_events
from orchestrator.ports.mes import MesPort, MesUnavailable, WorkOrderConflict, WorkOrderNotFound
from orchestrator.security.keys import default_vault
from orchestrator.security.vault import Vault
from orchestrator.webhooks import sign
from workflows.contracts import PLANT_SCHEDULER_ID, BookingRequest, ClockSpec, SchedulerInput, Signals
from workflows.order.types import (
    CompensationOutcome,
    CustomerNotice,
    MaterialLine,
    OrderEventRecord,
    OrderPlan,
    PlanRequest,
    ReserveRequest,
    ReserveResult,
    StageUpdate,
    WithdrawRequest,
)


class OrderPlanner(Protocol):
    """Turns a configuration into the order's plan (the catalog's BOM and routing explosion)."""

    def plan(self, sku: str, options: dict, quantity: int) -> OrderPlan:
        """The plan, or raises ``InvalidConfiguration`` with every problem."""
        ...

    def problems(self, sku: str, options: dict, quantity: int) -> list[dict]:
        """Every problem of a configuration (empty when it is valid)."""
        ...


class MaterialStores(Protocol):
    """Stock reservations for orders."""

    def reserve(self, order_id: str, materials: list[MaterialLine], revision: int) -> ReserveResult:
        """Reserve what stock covers (idempotent per order and revision) and report the shortages."""
        ...

    def release(self, order_id: str) -> str:
        """Release everything reserved for the order (not what was issued); returns a short description."""
        ...

    def issue(self, conn: Connection, order_id: str, at: datetime) -> list[MaterialLine]:
        """Issue what the order holds to its production in the caller's transaction; what was issued now
        (empty when it had been issued before)."""
        ...


@dataclass
class OrderActivities:
    """Activities of ``OrderWorkflow``; one instance per worker process."""

    engine: Engine
    planner: OrderPlanner
    stores: MaterialStores
    mes: MesPort
    temporal: Callable[[], Awaitable[Client]]
    http: httpx.AsyncClient
    webhook_secret: str
    task_queue: str
    clock: ClockSpec
    # Seals personal fields of the order row; None: the keys of this process's settings.
    vault: Vault | None = None

    @property
    def _vault(self) -> Vault:
        return self.vault or default_vault()

    @activity.defn(name="order.record_stage")
    def record_stage(self, update: StageUpdate) -> None:
        """Move the order's projection to a stage and append the milestone, in one transaction.

        With ``issue_materials`` (the order enters production) the same transaction also issues the
        order's reserved stock to it. The material is issued when the first work order starts, not
        backflushed when the last completes: that is when a plant picks the order's kit from the store
        for the line, and from then on what is cut, painted or fitted cannot go back on the shelf, so a
        cancel during production must not return it to free stock (it is scrap or rework, not stock).
        Riding on the milestone's call costs the order's history no extra round trip, and a retry
        issues nothing twice: the issue only closes open reservations and its event has a dedupe key.
        """
        event = NewEvent(kind="stage", plant_time=update.plant_time, order_id=update.order_id,
                         payload={"stage": update.stage, **update.payload}, dedupe_key=update.dedupe_key)
        with self.engine.begin() as conn:
            orders_repo.record_stage(conn, update.order_id, update.stage, event, eta=update.eta, reason=update.reason)
            if update.issue_materials:
                self._issue_materials(conn, update)

    def _issue_materials(self, conn: Connection, update: StageUpdate) -> None:
        issued = self.stores.issue(conn, update.order_id, update.plant_time)
        if issued:
            append_events(conn, [NewEvent(
                kind="materials_issued", plant_time=update.plant_time, order_id=update.order_id,
                payload={"issued": [m.model_dump() for m in issued]},
                dedupe_key=f"{update.order_id}:materials-issued",
            )])

    @activity.defn(name="order.record_event")
    def record_event(self, record: OrderEventRecord) -> None:
        """Append an event to the order's trail (and keep its ETA current)."""
        payload = dict(record.payload)
        if isinstance(payload.get("options"), dict):  # events are streamed and kept: no measurements in them
            payload["options"] = self._vault.withhold(payload["options"])
        event = NewEvent(kind=record.kind, plant_time=record.plant_time, order_id=record.order_id,
                         payload=payload, dedupe_key=record.dedupe_key)
        with self.engine.begin() as conn:
            append_events(conn, [event])
            if record.eta is not None:
                orders_repo.update_order(conn, record.order_id, eta=record.eta)

    @activity.defn(name="order.plan")
    def plan_order(self, request: PlanRequest) -> OrderPlan:
        """Explode the configuration, store the plan with the order and record ``planned``."""
        try:
            plan = self.planner.plan(request.sku, request.options, request.quantity)
        except ValueError as exc:
            raise ApplicationError(str(exc), type="Invalid", non_retryable=True) from exc
        event = NewEvent(kind="stage", plant_time=self.clock.plant_at_now(), order_id=request.order_id,
                         payload={"stage": "planned", "operations": len(plan.operations),
                                  "materials": len(plan.materials), "revision": request.revision},
                         dedupe_key=f"{request.order_id}:planned-r{request.revision}")
        stored = json.loads(plan.model_dump_json())
        with self.engine.begin() as conn:
            # The promise's note stays with the plan: the stock it counted is held until the reservation.
            promise = orders_repo.promise_note(conn, request.order_id)
            if promise is not None:
                stored["promise"] = promise
            orders_repo.record_stage(conn, request.order_id, "planned", event,
                                     extra={"plan": stored, "options": request.options,
                                            "quantity": request.quantity},
                                     vault=self._vault)
        return plan

    @activity.defn(name="order.check_configuration")
    def check_configuration(self, request: PlanRequest) -> None:
        """Refuse (non-retryable) a configuration the catalog does not accept, naming every problem."""
        problems = self.planner.problems(request.sku, request.options, request.quantity)
        if problems:
            text = "; ".join(f"{p.get('option')}: {p.get('message')}" for p in problems)
            raise ApplicationError(f"the new configuration is not valid: {text}", problems, type="Invalid",
                                   non_retryable=True)

    @activity.defn(name="order.reserve_materials")
    def reserve_materials(self, request: ReserveRequest) -> ReserveResult:
        """Reserve stock for the plan's materials; what is short is returned for sourcing."""
        return self.stores.reserve(request.order_id, request.materials, request.revision)

    @activity.defn(name="order.release_reservations")
    def release_reservations(self, order_id: str) -> CompensationOutcome:
        """Compensation: give the order's reserved stock back."""
        return CompensationOutcome(step="release_reservations", ok=True, detail=self.stores.release(order_id))

    @activity.defn(name="order.request_booking")
    async def request_booking(self, request: BookingRequest) -> None:
        """Ask the plant scheduler to book the order (starting the scheduler entity if it is not running).

        The operations stay behind: the scheduler reads them from the plan stored with the order, so the
        booking is a few hundred bytes in the scheduler's history however long the routing.
        """
        client = await self.temporal()
        await client.start_workflow(
            "PlantScheduler",
            SchedulerInput(clock=self.clock),
            id=PLANT_SCHEDULER_ID,
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            start_signal=Signals.BOOK,
            start_signal_args=[request.model_copy(update={"operations": []})],
        )

    @activity.defn(name="order.withdraw_work_orders")
    async def withdraw_work_orders(self, request: WithdrawRequest) -> CompensationOutcome:
        """Compensation: withdraw the order's work orders from the MES (stopping running ones) and free
        their capacity in the plant schedule."""
        outcomes = []
        for wo_id in request.work_order_ids:
            try:
                status = await self.mes.withdraw(wo_id, stop_if_running=True)
                outcomes.append(f"{wo_id}: {status.state.value}")
            except WorkOrderNotFound:
                outcomes.append(f"{wo_id}: not at the MES")
            except WorkOrderConflict as exc:
                outcomes.append(f"{wo_id}: {exc}")
            except MesUnavailable as exc:
                raise ApplicationError(f"MES unavailable: {exc}", type="MesUnavailable") from exc
        client = await self.temporal()
        await client.start_workflow(
            "PlantScheduler", SchedulerInput(clock=self.clock), id=PLANT_SCHEDULER_ID, task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            start_signal=Signals.UNBOOK, start_signal_args=[request.order_id],
        )
        detail = "; ".join(outcomes) or "no work orders were booked"
        return CompensationOutcome(step="withdraw_work_orders", ok=True, detail=detail)

    @activity.defn(name="order.completed_operations")
    async def completed_operations(self, order_id: str) -> list[str]:
        """Safety net for lost signals: the order's operations the MES reports completed."""
        from orchestrator.persistence.work_orders_repo import work_orders_of

        rows = work_orders_of(self.engine, order_id)
        try:
            statuses = await self.mes.statuses([r.id for r in rows])
        except MesUnavailable as exc:
            raise ApplicationError(f"MES unavailable: {exc}", type="MesUnavailable") from exc
        op_of = {r.id: r.op_id for r in rows}
        return sorted({op_of[s.id] for s in statuses if s.state.value == "completed" and s.id in op_of})

    @activity.defn(name="order.notify_customer")
    async def notify_customer(self, notice: CustomerNotice) -> None:
        """POST a notice to the customer's URL, HMAC-signed with a timestamp; retried until 2xx."""
        body = json.dumps({"order_id": notice.order_id, "kind": notice.kind, **notice.payload}).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": notice.idempotency_key,
            "X-C2M-Signature": sign(self.webhook_secret, body, int(time.time())),
        }
        try:
            resp = await self.http.post(notice.notify_url, content=body, headers=headers, timeout=10)
        except httpx.HTTPError as exc:
            raise ApplicationError(f"could not reach {notice.notify_url}: {exc.__class__.__name__}") from exc
        if resp.status_code >= 300:
            raise ApplicationError(f"{notice.notify_url} answered {resp.status_code}")

    def all(self) -> list[Callable]:
        """Every activity of this class, for the worker."""
        return [self.record_stage, self.record_event, self.plan_order, self.check_configuration,
                self.reserve_materials, self.release_reservations, self.request_booking,
                self.withdraw_work_orders, self.completed_operations, self.notify_customer]
