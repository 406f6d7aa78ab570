"""Fixtures of the OPC UA tests: the real plant simulator (also listed in the root conftest's plugins)."""

from tests.fixtures.opcua_plant import opcua_plant, opcua_plant_shared  # noqa: F401 - fixtures, used by name
