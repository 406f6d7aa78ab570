"""The integrator page in a real browser, against the running system: adapters, states and raw messages."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.stack import Stack
from tests.e2e.web.conftest import assert_fits_phone, screenshot

pytestmark = pytest.mark.slow

LINES = ["FAB1", "PNT1", "ASM1", "ASM2", "SEW1", "PCK1"]
ORDER = {
    "sku": "aircon-split",
    "options": {"colour": "white", "self_cleaning": True},
    "quantity": 1,
    "customer": {"name": "Integration Check", "email": "integrator@example.com"},
}


def test_the_page_shows_every_adapter_and_its_recent_messages(page: Page, phone_page: Page,
                                                               web_stack: Stack) -> None:
    integrator = web_stack.demo_key("integrator")
    page.goto(f"/integrations?lang=en#key={integrator}")
    expect(page.locator("#account-who")).to_have_text("Demo integrator · integrator")
    expect(page.locator("h1")).to_have_text("Integrations")
    expect(page.locator('article.adapter[data-kind="line"]')).to_have_count(6)
    for line in LINES:  # the worker's line monitors report within seconds; the page refreshes itself
        expect(page.locator(f'article[data-endpoint="{line}"] [data-field="state"]')).to_have_text(
            "connected", timeout=60_000)
    mes = page.locator('article.adapter[data-kind="mes"]')
    expect(mes.locator('[data-field="state"]')).to_have_text("connected")
    expect(mes.locator('[data-field="latency"]')).to_have_text(re.compile(r"\d ms$"))
    expect(page.locator('article.adapter[data-kind="supplier"]')).to_have_count(6)
    expect(page.locator('article.adapter[data-kind="webhook"]')).to_have_count(1)
    expect(page.locator("#temporal-ui")).to_have_attribute("href", re.compile(r"^http://127\.0\.0\.1:\d+$"))
    expect(page.locator('#temporal [data-field="state"]')).to_have_text("connected")

    web_stack.place(ORDER, key=f"integrations-{uuid.uuid4().hex[:8]}")
    # The plant scheduler releases the order's work orders to the MES: the job order request shows up.
    mes.locator("details.messages > summary").click()
    job_order = page.locator(".summary", has_text=re.compile(r"^POST /api/v1/job-orders$"))
    request = mes.locator(".message.sent").filter(has=job_order).first
    expect(request).to_be_visible(timeout=90_000)
    expect(mes.locator('[data-field="last"] time')).to_have_text(re.compile(r"ago|now"), timeout=15_000)
    request.locator("details.body > summary").click()
    expect(request.locator("pre")).to_contain_text('"JobOrders"')

    # The lines' sampled OPC UA values (node = value).
    fab1 = page.locator('article.adapter[data-endpoint="FAB1"]')
    fab1.locator("details.messages > summary").click()
    expect(fab1.locator(".message.received .summary", has_text="ns=2;s=Machines/FAB1/").first).to_be_visible()
    screenshot(page, "integrations")

    page.goto("/integrations?lang=zh-CN")  # the key stays on the device
    expect(page.locator("h1")).to_have_text("系统集成")
    expect(page.locator('article[data-endpoint="FAB1"] [data-field="state"]')).to_have_text("已连接")
    expect(page.locator("#temporal-ui")).to_contain_text("打开 Temporal 控制台")
    screenshot(page, "integrations-zh")

    phone_page.goto(f"/integrations?lang=en#key={integrator}")
    expect(phone_page.locator('article.adapter[data-kind="line"]')).to_have_count(6)
    phone_mes = phone_page.locator('article.adapter[data-kind="mes"]')
    phone_mes.locator("details.messages > summary").click()
    expect(phone_mes.locator(".message").first).to_be_visible()
    phone_mes.locator(".message details.body > summary").first.click()
    assert_fits_phone(phone_page)
    screenshot(phone_page, "integrations-phone")
