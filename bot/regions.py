"""The coalition's five regions, shared by resources, pledges and exports.

Pledges may also be `global`: international NGOs and multi-region work belong to no one region.
Resources and feeds keep the five (their schema holds them to it).
"""

from __future__ import annotations

from typing import Literal

from discord import app_commands

from bot.i18n import choice_name

Region = Literal["americas", "africa", "asia-pacific", "europe", "mena"]
REGIONS: dict[str, str] = {
    "americas": "Americas",
    "africa": "Africa",
    "asia-pacific": "Asia and Pacific",
    "europe": "Europe",
    "mena": "Middle East and North Africa",
}

PLEDGE_REGIONS: dict[str, str] = {**REGIONS, "global": "Global (international, several regions)"}


def region_label(region: str, lang: str) -> str:
    return choice_name(region, lang, PLEDGE_REGIONS.get(region, region))


def region_choices(*, pledges: bool = False) -> list[app_commands.Choice[str]]:
    """English names here; the translator localizes them for fr and es clients."""
    regions = PLEDGE_REGIONS if pledges else REGIONS
    return [app_commands.Choice(name=label, value=value) for value, label in regions.items()]
