"""The c2m policy on virtual time, with production's planning code, in production's order.

At entry the customer is promised at once, as the live API does (``services.schedule_promise``): free
stock, planned lead times at the policy's supply confidence (``orders.promising``) and a tentative place
in the booked schedule; the stock it counted is the order's at once (``inventory.netting``; production
holds it until the workflow reserves it). After approval (when needed), every shortage is bought at once
from the best-ranked quote (``inventory.choice.rank_offers``) against the materials' need date; after a
rejection the next one only when it is worth it, else every supplier is asked again later. A supplier's
date past the need date, at its confirmation or when a promised delivery passes without goods, projects
the finish at once and ``orders.delay.delay_notice`` decides whether the customer is told, as the order
workflow does on its sourcing's word. When the last goods are received the work is booked around the
kept plan (``services.plant_planning`` and ``scheduling.schedule``), released, and judged again against
the promise. Faults and repairs re-plan the open work with the frozen window, as the plant scheduler
does; after each re-plan every order whose projected delivery passed its promise is told at once.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta

from orchestrator.inventory import (
    ChoiceWeights,
    Offer,
    gross_requirements,
    net_requirements,
    rank_offers,
    worth_placing_after_rejection,
)
from orchestrator.orders.delay import delay_notice
from orchestrator.orders.fulfilment import projected_delivery
from orchestrator.orders.promising import (
    LeadTimeRange,
    PromisePolicy,
    fastest_planned_leads,
    material_leads,
    materials_needed_by,
    materials_ready,
    promised_delivery,
    work_time,
)
from orchestrator.persistence.tables.plant import WorkOrderRow
from orchestrator.scheduling import AssignmentState, Schedule, schedule
from orchestrator.services.plant_planning import LineFault, SolverSettings, build_request, op_key
from orchestrator.services.schedule_promise import QUOTE, place_tentatively, work_order_rows
from orchestrator.simulation.base import PolicyRun, Progress
from orchestrator.simulation.demand import SimOrder
from orchestrator.simulation.floor import SimOp
from orchestrator.simulation.scenario import Scenario
from orchestrator.simulation.supply import PoAnswer
from orchestrator.simulation.world import World

DAY = timedelta(days=1)
MAX_QUOTE_ROUNDS = 3  # the sourcing workflow's rounds of quotes (workflows.sourcing.state)


class C2mRun(PolicyRun):
    """Per-order sourcing, capacity- and supply-aware promises, re-planning and proactive notices."""

    name = "c2m"

    def __init__(self, scenario: Scenario, world: World, orders: list[SimOrder], progress: Progress | None) -> None:
        super().__init__(scenario, world, orders, progress)
        p = scenario.policies.c2m
        self.params = p
        self.policy = PromisePolicy(self.fulfilment.after_production(), timedelta(hours=p.safety_hours),
                                    timedelta(hours=p.receiving_hours), p.supply_confidence)
        self.settings = SolverSettings(time_limit_seconds=p.solve_seconds,
                                       frozen_window_minutes=p.frozen_window_minutes, num_workers=2)
        self.lead_days = fastest_planned_leads(
            (LeadTimeRange(item, part.lead_days.min, part.lead_days.mode, part.lead_days.max)
             for item, parts in world.parts.items() for part in parts), self.policy.supply_confidence)
        self.weights = ChoiceWeights(**p.choice.model_dump())
        self.rows: dict[str, WorkOrderRow] = {}  # open work orders by op key
        self.sequence: dict[str, list[SimOp]] = {lid: [] for lid in self.floor.lines}
        self.foreseen: dict[str, datetime] = {}  # order -> the latest delivery its sourcing has reported
        self.awaiting: dict[str, set[str]] = {}  # order -> PO documents not yet received
        self.announced: dict[str, datetime] = {}
        self.faults: dict[str, LineFault] = {}
        self.issued: set[str] = set()
        self.replanned_for: set[str] = set()
        self.floor.dispatcher = self
        self.floor.on_fault = self._fault

    # --- order entry --------------------------------------------------------------------------------

    def arrive(self, order: SimOrder) -> None:
        """The customer orders: promised at once, as the live API does, from free stock, planned lead times
        and a tentative place in the booked schedule; then approval (when needed) and sourcing."""
        now = self.queue.now
        material = material_leads(order.quote.bom, dict(self.stock.free()), self.lead_days, now)
        ready = materials_ready(material, now, self.policy)
        mine = place_tentatively(list(self.rows.values()), work_order_rows(QUOTE, order.quote.routing, ready, now),
                                 self.world.plant, now)
        self.promise(order, promised_delivery(max(a.end for a in mine), self.policy))
        self.awaiting[order.id] = set()
        self.foreseen[order.id] = now
        # The stock the promise counted is the order's from now on: production holds it for the order until
        # its workflow reserves it (``inventory_repo.holds``), through an approval wait too.
        net = net_requirements(gross_requirements(self.leaf_lines(order), now), self.stock.free())
        self.stock.count_netting(len(net), sum(1 for n in net if n.short))
        for req in net:
            if req.from_stock > 0:
                self.stock.reserve(req.item, req.from_stock)
        shortages = [(n.item, n.to_buy) for n in net if n.short]
        if order.needs_approval:  # the order workflow waits at its approval gate before anything else
            assert order.approval_delay is not None
            self.queue.at(now + order.approval_delay, lambda: self._source(order, shortages))
        else:
            self._source(order, shortages)

    def _source(self, order: SimOrder, shortages: list[tuple[str, float]]) -> None:
        """Buy every shortage at once against the materials' need date; book the work when nothing is
        awaited (the order workflow books after its goods receipts)."""
        now = self.queue.now
        need_by = materials_needed_by(self.records[order.id].promised, self.policy.after_production,
                                      work_time(order.quote.routing), now)
        self.put_on_floor(order)
        for item, quantity in shortages:
            self._buy(order, item, quantity, need_by)
        if not self.awaiting[order.id]:
            self._book(order)

    def _book(self, order: SimOrder) -> None:
        """Book the order's work into the plant schedule around the kept plan, released now; tell the
        customer if the booked finish breaks the promise."""
        now = self.queue.now
        due = self.records[order.id].promised - self.policy.after_production
        new = work_order_rows(order.id, order.quote.routing, now, now)
        for row in new:
            row.due = due
            self.rows[op_key(row.order_id, row.op_id)] = row
        plan = self._solve(keep_planned=True)
        self._tell(plan, {order.id})
        for op in self.open_ops.get(order.id, []):
            if op.released_at is None:
                op.released_at = now
        self.floor.kick()

    def _buy(self, order: SimOrder, item: str, quantity: float, need_by: datetime) -> PoAnswer:
        """Buy ``item`` as the sourcing workflow does: RFQ to every supplier, rank, place with the best; after
        a rejection the next quote only when it is worth it (``worth_placing_after_rejection``), else every
        supplier is asked again after the wait, up to the sourcing's rounds of quotes (the last takes any)."""
        doc = f"{order.id}:{item}"
        when, n, answer = self.queue.now, 0, None
        for round_ in range(1, MAX_QUOTE_ROUNDS + 1):
            quotes = {p.supplier: self.suppliers.quote(p, quantity, when, f"{doc}:r{round_}")
                      for p in self.world.offers_for(item)}
            if not quotes:
                raise RuntimeError(f"no supplier sells {item!r} (needed by {order.id}); add one to the supplier file")
            ranked = rank_offers([Offer(s, item, q.quantity, q.part.price, q.part.currency, q.promised)
                                  for s, q in quotes.items()], need_by, None, self.weights)
            refused = None
            for r in ranked:
                last_round = round_ == MAX_QUOTE_ROUNDS  # nothing left to wait for: any supplier will do
                if refused is not None and not last_round and not worth_placing_after_rejection(refused, r,
                                                                                                 self.weights):
                    break
                n += 1
                answer = self.suppliers.place(quotes[r.offer.supplier], f"{doc}:{n}")
                self.result.purchase_orders += 1
                if answer.accepted:
                    break
                self.result.rejected_purchase_orders += 1
                refused = r
            if answer is not None and answer.accepted:
                break
            when += timedelta(hours=self.weights.ask_again_after_hours)
        assert answer is not None
        if not answer.accepted:  # every round refused: the last supplier is asked again a day later
            q = answer.quote
            answer = PoAnswer(replace(q, promised=q.promised + DAY), True, q.promised + DAY)
        self.awaiting[order.id].add(doc)
        assert answer.delivered is not None
        self.queue.at(answer.delivered, lambda: self._received(order.id, doc, item, answer.quote.quantity, quantity))
        if answer.late:
            self.result.late_deliveries += 1
            self.queue.at(answer.quote.promised, lambda: self._late(order.id, doc, answer))
        if answer.quote.promised > need_by:  # the supplier confirms a date the plan cannot absorb
            self.queue.at(when, lambda: self._foresee(order.id, answer.quote.promised))
        return answer

    # --- supply events ------------------------------------------------------------------------------

    def _received(self, order_id: str, doc: str, item: str, lot: float, need: float) -> None:
        self.stock.receive(item, lot, self.queue.now)
        self.stock.reserve(item, need)
        self.awaiting[order_id].discard(doc)
        if not self.awaiting[order_id]:
            self._book(self.orders[order_id])

    def _late(self, order_id: str, doc: str, answer: PoAnswer) -> None:
        """The promised delivery passed without goods: the supplier's follow-up gives the new date."""
        if doc in self.awaiting[order_id]:
            assert answer.delivered is not None
            self._foresee(order_id, answer.delivered)

    def _foresee(self, order_id: str, delivery: datetime) -> None:
        """A bought material will come at ``delivery``: project the finish from it (receiving, then the
        order's work) and tell the customer at once if that breaks the promise, as the order workflow does
        on its sourcing's word."""
        if delivery <= self.foreseen[order_id]:
            return
        self.foreseen[order_id] = delivery
        finish = delivery + self.policy.receiving + work_time(self.orders[order_id].quote.routing)
        self._judge(order_id, finish)

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

    def _tell(self, plan: Schedule, only: set[str] | None = None) -> None:
        finish: dict[str, datetime] = {}
        for a in plan.assignments:
            if only is None or a.job_id in only:
                finish[a.job_id] = max(finish.get(a.job_id, a.end), a.end)
        for order_id, end in finish.items():
            self._judge(order_id, end)

    def _judge(self, order_id: str, production_finish: datetime) -> None:
        """The delay-notice rule (``orders.delay``) on a projected production finish."""
        record = self.records.get(order_id)
        if record is None:
            return
        notice = delay_notice(record.promised, projected_delivery(production_finish, self.fulfilment),
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
