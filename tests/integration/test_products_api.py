"""The products API on the real app (``create_app``), with the shipped catalog and the default promiser."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orchestrator.api.app import create_app
from orchestrator.catalog import BomRow, CatalogInvalid, Promise, RoutedOperation
from orchestrator.persistence.migrate import upgrade
from orchestrator.settings import Settings


def _client(tmp_path: Path, **overrides: object) -> TestClient:
    settings = Settings(var_dir=tmp_path, **overrides)  # type: ignore[arg-type]
    upgrade(settings.resolved_database_url)  # quotes read the live schedule and stock
    return TestClient(create_app(settings))


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return _client(tmp_path)


def test_lists_the_three_demo_products(client: TestClient) -> None:
    resp = client.get("/api/products")
    assert resp.status_code == 200
    products = {p["sku"]: p for p in resp.json()}
    assert set(products) == {"aircon-split", "suit-mtm", "ebike-city"}
    assert products["aircon-split"]["currency"] == "EUR" and products["aircon-split"]["base_price"] == "649.00"


def test_product_schema_has_what_a_configurator_ui_needs(client: TestClient) -> None:
    resp = client.get("/api/products/aircon-split")
    assert resp.status_code == 200
    body = resp.json()
    options = {o["id"]: o for o in body["options"]}
    assert options["colour"]["default"] == "white"
    assert [c["id"] for c in options["colour"]["choices"]] == ["white", "silver", "champagne", "graphite"]
    pipe = options["pipe_length"]
    assert (pipe["type"], pipe["min"], pipe["max"], pipe["step"], pipe["unit"]) == ("number", 3, 15, 1, "m")
    assert options["self_cleaning"]["surcharge"] == "59.00"
    rules = {c["id"]: c for c in body["constraints"]}
    assert rules["inverter_for_18k"]["option"] == "inverter"
    assert "inverter compressor" in rules["inverter_for_18k"]["message"]
    assert [b["min_quantity"] for b in body["quantity_breaks"]] == [5, 20, 50]
    suit = client.get("/api/products/suit-mtm").json()
    monogram = next(o for o in suit["options"] if o["id"] == "monogram")
    assert monogram["max_length"] == 12 and monogram["type"] == "text"
    assert next(o for o in suit["options"] if o["id"] == "chest")["required"] is True


def test_unknown_product_is_404_with_the_known_skus(client: TestClient) -> None:
    for resp in (client.get("/api/products/toaster"), client.post("/api/products/toaster/quote", json={})):
        assert resp.status_code == 404
        assert "no product with SKU 'toaster'" in resp.json()["detail"]
        assert "aircon-split" in resp.json()["detail"]


def test_seed_example_quote_shows_the_white_housing_module_and_install_operation(client: TestClient) -> None:
    resp = client.post(
        "/api/products/aircon-split/quote", json={"options": {"colour": "white", "self_cleaning": True}, "quantity": 2}
    )
    assert resp.status_code == 200, resp.json()
    body = resp.json()
    assert body["valid"] is True and body["errors"] == []
    bom = {row["item"]: row for row in body["bom"]}
    assert bom["ac-housing-white"]["kind"] == "manufactured" and bom["ac-housing-white"]["level"] == 1
    assert bom["powder-ral9016"]["parent"] == "ac-housing-white" and bom["powder-ral9016"]["level"] == 2
    assert bom["ac-self-cleaning-module"]["quantity"] == 2
    routing = {op["id"]: op for op in body["routing"]}
    install = routing["install_self_cleaning_module"]
    assert install["work_centre_type"] == "assembly"
    assert install["total_minutes"] == install["setup_minutes"] + 2 * install["run_minutes_per_unit"]
    assert routing["ac-housing-white/powder_coat"]["work_centre_type"] == "painting"
    assert routing["wire_control_electronics"]["predecessors"] == [
        "install_self_cleaning_module",
        "assemble_outdoor_unit",
    ]
    price = body["price"]
    assert price["currency"] == "EUR" and price["unit"] == "818.00" and price["total"] == "1636.00"
    assert [line["code"] for line in price["breakdown"]] == ["base", "option:capacity", "option:self_cleaning"]
    assert date.fromisoformat(body["promised_date"]) > date.today()
    reasoning = body["promise_reasoning"]
    assert reasoning["capacity"] and reasoning["material"]
    assert "Material" in reasoning["summary"] and "Capacity" in reasoning["summary"]
    assert datetime.fromisoformat(body["promised_at"]) >= datetime.fromisoformat(reasoning["production_finish"])


def test_invalid_configuration_is_422_with_every_problem_named(client: TestClient) -> None:
    resp = client.post(
        "/api/products/aircon-split/quote",
        json={
            "options": {"colour": "pink", "capacity": "18k", "wifi": "yes", "pipe_length": 7.5, "turbo": True},
            "quantity": 0,
        },
    )
    assert resp.status_code == 422
    body = resp.json()
    assert body["valid"] is False and body["sku"] == "aircon-split"
    problems = {(e["option"], e["code"]) for e in body["errors"]}
    assert problems == {
        ("turbo", "unknown_option"),
        ("colour", "invalid_choice"),
        ("wifi", "wrong_type"),
        ("pipe_length", "off_step"),
        ("inverter", "requires_unmet"),
        ("/quantity", "out_of_range"),
    }
    assert all(e["message"] for e in body["errors"])
    assert next(e for e in body["errors"] if e["code"] == "requires_unmet")["rule"] == "inverter_for_18k"


def test_non_integer_quantity_is_reported_in_the_same_shape(client: TestClient) -> None:
    resp = client.post("/api/products/ebike-city/quote", json={"options": {}, "quantity": "two"})
    assert resp.status_code == 422
    assert resp.json()["errors"] == [
        {
            "option": "/quantity",
            "code": "wrong_type",
            "message": "quantity must be a whole number, got 'two'",
            "rule": None,
        }
    ]


def test_promise_uses_the_plant_clock(tmp_path: Path) -> None:
    # One plant day per wall second, started 100 s ago: plant time is about 100 days ahead.
    client = _client(tmp_path, time_scale=86_400, clock_epoch=time.time() - 100)
    body = client.post(
        "/api/products/suit-mtm/quote",
        json={
            "options": {
                "fabric": "wool_navy",
                "height": 180,
                "chest": 100,
                "waist": 88,
                "seat": 100,
                "shoulder": 46,
                "sleeve": 64,
                "jacket_length": 76,
                "inseam": 82,
            }
        },
    ).json()
    assert date.fromisoformat(body["promised_date"]) > date.today() + timedelta(days=100)


class _FixedPromiser:
    """A stand-in for the plant scheduler's promiser: the quote must take whatever it answers."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, int]] = []

    async def promise(
        self, routing: Sequence[RoutedOperation], bom: Sequence[BomRow], quantity: int, now: datetime
    ) -> Promise:
        self.calls.append((len(routing), len(bom), quantity))
        at = datetime(2030, 1, 2, 12, tzinfo=UTC)
        return Promise(at, "fixed", "always the same", at, at, at, (), ())


def test_the_promiser_is_replaceable(tmp_path: Path) -> None:
    app = create_app(Settings(var_dir=tmp_path))
    app.state.promiser = promiser = _FixedPromiser()
    body = TestClient(app).post("/api/products/ebike-city/quote", json={"quantity": 3}).json()
    assert body["promised_date"] == "2030-01-02" and body["promise_reasoning"]["method"] == "fixed"
    assert promiser.calls and promiser.calls[0][2] == 3


def test_openapi_documents_the_quote_and_its_422(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    quote = spec["paths"]["/api/products/{sku}/quote"]["post"]
    assert "422" in quote["responses"] and "QuoteRejected" in str(quote["responses"]["422"])
    assert {"/api/products", "/api/products/{sku}"} <= set(spec["paths"])


def test_a_broken_catalog_stops_the_app_with_every_problem(tmp_path: Path) -> None:
    broken = tmp_path / "catalog"
    broken.mkdir()
    (broken / "items.yaml").write_text("items:\n  - {id: bolt, name: Bolt, kind: purchased, unit: pcs}\n")
    with pytest.raises(CatalogInvalid, match=r"items\.yaml:2: purchased item 'bolt' needs a positive lead_time_days"):
        create_app(Settings(var_dir=tmp_path, catalog_dir=broken))
