"""Button actions carried through a platform's short button ids (callback_data, custom_id).

A short action ("/urgent mexc kyc") travels as itself; a long one as a hash key into a bounded
table, so a platform's size limit never cuts a command. A forgotten or forged key decodes to
None, which adapters answer with "this button has expired".
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable


class ActionCodec:
    """Button actions <-> ids of at most `limit` (as `measure` counts), behind `prefix`."""

    def __init__(
        self,
        *,
        limit: int,
        measure: Callable[[str], int],
        key_mark: str,
        digest_size: int,
        prefix: str = "",
        capacity: int = 10_000,
    ) -> None:
        self._limit = limit
        self._measure = measure
        self._key_mark = key_mark
        self._digest_size = digest_size
        self._prefix = prefix
        self._capacity = capacity
        self._long: OrderedDict[str, str] = OrderedDict()

    def encode(self, action: str) -> str:
        carried = self._prefix + action
        if action.startswith("/") and self._measure(carried) <= self._limit:
            return carried
        digest = hashlib.blake2b(action.encode(), digest_size=self._digest_size).hexdigest()
        key = self._key_mark + digest
        self._long[key] = action
        self._long.move_to_end(key)
        while len(self._long) > self._capacity:
            self._long.popitem(last=False)
        return self._prefix + key

    def decode(self, data: str) -> str | None:
        """The action an id carries; None when it is not ours, forgotten or forged."""
        if not data.startswith(self._prefix):
            return None
        body = data[len(self._prefix) :]
        if body.startswith("/"):
            return body
        action = self._long.get(body)
        if action is not None:
            self._long.move_to_end(body)
        return action
