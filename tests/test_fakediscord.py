"""The fake Discord and its harness, exercised with a tiny throwaway bot.

The bot here is deliberately not CoalitionBot: these tests pin down the fake's own contract
(routes, payloads, Discord's refusals, the gateway) so feature tests can rely on it.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.fakediscord import FakeDiscord, Harness, HarnessError

TOPICS = {"arrest": "arrest warrants", "cooperation": "state cooperation", "victims": "victims"}


class RecordingTree(app_commands.CommandTree):
    """Keeps the errors discord.py raised inside commands, so tests can assert on them."""

    errors: list[BaseException]

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError,
                       /) -> None:
        self.errors.append(getattr(error, "original", error))


class Form(discord.ui.Modal, title="Make a pledge"):
    pledge_text = discord.ui.TextInput(label="Your pledge", custom_id="pledge_text",
                                       max_length=200)
    region = discord.ui.Label(
        text="Region",
        component=discord.ui.Select(custom_id="region", options=[
            discord.SelectOption(label="Europe", value="europe"),
            discord.SelectOption(label="Americas", value="americas")]),
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        assert isinstance(self.region.component, discord.ui.Select)
        await interaction.response.send_message(
            f"pledged {self.pledge_text.value} in {self.region.component.values[0]}",
            ephemeral=True)


class Panel(discord.ui.View):
    @discord.ui.button(label="Go", custom_id="panel:go")
    async def go(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content=f"clicked by {interaction.user.name}",
                                                view=None)


class TinyBot(commands.Bot):
    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, help_command=None,
                         allowed_mentions=discord.AllowedMentions.none(), tree_cls=RecordingTree)
        self.tree.errors = []
        self.ready_count = 0
        self.add_listener(self._count_ready, "on_ready")
        add_commands(self.tree)

    async def _count_ready(self) -> None:
        self.ready_count += 1

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s pause before re-identifying: tests reconnect on purpose."""


def add_commands(tree: app_commands.CommandTree) -> None:
    @tree.command(description="Say hello privately")
    async def hello(interaction: discord.Interaction) -> None:
        embed = discord.Embed(title=f"Hello {interaction.user.name}", description="welcome")
        embed.set_footer(text=f"locale {interaction.locale.value}")
        await interaction.response.send_message(embed=embed, ephemeral=True)

    pledge = app_commands.Group(name="pledge", description="Pledges")
    admin = app_commands.Group(name="admin", description="Pledge admin", parent=pledge)

    @pledge.command(description="Make a pledge")
    async def make(interaction: discord.Interaction, count: int, text: str,
                   where: discord.TextChannel) -> None:
        await interaction.response.send_message(f"{count}|{text}|{where.mention}|{where.name}")

    @admin.command(description="Reset pledges")
    async def reset(interaction: discord.Interaction, confirm: bool) -> None:
        await interaction.response.send_message(f"reset={confirm}", ephemeral=True)

    tree.add_command(pledge)

    @tree.command(description="Think, then answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("done thinking")

    @tree.command(description="Report progress, then finish")
    async def progress(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="50%")
        original = await interaction.original_response()
        await interaction.followup.send(f"done after {original.content}")

    @tree.command(description="Too much to say")
    async def ramble(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("blah " * 500)

    @tree.command(description="Who is that")
    async def whois(interaction: discord.Interaction, who: discord.Member,
                    role: discord.Role) -> None:
        await interaction.response.send_message(f"{who.display_name}|{role.name}")

    @tree.command(description="Answer after a delay")
    async def sleepy(interaction: discord.Interaction, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await interaction.response.send_message("finally")

    @tree.command(description="A CSV report")
    async def report(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "here", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), filename="report.csv"))

    @tree.command(description="Open the pledge form")
    async def form(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Form())

    @tree.command(description="A panel with a button")
    async def panel(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("press it", view=Panel())

    @tree.command(description="Look up a topic")
    async def topic(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(TOPICS.get(name, "unknown"), ephemeral=True)

    @topic.autocomplete("name")
    async def topic_names(interaction: discord.Interaction, current: str
                          ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=label, value=key) for key, label in TOPICS.items()
                if current.lower() in label][:25]

    @tree.command(description="Moderators only")
    @app_commands.default_permissions(manage_guild=True)
    async def purge(interaction: discord.Interaction) -> None:
        allowed = interaction.permissions.manage_guild
        await interaction.response.send_message(f"allowed={allowed}", ephemeral=True)


@pytest.fixture(autouse=True)
def _answers_checked(fake: FakeDiscord) -> None:
    """Here the fake's answers are held to the response schemas of Discord's API description, so
    discord.py is fed what Discord really sends; a mismatch lands in `fake.errors`."""
    fake.check_responses = True


@dataclass
class Tiny:
    fake: FakeDiscord
    h: Harness
    bot: TinyBot
    guild_id: int
    channel_id: int


def _populate(fake: FakeDiscord) -> tuple[int, int]:
    guild_id = fake.add_guild(name="Coalition Europe", preferred_locale="en-GB")
    channel_id = fake.add_channel(guild_id, "general")
    fake.add_channel(guild_id, "announcements", type=5)
    return guild_id, channel_id


@pytest.fixture
async def tiny(fake: FakeDiscord) -> AsyncIterator[Tiny]:
    guild_id, channel_id = _populate(fake)
    bot = TinyBot()
    h = Harness(fake, bot)
    await h.start()
    try:
        yield Tiny(fake, h, bot, guild_id, channel_id)
    finally:
        await h.close()


def _callbacks(fake: FakeDiscord) -> list[Any]:
    return [r.json for r in fake.requests_to("POST", r"^/interactions/\d+/[^/]+/callback$")]


# -- inject mode round trips -----------------------------------------------------------------------

async def test_start_populates_the_bot_from_the_fake(tiny: Tiny) -> None:
    guild = tiny.bot.get_guild(tiny.guild_id)
    assert guild is not None
    assert guild.name == "Coalition Europe"
    assert guild.preferred_locale is discord.Locale.british_english
    assert {c.name for c in guild.text_channels} == {"general", "announcements"}
    assert guild.me is not None  # only the bot's own member, as without the members intent
    assert tiny.bot.application_id == tiny.fake.application_id
    assert [r.path for r in tiny.fake.requests[:2]] == ["/users/@me", "/oauth2/applications/@me"]


async def test_slash_replies_ephemerally_with_an_embed(tiny: Tiny) -> None:
    ana = tiny.h.member(tiny.guild_id, name="ana")
    r = await tiny.h.slash("hello", user=ana, locale="fr")
    assert r.callback_type == 4
    assert r.ephemeral
    assert r.embeds[0]["title"] == "Hello ana"
    assert "locale fr" in r.text()
    assert r.message is not None and r.message["interaction_metadata"]["user"]["id"] == str(ana.id)
    assert tiny.fake.messages[tiny.channel_id] == []  # ephemeral replies are not in the channel
    assert _callbacks(tiny.fake)[0]["data"]["flags"] == 64


async def test_group_subcommand_with_typed_and_resolved_options(tiny: Tiny) -> None:
    r = await tiny.h.slash("pledge make", {"count": 3, "text": "plant trees",
                                           "where": tiny.channel_id})
    assert r.content == f"3|plant trees|<#{tiny.channel_id}>|general"
    assert not r.ephemeral
    assert [m["id"] for m in tiny.fake.messages[tiny.channel_id]] == [r.message["id"]]
    data = r.interaction["data"]
    assert data["options"][0]["type"] == 1
    assert data["options"][0]["options"][0] == {"type": 4, "name": "count", "value": 3}
    assert str(tiny.channel_id) in data["resolved"]["channels"]

    nested = await tiny.h.slash("pledge admin reset", {"confirm": True})
    assert nested.content == "reset=True"
    assert nested.interaction["data"]["options"][0]["type"] == 2

    with pytest.raises(HarnessError, match="needs a int"):
        await tiny.h.slash("pledge make", {"count": "3", "text": "x", "where": tiny.channel_id})
    with pytest.raises(HarnessError, match="requires"):
        await tiny.h.slash("pledge make", {"count": 3})


async def test_defer_then_followup_fills_the_thinking_message(tiny: Tiny) -> None:
    r = await tiny.h.slash("slow")
    assert r.callback_type == 5
    assert r.content == "done thinking"
    assert r.ephemeral
    assert not r.flags & 128  # no longer loading
    assert [m["id"] for m in r.followups] == [r.message["id"]]


async def test_edit_original_then_followup_is_a_new_message(tiny: Tiny) -> None:
    r = await tiny.h.slash("progress")
    assert [e["content"] for e in r.edits] == ["50%"]
    assert r.content == "50%"
    assert [m["content"] for m in r.followups] == ["done after 50%"]
    assert r.followups[0]["id"] != r.message["id"]
    assert "50%" in r.text() and "done after" in r.text()


async def test_member_and_role_options_are_resolved(tiny: Tiny) -> None:
    role_id = tiny.fake.add_role(tiny.guild_id, "Coordinators")
    carla = tiny.h.member(tiny.guild_id, name="carla", nick="Carla C.", roles=[role_id])
    r = await tiny.h.slash("whois", {"who": carla, "role": role_id})
    assert r.content == "Carla C.|Coordinators"
    resolved = r.interaction["data"]["resolved"]
    assert set(resolved) == {"users", "members", "roles"}


@pytest.mark.allow_rejections
async def test_messages_over_discord_limits_are_refused(tiny: Tiny) -> None:
    r = await tiny.h.slash("ramble")
    assert r.callback_type is None
    [refusal] = r.rejections
    assert refusal.code == 50035 and "content" in (refusal.errors or {})["data"]
    assert isinstance(tiny.bot.tree.errors[-1], discord.HTTPException)


async def test_sending_a_file_uses_multipart(tiny: Tiny) -> None:
    r = await tiny.h.slash("report")
    assert r.files == [("report.csv", b"a,b\n1,2\n")]
    assert r.message["attachments"][0]["filename"] == "report.csv"
    callback = tiny.fake.requests_to("POST", "/callback$")[-1]
    assert callback.files == [("report.csv", b"a,b\n1,2\n")]
    assert callback.json["type"] == 4


async def test_modal_with_text_input_and_labelled_select(tiny: Tiny) -> None:
    r = await tiny.h.slash("form")
    assert r.callback_type == 9
    assert r.modal is not None and r.modal["title"] == "Make a pledge"
    done = await tiny.h.submit_modal(r, {"pledge_text": "I pledge", "region": ["europe"]})
    assert done.content == "pledged I pledge in europe"
    assert done.interaction["type"] == 5
    with pytest.raises(HarnessError, match="no options"):
        await tiny.h.submit_modal(r, {"pledge_text": "x", "region": ["asia"]})


async def test_modal_reply_names_the_interaction_that_opened_it(tiny: Tiny) -> None:
    """Each submission points at the interaction that opened that form for that member (the
    form here gets a new custom_id each time it is opened)."""
    bruno = tiny.h.member(tiny.guild_id, name="bruno")
    first = await tiny.h.slash("form")
    brunos = await tiny.h.slash("form", user=bruno)
    await tiny.h.slash("form")
    done = await tiny.h.submit_modal(first, {"pledge_text": "mine", "region": ["europe"]})
    by_bruno = await tiny.h.submit_modal(brunos, {"pledge_text": "his", "region": ["europe"]})
    assert done.message is not None and by_bruno.message is not None
    trigger = done.message["interaction_metadata"]["triggering_interaction_metadata"]
    assert trigger["id"] == first.interaction["id"]
    trigger = by_bruno.message["interaction_metadata"]["triggering_interaction_metadata"]
    assert trigger["id"] == brunos.interaction["id"]
    assert trigger["user"]["id"] == str(bruno.id)


async def test_button_click_updates_the_message(tiny: Tiny) -> None:
    r = await tiny.h.slash("panel")
    assert r.custom_ids() == ["panel:go"]
    bruno = tiny.h.member(tiny.guild_id, name="bruno")
    clicked = await tiny.h.click(r, "panel:go", user=bruno)
    assert clicked.callback_type == 7
    assert clicked.edits[0]["content"] == "clicked by bruno"
    assert clicked.message["id"] == r.message["id"]
    assert clicked.custom_ids() == []
    assert tiny.fake.messages[tiny.channel_id][0]["content"] == "clicked by bruno"


async def test_autocomplete_returns_choices(tiny: Tiny) -> None:
    choices = await tiny.h.autocomplete("topic", {"name": "arre"}, focused="name")
    assert choices == [{"name": "arrest warrants", "value": "arrest"}]


async def test_default_permissions_hide_commands_unless_crafted(tiny: Tiny) -> None:
    member = tiny.h.member(tiny.guild_id, name="ana")
    with pytest.raises(HarnessError, match="hides"):
        await tiny.h.slash("purge", user=member)
    assert (await tiny.h.slash("purge", user=tiny.h.moderator(tiny.guild_id))).content == (
        "allowed=True")
    crafted = await tiny.h.slash("purge", user=member, check=False)
    assert crafted.content == "allowed=False"


@pytest.mark.allow_rejections
async def test_changes_after_start_reach_an_injected_bot(tiny: Tiny) -> None:
    channel_id = tiny.fake.add_channel(tiny.guild_id, "late")
    assert tiny.bot.get_channel(channel_id) is not None
    tiny.fake.delete_channel(channel_id)
    assert tiny.bot.get_channel(channel_id) is None
    with pytest.raises(discord.NotFound) as info:
        await tiny.bot.http.send_message(channel_id, params=discord.http.handle_message_parameters(
            content="x"))
    assert info.value.code == 10003


# -- Discord's refusals and strictness -------------------------------------------------------------

@pytest.mark.allow_rejections
async def test_second_callback_is_rejected_with_40060(tiny: Tiny) -> None:
    payload = tiny.h.slash_payload("hello")
    first = await tiny.h.raw_interaction(payload)
    assert first.callback_type == 4
    again = await tiny.h.raw_interaction(payload)
    assert [r.code for r in again.rejections] == [40060]
    assert [r.code for r in tiny.fake.rejections] == [40060]
    assert isinstance(tiny.bot.tree.errors[-1], discord.HTTPException)
    assert tiny.bot.tree.errors[-1].code == 40060


@pytest.mark.allow_rejections
async def test_late_callback_is_unknown_interaction(tiny: Tiny) -> None:
    tiny.fake.interaction_deadline = 0.05
    r = await tiny.h.slash("sleepy", {"seconds": 0.1})
    assert r.callback_type is None
    assert [x.code for x in r.rejections] == [10062]
    assert isinstance(tiny.bot.tree.errors[-1], discord.NotFound)


async def test_unknown_route_is_a_recorded_error(tiny: Tiny) -> None:
    route = discord.http.Route("GET", "/guilds/{guild_id}/bans", guild_id=tiny.guild_id)
    with pytest.raises(discord.HTTPException) as info:
        await tiny.bot.http.request(route)
    assert info.value.status == 400
    assert len(tiny.fake.errors) == 1 and "unknown route" in tiny.fake.errors[0]
    tiny.fake.errors.clear()


async def test_injected_500_is_retried_by_discord_py(tiny: Tiny) -> None:
    tiny.fake.fail_next("POST", r"^/channels/\d+/messages$", 500)
    channel = tiny.bot.get_channel(tiny.channel_id)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send("after a hiccup")
    sent = tiny.fake.requests_to("POST", r"^/channels/\d+/messages$")
    assert [(r.status, r.injected) for r in sent] == [(500, True), (200, False)]
    assert [m["id"] for m in tiny.fake.messages[tiny.channel_id]] == [str(message.id)]


async def test_injected_429_waits_retry_after(tiny: Tiny) -> None:
    tiny.fake.fail_next("POST", r"^/channels/\d+/messages$", 429,
                        body={"message": "slow down", "retry_after": 0.3, "global": False})
    channel = tiny.bot.get_channel(tiny.channel_id)
    assert isinstance(channel, discord.TextChannel)
    started = time.monotonic()
    await channel.send("patiently")
    assert time.monotonic() - started >= 0.3
    assert [r.status for r in tiny.fake.requests_to("POST", "/messages$")] == [429, 200]


async def test_repeated_nonce_returns_the_original_message(tiny: Tiny) -> None:
    channel = tiny.bot.get_channel(tiny.channel_id)
    assert isinstance(channel, discord.TextChannel)
    first = await channel.send("once", nonce=12345)
    second = await channel.send("once", nonce=12345)
    third = await channel.send("other", nonce=999)
    assert first.id == second.id != third.id
    assert len(tiny.fake.messages[tiny.channel_id]) == 2


@pytest.mark.allow_rejections
async def test_crosspost_only_in_announcement_channels(tiny: Tiny) -> None:
    guild = tiny.bot.get_guild(tiny.guild_id)
    assert guild is not None
    news = discord.utils.get(guild.text_channels, name="announcements")
    assert news is not None and news.is_news()
    message = await news.send("news")
    await message.publish()
    assert tiny.fake.get_message(message.id)["flags"] & 1
    plain = await guild.text_channels[0].send("plain")
    with pytest.raises(discord.HTTPException):
        await plain.publish()


@pytest.mark.allow_rejections
async def test_command_sync_is_validated_like_discord(tiny: Tiny) -> None:
    synced = await tiny.bot.tree.sync()
    assert tiny.fake.sync_count == 1
    assert {c.name for c in synced} >= {"hello", "pledge", "topic"}
    stored = {c["name"]: c for c in tiny.fake.commands[None]}
    assert stored["purge"]["default_member_permissions"] == str(0x20)

    class BadFrench(app_commands.Translator):
        async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                            context: app_commands.TranslationContextTypes) -> str | None:
            if locale is discord.Locale.french and context.location.name == "command_name":
                return "Dire Bonjour"  # capitals and a space: Discord refuses it
            return None

    await tiny.bot.tree.set_translator(BadFrench())
    with pytest.raises(app_commands.CommandSyncFailure) as info:
        await tiny.bot.tree.sync()
    assert info.value.code == 50035
    assert tiny.fake.sync_count == 1
    errors = tiny.fake.rejections[-1].errors or {}
    assert errors["0"]["name_localizations"]["fr"]["_errors"][0]["code"] == (
        "APPLICATION_COMMAND_INVALID_NAME")

    too_long = [{"name": "x", "description": "d" * 101, "type": 1}]
    with pytest.raises(discord.HTTPException) as info2:
        await tiny.bot.http.bulk_upsert_global_commands(tiny.fake.application_id, too_long)
    assert info2.value.code == 50035


# -- full gateway ----------------------------------------------------------------------------------

async def test_full_gateway_identify_resume_and_reidentify(fake: FakeDiscord) -> None:
    fake.heartbeat_interval = 1.0
    guild_id, _ = _populate(fake)
    bot = TinyBot()
    h = Harness(fake, bot, gateway=True)
    await h.start()
    try:
        assert fake.identify_payloads[0]["intents"] == bot.intents.value
        # discord.py asks for zstd where zstandard is installed (its speed extra, a dependency)
        assert fake.gateway.queries[0]["compress"] == "zstd-stream"
        assert [g.id for g in bot.guilds] == [guild_id]
        guild = bot.get_guild(guild_id)
        assert guild is not None and {c.name for c in guild.channels} == {"general",
                                                                          "announcements"}
        r = await h.slash("hello", guild_id=guild_id)
        assert r.callback_type == 4 and r.embeds[0]["title"] == "Hello member"
        slow = await h.slash("sleepy", {"seconds": 0.05}, guild_id=guild_id)
        assert slow.content == "finally"  # returned only once the handler finished

        async with fake.disconnected(4000):
            late = fake.add_channel(guild_id, "while-away")  # missed, so replayed on RESUME
        await fake.gateway.wait_for(lambda: bool(fake.resume_payloads) and fake.connected, 5)
        assert len(fake.identify_payloads) == 1
        assert [f["t"] for f in fake.gateway.replayed] == ["CHANNEL_CREATE"]
        await fake.gateway.barrier()
        assert bot.get_channel(late) is not None

        await fake.drop_connection(4000)
        await fake.gateway.wait_for(lambda: len(fake.resume_payloads) == 2 and fake.connected, 5)
        await fake.send_reconnect()  # op 7: the bot reconnects and RESUMEs by itself
        await fake.gateway.wait_for(lambda: len(fake.resume_payloads) == 3 and fake.connected, 5)
        assert len(fake.identify_payloads) == 1
        assert (await h.slash("hello", guild_id=guild_id)).callback_type == 4

        await fake.invalid_session(False)
        await fake.wait_for_identify(2)
        await fake.gateway.wait_for(lambda: bot.ready_count == 2, 5)
        assert (await h.slash("topic", {"name": "victims"}, guild_id=guild_id)).content == (
            "victims")
    finally:
        await h.close()
    assert fake.gateway.heartbeats >= 2
