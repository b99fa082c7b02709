"""One probe per distinct check: channels that probe the same thing share one result.

Two channels often check the same page (an exchange's live chat and help center behind one
support URL). Probing it twice could give two answers a second apart ("down" as help center,
"unknown" as live chat); probing it once and feeding the result to both cannot, and halves
the load on the exchange. Channels share a probe when their probe settings and official
domains are equal; the first in catalog order leads (its key is the target's).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bot.catalog import Catalog
from probes.context import Target
from probes.result import ProbeResult


@dataclass(frozen=True, slots=True)
class ProbePlan:
    """`targets`: one per distinct probe; `shared`: leading channel key → the other keys."""

    targets: tuple[Target, ...]
    shared: Mapping[str, tuple[str, ...]]

    def results_for(self, result: ProbeResult) -> Iterator[ProbeResult]:
        """The result, then the same result for every channel that shares its probe."""
        yield result
        yield from self.for_others(result)

    def for_others(self, result: ProbeResult) -> Iterator[ProbeResult]:
        """The same result for every other channel that shares its probe."""
        for key in self.shared.get(result.channel, ()):
            yield dataclasses.replace(result, channel=key)


def probe_plan(catalog: Catalog, *, allow_local: bool = False) -> ProbePlan:
    """Every probed channel of the catalog, grouped by what it checks."""
    leads: dict[tuple[tuple[str, ...], str], Target] = {}
    shared: dict[str, list[str]] = {}
    for exchange, channel in catalog.channels():
        if channel.probe is None:
            continue
        key = exchange.key(channel)
        same = (exchange.official_domains, channel.probe.model_dump_json())
        lead = leads.get(same)
        if lead is None:
            leads[same] = Target(key, channel.probe, exchange.official_domains, allow_local)
        else:
            shared.setdefault(lead.channel, []).append(key)
    return ProbePlan(tuple(leads.values()), {k: tuple(v) for k, v in shared.items()})
