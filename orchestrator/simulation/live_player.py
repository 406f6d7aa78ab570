"""Playing a scenario's orders against the running stack, on its plant clock, and following them to delivery.

Every order is placed through ``POST /api/orders`` at its arrival on the plant clock (the scenario's
start is mapped onto a plant instant a few wall seconds ahead), with the scenario's options and
quantity; a special request carries a note, waits for a planner and is approved through the planner's
API after the scenario's approval delay. Each scenario fault holds its line through the demo interface
(``POST /api/demo/lines/{line}/fault``, an OPC UA ``InjectFault`` on the plant simulator) for its repair
time; a line that is idle when its fault falls due cannot be held (there is no job to stop), so the
fault is tried again until its repair time passes, as the work it would have stopped starts. The orders
are followed by polling until every one has ended or the wall-time limit passes.

What is measured comes from the stack's own answers: the promised date of the ``POST`` reply, the
plant time of the ``delivered`` milestone, the first ``delay`` notice of the trail.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from orchestrator.simulation.demand import SimOrder
from orchestrator.simulation.live_faults import LineStop
from orchestrator.simulation.live_stack import LiveStack
from orchestrator.simulation.records import OrderRecord

ENDED = {"delivered", "cancelled", "rejected", "failed"}
SPECIAL_REQUEST = "Special request (scenario): please confirm before planning."
MINUTE = timedelta(minutes=1)
FAULT_RETRY_SECONDS = 0.1  # wall seconds between tries to hold an idle line

LiveProgress = Callable[[int, int, str], None]  # (orders ended, orders in all, what is happening)


@dataclass
class LiveOrder:
    """One scenario order as the stack served it (plant times of the stack's clock)."""

    sim: SimOrder
    id: str | None = None
    placed: datetime | None = None
    promised: datetime | None = None
    status: str = "not placed"
    delivered: datetime | None = None
    first_notice: datetime | None = None
    notices: int = 0
    approved: datetime | None = None
    problem: str | None = None

    def record(self, shift: timedelta) -> OrderRecord | None:
        """The order as a simulation record, in scenario time (None if it was never placed)."""
        if self.placed is None or self.promised is None:
            return None
        return OrderRecord(
            self.sim.id, self.sim.sku, self.sim.quantity, self.placed - shift, self.promised - shift,
            self.sim.needs_approval, None, None if self.delivered is None else self.delivered - shift,
            None if self.first_notice is None else self.first_notice - shift, self.notices)


@dataclass
class FaultOutcome:
    """What became of one scenario fault: held from ``held`` (plant time) for ``hours``, or never."""

    stop: LineStop
    held: datetime | None = None
    hours: float = 0.0
    attempts: int = 0
    answer: str = ""


@dataclass
class LiveRun:
    """A finished live run: the orders, the faults, the plant-time shift from scenario to stack time."""

    shift: timedelta
    orders: list[LiveOrder]
    faults: list[FaultOutcome]
    wall_seconds: float = 0.0
    timed_out: bool = False
    notes: list[str] = field(default_factory=list)

    def records(self) -> list[OrderRecord]:
        """Every placed order as a simulation record (scenario time), for the same figures as the simulation."""
        return [r for o in self.orders if (r := o.record(self.shift)) is not None]


@dataclass(order=True)
class _Action:
    due: datetime
    seq: int
    kind: str = field(compare=False)
    index: int = field(compare=False)


class LivePlayer:
    """Plays orders and faults against one stack; :meth:`play` returns when every order has ended."""

    def __init__(self, stack: LiveStack, orders: list[SimOrder], stops: list[LineStop],
                 progress: LiveProgress | None = None, poll_seconds: float = 1.0, lead_in_seconds: float = 5.0,
                 tag: str | None = None) -> None:
        self.stack = stack
        self.orders = [LiveOrder(o) for o in orders]
        self.faults = [FaultOutcome(s) for s in stops]
        self.progress = progress
        self.poll_seconds = poll_seconds
        self.lead_in_seconds = lead_in_seconds
        self.tag = tag or secrets.token_hex(3)
        self.notes: list[str] = []

    def play(self, scenario_start: datetime, timeout_seconds: float) -> LiveRun:
        """Place, approve, fault and follow until every order has ended or ``timeout_seconds`` (wall) pass."""
        clock = self.stack.clock
        start = clock.now() + clock.plant_duration(self.lead_in_seconds)
        start = start.replace(second=0, microsecond=0) + MINUTE
        shift = start - scenario_start
        actions = self._actions(shift)
        began = time.monotonic()
        deadline = began + timeout_seconds
        next_poll = began
        with httpx.Client(base_url=self.stack.api, headers=self.stack.auth, timeout=30) as http:
            while time.monotonic() < deadline and not self._all_ended():
                now = clock.now()
                while actions and actions[0].due <= now:
                    action = actions.pop(0)
                    if not self._act(http, action, shift, now):
                        # A fault waits for its line to work on something: try it often, its stop may be short.
                        again = FAULT_RETRY_SECONDS if action.kind == "fault" else self.poll_seconds
                        actions.append(_Action(now + clock.plant_duration(again), action.seq, action.kind,
                                               action.index))
                        actions.sort()
                if time.monotonic() >= next_poll:
                    self._poll(http, now)
                    next_poll = time.monotonic() + self.poll_seconds
                    self._report(now - shift)
                wait = self.poll_seconds if not actions else clock.wall_seconds(actions[0].due - clock.now())
                time.sleep(min(max(wait, 0.02), self.poll_seconds, max(deadline - time.monotonic(), 0.0)))
        run = LiveRun(shift, self.orders, self.faults, time.monotonic() - began, not self._all_ended(), self.notes)
        if run.timed_out:
            open_ = [o.sim.id for o in self.orders if o.status not in ENDED]
            run.notes.append(f"{len(open_)} orders had not ended after {timeout_seconds:.0f} s: {', '.join(open_)}")
        return run

    # --- what happens when --------------------------------------------------------------------------

    def _actions(self, shift: timedelta) -> list[_Action]:
        actions: list[_Action] = []
        for n, o in enumerate(self.orders):
            actions.append(_Action(o.sim.arrival + shift, len(actions), "place", n))
            if o.sim.approval_delay is not None:
                actions.append(_Action(o.sim.arrival + o.sim.approval_delay + shift, len(actions), "approve", n))
        for n, f in enumerate(self.faults):
            actions.append(_Action(f.stop.start + shift, len(actions), "fault", n))
        return sorted(actions)

    def _act(self, http: httpx.Client, action: _Action, shift: timedelta, now: datetime) -> bool:
        """Do one action; False means 'not possible yet, try again shortly'."""
        if action.kind == "place":
            return self._place(http, self.orders[action.index], now)
        if action.kind == "approve":
            return self._approve(http, self.orders[action.index], now)
        return self._fault(http, self.faults[action.index], shift, now)

    def _place(self, http: httpx.Client, order: LiveOrder, now: datetime) -> bool:
        sim = order.sim
        body: dict[str, Any] = {
            "sku": sim.sku, "options": sim.options, "quantity": sim.quantity,
            "customer": {"name": f"Scenario customer {sim.id}", "email": f"{sim.id.lower()}.{self.tag}@example.com"},
            # Made-to-measure options are personal data: the scenario's customers consent, as a shop's would.
            "consent": {"personal_data": True},
        }
        if sim.needs_approval:
            body["special_requests"] = SPECIAL_REQUEST
        resp = http.post("/api/orders", json=body, headers={"Idempotency-Key": f"live-{self.tag}-{sim.id}"})
        if resp.status_code == 429:
            return False
        if resp.status_code not in (200, 201):
            order.status, order.problem = "failed", f"POST /api/orders answered {resp.status_code}: {resp.text[:300]}"
            return True
        answer = resp.json()
        order.id, order.placed, order.status = str(answer["id"]), now, str(answer["status"])
        order.promised = _time(answer["promised_date"])
        return True

    def _approve(self, http: httpx.Client, order: LiveOrder, now: datetime) -> bool:
        if order.id is None:
            return order.status in ENDED  # not placed yet: try again
        if order.approved is not None or order.status in ENDED:
            return True
        resp = http.post(f"/api/orders/{order.id}/approve", json={"comment": "approved as the scenario says"})
        if resp.status_code == 200:
            order.approved = now
            return True
        return False  # 409: the order has not reached its approval step yet

    def _fault(self, http: httpx.Client, fault: FaultOutcome, shift: timedelta, now: datetime) -> bool:
        end = fault.stop.end + shift
        left = (end - now) / timedelta(hours=1)
        if left * 60 < 1:
            fault.answer = (f"not held: the line had no job at any of {fault.attempts} tries" if fault.attempts
                            else "not held: the stop had passed")
            return True
        fault.attempts += 1
        resp = http.post(f"/api/demo/lines/{fault.stop.line}/fault",
                         json={"mode": "hold", "reason": "Scenario fault", "duration_hours": round(left, 4)})
        if resp.status_code == 200:
            fault.held, fault.hours, fault.answer = now, left, f"held for {left:.2f} h"
            return True
        if resp.status_code == 409 or resp.status_code == 429 or resp.status_code >= 500:
            return False  # idle now (or busy answering): try again until the stop is over
        fault.answer = f"refused ({resp.status_code}): {resp.text[:200]}"
        return True

    # --- following the orders -----------------------------------------------------------------------

    def _poll(self, http: httpx.Client, now: datetime) -> None:
        for order in self.orders:
            if order.id is None or order.status in ENDED:
                continue
            resp = http.get(f"/api/orders/{order.id}")
            if resp.status_code != 200:
                continue
            detail = resp.json()
            order.status = str(detail["status"])
            milestones = detail.get("milestones") or []
            delays = [_time(m["plant_time"]) for m in milestones if m["kind"] == "delay"]
            order.notices = len(delays)
            order.first_notice = min(delays) if delays else None
            if order.status == "awaiting_approval" and not order.sim.needs_approval and order.approved is None:
                self._approve_unasked(http, order, now)
            if order.status == "delivered":
                done = [_time(m["plant_time"]) for m in milestones
                        if m["kind"] == "stage" and (m.get("payload") or {}).get("stage") == "delivered"]
                order.delivered = min(done) if done else now
            elif order.status in ENDED:
                order.problem = f"ended {order.status}: {detail.get('status_reason') or ''}".strip()

    def _approve_unasked(self, http: httpx.Client, order: LiveOrder, now: datetime) -> None:
        """The stack's own thresholds asked for a planner where the scenario has none: approve at once."""
        resp = http.post(f"/api/orders/{order.id}/approve", json={"comment": "no special request"})
        if resp.status_code == 200:
            order.approved = now
            self.notes.append(f"{order.sim.id} waited for a planner the scenario does not ask for; approved at once")

    def _all_ended(self) -> bool:
        return all(o.status in ENDED for o in self.orders)

    def _report(self, scenario_now: datetime) -> None:
        if self.progress is None:
            return
        placed = sum(1 for o in self.orders if o.id is not None)
        ended = sum(1 for o in self.orders if o.status in ENDED)
        held = sum(1 for f in self.faults if f.held is not None)
        self.progress(ended, len(self.orders), f"scenario time {scenario_now:%m-%d %H:%M}, {placed} placed, "
                                               f"{held} faults held")


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
