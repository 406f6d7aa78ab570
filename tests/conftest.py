"""Fixtures shared by every test level; each fixture module starts a real component."""

import os

from tests.support.auth import ADMIN_TOKEN

# Every app and server the tests start accepts the suite's admin token (tests/support/auth.py).
os.environ.setdefault("C2M_ADMIN_TOKEN", ADMIN_TOKEN)

pytest_plugins = [
    "tests.fixtures.temporal",
    "tests.fixtures.database",
    "tests.fixtures.suppliers",
    "tests.fixtures.opcua_plant",
    "tests.fixtures.mes",
]
