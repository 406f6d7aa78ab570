"""The configurator pages rendered by the real app (``create_app``) with the shipped catalog, no browser."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orchestrator.api.app import create_app
from orchestrator.settings import Settings
from orchestrator.web.routes.shop import swatch


class _Page(HTMLParser):
    """The tags of a page with their attributes, and the text of every element with an id."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: dict[str, str] = {}
        self._script: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if tag == "script" and "id" in values:
            self._script = values["id"]

    def handle_data(self, data: str) -> None:
        if self._script:
            self.scripts[self._script] = self.scripts.get(self._script, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def find(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.rstrip("_")) == v for k, v in wanted.items())]


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    # Pages read only the catalog and settings: no database schema or lifespan needed.
    return TestClient(create_app(Settings(var_dir=tmp_path_factory.mktemp("shop"))))


@pytest.fixture
def client(app_client: TestClient) -> TestClient:
    app_client.cookies.clear()  # a ?lang= choice is remembered in a cookie: start every test without one
    return app_client


def _skus(client: TestClient) -> list[str]:
    return [p["sku"] for p in client.get("/api/products").json()]


def test_shop_lists_every_product_with_its_price_and_a_rendering(client: TestClient) -> None:
    resp = client.get("/shop", params={"lang": "en"})
    assert resp.status_code == 200
    page = _Page(resp.text)
    products = client.get("/api/products").json()
    assert len(products) == 3
    for product in products:
        card = page.find("a", href=f"/shop/{product['sku']}")
        assert card and "product-card" in card[0]["class"], product["sku"]
        assert product["name"] in resp.text and product["description"].strip()[:40] in resp.text
        assert page.find("strong", **{"data-money": product["base_price"], "data-currency": product["currency"]})
        assert page.find("svg", **{"data-sku": product["sku"]})


def test_the_list_renders_each_product_in_its_default_colour(client: TestClient) -> None:
    html = client.get("/shop").text
    aircon = html[html.index('data-sku="aircon-split"'):]
    # white is the air conditioner's default housing colour (RAL 9016)
    assert 'fill="#f1f0ea" data-fill="colour"' in aircon[:aircon.index("</svg>")]


@pytest.mark.parametrize("sku", ["aircon-split", "ebike-city", "suit-mtm"])
def test_product_page_renders_a_field_for_every_option(client: TestClient, sku: str) -> None:
    schema = client.get(f"/api/products/{sku}").json()
    resp = client.get(f"/shop/{sku}")
    assert resp.status_code == 200
    page = _Page(resp.text)
    assert [o["id"] for o in schema["options"]], sku
    for option in schema["options"]:
        oid, kind = option["id"], option["type"]
        assert page.find("div", id=f"field-{oid}"), f"{sku}: no field for {oid}"
        assert page.find("div", id=f"error-{oid}"), f"{sku}: no error slot for {oid}"
        if kind == "choice":
            values = {a["value"] for a in page.find("input", name=oid, type="radio")} or \
                {a["value"] for a in page.find("option") if a.get("value")}
            assert {c["id"] for c in option["choices"]} <= values, f"{sku}.{oid}"
        elif kind == "multi_choice":
            boxes = page.find("input", name=oid, type="checkbox")
            assert {a["value"] for a in boxes} == {c["id"] for c in option["choices"]}
            assert {a["value"] for a in boxes if "checked" in a} == set(option["default"] or [])
        elif kind == "boolean":
            (toggle,) = page.find("input", name=oid, type="checkbox")
            assert toggle["role"] == "switch" and ("checked" in toggle) == bool(option["default"])
        elif kind == "number":
            (number,) = page.find("input", name=oid, type="number")
            assert float(number["min"]) == option["min"] and float(number["max"]) == option["max"]
            assert float(number["step"]) == option["step"]
            assert f'<span class="unit">{option["unit"]}</span>' in resp.text
        else:
            (text,) = page.find("input", name=oid, type="text")
            assert int(text["maxlength"]) == option["max_length"]
    (quantity,) = page.find("input", name="quantity")
    assert int(quantity["max"]) == schema["max_quantity"]
    assert page.find("button", id="place-order")


def test_product_page_embeds_the_same_schema_as_the_api(client: TestClient) -> None:
    for sku in _skus(client):
        page = _Page(client.get(f"/shop/{sku}").text)
        data: dict[str, Any] = json.loads(page.scripts["shop-data"])
        assert data["product"] == client.get(f"/api/products/{sku}").json()


def test_colour_options_are_swatches_and_other_choices_are_not(client: TestClient) -> None:
    page = _Page(client.get("/shop/aircon-split").text)
    data = json.loads(page.scripts["shop-data"])
    assert set(data["palettes"]) == {"colour"}
    assert set(data["palettes"]["colour"]) == {"white", "silver", "champagne", "graphite"}
    assert len(page.find("span", **{"class": "swatch"})) == 4
    suit = json.loads(_Page(client.get("/shop/suit-mtm").text).scripts["shop-data"])
    assert set(suit["palettes"]) == {"fabric"}  # cloths are colours; lapels, vents and buttoning are not
    bike = json.loads(_Page(client.get("/shop/ebike-city").text).scripts["shop-data"])
    assert set(bike["palettes"]) == {"colour"}


@pytest.mark.parametrize(("choice", "label", "expected"), [
    ("white", "Arctic white (RAL 9016)", "#f1f0ea"),
    ("pearl_white", "Pearl white metallic", "#ece8df"),
    ("signal_orange", "Signal orange (RAL 2010)", "#d4652f"),
    ("m", "M (50 cm), riders 165-182 cm", None),
    ("12k", "12,000 BTU/h (3.5 kW), rooms up to 35 m²", None),
])
def test_swatch_colours_come_from_ral_codes_and_colour_words(choice: str, label: str, expected: str | None) -> None:
    assert swatch(choice, label) == expected


def test_constraint_messages_are_hints_beside_their_option(client: TestClient) -> None:
    html = client.get("/shop/aircon-split").text
    field = html[html.index('id="field-inverter"'):]
    field = field[:field.index('class="field option"')]
    assert "built only with an inverter compressor" in field


def test_unknown_product_is_a_404_page_leading_back_to_the_shop(client: TestClient) -> None:
    resp = client.get("/shop/toaster", params={"lang": "en"})
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("text/html")
    page = _Page(resp.text)
    assert page.find("a", href="/shop", **{"class": "button"})
    assert "toaster" in resp.text and "aircon-split" in resp.text  # what was asked, and what exists


def test_unknown_product_page_escapes_what_was_asked(client: TestClient) -> None:
    resp = client.get("/shop/<img src=x onerror=alert(1)>")
    assert resp.status_code == 404
    assert "<img src=x" not in resp.text and "&lt;img src=x" in resp.text


def test_chinese_readers_get_chinese_chrome_and_the_catalog_in_chinese(client: TestClient) -> None:
    listing = client.get("/shop", params={"lang": "zh-CN"})
    assert '<html lang="zh-CN">' in listing.text and "定制您的产品" in listing.text and "开始定制" in listing.text
    resp = client.get("/shop/aircon-split", params={"lang": "zh-CN"})
    assert resp.status_code == 200
    for chrome in ("价格与交期", "联系信息", "提交订单", "全部产品", "电子邮箱"):
        assert chrome in resp.text, chrome
    assert "Place order" not in resp.text
    assert "机身颜色" in resp.text and "Housing colour" not in resp.text  # the catalog's zh-CN translations
    messages = json.loads(_Page(resp.text).scripts["c2m-messages"])
    assert messages["shop.place_failed"].startswith("订单提交失败")  # the script's messages are Chinese too
    shown = resp.text.replace(_Page(resp.text).scripts["c2m-messages"], "")
    missing = set(re.findall(r"shop\.[a-z_]+", shown)) - {"shop.css", "shop.js"}
    assert not missing, f"untranslated keys on the page: {missing}"
