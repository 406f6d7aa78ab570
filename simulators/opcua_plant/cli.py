"""Command line of the OPC UA plant simulator (``python -m simulators.opcua_plant``, ``c2m sim opcua``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from simulators.common.clock import SimClock
from simulators.gateway import options as gateway
from simulators.gateway.server import GatewayError
from simulators.opcua_plant.plant_file import PlantFileError, read_lines
from simulators.opcua_plant.server import PlantSimulator
from simulators.opcua_plant.store import LineStateStore, StateFileError
from simulators.sparkplug import options as sparkplug

log = logging.getLogger("simulators.opcua_plant")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The simulator's options."""
    p = argparse.ArgumentParser(
        prog="python -m simulators.opcua_plant",
        description="OPC UA plant simulator: one PackML line per line of the plant file.",
    )
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=4840, help="TCP port (default 4840)")
    p.add_argument("--plant-file", default="plant/default.yaml", help="plant YAML (default plant/default.yaml)")
    p.add_argument("--state-file", default="var/opcua_plant.db", help="SQLite state file (default var/opcua_plant.db)")
    p.add_argument("--time-scale", type=float, default=None, help="plant seconds per wall second (C2M_TIME_SCALE)")
    p.add_argument(
        "--epoch", type=float, default=None, help="Unix time where plant and wall clocks agree (C2M_CLOCK_EPOCH)"
    )
    p.add_argument("--seed", type=int, default=1, help="seed of random defects and breakdowns (default 1)")
    p.add_argument("--no-random-faults", action="store_true", help="no random breakdowns and no defects")
    p.add_argument("--tick", type=float, default=0.1, help="wall seconds between line updates (default 0.1)")
    p.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    sparkplug.add_arguments(p)
    gateway.add_arguments(p)
    args = p.parse_args(argv)
    if args.time_scale is not None and args.time_scale <= 0:
        p.error(f"--time-scale must be positive, got {args.time_scale}")
    if not 0.01 <= args.tick <= 5:
        p.error(f"--tick must be between 0.01 and 5 seconds, got {args.tick}")
    return args


async def serve(args: argparse.Namespace) -> None:
    """Run the simulator until SIGINT/SIGTERM."""
    lines = read_lines(args.plant_file)
    clock = SimClock.from_env(scale=args.time_scale, epoch=args.epoch)
    store = LineStateStore(args.state_file)
    sim = PlantSimulator(
        lines, store, clock, host=args.host, port=args.port, seed=args.seed,
        random_faults=not args.no_random_faults, tick=args.tick,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    await sim.start()
    async with sparkplug.publishing(sim, args) as publisher, gateway.exporting(sim, args):
        if publisher is not None:
            log.info("Sparkplug B: lines %s as %s/%s on %s:%d", ", ".join(publisher.lines),
                     args.sparkplug_group, args.sparkplug_edge_node, args.mqtt_host, args.mqtt_port)
        await _serve_until(stop, sim, args, clock)


async def _serve_until(stop: asyncio.Event, sim: PlantSimulator, args: argparse.Namespace, clock: SimClock) -> None:
    log.info(
        "OPC UA plant simulator ready at %s: lines %s; time scale %g; state file %s; random faults %s",
        sim.endpoint, ", ".join(sim.machines), clock.scale, args.state_file,
        "off" if args.no_random_faults else f"on (seed {args.seed})",
    )
    try:
        await stop.wait()
    finally:
        await sim.stop()
        log.info("OPC UA plant simulator stopped; state saved to %s", args.state_file)


def main(argv: list[str] | None = None) -> None:
    """Entry point: parse ``argv`` (default ``sys.argv[1:]``) and serve until interrupted."""
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # asyncua logs every request at INFO; keep the simulator's own lines readable.
    logging.getLogger("asyncua").setLevel(logging.WARNING)
    # Security policy None is deliberate (loopback simulator): its startup warnings are noise here.
    logging.getLogger("asyncua.server.server").setLevel(logging.ERROR)
    try:
        asyncio.run(serve(args))
    except (PlantFileError, StateFileError, GatewayError) as exc:
        raise SystemExit(f"opcua plant simulator: {exc}") from None
    except OSError as exc:
        raise SystemExit(f"opcua plant simulator: cannot listen on {args.host}:{args.port}: {exc}") from None
    except KeyboardInterrupt:
        pass
