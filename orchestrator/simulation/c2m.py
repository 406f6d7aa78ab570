"""The c2m policy on virtual time, with production's planning code.

Per order at entry: configure and explode (the catalog's ``quote``); net against free stock
(``inventory.netting``); a first date with the live promise's rule (``orders.promising`` and the plant
schedule's tentative placement) sets when bought materials are needed; shortages are bought at once
from the best-ranked quote (``inventory.choice.rank_offers``), the next one when a supplier rejects;
the work is booked into the plant schedule around the kept plan (``services.plant_planning`` and
``scheduling.schedule``) and the date promised is the booked finish plus the after-production steps
and margin. Faults, repairs and late materials re-plan the open work with the frozen window, as the
plant scheduler does; after each re-plan every order whose projected delivery passed its promise is
told at once by ``orders.delay.delay_notice``.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta

from orchestrator.inventory import ChoiceWeights, Offer, gross_requirements, net_requirements, rank_offers
from orchestrator.orders.delay import delay_notice
from orchestrator.orders.fulfilment import projected_delivery
from orchestrator.orders.promising import PromisePolicy, material_leads, materials_ready, promised_delivery
from orchestrator.persistence.tables.plant import WorkOrderRow
from orchestrator.scheduling import Assignment, AssignmentState, Schedule, schedule
from orchestrator.services.plant_planning import LineFault, SolverSettings, build_request, op_key
from orchestrator.services.schedule_promise import work_order_rows
from orchestrator.simulation.base import PolicyRun, Progress
from orchestrator.simulation.demand import SimOrder
from orchestrator.simulation.floor import SimOp
from orchestrator.simulation.scenario import Scenario
from orchestrator.simulation.supply import PoAnswer
from orchestrator.simulation.world import World

DAY = timedelta(days=1)


class C2mRun(PolicyRun):
    """Per-order sourcing, capacity- and supply-aware promises, re-planning and proactive notices."""

    name = "c2m"

    def __init__(self, scenario: Scenario, world: World, orders: list[SimOrder], progress: Progress | None) -> None:
        super().__init__(scenario, world, orders, progress)
        p = scenario.policies.c2m
        self.params = p
        self.policy = PromisePolicy(self.fulfilment.after_production(), timedelta(hours=p.safety_hours),
                                    timedelta(hours=p.receiving_hours))
        self.settings = SolverSettings(time_limit_seconds=p.solve_seconds,
                                       frozen_window_minutes=p.frozen_window_minutes, num_workers=2)
        self.lead_days = _fastest_mode(world)
        self.weights = ChoiceWeights(**p.choice.model_dump())
        self.rows: dict[str, WorkOrderRow] = {}  # open work orders by op key
        self.sequence: dict[str, list[SimOp]] = {lid: [] for lid in self.floor.lines}
        self.expected: dict[str, datetime] = {}  # order -> when its materials are expected at the line
        self.awaiting: dict[str, set[str]] = {}  # order -> PO documents not yet received
        self.announced: dict[str, datetime] = {}
        self.faults: dict[str, LineFault] = {}
        self.issued: set[str] = set()
        self.replanned_for: set[str] = set()
        self.floor.dispatcher = self
        self.floor.on_fault = self._fault

    # --- order entry --------------------------------------------------------------------------------

    def arrive(self, order: SimOrder) -> None:
        now = self.queue.now
        leaves = self.leaf_lines(order)
        free = self.stock.free()
        net = net_requirements(gross_requirements(leaves, now), free)
        self.stock.count_netting(len(net), sum(1 for n in net if n.short))
        # Bought materials are needed when the live promise's material rule expects them (orders.promising),
        # plus its safety margin: the date sourcing ranks quotes against.
        expected = materials_ready(material_leads(order.quote.bom, dict(free), self.lead_days, now), now, self.policy)
        need_by = max(expected + self.policy.safety, now + DAY)
        ready = now
        self.awaiting[order.id] = set()
        for req in net:
            if req.from_stock > 0:
                self.stock.reserve(req.item, req.from_stock)
            if req.short:
                answer = self._buy(order, req.item, req.to_buy, need_by)
                ready = max(ready, answer.quote.promised + self.policy.receiving)
        if order.needs_approval:
            ready = max(ready, now + timedelta(hours=self.params.approval_allowance_hours))
            assert order.approval_delay is not None
            self.queue.at(now + order.approval_delay, lambda: self._approved(order))
        self.expected[order.id] = ready
        ops = self.put_on_floor(order)
        mine = self._place(order, ready)
        promised = promised_delivery(max(a.end for a in mine), self.policy)
        self.promise(order, promised)
        for row in (self.rows[op.key] for op in ops):
            row.due = promised - self.policy.after_production
        self._release_if_ready(order.id)
        self.floor.kick()

    def _place(self, order: SimOrder, ready: datetime) -> list[Assignment]:
        """Book the order's work orders into the plant schedule around its kept plan."""
        new = work_order_rows(order.id, order.quote.routing, ready, self.queue.now)
        for row in new:
            self.rows[op_key(row.order_id, row.op_id)] = row
        plan = self._solve(keep_planned=True)
        return [a for a in plan.assignments if a.job_id == order.id]

    def _buy(self, order: SimOrder, item: str, quantity: float, need_by: datetime) -> PoAnswer:
        """RFQ to every supplier of ``item``, rank, place with the best; the next one on a rejection."""
        now = self.queue.now
        doc = f"{order.id}:{item}"
        quotes = {p.supplier: self.suppliers.quote(p, quantity, now, doc) for p in self.world.offers_for(item)}
        if not quotes:
            raise RuntimeError(f"no supplier sells {item!r} (needed by {order.id}); add one to the supplier file")
        ranked = rank_offers([Offer(s, item, q.quantity, q.part.price, q.part.currency, q.promised)
                              for s, q in quotes.items()], need_by, None, self.weights)
        answer: PoAnswer | None = None
        for n, r in enumerate(ranked, start=1):
            answer = self.suppliers.place(quotes[r.offer.supplier], f"{doc}:{n}")
            self.result.purchase_orders += 1
            if answer.accepted:
                break
            self.result.rejected_purchase_orders += 1
        assert answer is not None
        if not answer.accepted:  # every supplier refused: the last one is asked again a day later
            q = answer.quote
            answer = PoAnswer(replace(q, promised=q.promised + DAY), True, q.promised + DAY)
        self.awaiting[order.id].add(doc)
        assert answer.delivered is not None
        self.queue.at(answer.delivered, lambda: self._received(order.id, doc, item, answer.quote.quantity, quantity))
        if answer.late:
            self.result.late_deliveries += 1
            self.queue.at(answer.quote.promised, lambda: self._late(order.id, doc, answer))
        return answer

    # --- supply and approval events -----------------------------------------------------------------

    def _received(self, order_id: str, doc: str, item: str, lot: float, need: float) -> None:
        self.stock.receive(item, lot, self.queue.now)
        self.stock.reserve(item, need)
        self.awaiting[order_id].discard(doc)
        self._release_if_ready(order_id)
        self.floor.kick()

    def _late(self, order_id: str, doc: str, answer: PoAnswer) -> None:
        """The promised delivery passed without goods: the supplier's new date moves the order's release."""
        if doc not in self.awaiting[order_id]:
            return
        assert answer.delivered is not None
        self.expected[order_id] = max(self.expected[order_id], answer.delivered + self.policy.receiving)
        if any(op.state == "waiting" and op.planned_start is not None and op.planned_start < self.expected[order_id]
               for op in self.open_ops[order_id]):  # the plan no longer holds: only then is it re-made
            self.rebook(order_id, "late_material")

    def _approved(self, order: SimOrder) -> None:
        if self.queue.now > self.expected[order.id]:  # approved later than the promise allowed for
            self.expected[order.id] = self.queue.now
            self.rebook(order.id, "approval")
        self._release_if_ready(order.id)
        self.floor.kick()

    def _release_if_ready(self, order_id: str) -> None:
        order = self.orders[order_id]
        if self.awaiting[order_id]:
            return
        if order.needs_approval and self.queue.now < order.arrival + (order.approval_delay or timedelta()):
            return
        for op in self.open_ops.get(order_id, []):
            if op.released_at is None:
                op.released_at = self.queue.now

    # --- the floor ----------------------------------------------------------------------------------

    def next_for(self, line: str, now: datetime) -> SimOp | datetime | None:
        """The next operation of the line's planned sequence, once it is due and ready."""
        seq = self.sequence[line]
        while seq and seq[0].state != "waiting":
            seq.pop(0)
        if not seq:
            return None
        head = seq[0]
        assert head.planned_start is not None
        if head.planned_start > now:
            return head.planned_start
        return head if self.floor.ready(head, now) else None

    def started(self, op: SimOp) -> None:
        row = self.rows[op.key]
        row.state, row.line, row.actual_start = "running", op.line or row.line, self.queue.now
        if op.order_id not in self.issued:
            self.issued.add(op.order_id)
            self._issue(op.order_id)

    def _issue(self, order_id: str) -> None:
        for line in self.leaf_lines(self.orders[order_id]):
            self.stock.issue(line.item, line.quantity, self.queue.now)

    def _op_done(self, op: SimOp) -> None:
        self.rows.pop(op.key, None)
        super()._op_done(op)

    def _fault(self, line: str, now: datetime, down: bool) -> None:
        """A fault takes the line out until its expected repair; a repair gives it back. Only a fault that
        touches the plan (work running or due on the line before the expected repair) is re-planned."""
        if down:
            until = now + self.floor.expected_repair(line)
            self.faults[line] = LineFault(line, now, until, "simulated fault")
            if self._touches(line, until):
                self.replanned_for.add(line)
                self.queue.at(until, lambda: self._review(line, now))
                self.replan("line_fault")
        else:
            self.faults.pop(line, None)
            if line in self.replanned_for:
                self.replanned_for.discard(line)
                self.replan("line_recovered")

    def _touches(self, line: str, until: datetime) -> bool:
        if self.floor.lines[line].running is not None:
            return True
        return any(o.planned_start is not None and o.planned_start < until for o in self.sequence[line]
                   if o.state == "waiting")

    def _review(self, line: str, since: datetime) -> None:
        """The expected repair passed with the line still down: plan for a longer stop (plant_planning)."""
        fault = self.faults.get(line)
        if fault is not None and fault.since == since:
            self.replan("fault_review")

    # --- planning -----------------------------------------------------------------------------------

    def replan(self, reason: str) -> None:
        """Plan the open work afresh (frozen window kept) and tell every order that now slips."""
        if not self.rows:
            return
        self.result.replans += 1
        plan = self._solve(keep_planned=False)
        self._tell(plan)
        self.floor.kick()

    def rebook(self, order_id: str, reason: str) -> None:
        """Place one order's waiting work again around the kept plan (its materials moved), then tell the
        customer if the new finish breaks the promise."""
        for op in self.open_ops[order_id]:
            row = self.rows[op.key]
            row.release_at = self.expected[order_id]
            if op.state == "waiting":
                row.planned_start, row.planned_end, row.state = None, None, "planned"
        self.result.replans += 1
        plan = self._solve(keep_planned=True)
        self._tell(plan, {order_id})
        self.floor.kick()

    def _tell(self, plan: Schedule, only: set[str] | None = None) -> None:
        finish: dict[str, datetime] = {}
        for a in plan.assignments:
            if only is None or a.job_id in only:
                finish[a.job_id] = max(finish.get(a.job_id, a.end), a.end)
        for order_id, end in finish.items():
            record = self.records.get(order_id)
            if record is None:
                continue
            notice = delay_notice(record.promised, projected_delivery(end, self.fulfilment),
                                  self.announced.get(order_id), timedelta(hours=self.params.delay_margin_hours))
            if notice is not None:
                self.announced[order_id] = notice.new_date
                self.notify(order_id)

    def _solve(self, keep_planned: bool) -> Schedule:
        now = self.queue.now
        rows = list(self.rows.values())
        request = build_request(rows, self.world.plant, self.faults, now, self.settings, keep_planned)
        # A booking places a few operations around the kept plan: the dispatching rule, as the live promise
        # does. A re-plan is CP-SAT's, bounded by deterministic work so that a seed gives one schedule.
        request = replace(request, work_limit=self.params.solve_work,
                          cpsat_max_operations=0 if keep_planned else request.cpsat_max_operations)
        began = time.monotonic()
        plan = schedule(request)
        self.result.solve_seconds += time.monotonic() - began
        method = str(plan.method)
        self.result.solver_methods[method] = self.result.solver_methods.get(method, 0) + 1
        self._apply(plan)
        return plan

    def _apply(self, plan: Schedule) -> None:
        """Write the plan to the open work orders and the lines' sequences."""
        touched: set[str] = set()
        for a in plan.assignments:
            if a.state is not AssignmentState.PLANNED:
                continue  # running, done or kept where it was
            row, op = self.rows.get(a.op_id), self.floor.ops.get(a.op_id)
            if row is None or op is None or (op.line, op.planned_start, op.planned_end) == (a.line_id, a.start, a.end):
                continue
            row.line, row.planned_start, row.planned_end, row.state = a.line_id, a.start, a.end, "released"
            touched.update(x for x in (op.line, a.line_id) if x is not None)
            op.line, op.planned_start, op.planned_end = a.line_id, a.start, a.end
        for line in touched:
            waiting = [o for o in self.floor.ops.values() if o.state == "waiting" and o.line == line
                       and o.planned_start is not None]
            self.sequence[line] = sorted(waiting, key=lambda o: (o.planned_start, o.key))


def _fastest_mode(world: World) -> dict[str, float]:
    """The shortest typical (mode) lead time per item: the live promise's ``supplier_lead_days``."""
    return {item: min(p.lead_days.mode for p in parts) for item, parts in world.parts.items() if parts}
