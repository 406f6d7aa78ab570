"""``?lang=`` on the products and plant APIs: the catalog's and plant file's translations, English unchanged."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from orchestrator.api.app import create_app
from orchestrator.persistence.migrate import upgrade
from orchestrator.settings import Settings
from tests.support.auth import ADMIN


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    settings = Settings(var_dir=tmp_path_factory.mktemp("lang"))
    upgrade(settings.resolved_database_url)  # quotes and the plant views read the database
    return TestClient(create_app(settings), headers=ADMIN)


def test_product_list_and_schema_in_chinese(client: TestClient) -> None:
    products = {p["sku"]: p for p in client.get("/api/products", params={"lang": "zh-CN"}).json()}
    assert products["aircon-split"]["name"] == "壁挂式分体空调"
    assert products["suit-mtm"]["name"] == "量身定制西装" and products["ebike-city"]["base_price"] == "2290.00"
    body = client.get("/api/products/aircon-split", params={"lang": "zh-CN"}).json()
    options = {o["id"]: o for o in body["options"]}
    assert (options["colour"]["label"], options["colour"]["section"]) == ("机身颜色", "外观")
    assert options["colour"]["choices"][0] == {"id": "white", "label": "极地白（RAL 9016）", "surcharge": "0.00"}
    assert options["pipe_length"]["unit"] == "米" and options["capacity"]["default"] == "12k"
    rules = {c["id"]: c for c in body["constraints"]}
    assert "变频压缩机" in rules["inverter_for_18k"]["message"]


def test_without_a_language_everything_stays_english(client: TestClient) -> None:
    plain = client.get("/api/products/aircon-split")
    assert plain.json()["name"] == "Split air conditioner, wall-mounted"
    assert client.get("/api/products/aircon-split", params={"lang": "en"}).content == plain.content
    options = {o["id"]: o for o in plain.json()["options"]}
    assert (options["colour"]["label"], options["pipe_length"]["unit"]) == ("Housing colour", "m")
    assert "i18n" not in plain.text and "texts" not in plain.json()


def test_quote_in_chinese_has_translated_breakdown_routing_and_messages(client: TestClient) -> None:
    resp = client.post("/api/products/aircon-split/quote", params={"lang": "zh"},
                       json={"options": {"colour": "silver", "pipe_length": 6}})
    assert resp.status_code == 200, resp.text
    labels = {line["code"]: line["label"] for line in resp.json()["price"]["breakdown"]}
    assert labels["base"] == "壁挂式分体空调" and labels["surcharge"] == "冷媒管超出3米部分"
    assert labels["option:colour"] == "机身颜色: 缎面银（RAL 9006）"
    assert "室内机总装：蒸发器、贯流风扇、外壳" in [op["name"] for op in resp.json()["routing"]]
    english = client.post("/api/products/aircon-split/quote", json={"options": {"colour": "silver", "pipe_length": 6}})
    assert english.json()["price"]["total"] == resp.json()["price"]["total"]
    rejected = client.post("/api/products/aircon-split/quote", params={"lang": "zh-CN"},
                           json={"options": {"capacity": "18k"}})
    assert rejected.status_code == 422
    assert rejected.json()["errors"][0]["message"].startswith("2匹（18000 BTU/h）机型只配变频压缩机")


def test_an_unsupported_language_says_which_ones_exist(client: TestClient) -> None:
    resp = client.get("/api/products", params={"lang": "fr"})
    assert resp.status_code == 422
    assert resp.json()["detail"] == "lang='fr' is not a catalog language; use one of en, zh-CN"


def test_lines_and_schedule_in_chinese(client: TestClient) -> None:
    lines = {line["line"]: line for line in client.get("/api/lines", params={"lang": "zh-CN"}).json()["lines"]}
    assert lines["FAB1"]["name"] == "钣金车间" and lines["FAB1"]["stations"][0] == "激光切割机"
    assert lines["PCK1"]["stations"] == ["终检", "贴标", "包装", "码垛"]
    english = {line["line"]: line for line in client.get("/api/lines").json()["lines"]}
    assert english["FAB1"]["name"] == "Fabrication" and english["FAB1"]["stations"][0] == "Laser cutter"
    schedule = {line["line"]: line for line in client.get("/api/schedule", params={"lang": "zh-CN"}).json()["lines"]}
    assert schedule["PNT1"]["name"] == "喷涂车间"
    assert {line["line"]: line["name"] for line in client.get("/api/schedule").json()["lines"]}["PNT1"] == "Paint shop"
