"""Materials planning: MRP netting, lot sizing, the supplier scorecard and the supplier choice score.

Pure domain: plain dataclasses in, plain dataclasses out. Nothing here reads the clock, a database or
the network; callers pass ``now`` and the stock they see.
"""

from orchestrator.inventory.choice import (
    ChoiceWeights,
    Offer,
    RankedOffer,
    rank_offers,
    worth_placing_after_rejection,
)
from orchestrator.inventory.lot_sizing import LotSizingRule, lot_size
from orchestrator.inventory.netting import (
    GrossRequirement,
    MaterialLine,
    NetRequirement,
    NettingError,
    gross_requirements,
    need_id_for,
    net_requirements,
    round_quantity,
)
from orchestrator.inventory.scorecard import HistoryKind, Scorecard, SupplierHistoryRecord, compute_scorecard

__all__ = [
    "ChoiceWeights",
    "GrossRequirement",
    "HistoryKind",
    "LotSizingRule",
    "MaterialLine",
    "NetRequirement",
    "NettingError",
    "Offer",
    "RankedOffer",
    "Scorecard",
    "SupplierHistoryRecord",
    "compute_scorecard",
    "gross_requirements",
    "lot_size",
    "need_id_for",
    "net_requirements",
    "rank_offers",
    "round_quantity",
    "worth_placing_after_rejection",
]
