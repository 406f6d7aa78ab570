"""Stock in the database: seeding, reservations that never over-reserve, releases, goods receipts, and
goods issues to production."""

from orchestrator.persistence.inventory_repo.holds import promised_from_stock
from orchestrator.persistence.inventory_repo.issues import Issued, issue_order, issued_of
from orchestrator.persistence.inventory_repo.receipts import (
    GoodsReceipt,
    ReceiptOutcome,
    book_receipt,
    receive_goods,
    received_for_po,
)
from orchestrator.persistence.inventory_repo.stock import (
    InventoryError,
    Reservation,
    StockLevel,
    release_order,
    reservations_of,
    reserve,
    reserve_for_order,
    seed_stock,
    seed_stock_from_file,
    stock_levels,
)

__all__ = [
    "GoodsReceipt",
    "InventoryError",
    "Issued",
    "ReceiptOutcome",
    "Reservation",
    "StockLevel",
    "book_receipt",
    "issue_order",
    "issued_of",
    "promised_from_stock",
    "receive_goods",
    "received_for_po",
    "release_order",
    "reservations_of",
    "reserve",
    "reserve_for_order",
    "seed_stock",
    "seed_stock_from_file",
    "stock_levels",
]
