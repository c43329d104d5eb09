"""Coalition Bot: a Discord bot for members of the Coalition for the International Criminal Court."""

__version__ = "0.1.0"
