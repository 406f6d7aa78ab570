"""The console's "What if…" panel in Chromium against the real API (uvicorn, SQLite): a planner removes a
line, runs the what-if, follows it and sees the baseline and the variant side by side with their plots;
an integrator is not offered the panel."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from orchestrator.api.app import create_app
from orchestrator.catalog import load_catalog
from orchestrator.persistence import accounts_repo
from orchestrator.persistence.db import make_engine
from orchestrator.persistence.migrate import upgrade
from orchestrator.security.principals import Role
from orchestrator.settings import Settings
from tests.e2e.web.conftest import DESKTOP, PHONE, assert_fits_phone, desktop_page, screenshot
from tests.support.processes import ROOT
from tests.support.servers import serving

RESULT_WITHIN_MS = 90_000  # two runs of 30 orders take a few seconds, plus the simulation process's start


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The API serving the console, and a planner's and an integrator's keys."""
    var = tmp_path_factory.mktemp("whatif")
    db_url = f"sqlite:///{var / 'c2m.db'}"
    upgrade(db_url)
    stock = var / "stock.yaml"
    stock.write_text(yaml.safe_dump({"stock": [{"item": i.id, "on_hand": 100_000, "unit": i.unit}
                                               for i in load_catalog(ROOT / "catalog").items.values()]}))
    engine = make_engine(db_url)
    with engine.begin() as conn:
        keys = {role.value: accounts_repo.issue_key(conn, role, f"a {role.value}", None).token
                for role in (Role.PLANNER, Role.INTEGRATOR)}
    engine.dispose()
    with serving(create_app(Settings(var_dir=var, database_url=db_url, stock_file=stock))) as url:
        yield url, keys


@pytest.fixture
def page(browser: Browser, console: tuple[str, dict[str, str]]) -> Iterator[Page]:
    with desktop_page(browser, console[0]) as pg:
        yield pg


def test_a_planner_runs_a_what_if_and_sees_both_columns(page: Page, console: tuple[str, dict[str, str]]) -> None:
    page.goto(f"/planner#key={console[1]['planner']}")
    panel = page.locator("#whatif")
    expect(panel).to_be_visible()
    panel.locator("#whatif-kind").select_option("remove_line")
    panel.locator("#whatif-kind-fields select[name=line]").select_option("ASM1")
    panel.locator("#whatif-add").click()
    expect(panel.locator("#whatif-changes li")).to_have_count(1)
    expect(panel.locator("#whatif-changes li")).to_contain_text("ASM1")
    panel.locator("input[name=orders]").fill("30")
    panel.locator("#whatif-run").click()

    table = panel.locator('#whatif-result table[data-policy="c2m"]')
    expect(table).to_be_visible(timeout=RESULT_WITHIN_MS)
    on_time = table.locator('tr[data-row="on_time"]')
    expect(on_time.locator('td[data-side="baseline"]')).to_contain_text("%")
    expect(on_time.locator('td[data-side="variant"]')).to_contain_text("%")
    expect(table.locator('tr[data-row="actual_p50"] td[data-side="variant"]')).not_to_have_text("—")
    # The removed line did no work in the variant.
    expect(table.locator('tr[data-row="line:ASM1"] td[data-side="variant"]')).to_have_text("—")
    images = panel.locator(".whatif-plot img")
    expect(images).to_have_count(2)
    page.wait_for_function("() => [...document.querySelectorAll('.whatif-plot img')]"
                           ".every((img) => img.complete && img.naturalWidth > 0)", timeout=15_000)
    expect(panel.locator("#whatif-progress")).to_be_hidden()
    screenshot(page, "planner-what-if")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]

    # A reload shows the planner's latest what-if again.
    page.reload()
    expect(page.locator('#whatif-result table[data-policy="c2m"]')).to_be_visible()


def test_an_integrator_is_not_offered_the_panel(page: Page, console: tuple[str, dict[str, str]]) -> None:
    page.goto(f"/planner#key={console[1]['integrator']}")
    expect(page.locator("#read-only")).to_be_visible()
    expect(page.locator("#whatif")).to_be_hidden()

