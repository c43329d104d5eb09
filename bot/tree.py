"""The command tree with the bot's one error handler.

Every failure ends in a short message in the member's language. Unexpected ones carry a
reference id that also prefixes the logged traceback, so a moderator can find it in the log
without the traceback ever reaching chat.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import discord
from discord import app_commands

from bot.errors import NotModerator, UserError
from bot.i18n import lang_of, t
from bot.options import check_options, leaf_options

log = logging.getLogger(__name__)


def new_reference() -> str:
    return secrets.token_hex(3).upper()


def message_for(error: app_commands.AppCommandError, lang: str) -> tuple[str, str | None]:
    """(text, reference) for an error; a reference only for the unexpected ones."""
    if isinstance(error, UserError):
        return t(error.key, lang, **error.kwargs), None
    if isinstance(error, NotModerator):
        return t("core.error.not_moderator", lang), None
    if isinstance(error, app_commands.CommandOnCooldown):
        return t("core.error.cooldown", lang, seconds=max(1, round(error.retry_after))), None
    if isinstance(error, app_commands.NoPrivateMessage):
        return t("core.error.guild_only", lang), None
    if isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        return t("core.error.not_allowed", lang), None
    if isinstance(error, app_commands.TransformerError):
        return t("core.error.bad_value", lang, value=str(error.value)[:100]), None
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return t("core.error.outdated", lang), None
    reference = new_reference()
    return t("core.error.unexpected", lang, ref=reference), reference


UNKNOWN_INTERACTION = 10062  # Discord's code once an interaction's 3 s (or 15 min) have passed


def expired(error: BaseException) -> bool:
    """Discord no longer takes any answer to this interaction: the bot was too slow."""
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    return isinstance(original, discord.HTTPException) and original.code == UNKNOWN_INTERACTION


def log_expired(interaction: discord.Interaction[Any], where: str) -> None:
    """One line, no traceback and no error reply: under a burst, a traceback and a second
    doomed request per late interaction would only put the bot further behind."""
    log.warning("interaction %s (%s, guild %s) expired before it was answered: Discord allows 3 s",
                interaction.id, where, interaction.guild_id)


def check_interaction(interaction: discord.Interaction[Any]) -> None:
    """UserError when a slash command's options are not what its declaration allows."""
    if interaction.type not in (discord.InteractionType.application_command,
                                discord.InteractionType.autocomplete):
        return
    data = interaction.data
    if not isinstance(data, dict) or data.get("type", 1) != 1:
        return  # context menus carry no options
    options = leaf_options(data)
    command = interaction.command
    if isinstance(command, app_commands.Command):
        check_options(options, {p.display_name: p for p in command.parameters})


async def send_ephemeral(interaction: discord.Interaction[Any], text: str) -> None:
    """Respond, or follow up when the interaction was already answered or deferred."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error message for interaction %s", interaction.id)


class CoalitionTree(app_commands.CommandTree[Any]):
    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Option values are checked before discord.py reads them (see bot.options): a value a
        client could not have sent gets a clear answer, never a failure inside the library."""
        try:
            check_interaction(interaction)
        except UserError as error:
            log.info("refused the options of interaction %s (guild %s): %s", interaction.id,
                     interaction.guild_id, error.key)
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            else:
                text, _ = message_for(error, lang_of(interaction))
                await send_ephemeral(interaction, text)
            return False
        return True

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        if expired(error):
            command = interaction.command.qualified_name if interaction.command else "?"
            log_expired(interaction, f"command {command!r}")
            return
        text, reference = message_for(error, lang_of(interaction))
        if reference is not None:
            original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error(
                "ref %s: command %r failed (guild %s)", reference, command, interaction.guild_id,
                exc_info=(type(original), original, original.__traceback__),
            )
        await send_ephemeral(interaction, text)


async def report_component_error(
    interaction: discord.Interaction[Any], error: Exception, where: str
) -> None:
    """The same answer for a failing button, select or modal as for a failing command."""
    if expired(error):
        log_expired(interaction, where)
        return
    if isinstance(error, app_commands.AppCommandError):
        text, reference = message_for(error, lang_of(interaction))
    else:
        reference = new_reference()
        text = t("core.error.unexpected", lang_of(interaction), ref=reference)
    if reference is not None:
        log.error("ref %s: %s failed (guild %s)", reference, where, interaction.guild_id,
                  exc_info=(type(error), error, error.__traceback__))
    await send_ephemeral(interaction, text)
