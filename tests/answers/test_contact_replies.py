"""Only contact channels are offered, exactly as a user reads it, in English and Chinese.

A help center that is up is listed but never offered as the place to get help; when no
channel a person answers is confirmed reachable, the reply says so and names the e-mail to
write to anyway with its reply time (never one seen down). Clock: 2026-11-24 19:00 UTC.
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
        scenes.nobody_answers,
        "/status mexc",
        "en",
        """\
MEXC — Online customer service is not answering ❌
Down for 12 min: timeout after 10 s.
Nobody is confirmed to answer right now.
Get an alert when it's back: /subscribe mexc

Channels
❌ Online customer service — down · for 12 min
✅ Help center — open · 95 ms
❌ E-mail — down · for 5 min
ℹ️ X @MEXC_Official — announcements only — never send account details

Official site: mexc.com. Support never asks for your password or 2FA code.

[🚨 Urgent help: /urgent mexc]  [🔔 Alerts: /subscribe mexc]
[📋 Details: /channels mexc]  [中文: /lang zh]
""",
        id="nobody_answers_status_en",
    ),
    pytest.param(
        scenes.nobody_answers,
        "/status mexc",
        "zh",
        """\
MEXC — 在线客服现在无法联系 ❌
已中断 12 分钟：超时。
目前没有确认可联系的人工客服。
恢复时通知我：/subscribe mexc

各渠道
❌ 在线客服 — 无法访问 · 已持续 12 分钟
✅ 帮助中心 — 可访问 · 95 毫秒
❌ 邮箱 — 无法访问 · 已持续 5 分钟
ℹ️ X @MEXC_Official — 仅用于公告，切勿发送账户信息

官方网址：mexc.com。客服绝不会索要您的密码或两步验证码。

[🚨 紧急求助: /urgent mexc]  [🔔 订阅提醒: /subscribe mexc]
[📋 详情: /channels mexc]  [English: /lang en]
""",
        id="nobody_answers_status_zh",
    ),
    pytest.param(
        scenes.email_unchecked,
        "/status mexc",
        "en",
        """\
MEXC — Online customer service is not answering ❌
Down for 12 min: timeout after 10 s.
Nobody is confirmed to answer right now.
You can still write: E-mail service@mexc.com · replies in 1–3 business days
Get an alert when it's back: /subscribe mexc

Channels
❌ Online customer service — down · for 12 min
✅ Help center — open · 95 ms
❔ E-mail — unknown · checked 30 min ago
ℹ️ X @MEXC_Official — announcements only — never send account details

Official site: mexc.com. Support never asks for your password or 2FA code.

[🚨 Urgent help: /urgent mexc]  [🔔 Alerts: /subscribe mexc]
[📋 Details: /channels mexc]  [中文: /lang zh]
""",
        id="email_unchecked_status_en",
    ),
    pytest.param(
        scenes.email_unchecked,
        "/status mexc",
        "zh",
        """\
MEXC — 在线客服现在无法联系 ❌
已中断 12 分钟：超时。
目前没有确认可联系的人工客服。
仍可书面联系：邮箱 service@mexc.com · 回复时间：1–3 个工作日
恢复时通知我：/subscribe mexc

各渠道
❌ 在线客服 — 无法访问 · 已持续 12 分钟
✅ 帮助中心 — 可访问 · 95 毫秒
❔ 邮箱 — 状态未知 · 30 分钟前检测
ℹ️ X @MEXC_Official — 仅用于公告，切勿发送账户信息

官方网址：mexc.com。客服绝不会索要您的密码或两步验证码。

[🚨 紧急求助: /urgent mexc]  [🔔 订阅提醒: /subscribe mexc]
[📋 详情: /channels mexc]  [English: /lang en]
""",
        id="email_unchecked_status_zh",
    ),
    pytest.param(
        scenes.email_unchecked,
        "/urgent mexc login",
        "en",
        """\
🚨 Suspicious login or hacked account on MEXC

Where to go, in order
1. ❌ Online customer service — down · for 12 min
   https://www.mexc.com/support
2. ❔ E-mail — unknown · checked 30 min ago
   service@mexc.com
Nobody on this route is confirmed to answer right now.
You can still write: E-mail service@mexc.com · replies in 1–3 business days

What to do
• From a device you trust, change your password and 2FA.
Have ready: UID · time of the suspicious login.

⚠️ Only mexc.com. Support will never ask for your password or 2FA code.
Known fakes: mexc-crypto.com

[📋 Details: /status mexc]  [🔔 Alerts: /subscribe mexc]
[🔍 Check a link: /verify]
""",
        id="email_unchecked_urgent_login_en",
    ),
    pytest.param(
        scenes.email_unchecked,
        "/urgent mexc login",
        "zh",
        """\
🚨 MEXC：账户异常登录或被盗

按顺序联系
1. ❌ 在线客服 — 无法访问 · 已持续 12 分钟
   https://www.mexc.com/support
2. ❔ 邮箱 — 状态未知 · 30 分钟前检测
   service@mexc.com
此路径上暂无确认可联系的人工客服。
仍可书面联系：邮箱 service@mexc.com · 回复时间：1–3 个工作日

处理步骤
• 在可信的设备上修改密码和两步验证。
请准备：UID；可疑登录的时间。

⚠️ 只认准 mexc.com。客服绝不会索要您的密码或两步验证码。
已知仿冒网站：mexc-crypto.com

[📋 详情: /status mexc]  [🔔 订阅提醒: /subscribe mexc]
[🔍 核实链接: /verify]
""",
        id="email_unchecked_urgent_login_zh",
    ),
    pytest.param(
        scenes.nobody_answers,
        "/urgent mexc kyc",
        "en",
        """\
🚨 Identity verification (KYC) on MEXC

Where to go, in order
1. ✅ Help center — open · 95 ms
   https://www.mexc.com/support/faq
2. ❌ Online customer service — down · for 12 min
   https://www.mexc.com/support
Nobody on this route is confirmed to answer right now.

⚠️ Only mexc.com. Support will never ask for your password or 2FA code.
Known fakes: mexc-crypto.com

[📋 Details: /status mexc]  [🔔 Alerts: /subscribe mexc]
""",
        id="nobody_answers_urgent_kyc_en",
    ),
    pytest.param(
        scenes.nobody_answers,
        "/urgent mexc kyc",
        "zh",
        """\
🚨 MEXC：身份认证（KYC）

按顺序联系
1. ✅ 帮助中心 — 可访问 · 95 毫秒
   https://www.mexc.com/support/faq
2. ❌ 在线客服 — 无法访问 · 已持续 12 分钟
   https://www.mexc.com/support
此路径上暂无确认可联系的人工客服。

⚠️ 只认准 mexc.com。客服绝不会索要您的密码或两步验证码。
已知仿冒网站：mexc-crypto.com

[📋 详情: /status mexc]  [🔔 订阅提醒: /subscribe mexc]
""",
        id="nobody_answers_urgent_kyc_zh",
    ),
]


@pytest.mark.parametrize(("scene", "line", "lang", "expected"), CASES)
async def test_it_offers_only_channels_a_person_answers(
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
