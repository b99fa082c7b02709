"""The web's /verify page: the chat answer under a form; what was typed is never a link."""

from __future__ import annotations

import html as markup
import re

from aiohttp import web
from aiohttp.test_utils import TestClient

Client = TestClient[web.Request, web.Application]


def words_of(html: str) -> str:
    """The page's text, as a reader sees it (tags dropped, spaces joined)."""
    return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", html)).split())


async def test_it_says_plainly_that_a_look_alike_is_not_the_exchange(client: Client) -> None:
    typed = "https://mexc-support.com/login"
    response = await client.get("/verify", params={"q": typed, "lang": "en"})
    html = await response.text()
    assert response.status == 200
    text = words_of(html)
    assert "Not MEXC" in text
    assert "hxxps[:]//mexc-support[.]com/login is not MEXC's website." in text
    assert "MEXC's only website is mexc.com." in text
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert not [h for h in hrefs if "mexc-support" in h], hrefs
    assert f'value="{typed}"' in html, "the form keeps what was typed, to edit"


async def test_it_answers_in_chinese_too(client: Client) -> None:
    response = await client.get("/verify", params={"q": "mexc-support.com", "lang": "zh"})
    text = words_of(await response.text())
    assert "这不是 MEXC 官方" in text
    assert "MEXC 唯一官网是 mexc.com。" in text


async def test_without_a_question_it_shows_the_form_and_what_to_send(client: Client) -> None:
    html = await (await client.get("/verify", params={"lang": "en"})).text()
    assert '<form action="/verify" method="get"' in html
    assert "Send it after the command" not in html, "chat wording, not for a page"
    assert "Check a link, e-mail, @account or phone number" in words_of(html)


async def test_every_page_leads_to_it(client: Client) -> None:
    html = await (await client.get("/", params={"lang": "en"})).text()
    assert 'href="/verify?lang=en"' in html


async def test_what_was_typed_stays_text_even_when_it_is_markup(client: Client) -> None:
    typed = '"><script>alert(1)</script><a href="https://mexc-support.com">mexc.com</a>'
    html = await (await client.get("/verify", params={"q": typed, "lang": "en"})).text()
    assert "<script>" not in html
    assert 'href="https://mexc-support.com"' not in html
