"""The dashboard in a real browser: Playwright driving Debian's Chromium (never a
downloaded one) against the app over real scans of a small sandbox world.

Set UPSTREAM_BOT_SCREENSHOTS=DIR to keep a full-page screenshot of every page visited.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.web.conftest import Site
from tests.web.sandbox_site import sandbox_site

CHROMIUM = Path("/usr/bin/chromium")
PACKAGES = 12

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing: install Debian's chromium package (./dev test does so "
           "when it runs as root)",
)


class Browser:
    """One page of a headless Chromium that records console errors and page errors."""

    def __init__(self, page, base: str, shots: Path | None) -> None:
        self.page = page
        self.base = base
        self.shots = shots
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

    async def visit(self, path: str, shot: str | None = None) -> int:
        response = await self.page.goto(self.base + path)
        assert response is not None
        if self.shots is not None and shot:
            await self.page.screenshot(path=str(self.shots / f"{shot}.png"), full_page=True)
        return response.status


@pytest.fixture
async def browser_page() -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            yield page
        finally:
            await browser.close()


def _shots() -> Path | None:
    where = os.environ.get("UPSTREAM_BOT_SCREENSHOTS")
    if not where:
        return None
    path = Path(where)
    path.mkdir(parents=True, exist_ok=True)
    return path


async def test_dashboard_on_the_sandbox_world(
    settings: Settings, tmp_path: Path, browser_page: object
) -> None:
    async with sandbox_site(settings, tmp_path, packages=PACKAGES) as site:
        browser = Browser(browser_page, site.url, _shots())
        page = browser.page
        assert await browser.visit("/", "overview") == 200

        # The status tiles show exactly the seeded truth's counts.
        truth = Counter(str(row[3].status) for row in site.truth.rows())
        shown = {
            await tile.get_attribute("data-status"): int(await tile.inner_text())
            for tile in await page.locator(".tiles .count").all()
        }
        assert shown == dict(truth)
        # A chart with a line per series and a point per scan.
        chart = page.locator("figure.chart svg")
        assert await chart.is_visible()
        assert await page.locator("polyline.line").count() == 3
        assert await page.locator("circle.dot.waiting").count() == 3

        # Filters: following the pending tile lists exactly the pending changes.
        await page.locator(".tile.s-pending a").click()
        assert re.search(r"/changes\?status=pending$", page.url)
        pending_changes = {
            (p.name, b.branch, c.id) for p, b, c, t in site.truth.rows()
            if str(t.status) == "pending"
        }
        assert int(await page.locator("#total").inner_text()) == len(pending_changes)
        if browser.shots:
            await page.screenshot(path=str(browser.shots / "changes.png"), full_page=True)
        # Narrowing by form: target and kind are select boxes, the URL carries them.
        (target, kind), _ = Counter(
            (str(t.target), str(c.kind)) for _, _, c, t in site.truth.rows()
            if str(t.status) == "pending"
        ).most_common(1)[0]
        await page.select_option("select[name=target]", target)
        await page.select_option("select[name=kind]", kind)
        await page.get_by_role("button", name="Filter").click()
        assert f"target={target}" in page.url and f"kind={kind}" in page.url
        expected = {
            (p.name, b.branch, c.id) for p, b, c, t in site.truth.rows()
            if str(t.status) == "pending" and str(t.target) == target and str(c.kind) == kind
        }
        assert int(await page.locator("#total").inner_text()) == len(expected)
        rows = page.locator("table.list tbody tr")
        assert await rows.count() == max(len(expected), 1)

        # A change page shows its history, one transition per scan that changed something.
        await page.locator("table.list tbody td.name a").first.click()
        assert "/changes/" in page.url
        history = page.locator("#history li")
        assert await history.count() >= 1
        assert "by scan" in await history.first.inner_text()
        if browser.shots:
            await page.screenshot(path=str(browser.shots / "change.png"), full_page=True)

        # The other pages render.
        first_package = site.truth.packages[0].name
        for path, shot in ((f"/packages/{first_package}", "package"), ("/packages", "packages"),
                           ("/owners", "owners"), ("/health", "health"),
                           ("/commands", "commands")):
            assert await browser.visit(path, shot) == 200, path
        await browser.visit("/health")
        assert await page.locator("#scans tbody tr").count() == 3
        assert browser.errors == []


async def test_hostile_text_stays_text_in_the_browser(
    hostile_site: Site, browser_page: object
) -> None:
    base = str(hostile_site.client.make_url("/")).rstrip("/")
    browser = Browser(browser_page, base, _shots())
    dialogs: list[str] = []
    browser.page.on("dialog", lambda d: dialogs.append(d.message))
    change = hostile_site.seeded.hostile_change
    for path, shot in (("/", None), (f"/changes/{change}", "hostile-change"),
                       ("/packages/pkg-00", None), ("/health", None)):
        assert await browser.visit(path, shot) == 200
        # The markup a forge user wrote is on the page as visible text.
        assert '<script>alert("x")</script>' in await browser.page.inner_text("main"), path
    assert dialogs == []
    assert browser.errors == []
