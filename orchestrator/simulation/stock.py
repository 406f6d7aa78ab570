"""The stock ledger in virtual time: on hand, reserved for orders, and the inventory's average value."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime


class StockLedger:
    """On-hand and reserved quantities per item; free stock is on hand minus reserved.

    Every change is stamped with the plant time so the time-weighted average inventory value (at each
    item's cheapest listed price) can be reported.
    """

    def __init__(self, on_hand: dict[str, float], price: Callable[[str], float], start: datetime) -> None:
        self.on_hand = dict(on_hand)
        self.reserved: dict[str, float] = {}
        self._price = price
        self._value = sum(q * price(i) for i, q in self.on_hand.items())
        self._since = start
        self._start = start
        self._integral = 0.0
        self.stock_outs = 0  # requirement lines free stock could not cover when netted
        self.requirement_lines = 0

    def free(self) -> dict[str, float]:
        """Free stock per item (on hand minus reserved)."""
        return {i: q - self.reserved.get(i, 0.0) for i, q in self.on_hand.items()}

    def reserve(self, item: str, quantity: float) -> None:
        """Set ``quantity`` aside for an order."""
        self.reserved[item] = self.reserved.get(item, 0.0) + quantity

    def receive(self, item: str, quantity: float, now: datetime) -> None:
        """Goods in: on hand grows."""
        self._tick(now)
        self.on_hand[item] = self.on_hand.get(item, 0.0) + quantity
        self._value += quantity * self._price(item)

    def issue(self, item: str, quantity: float, now: datetime) -> None:
        """Reserved goods leave for production."""
        self._tick(now)
        self.on_hand[item] = self.on_hand.get(item, 0.0) - quantity
        self.reserved[item] = self.reserved.get(item, 0.0) - quantity
        self._value -= quantity * self._price(item)

    def count_netting(self, lines: int, short: int) -> None:
        """Record a netting: how many requirement lines, how many stock could not cover."""
        self.requirement_lines += lines
        self.stock_outs += short

    def average_value(self, now: datetime) -> float:
        """Time-weighted average inventory value from the start to ``now``."""
        self._tick(now)
        seconds = (now - self._start).total_seconds()
        return self._integral / seconds if seconds > 0 else self._value

    def _tick(self, now: datetime) -> None:
        self._integral += self._value * (now - self._since).total_seconds()
        self._since = now
