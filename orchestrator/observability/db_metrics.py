"""Business metrics read from the app database at scrape time: orders by stage, supplier outcomes.

Each scrape runs three ``GROUP BY`` counts on indexed columns, so the numbers are always those of the
database (every API replica reports the same) and nothing has to be counted as it happens. When the
database cannot be read the scrape still answers, with ``c2m_metrics_database_up 0``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from orchestrator.persistence.tables.orders import OrderRow
from orchestrator.persistence.tables.purchasing import PurchaseOrderRow, SupplierHistoryRow

log = logging.getLogger(__name__)

ORDERS = OrderRow.__table__  # type: ignore[attr-defined]
PURCHASE_ORDERS = PurchaseOrderRow.__table__  # type: ignore[attr-defined]
SUPPLIER_HISTORY = SupplierHistoryRow.__table__  # type: ignore[attr-defined]


class DatabaseCollector(Collector):
    """Orders by stage, purchase orders by supplier and state, and each supplier's recorded outcomes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def describe(self) -> Iterable[Metric]:
        # Names only: without this, registering the collector would query the database at once.
        return [*(family for family, _ in self._families()), _database_up()]

    def collect(self) -> Iterator[Metric]:
        families = self._families()
        up = _database_up()
        try:
            with self.engine.connect() as conn:
                counts = [conn.execute(query).all() for _, query in families]
        except Exception as exc:  # a scrape must answer even with the database down
            log.warning("metrics: cannot read the app database: %s: %s", type(exc).__name__, exc)
            up.add_metric([], 0)
            yield up
            return
        for (family, _), rows in zip(families, counts, strict=True):
            for row in rows:
                family.add_metric([str(v) for v in row[:-1]], row[-1])
            yield family
        up.add_metric([], 1)
        yield up

    @staticmethod
    def _families() -> list[tuple[GaugeMetricFamily | CounterMetricFamily, Any]]:
        """Each metric with the query that counts it (labels first, the count last)."""
        ph, sh = PURCHASE_ORDERS.c, SUPPLIER_HISTORY.c
        return [
            (GaugeMetricFamily("c2m_orders", "Orders in each stage", labels=["stage"]),
             select(ORDERS.c.stage, func.count()).group_by(ORDERS.c.stage)),
            (GaugeMetricFamily("c2m_purchase_orders", "Purchase orders by supplier and state (refused, rejected "
                               "and unanswered ones are supplier failures)", labels=["supplier", "state"]),
             select(ph.supplier, ph.state, func.count()).group_by(ph.supplier, ph.state)),
            (CounterMetricFamily("c2m_supplier_outcomes", "Purchase order outcomes in each supplier's record "
                                 "(accepted, rejected, unanswered, delivered, cancelled)",
                                 labels=["supplier", "outcome"]),
             select(sh.supplier, sh.kind, func.count()).group_by(sh.supplier, sh.kind)),
        ]


def _database_up() -> GaugeMetricFamily:
    return GaugeMetricFamily("c2m_metrics_database_up", "1 when the app database answered this scrape")
