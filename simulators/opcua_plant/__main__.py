"""``python -m simulators.opcua_plant``."""

from simulators.opcua_plant.cli import main

main()
