"""The plant clock: one notion of time shared by the API, workflows, simulators and the domain.

Plant time runs ``scale`` times faster than wall time from a common ``epoch``:

    plant = epoch + (wall - epoch) * scale

Every domain duration (lead times, run times, promises) is plant time. Workflow timers convert a
plant duration into wall seconds with :meth:`PlantClock.wall_seconds`. The domain never reads the
clock itself; callers pass ``now`` in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class PlantClock:
    """Maps wall time to plant time. ``epoch`` is a Unix timestamp shared by all processes."""

    epoch: float
    scale: float = 1.0

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise ValueError(f"time scale must be positive, got {self.scale}")

    def plant_at(self, wall: datetime | float) -> datetime:
        """Plant time at a given wall instant (a datetime or a Unix timestamp)."""
        ts = wall.timestamp() if isinstance(wall, datetime) else wall
        return datetime.fromtimestamp(self.epoch + (ts - self.epoch) * self.scale, tz=UTC)

    def now(self) -> datetime:
        """Plant time now (reads the wall clock: for edges, never for the domain)."""
        return self.plant_at(time.time())

    def wall_at(self, plant: datetime) -> float:
        """The Unix timestamp at which the plant clock shows ``plant``."""
        return self.epoch + (plant.timestamp() - self.epoch) / self.scale

    def wall_seconds(self, plant_duration: timedelta | float) -> float:
        """Wall seconds that a plant duration lasts."""
        secs = plant_duration.total_seconds() if isinstance(plant_duration, timedelta) else plant_duration
        return secs / self.scale

    def plant_duration(self, wall_seconds: float) -> timedelta:
        """The plant duration that passes in ``wall_seconds`` of wall time."""
        return timedelta(seconds=wall_seconds * self.scale)
