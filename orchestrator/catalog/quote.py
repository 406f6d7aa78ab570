"""One call from a configuration to everything a quote needs except the date: checks, price, BOM, routing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.catalog.bom import BomRow, explode_bom
from orchestrator.catalog.configure import Configuration, configure
from orchestrator.catalog.model import Catalog
from orchestrator.catalog.pricing import Price, price_configuration
from orchestrator.catalog.routing import RoutedOperation, explode_routing
from orchestrator.catalog.values import ConfigError


@dataclass(frozen=True)
class Quote:
    """A checked configuration and, when it is valid, its price, exploded BOM and routing."""

    configuration: Configuration
    price: Price | None = None
    bom: tuple[BomRow, ...] = ()
    routing: tuple[RoutedOperation, ...] = ()

    @property
    def valid(self) -> bool:
        """True when the configuration has no errors."""
        return self.configuration.valid

    @property
    def errors(self) -> tuple[ConfigError, ...]:
        """Every problem with the configuration."""
        return self.configuration.errors


def quote(catalog: Catalog, sku: str, options: Mapping[str, Any], quantity: Any = 1) -> Quote:
    """Validate, price and explode a configuration of product ``sku`` (``UnknownProduct`` if there is none)."""
    config = configure(catalog.product(sku), options, quantity)
    if not config.valid:
        return Quote(config)
    evaluator = config.evaluator()
    bom = explode_bom(catalog.items, config, evaluator)
    routing = explode_routing(config, bom, evaluator)
    return Quote(config, price_configuration(config, evaluator), bom, routing)
