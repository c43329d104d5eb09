"""The framework's floor: a bare discord.py bot that only acknowledges each form submission.

With --receipt it answers with a receipt of the bot's shape instead (an embed with three fields
and a footer, two buttons), still without storing anything: the difference between the two is
what discord.py charges for building, sending and reading back such a receipt.

benchmarks/pledges_burst_process.py runs it as its own process against the same fake Discord,
with the same intents, log level and event loop as the Coalition bot, and sends it the same
modal submissions. What it costs per interaction (discord.py parsing the frame, building the
Interaction, dispatching it, one callback over aiohttp) is the least any discord.py bot pays;
the pledge burst is reported as a ratio to it.

Reads DISCORD_TOKEN, DISCORD_API_BASE, DISCORD_GATEWAY_URL and LOG_LEVEL as the bot does, and
runs on the loop the bot would (bot.loop, COALITION_UVLOOP), so a switch applies to both. It uses
none of the bot's code besides that choice. Stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

import discord
import yarl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Settings
from bot.loop import run


class FloorBot(discord.Client):
    receipt = False
    count = 0

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        if not self.receipt:
            await interaction.response.send_message("Saved.", ephemeral=True)
            return
        self.count += 1
        await interaction.response.send_message(embed=receipt(self.count), view=buttons(self.count),
                                                ephemeral=True)


def receipt(number: int) -> discord.Embed:
    """The shape of the bot's pledge receipt (benchmarks only: fixed English text)."""
    embed = discord.Embed(title=f"Pledge n° {number} saved", colour=discord.Colour.green(),
                          description="Pledge of the burst: ratify the APIC ✊")
    embed.add_field(name="On behalf of", value="Republic of Testland", inline=False)
    embed.add_field(name="Region", value="Europe")
    embed.add_field(name="Topic", value="Pledges and commitments")
    embed.set_footer(text="Edit or withdraw it with the buttons below or /pledge mine.")
    return embed


def buttons(number: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Edit", style=discord.ButtonStyle.primary,
                                    custom_id=f"pledge:edit:{number}"))
    view.add_item(discord.ui.Button(label="Withdraw", style=discord.ButtonStyle.danger,
                                    custom_id=f"pledge:withdraw:{number}"))
    view.stop()  # sent, not kept, as the bot does
    return view


async def serve() -> int:
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    intents = discord.Intents.none()
    intents.guilds = True
    client = FloorBot(intents=intents, allowed_mentions=discord.AllowedMentions.none())
    client.receipt = "--receipt" in sys.argv
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(client.close()))
    async with client:
        await client.start(os.environ["DISCORD_TOKEN"])
    return 0


def main() -> int:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    return run(serve(), use_uvloop=Settings.from_env(env_file=None).uvloop)


if __name__ == "__main__":
    raise SystemExit(main())
