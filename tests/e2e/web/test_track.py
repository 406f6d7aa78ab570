"""The customer's tracker in a real browser against the running system: an order followed live from the
tracking link to delivery without reloading, through a dropped connection; a cancel from the page."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from orchestrator.web.routes.track import TRAIL_KINDS
from tests.e2e.stack import Stack
from tests.e2e.web.conftest import assert_fits_phone, screenshot

pytestmark = pytest.mark.slow

SEED_EXAMPLE = {
    "sku": "aircon-split",
    "options": {"colour": "white", "self_cleaning": True},
    "quantity": 1,
    "customer": {"name": "Li Wei", "email": "li.wei@example.com"},
}

# Installed before the page's own scripts: remembers what the page showed at any moment, however briefly
# (a work order may take only a second or two of wall time at the test's clock speed).
WATCH = """
window.__seen = { lines: [], counts: [], highlights: [], lineStates: [] };
new MutationObserver((records) => {
  const seen = window.__seen;
  for (const record of records) for (const node of record.addedNodes) {
    if (node.nodeType !== 1) continue;
    const find = (sel) => node.matches(sel) ? node : node.querySelector(sel);
    const prod = find(".prod");
    if (prod && prod.querySelector("#prod-line")) {
      seen.lines.push(prod.querySelector("#prod-line").textContent);
      seen.counts.push([prod.dataset.workOrder, prod.dataset.state, Number(prod.dataset.produced),
                        Number(prod.dataset.planned), prod.querySelector("#prod-counts").textContent]);
      const badge = prod.querySelector("#line-state");
      if (badge) seen.lineStates.push(badge.dataset.state);
    }
    const job = find(".lv-job");
    if (job) seen.highlights.push([job.dataset.workOrder,
                                   job.closest("svg").querySelectorAll(".lv-station.here").length]);
  }
}).observe(document, { childList: true, subtree: true });
"""


def _trail_ids(order: dict[str, Any]) -> list[int]:
    return [m["id"] for m in order["milestones"] if m["kind"] in TRAIL_KINDS]


def _wait(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


def test_the_tracker_follows_an_order_to_delivery_without_reload(page, phone_page, web_stack: Stack) -> None:
    placed = web_stack.place(SEED_EXAMPLE, key=str(uuid.uuid4()))
    page.add_init_script(WATCH)
    page.goto(placed["tracking_url"])
    expect(page.locator("h1")).to_contain_text(placed["id"])
    expect(page.locator("#product-name")).to_have_text("Split air conditioner, wall-mounted")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    # The tracking link alone reads the order; changing or cancelling it takes the customer's key.
    expect(page.locator("#actions-sign-in")).to_be_visible()
    expect(page.locator("#cancel-button")).to_be_hidden()
    page.evaluate("document.body.dataset.loadedOnce = 'yes'")  # a reload would lose this mark

    # Production: the panel names the line and counts, the line view carries the work order.
    page.wait_for_function("window.__seen.highlights.length > 0 && "
                           "window.__seen.counts.some(c => c[2] > 0)", timeout=120_000)
    screenshot(page, "track-in-production")

    # Drop the stream while the order moves on (as a hidden page does), then resume from the last event.
    page.evaluate("C2MTrack.pause()")
    last_seen = page.evaluate("C2MTrack.lastEventId()")
    _wait(lambda: any(i > last_seen for i in _trail_ids(web_stack.order(placed["id"]))), 60,
          "a milestone recorded while the page was not listening")
    assert page.locator(f"#history li[data-event-id='{max(_trail_ids(web_stack.order(placed['id'])))}']").count() == 0
    page.evaluate("C2MTrack.resume()")

    expect(page.locator("#timeline li[data-stage='delivered']")).to_have_attribute("data-state", "done",
                                                                                 timeout=120_000)
    expect(page.locator("#banner [data-banner='delivered']")).to_be_visible()
    expect(page.locator("#status-badge")).to_have_attribute("data-status", "delivered")
    assert page.evaluate("document.body.dataset.loadedOnce") == "yes", "the page was reloaded"

    seen = page.evaluate("window.__seen")
    final = web_stack.order(placed["id"])
    ours = {w["id"]: w for w in final["work_orders"]}
    assert seen["highlights"] and all(wo in ours and here == 1 for wo, here in seen["highlights"]), seen
    lines = {w["line"] for w in final["work_orders"]}
    assert any(any(line in text for line in lines) for text in seen["lines"]), seen["lines"]
    assert any(wo in ours and produced > 0 and text == f"{produced} of {planned}"
               for wo, _state, produced, planned, text in seen["counts"]), seen["counts"]
    assert seen["lineStates"], "the line's state was shown"

    # Every milestone exactly once, none missing, after the drop (the history is fed by the stream only).
    expect(page.locator("#history li[data-kind='stage']").first).to_be_visible()
    _wait(lambda: len(page.locator("#history li").all()) >= len(_trail_ids(final)), 15, "the history catching up")
    rendered = [int(i) for i in page.locator("#history li").evaluate_all("els => els.map(e => e.dataset.eventId)")]
    assert sorted(rendered) == sorted(_trail_ids(final)), (rendered, _trail_ids(final))
    stages = ["received", "planned", "materials_reserved", "scheduled", "in_production", "quality_check", "packed",
              "shipped", "delivered"]
    assert [li.get_attribute("data-stage") for li in page.locator("#timeline li").all()] == stages
    assert all(li.get_attribute("data-state") == "done" for li in page.locator("#timeline li").all())
    expect(page.locator("#actions")).to_be_hidden()
    expect(page.locator("#work-order-rows tr")).to_have_count(len({w["op_id"] for w in final["work_orders"]}))
    screenshot(page, "track-delivered")

    page.goto(placed["tracking_url"] + "&lang=zh-CN")
    expect(page.locator("h1")).to_have_text(f"您的订单 {placed['id']}")
    expect(page.locator("#banner")).to_contain_text("已送达")
    expect(page.locator("#timeline li[data-stage='in_production'] .step-name")).to_have_text("生产中")
    screenshot(page, "track-zh")

    phone_page.goto(placed["tracking_url"])
    expect(phone_page.locator("#banner [data-banner='delivered']")).to_be_visible()
    assert_fits_phone(phone_page)
    screenshot(phone_page, "track-phone")


def test_a_waiting_order_refuses_a_bad_change_and_cancels_from_the_page(page, web_stack: Stack) -> None:
    placed = web_stack.place({**SEED_EXAMPLE, "special_requests": "Please deliver after 18:00"},
                             key=str(uuid.uuid4()))
    someone_else = web_stack.place({**SEED_EXAMPLE, "special_requests": "Not Li Wei's",
                                    "customer": {"name": "Ada Park", "email": "ada.park@example.com"}})
    # Li Wei follows her tracking link signed in with her key (the demo customer of `c2m up`).
    page.goto(f"{placed['tracking_url']}#key={web_stack.demo_key('customer')}")
    expect(page.locator("#account-who")).to_have_text("Li Wei · customer")
    assert "#key=" not in page.url, "the key left the address bar"
    status = "(id) => C2M.api(`/api/orders/${id}`).then(() => 200, (err) => err.status)"
    assert page.evaluate(status, placed["id"]) == 200, "her key alone reads her order"
    assert page.evaluate(status, someone_else["id"]) == 404, "another customer's order does not exist for her"
    expect(page.locator("#actions-sign-in")).to_be_hidden()
    expect(page.locator("#status-badge")).to_have_attribute("data-status", "awaiting_approval", timeout=60_000)
    expect(page.locator("#timeline li[data-stage='awaiting_approval']")).to_have_attribute("data-state", "current")
    expect(page.locator("#banner [data-banner='awaiting_approval']")).to_be_visible()

    # A configuration the catalog forbids (champagne only up to 9k): the API's reason shows in the form.
    page.locator("#change-details summary").click()
    page.select_option("#opt-colour", "champagne")
    page.select_option("#opt-capacity", "18k")
    page.click("#change-submit")
    expect(page.locator("#change-error")).to_be_visible(timeout=30_000)
    expect(page.locator("#change-error")).to_contain_text(re.compile("not accepted: .*not valid"))

    page.click("#cancel-button")
    expect(page.locator("#cancel-dialog")).to_be_visible()
    page.fill("#cancel-reason", "ordered twice by mistake")
    page.click("#cancel-confirm")
    expect(page.locator("#timeline li[data-stage='cancelled']")).to_have_attribute("data-state", "end",
                                                                                 timeout=60_000)
    expect(page.locator("#banner [data-banner='cancelled']")).to_contain_text("ordered twice by mistake")
    expect(page.locator("#actions")).to_be_hidden()
    assert web_stack.order(placed["id"])["status"] == "cancelled"
    assert web_stack.post(f"/api/orders/{someone_else['id']}/cancel", {"reason": "test over"}).status_code == 200
