"""The starting-stock file (``stock/initial.yaml``): which items are on the shelf when a plant starts.

Validated with a message per mistake that names the entry and the fix, e.g.
``stock/initial.yaml: stock[3].on_hand: Input should be greater than or equal to 0``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_STOCK_FILE = Path(__file__).resolve().parents[2] / "stock" / "initial.yaml"


class StockFileError(ValueError):
    """The stock file is missing, unreadable or invalid; the message says where and how to fix it."""


class InitialStock(BaseModel):
    """One item's starting quantity on hand, in the item master's unit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item: str = Field(min_length=1, max_length=80)
    on_hand: float = Field(ge=0)
    unit: str = Field(min_length=1, max_length=10)


class _StockFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stock: list[InitialStock] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> _StockFile:
        seen: set[str] = set()
        for entry in self.stock:
            if entry.item in seen:
                raise ValueError(f"item {entry.item!r} is listed twice; keep one line per item")
            seen.add(entry.item)
        return self


def parse_initial_stock(data: object, source: str = "<data>") -> list[InitialStock]:
    """Validate already-loaded YAML data (a mapping with a ``stock`` list)."""
    if data is None:
        return []
    try:
        return _StockFile.model_validate(data).stock
    except ValidationError as exc:
        problems = "\n".join(f"  {_where(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise StockFileError(f"{source}: invalid stock file:\n{problems}") from None


def load_initial_stock(path: Path | str) -> list[InitialStock]:
    """Read and validate a stock file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StockFileError(f"{path}: stock file not found; create it or pass the path of another one") from None
    except yaml.YAMLError as exc:
        raise StockFileError(f"{path}: not valid YAML: {exc}") from None
    return parse_initial_stock(data, str(path))


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"
