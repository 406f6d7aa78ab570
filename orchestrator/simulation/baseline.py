"""The stock-driven baseline: a traditional plant's way of promising and planning, on the same floor.

Each order is quoted the product's fixed lead time. Orders wait for the next MRP run (daily or weekly);
the run nets their requirements against free stock in order of arrival (the same ``inventory.netting``
code) and buys every shortage, lot-sized (``inventory.lot_sizing``), from the item's one preferred
supplier; a rejected purchase order is placed again at the next run. An order is released to the
floor, first come first served, when all its materials are in; planning assumes infinite capacity,
so the lines simply take the oldest ready work they can do. Nothing is re-planned, and a customer
learns of a slip on the promised date, when the goods do not come.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from orchestrator.inventory import gross_requirements, net_requirements
from orchestrator.simulation.base import PolicyRun, Progress
from orchestrator.simulation.demand import SimOrder
from orchestrator.simulation.floor import SimOp
from orchestrator.simulation.records import OrderRecord
from orchestrator.simulation.scenario import Scenario, ScenarioError
from orchestrator.simulation.world import SupplierPart, World

GIVE_UP = timedelta(days=730)  # a run that has not delivered everything two years on has a bug


class BaselineRun(PolicyRun):
    """Fixed quoted lead times, periodic MRP, one preferred supplier, FIFO on infinite capacity."""

    name = "baseline"

    def __init__(self, scenario: Scenario, world: World, orders: list[SimOrder], progress: Progress | None) -> None:
        super().__init__(scenario, world, orders, progress)
        self.params = scenario.policies.baseline
        self.preferred = _preferred(world, self.params.preferred_supplier, self.params.default_preference)
        self.pending: list[SimOrder] = []  # waiting for the next MRP run
        self.short: dict[str, dict[str, float]] = {}  # order -> item -> quantity still to come
        self.unbought: list[tuple[str, str, float]] = []  # (order, item, quantity) a rejected PO left open
        self.ready: list[SimOp] = []
        self.issued: set[str] = set()
        self.runs = 0
        self.floor.dispatcher = self
        period = timedelta(days=7 if self.params.mrp_period == "weekly" else 1)
        first = self.start.replace(hour=self.params.mrp_hour, minute=0, second=0, microsecond=0)
        if self.params.mrp_period == "weekly":
            first -= timedelta(days=first.weekday())
        while first <= self.start:
            first += period
        self.period = period
        self.queue.at(first, self._mrp_run)

    def arrive(self, order: SimOrder) -> None:
        days = self.params.quoted_lead_days.get(order.sku, self.params.default_quoted_lead_days)
        record = self.promise(order, order.arrival + timedelta(days=days))
        self.queue.at(record.promised, lambda: self._due(order.id))
        self.put_on_floor(order)
        if order.needs_approval:
            assert order.approval_delay is not None
            self.queue.at(order.arrival + order.approval_delay, lambda: self.pending.append(order))
        else:
            self.pending.append(order)

    def _due(self, order_id: str) -> None:
        """The promised date: a customer whose goods have not come learns of the slip now."""
        record = self.records[order_id]
        if record.delivered is None or record.delivered > record.promised:
            self.notify(order_id)

    # --- MRP ----------------------------------------------------------------------------------------

    def _mrp_run(self) -> None:
        now = self.queue.now
        self.runs += 1
        batch, self.pending = self.pending, []
        buy: dict[str, list[tuple[str, float]]] = {}
        for order_id, item, quantity in self.unbought:
            buy.setdefault(item, []).append((order_id, quantity))
        self.unbought = []
        for order in batch:
            net = net_requirements(gross_requirements(self.leaf_lines(order), now), self.stock.free())
            self.stock.count_netting(len(net), sum(1 for n in net if n.short))
            self.short[order.id] = {}
            for req in net:
                if req.from_stock > 0:
                    self.stock.reserve(req.item, req.from_stock)
                if req.short:
                    self.short[order.id][req.item] = req.to_buy
                    buy.setdefault(req.item, []).append((order.id, req.to_buy))
            self._release_if_complete(order.id)
        for item, needs in buy.items():
            self._purchase(item, needs)
        self.floor.kick()
        if (self.pending or self.delivered < len(self.orders)) and now < self.horizon_end + GIVE_UP:
            self.queue.at(now + self.period, self._mrp_run)

    def _purchase(self, item: str, needs: list[tuple[str, float]]) -> None:
        part = self.preferred.get(item)
        if part is None:
            raise ScenarioError(f"policies.baseline: nobody sells {item!r}; name a preferred supplier for it")
        total = sum(q for _, q in needs)
        doc = f"MRP{self.runs}:{item}"
        answer = self.suppliers.place(self.suppliers.quote(part, total, self.queue.now, doc), f"{doc}:1")
        self.result.purchase_orders += 1
        if not answer.accepted:
            self.result.rejected_purchase_orders += 1
            self.unbought.extend((o, item, q) for o, q in needs)
            return
        if answer.late:
            self.result.late_deliveries += 1
        assert answer.delivered is not None
        self.queue.at(answer.delivered, lambda: self._received(item, answer.quote.quantity, needs))

    def _received(self, item: str, lot: float, needs: list[tuple[str, float]]) -> None:
        self.stock.receive(item, lot, self.queue.now)
        for order_id, quantity in needs:
            self.stock.reserve(item, quantity)
            self.short[order_id].pop(item, None)
            self._release_if_complete(order_id)
        self.floor.kick()

    def _release_if_complete(self, order_id: str) -> None:
        if self.short.get(order_id):
            return
        for op in self.open_ops.get(order_id, []):
            if op.released_at is None:
                op.released_at = self.queue.now
                self.ready.append(op)

    # --- the floor ----------------------------------------------------------------------------------

    def next_for(self, line: str, now: datetime) -> SimOp | datetime | None:
        """The oldest released operation this line can do whose predecessors are done."""
        best: SimOp | None = None
        spec = self.floor.lines[line].spec
        for op in self.ready:
            if op.state == "waiting" and spec.can_do(op.operation.op_type) and self.floor.ready(op, now) and (
                    best is None or op.seq < best.seq):
                best = op
        return best

    def started(self, op: SimOp) -> None:
        self.ready.remove(op)
        if op.order_id not in self.issued:
            self.issued.add(op.order_id)
            for line in self.leaf_lines(self.orders[op.order_id]):
                self.stock.issue(line.item, line.quantity, self.queue.now)

    def finished(self, order: SimOrder, record: OrderRecord) -> None:
        self.short.pop(order.id, None)


def _preferred(world: World, named: dict[str, str], default: str) -> dict[str, SupplierPart]:
    """Each item's one supplier: the one named in the scenario, else the fastest (or cheapest) one."""
    out = {}
    for item, parts in world.parts.items():
        if not parts:
            continue
        if item in named:
            chosen = [p for p in parts if p.supplier == named[item]]
            if not chosen:
                raise ScenarioError(f"policies.baseline.preferred_supplier.{item}: {named[item]!r} does not sell it; "
                                    f"its suppliers are {[p.supplier for p in parts]}")
            out[item] = chosen[0]
        elif default == "fastest":
            out[item] = min(parts, key=lambda p: (p.lead_days.mode, p.price))
        else:
            out[item] = min(parts, key=lambda p: (p.price, p.lead_days.mode))
    return out
