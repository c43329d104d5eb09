"""/config refuses a channel the bot cannot post in and names the missing permissions, computed
by discord.py from the server's roles and the channel's overwrites as the gateway sent them."""

from __future__ import annotations

import discord
import pytest

from bot.fakediscord.state import deep


def overwrite(fake, channel_id, target_id, *, kind=0, allow=0, deny=0):
    """Set a permission overwrite on a channel, as a moderator would in Discord's settings."""
    guild_id = fake.guild_of_channel(channel_id)
    for channel in fake.guild(guild_id)["channels"]:
        if int(channel["id"]) == channel_id:
            channel["permission_overwrites"] = [
                *[o for o in channel["permission_overwrites"] if o["id"] != str(target_id)],
                {"id": str(target_id), "type": kind, "allow": str(allow), "deny": str(deny)}]
            fake.emit("CHANNEL_UPDATE", deep(channel))


def perms(**names):
    return discord.Permissions(**names).value


COMMANDS = [("config announcements", {}), ("config region-channel", {"region": "africa"})]


@pytest.mark.parametrize(("name", "options"), COMMANDS)
async def test_a_channel_without_send_or_embed_is_refused_naming_both(world, name, options):
    news = world.fake.add_channel(world.guild_id, "news")
    overwrite(world.fake, news, world.guild_id, deny=perms(send_messages=True, embed_links=True))
    reply = await world.h.slash(name, {**options, "channel": news}, user=world.moderator)
    assert reply.ephemeral
    assert f"<#{news}>" in reply.text() and "Send Messages, Embed Links" in reply.text()
    assert "View Channel" not in reply.text()
    assert await world.bot.guild_settings.all(world.guild_id) == {}
    french = await world.h.slash(name, {**options, "channel": news}, user=world.moderator,
                                 locale="fr")
    assert "Envoyer des messages, Intégrer des liens" in french.text()


async def test_an_overwrite_for_the_bot_itself_makes_the_channel_acceptable(world):
    news = world.fake.add_channel(world.guild_id, "news")
    overwrite(world.fake, news, world.guild_id, deny=perms(view_channel=True))
    reply = await world.h.slash("config announcements", {"channel": news}, user=world.moderator,
                                locale="es-ES")
    # without View Channel Discord withholds every permission in the channel: all are named
    assert "Ver canal, Enviar mensajes, Insertar enlaces" in reply.text()
    overwrite(world.fake, news, world.fake.application_id, kind=1,
              allow=perms(view_channel=True))
    reply = await world.h.slash("config announcements", {"channel": news}, user=world.moderator)
    assert f"announced in <#{news}>" in reply.text()
    assert await world.bot.guild_settings.all(world.guild_id) == {"announcements_channel": str(news)}


async def test_the_moderators_channel_needs_no_embeds(world):
    mods = world.fake.add_channel(world.guild_id, "mods")
    overwrite(world.fake, mods, world.guild_id, deny=perms(embed_links=True, attach_files=True))
    reply = await world.h.slash("config moderators-channel", {"channel": mods}, user=world.moderator)
    assert f"problems in <#{mods}>" in reply.text()
    overwrite(world.fake, mods, world.guild_id, deny=perms(send_messages=True))
    reply = await world.h.slash("config moderators-channel", {"channel": mods}, user=world.moderator)
    assert "I lack Send Messages there" in reply.text()
    assert await world.bot.guild_settings.all(world.guild_id) == {"moderators_channel": str(mods)}
