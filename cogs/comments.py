"""/comment: members comment on knowledge-base topics, list and delete their comments.

A group (`/comment on`, `/comment mine`, `/comment delete`) because Discord does not allow a
command to be both runnable and a parent of subcommands.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import CoalitionBot
from bot.i18n import lang_of, t
from bot.l10n import day
from bot.pledges.forms import (
    PAGE_SIZE,
    Pager,
    answer_form,
    comment_modal,
    fit,
    guild_member,
    modal_custom_id,
    page_count,
    single,
    submitted_values,
)
from bot.pledges.ratelimit import SubmissionLimiter
from bot.pledges.store import Comment, CommentStore
from bot.pledges.text import COMMENT_TEXT, check_topic, checked_id, clean
from bot.pledges.topics import TopicChoice, TopicSource

SNIPPET = 300


class Comments(commands.Cog):
    comment = app_commands.Group(name="comment", description="Comment on a topic and manage your comments",
                                 guild_only=True)

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.store = CommentStore(bot.db)
        self.topics = TopicSource(bot)
        self.limiter = SubmissionLimiter()

    def topic(self, slug: str, lang: str) -> TopicChoice:
        return TopicChoice(check_topic(slug, self.topics.slugs()), self.topics.title(slug, lang))

    async def mine_page(self, guild_id: int, user_id: int, lang: str,
                        page: int) -> tuple[discord.Embed, int]:
        page = max(0, page)
        comments, total = await self.store.mine(guild_id, user_id, limit=PAGE_SIZE,
                                                offset=page * PAGE_SIZE)
        pages = page_count(total)
        embed = discord.Embed(title=t("comments.mine.title", lang, total=total),
                              colour=discord.Colour.blurple())
        for comment in comments:
            name = t("comments.mine.item", lang, id=comment.id, date=day(comment.created_at, lang),
                     topic=self.topics.title(comment.topic, lang))
            embed.add_field(name=fit(name, 256), value=fit(comment.text, SNIPPET), inline=False)
        if not comments:
            embed.description = t("comments.mine.empty", lang)
        embed.set_footer(text=t("comments.mine.footer", lang, page=page + 1, pages=pages))
        return embed, pages

    def receipt(self, comment: Comment, lang: str) -> discord.Embed:
        embed = discord.Embed(title=t("comments.receipt.title", lang, id=comment.id),
                              description=comment.text, colour=discord.Colour.green())
        embed.add_field(name=t("comments.field.topic", lang),
                        value=self.topics.title(comment.topic, lang))
        embed.set_footer(text=t("comments.receipt.footer", lang))
        return embed

    @comment.command(name="on", description="Comment on a knowledge-base topic (opens a form)")
    @app_commands.describe(topic="The topic you want to comment on")
    async def on(self, interaction: discord.Interaction[CoalitionBot], topic: str) -> None:
        guild_id, user_id = guild_member(interaction)
        self.limiter.check((guild_id, user_id))
        lang = lang_of(interaction)
        chosen = self.topic(topic, lang)
        await interaction.response.send_modal(comment_modal(lang, chosen))

    @on.autocomplete("topic")
    async def topic_autocomplete(self, interaction: discord.Interaction[CoalitionBot],
                                 current: str) -> list[app_commands.Choice[str]]:
        lang = lang_of(interaction)
        return [app_commands.Choice(name=fit(c.title, 100), value=c.slug)
                for c in self.topics.search(str(current), lang)]

    @comment.command(name="mine", description="See your comments in this server")
    async def mine(self, interaction: discord.Interaction[CoalitionBot]) -> None:
        guild_id, user_id = guild_member(interaction)
        lang = lang_of(interaction)
        embed, pages = await self.mine_page(guild_id, user_id, lang, 0)
        if pages <= 1:
            await interaction.response.send_message(embed=embed, ephemeral=True)
            return

        async def render(page: int) -> tuple[discord.Embed, int]:
            return await self.mine_page(guild_id, user_id, lang, page)

        await interaction.response.send_message(
            embed=embed, view=Pager(user_id, lang, render, pages), ephemeral=True)

    @comment.command(name="delete", description="Delete one of your comments for good")
    @app_commands.describe(id="The comment number shown on your receipt")
    async def delete(self, interaction: discord.Interaction[CoalitionBot], id: int) -> None:
        guild_id, user_id = guild_member(interaction)
        await self.store.delete(guild_id, user_id, checked_id(id, "comments.not_found"))
        await interaction.response.send_message(
            t("comments.deleted", lang_of(interaction), id=id), ephemeral=True)

    async def submit(self, interaction: discord.Interaction[Any], topic_slug: Any) -> None:
        """A comment form: validate, count against the limit, commit, and only then answer."""
        guild_id, user_id = guild_member(interaction)
        lang = lang_of(interaction)
        values = submitted_values(interaction.data)
        text = clean(values.get("comment_text"), COMMENT_TEXT)
        topic = check_topic(topic_slug, self.topics.slugs())
        self.limiter.hit((guild_id, user_id))
        try:
            comment = await self.store.create(guild_id, user_id, topic, text, lang)
        except Exception:
            self.limiter.refund((guild_id, user_id))
            raise
        await interaction.response.send_message(embed=self.receipt(comment, lang), ephemeral=True)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        custom_id = modal_custom_id(interaction) or ""
        if custom_id.startswith("comment:"):  # the topic travels in the form's id
            topic: Any = custom_id.removeprefix("comment:")
        elif custom_id == "comment":  # a form opened before the topic moved there
            topic = single(submitted_values(interaction.data).get("topic"))
        else:
            return
        await answer_form(interaction, "modal comment", lambda: self.submit(interaction, topic))


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(Comments(bot))
