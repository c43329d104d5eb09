"""The coalition's five regions, shared by resources, pledges and exports."""

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


def region_label(region: str, lang: str) -> str:
    return choice_name(region, lang, REGIONS.get(region, region))


def region_choices() -> list[app_commands.Choice[str]]:
    """English names here; the translator localizes them for fr and es clients."""
    return [app_commands.Choice(name=label, value=value) for value, label in REGIONS.items()]
