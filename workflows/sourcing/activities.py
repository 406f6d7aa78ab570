"""The sourcing activities: every supplier call and database write of the sourcing workflow.

One class, ``SourcingActivities``, built by the worker with its ports: the supplier directory (one
:class:`~orchestrator.ports.suppliers.SupplierPort` per supplier), the SQLAlchemy engine, the plant
clock, and the webhook URL suppliers post ASNs to. Its methods come from ``buying.py`` (quotes, PO)
and ``receiving.py`` (status poll, cancel, goods receipt, events); each activity's database writes
go into one transaction, and every side effect is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable

from workflows.sourcing.base import document_id, idempotency_key
from workflows.sourcing.buying import BuyingActivities
from workflows.sourcing.receiving import ReceivingActivities

__all__ = ["SourcingActivities", "document_id", "idempotency_key"]


class SourcingActivities(BuyingActivities, ReceivingActivities):
    """Activities of the sourcing workflow (see ``wiring.py`` for how the worker builds one)."""

    def all(self) -> list[Callable[..., object]]:
        """Every activity, for the worker's ``activities=`` list."""
        return [self.quote, self.place_order, self.poll_status, self.cancel_order, self.receive_goods, self.record]
