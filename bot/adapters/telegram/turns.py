"""Per chat, commands are answered in the order they came; across chats, concurrently."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass


@dataclass
class _Turn:
    lock: asyncio.Lock
    users: int = 0


class ChatTurns:
    """One lock per chat that has commands in hand; forgotten when the last one is done."""

    def __init__(self) -> None:
        self._turns: dict[int, _Turn] = {}

    @contextlib.asynccontextmanager
    async def in_order(self, chat_id: int) -> AsyncIterator[None]:
        """One command at a time per chat, in arrival order."""
        turn = self._turns.get(chat_id)
        if turn is None:
            turn = self._turns[chat_id] = _Turn(asyncio.Lock())
        turn.users += 1
        try:
            async with turn.lock:
                yield
        finally:
            turn.users -= 1
            if turn.users == 0:
                del self._turns[chat_id]
