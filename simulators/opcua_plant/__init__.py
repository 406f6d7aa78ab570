"""OPC UA plant simulator: PackML lines under ``Objects/Machines/<Line>`` (asyncua server).

Someone else's system: imports nothing from ``orchestrator``, ``workflows`` or ``adapters``.
Run ``python -m simulators.opcua_plant --help``; the address space is described in docs/plant.md.
"""

from simulators.opcua_plant.cli import main

__all__ = ["main"]
