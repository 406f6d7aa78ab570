"""Hostile input on the real app served by uvicorn: body size limit (declared and chunked), order rate limit,
and strict request bodies whose 422 names the wrong field.

Temporal is deliberately unreachable except where a test needs the order route to get past it (the
session's dev server then); the limits answer before any workflow is touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from orchestrator.api.app import create_app
from orchestrator.persistence.migrate import upgrade
from orchestrator.settings import Settings
from tests.support.auth import ADMIN
from tests.support.ports import free_port
from tests.support.servers import serving

LIMIT = 4096
ORDER = {"sku": "aircon-split", "options": {}, "quantity": 1,
         "customer": {"name": "Mallory", "email": "mallory@example.com"}}


def _settings(tmp_path: Path, **extra: Any) -> Settings:
    settings = Settings(var_dir=tmp_path, temporal_address=f"127.0.0.1:{free_port()}", max_request_bytes=LIMIT,
                        **extra)
    upgrade(settings.resolved_database_url)
    return settings


@pytest.fixture
def api(tmp_path: Path) -> Iterator[str]:
    with serving(create_app(_settings(tmp_path, order_rate_per_minute=6, order_rate_burst=3))) as base:
        yield base


def _quote_body(size: int) -> bytes:
    """A syntactically valid quote body of about ``size`` bytes."""
    return json.dumps({"options": {"colour": "white", "padding": "x" * size}}).encode()


def test_a_declared_body_over_the_limit_is_refused_with_413(api: str) -> None:
    resp = httpx.post(f"{api}/api/products/aircon-split/quote", content=_quote_body(LIMIT * 4),
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert resp.status_code == 413
    assert f"larger than this API accepts ({LIMIT} bytes" in resp.json()["detail"]


def test_a_chunked_body_over_the_limit_is_refused_while_it_streams(api: str) -> None:
    sent: list[int] = []

    def chunks() -> Iterator[bytes]:
        body = _quote_body(LIMIT * 64)
        for start in range(0, len(body), 1024):
            sent.append(start)
            yield body[start:start + 1024]

    resp = httpx.post(f"{api}/api/products/aircon-split/quote", content=chunks(),
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert "content-length" not in resp.request.headers  # really sent chunked
    assert resp.status_code == 413
    assert "C2M_MAX_REQUEST_BYTES" in resp.json()["detail"]


def test_a_body_under_the_limit_passes(api: str) -> None:
    resp = httpx.post(f"{api}/api/products/aircon-split/quote", json={"options": {"colour": "white"}}, timeout=10)
    assert resp.status_code == 200, resp.text


def test_order_placement_is_rate_limited_per_caller_with_retry_after(api: str) -> None:
    # Temporal is unreachable: each allowed attempt answers 503, yet it spends a token like any order.
    answers = [httpx.post(f"{api}/api/orders", json=ORDER, headers=ADMIN, timeout=15) for _ in range(4)]
    assert [a.status_code for a in answers[:3]] == [503, 503, 503]
    limited = answers[3]
    assert limited.status_code == 429
    assert "too many orders from this caller" in limited.json()["detail"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 10
    # Another caller (a customer's own key) has its own bucket; reads are never limited.
    guest = httpx.post(f"{api}/api/customers", json={"name": "Guest", "email": "guest@example.com"}, timeout=10)
    other = httpx.post(f"{api}/api/orders", json=ORDER, timeout=15,
                       headers={"Authorization": f"Bearer {guest.json()['token']}"})
    assert other.status_code == 503
    assert httpx.get(f"{api}/api/orders", headers=ADMIN, timeout=10).status_code == 200


def test_quotes_refuse_an_unknown_field_and_name_it(api: str) -> None:
    resp = httpx.post(f"{api}/api/products/aircon-split/quote", json={"options": {}, "quantiy": 2}, timeout=10)
    assert resp.status_code == 422
    [error] = resp.json()["detail"]
    assert error["loc"] == ["body", "quantiy"] and error["type"] == "extra_forbidden"


def test_demo_fault_bodies_refuse_an_unknown_field(api: str) -> None:
    resp = httpx.post(f"{api}/api/demo/lines/ASM1/fault", json={"mode": "hold", "durations_hours": 2},
                      headers=ADMIN, timeout=10)
    assert resp.status_code == 422
    assert [e["loc"] for e in resp.json()["detail"]] == [["body", "durations_hours"]]


async def test_orders_refuse_unknown_fields_and_oversized_values(tmp_path: Path,
                                                                 temporal_env: WorkflowEnvironment) -> None:
    # The order route needs the workflow engine before it looks at the body: give it the session's.
    settings = _settings(tmp_path)
    app = create_app(settings)
    app.state.temporal_client = temporal_env.client
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c2m", timeout=15,
                                 headers=ADMIN) as c:
        typo = await c.post("/api/orders", json={**ORDER, "quantiy": 2})
        long_name = await c.post("/api/orders", json={**ORDER, "customer": {**ORDER["customer"], "name": "M" * 201}})
        nested = await c.post("/api/orders", json={**ORDER, "customer": {**ORDER["customer"], "role": "admin"}})
    app.state.engine.dispose()
    assert typo.status_code == 422 and [e["loc"] for e in typo.json()["detail"]] == [["body", "quantiy"]]
    assert long_name.status_code == 422
    assert [e["loc"] for e in long_name.json()["detail"]] == [["body", "customer", "name"]]
    assert [e["loc"] for e in nested.json()["detail"]] == [["body", "customer", "role"]]
