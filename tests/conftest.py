"""Fixtures shared by every test level; each fixture module starts a real component."""

pytest_plugins = [
    "tests.fixtures.temporal",
    "tests.fixtures.database",
    "tests.fixtures.suppliers",
    "tests.fixtures.opcua_plant",
    "tests.fixtures.mes",
]
