"""The plant's lines, each behind the status adapter its ``status.adapter`` names, built through the registry."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from orchestrator.integration.registry import AdapterSettingsError, BadAdapter, UnknownAdapter, load_settings
from orchestrator.integration.spec import AdapterContext, AdapterSpec
from orchestrator.plant import Plant
from orchestrator.ports.journal import AdapterKind, Journal
from orchestrator.ports.lines import LineStatusConfigError, LineStatusSourceFactory


def line_adapter(
    plant: Plant, line_id: str, default_endpoint: str,
    clock: Callable[[], datetime] | None = None, journal: Journal | None = None,
) -> tuple[AdapterSpec[Any], BaseModel, AdapterContext]:
    """The spec, validated settings and context of ``line_id``'s status adapter.

    A missing adapter or refused settings (already reported when the plant file was loaded, unless
    the installed adapters changed since) raise :class:`LineStatusConfigError`: retrying cannot help.
    """
    status = plant.line(line_id).status
    try:
        spec, settings = load_settings(AdapterKind.LINE, status.adapter, status.adapter_settings())
    except (UnknownAdapter, BadAdapter, AdapterSettingsError) as exc:
        raise LineStatusConfigError(f"line {line_id}: status: {exc}") from None
    context = AdapterContext(line_id, default_endpoint, journal=journal)
    if clock is not None:
        context = dataclasses.replace(context, clock=clock)
    return spec, settings, context


def line_source_factory(
    plant: Plant, line_id: str, default_endpoint: str,
    clock: Callable[[], datetime] | None = None, journal: Journal | None = None,
) -> LineStatusSourceFactory:
    """The source factory of ``line_id``'s adapter (call it with the line's status binding)."""
    spec, settings, context = line_adapter(plant, line_id, default_endpoint, clock, journal)
    factory: LineStatusSourceFactory = spec.build(settings, context)
    return factory
