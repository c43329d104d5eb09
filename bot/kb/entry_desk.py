"""The moderators' side of server entries: the form, every change, and showing an entry.

Every path (command, button, form) checks again that the person is a moderator of the server
the interaction comes from, and looks entries up in that server only: a button or form
crafted with another server's numbers finds nothing. A change is acknowledged only after it is
committed, and it reaches /ask at once (the server's index is updated before the reply).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands

from bot.errors import NotModerator, UserError
from bot.i18n import lang_of, t
from bot.kb.entries import Entry, Version, entry_number
from bot.kb.entry_index import ServerEntries
from bot.kb.entry_render import entry_embed, language_name
from bot.kb.entry_store import REVIEW_SETTING, Outcome
from bot.kb.entry_text import QUESTION_LIMIT, draft_from
from bot.kb.entry_views import MODAL_ID, entry_modal, entry_view
from bot.kb.gaps import GapStore
from bot.kb.render import clip
from bot.kb.text import fold
from bot.kb.views import member_locale
from bot.permissions import is_moderator
from bot.pledges.forms import guild_member, single, submitted_values

log = logging.getLogger(__name__)
FORM_ID = re.compile(r"kb_entry(?::(?P<number>[0-9]{1,9})|:gap:(?P<key>[0-9a-f]{16}))?")
MAX_REF = 100


async def moderator_here(interaction: discord.Interaction[Any], where: str) -> tuple[int, int]:
    """(server, moderator) for an interaction only a moderator of that server may make."""
    guild_id, user_id = guild_member(interaction)
    if not await is_moderator(interaction):
        log.warning("refused %s for user %s in guild %s", where, user_id, guild_id)
        raise NotModerator(where)
    return guild_id, user_id


async def send_entry(interaction: discord.Interaction[Any], entry: Entry, lang: str, *,
                     ephemeral: bool, topics: list[Any] | None = None,
                     entries: list[Entry] | None = None) -> None:
    await interaction.response.send_message(
        embed=entry_embed(entry, lang, locale=member_locale(interaction)),
        view=entry_view(entry, lang, topics or [], entries or []), ephemeral=ephemeral)


class EntryDesk:
    def __init__(self, bot: Any, entries: ServerEntries, gaps: GapStore) -> None:
        self.bot = bot
        self.entries = entries
        self.store = entries.store
        self.gaps = gaps

    async def review_on(self, guild_id: int) -> bool:
        value: str | None = await self.bot.guild_settings.get(guild_id, REVIEW_SETTING)
        return value == "1"

    async def resolve(self, guild_id: int, ref: str) -> Entry:
        """An entry of this server named by number ("12", "#12", autocomplete's value) or by
        its question in any language."""
        text = " ".join(str(ref).split())[:MAX_REF]
        number = entry_number(text if text.startswith("#") else f"#{text}")
        entry = None
        if number is not None:
            entry = await self.store.get(guild_id, number)
        elif text:
            folded = fold(text)
            entry = next((e for e in await self.store.active(guild_id)
                          if any(fold(x.question) == folded for x in e.texts.values())), None)
        if entry is None:
            shown = discord.utils.escape_markdown(clip(text, 60)) or "?"
            raise UserError("kb.entry.error.unknown", ref=shown)
        return entry

    # --- members ---------------------------------------------------------------------------

    async def show_entry(self, interaction: discord.Interaction[Any], number: int,
                         lang: str | None) -> None:
        guild_id, _ = guild_member(interaction)
        entry = (await self.entries.of(guild_id)).get(number)
        if entry is None:
            raise UserError("kb.entry.gone")
        await send_entry(interaction, entry, lang or lang_of(interaction), ephemeral=True)

    # --- opening the form ------------------------------------------------------------------

    async def open_add(self, interaction: discord.Interaction[Any]) -> None:
        guild_id, user_id = await moderator_here(interaction, "kb entry add")
        lang = lang_of(interaction)
        await self.store.check_room(guild_id, user_id, new=True)
        await interaction.response.send_modal(entry_modal(
            lang, custom_id=MODAL_ID, title=t("kb.form.title_add", lang), selected=lang))

    async def open_change(self, interaction: discord.Interaction[Any], ref: str,
                          target: str | None) -> None:
        """The form prefilled with one language of an entry (edit), or with the text to
        translate when that language is not written yet (translate)."""
        guild_id, user_id = await moderator_here(interaction, "kb entry edit")
        lang = lang_of(interaction)
        entry = await self.resolve(guild_id, ref)
        if entry.retired:
            raise UserError("kb.entry.error.retired", id=entry.number)
        await self.store.check_room(guild_id, user_id, new=False)
        written = [v for v in (await self.store.history(guild_id, entry.number))
                   if v.has_text and v.state != "rejected"]
        if target is None:
            target = entry.shown_lang(lang) if entry.texts else (written[-1].lang or lang)
        same = [v for v in written if v.lang == target]
        base = same[-1] if same else (written[-1] if written else None)
        key = "kb.form.title_edit" if same else "kb.form.title_translate"
        title = t(key, lang, id=entry.number, language=language_name(target, lang))
        await interaction.response.send_modal(entry_modal(
            lang, custom_id=f"{MODAL_ID}:{entry.number}", title=title, selected=target,
            prefill=base.fields() if base else None))

    async def open_gap(self, interaction: discord.Interaction[Any], key: str) -> None:
        guild_id, user_id = await moderator_here(interaction, "kb gaps answer")
        lang = lang_of(interaction)
        gap = await self.gaps.find(guild_id, key)
        if gap is None:
            raise UserError("kb.gaps.gone")
        await self.store.check_room(guild_id, user_id, new=True)
        await interaction.response.send_modal(entry_modal(
            lang, custom_id=f"{MODAL_ID}:gap:{key}", title=t("kb.form.title_gap", lang),
            selected=gap.lang, prefill={"question": clip(gap.question, QUESTION_LIMIT)}))

    # --- changes ---------------------------------------------------------------------------

    async def submit(self, interaction: discord.Interaction[Any], custom_id: str) -> None:
        """The entry form: validate, commit (published, or waiting for review), update the
        server's index, and only then answer."""
        guild_id, user_id = await moderator_here(interaction, f"modal {custom_id}")
        found = FORM_ID.fullmatch(custom_id)
        if found is None:
            raise UserError("kb.entry.unavailable")
        values = submitted_values(interaction.data)
        draft = draft_from(values, single(values.get("entry_lang")))
        gap = None
        if found["key"]:
            open_gap = await self.gaps.find(guild_id, found["key"])
            gap = open_gap.normalized if open_gap else None
        number = int(found["number"]) if found["number"] else None
        if number is not None and await self.store.get(guild_id, number) is None:
            raise UserError("kb.entry.error.not_found", id=number)
        outcome = await self.store.propose(guild_id, user_id, draft, number=number,
                                           review=await self.review_on(guild_id), gap=gap)
        await self.done(interaction, guild_id, outcome)

    async def revert(self, interaction: discord.Interaction[Any], ref: str, version: int) -> None:
        guild_id, user_id = await moderator_here(interaction, "kb entry revert")
        entry = await self.resolve(guild_id, ref)
        if not 1 <= version <= 10**9:
            raise UserError("kb.entry.error.no_version", id=entry.number, version=version)
        outcome = await self.store.revert(guild_id, user_id, entry.number, version,
                                          review=await self.review_on(guild_id))
        await self.done(interaction, guild_id, outcome)

    async def remove(self, interaction: discord.Interaction[Any], ref: str) -> None:
        guild_id, user_id = await moderator_here(interaction, "kb entry remove")
        entry = await self.resolve(guild_id, ref)
        outcome = await self.store.remove(guild_id, user_id, entry.number)
        await self.done(interaction, guild_id, outcome)

    async def done(self, interaction: discord.Interaction[Any], guild_id: int,
                   outcome: Outcome) -> None:
        """Index first, then tell the moderator what members see now."""
        lang = lang_of(interaction)
        if outcome.state == "published":
            await self.entries.refresh(guild_id, outcome.number)
        args = {"id": outcome.number, "version": outcome.version}
        if outcome.state == "pending":
            await interaction.response.send_message(t("kb.entry.waiting", lang, **args),
                                                    ephemeral=True)
            return
        if outcome.action == "remove":
            await interaction.response.send_message(t("kb.entry.removed", lang, **args),
                                                    ephemeral=True)
            return
        entry = (await self.entries.of(guild_id)).get(outcome.number)
        text = t("kb.entry.published", lang, **args)
        if outcome.gap:
            text += "\n" + t("kb.entry.gap_answered", lang)
        embed = entry_embed(entry, outcome.lang or lang) if entry else None
        if embed is None:
            await interaction.response.send_message(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, embed=embed, ephemeral=True)


def entry_choices(entries: list[Entry], waiting: dict[int, list[Version]], current: str,
                  lang: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for an `entry` option: number or words of the question, newest first
    (an entry not published yet by the question waiting for review)."""
    text = fold(" ".join(current.split()))[:MAX_REF].lstrip("#")
    found = []
    for entry in sorted(entries, key=lambda e: -e.number):
        titles = [x.question for x in entry.texts.values()]
        titles += [v.question for v in waiting.get(entry.number, []) if v.question]
        if text and not (str(entry.number).startswith(text)
                         or any(text in fold(title) for title in titles)):
            continue
        title = entry.title(lang) if entry.texts else (titles[0] if titles else "?")
        found.append(app_commands.Choice(name=clip(f"#{entry.number} · {title}", 100),
                                         value=str(entry.number)))
        if len(found) == 25:
            break
    return found
