"""`supportlive run` that stops dead inside the transaction recording a down transition.

    python -m tests.support.paused_run

Everything is the real process, except one thing: once the down alert's outbox rows are
written (not yet committed), it prints PAUSED_IN_TRANSACTION on stdout and waits there for
ever. The crash test kills it at that point with SIGKILL.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.cli import main
from storage import outbox

MARK = "PAUSED_IN_TRANSACTION"
_write = outbox.write_transition_with_outbox


async def _write_then_pause(*args: Any, **kwargs: Any) -> tuple[int, int]:
    written = await _write(*args, **kwargs)
    if args[2] == "down":
        print(MARK, flush=True)
        await asyncio.Event().wait()
    return written


if __name__ == "__main__":
    outbox.write_transition_with_outbox = _write_then_pause
    raise SystemExit(main(["run"]))
