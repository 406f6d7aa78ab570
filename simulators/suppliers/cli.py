"""Command line of the supplier simulator: ``python -m simulators.suppliers`` or ``c2m sim suppliers``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from simulators.common.clock import SimClock
from simulators.suppliers.app import DEV_WEBHOOK_SECRET, create_app
from simulators.suppliers.config import ConfigError, load_supplier_book

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "suppliers" / "default.yaml"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to document the options)."""
    p = argparse.ArgumentParser(
        prog="python -m simulators.suppliers",
        description="Simulated supplier SCM portal: UBL RFQs, purchase orders and signed ASN webhooks.",
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8102, help="TCP port (default 8102)")
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="supplier YAML file")
    p.add_argument("--state-file", type=Path, default=Path("var/suppliers.db"), help="SQLite state file")
    p.add_argument("--time-scale", type=float, default=None, help="plant seconds per wall second (C2M_TIME_SCALE)")
    p.add_argument("--epoch", type=float, default=None, help="Unix time where plant and wall agree (C2M_CLOCK_EPOCH)")
    p.add_argument(
        "--webhook-secret",
        default=os.environ.get("C2M_WEBHOOK_SECRET", DEV_WEBHOOK_SECRET),
        help="shared secret for signing ASNs (C2M_WEBHOOK_SECRET)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the simulator's random draws")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    return p


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, load the supplier file and serve until interrupted."""
    args = build_parser().parse_args(argv)
    if args.time_scale is not None and args.time_scale <= 0:
        sys.exit(f"--time-scale must be positive, got {args.time_scale}")
    try:
        book = load_supplier_book(args.config)
    except ConfigError as exc:
        sys.exit(str(exc))
    clock = SimClock.from_env(scale=args.time_scale, epoch=args.epoch)
    try:
        clock.now()
    except (OverflowError, ValueError, OSError):
        sys.exit(
            f"the plant clock (epoch {clock.epoch}, scale {clock.scale}) is already beyond the year 9999; "
            "use a recent --epoch/C2M_CLOCK_EPOCH or a smaller --time-scale"
        )
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s suppliers %(levelname)s %(message)s")
    app = create_app(book, args.state_file, clock, webhook_secret=args.webhook_secret, seed=args.seed)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
