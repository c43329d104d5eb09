"""The one error handler: friendly, localized, with a reference that leads to the traceback."""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands

from bot.errors import UserError


def add_command(world, name, callback):
    command = app_commands.Command(name=name, description="test command", callback=callback)
    world.bot.tree.add_command(command)
    return command


async def test_an_unexpected_error_gives_a_reference_and_logs_the_traceback(world, caplog):
    async def explode(interaction: discord.Interaction) -> None:
        raise RuntimeError("secret internal detail")

    add_command(world, "explode", explode)
    with caplog.at_level(logging.ERROR, logger="bot.tree"):
        reply = await world.h.slash("explode", user=world.member, locale="es-ES")
    assert reply.ephemeral
    text = reply.text()
    match = re.search(r"ref\. ([0-9A-F]{6})", text)
    assert match, text
    assert "secret internal detail" not in text
    assert "Traceback" not in text
    assert "Algo salió mal" in text
    logged = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert logged
    assert logged[0].exc_info is not None
    assert "secret internal detail" in str(logged[0].exc_info[1])


async def test_a_user_error_is_answered_in_the_member_language_without_reference(world, caplog):
    async def refuse(interaction: discord.Interaction) -> None:
        raise UserError("core.error.guild_only")

    add_command(world, "refuse", refuse)
    with caplog.at_level(logging.ERROR):
        reply = await world.h.slash("refuse", user=world.member, locale="fr")
    assert "serveur" in reply.text()
    assert "réf" not in reply.text()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_failure_after_deferring_is_sent_as_a_followup(world):
    async def slow_then_fail(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        raise RuntimeError("late failure")

    add_command(world, "slowfail", slow_then_fail)
    reply = await world.h.slash("slowfail", user=world.member)
    assert "Something went wrong" in reply.text()
    assert "late failure" not in reply.text()


async def test_cooldown_is_a_friendly_message(world):
    @app_commands.checks.cooldown(1, 60)
    async def once(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("done", ephemeral=True)

    add_command(world, "once", once)
    first = await world.h.slash("once", user=world.member)
    second = await world.h.slash("once", user=world.member, locale="fr")
    assert first.content == "done"
    assert "patienter" in second.text()
    other = await world.h.slash("once", user=world.other_member)
    assert other.content == "done"  # the cooldown is per member


async def test_guild_locale_is_used_when_the_member_locale_is_not_supported(world):
    async def refuse(interaction: discord.Interaction) -> None:
        raise UserError("core.error.guild_only")

    add_command(world, "refuse2", refuse)
    german = await world.h.slash("refuse2", user=world.member, locale="de", guild_locale="es-ES")
    assert "servidor" in german.text()
    neither = await world.h.slash("refuse2", user=world.member, locale="de", guild_locale="ja")
    assert "server" in neither.text()
