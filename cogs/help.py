"""/help: what the bot can do for this member."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import CoalitionBot
from bot.help import help_lines
from bot.i18n import lang_of, t
from bot.permissions import is_moderator

EMBED_FIELD_LIMIT = 1024


def chunk(lines: list[str], limit: int = EMBED_FIELD_LIMIT) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line[:limit]
    return [*chunks, current] if current else chunks


class Help(commands.Cog):
    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What this bot can do for you")
    async def help(self, interaction: discord.Interaction[CoalitionBot]) -> None:
        lang = lang_of(interaction)
        moderator = await is_moderator(interaction)
        members, moderators = help_lines(self.bot.tree.get_commands(), lang, moderator=moderator)
        embed = discord.Embed(title=t("help.title", lang), description=t("help.intro", lang),
                              colour=discord.Colour.blurple())
        for index, text in enumerate(chunk(members)):
            embed.add_field(name=t("help.members", lang) if index == 0 else "\u200b", value=text,
                            inline=False)
        for index, text in enumerate(chunk(moderators)):
            embed.add_field(name=t("help.moderators", lang) if index == 0 else "\u200b", value=text,
                            inline=False)
        if moderator:
            embed.add_field(name=t("help.kb_workflow.title", lang),
                            value=t("help.kb_workflow.body", lang), inline=False)
        embed.set_footer(text=t("help.footer", lang))
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(Help(bot))
