"""The catalog and configurator: rule-based products, validation, prices, BOM and routing explosion.

Typical use::

    catalog = load_catalog(Path("catalog"))
    result = quote(catalog, "aircon-split", {"colour": "white", "self_cleaning": True}, quantity=2)
    if result.valid:
        result.price, result.bom, result.routing
    promise = await promiser.promise(result.routing, result.bom, 2, now)
"""

from orchestrator.catalog.bom import BomRow, explode_bom
from orchestrator.catalog.configure import Configuration, configure
from orchestrator.catalog.loader import CatalogReport, check_catalog, load_catalog
from orchestrator.catalog.model import Catalog, CatalogRuleError, Item, ItemKind, Product, UnknownProduct
from orchestrator.catalog.pricing import Price, PriceLine, price_configuration
from orchestrator.catalog.problems import CatalogInvalid, CatalogProblem
from orchestrator.catalog.promise import CannotPromise, Promise, Promiser
from orchestrator.catalog.quote import Quote, quote
from orchestrator.catalog.routing import RoutedOperation, explode_routing
from orchestrator.catalog.simple_promise import DEFAULT_PLANT_LINES, CapacityAssumptions, SimpleCapacityPromiser
from orchestrator.catalog.values import ConfigError

__all__ = [
    "DEFAULT_PLANT_LINES",
    "BomRow",
    "CannotPromise",
    "CapacityAssumptions",
    "Catalog",
    "CatalogInvalid",
    "CatalogProblem",
    "CatalogReport",
    "CatalogRuleError",
    "ConfigError",
    "Configuration",
    "Item",
    "ItemKind",
    "Price",
    "PriceLine",
    "Product",
    "Promise",
    "Promiser",
    "Quote",
    "RoutedOperation",
    "SimpleCapacityPromiser",
    "UnknownProduct",
    "check_catalog",
    "configure",
    "explode_bom",
    "explode_routing",
    "load_catalog",
    "price_configuration",
    "quote",
]
