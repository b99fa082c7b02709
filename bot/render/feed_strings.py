"""The wording of answers from the exchanges' own status APIs (`/wallet`, the API section of
`/status`), per locale. Kept apart from `Strings` so this feature's words sit together; the
instances are `EN_FEEDS` in en.py and `ZH_FEEDS` in zh.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.vocab import Locale
from probes.feeds.facts import Flag, TradingMode


@dataclass(frozen=True, slots=True)
class FeedStrings:
    # /wallet
    wallet_title: str
    wallet_title_none: str
    network_line: str
    network_line_single: str
    flag: Mapping[Flag, str]
    single_flag: Mapping[Flag, str]
    all_networks: str
    scope_single: str
    scope_asset: str
    no_source: str
    no_source_where: str
    system_reports: str
    not_read: str
    last_read: str
    read_failed: str
    unknown_coin: str
    close_coins: str
    unknown_network: str
    no_networks: str
    for_everyone: str
    wallet_usage: str
    button_withdrawal: str
    button_reopen: str
    button_watch_network: str
    button_watch_coin: str
    urgent_wallet: str
    sub_wallet: str
    wallet_label: str
    wallet_on: str

    # The API's section in /status
    api_title: str
    mode: Mapping[TradingMode, str]
    mode_word: Mapping[TradingMode, str]
    api_note: str
    ongoing: str
    incident: str
    upcoming: str
    until: str
    ends: str
    api_checked: str
    api_nothing: str
    api_failed: str
    wallet_hint: str
    maintenance_note: str


def feed_strings(locale: Locale) -> FeedStrings:
    """The wording for a locale."""
    from bot.render.en import EN_FEEDS
    from bot.render.zh import ZH_FEEDS

    return ZH_FEEDS if locale is Locale.ZH else EN_FEEDS
