"""Drive a real bot against the fake as members would: slash commands, clicks, modal forms.

Default (inject) mode feeds gateway payloads straight into discord.py's parsers after a real
`bot.login()`, about 1 ms per interaction with the full library path (tree, transformers,
checks, views, modals, HTTP). `gateway=True` runs `bot.start()` over the fake websocket instead,
for start-up, intents and reconnect tests. Either way each call returns once the bot's handler
finished, so a modal or view it registered is ready for the next call.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import Any

import discord

from bot.fakediscord.payloads import PayloadBuilder
from bot.fakediscord.reply import FakeUser, HarnessError, Reply
from bot.fakediscord.server import FakeDiscord
from bot.fakediscord.state import (
    DEFAULT_ATTACHMENT_SIZE_LIMIT,
    DEFAULT_MEMBER_PERMISSIONS,
    JSON,
    MODERATOR_PERMISSIONS,
    deep,
    walk_components,
)

# Tasks discord.py starts for one interaction (checked against discord.py 2.7.1's source:
# app_commands/tree.py, ui/view.py, ui/modal.py, client.py's dispatch).
HANDLER_TASK_PREFIXES = (
    "CommandTree-invoker", "discord-ui-view-dispatch-", "discord-ui-modal-dispatch-",
    "discord-ui-dynamic-item-", "discord.py: on_interaction",
    "discord.py: on_app_command_completion",
)


class Harness:
    def __init__(self, fake: FakeDiscord, bot: discord.Client, *, token: str = "fake-bot-token",  # noqa: S107
                 gateway: bool = False, timeout: float = 10.0,
                 attachment_size_limit: int = DEFAULT_ATTACHMENT_SIZE_LIMIT,
                 task_prefixes: tuple[str, ...] = HANDLER_TASK_PREFIXES) -> None:
        self.fake = fake
        self.bot = bot
        self.token = token
        self.gateway = gateway
        self.timeout = timeout
        self.task_prefixes = task_prefixes
        self.payloads = PayloadBuilder(fake, bot, attachment_size_limit)
        self.users: dict[int, FakeUser] = {}
        self._default_users: dict[int | None, FakeUser] = {}
        self._runner: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        self.fake.point_discord_py_here()
        # 2 s per start otherwise; 0 would skip on_guild_available.
        self.bot._connection.guild_ready_timeout = 0.01
        if self.gateway:
            await self._start_gateway()
            return
        await self.bot.login(self.token)
        parsers = self.bot._connection.parsers
        parsers["READY"](self.fake.ready_payload(secrets.token_hex(16), self.fake.gateway_url))
        for guild_id in self.fake.guilds:
            parsers["GUILD_CREATE"](self.fake.guild_create_payload(guild_id))
        await asyncio.wait_for(self.bot.wait_until_ready(), self.timeout)
        self.fake.add_sink(self._sink)

    async def _start_gateway(self) -> None:
        runner = asyncio.create_task(self.bot.start(self.token), name="fakediscord-bot-runner")
        self._runner = runner
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        while not self.bot.is_ready():
            if runner.done():
                runner.result()
                raise HarnessError("bot.start() returned before the bot was ready")
            if loop.time() > deadline:
                raise HarnessError(f"the bot was not ready within {self.timeout} s")
            await asyncio.sleep(0.005)

    async def close(self) -> None:
        self.fake.remove_sink(self._sink)
        try:
            await self.wait_idle()
        finally:
            await self.bot.close()
            if self._runner is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._runner, self.timeout)

    def _sink(self, event: str, data: JSON, intent: int) -> None:
        """Changes made to the fake after start reach an injected bot like gateway events."""
        if intent and not self.bot.intents.value & intent:
            return
        parser = self.bot._connection.parsers.get(event)
        if parser is not None:
            parser(deep(data))

    # -- people ---------------------------------------------------------------------------------
    def member(self, guild_id: int, name: str = "member", *, permissions: int | None = None,
               roles: list[int] | tuple[int, ...] = (), nick: str | None = None,
               locale: str = "en-US", user_id: int | None = None) -> FakeUser:
        """A member of `guild_id`; without `permissions`, @everyone's plus their roles'."""
        if permissions is None:
            permissions = DEFAULT_MEMBER_PERMISSIONS
            for role_id in roles:
                permissions |= int(self.fake.role(guild_id, role_id)["permissions"])
        member = self.fake.add_member(guild_id, name, user_id=user_id, roles=list(roles),
                                      nick=nick)
        member["permissions"] = str(permissions)
        user = FakeUser(int(member["user"]["id"]), name, guild_id, permissions, list(roles),
                        nick, locale)
        self.users[user.id] = user
        return user

    def moderator(self, guild_id: int, name: str = "moderator", **kwargs: Any) -> FakeUser:
        """A member with Manage Server (and Manage Messages), as a server's moderators have."""
        kwargs.setdefault("permissions", MODERATOR_PERMISSIONS)
        return self.member(guild_id, name, **kwargs)

    def _user(self, user: FakeUser | None, guild_id: int | None) -> FakeUser:
        if user is not None:
            return user
        if guild_id not in self._default_users:
            self._default_users[guild_id] = (
                self.member(guild_id, "member") if guild_id is not None
                else FakeUser(self.fake.snowflake(), "someone", None, DEFAULT_MEMBER_PERMISSIONS))
        return self._default_users[guild_id]

    def _guild(self, guild_id: int | None, user: FakeUser | None) -> int | None:
        if guild_id is not None:
            return guild_id
        if user is not None:
            return user.guild_id
        if len(self.fake.guilds) == 1:
            return next(iter(self.fake.guilds))
        raise HarnessError("say which guild_id (the fake has several or none)")

    # -- interactions ---------------------------------------------------------------------------
    def slash_payload(self, name: str, options: dict[str, Any] | None = None, *,
                      user: FakeUser | None = None, guild_id: int | None = None,
                      channel_id: int | None = None, locale: str | None = None,
                      guild_locale: str | None = None, app_permissions: int | None = None,
                      focused: str | None = None, check: bool = True) -> JSON:
        """The INTERACTION_CREATE a member's `/name options` would produce (type 2, or 4 when
        `focused` names the option being typed)."""
        guild = self._guild(guild_id, user)
        who = self._user(user, guild)
        payload = self.payloads.envelope(
            2 if focused is None else 4, who, guild_id=guild, channel_id=channel_id,
            locale=locale or who.locale, guild_locale=guild_locale,
            app_permissions=app_permissions)
        payload["data"] = self.payloads.command_data(name, dict(options or {}), who, guild,
                                                     focused=focused, check=check)
        return payload

    async def slash(self, name: str, options: dict[str, Any] | None = None, *,
                    user: FakeUser | None = None, guild_id: int | None = None,
                    channel_id: int | None = None, locale: str | None = None,
                    guild_locale: str | None = None, app_permissions: int | None = None,
                    check: bool = True) -> Reply:
        """Run `/name` (e.g. "pledge make") with `options` keyed by parameter name."""
        return await self.raw_interaction(self.slash_payload(
            name, options, user=user, guild_id=guild_id, channel_id=channel_id, locale=locale,
            guild_locale=guild_locale, app_permissions=app_permissions, check=check))

    async def autocomplete(self, name: str, options: dict[str, Any], *, focused: str,
                           user: FakeUser | None = None, guild_id: int | None = None,
                           channel_id: int | None = None, locale: str | None = None,
                           guild_locale: str | None = None) -> list[JSON]:
        """The choices the bot offers while `focused` is being typed."""
        reply = await self.raw_interaction(self.slash_payload(
            name, options, user=user, guild_id=guild_id, channel_id=channel_id, locale=locale,
            guild_locale=guild_locale, focused=focused))
        if reply.choices is None:
            raise HarnessError(f"/{name}: no autocomplete answer (callback {reply.callback_type})")
        return reply.choices

    async def click(self, target: Reply | JSON, custom_id: str, *, user: FakeUser | None = None,
                    values: list[Any] | None = None, locale: str | None = None,
                    check: bool = True) -> Reply:
        """Press a button or pick `values` in a select on a message the bot sent."""
        message, _ = self._locate(target, custom_id)
        stored = self.fake.get_message(int(message["id"]))
        if stored is None:
            raise HarnessError(f"message {message['id']} was deleted")
        current = [c for c in walk_components(stored["components"])
                   if c.get("custom_id") == custom_id]
        if not current:
            raise HarnessError(f"{custom_id!r} is no longer on message {message['id']}")
        component = current[0]
        guild_id = int(stored["guild_id"]) if stored.get("guild_id") else None
        who = user or self._origin_user(target) or self._user(None, guild_id)
        payload = self.payloads.envelope(
            3, who, guild_id=guild_id, channel_id=int(stored["channel_id"]),
            locale=locale or who.locale, guild_locale=None, app_permissions=None)
        payload["message"] = deep(stored)
        payload["data"] = self.payloads.component_data(component, values, guild_id, check=check)
        return await self.raw_interaction(payload)

    async def submit_modal(self, target: Reply, values: dict[str, Any], *,
                           user: FakeUser | None = None, locale: str | None = None,
                           check: bool = True) -> Reply:
        """Fill and submit the modal `target` opened; `values` by field custom_id (text for
        text inputs, lists for selects, [(filename, bytes)] for file uploads)."""
        if target.modal is None:
            raise HarnessError(f"that reply opened no modal (callback {target.callback_type})")
        origin = target.interaction
        guild_id = int(origin["guild_id"]) if origin.get("guild_id") else None
        who = user or self._origin_user(target) or self._user(None, guild_id)
        payload = self.payloads.envelope(
            5, who, guild_id=guild_id, channel_id=int(origin["channel_id"]),
            locale=locale or who.locale, guild_locale=origin.get("guild_locale"),
            app_permissions=None)
        resolved: JSON = {}
        components = self.payloads.modal_components(target.modal, values, guild_id, resolved,
                                                    check=check)
        payload["data"] = {"custom_id": target.modal["custom_id"], "components": components}
        if resolved:
            payload["data"]["resolved"] = resolved
        if isinstance(origin.get("message"), dict):
            current = self.fake.get_message(int(origin["message"]["id"]))
            payload["message"] = deep(current or origin["message"])
        return await self.raw_interaction(payload)

    def _locate(self, target: Reply | JSON, custom_id: str) -> tuple[JSON, JSON]:
        if isinstance(target, Reply):
            return target.find_component(custom_id)
        current = self.fake.get_message(int(target["id"])) or target
        holder = Reply(interaction={}, callback_type=None, message=current, followups=[],
                       edits=[], files=[], choices=None, modal=None, rejections=[])
        return holder.find_component(custom_id)

    def _origin_user(self, target: Reply | JSON) -> FakeUser | None:
        user_id = target.user_id if isinstance(target, Reply) else None
        return self.users.get(user_id) if user_id is not None else None

    async def raw_interaction(self, payload: JSON) -> Reply:
        """Deliver any INTERACTION_CREATE payload (hand-crafted ones included) and collect the
        bot's answer once its handler finished."""
        if self.gateway:
            await self.fake.dispatch("INTERACTION_CREATE", payload)
            record = self.fake.interactions[int(payload["id"])]
            await self.fake.gateway.barrier(self.timeout)
            await self.wait_idle()
            return Reply.from_record(record, self.fake)
        record = self.fake.register_interaction(payload)
        before = asyncio.all_tasks()
        self.bot._connection.parsers["INTERACTION_CREATE"](payload)
        started = asyncio.all_tasks() - before
        if started:
            _, pending = await asyncio.wait(started, timeout=self.timeout)
            if pending:
                raise HarnessError(f"handler still running after {self.timeout} s: "
                                   f"{sorted(t.get_name() for t in pending)}")
            for task in started:
                error = None if task.cancelled() else task.exception()
                if error is not None:
                    raise error
        await self.wait_idle()
        return Reply.from_record(record, self.fake)

    async def wait_idle(self, timeout: float | None = None) -> None:
        """Wait until no interaction handler task (see HANDLER_TASK_PREFIXES) is running."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (timeout if timeout is not None else self.timeout)
        current = asyncio.current_task()
        while True:
            busy = [t for t in asyncio.all_tasks()
                    if t is not current and not t.done()
                    and t.get_name().startswith(self.task_prefixes)]
            if not busy:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise HarnessError(f"still busy: {sorted(t.get_name() for t in busy)}")
            await asyncio.wait(busy, timeout=remaining)
