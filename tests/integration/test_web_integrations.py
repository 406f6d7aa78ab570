"""The integrator page as the server renders it (no browser): every adapter grouped by kind, in both languages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orchestrator.api.app import create_app
from orchestrator.persistence import adapter_journal
from orchestrator.persistence.db import make_engine
from orchestrator.persistence.migrate import upgrade
from orchestrator.ports.journal import AdapterKind, AdapterMessage, Direction
from orchestrator.settings import Settings
from tests.support.ports import free_port


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """The API with nothing around it running: every probed endpoint is down."""
    url = f"sqlite:///{tmp_path / 'c2m.db'}"
    upgrade(url)
    engine = make_engine(url)
    adapter_journal.record(engine, [AdapterMessage(AdapterKind.MES, "mes", Direction.SENT, "POST /api/v1/job-orders")])
    engine.dispose()
    settings = Settings(var_dir=tmp_path, database_url=url, temporal_address=f"127.0.0.1:{free_port()}",
                        temporal_ui_port=18233, opcua_port=free_port(), mes_port=free_port(),
                        suppliers_port=free_port())
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_the_page_lists_every_adapter_by_kind_with_the_temporal_link(client: TestClient) -> None:
    resp = client.get("/integrations?lang=en")
    assert resp.status_code == 200
    html = resp.text
    groups = re.findall(r'<section class="adapter-group" data-kind="(\w+)"', html)
    assert groups == ["line", "mes", "supplier", "webhook"]
    lines = re.findall(r'data-kind="line" data-endpoint="(\w+)"', html)
    assert lines == ["FAB1", "PNT1", "ASM1", "ASM2", "SEW1", "PCK1"]
    assert len(re.findall(r'<article class="card adapter" data-kind="supplier"', html)) == 6
    assert 'id="temporal-ui" class="button temporal-link" href="http://127.0.0.1:18233"' in html
    assert "Open the Temporal UI" in html
    assert html.count('class="badge state-down"') == 6 + 6 + 1  # lines, suppliers, Temporal
    assert "No line monitor has reported on this line yet" in html
    # The MES does not answer, but its journal has a good message from just now: reconnecting, not down.
    # Its time is there for the script to show relative and absolute.
    mes_card = html[html.index('data-kind="mes" data-endpoint="mes"'):][:3000]
    assert 'class="badge state-reconnecting"' in mes_card
    assert re.search(r'<time datetime="[0-9T:.+-]+" data-relative>', mes_card)
    assert '<script src="/static/integrations.js"></script>' in html
    assert client.get("/static/integrations.js").status_code == 200
    assert client.get("/static/integrations.css").status_code == 200


def test_the_page_speaks_chinese(client: TestClient) -> None:
    html = client.get("/integrations?lang=zh-CN").text
    assert '<html lang="zh-CN">' in html
    for text in ("系统集成", "产线（OPC UA）", "已断开", "打开 Temporal 控制台", "最近消息", "端点"):
        assert text in html
