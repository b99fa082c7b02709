"""The web side's own words, in English and Chinese; everything else comes from `bot/render/`.

The chat renderer owns the answers (headlines, "Use now", reasons, routes); these are the
words only a browser page, a feed or a badge needs: the overview's summary, the bars'
legend and cell labels, latency and uptime in words, incidents, feed titles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.status import AnswerKind
from bot.vocab import Locale
from bot.web.bars import Level


@dataclass(frozen=True, slots=True)
class PageWords:
    html_lang: str
    brand: str
    all_exchanges: str
    updated: str
    not_found: str
    details: str
    # The overview's one overall line and the line naming who is not live.
    overall_all_live: str
    overall_some: str
    overall_none_checked: str
    kind_label: Mapping[AnswerKind, str]
    channels_label: str  # aria label of an exchange's list of pills
    pill_title: str  # "{channel}: {state}"
    # Bars: legend, captions, cell labels.
    legend_title: str
    level_word: Mapping[Level, str]
    partial_word: str
    bar_24h: str
    bar_90d: str
    bar_24h_short: str
    bar_24h_ends: tuple[str, str]
    bar_90d_ends: tuple[str, str]
    checks: str
    check_one: str
    failed: str
    no_checks: str
    so_far: str
    day: str  # "{month} {day}" comes from the chat strings; this adds "(UTC)"
    # Figures in words.
    usually: str
    latency_usually: str
    latency_detail: str
    uptime: str
    uptime_part: Mapping[str, str]
    not_checked_yet: str
    # What each region saw, when probes run from more than one (bot/regions.py).
    region_answered: str
    region_failed: str
    region_blind: str
    # Incidents (exchange page) and feeds.
    incidents_title: str
    incidents_none: str
    incidents_none_since: str
    incidents_never: str
    incident_line: str
    incident_before: str
    incident_ongoing: str
    incident_ongoing_for: str
    feed_link: str
    feed_title_all: str
    feed_title_one: str
    feed_started: str
    feed_started_summary: str
    feed_ended: str
    feed_ended_summary: str
    feed_maintenance: str
    feed_maintenance_summary: str
    all_channels: str
    # The /verify page's form.
    verify_field: str
    verify_submit: str


EN = PageWords(
    html_lang="en",
    brand="supportlive · is exchange support live now?",
    all_exchanges="← All exchanges",
    updated="Updated {when} · this page refreshes every minute",
    not_found="Page not found.",
    details="Details",
    overall_all_live="Support is live at all {total} exchanges",
    overall_some="Live support at {live} of {total} exchanges",
    overall_none_checked="No exchange has been checked yet",
    kind_label={
        AnswerKind.LIVE: "Live",
        AnswerKind.SLOW: "Slow",
        AnswerKind.CLOSED: "Closed now",
        AnswerKind.DOWN: "Not answering",
        AnswerKind.MAINTENANCE: "Maintenance",
        AnswerKind.UNKNOWN: "Can't say",
        AnswerKind.NO_LIVE: "Written support only",
    },
    channels_label="{exchange}: every channel",
    pill_title="{channel}: {state}",
    legend_title="Each cell is an hour (a day on an exchange's 90-day bar), oldest left:",
    level_word={
        Level.OK: "no failed checks",
        Level.SOME: "some checks failed",
        Level.BAD: "more than half failed",
        Level.NONE: "no checks (no data)",
    },
    partial_word="under way, so far",
    bar_24h="Last 24 hours, one cell per hour",
    bar_90d="Last 90 days, one cell per UTC day",
    bar_24h_short="last 24 h",
    bar_24h_ends=("24 h ago", "now"),
    bar_90d_ends=("90 days ago", "today"),
    checks="{n} checks",
    check_one="1 check",
    failed="{n} failed",
    no_checks="no checks, no data",
    so_far="so far",
    day="{date} (UTC)",
    usually="usually {latency}",
    latency_usually="Usually answers in {latency}.",
    latency_detail="Usually answers in {p50}; 95% of checks within {p95} (last 24 h).",
    uptime="Uptime: {parts}.",
    uptime_part={"24h": "{pct} over 24 h", "7d": "{pct} over 7 days", "30d": "{pct} over 30 days"},
    not_checked_yet="Not checked yet.",
    region_answered="Seen from {region}: answered {ago}.",
    region_failed="Seen from {region}: failed {ago} ({failure}).",
    region_blind="Seen from {region}: could not check {ago} (its own connection was failing).",
    incidents_title="Incidents in the last 30 days",
    incidents_none="No incidents in the last 30 days.",
    incidents_none_since="No incidents since we started watching, {when}.",
    incidents_never="No history yet: none of our checks of this exchange has got through so far.",
    incident_line="{channel} {state} · {start} – {end} · {duration}",
    incident_before="before {when}",
    incident_ongoing="ongoing",
    incident_ongoing_for="{duration} so far",
    feed_link="Atom feed",
    feed_title_all="supportlive: support incidents at every exchange",
    feed_title_one="supportlive: {exchange} support incidents",
    feed_started="{exchange}: {channel} {state}",
    feed_started_summary="{channel}: {state} · {start}{reason}",
    feed_ended="{exchange}: {channel} is back",
    feed_ended_summary="{channel} was {state} for {duration} ({start} – {end}).",
    feed_maintenance="{exchange}: maintenance {start} – {end}",
    feed_maintenance_summary="{channels} · {start} – {end}. {reason}",
    all_channels="every channel",
    verify_field="Paste a link, e-mail address, @account or phone number",
    verify_submit="Check",
)

ZH = PageWords(
    html_lang="zh-Hans",
    brand="supportlive · 交易所客服现在在线吗？",
    all_exchanges="← 全部交易所",
    updated="更新于 {when} · 本页每分钟自动刷新",
    not_found="页面不存在。",
    details="详情",
    overall_all_live="全部 {total} 家交易所的客服现在都在线",
    overall_some="{total} 家交易所中有 {live} 家的在线客服可用",
    overall_none_checked="还没有检测任何交易所",
    kind_label={
        AnswerKind.LIVE: "在线",
        AnswerKind.SLOW: "较慢",
        AnswerKind.CLOSED: "非服务时间",
        AnswerKind.DOWN: "无法联系",
        AnswerKind.MAINTENANCE: "维护中",
        AnswerKind.UNKNOWN: "无法判断",
        AnswerKind.NO_LIVE: "仅书面客服",
    },
    channels_label="{exchange}：全部渠道",
    pill_title="{channel}：{state}",
    legend_title="每格代表一小时（交易所页面的 90 天条中每格一天），最左为最早：",
    level_word={
        Level.OK: "检测全部成功",
        Level.SOME: "部分检测失败",
        Level.BAD: "超过一半失败",
        Level.NONE: "没有检测（无数据）",
    },
    partial_word="进行中，至今",
    bar_24h="过去 24 小时，每小时一格",
    bar_90d="过去 90 天，每天（UTC）一格",
    bar_24h_short="过去 24 小时",
    bar_24h_ends=("24 小时前", "现在"),
    bar_90d_ends=("90 天前", "今天"),
    checks="检测 {n} 次",
    check_one="检测 1 次",
    failed="失败 {n} 次",
    no_checks="没有检测，无数据",
    so_far="至今",
    day="{date}（UTC）",
    usually="通常 {latency}",
    latency_usually="通常 {latency} 内响应。",
    latency_detail="通常 {p50} 内响应；95% 的检测在 {p95} 内（过去 24 小时）。",
    uptime="可用率：{parts}。",
    uptime_part={"24h": "24 小时 {pct}", "7d": "7 天 {pct}", "30d": "30 天 {pct}"},
    not_checked_yet="尚未检测。",
    region_answered="从 {region} 检测：{ago}可访问。",
    region_failed="从 {region} 检测：{ago}失败（{failure}）。",
    region_blind="从 {region} 检测：{ago}未能检测（该处自身网络异常）。",
    incidents_title="近 30 天的故障",
    incidents_none="近 30 天没有故障。",
    incidents_none_since="自开始监测（{when}）以来没有故障。",
    incidents_never="暂无记录：到目前为止，我们对该交易所的检测还没有一次得到结果。",
    incident_line="{channel}{state} · {start} – {end} · {duration}",
    incident_before="{when} 之前",
    incident_ongoing="持续中",
    incident_ongoing_for="已持续 {duration}",
    feed_link="Atom 订阅",
    feed_title_all="supportlive：各交易所客服故障",
    feed_title_one="supportlive：{exchange} 客服故障",
    feed_started="{exchange}：{channel}{state}",
    feed_started_summary="{channel}：{state} · {start}{reason}",
    feed_ended="{exchange}：{channel}已恢复",
    feed_ended_summary="{channel}{state}持续 {duration}（{start} – {end}）。",
    feed_maintenance="{exchange}：维护 {start} – {end}",
    feed_maintenance_summary="{channels} · {start} – {end}。{reason}",
    all_channels="全部渠道",
    verify_field="粘贴链接、邮箱地址、@账号或电话号码",
    verify_submit="核实",
)

PAGE_WORDS: Mapping[Locale, PageWords] = {Locale.EN: EN, Locale.ZH: ZH}
