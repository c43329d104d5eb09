"""What the commands tell a moderator when a URL, a field or a feed is refused."""

from __future__ import annotations

from bot.errors import UserError
from bot.resources.feeds import FeedRefused
from bot.resources.fetch import FeedError
from bot.resources.text import InvalidField
from bot.resources.urls import MAX_URL_LENGTH, InvalidURL

Refusal = InvalidURL | InvalidField | FeedError | FeedRefused


def user_error(exc: Refusal) -> UserError:
    """The catalogue key is the exception's reason under its family's prefix."""
    if isinstance(exc, InvalidURL):
        if exc.reason == "too_long":
            return UserError("resources.url.too_long", count=MAX_URL_LENGTH)
        return UserError(f"resources.url.{exc.reason}")
    if isinstance(exc, InvalidField):
        return UserError(f"resources.field.{exc.reason}", **exc.details)
    if isinstance(exc, FeedRefused):
        return UserError(f"feeds.refused.{exc.reason}")
    return UserError(f"feeds.error.{exc.reason}", detail=exc.detail[:100])
