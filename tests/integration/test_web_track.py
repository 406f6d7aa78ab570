"""The tracker page rendered by the real app (``create_app``) from orders stored through the repositories.

What the browser then does with the page is in ``tests/e2e/web/test_track.py``; here: the first render
(product, options, timeline, dates, banners, actions), the data embedded for the script, and the 404.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from orchestrator.api.app import create_app
from orchestrator.persistence import orders_repo, work_orders_repo
from orchestrator.persistence.events import NewEvent, record_events
from orchestrator.persistence.tables.orders import OrderRow
from orchestrator.persistence.tables.plant import WorkOrderRow
from orchestrator.settings import Settings
from orchestrator.web.routes.track import TRAIL_KINDS, colour_of, timeline
from tests.support.auth import ADMIN

T0 = datetime(2030, 5, 6, 8, 0, tzinfo=UTC)


@pytest.fixture
def client(tmp_path: Path, db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(var_dir=tmp_path, database_url=db_url)), headers=ADMIN) as http:
        yield http


def _place(engine: Engine, order_id: str, stage: str = "received", **extra: object) -> OrderRow:
    row = OrderRow(id=order_id, sku="aircon-split", options={"colour": "graphite", "self_cleaning": True,
                                                              "capacity": "9k", "pipe_length": 5},
                   quantity=2, customer_id="li.wei@example.com", customer={"name": "Li Wei"}, stage=stage,
                   price_total=1496.0, currency="EUR", promised_date=T0 + timedelta(days=5),
                   eta=T0 + timedelta(days=5), tracking_token="tok", plan={}, created_at=T0, updated_at=T0)
    for key, value in extra.items():
        setattr(row, key, value)
    orders_repo.insert_order(engine, row, _stage(order_id, "received", 0))
    return row


def _stage(order_id: str, stage: str, hours: float, **payload: object) -> NewEvent:
    return NewEvent(kind="stage", plant_time=T0 + timedelta(hours=hours), order_id=order_id,
                    payload={"stage": stage, **payload}, dedupe_key=f"{order_id}:{stage}")


def _advance(engine: Engine, order_id: str, *stages: str, reason: str | None = None) -> None:
    with engine.begin() as conn:
        for i, stage in enumerate(stages, start=1):
            orders_repo.record_stage(conn, order_id, stage, _stage(order_id, stage, i), reason=reason)


def _work_order(order_id: str, op: str, state: str, line: str, start_hours: float, produced: int = 0) -> WorkOrderRow:
    return WorkOrderRow(id=f"{order_id}.{op}.1", order_id=order_id, op_id=op, name=f"Op {op}", op_type="assembly",
                        work_master=op, line=line, state=state, quantity=2, produced=produced,
                        planned_start=T0 + timedelta(hours=start_hours),
                        planned_end=T0 + timedelta(hours=start_hours + 1), created_at=T0, updated_at=T0)


def _steps(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<li class="[^"]*" data-stage="(\w+)" data-state="(\w+)"', html)


def _data(html: str) -> dict:
    found = re.search(r'<script id="track-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the page embeds its data for the script"
    return json.loads(found.group(1))


def test_an_order_in_production_renders_product_timeline_and_dates(client: TestClient, engine: Engine) -> None:
    _place(engine, "ORD-TRACK1")
    _advance(engine, "ORD-TRACK1", "planned", "materials_reserved", "scheduled", "in_production")
    with engine.begin() as conn:
        work_orders_repo.insert_work_orders(conn, [_work_order("ORD-TRACK1", "paint", "completed", "PNT1", 1, 2),
                                                   _work_order("ORD-TRACK1", "assemble", "running", "ASM1", 3, 1)])
    resp = client.get("/track/ORD-TRACK1?token=tok")
    assert resp.status_code == 200
    html = resp.text
    assert "Split air conditioner, wall-mounted" in html
    assert "<dt>Housing colour</dt><dd>Graphite grey (RAL 7024)</dd>" in html
    assert "<dt>Self-cleaning module</dt><dd>yes</dd>" in html and "<dd>5 m</dd>" in html
    assert "--product-colour: #4a4e55" in html and "family-aircon" in html
    assert _steps(html) == [("received", "done"), ("planned", "done"), ("materials_reserved", "done"),
                            ("scheduled", "done"), ("in_production", "current"), ("quality_check", "pending"),
                            ("packed", "pending"), ("shipped", "pending"), ("delivered", "pending")]
    assert 'datetime="2030-05-06T12:00:00Z"' in html  # in production since T0 + 4 h
    assert 'id="eta-box" class="eta"' in html  # not late
    # production has started: cancel stays, the configuration form goes
    assert re.search(r'id="cancel-button" class="danger">', html)
    assert re.search(r'<div id="change-box" hidden>', html)
    data = _data(html)
    assert data["order"]["id"] == "ORD-TRACK1" and data["order"]["status"] == "in_production"
    assert [w["state"] for w in data["order"]["work_orders"]] == ["running", "completed"]
    assert data["lines"]["ASM1"]["stations"][:2] == ["Kitting", "Frame assembly"]
    assert data["after"] == max(m["id"] for m in data["order"]["milestones"])
    assert data["colours"]["white"] == colour_of("white") and data["colour_option"] == "colour"
    assert set(data["trail_kinds"]) == set(TRAIL_KINDS) and "shipped" in data["no_cancel"]


def test_a_late_order_shows_its_delay_notice_and_a_late_eta(client: TestClient, engine: Engine) -> None:
    _place(engine, "ORD-LATE", eta=T0 + timedelta(days=6))
    record_events(engine, [NewEvent(kind="delay", plant_time=T0, order_id="ORD-LATE", payload={
        "message": "We are sorry", "new_date": "2030-05-12T08:00:00+00:00",
        "promised_date": "2030-05-11T08:00:00+00:00", "late_by_hours": 24.0, "why": "booked"})])
    html = client.get("/track/ORD-LATE?token=tok").text
    assert 'id="eta-box" class="eta late"' in html
    assert "your order will arrive later than we promised" in html
    assert "24.0 hours after the promised date" in html


def test_a_new_order_can_change_and_cancel(client: TestClient, engine: Engine) -> None:
    _place(engine, "ORD-NEW")
    html = client.get("/track/ORD-NEW?token=tok").text
    assert '<div id="change-box">' in html
    assert '<option value="graphite" selected>' in html and 'id="opt-self_cleaning" checked' in html
    assert _steps(html)[0] == ("received", "current")
    assert [s for s, _ in _steps(html)] == ["received", "planned", "materials_reserved", "scheduled", "in_production",
                                            "quality_check", "packed", "shipped", "delivered"]


def test_a_delivered_order_shows_the_banner_and_no_actions(client: TestClient, engine: Engine) -> None:
    _place(engine, "ORD-DONE")
    _advance(engine, "ORD-DONE", "planned", "materials_reserved", "scheduled", "in_production", "quality_check",
             "packed", "shipped", "delivered")
    html = client.get("/track/ORD-DONE?token=tok").text
    assert 'data-banner="delivered"' in html and "<strong>Delivered</strong>" in html
    assert all(state == "done" for _, state in _steps(html))
    assert '<section class="card" id="actions" hidden>' in html


def test_a_cancelled_order_ends_its_timeline_with_the_reason(client: TestClient, engine: Engine) -> None:
    _place(engine, "ORD-GONE", special_requests="engrave my name")
    _advance(engine, "ORD-GONE", "awaiting_approval", "cancelled", reason="changed my mind")
    html = client.get("/track/ORD-GONE?lang=zh-CN&token=tok").text
    assert _steps(html) == [("received", "done"), ("awaiting_approval", "done"), ("cancelled", "end")]
    assert "订单已取消" in html and "changed my mind" in html
    assert '<html lang="zh-CN">' in html and "承诺交期" in html


def test_unknown_order_is_a_404_page(client: TestClient) -> None:
    resp = client.get("/track/ORD-NOPE?token=x")
    assert resp.status_code == 404
    assert "There is no order ORD-NOPE." in resp.text and 'href="/shop"' in resp.text
    zh = client.get("/track/ORD-NOPE", headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 404 and "找不到该订单" in zh.text


def test_order_ids_are_escaped(client: TestClient) -> None:
    resp = client.get("/track/<img src=x onerror=alert(1)>")
    assert resp.status_code == 404
    assert "&lt;img src=x onerror=alert(1)&gt;" in resp.text and "<img src=x" not in resp.text


def test_the_lines_api_lists_each_lines_stations(client: TestClient) -> None:
    lines = {v["line"]: v for v in client.get("/api/lines").json()["lines"]}
    assert lines["PCK1"]["stations"] == ["Final test", "Labelling", "Packing", "Palletising"]


# --- the timeline's rules (pure) ----------------------------------------------------------------------


def _m(kind: str, hours: float, stage: str | None = None) -> dict:
    return {"kind": kind, "plant_time": f"t{hours}", "payload": {"stage": stage} if stage else {}}


def test_timeline_marks_a_hold_after_the_current_stage_until_released() -> None:
    trail = [_m("stage", 0, "received"), _m("stage", 1, "planned"), _m("held", 2)]
    steps = timeline("planned", trail)
    assert [(s.stage, s.state) for s in steps[:3]] == [("received", "done"), ("planned", "current"),
                                                       ("on_hold", "hold")]
    assert all(s.stage != "on_hold" for s in timeline("planned", [*trail, _m("released", 3)]))


def test_timeline_after_a_change_shows_later_stages_pending_again() -> None:
    trail = [_m("stage", 0, "received"), _m("stage", 1, "planned"), _m("stage", 2, "scheduled"),
             _m("stage", 3, "planned")]
    steps = {s.stage: s for s in timeline("planned", trail)}
    assert steps["planned"].state == "current" and steps["planned"].at == "t3"
    assert steps["scheduled"].state == "pending" and steps["scheduled"].at is None
    assert "sourcing" not in steps  # never visited: not shown


def test_colour_words_pick_the_paint() -> None:
    assert colour_of("wool_cashmere_midnight") == colour_of("midnight")
    assert colour_of("matt_black") == colour_of("black") != colour_of("pearl_white")
    assert colour_of("plaid") is None and colour_of(3) is None
