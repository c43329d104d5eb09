"""/mydata and /privacy: members see, copy and erase what the bot holds about them.

Scoped to the server the command is used in: each server's pledges and comments are that
server's, and a member of several servers manages each separately.
"""

from __future__ import annotations

import gzip
import io
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import CoalitionBot
from bot.errors import UserError
from bot.i18n import lang_of, t
from bot.pledges import mydata as member_data
from bot.pledges.forms import fit, guild_member
from bot.pledges.topics import TopicSource
from bot.ui import OwnedView

DESCRIPTION_LIMIT = 4096
SNIPPET = 120
PRIVACY_SECTIONS = ("what", "why", "how_long", "who", "rights")


def counts(data: member_data.MemberData, lang: str) -> dict[str, str]:
    """"3 pledges", "1 comment": the two counts most /mydata replies state."""
    return {"pledges": t("units.pledges", lang, count=len(data.pledges)),
            "comments": t("units.comments", lang, count=len(data.comments))}


class EraseView(OwnedView):
    """Delete, anonymise or cancel: nothing happens until the member picks one."""

    def __init__(self, owner_id: int, guild_id: int, lang: str, bot: CoalitionBot) -> None:
        super().__init__(owner_id, timeout=300)
        self.guild_id = guild_id
        self.lang = lang
        self.bot = bot
        self.delete.label = t("mydata.delete.button_delete", lang)
        self.anonymise.label = t("mydata.delete.button_anonymise", lang)
        self.cancel.label = t("mydata.delete.button_cancel", lang)

    async def _erase(self, interaction: discord.Interaction[Any], choice: member_data.Choice) -> None:
        done = await member_data.erase(self.bot.db, self.guild_id, interaction.user.id, choice)
        self.stop()
        pledges = "pledges_deleted" if choice == "delete" else "pledges_anonymised"
        text = t(f"mydata.delete.done_{choice}", self.lang,
                 pledges=t(f"mydata.delete.{pledges}", self.lang, count=done.pledges),
                 comments=t("mydata.delete.comments_deleted", self.lang, count=done.comments))
        await interaction.response.edit_message(content=text, embed=None, view=None)

    @discord.ui.button(custom_id="mydata:delete", style=discord.ButtonStyle.danger)
    async def delete(self, interaction: discord.Interaction[Any],
                     button: discord.ui.Button[EraseView]) -> None:
        await self._erase(interaction, "delete")

    @discord.ui.button(custom_id="mydata:anonymise", style=discord.ButtonStyle.primary)
    async def anonymise(self, interaction: discord.Interaction[Any],
                        button: discord.ui.Button[EraseView]) -> None:
        await self._erase(interaction, "anonymise")

    @discord.ui.button(custom_id="mydata:cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[Any],
                     button: discord.ui.Button[EraseView]) -> None:
        self.stop()
        await interaction.response.edit_message(
            content=t("mydata.delete.cancelled", self.lang), embed=None, view=None)


class MyData(commands.Cog):
    mydata = app_commands.Group(name="mydata", description="See, copy or erase your data here",
                                guild_only=True)

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.topics = TopicSource(bot)

    def summary(self, data: member_data.MemberData, lang: str) -> discord.Embed:
        lines = [t("mydata.show.counts", lang, **counts(data, lang))]
        items = [t("mydata.show.pledge", lang, id=p.id, status=t(f"pledges.status.{p.status}", lang),
                   text=fit(p.text.replace("\n", " "), SNIPPET)) for p in data.pledges]
        items += [t("mydata.show.comment", lang, id=c.id, topic=self.topics.title(c.topic, lang),
                    text=fit(c.text.replace("\n", " "), SNIPPET)) for c in data.comments]
        if data.moderation_count:
            lines.append(t("mydata.show.moderation", lang, **{
                kind: t(f"mydata.show.{kind}", lang, count=len(rows))
                for kind, rows in data.moderation.items()}))
        entries = sorted({int(row["entry"]) for row in data.moderation.get("kb_entries", [])})
        if entries:
            lines.append(t("mydata.show.entries_changed", lang,
                           entries=fit(", ".join(f"#{n}" for n in entries), 1000)))
        more = t("mydata.show.more", lang, count=0)
        for index, item in enumerate(items):
            if sum(len(x) + 1 for x in lines) + len(item) + len(more) + 20 > DESCRIPTION_LIMIT:
                lines.append(t("mydata.show.more", lang, count=len(items) - index))
                break
            lines.append(item)
        embed = discord.Embed(title=t("mydata.show.title", lang), description="\n".join(lines),
                              colour=discord.Colour.blurple())
        embed.set_footer(text=t("mydata.show.footer", lang))
        return embed

    @mydata.command(name="show", description="What this bot stores about you in this server")
    async def show(self, interaction: discord.Interaction[CoalitionBot]) -> None:
        guild_id, user_id = guild_member(interaction)
        lang = lang_of(interaction)
        data = await member_data.collect(self.bot.db, guild_id, user_id)
        if data.empty:
            await interaction.response.send_message(t("mydata.show.nothing", lang), ephemeral=True)
            return
        await interaction.response.send_message(embed=self.summary(data, lang), ephemeral=True)

    @mydata.command(name="export", description="A JSON file of all your data in this server")
    async def export(self, interaction: discord.Interaction[CoalitionBot]) -> None:
        guild_id, user_id = guild_member(interaction)
        lang = lang_of(interaction)
        data = await member_data.collect(self.bot.db, guild_id, user_id)
        body = member_data.export_json(data)
        name = f"my-data-{guild_id}.json"
        limit = interaction.filesize_limit
        if len(body) > limit:
            body, name = gzip.compress(body), name + ".gz"
        if len(body) > limit:
            raise UserError("mydata.export.too_large")
        await interaction.response.send_message(
            t("mydata.export.ready", lang, **counts(data, lang)),
            file=discord.File(io.BytesIO(body), filename=name), ephemeral=True)

    @mydata.command(name="delete", description="Delete or anonymise your pledges and comments")
    async def delete(self, interaction: discord.Interaction[CoalitionBot]) -> None:
        guild_id, user_id = guild_member(interaction)
        lang = lang_of(interaction)
        data = await member_data.collect(self.bot.db, guild_id, user_id)
        if not data.erasable:
            await interaction.response.send_message(t("mydata.show.nothing", lang), ephemeral=True)
            return
        await interaction.response.send_message(
            t("mydata.delete.confirm", lang, **counts(data, lang)),
            view=EraseView(user_id, guild_id, lang, self.bot), ephemeral=True)

    @app_commands.command(name="privacy", description="What this bot stores, why, and for how long")
    async def privacy(self, interaction: discord.Interaction[CoalitionBot]) -> None:
        lang = lang_of(interaction)
        embed = discord.Embed(title=t("privacy.title", lang), colour=discord.Colour.blurple())
        for section in PRIVACY_SECTIONS:
            embed.add_field(name=t(f"privacy.{section}.title", lang),
                            value=t(f"privacy.{section}.body", lang), inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(MyData(bot))
