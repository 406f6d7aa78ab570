"""The part of the plant file the simulator needs: the lines, their speed and reliability.

Deliberately minimal and independent of the orchestrator's loader: the simulator stands for
someone else's system and only reads the ``lines`` (and ``defaults``) sections.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class PlantFileError(ValueError):
    """The plant file cannot drive the simulator; the message names the file and the key."""


@dataclass(frozen=True)
class LineSpec:
    """One simulated line."""

    id: str
    speed_factor: float = 1.0
    mach_speed: float = 60.0
    mtbf_hours: float = 0.0
    mttr_minutes: float = 30.0
    abort_share: float = 0.0
    defect_rate: float = 0.0


def read_lines(path: str | Path) -> list[LineSpec]:
    """The lines of the plant file at ``path``, in file order."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlantFileError(f"{path}: file not found (pass --plant-file)") from None
    except yaml.YAMLError as exc:
        raise PlantFileError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("lines"), dict) or not data["lines"]:
        raise PlantFileError(f"{path}: lines: expected a mapping of line id -> settings with at least one line")
    defaults = data.get("defaults") or {}
    return [_line(path, str(line_id), settings, defaults) for line_id, settings in data["lines"].items()]


def _line(path: str | Path, line_id: str, settings: Any, defaults: dict[str, Any]) -> LineSpec:
    where = f"{path}: lines.{line_id}"
    if not isinstance(settings, dict):
        raise PlantFileError(f"{where}: expected a mapping of line settings")
    reliability = {**(defaults.get("reliability") or {}), **(settings.get("reliability") or {})}

    def number(key: str, source: dict[str, Any], fallback: float, low: float, high: float) -> float:
        value = source.get(key, fallback)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise PlantFileError(f"{where}.{key}: expected a number from {low} to {high}, got {value!r}")
        return float(value)

    merged = {**defaults, **settings}
    speed_factor = number("speed_factor", merged, 1.0, 0.01, 100.0)
    return LineSpec(
        id=line_id,
        speed_factor=speed_factor,
        mach_speed=number("mach_speed", merged, 60.0, 0.001, 1e9),
        mtbf_hours=number("mtbf_hours", reliability, 0.0, 0.0, 1e9),
        mttr_minutes=number("mttr_minutes", reliability, 30.0, 0.0, 1e9),
        abort_share=number("abort_share", reliability, 0.0, 0.0, 1.0),
        defect_rate=number("defect_rate", merged, 0.0, 0.0, 0.5),
    )
