"""Direct messages in the fake: the DM channel Discord opens for a bot and one member, and
members who do not accept direct messages from the server's bots.

Discord opens a DM channel (`POST /users/@me/channels`) for any user the bot shares a server
with, and refuses only the message itself (403, code 50007) when that user has closed their
DMs; the fake does the same, so a bot's fallback for closed DMs is tested for real.
"""

from __future__ import annotations

from bot.fakediscord.state import JSON, DiscordError, deep

CHANNEL_DM = 1
CANNOT_MESSAGE_USER = 50007


class DirectMessages:
    """Mixed into FakeWorld; the DM state lives beside the servers' channels."""

    members: dict[int, dict[int, JSON]]
    messages: dict[int, list[JSON]]

    def snowflake(self) -> int:
        raise NotImplementedError

    def _dm_state(self) -> tuple[dict[int, JSON], dict[int, int], set[int]]:
        if not hasattr(self, "_dms"):
            self._dms: tuple[dict[int, JSON], dict[int, int], set[int]] = ({}, {}, set())
        return self._dms

    def close_dms(self, user_id: int, closed: bool = True) -> None:
        """The member turns off "direct messages from server members" (or back on)."""
        refusing = self._dm_state()[2]
        if closed:
            refusing.add(int(user_id))
        else:
            refusing.discard(int(user_id))

    def open_dm(self, user_id: int) -> JSON:
        """The DM channel with `user_id`, the same one every time, as Discord answers."""
        channels, by_user, _ = self._dm_state()
        user_id = int(user_id)
        if user_id in by_user:
            return deep(channels[by_user[user_id]])
        user = next((members[user_id]["user"] for members in self.members.values()
                     if user_id in members), None)
        if user is None:
            raise DiscordError(400, 50033, "Invalid Recipient(s)")
        channel_id = self.snowflake()
        channels[channel_id] = {"id": str(channel_id), "type": CHANNEL_DM, "flags": 0,
                                "recipients": [deep(user)], "last_message_id": None}
        by_user[user_id] = channel_id
        self.messages[channel_id] = []
        return deep(channels[channel_id])

    def dm_channel(self, channel_id: int) -> JSON | None:
        found = self._dm_state()[0].get(int(channel_id))
        return None if found is None else dict(found)

    def check_dm_open(self, channel_id: int) -> None:
        """Raise Discord's refusal when the channel is a DM with a member who closed DMs."""
        channel = self.dm_channel(channel_id)
        if channel is None:
            return
        recipient = int(channel["recipients"][0]["id"])
        if recipient in self._dm_state()[2]:
            raise DiscordError(403, CANNOT_MESSAGE_USER, "Cannot send messages to this user")

    def dm_messages(self, user_id: int) -> list[JSON]:
        """What the bot sent `user_id` by direct message, oldest first."""
        channel_id = self._dm_state()[1].get(int(user_id))
        return [] if channel_id is None else list(self.messages.get(channel_id, []))
