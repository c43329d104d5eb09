"""How a pledge looks to its author: the receipt, a line in /pledge mine, the reminder.

Members see the pledge's number in its server (never the database id), the campaign it belongs
to, and where it stands: the latest progress they reported and any reminder they asked for.
"""

from __future__ import annotations

import discord

from bot.i18n import t
from bot.l10n import day
from bot.pledges.forms import fit
from bot.pledges.reminders import Due
from bot.pledges.store import Pledge
from bot.pledges.topics import TopicSource
from bot.regions import region_label

SNIPPET = 300
NOTE_SNIPPET = 500


def progress_label(status: str | None, lang: str) -> str:
    return t(f"pledges.progress.{status}" if status else "pledges.progress.none", lang)


def progress_text(pledge: Pledge, lang: str) -> str:
    """e.g. "In progress · 2024-06-01 · 3 updates", or "No update yet"."""
    if pledge.progress is None or pledge.progress_at is None:
        return progress_label(None, lang)
    return t("pledges.receipt.progress", lang, status=progress_label(pledge.progress, lang),
             date=day(pledge.progress_at, lang), count=pledge.progress_updates)


def campaign_text(pledge: Pledge, lang: str) -> str:
    return pledge.campaign if pledge.campaign else t("pledges.receipt.no_campaign", lang)


def receipt(pledge: Pledge, lang: str, title_key: str, topics: TopicSource, *,
            note: str | None = None, reminder: str | None = None) -> discord.Embed:
    colour = discord.Colour.green() if pledge.active else discord.Colour.dark_grey()
    embed = discord.Embed(title=t(title_key, lang, id=pledge.number), description=pledge.text,
                          colour=colour)
    embed.add_field(name=t("pledges.field.behalf", lang), value=pledge.on_behalf_of,
                    inline=False)
    embed.add_field(name=t("pledges.field.region", lang), value=region_label(pledge.region, lang))
    embed.add_field(name=t("pledges.field.topic", lang), value=topics.title(pledge.topic, lang))
    embed.add_field(name=t("pledges.field.campaign", lang), value=fit(campaign_text(pledge, lang),
                                                                      1024))
    if pledge.progress is not None:  # a new pledge has none yet: its Report progress button says so
        embed.add_field(name=t("pledges.field.progress", lang), value=progress_text(pledge, lang),
                        inline=False)
    if note:
        embed.add_field(name=t("pledges.field.note", lang), value=fit(note, NOTE_SNIPPET),
                        inline=False)
    if reminder:
        embed.add_field(name=t("pledges.field.reminder", lang),
                        value=t("pledges.receipt.reminder", lang, date=day(reminder, lang)))
    embed.set_footer(text=t("pledges.receipt.footer", lang))
    return embed


def line(pledge: Pledge, lang: str, topics: TopicSource) -> tuple[str, str]:
    """A pledge in /pledge mine: (field name, field value)."""
    status = t(f"pledges.status.{pledge.status}", lang)
    name = t("pledges.mine.item", lang, id=pledge.number, status=status,
             region=region_label(pledge.region, lang), topic=topics.title(pledge.topic, lang),
             date=day(pledge.created_at, lang))
    value = (f"{fit(pledge.on_behalf_of, 100)}: {fit(pledge.text, SNIPPET)}\n"
             f"{t('pledges.mine.progress', lang, progress=progress_text(pledge, lang))}")
    if pledge.campaign:
        value += f" · {fit(pledge.campaign, 100)}"
    return fit(name, 256), value


def reminder_embed(item: Due, lang: str, server: str) -> discord.Embed:
    """The direct message a member asked for: which pledge, and how to report on it."""
    embed = discord.Embed(title=t("pledges.reminder.title", lang, id=item.number),
                          description=fit(item.text, SNIPPET), colour=discord.Colour.blurple())
    embed.add_field(name=t("pledges.field.behalf", lang), value=fit(item.on_behalf_of, 1024))
    embed.set_footer(text=fit(t("pledges.reminder.footer", lang, id=item.number, server=server),
                              2048))
    return embed
