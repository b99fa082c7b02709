"""The status page in a real browser: Debian's Chromium, driven by playwright, fully offline.

What a trader at 3 a.m. sees: the overview of the shipped catalog fits the first screen of a
desktop and a phone without sideways scrolling, in English and Chinese, light and dark; the
bars explain themselves (legend, a label per cell); the exchange page has the detail. No
console errors and no request leaving the machine. Screenshots are kept in test-artifacts/
(desktop and phone x en and zh) for people to look at.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from bot.catalog import Catalog, load_catalog
from bot.clock import FakeClock
from bot.metrics import Metrics
from bot.status import StatusService
from bot.web import build_app, start_web, stop_web
from tests.answers.fakes import FakeLive
from tests.web.conftest import Health, HourlyStore
from tests.web.shipped import quiet_night_but_mexc

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SHIPPED = Path(__file__).resolve().parents[2] / "bot" / "catalog" / "catalog.yaml"
MAX_HEIGHT = 2500

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        pytest.fail(
            f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package",
            pytrace=False,
        )
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)

from playwright.async_api import (  # noqa: E402
    Browser,
    ConsoleMessage,
    FloatRect,
    Locator,
    Page,
    Request,
    async_playwright,
)


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
async def shipped_origin() -> AsyncIterator[str]:
    """The real app serving the shipped catalog (every exchange) on a night with one outage."""
    catalog: Catalog = load_catalog(SHIPPED)
    clock, live, store = FakeClock(), FakeLive(), HourlyStore()
    quiet_night_but_mexc(catalog, live, store, clock.now())
    status = StatusService(catalog, live, store, clock)
    app = build_app(status, catalog, Metrics(commands=["status"]), Health(), page_cache_s=0)
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


@pytest.mark.parametrize(
    ("device", "lang", "scheme"),
    [
        ("desktop", "en", "light"),
        ("desktop", "zh", "dark"),
        ("phone", "en", "dark"),
        ("phone", "zh", "light"),
    ],
)
async def test_the_overview_shows_every_exchange_at_a_glance(
    browser: Browser, shipped_origin: str, device: str, lang: str, scheme: str
) -> None:
    phone = device == "phone"
    options: dict[str, object] = {"viewport": PHONE if phone else DESKTOP, "color_scheme": scheme}
    if phone:
        options |= {"is_mobile": True, "has_touch": True}
    page, watch = await open_page(browser, shipped_origin, f"/?lang={lang}", **options)

    rows = page.locator("ol.rows > li.row")
    assert await rows.count() == 8
    width = await page.evaluate("document.documentElement.scrollWidth")
    height = await page.evaluate("document.documentElement.scrollHeight")
    assert width <= (PHONE if phone else DESKTOP)["width"], "the page scrolls sideways"
    assert height < MAX_HEIGHT
    bottoms = [box["y"] + box["height"] for box in await _boxes(rows)]
    if phone:
        # Every exchange's answer within the first two screens.
        assert max(bottoms) <= 2 * PHONE["height"], bottoms
    else:
        assert max(bottoms) <= DESKTOP["height"], f"not all in the first screen: {bottoms}"
    # The legend says what each colour means; the last cell of a bar is the hour under way.
    legend = await page.inner_text(".legend")
    words = {"en": "more than half failed", "zh": "超过一半失败"}[lang]
    assert words in legend
    mexc = page.locator("#mexc")
    assert await mexc.locator(".bar .h").count() == 24
    last = mexc.locator(".bar .h").last
    assert "partial" in (await last.get_attribute("class") or "")
    label = {
        "en": "19:00–20:00 UTC · so far · 10 checks · 10 failed",
        "zh": "19:00–20:00 UTC · 至今 · 检测 10 次 · 失败 10 次",
    }[lang]
    assert await last.get_attribute("aria-label") == label
    assert await last.get_attribute("title") == label
    # Colour is not the only signal: the down pill has its own icon and says so in words.
    pill = mexc.locator('.pill[data-channel="live_chat"]')
    assert await pill.locator("svg.i-bad").count() == 1
    assert await pill.get_attribute("data-verdict") == "down"
    state = {"en": "down", "zh": "无法访问"}[lang]
    assert (await pill.get_attribute("title") or "").endswith(state)
    assert (await pill.inner_text()).endswith(f"({state})")
    # Light and dark: the page follows the system's scheme.
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(255, 255, 255)" if scheme == "light" else "rgb(15, 18, 22)")

    await page.screenshot(path=str(ARTIFACTS / f"overview-{device}-{lang}.png"), full_page=True)
    assert watch.errors == []
    assert watch.outside() == []


async def _boxes(rows: Locator) -> list[FloatRect]:
    boxes = []
    for i in range(await rows.count()):
        box = await rows.nth(i).bounding_box()
        assert box is not None
        boxes.append(box)
    return boxes


async def test_the_overview_answers_first_and_links_to_the_detail(
    browser: Browser, origin: str
) -> None:
    page, watch = await open_page(browser, origin, "/", viewport=DESKTOP, locale="en-US")

    text = await page.inner_text("main")
    assert "Live support at 0 of 2 exchanges" in text
    assert "Not answering: MEXC · Closed now: Nova" in text
    assert "MEXC — Online customer service is not answering" in text
    assert "Use now: E-mail service@mexc.com · replies in 1–3 business days" in text
    assert "Status page: Minor incident · Delayed BTC withdrawals" in text
    # No empty placeholders on the overview.
    assert " – " not in text and "–/" not in text
    assert "Latency:" not in text and "Uptime:" not in text
    # The style sheet loaded under the CSP: a failing hour is drawn, in colour.
    cell = page.locator("#mexc .bar .h.bad").first
    box = await cell.bounding_box()
    assert box is not None and box["height"] > 0
    assert await cell.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"

    await page.click("#mexc h2 a")
    assert page.url == origin + "/exchanges/mexc?lang=en"
    assert watch.errors == []
    assert watch.outside() == []


async def test_the_exchange_page_has_the_detail_with_labelled_bars_and_incidents(
    browser: Browser, origin: str
) -> None:
    page, watch = await open_page(
        browser, origin, "/exchanges/mexc", viewport=PHONE, locale="en-US"
    )

    chat = page.locator('article[data-channel="live_chat"]')
    bars = chat.locator(".bar")
    assert await bars.count() == 2
    assert await bars.nth(0).locator(".h").count() == 24
    assert await bars.nth(1).locator(".h").count() == 90
    labels = [await c.get_attribute("aria-label") for c in await bars.nth(0).locator(".h").all()]
    assert labels[-2] == "18:00–19:00 UTC · 60 checks · 40 failed"
    text = await page.inner_text("main")
    assert "Usually answers in" in text
    assert "Incidents in the last 30 days" in text
    assert "ongoing · 12 min so far (timeout after 10 s)" in text
    assert "14 min (HTTP 503)" in text
    assert await page.locator(".legend").is_visible()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    await page.screenshot(path=str(ARTIFACTS / "exchange-page-phone.png"), full_page=True)

    assert watch.errors == []
    assert watch.outside() == []


async def test_it_switches_language_and_opens_an_exchange_page(
    browser: Browser, origin: str
) -> None:
    page, watch = await open_page(browser, origin, "/?lang=zh", viewport=PHONE)

    assert await page.get_attribute("html", "lang") == "zh-Hans"
    await page.click("a.switch")
    assert await page.get_attribute("html", "lang") == "en"
    await page.click("#nova h2 a")
    assert page.url == origin + "/exchanges/nova?lang=en"
    text = await page.inner_text("main")
    assert "Nova — live support is closed now" in text
    assert "First, freeze your account: Account → Security → Freeze account." in text
    assert await page.locator("#urgent").is_visible()

    assert watch.errors == []
    assert watch.outside() == []
