"""SQLModel tables, one module per area; importing this package registers them all on the metadata."""

from orchestrator.persistence.tables.orders import EventRow, OrderRow

__all__ = ["EventRow", "OrderRow"]
