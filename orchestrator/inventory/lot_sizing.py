"""Lot sizing: turn a net requirement into a quantity a supplier will sell.

A supplier sells at least its minimum order quantity (MOQ), in whole multiples of its order
multiple (a carton, a reel, a coil). The lot is the smallest quantity that is both at least the
requirement and at least the MOQ, and a whole number of multiples. Decimal arithmetic keeps
``0.1``-style multiples exact. What the lot adds beyond the requirement becomes free stock on receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal


@dataclass(frozen=True)
class LotSizingRule:
    """A supplier's MOQ and order multiple for one item."""

    moq: float = 1.0
    multiple: float = 1.0

    def __post_init__(self) -> None:
        if not self.moq > 0:
            raise ValueError(f"minimum order quantity must be > 0, got {self.moq}")
        if not self.multiple > 0:
            raise ValueError(f"order multiple must be > 0, got {self.multiple}")

    def apply(self, quantity: float) -> float:
        """The lot for ``quantity`` under this rule."""
        return lot_size(quantity, self.moq, self.multiple)


def lot_size(quantity: float, moq: float = 1.0, multiple: float = 1.0) -> float:
    """The smallest quantity >= ``quantity`` and >= ``moq`` that is a whole number of ``multiple``.

    ``lot_size(7, moq=10, multiple=5) == 10``; ``lot_size(12, moq=10, multiple=5) == 15``;
    ``lot_size(0.25, moq=0.1, multiple=0.1) == 0.3``. A zero requirement needs no lot (0).
    """
    if quantity < 0:
        raise ValueError(f"cannot size a lot for a negative quantity ({quantity})")
    if not moq > 0 or not multiple > 0:
        raise ValueError(f"MOQ and multiple must be > 0, got moq={moq}, multiple={multiple}")
    if quantity == 0:
        return 0.0
    wanted = max(Decimal(str(quantity)), Decimal(str(moq)))
    step = Decimal(str(multiple))
    lots = (wanted / step).to_integral_value(rounding=ROUND_CEILING)
    return float(lots * step)
