"""A promise-simulation scenario: the market, the plant's data and both policies' parameters.

Read from YAML (``scenarios/standard.yaml``) by :func:`load_scenario`, or built in code (a what-if
starts from :class:`Scenario` and changes fields with ``model_copy``). Every mistake is reported with
the file, the key and what was expected, e.g.
``scenarios/x.yaml: arrivals.orders: Input should be greater than or equal to 1``.
Files the scenario names (catalog, plant, suppliers, stock) are relative to the scenario file; left
out, the project's shipped files are used.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

PROJECT = Path(__file__).resolve().parents[2]
DEFAULT_CATALOG = PROJECT / "catalog"
DEFAULT_PLANT = PROJECT / "plant" / "default.yaml"
DEFAULT_SUPPLIERS = PROJECT / "suppliers" / "default.yaml"
DEFAULT_STOCK = PROJECT / "stock" / "initial.yaml"


class ScenarioError(ValueError):
    """The scenario cannot be used as written; the message names the file, the key and the fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Triangular(_Strict):
    """A triangular distribution (low, most likely, high)."""

    min: float = Field(ge=0)
    mode: float = Field(ge=0)
    max: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.min <= self.mode <= self.max:
            raise ValueError(f"expected min <= mode <= max, got {self.min}, {self.mode}, {self.max}")
        return self


class Weighted(_Strict):
    """One value of an option (or a quantity) and its relative weight."""

    value: Any
    weight: float = Field(gt=0)


class Arrivals(_Strict):
    """Poisson arrivals over the horizon: a number of orders, or a rate per plant day."""

    orders: int | None = Field(default=200, ge=1)
    rate_per_day: float | None = Field(default=None, gt=0)

    def expected_orders(self, horizon_days: float) -> float:
        """The mean number of orders over the horizon."""
        if self.rate_per_day is not None:
            return self.rate_per_day * horizon_days
        return float(self.orders or 0)


class ProductMix(_Strict):
    """A product's share of demand and the distributions over its options and quantities."""

    sku: str = Field(min_length=1)
    share: float = Field(gt=0)
    options: dict[str, list[Weighted]] = Field(default_factory=dict)
    quantity: list[Weighted] = Field(default_factory=lambda: [Weighted(value=1, weight=1.0)], min_length=1)

    @field_validator("quantity")
    @classmethod
    def _whole(cls, quantity: list[Weighted]) -> list[Weighted]:
        for w in quantity:
            if isinstance(w.value, bool) or not isinstance(w.value, int) or w.value < 1:
                raise ValueError(f"quantities must be whole numbers >= 1, got {w.value!r}")
        return quantity


class SpecialRequests(_Strict):
    """The share of orders with special requests, which wait for a planner's approval."""

    share: float = Field(default=0.05, ge=0, le=1)
    approval_hours: Triangular = Triangular(min=0.5, mode=2.0, max=8.0)


class SupplierChange(_Strict):
    """Overrides of one supplier's behaviour (left out: the supplier file's)."""

    reliability: float | None = Field(default=None, ge=0, le=1)
    reject_rate: float | None = Field(default=None, ge=0, le=1)
    lead_time_factor: float = Field(default=1.0, gt=0)
    available: bool = True


class LineChange(_Strict):
    """Overrides of one line (left out: the plant file's)."""

    speed_factor: float | None = Field(default=None, gt=0)
    mtbf_hours: float | None = Field(default=None, ge=0)
    mttr_minutes: float | None = Field(default=None, ge=0)
    available: bool = True


class BaselinePolicy(_Strict):
    """A traditional stock-driven plant (docs/simulation.md says why each default is a fair one)."""

    mrp_period: Literal["daily", "weekly"] = "daily"
    mrp_hour: int = Field(default=6, ge=0, le=23)
    preferred_supplier: dict[str, str] = Field(default_factory=dict, description="item -> supplier id")
    default_preference: Literal["fastest", "cheapest"] = "fastest"
    quoted_lead_days: dict[str, float] = Field(default_factory=dict, description="sku -> days quoted")
    default_quoted_lead_days: float = Field(default=21.0, gt=0)


class Choice(_Strict):
    """The supplier choice score's weights (``inventory.choice.ChoiceWeights``; defaults: production's)."""

    price: float = Field(default=0.5, ge=0)
    date: float = Field(default=0.5, ge=0)
    reliability: float = Field(default=1.0, ge=0)
    buffer_days: float = Field(default=2.0, gt=0)
    late_horizon_days: float = Field(default=14.0, gt=0)
    late_tolerance_days: float = Field(default=2.0, gt=0)
    ask_again_after_hours: float = Field(default=24.0, ge=0)


class C2mPolicy(_Strict):
    """Parameters of the c2m policy (the rest is the production code's own)."""

    choice: Choice = Choice()

    safety_hours: float = Field(default=12.0, ge=0)
    supply_confidence: float = Field(default=0.98, ge=0, le=1,
                                     description="quantile of supplier lead times the promise plans on")
    receiving_hours: float = Field(default=4.0, ge=0)
    delay_margin_hours: float = Field(default=12.0, ge=0)
    frozen_window_minutes: float = Field(default=60.0, ge=0)
    solve_seconds: float = Field(default=2.0, ge=0, description="wall-time safety net of one re-plan")
    solve_work: float = Field(default=0.05, gt=0, description="CP-SAT deterministic work units per re-plan")


class Policies(_Strict):
    """Both policies' parameters."""

    baseline: BaselinePolicy = BaselinePolicy()
    c2m: C2mPolicy = C2mPolicy()


class Scenario(_Strict):
    """Everything one simulation run needs besides the policy."""

    name: str = "scenario"
    seed: int = 1
    start: datetime = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
    horizon_days: float = Field(default=20.0, gt=0)
    arrivals: Arrivals = Arrivals()
    mix: list[ProductMix] = Field(min_length=1)
    special_requests: SpecialRequests = SpecialRequests()
    catalog: Path = DEFAULT_CATALOG
    plant: Path = DEFAULT_PLANT
    suppliers: Path = DEFAULT_SUPPLIERS
    stock: Path = DEFAULT_STOCK
    supplier_changes: dict[str, SupplierChange] = Field(default_factory=dict)
    line_changes: dict[str, LineChange] = Field(default_factory=dict)
    fault_seed_offset: int = 0
    policies: Policies = Policies()

    @field_validator("start")
    @classmethod
    def _aware(cls, start: datetime) -> datetime:
        return start if start.tzinfo else start.replace(tzinfo=UTC)


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file (:class:`ScenarioError` naming every problem)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: scenario file not found; pass the path of a YAML scenario "
                            "(the shipped one is scenarios/standard.yaml)") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from None
    return parse_scenario(data, str(path), path.parent)


def parse_scenario(data: object, source: str = "<scenario>", base: Path | None = None) -> Scenario:
    """Validate already-loaded YAML; file paths in it are taken relative to ``base``."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: expected a mapping of scenario keys (name, seed, arrivals, mix, ...)")
    data = dict(data)
    for key in ("catalog", "plant", "suppliers", "stock"):
        if isinstance(data.get(key), str) and base is not None:
            data[key] = (base / data[key]).resolve()
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = "\n".join(f"  {_where(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ScenarioError(f"{source}: invalid scenario:\n{problems}") from None
    missing = [f"{key}: {value} does not exist" for key in ("catalog", "plant", "suppliers", "stock")
               if not (value := getattr(scenario, key)).exists()]
    if missing:
        raise ScenarioError(f"{source}: " + "; ".join(missing) + " (paths are relative to the scenario file)")
    return scenario


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"
