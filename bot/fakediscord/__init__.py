"""A fake Discord on 127.0.0.1 and a harness that drives the real bot against it.

`FakeDiscord` serves REST and the gateway the way discord.py 2.7 expects; `Harness` acts as
members (slash commands, clicks, modals) and returns a `Reply` per interaction.
"""

from bot.fakediscord.harness import HANDLER_TASK_PREFIXES, Harness
from bot.fakediscord.records import InteractionRecord, RecordedRequest, Rejection
from bot.fakediscord.reply import FakeUser, HarnessError, Reply
from bot.fakediscord.server import FakeDiscord

__all__ = [
    "HANDLER_TASK_PREFIXES",
    "FakeDiscord",
    "FakeUser",
    "Harness",
    "HarnessError",
    "InteractionRecord",
    "RecordedRequest",
    "Rejection",
    "Reply",
]
