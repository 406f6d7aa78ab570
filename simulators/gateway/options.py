"""The plant simulator's gateway options: which lines the CSV gateway exports, and on which port.

``--gateway-port 8110`` starts the gateway (off by default); ``--gateway-lines FAB1,PCK1`` limits it
to those lines (default ``all``). It binds the simulator's ``--host``.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from simulators.gateway.server import LineGateway

if TYPE_CHECKING:  # the simulator imports this package for its options: no import back at run time
    from simulators.opcua_plant.server import PlantSimulator


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the gateway options to the simulator's parser."""
    p.add_argument(
        "--gateway-port", type=int, default=None,
        help="also export the lines as CSV over HTTP on this port (a legacy PLC gateway; off by default)",
    )
    p.add_argument("--gateway-lines", default="all", help="lines the gateway exports: ids, comma separated, or 'all'")


def chosen_lines(text: str, all_lines: list[str]) -> list[str]:
    """The lines named by ``--gateway-lines``; ``all`` (or nothing) means every line of the plant."""
    if text.strip().lower() in ("all", ""):
        return list(all_lines)
    return [line.strip() for line in text.split(",") if line.strip()]


@asynccontextmanager
async def exporting(sim: PlantSimulator, args: argparse.Namespace) -> AsyncIterator[LineGateway | None]:
    """Serve the gateway for a started simulator while the block runs (nothing without ``--gateway-port``)."""
    if args.gateway_port is None:
        yield None
        return
    gateway = LineGateway(sim, chosen_lines(args.gateway_lines, list(sim.machines)),
                          host=args.host, port=args.gateway_port)
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.stop()
