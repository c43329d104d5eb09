"""What moderators read and decide on: the unanswered questions, the changes waiting for a
second moderator, the list of entries and an entry's history.

The desk in bot.kb.entry_desk makes the changes; this adds the lists and decisions on top of
it, with the same rule: a moderator of the server the click comes from, that server's rows only.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import UserError
from bot.i18n import lang_of, t
from bot.kb.entries import Version
from bot.kb.entry_desk import EntryDesk, moderator_here
from bot.kb.entry_render import COLOUR, entry_line, history_embed, pending_embed
from bot.kb.entry_views import gaps_view, review_view
from bot.kb.gaps import Gap
from bot.kb.render import DESCRIPTION_LIMIT, clip
from bot.l10n import day
from bot.pledges.forms import Pager, page_count

GAPS_SHOWN = 25
ENTRIES_PER_PAGE = 15


def waiting_by_entry(versions: list[Version]) -> dict[int, list[Version]]:
    found: dict[int, list[Version]] = {}
    for version in versions:
        found.setdefault(version.entry_number, []).append(version)
    return found


class EntryBoard(EntryDesk):
    # --- unanswered questions --------------------------------------------------------------

    def gaps_embed(self, gaps: list[Gap], total: int, lang: str) -> discord.Embed:
        lines = []
        for index, gap in enumerate(gaps, 1):
            question = discord.utils.escape_mentions(discord.utils.escape_markdown(gap.question))
            lines.append(f"`{index}.` " + t("kb.gaps.line", lang, times=gap.times,
                                            question=clip(question, 200), lang=gap.lang,
                                            date=day(gap.last_asked, lang)))
        description = ""
        for line in lines:
            if len(description) + len(line) + 1 > DESCRIPTION_LIMIT:
                break
            description += line + "\n"
        embed = discord.Embed(title=t("kb.gaps.title", lang), description=description,
                              colour=COLOUR)
        embed.set_footer(text=t("kb.gaps.footer", lang, count=total) + " "
                         + t("kb.gaps.buttons", lang))
        return embed

    async def gaps_page(self, guild_id: int, lang: str) -> tuple[str | None, dict[str, Any]]:
        """(text, message parts) for /kb gaps: the list with its buttons, or that it is empty."""
        gaps = await self.gaps.top(guild_id, GAPS_SHOWN)
        if not gaps:
            return t("kb.gaps.none", lang), {"embed": None, "view": None}
        total = await self.gaps.count(guild_id)
        return None, {"embed": self.gaps_embed(gaps, total, lang),
                      "view": gaps_view(gaps, lang)}

    async def show_gaps(self, interaction: discord.Interaction[Any]) -> None:
        guild_id, _ = await moderator_here(interaction, "kb gaps")
        text, parts = await self.gaps_page(guild_id, lang_of(interaction))
        if text is not None:
            await interaction.response.send_message(text, ephemeral=True)
        else:
            await interaction.response.send_message(ephemeral=True, **parts)

    async def dismiss_gap(self, interaction: discord.Interaction[Any], key: str) -> None:
        """Dismiss one question and show the list again without it."""
        guild_id, user_id = await moderator_here(interaction, "kb gaps dismiss")
        lang = lang_of(interaction)
        gap = await self.gaps.find(guild_id, key)
        if gap is None:
            raise UserError("kb.gaps.gone")
        await self.gaps.dismiss(guild_id, gap.normalized, user_id)
        text, parts = await self.gaps_page(guild_id, lang)
        done = t("kb.gaps.dismissed", lang, question=discord.utils.escape_markdown(
            clip(gap.question, 100)))
        await interaction.response.edit_message(
            content=done + ("\n" + text if text else ""), **parts)

    # --- review ----------------------------------------------------------------------------

    async def pending_page(self, guild_id: int, lang: str) -> dict[str, Any] | None:
        """The oldest waiting change with its diff and buttons, or None when none waits."""
        waiting = await self.store.pending(guild_id)
        if not waiting:
            return None
        version = waiting[0]
        entry = await self.store.get(guild_id, version.entry_number)
        current = None
        if entry is not None and version.lang in entry.texts:
            text = entry.texts[version.lang]
            current = {"question": text.question, "answer": text.answer,
                       "keywords": text.keywords, "source": text.source}
        return {"embed": pending_embed(version, current, lang, len(waiting) - 1),
                "view": review_view(version.entry_number, version.version, lang)}

    async def show_pending(self, interaction: discord.Interaction[Any]) -> None:
        guild_id, _ = await moderator_here(interaction, "kb pending")
        lang = lang_of(interaction)
        page = await self.pending_page(guild_id, lang)
        if page is None:
            await interaction.response.send_message(self.nothing_waiting(lang), ephemeral=True)
        else:
            await interaction.response.send_message(ephemeral=True, **page)

    def nothing_waiting(self, lang: str) -> str:
        return t("kb.pending.none", lang)

    async def review(self, interaction: discord.Interaction[Any], action: str, number: int,
                     version: int) -> None:
        """Approve or reject one waiting change, then show the next one in its place."""
        guild_id, user_id = await moderator_here(interaction, f"kb review {action}")
        lang = lang_of(interaction)
        if action == "approve":
            outcome = await self.store.approve(guild_id, user_id, number, version)
            await self.entries.refresh(guild_id, number)
        else:
            outcome = await self.store.reject(guild_id, user_id, number, version)
        done = t(f"kb.review.{outcome.state}", lang, id=number, version=version)
        page = await self.pending_page(guild_id, lang)
        if page is None:
            await interaction.response.edit_message(
                content=done + "\n" + self.nothing_waiting(lang), embed=None, view=None)
        else:
            await interaction.response.edit_message(content=done, **page)

    # --- lists -----------------------------------------------------------------------------

    async def show_entries(self, interaction: discord.Interaction[Any]) -> None:
        """Every entry of this server, the languages each lacks, and what waits for review."""
        guild_id, user_id = await moderator_here(interaction, "kb entries")
        lang = lang_of(interaction)
        entries = await self.store.active(guild_id)
        if not entries:
            await interaction.response.send_message(t("kb.entries.none", lang), ephemeral=True)
            return
        waiting = waiting_by_entry(await self.store.pending(guild_id))
        lines = [entry_line(e, lang, waiting.get(e.number, [])) for e in entries]
        pages = page_count(len(lines), ENTRIES_PER_PAGE)

        async def render(page: int) -> tuple[discord.Embed, int]:
            page = max(0, min(page, pages - 1))
            chunk = lines[page * ENTRIES_PER_PAGE:(page + 1) * ENTRIES_PER_PAGE]
            embed = discord.Embed(title=t("kb.entries.title", lang, count=len(entries)),
                                  description=clip("\n".join(chunk), DESCRIPTION_LIMIT),
                                  colour=COLOUR)
            embed.set_footer(text=t("kb.entries.footer", lang, page=page + 1, pages=pages))
            return embed, pages

        embed, _ = await render(0)
        if pages == 1:
            await interaction.response.send_message(embed=embed, ephemeral=True)
            return
        await interaction.response.send_message(embed=embed, ephemeral=True,
                                                view=Pager(user_id, lang, render, pages))

    async def show_history(self, interaction: discord.Interaction[Any], ref: str) -> None:
        guild_id, _ = await moderator_here(interaction, "kb entry history")
        entry = await self.resolve(guild_id, ref)
        versions: list[Version] = await self.store.history(guild_id, entry.number)
        await interaction.response.send_message(
            embed=history_embed(entry, versions, lang_of(interaction)), ephemeral=True)
