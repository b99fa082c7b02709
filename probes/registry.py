"""One registry line per probe kind, and `run_probe`: a probe that never raises and never hangs.

Adding a kind: a spec model in `probes/spec.py`, a module `probes/<kind>.py` with
`async def probe(ctx, target) -> ProbeResult`, and one line in `PROBES`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from probes import dns, http, statuspage, tcp, tls
from probes.context import ProbeContext, Target
from probes.failure import seconds_text
from probes.result import ErrorKind, ProbeResult, bounded

ProbeFn = Callable[[ProbeContext, Target], Awaitable[ProbeResult]]

PROBES: dict[str, ProbeFn] = {
    "http": http.probe,
    "tcp": tcp.probe,
    "dns": dns.probe,
    "tls": tls.probe,
    "statuspage": statuspage.probe,
}

# Each probe keeps its own timeout; the hard limit only catches a probe that forgot to.
GRACE_S = 2.0
# Kinds whose only wait is `probes.http.fetch`, which bounds it with the spec's timeout: the
# hard limit cannot fire for them, so they skip it (a deadline costs ~1.4 µs a check).
BOUNDED_BY_FETCH = frozenset({"http", "statuspage"})
MAX_DETAIL_CHARS = 200

log = logging.getLogger(__name__)


async def run_probe(ctx: ProbeContext, target: Target) -> ProbeResult:
    """Run target's probe within its hard timeout; always a result, only cancellation raises.

    The result's remote text is bounded (`probes.result.bounded`): this is the one door
    through which what a remote side wrote reaches health states, alerts and the database.
    """
    probe = PROBES.get(target.spec.kind)
    if probe is None:
        return _failed(
            target, ctx.now(), ErrorKind.OTHER, f"no probe for kind {target.spec.kind!r}"
        )
    if target.spec.kind in BOUNDED_BY_FETCH:
        # The probe reads the clock itself; only a crash needs a time here.
        try:
            return bounded(await probe(ctx, target))
        except Exception as exc:
            return _crashed(target, ctx.now(), exc)
    at = ctx.now()
    limit_s = target.spec.timeout_s + GRACE_S
    try:
        with ctx.deadlines.within(limit_s):
            return bounded(await probe(ctx, target))
    except TimeoutError:
        detail = f"timeout after {seconds_text(limit_s)} (hard limit)"
        return _failed(target, at, ErrorKind.TIMEOUT, detail)
    except Exception as exc:
        return _crashed(target, at, exc)


def _crashed(target: Target, at: datetime, exc: Exception) -> ProbeResult:
    """A bug in a probe must not take the scheduler down: log it loudly and report it."""
    log.exception("probe %s crashed", target.channel)
    return _failed(target, at, ErrorKind.OTHER, f"{type(exc).__name__}: {exc}")


def _failed(target: Target, at: datetime, kind: ErrorKind, detail: str) -> ProbeResult:
    """A failed result with a detail short enough for a chat line."""
    return ProbeResult(
        channel=target.channel,
        at=at,
        ok=False,
        latency_ms=None,
        error=kind,
        detail=detail[:MAX_DETAIL_CHARS],
    )
