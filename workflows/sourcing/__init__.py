"""Sourcing: one child workflow per purchase need, from RFQ to goods receipt.

The worker registers ``SOURCING_WORKFLOWS`` and ``build_sourcing_activities(settings, engine)``. This
module stays light: the workflow sandbox imports it, so the wiring (settings, adapters, database) is
imported only when the worker builds the activities.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from workflows.sourcing.workflow import SourcingWorkflow

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from orchestrator.ports.journal import Journal
    from orchestrator.settings import Settings

SOURCING_WORKFLOWS = [SourcingWorkflow]


def build_sourcing_activities(
    settings: Settings, engine: Engine, journal: Journal | None = None
) -> list[Callable[..., object]]:
    """The sourcing activities to register on a worker, wired to the configured suppliers."""
    from workflows.sourcing.wiring import build_sourcing_activities as build

    return build(settings, engine, journal)


def webhook_url(settings: Settings) -> str:
    """Where suppliers post their ASNs for this deployment."""
    from workflows.sourcing.wiring import webhook_url as url

    return url(settings)


__all__ = ["SOURCING_WORKFLOWS", "SourcingWorkflow", "build_sourcing_activities", "webhook_url"]
