"""Fixtures of the MES integration tests: the real plant simulator, the real MES simulator, the adapter."""

from tests.fixtures.mes import mes_adapter, mes_adapter_shared, mes_sim, mes_sim_shared  # noqa: F401 - by name
from tests.fixtures.opcua_plant import opcua_plant, opcua_plant_shared  # noqa: F401 - fixtures, used by name
