"""The plant model: lines, their capabilities and speeds, shift calendars, and status node mappings.

Typical use::

    plant = load_plant(settings.plant_file)
    for line in plant.lines_for("welding"): ...
    windows = plant.calendar_for("FAB1").working_windows(start, end)
    binding = plant.status_binding("FAB1", default_endpoint=settings.resolved_opcua_url)
"""

from orchestrator.plant.calendar import Calendar, NonWorkingWindow, Shift, ShiftWindow, Window
from orchestrator.plant.loader import PlantFileError, load_plant, parse_plant, plant_from_data
from orchestrator.plant.model import (
    Line,
    LineStatusConfig,
    OperationType,
    Plant,
    Reliability,
    UnknownLineError,
)
from orchestrator.plant.packml import JOB_ACTIVE_STATES, PackMLState, UnitMode, state_name, state_number

__all__ = [
    "JOB_ACTIVE_STATES",
    "Calendar",
    "Line",
    "LineStatusConfig",
    "NonWorkingWindow",
    "OperationType",
    "PackMLState",
    "Plant",
    "PlantFileError",
    "Reliability",
    "Shift",
    "ShiftWindow",
    "UnitMode",
    "UnknownLineError",
    "Window",
    "load_plant",
    "parse_plant",
    "plant_from_data",
    "state_name",
    "state_number",
]
