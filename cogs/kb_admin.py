"""/kb reload and /kb gaps: the moderators' side of the knowledge base."""

from __future__ import annotations

import discord
from discord.ext import commands

from bot.client import CoalitionBot
from bot.i18n import lang_of, t
from bot.kb.gaps import GapStore
from bot.kb.render import COLOUR, DESCRIPTION_LIMIT, clip
from bot.kb.service import KnowledgeBase, attach
from bot.l10n import day
from bot.permissions import ModeratorGroup

GAPS_SHOWN = 25
PROBLEMS_SHOWN = 1500


class KbAdmin(commands.Cog):
    kb_group = ModeratorGroup(name="kb", description="Manage the knowledge base (moderators)")

    def __init__(self, bot: CoalitionBot, kb: KnowledgeBase) -> None:
        self.bot = bot
        self.kb = kb
        self.gaps = GapStore(bot.db)

    @kb_group.command(name="reload", description="Re-read the topic files without restarting")
    async def reload(self, interaction: discord.Interaction[CoalitionBot]) -> None:
        lang = lang_of(interaction)
        result = self.kb.reload()
        if not result.problems:
            text = t("kb.reload.ok", lang, count=result.topics)
        else:
            listing = "\n".join(f"- {p}" for p in result.problems)
            text = (t("kb.reload.failed", lang, count=len(result.problems),
                      topics=t("units.topics", lang, count=result.topics))
                    + "\n```\n" + clip(listing, PROBLEMS_SHOWN).replace("```", "'''") + "\n```")
        await interaction.response.send_message(text, ephemeral=True)

    @kb_group.command(name="gaps", description="Unanswered questions, most frequent first")
    async def gaps(self, interaction: discord.Interaction[CoalitionBot]) -> None:
        lang = lang_of(interaction)
        assert interaction.guild_id is not None  # the group is guild-only
        gaps = await self.gaps.top(interaction.guild_id, GAPS_SHOWN)
        if not gaps:
            await interaction.response.send_message(t("kb.gaps.none", lang), ephemeral=True)
            return
        lines = []
        for gap in gaps:
            question = discord.utils.escape_mentions(discord.utils.escape_markdown(gap.question))
            lines.append(t("kb.gaps.line", lang, times=gap.times, question=clip(question, 200),
                           lang=gap.lang, date=day(gap.last_asked, lang)))
        description = ""
        for line in lines:
            if len(description) + len(line) + 1 > DESCRIPTION_LIMIT:
                break
            description += line + "\n"
        embed = discord.Embed(title=t("kb.gaps.title", lang), description=description,
                              colour=COLOUR)
        total = await self.gaps.count(interaction.guild_id)
        embed.set_footer(text=t("kb.gaps.footer", lang, count=total))
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(KbAdmin(bot, attach(bot)))
