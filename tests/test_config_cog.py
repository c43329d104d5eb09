"""/config through the real command tree: stored per server, moderators only, own channels only."""

from __future__ import annotations

import pytest

from bot.guild_settings import MODERATOR_ROLE


async def settings(world, guild_id=None):
    return await world.bot.guild_settings.all(guild_id or world.guild_id)


async def test_each_setting_is_stored_and_shown(world):
    news = world.fake.add_channel(world.guild_id, "news", type=5)
    africa = world.fake.add_channel(world.guild_id, "africa")
    mods = world.fake.add_channel(world.guild_id, "mods")
    role = world.fake.add_role(world.guild_id, "Coalition moderators")
    mod = world.moderator
    for name, options in (
        ("config announcements", {"channel": news}),
        ("config region-channel", {"region": "africa", "channel": africa}),
        ("config moderators-channel", {"channel": mods}),
        ("config moderator-role", {"role": role}),
        ("config crosspost", {"state": "on"}),
    ):
        reply = await world.h.slash(name, options, user=mod)
        assert reply.ephemeral and "ref" not in reply.text(), (name, reply.text())
    assert await settings(world) == {
        "announcements_channel": str(news), "region_channel:africa": str(africa),
        "moderators_channel": str(mods), MODERATOR_ROLE: str(role), "crosspost": "1",
    }
    show = await world.h.slash("config show", user=mod, locale="fr")
    text = show.text()
    assert f"<#{news}>" in text and f"Afrique: <#{africa}>" in text and f"<#{mods}>" in text
    assert f"<@&{role}>" in text and "Activé" in text
    assert await settings(world, world.other_guild_id) == {}


async def test_clearing_optional_settings(world):
    africa = world.fake.add_channel(world.guild_id, "africa")
    role = world.fake.add_role(world.guild_id, "mods")
    await world.h.slash("config region-channel", {"region": "africa", "channel": africa},
                        user=world.moderator)
    await world.h.slash("config moderator-role", {"role": role}, user=world.moderator)
    await world.h.slash("config crosspost", {"state": "off"}, user=world.moderator)
    reply = await world.h.slash("config region-channel", {"region": "africa"}, user=world.moderator)
    assert "announcements channel" in reply.text()
    reply = await world.h.slash("config moderator-role", user=world.moderator, locale="es-ES")
    assert "gestionan el servidor" in reply.text()
    assert await settings(world) == {"crosspost": "0"}
    show = await world.h.slash("config show", user=world.moderator)
    assert "Not set: announcements wait" in show.text() and "Off" in show.text()


async def test_the_moderator_role_makes_its_members_moderators_here_only(world):
    role = world.fake.add_role(world.guild_id, "Coalition moderators")
    helper = world.h.member(world.guild_id, name="helper", roles=[role])
    payload = world.h.slash_payload("config show", user=helper, check=False)
    assert "moderators" in (await world.h.raw_interaction(payload)).text()
    await world.h.slash("config moderator-role", {"role": role}, user=world.moderator)
    payload = world.h.slash_payload("config show", user=helper, check=False)
    reply = await world.h.raw_interaction(payload)
    assert f"<@&{role}>" in reply.text()
    payload = world.h.slash_payload("config show", user=world.outsider, check=False)
    assert "moderators" in (await world.h.raw_interaction(payload)).text()


async def test_everyone_and_other_servers_roles_are_refused(world):
    reply = await world.h.slash("config moderator-role", {"role": world.guild_id},
                                user=world.moderator)
    assert "@everyone cannot be" in reply.text()
    foreign = world.fake.add_role(world.other_guild_id, "their mods")
    local = world.fake.add_role(world.guild_id, "ours")
    payload = world.h.slash_payload("config moderator-role", {"role": local},
                                    user=world.moderator, check=False)
    payload["data"]["options"][0]["options"][0]["value"] = str(foreign)  # a crafted id
    payload["data"]["resolved"]["roles"] = {str(foreign): world.fake.role(world.other_guild_id,
                                                                          foreign)}
    reply = await world.h.raw_interaction(payload)
    assert "role of this server" in reply.text()
    assert await settings(world) == {}


@pytest.mark.parametrize("name", ["config announcements", "config moderators-channel",
                                  "config region-channel"])
async def test_another_servers_channel_is_refused(world, name):
    options = {"channel": world.other_channel_id}
    if name == "config region-channel":
        options["region"] = "europe"
    payload = world.h.slash_payload(name, options, user=world.moderator, check=False)
    reply = await world.h.raw_interaction(payload)
    assert reply.ephemeral and "couldn't understand" in reply.text()
    assert await settings(world) == {}


@pytest.mark.parametrize(("name", "options"), [
    ("config announcements", {"channel": "CHANNEL"}),
    ("config region-channel", {"region": "europe", "channel": "CHANNEL"}),
    ("config moderators-channel", {"channel": "CHANNEL"}),
    ("config moderator-role", {}),
    ("config crosspost", {"state": "on"}),
    ("config show", {}),
])
async def test_members_are_refused_every_config_command(world, caplog, name, options):
    options = {k: world.channel_id if v == "CHANNEL" else v for k, v in options.items()}
    for user in (world.member, world.outsider):
        guild = user.guild_id
        if guild != world.guild_id and "channel" in options:
            options = {**options, "channel": world.other_channel_id}
        payload = world.h.slash_payload(name, options, user=user, check=False)
        reply = await world.h.raw_interaction(payload)
        assert "moderators" in reply.text(), (name, reply.text())
    assert await settings(world) == {} and await settings(world, world.other_guild_id) == {}
    assert "refused moderator command" in caplog.text


async def test_crafted_choice_values_are_refused(world):
    payload = world.h.slash_payload("config crosspost", {"state": "on"}, user=world.moderator,
                                    check=False)
    payload["data"]["options"][0]["options"][0]["value"] = "maybe"
    reply = await world.h.raw_interaction(payload)
    assert "on or off" in reply.text()
    payload = world.h.slash_payload("config region-channel", {"region": "europe"},
                                    user=world.moderator, check=False)
    payload["data"]["options"][0]["options"][0]["value"] = "atlantis"
    reply = await world.h.raw_interaction(payload)
    assert "region from the list" in reply.text()
    assert await settings(world) == {}
