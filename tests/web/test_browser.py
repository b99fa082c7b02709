"""The status page in a real browser: Debian's Chromium, driven by playwright, fully offline.

What a trader at 3 a.m. sees: each exchange's answer and each channel's verdict, in English
and in Chinese, on a desktop and on a phone, with no console errors and no request leaving
the machine. A screenshot is kept in test-artifacts/ for people to look at.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from bot.web import start_web, stop_web

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        pytest.fail(
            f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package",
            pytrace=False,
        )
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)

from playwright.async_api import Browser, ConsoleMessage, Page, Request, async_playwright  # noqa: E402


@dataclass
class Watch:
    """Console errors, page errors and every request the page made."""

    origin: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("request", self._request)
        page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"{message.type}: {message.text}")

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def outside(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(self.origin + "/")]


@pytest.fixture
async def origin(app: web.Application) -> AsyncIterator[str]:
    server = await start_web(app, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await stop_web(server)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def open_page(
    browser: Browser, origin: str, path: str, **context: object
) -> tuple[Page, Watch]:
    ctx = await browser.new_context(**context)  # type: ignore[arg-type]
    page = await ctx.new_page()
    watch = Watch(origin)
    watch.attach(page)
    # Anything not served by us is refused, so a stray external asset fails loudly.
    await page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(origin) else route.abort(),
    )
    response = await page.goto(origin + path)
    assert response is not None and response.status == 200
    return page, watch


async def test_it_shows_the_answers_on_a_desktop_in_english(browser: Browser, origin: str) -> None:
    page, watch = await open_page(browser, origin, "/", viewport=DESKTOP, locale="en-US")

    text = await page.inner_text("main")
    assert "MEXC — Online customer service is not answering ❌" in text
    assert "Nova — live support is closed now 🌙" in text
    assert "❌ Online customer service — down · for 12 min" in text
    assert "📨 E-mail — accepting · replies in 1–3 business days" in text
    assert "Uptime: 24 h 100% · 7 d 99.8% · 30 d 99%" in text
    assert "Delayed BTC withdrawals" in text
    chat = page.locator('#mexc li[data-channel="live_chat"]')
    assert await chat.get_attribute("data-verdict") == "down"
    assert await chat.locator(".bar .h").count() == 24
    # The style sheet loaded under the CSP: the bar has a height, a failing hour is red.
    cell = chat.locator(".bar .h.bad")
    box = await cell.bounding_box()
    assert box is not None and box["height"] > 0
    colour = await cell.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour != "rgba(0, 0, 0, 0)"

    await page.screenshot(path=str(ARTIFACTS / "status-page.png"), full_page=True)
    assert watch.errors == []
    assert watch.outside() == []


async def test_it_fits_a_phone_in_chinese(browser: Browser, origin: str) -> None:
    page, watch = await open_page(
        browser, origin, "/", viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
    )

    text = await page.inner_text("main")
    assert await page.get_attribute("html", "lang") == "zh-Hans"
    assert "MEXC — 在线客服现在无法联系 ❌" in text
    assert "🌙 在线客服 — 非服务时间" in text
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"

    await page.screenshot(path=str(ARTIFACTS / "status-page-phone-zh.png"), full_page=True)
    assert watch.errors == []
    assert watch.outside() == []


async def test_it_switches_language_and_opens_an_exchange_page(
    browser: Browser, origin: str
) -> None:
    page, watch = await open_page(browser, origin, "/?lang=zh", viewport=PHONE)

    await page.click("a.switch")
    assert await page.get_attribute("html", "lang") == "en"
    await page.click("#nova h2 a")
    assert page.url == origin + "/exchanges/nova?lang=en"
    text = await page.inner_text("main")
    assert "Nova — live support is closed now 🌙" in text
    assert "First, freeze your account: Account → Security → Freeze account." in text
    assert await page.locator("#urgent").is_visible()
    await page.screenshot(path=str(ARTIFACTS / "exchange-page-phone.png"), full_page=True)

    assert watch.errors == []
    assert watch.outside() == []
