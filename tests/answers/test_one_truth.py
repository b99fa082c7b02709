"""One truth per answer: the headline says what the lines under it say, in both languages.

"No fresh checks" never stands above "checked just now": an unknown headline names why we
can't say (not checked yet, first checks not conclusive, last check too old), and the live
chat and help center behind one URL read the same. Clock: 2026-11-24 19:00 UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from bot.clock import FakeClock
from bot.commands.dispatch import Core
from tests.answers import scenes
from tests.answers.conftest import plain
from tests.answers.fakes import FakeLive, FakeStore

Scene = Callable[[FakeLive, FakeStore, datetime], None]

CASES = [
    pytest.param(
        scenes.first_checks_failing,
        "/status mexc",
        "en",
        """\
MEXC — first checks not conclusive yet ❔
Last check just now.
Use now: E-mail service@mexc.com · replies in 1–3 business days

Channels
❔ Online customer service — unknown · checked just now
❔ Help center — unknown · checked just now
📨 E-mail — accepting · replies in 1–3 business days
ℹ️ X @MEXC_Official — announcements only — never send account details

Official site: mexc.com. Support never asks for your password or 2FA code.

[🚨 Urgent help: /urgent mexc]  [🔔 Alerts: /subscribe mexc]
[📋 Details: /channels mexc]  [中文: /lang zh]
""",
        id="first_checks_failing_en",
    ),
    pytest.param(
        scenes.first_checks_failing,
        "/status mexc",
        "zh",
        """\
MEXC — 首次检测结果尚不确定 ❔
最近一次检测：刚刚。
现在可用：邮箱 service@mexc.com · 回复时间：1–3 个工作日

各渠道
❔ 在线客服 — 状态未知 · 刚刚检测
❔ 帮助中心 — 状态未知 · 刚刚检测
📨 邮箱 — 可受理 · 回复时间：1–3 个工作日
ℹ️ X @MEXC_Official — 仅用于公告，切勿发送账户信息

官方网址：mexc.com。客服绝不会索要您的密码或两步验证码。

[🚨 紧急求助: /urgent mexc]  [🔔 订阅提醒: /subscribe mexc]
[📋 详情: /channels mexc]  [English: /lang en]
""",
        id="first_checks_failing_zh",
    ),
    pytest.param(
        scenes.never_checked,
        "/status mexc",
        "en",
        """\
MEXC — not checked yet ❔
Nobody is confirmed to answer right now.
You can still write: E-mail service@mexc.com · replies in 1–3 business days

Channels
❔ Online customer service — unknown
❔ Help center — unknown
❔ E-mail — unknown
ℹ️ X @MEXC_Official — announcements only — never send account details

Official site: mexc.com. Support never asks for your password or 2FA code.

[🚨 Urgent help: /urgent mexc]  [🔔 Alerts: /subscribe mexc]
[📋 Details: /channels mexc]  [中文: /lang zh]
""",
        id="never_checked_en",
    ),
    pytest.param(
        scenes.never_checked,
        "/status mexc",
        "zh",
        """\
MEXC — 尚未检测 ❔
目前没有确认可联系的人工客服。
仍可书面联系：邮箱 service@mexc.com · 回复时间：1–3 个工作日

各渠道
❔ 在线客服 — 状态未知
❔ 帮助中心 — 状态未知
❔ 邮箱 — 状态未知
ℹ️ X @MEXC_Official — 仅用于公告，切勿发送账户信息

官方网址：mexc.com。客服绝不会索要您的密码或两步验证码。

[🚨 紧急求助: /urgent mexc]  [🔔 订阅提醒: /subscribe mexc]
[📋 详情: /channels mexc]  [English: /lang en]
""",
        id="never_checked_zh",
    ),
]


@pytest.mark.parametrize(("scene", "line", "lang", "expected"), CASES)
async def test_the_headline_agrees_with_its_lines(
    scene: Scene,
    line: str,
    lang: str,
    expected: str,
    core: Core,
    live: FakeLive,
    store: FakeStore,
    clock: FakeClock,
) -> None:
    scene(live, store, clock.now())
    assert await plain(core, line, lang) == expected.rstrip("\n")
