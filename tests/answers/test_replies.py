"""Exact replies a user sees, in English and Chinese, for the situations that matter at 3 a.m.

The clock stands at 2026-11-24 19:00 UTC: Wednesday 03:00 in Shanghai. Replies are compared
as the console prints them (links as "label (url)", buttons as "[label: /action]").
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
        scenes.all_live,
        "/status mexc",
        "en",
        """\
MEXC — support is live now ✅
Best now: Online customer service (https://www.mexc.com/support) — in the app, after login
  page answered in 182 ms · checked 40 s ago · hours: not officially stated

Channels
✅ Online customer service — live · 182 ms · p95 410 ms · 99.8% 7 d
✅ Help center — open · 95 ms
📨 E-mail — accepting · replies in 1–3 business days
ℹ️ X @MEXC_Official — announcements only — never send account details

Official site: mexc.com. Support never asks for your password or 2FA code.

[🚨 Urgent help: /urgent mexc]  [🔔 Alerts: /subscribe mexc]
[📋 Details: /channels mexc]  [中文: /lang zh]
""",
        id="all_live_status_en",
    ),
    pytest.param(
        scenes.all_live,
        "/status mexc",
        "zh",
        """\
MEXC — 客服现在在线 ✅
推荐：在线客服 (https://www.mexc.com/support)（登录后在 App 或 mexc.com 右下角）
  网页响应 182 毫秒 · 40 秒前检测 · 服务时间：官方未说明

各渠道
✅ 在线客服 — 在线 · 182 毫秒 · p95 410 毫秒 · 7 天可用率 99.8%
✅ 帮助中心 — 可访问 · 95 毫秒
📨 邮箱 — 可受理 · 回复时间：1–3 个工作日
ℹ️ X @MEXC_Official — 仅用于公告，切勿发送账户信息

官方网址：mexc.com。客服绝不会索要您的密码或两步验证码。

[🚨 紧急求助: /urgent mexc]  [🔔 订阅提醒: /subscribe mexc]
[📋 详情: /channels mexc]  [English: /lang en]
""",
        id="all_live_status_zh",
    ),
    pytest.param(
        scenes.chat_down,
        "/status MEXC",
        "en",
        """\
MEXC — Online customer service is not answering ❌
Down for 12 min: timeout after 10 s.
Use now: E-mail service@mexc.com · replies in 1–3 business days
Get an alert when it's back: /subscribe mexc

Channels
❌ Online customer service — down · for 12 min
✅ Help center — open · 95 ms
📨 E-mail — accepting · replies in 1–3 business days
ℹ️ X @MEXC_Official — announcements only — never send account details

Official site: mexc.com. Support never asks for your password or 2FA code.

[🚨 Urgent help: /urgent mexc]  [🔔 Alerts: /subscribe mexc]
[📋 Details: /channels mexc]  [中文: /lang zh]
""",
        id="chat_down_status_en",
    ),
    pytest.param(
        scenes.chat_down,
        "/status MEXC",
        "zh",
        """\
MEXC — 在线客服现在无法联系 ❌
已中断 12 分钟：超时。
现在可用：邮箱 service@mexc.com · 回复时间：1–3 个工作日
恢复时通知我：/subscribe mexc

各渠道
❌ 在线客服 — 无法访问 · 已持续 12 分钟
✅ 帮助中心 — 可访问 · 95 毫秒
📨 邮箱 — 可受理 · 回复时间：1–3 个工作日
ℹ️ X @MEXC_Official — 仅用于公告，切勿发送账户信息

官方网址：mexc.com。客服绝不会索要您的密码或两步验证码。

[🚨 紧急求助: /urgent mexc]  [🔔 订阅提醒: /subscribe mexc]
[📋 详情: /channels mexc]  [English: /lang en]
""",
        id="chat_down_status_zh",
    ),
    pytest.param(
        scenes.nova_night,
        "/status nova",
        "en",
        """\
Nova — live support is closed now 🌙
Staffed again at 09:00 UTC+8 (in 6 h).
Use now: Ticket (https://nova.example/ticket) · replies in 24 h

Channels
🌙 Live chat — closed now · opens 09:00 UTC+8
📨 Ticket — accepting · replies in 24 h · unverified
✅ Freeze account page — open · 120 ms
✅ Status page — open · 80 ms
✅ Nova Verify — open · not checked by us

Official site: nova.example. Support never asks for your password or 2FA code.

[🚨 Urgent help: /urgent nova]  [🔔 Alerts: /subscribe nova]
[📋 Details: /channels nova]  [中文: /lang zh]
""",
        id="nova_night_status_en",
    ),
    pytest.param(
        scenes.nova_night,
        "/status nova",
        "zh",
        """\
Nova — 人工客服现在不在服务时间 🌙
09:00 UTC+8 恢复人工服务（6 小时后）。
现在可用：工单 (https://nova.example/ticket) · 回复时间：24 小时

各渠道
🌙 在线客服 — 非服务时间 · 09:00 UTC+8 开放
📨 工单 — 可受理 · 回复时间：24 小时 · 未核实
✅ 冻结账户页面 — 可访问 · 120 毫秒
✅ 状态页 — 可访问 · 80 毫秒
✅ Nova 官方验证 — 可访问 · 我们未检测

官方网址：nova.example。客服绝不会索要您的密码或两步验证码。

[🚨 紧急求助: /urgent nova]  [🔔 订阅提醒: /subscribe nova]
[📋 详情: /channels nova]  [English: /lang en]
""",
        id="nova_night_status_zh",
    ),
    pytest.param(
        scenes.stale,
        "/status mexc",
        "en",
        """\
MEXC — no fresh checks, so we can't say ❔
Last check 10 min ago.
Use now: E-mail service@mexc.com · replies in 1–3 business days

Channels
❔ Online customer service — unknown · checked 10 min ago
❔ Help center — unknown · checked 10 min ago
📨 E-mail — accepting · replies in 1–3 business days
ℹ️ X @MEXC_Official — announcements only — never send account details

Official site: mexc.com. Support never asks for your password or 2FA code.

[🚨 Urgent help: /urgent mexc]  [🔔 Alerts: /subscribe mexc]
[📋 Details: /channels mexc]  [中文: /lang zh]
""",
        id="stale_status_en",
    ),
    pytest.param(
        scenes.stale,
        "/status mexc",
        "zh",
        """\
MEXC — 暂无最新检测，无法判断 ❔
最近一次检测：10 分钟前。
现在可用：邮箱 service@mexc.com · 回复时间：1–3 个工作日

各渠道
❔ 在线客服 — 状态未知 · 10 分钟前检测
❔ 帮助中心 — 状态未知 · 10 分钟前检测
📨 邮箱 — 可受理 · 回复时间：1–3 个工作日
ℹ️ X @MEXC_Official — 仅用于公告，切勿发送账户信息

官方网址：mexc.com。客服绝不会索要您的密码或两步验证码。

[🚨 紧急求助: /urgent mexc]  [🔔 订阅提醒: /subscribe mexc]
[📋 详情: /channels mexc]  [English: /lang en]
""",
        id="stale_status_zh",
    ),
    pytest.param(
        scenes.nova_night,
        "/urgent nova withdrawal",
        "en",
        """\
🚨 Withdrawal stuck on Nova

Where to go, in order
1. 🌙 Live chat — closed now · opens 09:00 UTC+8
   https://nova.example/chat
2. 📨 Ticket — accepting · replies in 24 h · unverified ← use this now
   https://nova.example/ticket

What to do
• Send the TxID to the receiving platform.
⚠️ Unverified: these steps are not confirmed on an official Nova page.

⚠️ Only nova.example. Support will never ask for your password or 2FA code.
Check any “support” account first: https://nova.example/verify

[📋 Details: /status nova]  [🔔 Alerts: /subscribe nova]
""",
        id="nova_night_urgent_en",
    ),
    pytest.param(
        scenes.nova_night,
        "/urgent nova withdrawal",
        "zh",
        """\
🚨 Nova：提币未到账

按顺序联系
1. 🌙 在线客服 — 非服务时间 · 09:00 UTC+8 开放
   https://nova.example/chat
2. 📨 工单 — 可受理 · 回复时间：24 小时 · 未核实 ← 现在就用这个
   https://nova.example/ticket

处理步骤
• 把 TxID 发给收款平台。
⚠️ 未核实：以上步骤未在 Nova 官方页面得到确认。

⚠️ 只认准 nova.example。客服绝不会索要您的密码或两步验证码。
先核验自称客服的账号：https://nova.example/verify

[📋 详情: /status nova]  [🔔 订阅提醒: /subscribe nova]
""",
        id="nova_night_urgent_zh",
    ),
    pytest.param(
        scenes.nova_incident,
        "/status nova",
        "en",
        """\
Nova — live support is closed now 🌙
Staffed again at 09:00 UTC+8 (in 6 h).
Use now: Ticket (https://nova.example/ticket) · replies in 24 h

Channels
🌙 Live chat — closed now · opens 09:00 UTC+8
📨 Ticket — accepting · replies in 24 h · unverified
✅ Freeze account page — open · 120 ms
⚠️ Status page — reports an incident · 80 ms
✅ Nova Verify — open · not checked by us

Status page
Minor incident · https://status.nova.example
• Delayed BTC withdrawals

Official site: nova.example. Support never asks for your password or 2FA code.

[🚨 Urgent help: /urgent nova]  [🔔 Alerts: /subscribe nova]
[📋 Details: /channels nova]  [中文: /lang zh]
""",
        id="nova_incident_status_en",
    ),
    pytest.param(
        scenes.nova_incident,
        "/status nova",
        "zh",
        """\
Nova — 人工客服现在不在服务时间 🌙
09:00 UTC+8 恢复人工服务（6 小时后）。
现在可用：工单 (https://nova.example/ticket) · 回复时间：24 小时

各渠道
🌙 在线客服 — 非服务时间 · 09:00 UTC+8 开放
📨 工单 — 可受理 · 回复时间：24 小时 · 未核实
✅ 冻结账户页面 — 可访问 · 120 毫秒
⚠️ 状态页 — 报告故障 · 80 毫秒
✅ Nova 官方验证 — 可访问 · 我们未检测

官方状态页
存在轻微故障 · https://status.nova.example
• Delayed BTC withdrawals

官方网址：nova.example。客服绝不会索要您的密码或两步验证码。

[🚨 紧急求助: /urgent nova]  [🔔 订阅提醒: /subscribe nova]
[📋 详情: /channels nova]  [English: /lang en]
""",
        id="nova_incident_status_zh",
    ),
    pytest.param(
        scenes.chat_down,
        "/urgent 抹茶 login",
        "en",
        """\
🚨 Suspicious login or hacked account on MEXC

Where to go, in order
1. ❌ Online customer service — down · for 12 min
   https://www.mexc.com/support
2. 📨 E-mail — accepting · replies in 1–3 business days ← use this now
   service@mexc.com

What to do
• From a device you trust, change your password and 2FA.
Have ready: UID · time of the suspicious login.

⚠️ Only mexc.com. Support will never ask for your password or 2FA code.
Known fakes: mexc-crypto.com

[📋 Details: /status mexc]  [🔔 Alerts: /subscribe mexc]
[🔍 Check a link: /verify]
""",
        id="chat_down_urgent_en",
    ),
    pytest.param(
        scenes.chat_down,
        "/urgent 抹茶 login",
        "zh",
        """\
🚨 MEXC：账户异常登录或被盗

按顺序联系
1. ❌ 在线客服 — 无法访问 · 已持续 12 分钟
   https://www.mexc.com/support
2. 📨 邮箱 — 可受理 · 回复时间：1–3 个工作日 ← 现在就用这个
   service@mexc.com

处理步骤
• 在可信的设备上修改密码和两步验证。
请准备：UID；可疑登录的时间。

⚠️ 只认准 mexc.com。客服绝不会索要您的密码或两步验证码。
已知仿冒网站：mexc-crypto.com

[📋 详情: /status mexc]  [🔔 订阅提醒: /subscribe mexc]
[🔍 核实链接: /verify]
""",
        id="chat_down_urgent_zh",
    ),
    pytest.param(
        scenes.nova_night,
        "/urgent nova hacked",
        "en",
        """\
🚨 Suspicious login or hacked account on Nova
First, freeze your account: Account → Security → Freeze account. https://nova.example/freeze

Where to go, in order
1. 🌙 Live chat — closed now · opens 09:00 UTC+8
   https://nova.example/chat
2. 📨 Ticket — accepting · replies in 24 h · unverified ← use this now
   https://nova.example/ticket

⚠️ Only nova.example. Support will never ask for your password or 2FA code.
Check any “support” account first: https://nova.example/verify

[📋 Details: /status nova]  [🔔 Alerts: /subscribe nova]
[🔍 Check a link: /verify]
""",
        id="nova_night_urgent_en",
    ),
    pytest.param(
        scenes.nova_night,
        "/urgent nova hacked",
        "zh",
        """\
🚨 Nova：账户异常登录或被盗
第一步，先冻结账户：账户 → 安全 → 冻结账户。 https://nova.example/freeze

按顺序联系
1. 🌙 在线客服 — 非服务时间 · 09:00 UTC+8 开放
   https://nova.example/chat
2. 📨 工单 — 可受理 · 回复时间：24 小时 · 未核实 ← 现在就用这个
   https://nova.example/ticket

⚠️ 只认准 nova.example。客服绝不会索要您的密码或两步验证码。
先核验自称客服的账号：https://nova.example/verify

[📋 详情: /status nova]  [🔔 订阅提醒: /subscribe nova]
[🔍 核实链接: /verify]
""",
        id="nova_night_urgent_zh",
    ),
    pytest.param(
        scenes.chat_down,
        "/channels mexc live_chat",
        "en",
        """\
MEXC

❌ Online customer service — down
Open: https://www.mexc.com/support
Where: in the app, after login
Why: checks failing: timeout after 10 s
Checked 30 s ago (18:59 UTC)
Latency: last – · 1 h p50 170 ms / p95 410 ms · 24 h p50 193 ms / p95 193 ms
Uptime: 24 h 100% · 7 d 99.8% · 30 d 99%
Hours: not officially stated

Official site: mexc.com. Support never asks for your password or 2FA code.

[🚨 Urgent help: /urgent mexc]  [🔔 Alerts: /subscribe mexc]
""",
        id="chat_down_channels_en",
    ),
    pytest.param(
        scenes.chat_down,
        "/channels mexc live_chat",
        "zh",
        """\
MEXC

❌ 在线客服 — 无法访问
入口：https://www.mexc.com/support
位置：登录后在 App 或 mexc.com 右下角
原因：检测连续失败：超时
检测时间：30 秒前（18:59 UTC）
响应：最近 – · 1 小时 p50 170 毫秒 / p95 410 毫秒 · 24 小时 p50 193 毫秒 / p95 193 毫秒
可用率：24 小时 100% · 7 天 99.8% · 30 天 99%
服务时间：官方未说明

官方网址：mexc.com。客服绝不会索要您的密码或两步验证码。

[🚨 紧急求助: /urgent mexc]  [🔔 订阅提醒: /subscribe mexc]
""",
        id="chat_down_channels_zh",
    ),
]


@pytest.mark.parametrize(("scene", "line", "lang", "expected"), CASES)
async def test_it_answers_exactly(
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
