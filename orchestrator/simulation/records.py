"""What a run leaves behind: one record per order and the plant's figures, for the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

DAY = timedelta(days=1)


@dataclass
class OrderRecord:
    """One order's promise and what became of it (plant times)."""

    id: str
    sku: str
    quantity: int
    arrival: datetime
    promised: datetime
    needs_approval: bool = False
    production_finish: datetime | None = None
    delivered: datetime | None = None
    first_notice: datetime | None = None  # when the customer first heard the promise would slip
    notices: int = 0

    @property
    def on_time(self) -> bool:
        """Delivered by the promised date."""
        return self.delivered is not None and self.delivered <= self.promised

    @property
    def slipped(self) -> bool:
        """Delivered after the promised date (or not at all)."""
        return not self.on_time

    @property
    def announced_early(self) -> bool:
        """A slip the customer heard of before the promised date."""
        return self.first_notice is not None and self.first_notice < self.promised

    @property
    def promised_lead_days(self) -> float:
        """Days from order to promised delivery."""
        return (self.promised - self.arrival) / DAY

    @property
    def actual_lead_days(self) -> float | None:
        """Days from order to delivery (None while undelivered)."""
        return None if self.delivered is None else (self.delivered - self.arrival) / DAY

    @property
    def error_days(self) -> float | None:
        """Delivered minus promised, in days: positive is late."""
        return None if self.delivered is None else (self.delivered - self.promised) / DAY


@dataclass
class SimulationResult:
    """One policy's run of one scenario."""

    scenario: str
    policy: str
    seed: int
    start: datetime
    horizon_end: datetime
    orders: list[OrderRecord]
    line_busy_minutes: dict[str, float] = field(default_factory=dict)  # work each line did, whole run
    line_faults: dict[str, int] = field(default_factory=dict)
    wip: list[tuple[datetime, int]] = field(default_factory=list)  # orders in the plant after each change
    average_inventory_value: float = 0.0
    requirement_lines: int = 0
    stock_outs: int = 0
    purchase_orders: int = 0
    rejected_purchase_orders: int = 0
    late_deliveries: int = 0
    replans: int = 0
    solver_methods: dict[str, int] = field(default_factory=dict)
    solve_seconds: float = 0.0
    wall_seconds: float = 0.0
    ended: datetime | None = None
    notes: list[str] = field(default_factory=list)
