"""The configurator in a real browser against the running system: options, live quote, errors, ordering."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.stack import Stack
from tests.e2e.web.conftest import assert_fits_phone, screenshot

pytestmark = pytest.mark.slow

TRACKER = re.compile(r"/track/(ORD-[0-9A-F]+)\?token=[\w-]+$")
QUOTE_TIMEOUT = 15_000  # ms: a quote asks the live schedule and stock


def _money(page: Page, amount: str) -> str:
    """An amount as the page formats it in the browser's locale."""
    text: str = page.evaluate("([a]) => C2M.fmtMoney(a, 'EUR')", [amount])
    return text


def _guest_key(page: Page) -> str:
    """The customer key the shop opened for the guest and keeps on the device."""
    key: str | None = page.evaluate("localStorage.getItem('c2m.key')")
    assert key and key.startswith("c2m_"), key
    return key


def _orders_of(stack: Stack, key: str) -> list[dict[str, Any]]:
    """The orders a customer's key sees: their own only."""
    resp = stack.get("/api/orders", token=key)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


def _stub_tracker(page: Page) -> None:
    """The tracker page is its own test's business: here only the address the shop leads to matters."""
    page.route(TRACKER, lambda route: route.fulfill(status=200, content_type="text/html", body="<!doctype html>"))


def _customer(page: Page) -> str:
    email = f"shop-{uuid.uuid4().hex[:10]}@example.com"
    page.fill("#customer-name", "Mei Chen")
    page.fill("#customer-email", email)
    return email


def test_shop_lists_every_product(page: Page, web_stack: Stack) -> None:
    page.goto("/shop?lang=en")
    products = httpx.get(f"{web_stack.api}/api/products", timeout=30).json()
    cards = page.locator("a.product-card")
    expect(cards).to_have_count(len(products))
    for product in products:
        card = page.locator(f"a.product-card[href='/shop/{product['sku']}']")
        expect(card.locator("h2")).to_have_text(product["name"])
        expect(card.locator("[data-money]")).to_have_text(_money(page, product["base_price"]))
        expect(card.locator("svg.product-art")).to_be_visible()
    screenshot(page, "shop-list")
    page.click("a.product-card[href='/shop/aircon-split']")
    page.wait_for_url("**/shop/aircon-split")
    expect(page.locator("h1")).to_have_text("Split air conditioner, wall-mounted")


def test_options_drive_rendering_price_and_errors_then_the_order_leads_to_the_tracker(
        page: Page, web_stack: Stack) -> None:
    _stub_tracker(page)
    page.goto("/shop/aircon-split?lang=en")
    housing = page.locator(".art-card [data-fill='colour']").first
    unit_price = page.locator("#price-unit")
    expect(unit_price).to_have_text(_money(page, "759.00"), timeout=QUOTE_TIMEOUT)  # white, 12k, 3 m
    expect(housing).to_have_attribute("fill", "#f1f0ea")
    expect(page.locator("#promised-date")).not_to_have_text("—")

    page.check("input[name='colour'][value='graphite']")
    expect(housing).to_have_attribute("fill", "#474a51")
    expect(unit_price).to_have_text(_money(page, "804.00"), timeout=QUOTE_TIMEOUT)
    expect(page.locator("#breakdown tr[data-code='option:colour']")).to_contain_text("Graphite grey")

    page.check("#opt-wifi")  # the Wi-Fi feature appears on the rendering
    expect(page.locator(".art-card [data-feature='wifi']")).not_to_have_class(re.compile(r"\boff\b"))
    page.uncheck("#opt-wifi")
    expect(page.locator(".art-card [data-feature='wifi']")).to_have_class(re.compile(r"\boff\b"))

    page.fill("#opt-pipe_length", "20")
    pipe_error = page.locator("#field-pipe_length .field-error")
    expect(pipe_error).to_contain_text("outside the allowed range 3 to 15 m", timeout=QUOTE_TIMEOUT)
    expect(page.locator("#field-pipe_length")).to_have_class(re.compile(r"\binvalid\b"))
    expect(page.locator("#place-order")).to_be_disabled()
    expect(page.locator("#quote-body")).to_be_hidden()
    expect(page.locator("#errors-summary")).to_be_hidden()  # the error sits beside its option, not at the top

    page.fill("#opt-pipe_length", "8")
    expect(unit_price).to_have_text(_money(page, "866.50"), timeout=QUOTE_TIMEOUT)  # 5 m beyond 3 m at 12.50
    expect(pipe_error).to_be_hidden()
    expect(page.locator("#place-order")).to_be_enabled()
    screenshot(page, "shop-aircon")

    page.click("#place-order")  # without a name and e-mail the order is not sent
    expect(page.locator("#field-customer-email .field-error")).to_be_visible()
    email = _customer(page)
    expect(page.locator("#field-consent")).to_have_count(0)  # nothing personal in an air conditioner
    page.click("#place-order")  # no customer key on this device: the shop offers a guest account first
    expect(page.locator("#guest-offer")).to_be_visible()
    page.dblclick("#guest-continue")
    page.wait_for_url(TRACKER, timeout=30_000)
    match = TRACKER.search(page.url)
    assert match is not None and page.url.startswith(web_stack.api)  # same origin, path and token kept
    order = web_stack.get(f"/api/orders/{match.group(1)}")
    assert order.status_code == 200, order.text
    body = order.json()
    assert body["options"]["colour"] == "graphite" and body["options"]["pipe_length"] == 8
    key = _guest_key(page)
    me = web_stack.get("/api/me", token=key).json()
    assert me["role"] == "customer" and body["customer_id"] == me["customer_id"]
    assert email not in body["customer_id"]  # a pseudonym
    assert [o["id"] for o in _orders_of(web_stack, key)] == [match.group(1)], "a double click made two orders"


def test_a_retry_after_a_lost_answer_places_the_order_once(page: Page, web_stack: Stack) -> None:
    lost: list[int] = []

    def lose_first_answer(route: Route) -> None:
        if lost:
            route.continue_()
            return
        response = route.fetch()  # the API stores the order ...
        lost.append(response.status)
        route.abort("connectionreset")  # ... but the browser never hears back

    page.route("**/api/orders", lose_first_answer)
    _stub_tracker(page)
    page.goto("/shop/aircon-split?lang=en")
    expect(page.locator("#place-order")).to_be_enabled(timeout=QUOTE_TIMEOUT)
    _customer(page)
    page.click("#place-order")
    page.click("#guest-continue")
    retry = page.locator("#place-retry")
    expect(retry).to_be_visible()
    expect(page.locator("#place-problem")).to_contain_text("could not be placed")
    assert lost == [201]
    key = _guest_key(page)
    assert len(_orders_of(web_stack, key)) == 1
    retry.click()
    page.wait_for_url(TRACKER, timeout=30_000)
    orders = _orders_of(web_stack, key)
    assert len(orders) == 1, f"the retry made a second order: {[o['id'] for o in orders]}"
    assert orders[0]["id"] in page.url


def test_a_required_option_left_empty_blocks_the_order_and_says_why(page: Page) -> None:
    page.goto("/shop/suit-mtm?lang=en")
    expect(page.locator("#quote-state")).to_contain_text("required option(s)", timeout=QUOTE_TIMEOUT)
    expect(page.locator("#place-order")).to_be_disabled()
    expect(page.locator("#field-chest .field-error")).to_be_hidden()  # not red before the customer got there
    page.fill("#opt-chest", "80")
    page.fill("#opt-waist", "90")  # chest below waist breaks a rule of the pattern
    expect(page.locator("#field-chest .field-error")).to_contain_text("Chest must be at least the waist",
                                                                      timeout=QUOTE_TIMEOUT)


SUIT = {"height": "180", "chest": "100", "waist": "86", "seat": "102", "shoulder": "46", "sleeve": "64",
        "jacket_length": "76", "inseam": "82"}


def test_measurements_need_consent_and_an_account_key_orders_as_its_customer(page: Page, web_stack: Stack) -> None:
    _stub_tracker(page)
    li_wei = web_stack.demo_key("customer")
    page.goto(f"/shop/suit-mtm?lang=en#key={li_wei}")  # signed in as the demo customer
    expect(page.locator("#account-who")).to_have_text("Li Wei · customer")
    assert "key=" not in page.url, "the key left the address bar"
    page.check("input[name='fabric'][value='wool_navy']")
    for option, value in SUIT.items():
        page.fill(f"#opt-{option}", value)
    expect(page.locator("#place-order")).to_be_enabled(timeout=QUOTE_TIMEOUT)
    _customer(page)
    page.click("#place-order")  # measurements are personal data: not without consent
    expect(page.locator("#field-consent .field-error")).to_contain_text("consent")
    page.check("#consent-personal")
    page.click("#place-order")  # the saved key places the order: no guest offer
    page.wait_for_url(TRACKER, timeout=30_000)
    order_id = TRACKER.search(page.url).group(1)  # type: ignore[union-attr]
    mine = [o["id"] for o in _orders_of(web_stack, li_wei)]
    assert order_id in mine, "the order is the signed-in customer's"
    assert web_stack.get(f"/api/orders/{order_id}").json()["options"]["chest"] == 100


def test_phone_width_and_chinese(page: Page, phone_page: Page) -> None:
    phone_page.goto("/shop?lang=en")
    assert_fits_phone(phone_page)
    phone_page.goto("/shop/aircon-split?lang=en")
    expect(phone_page.locator("#price-unit")).not_to_have_text("—", timeout=QUOTE_TIMEOUT)
    assert_fits_phone(phone_page)
    widths = phone_page.evaluate("() => [...document.querySelectorAll('.shop-layout > *:not([hidden])')]"
                                 ".map((n) => Math.round(n.getBoundingClientRect().width))")
    assert len(set(widths)) == 1, f"one column on a phone, got widths {widths}"
    screenshot(phone_page, "shop-aircon-phone")

    page.goto("/shop/aircon-split?lang=zh-CN")
    expect(page.locator("#place-order")).to_have_text("提交订单")
    expect(page.locator("#price-unit")).not_to_have_text("—", timeout=QUOTE_TIMEOUT)
    expect(page.locator("#breakdown tr[data-code='base'] td").first).to_have_text("基础价格")
    expect(page.locator("#promise-facts")).to_contain_text("生产时间")
    screenshot(page, "shop-aircon-zh")
