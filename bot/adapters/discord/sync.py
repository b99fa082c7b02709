"""Slash commands are synced at log-in only when they changed.

A digest of what a sync would send is kept in `<database folder>/discord_commands.sha256`;
with DISCORD_TEST_GUILD_ID the commands go to that guild only (instant, for testing).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

if TYPE_CHECKING:
    from bot.adapters.discord.adapter import DiscordStats

log = logging.getLogger(__name__)

SYNC_FILE = "discord_commands.sha256"


def command_digest(app_id: int | None, guild_id: int | None, payload: Sequence[Any]) -> str:
    """What a sync would send, to whom, as one SHA-256 (stable across runs)."""
    blob = json.dumps(
        {"application": app_id, "guild": guild_id, "commands": list(payload)},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def _read_digest(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _write_digest(path: Path, digest: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(digest + "\n", encoding="ascii")
    partial.replace(path)


async def sync_if_changed(
    client: discord.Client,
    tree: app_commands.CommandTree[Any],
    guild_id: int | None,
    state_path: Path,
    stats: DiscordStats,
) -> None:
    """Sync the tree's commands unless the digest at `state_path` says Discord has them."""
    assert tree.translator is not None
    guild = discord.Object(guild_id) if guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    commands = tree.get_commands(guild=guild)
    payload = [await c.get_translated_payload(tree, tree.translator) for c in commands]
    digest = command_digest(client.application_id, guild_id, payload)
    if await asyncio.to_thread(_read_digest, state_path) == digest:
        log.info("Discord slash commands unchanged; not syncing")
        return
    synced = await tree.sync(guild=guild)
    stats.syncs += 1
    await asyncio.to_thread(_write_digest, state_path, digest)
    where = f"to guild {guild_id}" if guild_id else "globally"
    log.info("synced %d Discord slash commands %s", len(synced), where)
