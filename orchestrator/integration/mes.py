"""The deployment's MES adapter, named by the settings (``C2M_MES_ADAPTER``) and built through the registry."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel

from orchestrator.integration.registry import AdapterSettingsError, UnknownAdapter, load_settings
from orchestrator.integration.spec import AdapterContext, AdapterSpec, close_port
from orchestrator.ports.journal import AdapterKind, Journal
from orchestrator.ports.mes import MesPort
from orchestrator.settings import Settings

#: Where the MES adapter's settings come from, for error messages.
SETTINGS_SOURCE = "C2M_MES_ADAPTER_SETTINGS"


class MesSettingsError(ValueError):
    """The MES adapter is unknown or refuses its settings; the message names the variable and the key."""


def mes_adapter(settings: Settings) -> tuple[AdapterSpec[Any], BaseModel, AdapterContext]:
    """The configured MES adapter's spec, its validated settings and its context (without a journal)."""
    try:
        spec, validated = load_settings(AdapterKind.MES, settings.mes_adapter, settings.mes_adapter_settings)
    except UnknownAdapter as exc:
        raise MesSettingsError(f"C2M_MES_ADAPTER: {exc}") from None
    except AdapterSettingsError as exc:
        raise MesSettingsError(
            "; ".join(f"{SETTINGS_SOURCE}: {'.'.join(map(str, loc))}: {what}" for loc, what in exc.problems)
        ) from None
    return spec, validated, AdapterContext(target="mes", default_endpoint=settings.resolved_mes_url)


def build_mes(settings: Settings, journal: Journal | None = None) -> MesPort:
    """The MES port the settings name (close it with :func:`close_port`)."""
    spec, validated, context = mes_adapter(settings)
    port: MesPort = spec.build(validated, AdapterContext(target=context.target,
                                                         default_endpoint=context.default_endpoint, journal=journal))
    return port


@contextlib.asynccontextmanager
async def open_mes(settings: Settings, journal: Journal | None = None) -> AsyncIterator[MesPort]:
    """The MES port the settings name, closed on leaving."""
    port = build_mes(settings, journal)
    try:
        yield port
    finally:
        await close_port(port)
