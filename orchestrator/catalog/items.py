"""Listing the item master, e.g. the ids suppliers must cover.

python -m orchestrator.catalog.items --purchased          # purchased item ids, one a line
python -m orchestrator.catalog.items --supplied --long    # purchased + stocked, with unit and lead time
python -m orchestrator.catalog.items --dir path/to/catalog
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from orchestrator.catalog.loader import load_catalog
from orchestrator.catalog.model import LEAF_KINDS, Catalog, Item, ItemKind

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "catalog"


def items_of_kind(catalog: Catalog, kinds: Iterable[ItemKind]) -> list[Item]:
    """Items of the given kinds, sorted by id."""
    wanted = set(kinds)
    return sorted((i for i in catalog.items.values() if i.kind in wanted), key=lambda i: i.id)


def supplied_items(catalog: Catalog) -> list[Item]:
    """Items the factory buys from suppliers: purchased ones and the stocked ones it replenishes."""
    return items_of_kind(catalog, LEAF_KINDS)


def main(argv: Sequence[str] | None = None) -> int:
    """Print item ids (or ``--long`` rows) of the chosen kinds."""
    parser = argparse.ArgumentParser(prog="python -m orchestrator.catalog.items", description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="catalog folder (default: the project's)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--purchased", action="store_true", help="purchased items only")
    group.add_argument("--stocked", action="store_true", help="stocked items only")
    group.add_argument("--supplied", action="store_true", help="purchased and stocked items (default)")
    group.add_argument("--all", action="store_true", help="every item, manufactured and phantom too")
    parser.add_argument("--long", action="store_true", help="id, kind, unit, lead time and name, tab-separated")
    args = parser.parse_args(argv)
    catalog = load_catalog(args.dir)
    if args.purchased:
        chosen = items_of_kind(catalog, [ItemKind.PURCHASED])
    elif args.stocked:
        chosen = items_of_kind(catalog, [ItemKind.STOCKED])
    elif args.all:
        chosen = items_of_kind(catalog, ItemKind)
    else:
        chosen = supplied_items(catalog)
    for item in chosen:
        if args.long:
            lead = "" if item.lead_time_days is None else f"{item.lead_time_days:g}"
            print(f"{item.id}\t{item.kind.value}\t{item.unit}\t{lead}\t{item.name}")
        else:
            print(item.id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
