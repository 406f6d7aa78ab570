"""The shop and planner pages show the catalog's and plant file's Chinese texts on Chinese pages (no browser)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from orchestrator.api.app import create_app
from orchestrator.settings import Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return TestClient(create_app(Settings(var_dir=tmp_path_factory.mktemp("web-i18n"))))


def test_the_configurator_in_chinese_shows_chinese_product_texts(client: TestClient) -> None:
    resp = client.get("/shop/aircon-split", params={"lang": "zh-CN"})
    assert resp.status_code == 200
    html = resp.text
    assert "<h1>壁挂式分体空调</h1>" in html
    for text in ("机身颜色", "制冷量", "变频压缩机", "自清洁模块", "冷媒管长度", "极地白（RAL 9016）", "功能配置"):
        assert text in html, text
    assert "Housing colour" not in html and "Split air conditioner" not in html
    # Colour swatches still come from the English colour words.
    assert "#f1f0ea" in html


def test_the_configurator_in_english_is_unchanged(client: TestClient) -> None:
    html = client.get("/shop/aircon-split", params={"lang": "en"}).text
    assert "<h1>Split air conditioner, wall-mounted</h1>" in html and "Housing colour" in html
    assert "壁挂式" not in html


def test_the_product_list_in_chinese(client: TestClient) -> None:
    html = client.get("/shop", params={"lang": "zh-CN"}).text
    for name in ("壁挂式分体空调", "城市电助力自行车", "量身定制西装"):
        assert name in html


def test_the_planner_in_chinese_names_the_lines_in_chinese(client: TestClient) -> None:
    html = client.get("/planner", params={"lang": "zh-CN"}).text
    assert "钣金车间" in html and "总装一线" in html
    assert "Fabrication" in client.get("/planner", params={"lang": "en"}).text
