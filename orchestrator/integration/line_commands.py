"""Commanding a line through its adapter: the ``control`` capability of the line's status adapter.

The plant file names each line's adapter and settings (``status:``); the same adapter that reports
the line may offer a :class:`~orchestrator.ports.lines.LineControl` for it, built from those settings.
Lines whose adapter offers none can be watched but not commanded (:class:`NoLineControl`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from orchestrator.integration.lines import line_adapter
from orchestrator.integration.spec import AdapterContext, AdapterSpec
from orchestrator.plant import Plant
from orchestrator.ports.lines import LineControl


class NoLineControl(LookupError):
    """The line's adapter offers no ``control``: the line cannot be commanded through c2m."""

    def __init__(self, adapter: str, line: str) -> None:
        self.adapter, self.line = adapter, line
        super().__init__(
            f"line {line} uses the line adapter {adapter!r}, which offers no job control (its spec has no "
            "control); command the line at its own panel, or give the adapter a control"
        )

    def __str__(self) -> str:
        return str(self.args[0])


def control_of(adapter: AdapterSpec[Any], settings: BaseModel, context: AdapterContext) -> LineControl:
    """The adapter's control of ``context.target`` (:class:`NoLineControl` when it offers none).

    Settings the control cannot work with (e.g. no endpoint) raise ``ValueError``.
    """
    if adapter.control is None:
        raise NoLineControl(adapter.name, context.target)
    return adapter.control(settings, context)


def plant_line_control(plant: Plant, line_id: str, default_endpoint: str) -> tuple[LineControl, str | None]:
    """The control of ``line_id`` built from the plant file's ``status:`` block, and its endpoint (for people).

    Raises :class:`~orchestrator.ports.lines.LineStatusConfigError` (the adapter is not installed or
    refuses the settings), :class:`NoLineControl`, or ``ValueError`` from the adapter.
    """
    adapter, settings, context = line_adapter(plant, line_id, default_endpoint)
    return control_of(adapter, settings, context), adapter.endpoint_of(settings, context)
