"""Schemathesis over the API's own OpenAPI schema: no 5xx, no undeclared status, no response off its schema.

The app is the real one (``create_app``) on a migrated SQLite file, with the shipped catalog and plant.
Temporal, the OPC UA plant, the MES and the suppliers are deliberately unreachable (closed loopback
ports): the routes that need them must answer a declared 503 with a clear detail, not a 500. Generation
is derandomised, so a finding reproduces on every run.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from orchestrator.api.app import create_app
from orchestrator.persistence.migrate import upgrade
from orchestrator.settings import Settings
from tests.support.auth import ADMIN
from tests.support.ports import free_port

# Infinite server-sent event streams: a fuzzer's request would never end (covered by test_event_streams*).
EXCLUDED_PATHS = r"^/api/(orders/\{order_id\}|plant)/events$"
EXAMPLES = 25
# Operations that reach the workflow engine, the plant simulator or the other components, all unreachable
# here: their declared 503 ("retry shortly") is the right answer, not a server defect. Any other 5xx fails.
UNAVAILABLE_ALLOWED = [
    {"include-method": "POST", "include-path-regex": r"^/api/(orders|schedule|work-orders|demo|webhooks)(/|$)"},
    {"include-method": "GET", "include-path": "/health"},
]
CONFIG = schemathesis.Config.from_dict({"operations": [
    {**selector, "checks": {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "503"]}}}
    for selector in UNAVAILABLE_ALLOWED
]})


def unavailable_says_why(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """A 503 must say what cannot be reached (a non-empty detail), never an empty or HTML page."""
    if response.status_code == 503 and case.operation.path != "/health":
        detail = response.json().get("detail")
        assert isinstance(detail, str) and detail.strip(), f"503 without a detail: {response.text!r}"


CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, unavailable_says_why]


def _unreachable() -> str:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    return f"127.0.0.1:{free_port()}"


# Schemathesis makes one test per operation at collection time, so the app (and its schema) is built at
# import; its database is migrated before the first request (the fixture below) and removed at exit.
VAR_DIR = Path(tempfile.mkdtemp(prefix="c2m-schema-fuzz-"))
atexit.register(shutil.rmtree, VAR_DIR, ignore_errors=True)
SETTINGS = Settings(
    var_dir=VAR_DIR, temporal_address=_unreachable(), opcua_url=f"opc.tcp://{_unreachable()}",
    mes_url=f"http://{_unreachable()}", suppliers_url=f"http://{_unreachable()}",
    # The fuzzer places orders as fast as it can from one address: the limiter has its own tests.
    order_rate_per_minute=0, signup_rate_per_minute=0,
)
APP = create_app(SETTINGS)
schema = schemathesis.openapi.from_dict(APP.openapi(), config=CONFIG).exclude(path_regex=EXCLUDED_PATHS)
schema.app = APP  # requests go to the app in-process (schemathesis' ASGI transport, which runs its lifespan)


@pytest.fixture(scope="module", autouse=True)
def migrated() -> Iterator[None]:
    upgrade(SETTINGS.resolved_database_url)
    yield
    shutdown_lifespans()  # the app's lifespan (event hub, journal writer) runs from the first request to here
    APP.state.engine.dispose()


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    # As the admin: every operation is reached past authentication (401/403 have their own tests).
    case.call_and_validate(headers=ADMIN, checks=CHECKS)
