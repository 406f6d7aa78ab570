"""Building the sourcing activities from settings: the worker's composition root calls this.

The only place in the sourcing package that builds the supplier ports: each supplier's ``adapter:`` in
the supplier file names a registered adapter (default ``ubl-http``), built through the registry.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from orchestrator.clock import PlantClock
from orchestrator.inventory.supplier_list import load_supplier_listings, lot_rules
from orchestrator.ports.journal import Journal
from orchestrator.settings import Settings

WEBHOOK_PATH = "/api/webhooks/despatch-advice"


def webhook_url(settings: Settings) -> str:
    """Where suppliers post their ASNs for this deployment."""
    return settings.resolved_public_url.rstrip("/") + WEBHOOK_PATH


def plant_clock(settings: Settings) -> PlantClock:
    """The plant clock of the settings; a scaled clock needs the shared epoch (``C2M_CLOCK_EPOCH``)."""
    if settings.clock_epoch is None:
        if settings.time_scale != 1:
            raise ValueError(
                f"C2M_TIME_SCALE is {settings.time_scale} but C2M_CLOCK_EPOCH is not set; every process must "
                "share the epoch of a scaled plant clock (c2m up sets it)"
            )
        return PlantClock(0.0, 1.0)
    return PlantClock(settings.clock_epoch, settings.time_scale)


def build_sourcing_activities(
    settings: Settings, engine: Engine, journal: Journal | None = None
) -> list[Callable[..., object]]:
    """The sourcing activities to register on a worker, wired to the configured suppliers.

    With a ``journal``, every exchange with a supplier is recorded there.
    """
    from orchestrator.integration.suppliers import AdapterSupplierDirectory
    from workflows.sourcing.activities import SourcingActivities

    directory = AdapterSupplierDirectory.from_file(settings.suppliers_file, settings.resolved_suppliers_url,
                                                   journal=journal)
    rules = lot_rules(load_supplier_listings(settings.suppliers_file))
    activities = SourcingActivities(directory, engine, plant_clock(settings), webhook_url(settings), lot_rules=rules)
    return activities.all()
