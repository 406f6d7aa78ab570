"""The process-wide plant clock, agreed between every process of one installation."""

from __future__ import annotations

import json
import time

from orchestrator.clock import PlantClock
from orchestrator.settings import Settings


def shared_clock_epoch(settings: Settings) -> float:
    """The plant clock's epoch: from settings, else kept in ``var/clock.json`` so restarts continue it."""
    if settings.clock_epoch is not None:
        return settings.clock_epoch
    path = settings.var_dir / "clock.json"
    if path.exists():
        return float(json.loads(path.read_text())["epoch"])
    epoch = time.time()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"epoch": epoch}))
    return epoch


def plant_clock(settings: Settings) -> PlantClock:
    """The plant clock for this installation."""
    return PlantClock(epoch=shared_clock_epoch(settings), scale=settings.time_scale)
