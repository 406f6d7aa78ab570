"""The simulators' copy of the plant clock (they are someone else's systems and share only the formula).

plant = epoch + (wall - epoch) * scale, with ``epoch`` a Unix timestamp common to every process.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class SimClock:
    """Plant time for a simulator."""

    epoch: float
    scale: float = 1.0

    @classmethod
    def from_env(cls, scale: float | None = None, epoch: float | None = None) -> SimClock:
        """Clock from arguments, else ``C2M_TIME_SCALE``/``C2M_CLOCK_EPOCH``, else real time from now."""
        s = scale if scale is not None else float(os.environ.get("C2M_TIME_SCALE", "1") or 1)
        e = epoch if epoch is not None else float(os.environ.get("C2M_CLOCK_EPOCH", "0") or 0) or time.time()
        return cls(epoch=e, scale=s)

    def now_ts(self) -> float:
        """Plant time now as a Unix timestamp."""
        return self.epoch + (time.time() - self.epoch) * self.scale

    def now(self) -> datetime:
        """Plant time now."""
        return datetime.fromtimestamp(self.now_ts(), tz=UTC)

    def wall_seconds(self, plant_seconds: float) -> float:
        """Wall seconds that ``plant_seconds`` of plant time last."""
        return plant_seconds / self.scale
