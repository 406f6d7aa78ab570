"""Command line of the MES simulator: ``python -m simulators.mes`` (also ``c2m sim mes``)."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from simulators.common.clock import SimClock
from simulators.mes.app import MesConfig, create_app


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m simulators.mes",
        description="MES simulator: B2MML job orders over HTTP, dispatched to the OPC UA plant simulator.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8101, help="HTTP port (default 8101)")
    p.add_argument("--opcua-url", default="opc.tcp://127.0.0.1:4840/", help="the plant simulator's endpoint")
    p.add_argument("--state-file", type=Path, default=Path("var/mes.db"), help="SQLite file for job orders")
    p.add_argument("--time-scale", type=float, default=None, help="plant seconds per wall second (C2M_TIME_SCALE)")
    p.add_argument("--epoch", type=float, default=None, help="Unix time where plant and wall agree (C2M_CLOCK_EPOCH)")
    p.add_argument("--reconcile-seconds", type=float, default=2.0, help="re-read every line at least this often")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    return p


def main(argv: Sequence[str] | None = None) -> None:
    """Run the MES simulator until interrupted (SIGINT/SIGTERM shut it down cleanly)."""
    args = _parser().parse_args(argv)
    if args.time_scale is not None and args.time_scale <= 0:
        raise SystemExit(f"--time-scale must be positive, got {args.time_scale}")
    if not 0 < args.port < 65536:
        raise SystemExit(f"--port must be between 1 and 65535, got {args.port}")
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s mes %(levelname)s %(name)s: %(message)s")
    # asyncua reports every revised subscription value and every reconnect attempt; keep errors only.
    logging.getLogger("asyncua").setLevel(logging.ERROR)
    config = MesConfig(
        opcua_url=args.opcua_url,
        state_file=args.state_file,
        clock=SimClock.from_env(scale=args.time_scale, epoch=args.epoch),
        reconcile_seconds=args.reconcile_seconds,
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host=args.host, port=args.port, log_level=args.log_level)
    )
    server.run()
