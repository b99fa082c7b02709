"""How a probe reports a failed check: raise `ProbeFailure` inside, return a result outside.

Probe modules raise `ProbeFailure` from deep helpers (redirect checks, body reads) and turn it
into a `ProbeResult` at their own boundary, so no failure ever leaves a probe as an exception.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from probes.context import AnySpec, Target
from probes.result import ErrorKind, ProbeResult

SpecT = TypeVar("SpecT", bound=AnySpec)


class ProbeFailure(Exception):
    """A check failed for a known reason: an error kind and a short human detail."""

    def __init__(self, kind: ErrorKind, detail: str, latency_ms: float | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.latency_ms = latency_ms

    def to_result(self, target: Target, at: datetime) -> ProbeResult:
        """The failed result for target, checked at `at`."""
        return ProbeResult(
            channel=target.channel,
            at=at,
            ok=False,
            latency_ms=self.latency_ms,
            error=self.kind,
            detail=self.detail,
        )


def spec_of(target: Target, kind: type[SpecT]) -> SpecT:
    """The target's spec as the kind a probe expects; a wrong kind is a wiring bug."""
    if not isinstance(target.spec, kind):
        raise TypeError(f"{target.channel}: {type(target.spec).__name__} is not {kind.__name__}")
    return target.spec


def seconds_text(seconds: float) -> str:
    """A duration as a short human text: 10 -> "10 s", 2.5 -> "2.5 s"."""
    return f"{seconds:g} s"


def timeout_failure(timeout_s: float) -> ProbeFailure:
    """The failure for a check that did not finish within its timeout."""
    return ProbeFailure(ErrorKind.TIMEOUT, f"timeout after {seconds_text(timeout_s)}")
