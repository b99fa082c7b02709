"""Discord chat ids, as subscriptions and alerts name them.

`c:<channel id>` for a server channel, `u:<user id>` for a direct message.
"""

from __future__ import annotations

from typing import Any

import discord

Interaction = discord.Interaction[Any]


def chat_id_of(interaction: Interaction) -> str:
    """`c:<channel id>` in a server, `u:<user id>` in a direct message."""
    if interaction.guild_id is not None and interaction.channel_id is not None:
        return f"c:{interaction.channel_id}"
    return f"u:{interaction.user.id}"


def parse_chat_id(chat_id: str) -> tuple[str, int] | None:
    """("c", channel id) or ("u", user id); None when it is not a Discord chat id."""
    kind, _, number = chat_id.partition(":")
    # ASCII digits only: isdigit() alone also accepts '²', which int() refuses.
    if kind not in ("c", "u") or not (number.isascii() and number.isdigit()) or len(number) > 20:
        return None
    return kind, int(number)
