"""The test suite's credentials: one bootstrap admin token, set for every app and server the tests start.

``tests/conftest.py`` puts it in ``C2M_ADMIN_TOKEN`` so every ``Settings()`` (and every subprocess) knows
it; clients send :data:`ADMIN`. Tests of the roles themselves issue customer, planner and integrator keys.
"""

from __future__ import annotations

ADMIN_TOKEN = "test-suite-admin-token-5f0c8a7e2b914d6c9a3e"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
