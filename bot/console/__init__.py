"""The local console: the real bot against the in-process fake Discord, driven from a terminal."""

from bot.console.session import run_console

__all__ = ["run_console"]
