"""After production: quality check, packing and transit times, and the projected delivery date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class FulfilmentTimes:
    """Plant-time durations of the steps after the last operation."""

    quality_check: timedelta = timedelta(hours=2)
    packing: timedelta = timedelta(hours=1)
    transit: timedelta = timedelta(days=2)

    def after_production(self) -> timedelta:
        """From the end of production to delivery at the customer."""
        return self.quality_check + self.packing + self.transit


def projected_delivery(production_finish: datetime, times: FulfilmentTimes) -> datetime:
    """When the customer should receive the goods if production ends at ``production_finish``."""
    return production_finish + times.after_production()
