"""The real discord.py (REST client, gateway, CommandTree) against tests/fakes/discord_api.py."""

from __future__ import annotations

import asyncio
import contextlib
import time
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from tests.fakes.discord_api import (
    CANNOT_DM_USER,
    MISSING_ACCESS,
    UNKNOWN_CHANNEL,
    UNKNOWN_INTERACTION,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeRole,
    point_discord_at,
)

# discord.py 2.7 imports the stdlib ``audioop`` (voice), deprecated since 3.11; pyproject turns
# warnings into errors, so import it with that one warning silenced.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    from discord import app_commands

TOKEN = "fake-discord-token"
APP_ID = 1_100_000_000_000_000_007
GUILD_ID = 1_300_000_000_000_000_001
GENERAL_ID = 1_300_000_000_000_000_010
ALERTS_ID = 1_300_000_000_000_000_011
MOD_ROLE_ID = 1_300_000_000_000_000_020
USER_ID = 1_200_000_000_000_000_042
MANAGE_GUILD = 1 << 5

Interaction = discord.Interaction[discord.Client]


def make_guild() -> FakeGuild:
    return FakeGuild(
        id=GUILD_ID,
        name="Support HQ",
        channels=[
            FakeChannel(id=GENERAL_ID, name="general", position=0),
            FakeChannel(id=ALERTS_ID, name="alerts", position=1),
        ],
        roles=[FakeRole(id=MOD_ROLE_ID, name="mods", permissions=MANAGE_GUILD)],
        preferred_locale="zh-CN",
    )


@dataclass
class Bot:
    client: discord.Client
    tree: app_commands.CommandTree[discord.Client]
    seen: list[Interaction] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


def make_bot(intents: discord.Intents | None = None) -> Bot:
    client = discord.Client(
        intents=intents or discord.Intents.default(),
        guild_ready_timeout=0.05,
    )
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    bot = Bot(client, tree)

    @tree.command(name="ping", description="Ping the bot")
    @app_commands.describe(target="What to ping")
    async def ping(interaction: Interaction, target: str = "world") -> None:
        bot.seen.append(interaction)
        await interaction.response.send_message(f"pong {target}", ephemeral=True)

    @ping.autocomplete("target")
    async def ping_target(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = ("alpha", "beta", "gamma")
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    @tree.command(name="slow", description="Defers, then follows up and edits")
    async def slow(interaction: Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("done", ephemeral=True)
        await interaction.followup.send("extra")
        await interaction.edit_original_response(content="edited")

    @tree.command(name="admin", description="Needs Manage Server")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def admin(interaction: Interaction) -> None:
        assert interaction.guild is not None
        me = interaction.guild.me
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel)
        can_send = channel.permissions_for(me).send_messages
        await interaction.response.send_message(f"ok {channel.name} send={can_send}")

    @tree.command(name="late", description="Answers after the 3 s window")
    async def late(interaction: Interaction) -> None:
        await asyncio.sleep(0.3)
        await interaction.response.send_message("too late")

    @tree.error
    async def on_tree_error(interaction: Interaction, error: app_commands.AppCommandError) -> None:
        bot.errors.append(error)
        if (
            isinstance(error, app_commands.MissingPermissions)
            and not interaction.response.is_done()
        ):
            await interaction.response.send_message("denied", ephemeral=True)

    return bot


@contextlib.asynccontextmanager
async def running(bot: Bot, token: str = TOKEN) -> AsyncIterator[Bot]:
    """``client.start()`` as a task; yields once ``on_ready`` fired; closes cleanly."""
    async with bot.client:
        task = asyncio.create_task(bot.client.start(token))
        ready = asyncio.create_task(bot.client.wait_until_ready())
        try:
            done, _ = await asyncio.wait({task, ready}, timeout=5, return_when="FIRST_COMPLETED")
            if task in done:
                task.result()  # raises the startup error
            assert ready in done, "client never became ready"
            yield bot
        finally:
            ready.cancel()
            await bot.client.close()
            await asyncio.wait_for(task, 5)


@pytest.fixture
async def dc() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN, app_id=APP_ID, guilds=[make_guild()]) as fake:
        with point_discord_at(fake):
            yield fake


@pytest.fixture
async def bot(dc: FakeDiscord) -> AsyncIterator[Bot]:
    async with running(make_bot()) as started:
        yield started


# --------------------------------------------------------------------------- connection


async def test_login_gateway_and_ready(dc: FakeDiscord, bot: Bot) -> None:
    client = bot.client
    assert client.user is not None and client.user.id == APP_ID
    assert client.application_id == APP_ID
    # discord.py asked for zlib-stream and the fake compressed every frame.
    conn = dc.gateway_connections[0]
    assert (conn.path, conn.v, conn.encoding) == ("/gateway", "10", "json")
    assert conn.compress == "zlib-stream" and conn.compressed_frames
    assert dc.identifies[0]["token"] == TOKEN
    assert dc.identifies[0]["intents"] == discord.Intents.default().value
    assert dc.heartbeats >= 1
    # REST login path, authenticated.
    assert [(r.method, r.path) for r in dc.requests[:2]] == [
        ("GET", "/users/@me"),
        ("GET", "/oauth2/applications/@me"),
    ]
    assert dc.requests[0].authorization == f"Bot {TOKEN}"
    # GUILD_CREATE populated the cache: channels, roles, the bot's member.
    guild = client.get_guild(GUILD_ID)
    assert guild is not None and guild.name == "Support HQ"
    assert {c.name for c in guild.text_channels} == {"general", "alerts"}
    assert guild.get_role(MOD_ROLE_ID) is not None
    assert guild.me is not None and guild.me.id == APP_ID
    assert dc.unhandled == []


async def test_plain_text_frames_are_accepted() -> None:
    async with FakeDiscord(token=TOKEN, app_id=APP_ID, gateway_compression=False) as fake:
        with point_discord_at(fake):
            async with running(make_bot()) as started:
                assert started.client.is_ready()
                assert not fake.gateway_connections[0].compressed_frames
                iid = await fake.dispatch_interaction("ping", user_id=USER_ID)
                assert (await fake.wait_for_callback(iid)).content == "pong world"


async def test_bad_token_is_login_failure(dc: FakeDiscord) -> None:
    client = discord.Client(intents=discord.Intents.none())
    async with client:
        with pytest.raises(discord.LoginFailure):
            await client.login("wrong-token")
    assert dc.requests[-1].authorization == "Bot wrong-token"


async def test_point_discord_at_restores() -> None:
    before = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    async with FakeDiscord() as fake:
        with point_discord_at(fake):
            assert fake.api_base == discord.http.Route.BASE
            assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == fake.gateway_url
    assert before == (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    assert before[0] == "https://discord.com/api/v10"


async def test_autosharded_client_uses_gateway_bot(dc: FakeDiscord) -> None:
    client = discord.AutoShardedClient(intents=discord.Intents.none(), guild_ready_timeout=0.05)
    async with running(Bot(client, app_commands.CommandTree(client))):
        assert client.shard_count == 1
    assert dc.requests_to("GET", r"^/gateway/bot$")
    assert dc.identifies[0]["shard"] == [0, 1]


async def test_reconnect_resumes_session(dc: FakeDiscord, bot: Bot) -> None:
    resumed = asyncio.Event()

    @bot.client.event
    async def on_resumed() -> None:
        resumed.set()

    await dc.request_reconnect()
    # Dispatched while the client is reconnecting: replayed after RESUME (seq > client's seq).
    missed = await dc.dispatch_interaction("ping", {"target": "missed"}, guild_id=GUILD_ID)
    await asyncio.wait_for(resumed.wait(), 5)
    assert (await dc.wait_for_callback(missed)).content == "pong missed"
    assert dc.resumes[0]["session_id"] in dc.sessions
    assert dc.gateway_connections[-1].path == "/gateway-resume"
    assert len(dc.identifies) == 1
    iid = await dc.dispatch_interaction("ping", {"target": "again"}, guild_id=GUILD_ID)
    assert (await dc.wait_for_callback(iid)).content == "pong again"
    assert bot.errors == []


# --------------------------------------------------------------------------- interactions


async def test_slash_command_in_guild(dc: FakeDiscord, bot: Bot) -> None:
    iid = await dc.dispatch_interaction(
        "ping", {"target": "hq"}, guild_id=GUILD_ID, user_id=USER_ID, locale="zh-CN"
    )
    cb = await dc.wait_for_callback(iid)
    assert (cb.type, cb.content, cb.ephemeral) == (4, "pong hq", True)
    assert cb.query == {"with_response": "1"}
    seen = bot.seen[0]
    assert seen.id == iid and seen.user.id == USER_ID and seen.guild_id == GUILD_ID
    assert seen.locale is discord.Locale.chinese
    assert seen.guild_locale is discord.Locale.chinese
    assert isinstance(seen.channel, discord.TextChannel) and seen.channel.id == GENERAL_ID
    original = dc.original_message(iid)
    assert original is not None and original["content"] == "pong hq"


async def test_slash_command_in_dm(dc: FakeDiscord, bot: Bot) -> None:
    iid = await dc.dispatch_interaction("ping", user_id=USER_ID, locale="en-US")
    cb = await dc.wait_for_callback(iid)
    assert (cb.type, cb.content) == (4, "pong world")
    seen = bot.seen[0]
    assert seen.guild_id is None and isinstance(seen.channel, discord.DMChannel)
    assert seen.channel.id == dc.dm_channel_id(USER_ID)
    assert seen.locale is discord.Locale.american_english


async def test_autocomplete(dc: FakeDiscord, bot: Bot) -> None:
    iid = await dc.dispatch_autocomplete("ping", {"target": "b"}, "target", guild_id=GUILD_ID)
    cb = await dc.wait_for_callback(iid)
    assert cb.type == 8
    assert cb.choices == [{"name": "beta", "value": "beta"}]
    # A focused option that was not typed yet is sent as an empty string.
    iid = await dc.dispatch_autocomplete("ping", None, "target", user_id=USER_ID)
    assert len((await dc.wait_for_callback(iid)).choices) == 3


async def test_defer_followup_and_edit(dc: FakeDiscord, bot: Bot) -> None:
    iid = await dc.dispatch_interaction("slow", guild_id=GUILD_ID)
    cb = await dc.wait_for_callback(iid)
    assert (cb.type, cb.ephemeral) == (5, True)
    edits = await dc.wait_for_edits(1, interaction_id=iid)
    assert edits[0].original and edits[0].content == "edited"
    first, second = dc.followups_for(iid)
    # The first followup after a defer resolves the "thinking" message (stays ephemeral).
    assert first.content == "done" and first.replaced_original and first.ephemeral
    assert second.content == "extra" and not second.replaced_original and not second.ephemeral
    original = dc.original_message(iid)
    assert original is not None and original["content"] == "edited"
    assert original["id"] == first.message["id"]


async def test_permission_checks(dc: FakeDiscord, bot: Bot) -> None:
    denied = await dc.dispatch_interaction("admin", guild_id=GUILD_ID, permissions=0)
    assert (await dc.wait_for_callback(denied)).content == "denied"
    assert isinstance(bot.errors[0], app_commands.MissingPermissions)
    allowed = await dc.dispatch_interaction(
        "admin", guild_id=GUILD_ID, channel_id=ALERTS_ID, permissions=MANAGE_GUILD
    )
    assert (await dc.wait_for_callback(allowed)).content == "ok alerts send=True"


async def test_late_callback_is_unknown_interaction() -> None:
    async with FakeDiscord(token=TOKEN, app_id=APP_ID, ack_timeout=0.1) as fake:
        with point_discord_at(fake):
            async with running(make_bot()) as started:
                await fake.dispatch_interaction("late", user_id=USER_ID)
                await fake.wait_until(lambda: started.errors, what="the handler's error")
    error = started.errors[0]
    assert isinstance(error, app_commands.CommandInvokeError)
    assert isinstance(error.original, discord.NotFound)
    assert error.original.code == UNKNOWN_INTERACTION
    assert fake.callbacks == []


async def test_wait_for_callback_reports_what_was_seen(dc: FakeDiscord, bot: Bot) -> None:
    with pytest.raises(AssertionError, match="callback for interaction 123"):
        await dc.wait_for_callback(123, timeout=0.05)


async def test_dispatch_raw_event(dc: FakeDiscord, bot: Bot) -> None:
    got: asyncio.Future[discord.RawTypingEvent] = asyncio.get_running_loop().create_future()

    @bot.client.event
    async def on_raw_typing(payload: discord.RawTypingEvent) -> None:
        got.set_result(payload)

    await dc.dispatch(
        "TYPING_START",
        {
            "channel_id": str(GENERAL_ID),
            "guild_id": str(GUILD_ID),
            "user_id": str(USER_ID),
            "timestamp": int(time.time()),
        },
    )
    payload = await asyncio.wait_for(got, 5)
    assert payload.channel_id == GENERAL_ID and payload.user_id == USER_ID


# --------------------------------------------------------------------------- commands sync


async def test_tree_sync_global_and_guild(dc: FakeDiscord, bot: Bot) -> None:
    synced = await bot.tree.sync()
    assert dc.sync_count == 1
    assert {c["name"] for c in dc.commands} == {"ping", "slow", "admin", "late"}
    assert {c.name: c.id for c in synced} == {c["name"]: int(c["id"]) for c in dc.commands}
    ping = next(c for c in dc.commands if c["name"] == "ping")
    assert ping["options"][0]["autocomplete"] is True
    fetched = await bot.tree.fetch_commands()
    assert sorted(c.id for c in fetched) == sorted(c.id for c in synced)
    # Re-sync keeps ids; guild sync is stored separately.
    again = await bot.tree.sync()
    assert sorted(c.id for c in again) == sorted(c.id for c in synced)
    guild = discord.Object(GUILD_ID)
    bot.tree.copy_global_to(guild=guild)
    await bot.tree.sync(guild=guild)
    assert dc.sync_count == 3
    assert len(dc.guild_commands(GUILD_ID)) == 4
    # Interactions for guild commands carry data.guild_id; the tree resolves them.
    iid = await dc.dispatch_interaction("ping", {"target": "g"}, guild_id=GUILD_ID)
    assert (await dc.wait_for_callback(iid)).content == "pong g"


# --------------------------------------------------------------------------- alerts & errors


async def test_channel_message_and_dm(dc: FakeDiscord, bot: Bot) -> None:
    channel = bot.client.get_partial_messageable(ALERTS_ID)
    sent = await channel.send("support is live", embed=discord.Embed(title="Binance"))
    messages = await dc.wait_for_messages(1, channel_id=ALERTS_ID)
    assert messages[0]["content"] == "support is live"
    assert messages[0]["embeds"][0]["title"] == "Binance"
    assert sent.id == int(messages[0]["id"])
    await sent.edit(content="support is down")
    assert dc.channel_messages(ALERTS_ID)[0]["content"] == "support is down"

    dm = await bot.client.create_dm(discord.Object(USER_ID))
    assert dm.id == dc.dm_channel_id(USER_ID)
    await dm.send("hello")
    assert [m["content"] for m in dc.dm_messages(USER_ID)] == ["hello"]
    fetched = await bot.client.fetch_channel(ALERTS_ID)
    assert isinstance(fetched, discord.TextChannel) and fetched.name == "alerts"


async def test_429_is_retried(dc: FakeDiscord, bot: Bot) -> None:
    rule = dc.fail_next("POST", r"^/channels/\d+/messages$", 429, retry_after=0.05)
    started = time.monotonic()
    await bot.client.get_partial_messageable(ALERTS_ID).send("after a 429")
    assert time.monotonic() - started >= 0.05
    assert rule.hits == 1
    assert len(dc.requests_to("POST", rf"^/channels/{ALERTS_ID}/messages$")) == 2
    assert [m["content"] for m in dc.channel_messages(ALERTS_ID)] == ["after a 429"]


async def test_429_without_via_is_not_retried(dc: FakeDiscord, bot: Bot) -> None:
    dc.fail_next("POST", r"/messages$", 429, via=False)
    with pytest.raises(discord.HTTPException) as exc:
        await bot.client.get_partial_messageable(ALERTS_ID).send("x")
    assert exc.value.status == 429
    assert dc.channel_messages(ALERTS_ID) == []


async def test_429_on_interaction_callback_is_retried(dc: FakeDiscord, bot: Bot) -> None:
    dc.fail_next("POST", r"^/interactions/", 429, retry_after=0.05)
    iid = await dc.dispatch_interaction("ping", guild_id=GUILD_ID)
    assert (await dc.wait_for_callback(iid)).content == "pong world"


async def test_403_and_404(dc: FakeDiscord, bot: Bot) -> None:
    channel = bot.client.get_partial_messageable(ALERTS_ID)
    dc.fail_next("POST", r"/channels/\d+/messages", 403)
    with pytest.raises(discord.Forbidden) as forbidden:
        await channel.send("x")
    assert (forbidden.value.status, forbidden.value.code) == (403, MISSING_ACCESS)

    dc.block_dms(USER_ID)
    dm = await bot.client.create_dm(discord.Object(USER_ID))
    with pytest.raises(discord.Forbidden) as blocked:
        await dm.send("x")
    assert blocked.value.code == CANNOT_DM_USER
    assert blocked.value.text == "Cannot send messages to this user"

    dc.fail_next("*", r"/channels/", 404)
    with pytest.raises(discord.NotFound) as missing:
        await channel.send("x")
    assert missing.value.code == UNKNOWN_CHANNEL
    assert dc.messages == []


async def test_server_errors(dc: FakeDiscord, bot: Bot) -> None:
    channel = bot.client.get_partial_messageable(ALERTS_ID)
    dc.fail_next("POST", r"/messages$", 503)
    with pytest.raises(discord.DiscordServerError):
        await channel.send("x")
    rule = dc.fail_next("POST", r"/messages$", 502)  # retried after ~1 s by discord.py
    await channel.send("after a 502")
    assert rule.hits == 1
    assert [m["content"] for m in dc.messages] == ["after a 502"]


async def test_unhandled_routes_are_listed(dc: FakeDiscord, bot: Bot) -> None:
    with pytest.raises(discord.NotFound):
        await bot.client.fetch_guild(GUILD_ID)
    assert dc.unhandled == [f"GET /guilds/{GUILD_ID}"]


async def test_embed_limits_are_enforced(dc: FakeDiscord, bot: Bot) -> None:
    embed = discord.Embed(description="x" * 4097)
    with pytest.raises(discord.HTTPException) as exc:
        await bot.client.get_partial_messageable(ALERTS_ID).send(embed=embed)
    assert (exc.value.status, exc.value.code) == (400, 50035)
