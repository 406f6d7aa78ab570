"""Structured logs: the JSON formatter's fields and where the order and workflow ids come from."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from temporalio import activity
from temporalio.testing import ActivityEnvironment

from orchestrator.observability.logging import (
    JsonFormatter,
    OrderContext,
    RequestLogContext,
    configure_logging,
    order_of,
)


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger (and Temporal's activity logger) writing JSON lines, with the order context, into a buffer."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(OrderContext())
    handler.setFormatter(JsonFormatter("c2m-test"))
    loggers = [logging.getLogger("c2m.test.json"), logging.getLogger("temporalio.activity")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    try:
        yield loggers[0], out
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)


def _lines(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_json_object_per_line_with_the_standard_fields(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = captured
    logger.info("line %s faulted", "FAB1", extra={"order_id": "ORD-1", "line": "FAB1"})
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("could not book")
    first, second = _lines(out)
    assert first["message"] == "line FAB1 faulted"
    assert (first["level"], first["logger"], first["service"]) == ("INFO", "c2m.test.json", "c2m-test")
    assert datetime.fromisoformat(first["time"]).tzinfo is not None
    assert first["order_id"] == "ORD-1" and first["line"] == "FAB1"
    assert "workflow_id" not in first and "activity" not in first  # unknown fields are left out, not null
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exception"]


async def test_activity_records_carry_order_workflow_and_activity(
    captured: tuple[logging.Logger, io.StringIO]
) -> None:
    logger, out = captured
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, workflow_type="Sourcing", workflow_id="ORD-7F3A-r1-src-widget",
                                   activity_type="sourcing.quote")

    @activity.defn(name="sourcing.quote")
    async def quote() -> None:
        logger.info("plain logger inside an activity")
        activity.logger.info("Temporal's activity logger")

    await env.run(quote)
    plain, temporal = _lines(out)
    for line in (plain, temporal):
        assert line["order_id"] == "ORD-7F3A"
        assert line["workflow_id"] == "ORD-7F3A-r1-src-widget"
        assert line["activity"] == "sourcing.quote"
    assert temporal["temporal_activity"]["workflow_type"] == "Sourcing"  # Temporal's own details are kept


def test_order_of_knows_order_and_sourcing_workflows() -> None:
    assert order_of("Order", "ORD-12AB34CD") == "ORD-12AB34CD"
    assert order_of("Sourcing", "ORD-12AB34CD-r2-src-steel-sheet") == "ORD-12AB34CD"
    assert order_of("LineMonitor", "line-monitor-FAB1") is None
    assert order_of("Sourcing", "not-a-sourcing-id") is None


def test_api_requests_about_an_order_log_its_id(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = captured
    app = FastAPI()
    app.add_middleware(RequestLogContext)

    @app.get("/api/orders/{order_id}/cancel")
    async def cancel(order_id: str) -> dict[str, str]:
        logger.info("cancelling")
        return {"order_id": order_id}

    @app.get("/api/products")
    async def products() -> list[str]:
        logger.info("listing")
        return []

    with TestClient(app) as client:
        assert client.get("/api/orders/ORD-99/cancel").status_code == 200
        assert client.get("/api/products").status_code == 200
    about_order, listing = _lines(out)
    assert about_order["order_id"] == "ORD-99"
    assert "order_id" not in listing


def test_text_format_appends_the_context_and_configure_replaces_handlers(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    try:
        configure_logging("c2m-test", json=False)
        configure_logging("c2m-test", json=False)  # twice: still one handler, no duplicated lines
        logging.getLogger("c2m.test.text").info("booked", extra={"order_id": "ORD-5", "workflow_id": "ORD-5"})
        configure_logging("c2m-test", json=True)
        logging.getLogger("c2m.test.text").warning("late")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
    text_line, json_line = capsys.readouterr().err.splitlines()
    assert text_line.endswith("INFO c2m.test.text booked [order_id=ORD-5 workflow_id=ORD-5]")
    assert json.loads(json_line)["message"] == "late"
