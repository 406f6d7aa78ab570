"""What both policies share: the clock, the floor, stock, suppliers, orders entering and leaving.

A policy decides how orders are promised, sourced, released and dispatched; this base does the
book-keeping that must be identical for a fair comparison: the same order stream, the same faults,
the same supplier dice, the same after-production times (``orders.fulfilment``), the same records.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from orchestrator.catalog.model import LEAF_KINDS
from orchestrator.inventory import MaterialLine
from orchestrator.orders.fulfilment import FulfilmentTimes, projected_delivery
from orchestrator.scheduling import Operation
from orchestrator.simulation.demand import SimOrder
from orchestrator.simulation.engine import EventQueue
from orchestrator.simulation.floor import Floor, SimOp
from orchestrator.simulation.records import OrderRecord, SimulationResult
from orchestrator.simulation.scenario import Scenario
from orchestrator.simulation.stock import StockLedger
from orchestrator.simulation.supply import Suppliers
from orchestrator.simulation.world import World

Progress = Callable[[int, int], None]  # (orders delivered, orders in all)
FAULTS_BEYOND_HORIZON = timedelta(days=365)


class PolicyRun:
    """One policy's run over one scenario; subclasses implement the policy's decisions."""

    name = "policy"

    def __init__(self, scenario: Scenario, world: World, orders: list[SimOrder], progress: Progress | None) -> None:
        self.scenario = scenario
        self.world = world
        self.orders = {o.id: o for o in orders}
        self.number = {o.id: n for n, o in enumerate(orders)}
        self.start = scenario.start
        self.horizon_end = scenario.start + timedelta(days=scenario.horizon_days)
        self.queue = EventQueue(scenario.start)
        # Lines keep failing while work remains (the run stops when the last order is delivered); a year past
        # the horizon only bounds a run that could not finish.
        self.floor = Floor(world.plant, self.queue, scenario.seed + scenario.fault_seed_offset,
                           self.horizon_end + FAULTS_BEYOND_HORIZON)
        self.stock = StockLedger(world.stock, world.unit_price, scenario.start)
        self.suppliers = Suppliers(scenario.seed)
        self.fulfilment = FulfilmentTimes()
        self.records: dict[str, OrderRecord] = {}
        self.open_ops: dict[str, list[SimOp]] = {}
        self.result = SimulationResult(scenario.name, self.name, scenario.seed, scenario.start, self.horizon_end, [])
        self.progress = progress
        self.delivered = 0
        self.in_plant = 0
        self.floor.on_done = self._op_done
        self.floor.on_start = self._op_started

    # --- running ------------------------------------------------------------------------------------

    def run(self) -> SimulationResult:
        """Play every order to delivery and return the records."""
        for order in self.orders.values():
            self.queue.at(order.arrival, partial(self._arrive, order))
        self.queue.run(stop=lambda: self.delivered == len(self.orders))
        end = self.queue.now
        r = self.result
        r.orders = [self.records[o] for o in self.orders if o in self.records]
        r.ended = end
        r.average_inventory_value = self.stock.average_value(end)
        r.requirement_lines, r.stock_outs = self.stock.requirement_lines, self.stock.stock_outs
        r.line_busy_minutes = {lid: state.busy_minutes for lid, state in self.floor.lines.items()}
        r.line_faults = {lid: s.fault_count for lid, s in self.floor.lines.items()}
        return r

    def _arrive(self, order: SimOrder) -> None:
        self.in_plant += 1
        self._wip()
        self.arrive(order)

    def _wip(self) -> None:
        self.result.wip.append((self.queue.now, self.in_plant))

    # --- the policy's part --------------------------------------------------------------------------

    def arrive(self, order: SimOrder) -> None:
        """An order comes in: promise it (and whatever else the policy does at once)."""
        raise NotImplementedError

    def finished(self, order: SimOrder, record: OrderRecord) -> None:
        """Production of ``order`` ended (hook for the policy)."""

    def started(self, op: SimOp) -> None:
        """An operation started (hook for the policy)."""

    # --- shared helpers -----------------------------------------------------------------------------

    def promise(self, order: SimOrder, promised: datetime) -> OrderRecord:
        """Record the date promised to the customer: the policy's ``promised``, unless the order carries a
        promise already given (an open order of the plant). That one is kept, since it is the date the
        customer holds: a what-if that takes capacity away must show it broken, not quietly promise later.
        The policy plans, sources and warns against the recorded date either way."""
        kept = promised if order.promised is None else order.promised
        record = OrderRecord(order.id, order.sku, order.quantity, order.arrival, kept, order.needs_approval)
        self.records[order.id] = record
        return record

    def put_on_floor(self, order: SimOrder) -> list[SimOp]:
        """The order's routing as operations on the floor (not released yet)."""
        ops = []
        for n, op in enumerate(order.quote.routing):
            op_id = op.id.replace("/", ":")
            key = f"{order.id}.{op_id}"
            operation = Operation(key, order.id, op.work_centre_type, max(1, math.ceil(op.quantity - 1e-9)),
                                  op.setup_minutes, op.run_minutes_per_unit)
            preds = tuple(f"{order.id}.{p.replace('/', ':')}" for p in op.predecessors)
            sim = SimOp(key, order.id, op_id, operation, preds, (self.number[order.id], n))
            self.floor.add(sim)
            ops.append(sim)
        self.open_ops[order.id] = list(ops)
        return ops

    def leaf_lines(self, order: SimOrder) -> list[MaterialLine]:
        """The order's purchased and stocked BOM leaves, as MRP netting takes them."""
        return [MaterialLine(r.item, r.quantity, r.unit) for r in order.quote.bom if r.kind in LEAF_KINDS]

    def notify(self, order_id: str) -> None:
        """The customer hears now that the promise will slip (the first time counts)."""
        record = self.records[order_id]
        record.notices += 1
        if record.first_notice is None:
            record.first_notice = self.queue.now

    def _op_started(self, op: SimOp) -> None:
        self.started(op)

    def _op_done(self, op: SimOp) -> None:
        remaining = self.open_ops[op.order_id]
        remaining.remove(op)
        if remaining:
            return
        order, record = self.orders[op.order_id], self.records[op.order_id]
        record.production_finish = self.queue.now
        record.delivered = projected_delivery(self.queue.now, self.fulfilment)
        self.finished(order, record)
        self.in_plant -= 1
        self._wip()
        self.queue.at(record.delivered, self._deliver)

    def _deliver(self) -> None:
        self.delivered += 1
        if self.progress is not None:
            self.progress(self.delivered, len(self.orders))
