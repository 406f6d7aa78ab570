"""Browser tests: Playwright (Python) driving Debian's Chromium against one running stack.

The stack (``c2m up`` on free ports, plant clock ×3600, plentiful stock, one worker) is shared by the
whole session. Screenshots go to ``tests/artifacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.stack import Stack, fast_suppliers, plentiful_stock
from tests.support.processes import ROOT

SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def chromium_path() -> str | None:
    """Debian's Chromium: the real binary behind the wrapper script, or ``C2M_CHROMIUM``."""
    for candidate in (os.environ.get("C2M_CHROMIUM"), "/usr/lib/chromium/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Chromium for one test module. Module scope, not session: Playwright's sync API keeps an event loop
    marked as running in this thread while it is started, and async tests of other modules need it gone."""
    path = chromium_path()
    if path is None:
        pytest.skip("browser tests need Chromium: install it with `apt-get install chromium fonts-wqy-microhei` "
                    "(or point C2M_CHROMIUM at a Chromium binary); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def web_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The running system the pages are tested against (one per session)."""
    var_dir = tmp_path_factory.mktemp("web")
    env = {
        "C2M_TIME_SCALE": "3600",
        "C2M_STOCK_FILE": str(plentiful_stock(var_dir / "stock.yaml")),
        "C2M_SUPPLIERS_FILE": str(fast_suppliers(var_dir / "suppliers.yaml")),
        "C2M_TRANSIT_HOURS": "4",
        "C2M_QUALITY_CHECK_HOURS": "1",
        "C2M_PACKING_HOURS": "1",
    }
    stack = Stack(var_dir / "var", env)
    stack.start()
    stack.start_worker()
    try:
        yield stack
    finally:
        stack.stop()


@contextmanager
def desktop_page(browser: object, base_url: str) -> Iterator[object]:
    """A fresh desktop-sized page whose relative URLs go to ``base_url``; a JavaScript error fails the test."""
    context = browser.new_context(base_url=base_url, viewport=DESKTOP)  # type: ignore[attr-defined]
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield pg
        assert not errors, f"JavaScript errors on the page: {errors}"
    finally:
        context.close()


@pytest.fixture
def page(browser: object, web_stack: Stack) -> Iterator[object]:
    """A fresh desktop-sized browser page whose relative URLs go to the stack's API."""
    with desktop_page(browser, web_stack.api) as pg:
        yield pg


@pytest.fixture
def phone_page(browser: object, web_stack: Stack) -> Iterator[object]:
    """A phone-sized page (390×844, touch)."""
    context = browser.new_context(base_url=web_stack.api, viewport=PHONE, is_mobile=True,  # type: ignore[attr-defined]
                                  has_touch=True)
    context.set_default_timeout(15_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot as a test artifact and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def assert_fits_phone(page: object) -> None:
    """Nothing overflows a phone-width viewport horizontally (the page scrolls only vertically)."""
    overflow = page.evaluate(  # type: ignore[attr-defined]
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the phone screen"
