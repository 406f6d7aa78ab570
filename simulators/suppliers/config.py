"""The simulator's supplier master: who sells what, at which price, lead time and capacity.

Read from a YAML file (``suppliers/default.yaml``). Every mistake in the file is reported with its
location, for example ``suppliers[2].parts[0].lead_time_days: min <= mode <= max is required``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from simulators.suppliers.faults import Faults


class ConfigError(ValueError):
    """The supplier file is missing, unreadable or invalid; the message says where and how to fix it."""


class LeadTime(BaseModel):
    """A triangular lead-time distribution in plant days (order to delivery)."""

    model_config = ConfigDict(extra="forbid")

    min: float = Field(ge=0)
    mode: float = Field(ge=0)
    max: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> LeadTime:
        if not self.min <= self.mode <= self.max:
            raise ValueError(
                f"min <= mode <= max is required, got min={self.min}, mode={self.mode}, max={self.max}"
            )
        return self


class PartOffer(BaseModel):
    """One item a supplier sells, keyed by the buyer's item id."""

    model_config = ConfigDict(extra="forbid")

    item: str = Field(min_length=1)
    name: str | None = None
    price: Decimal = Field(gt=0, description="unit price")
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    unit: str = Field(default="EA", description="UN/ECE rec. 20 unit code, e.g. EA, MTR, KGM")
    moq: Decimal = Field(default=Decimal(1), gt=0, description="minimum order quantity")
    multiple: Decimal = Field(default=Decimal(1), gt=0, description="order quantities are multiples of this")
    lead_time_days: LeadTime
    capacity_per_day: Decimal | None = Field(
        default=None, gt=0, description="units that can leave the supplier per plant day; none = unlimited"
    )


class SupplierConfig(BaseModel):
    """One supplier of the simulated SCM portal."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    country: str | None = None
    currency: str = Field(default="EUR", min_length=3, max_length=3)
    reliability: float = Field(default=1.0, ge=0, le=1, description="probability of shipping on time")
    transit_days: float = Field(default=1.0, ge=0, description="plant days from despatch to delivery")
    quote_validity_days: float = Field(default=7.0, gt=0)
    endpoint: str | None = Field(
        default=None, description="buyer-side override of this supplier's SCM base URL; ignored by the simulator"
    )
    adapter: str | None = Field(default=None, description="buyer-side adapter name; ignored by the simulator")
    adapter_settings: dict[str, Any] = Field(
        default_factory=dict, description="buyer-side adapter settings; ignored by the simulator"
    )
    faults: Faults = Field(default_factory=Faults)
    parts: list[PartOffer] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_items(self) -> SupplierConfig:
        seen: set[str] = set()
        for part in self.parts:
            if part.item in seen:
                raise ValueError(f"item {part.item!r} is listed twice; keep one offer per item")
            seen.add(part.item)
        return self

    def part(self, item: str) -> PartOffer | None:
        """The offer for ``item``, or None when this supplier does not sell it."""
        return next((p for p in self.parts if p.item == item), None)

    def currency_of(self, part: PartOffer) -> str:
        """The currency a part is priced in (its own, else the supplier's)."""
        return part.currency or self.currency


class SupplierBook(BaseModel):
    """All suppliers of the portal."""

    model_config = ConfigDict(extra="forbid")

    suppliers: list[SupplierConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> SupplierBook:
        ids = [s.id for s in self.suppliers]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"supplier ids must be unique, repeated: {', '.join(dupes)}")
        return self

    def get(self, supplier_id: str) -> SupplierConfig | None:
        """The supplier with this id, or None."""
        return next((s for s in self.suppliers if s.id == supplier_id), None)


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_supplier_book(data: object, source: str = "<data>") -> SupplierBook:
    """Validate already-loaded YAML/JSON data; raise ConfigError naming each bad field."""
    try:
        return SupplierBook.model_validate(data)
    except ValidationError as exc:
        problems = "\n".join(f"  {_where(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{source}: invalid supplier configuration:\n{problems}") from None


def load_supplier_book(path: Path | str) -> SupplierBook:
    """Load and validate the supplier YAML file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: supplier file not found; pass --config with a YAML file") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse_supplier_book(data, str(path))
