"""The landing page and the language switch, in a real browser."""

from __future__ import annotations

import pytest

from tests.e2e.web.conftest import assert_fits_phone, screenshot

pytestmark = pytest.mark.slow


def test_home_links_every_page_and_switches_to_chinese(page, phone_page) -> None:
    page.goto("/")
    for name in ("Shop", "Planner", "Integrations"):
        assert page.get_by_role("link", name=name).first.is_visible()
    page.click("[data-lang-switch='zh-CN']")
    page.wait_for_url("**lang=zh-CN")
    assert page.locator("h1").inner_text() == "c2m 工厂"
    page.goto("/")  # the choice is remembered
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    screenshot(page, "home-zh")
    phone_page.goto("/")
    assert_fits_phone(phone_page)
    screenshot(phone_page, "home-phone")
