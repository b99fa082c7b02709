"""run_probe: one line per kind, a hard timeout, and no exception ever escapes (but cancel)."""

from __future__ import annotations

import asyncio
import typing

import pytest

from probes import registry
from probes.context import AnySpec, ProbeContext, Target
from probes.result import ErrorKind, ProbeResult
from probes.spec import TcpProbe
from tests.probes.conftest import free_port, target_for


def test_every_spec_kind_has_a_probe() -> None:
    kinds = {typing.get_type_hints(spec)["kind"].__args__[0] for spec in typing.get_args(AnySpec)}
    assert kinds == set(registry.PROBES)


async def test_it_runs_the_probe_of_the_target_kind(ctx: ProbeContext) -> None:
    result = await registry.run_probe(ctx, target_for(TcpProbe(host="127.0.0.1", port=free_port())))
    assert result.error is ErrorKind.CONNECT


async def test_a_crashing_probe_becomes_a_result(
    ctx: ProbeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def crash(_ctx: ProbeContext, _target: Target) -> ProbeResult:
        raise KeyError("boom")

    monkeypatch.setitem(registry.PROBES, "tcp", crash)
    result = await registry.run_probe(ctx, target_for(TcpProbe(host="127.0.0.1")))
    assert (result.ok, result.error, result.detail) == (False, ErrorKind.OTHER, "KeyError: 'boom'")


async def test_a_probe_ignoring_its_timeout_hits_the_hard_limit(
    ctx: ProbeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def hang(_ctx: ProbeContext, _target: Target) -> ProbeResult:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    monkeypatch.setitem(registry.PROBES, "tcp", hang)
    monkeypatch.setattr(registry, "GRACE_S", 0.1)
    result = await registry.run_probe(ctx, target_for(TcpProbe(host="127.0.0.1", timeout_s=0.1)))
    assert (result.error, result.detail) == (ErrorKind.TIMEOUT, "timeout after 0.2 s (hard limit)")


async def test_cancellation_still_cancels(
    ctx: ProbeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def hang(_ctx: ProbeContext, _target: Target) -> ProbeResult:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    monkeypatch.setitem(registry.PROBES, "tcp", hang)
    task = asyncio.create_task(registry.run_probe(ctx, target_for(TcpProbe(host="127.0.0.1"))))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
