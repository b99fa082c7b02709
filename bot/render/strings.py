"""Every word the bot says, per locale: one `Strings` per language, all fields required.

A missing string is a type error (each locale constructs every field), and a test checks
that both locales use the same `{placeholders}`. Templates are `str.format` strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.lookalike import Reason as VerifyReason
from bot.status import AnswerKind
from bot.verdict import ComponentStatus, Indicator, ReasonCode
from bot.vocab import Case, Health, Locale, Mode, Verdict
from probes.result import ErrorKind


@dataclass(frozen=True, slots=True)
class Strings:
    """The wording of one locale."""

    # Numbers and time
    ms: str
    seconds_latency: str
    percent: str
    missing: str
    just_now: str
    ago_s: str
    ago_min: str
    ago_h: str
    ago_d: str
    in_time: str
    dur_s: str
    dur_min: str
    dur_h: str
    dur_h_min: str
    dur_d: str
    dur_d_h: str
    weekdays: tuple[str, str, str, str, str, str, str]
    date: str
    months: tuple[str, ...]
    day_range: str
    list_sep: str
    and_more: str

    # /status
    headline: Mapping[AnswerKind, str]
    headline_unknown: Mapping[ReasonCode, str]
    title: str
    best: str
    best_where: str
    checked_ago: str
    tried_ago: str  # a check made while blind (it saw nothing)
    not_checked: str
    # Probes from several regions (bot/regions.py): a failure near one region, not the exchange.
    unreachable_tag: str  # "{regions}"
    unreachable_line: str  # "{regions}", "{exchange}"
    probe_answer: Mapping[str, str]
    probe_ok: Mapping[str, str]
    hours_always: str
    hours_unknown: str
    hours_weekly: str
    opens_again: str
    down_for: str
    down_now: str
    maintenance_until: str
    maintenance_until_note: str
    until_time: str
    expected_end: str
    title_expected_end: str
    never_checked: str
    last_check: str
    use_now: str
    use_now_none: str
    write_to: str
    reply_time_unknown: str
    alert_when_back: str
    channels_title: str
    verdict_word: Mapping[Verdict, str]
    upstream_word: Mapping[ReasonCode, str]
    live_word: Mapping[Mode, str]
    broadcast_line: str
    replies_in: str
    opens_at: str
    for_duration: str
    uptime_7d: str
    p95: str
    unverified_tag: str
    official_footer: str
    more: str

    # Blind: our own connection fails (bot/blind.py)
    blind_headline: str
    blind_line: str
    blind_next: str
    stopped_line: str
    stopped_next: str

    # Status page
    status_page_title: str
    indicator: Mapping[Indicator, str]
    incident: str
    component: str
    component_status: Mapping[ComponentStatus, str]

    # /channels
    channels_heading: str
    open_link: str
    where: str
    address: str
    why: str
    checked_at: str
    tried_at: str  # checked_at for a check made while blind
    not_probed_line: str
    latency_line: str
    uptime_line: str
    note: str
    unverified_line: str

    # Reasons and errors of checks
    reason: Mapping[ReasonCode, str]
    reason_detail: str
    error_kind: Mapping[ErrorKind, str]
    health_word: Mapping[Health, str]

    # /urgent
    case_title: Mapping[Case, str]
    urgent_title: str
    urgent_menu_title: str
    urgent_menu_hint: str
    freeze_first: str
    route_title: str
    route_line: str
    route_pick: str
    route_none_live: str
    route_no_channels: str  # the catalog has no contact channel for the case
    steps_title: str
    facts_title: str
    have_ready: str
    ready_sep: str  # items may hold commas ("What changed (e-mail, phone, 2FA)")
    route_unverified: str
    no_route: str
    phishing: str
    fakes: str
    verify_with: str

    # /history
    history_title: str
    history_title_since: str
    history_watching: str
    history_line: str
    history_ongoing: str
    history_detail: str
    history_empty: str
    history_empty_since: str
    history_blind: str
    history_never: str
    history_unavailable: str

    # Wait reports (/report, the lines under contact channels, admin /reports clear)
    report_usage: str
    report_pick_channel: str
    report_pick_wait: str
    report_choices: Mapping[str, str]
    report_not_contact: str
    report_unknown_channel: str
    report_added: str
    report_added_none: str
    report_replaced: str
    report_limited: str
    report_elsewhere: str
    report_not_a_person: str
    reports_line: str
    reports_answered: str
    reports_no_answer: str
    reports_not_enough: str
    reports_this_hour: str
    reports_usage: str
    reports_cleared: str
    button_report: str

    # Subscriptions
    sub_all: str
    sub_one: str
    sub_exists: str
    unsub_done: str
    unsub_none: str
    subs_title: str
    subs_all_channels: str
    subs_empty: str
    manage_only: str
    no_store: str
    needs_database: str

    # /lang
    language_name: str
    lang_now: str
    lang_set: str
    lang_unknown: str
    lang_console: str  # {code}: the terminal keeps no language; --lang chooses it

    # /help, /start
    help_title: str
    help_intro: str
    start_title: str
    commands_title: str
    alert_commands_title: str
    admin_commands_title: str
    watched: str
    links_note: str
    arg_name: Mapping[str, str]

    # Errors and admin
    unknown_command: str
    unknown_exchange: str
    did_you_mean: str
    which_exchange: str
    unknown_case: str
    unknown_channel: str
    internal_error: str
    maintenance_usage: str
    maintenance_set: str
    maintenance_reason: str
    maintenance_end_hint: str
    maintenance_ended: str
    maintenance_none: str
    stats_line: str
    stats_alerts: str
    stats_maintenance: str

    # /verify
    verify_title_official: str
    verify_title_lookalike: str
    verify_title_unknown: str
    verify_title_phone: str
    verify_title_usage: str
    verify_usage: str
    verify_reason: Mapping[VerifyReason, str]
    # The warning signs that can come without an exchange (the site names none), so worded
    # without one.
    verify_reason_no_exchange: Mapping[VerifyReason, str]
    verify_title_unlisted_account: str
    verify_site: str
    verify_sites: str
    verify_accounts: str
    verify_addresses: str
    verify_never: str
    verify_still: str
    verify_tool: str
    verify_tool_where: str
    verify_unknown_hint: str
    verify_phone_line: str
    verify_phone_silent: str
    verify_phone_never: str

    # Buttons
    button_urgent: str
    button_alerts: str
    button_details: str
    button_other_language: str
    button_check_link: str


def strings(locale: Locale) -> Strings:
    """The wording for a locale."""
    from bot.render.en import EN
    from bot.render.zh import ZH

    return ZH if locale is Locale.ZH else EN
