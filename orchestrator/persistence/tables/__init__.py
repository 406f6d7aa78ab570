"""SQLModel tables, one module per area; importing this package registers them all on the metadata."""

from orchestrator.persistence.tables.integrations import AdapterMessageRow
from orchestrator.persistence.tables.inventory import GoodsReceiptRow, ReservationRow, StockRow
from orchestrator.persistence.tables.orders import EventRow, OrderRow
from orchestrator.persistence.tables.plant import LineStatusRow, WorkOrderRow
from orchestrator.persistence.tables.purchasing import PurchaseOrderRow, SupplierHistoryRow, WebhookDeliveryRow
from orchestrator.persistence.tables.security import ApiKeyRow, AuditRow
from orchestrator.persistence.tables.simulations import SimulationRow

__all__ = [
    "AdapterMessageRow",
    "ApiKeyRow",
    "AuditRow",
    "EventRow",
    "GoodsReceiptRow",
    "LineStatusRow",
    "OrderRow",
    "PurchaseOrderRow",
    "ReservationRow",
    "SimulationRow",
    "StockRow",
    "SupplierHistoryRow",
    "WebhookDeliveryRow",
    "WorkOrderRow",
]
