"""The customer's whole journey in one browser tab: configure, order, and watch the order to delivery."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.stack import Stack

pytestmark = pytest.mark.slow


def test_an_order_placed_in_the_configurator_is_watched_live_to_delivery(page: Page, web_stack: Stack) -> None:
    page.goto("/shop/aircon-split?lang=en")
    page.check("input[name='colour'][value='white']")
    page.check("#opt-self_cleaning")
    page.fill("#customer-name", "Li Wei")
    page.fill("#customer-email", f"journey-{uuid.uuid4().hex[:8]}@example.com")
    expect(page.locator("#place-order")).to_be_enabled(timeout=20_000)
    page.click("#place-order")
    page.click("#guest-continue")  # a guest account: its key stays on this device

    page.wait_for_url(re.compile(r"/track/ORD-[0-9A-F]+\?token="), timeout=30_000)
    order_id = re.search(r"/track/(ORD-[0-9A-F]+)", page.url).group(1)  # type: ignore[union-attr]
    expect(page.locator("h1")).to_contain_text(order_id)
    expect(page.locator("#account-who")).to_have_text("Li Wei · customer")  # the guest owns the order:
    expect(page.locator("#actions-sign-in")).to_be_hidden()  # no "sign in to change or cancel"
    page.evaluate("window.__sameDocument = true")  # a reload would drop this mark

    expect(page.locator("#status-badge")).to_have_attribute("data-status", "delivered", timeout=180_000)
    expect(page.locator("#banner [data-banner='delivered']")).to_be_visible()
    assert page.evaluate("window.__sameDocument === true"), "the tracker reloaded instead of updating live"
    assert web_stack.order(order_id)["status"] == "delivered"
