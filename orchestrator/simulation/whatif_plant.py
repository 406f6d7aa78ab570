"""Reshaping the plant for a what-if: a new line, a line's shifts or calendar, written as a plant file.

The scenario names its plant by file, so a what-if that adds a line or changes a calendar writes a
derived copy of the plant file (same format, docs/plant.md) and checks it with the production loader.
A line whose shifts change gets its own copy of its calendar: the other lines keep theirs.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from orchestrator.plant import PlantFileError, load_plant
from orchestrator.simulation.whatif_changes import (
    AddLine,
    AddShift,
    Change,
    LineCalendar,
    RemoveLine,
    RemoveShift,
    WhatIfError,
)

PLANT_FILE_NAME = "plant-what-if.yaml"


class PlantEdit:
    """The plant file's data, being changed; :attr:`changed` once anything was."""

    def __init__(self, plant_file: Path) -> None:
        self.plant = load_plant(plant_file)
        self.data: dict[str, Any] = yaml.safe_load(Path(plant_file).read_text(encoding="utf-8"))
        self.lines: dict[str, Any] = self.data.setdefault("lines", {})
        self.calendars: dict[str, Any] = self.data.setdefault("calendars", {})
        self.changed = False

    def require_line(self, line: str, where: str, removed: set[str]) -> None:
        """``line`` must be a line of the plant (or added by an earlier change) not taken away already."""
        if line not in self.lines:
            raise WhatIfError(where, f"unknown line {line!r}; the plant's lines are {', '.join(self.lines)}")
        if line in removed:
            raise WhatIfError(where, f"line {line!r} is already removed by an earlier change; change it before "
                                     "removing it, or drop one of the two changes")

    def speed_of(self, line: str) -> float:
        """The line's speed factor as the plant file gives it."""
        if line in self.plant.lines:
            return self.plant.lines[line].speed_factor
        return float(self.lines[line].get("speed_factor", 1.0))

    def capabilities(self, line: str) -> set[str]:
        """What the line can do."""
        if line in self.plant.lines:
            return {str(c) for c in self.plant.lines[line].capabilities}
        return {str(c) for c in self.lines[line].get("capabilities", [])}

    def apply(self, change: Change, where: str, removed: set[str]) -> None:
        """Apply a change to the plant's shape (a new line, a shift, a calendar)."""
        if isinstance(change, AddLine):
            if change.line in self.lines:
                raise WhatIfError(f"{where}.line", f"line {change.line!r} already exists; give the new line "
                                                   "an id the plant file does not use")
            self.require_line(change.like, f"{where}.like", removed)
            entry = copy.deepcopy(self.lines[change.like])
            entry.pop("i18n", None)  # the copied line's translated name would name the original
            entry["name"] = f"{change.line} (like {change.like})"
            if change.speed_factor is not None:
                entry["speed_factor"] = change.speed_factor
            self.lines[change.line] = entry
        elif isinstance(change, LineCalendar):
            self.require_line(change.line, f"{where}.line", removed)
            if change.calendar not in self.calendars:
                raise WhatIfError(f"{where}.calendar", f"unknown calendar {change.calendar!r}; the plant file "
                                                       f"defines {', '.join(self.calendars)}")
            self.lines[change.line]["calendar"] = change.calendar
        elif isinstance(change, AddShift | RemoveShift):
            self.require_line(change.line, f"{where}.line", removed)
            shifts = self._own_calendar(change.line)["shifts"]
            names = [str(s.get("name")) for s in shifts]
            if isinstance(change, AddShift):
                if change.name in names:
                    raise WhatIfError(f"{where}.name", f"line {change.line!r} already works a shift called "
                                                       f"{change.name!r}; pick another name")
                shifts.append({"name": change.name, "start": change.start, "end": change.end, "days": change.days})
            else:
                if change.shift not in names:
                    raise WhatIfError(f"{where}.shift", f"line {change.line!r} has no shift {change.shift!r}; "
                                                        f"its shifts are {', '.join(names)}")
                if len(shifts) == 1:
                    raise WhatIfError(f"{where}.shift", f"{change.shift!r} is line {change.line!r}'s only shift; "
                                                        "remove the line instead (kind remove_line)")
                shifts.pop(names.index(change.shift))
        else:  # pragma: no cover - every other kind is applied by whatif.apply_changes
            raise TypeError(f"not a plant change: {change!r}")
        self.changed = True

    def check_capabilities(self, removed: set[str], changes: list[Change]) -> None:
        """Every capability the plant had must keep a line; else name the change removing the last one."""
        before = {c for line in self.plant.lines for c in self.capabilities(line)}
        left = {c for line in self.lines if line not in removed for c in self.capabilities(line)}
        lost = sorted(before - left)
        if not lost:
            return
        n, line = next((n, c.line) for n, c in reversed(list(enumerate(changes)))
                       if isinstance(c, RemoveLine) and self.capabilities(c.line) & set(lost))
        raise WhatIfError(f"changes[{n}].line", f"removing line {line!r} leaves no line able to do "
                                                f"{', '.join(lost)}; keep it, or add a line like it first "
                                                f"(kind add_line)")

    def _own_calendar(self, line: str) -> dict[str, Any]:
        """The line's calendar, copied under the line's own name the first time it changes."""
        entry = self.lines[line]
        name = str(entry.get("calendar") or (self.data.get("defaults") or {}).get("calendar"))
        own = f"{line}-what-if"
        if name != own:
            self.calendars[own] = copy.deepcopy(self.calendars[name])
            self.calendars[own].setdefault("shifts", [])
            entry["calendar"] = own
        calendar: dict[str, Any] = self.calendars[own]
        return calendar


def write_plant_variant(edit: PlantEdit, original: Path, workdir: Path) -> Path:
    """Write the changed plant file into ``workdir`` and check it with the production loader."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / PLANT_FILE_NAME
    header = f"# {original.name} with a planner's what-if changes (docs/what-if.md)\n"
    path.write_text(header + yaml.safe_dump(edit.data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    try:
        load_plant(path)
    except PlantFileError as exc:
        raise WhatIfError("changes", "the changed plant is not valid: " + "; ".join(exc.problems)) from None
    return path
