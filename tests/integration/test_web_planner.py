"""The planner console page as the server renders it (no browser): every line on the board, the figures'
places, its scripts, both languages, and fault injection offered only in a demo installation."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from orchestrator.api.app import create_app
from orchestrator.plant import load_plant
from orchestrator.settings import Settings


def _client(tmp_path: Path, **extra: object) -> TestClient:
    return TestClient(create_app(Settings(var_dir=tmp_path, **extra)))  # type: ignore[arg-type]


def _embedded(html: str, script_id: str) -> dict:
    found = re.search(rf'<script id="{script_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"the page embeds {script_id} for its scripts"
    return json.loads(found.group(1))


def _config(html: str) -> dict:
    return _embedded(html, "planner-config")


def test_the_console_lists_every_line_and_loads_its_scripts(tmp_path: Path) -> None:
    client = _client(tmp_path, time_scale=3600.0)
    resp = client.get("/planner", headers={"Accept-Language": "en"})
    assert resp.status_code == 200
    html = resp.text
    plant = load_plant(Settings().plant_file)
    for line in plant.lines.values():
        assert f'<article class="line-card" data-line="{line.id}">' in html
        assert line.name in html
        assert f'<form class="inject-form" data-line="{line.id}">' in html  # a demo installation
    for kpi in ("in_flight", "on_time", "lead", "wip"):
        assert f'data-kpi="{kpi}"' in html
    assert 'id="exceptions"' in html and 'id="gantt-scroll"' in html and 'id="wo-panel"' in html
    assert "<h1>Planner console</h1>" in html and "Plant time" in html
    config = _config(html)
    assert [line["id"] for line in config["lines"]] == plant.line_ids
    assert config["time_scale"] == 3600.0 and config["demo"] is True
    messages = _embedded(html, "c2m-messages")
    assert messages["planner.approve"] == "Approve" and messages["common.live"] == "live"
    for script in ("planner-gantt.js", "planner-workorder.js", "planner-exceptions.js", "planner.js"):
        assert f'<script src="/static/{script}"></script>' in html
        asset = client.get(f"/static/{script}")
        assert asset.status_code == 200 and "use strict" in asset.text
    assert client.get("/static/planner.css").status_code == 200
    assert 'href="/planner" aria-current="page"' in html


def test_the_console_speaks_chinese(tmp_path: Path) -> None:
    resp = _client(tmp_path).get("/planner?lang=zh-CN")
    assert resp.status_code == 200
    html = resp.text
    assert '<html lang="zh-CN">' in html
    for text in ("计划员控制台", "产线状态", "异常", "排程甘特图", "准时交付率", "在制品", "注入故障（演示）"):
        assert text in html, text
    assert "Planner console" not in html
    assert _embedded(html, "c2m-messages")["planner.reject"] == "驳回"


def test_fault_injection_is_not_offered_in_production(tmp_path: Path) -> None:
    resp = _client(tmp_path, mode="production", secret_key="s" * 40, webhook_secret="w" * 40,
                   data_keys="Z2V0LWEtcmVhbC1rZXktaW4tcHJvZHVjdGlvbi0xMjM=").get("/planner")
    assert resp.status_code == 200
    assert "inject-form" not in resp.text
    assert _config(resp.text)["demo"] is False
