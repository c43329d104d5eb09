"""INTERACTION_CREATE payloads as Discord builds them, from the bot's own command tree.

Discord validates what a user can send before the bot sees it (required options, choices,
ranges, who may see a command); discord.py does not. The builder applies the same rules, so a
test cannot pass by sending what no member could, unless it says so (`check=False`, or a
hand-written payload through `Harness.raw_interaction`).
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.fakediscord.reply import FakeUser, HarnessError
from bot.fakediscord.state import DEFAULT_MEMBER_PERMISSIONS, JSON, DiscordError, deep
from bot.fakediscord.world import FakeWorld

SNOWFLAKE_TYPES = (6, 7, 8, 9, 11)
ADMINISTRATOR = discord.Permissions(administrator=True).value


class PayloadBuilder:
    def __init__(self, world: FakeWorld, bot: discord.Client, attachment_size_limit: int) -> None:
        self.world = world
        self.bot = bot
        self.attachment_size_limit = attachment_size_limit
        # The bot's own permissions in interactions: what @everyone has, unless a test says.
        self.app_permissions = DEFAULT_MEMBER_PERMISSIONS
        self._command_ids: dict[tuple[int | None, str], str] = {}

    @property
    def tree(self) -> app_commands.CommandTree[Any]:
        tree: app_commands.CommandTree[Any] = getattr(self.bot, "tree")  # noqa: B009
        return tree

    # -- common envelope ------------------------------------------------------------------------
    def envelope(self, kind: int, user: FakeUser, *, guild_id: int | None,
                 channel_id: int | None, locale: str, guild_locale: str | None,
                 app_permissions: int | None) -> JSON:
        payload: JSON = {
            "id": str(self.world.snowflake()), "application_id": str(self.world.application_id),
            "type": kind, "token": self.world.new_token(), "version": 1, "locale": locale,
            "entitlements": [], "attachment_size_limit": self.attachment_size_limit,
            "app_permissions": str(app_permissions if app_permissions is not None
                                   else self.app_permissions),
        }
        if guild_id is None:
            payload.update(user=user.user_payload(), context=1,
                           authorizing_integration_owners={"0": "0"})
            cid = channel_id or self.world.snowflake()
            payload["channel_id"] = str(cid)
            payload["channel"] = {"id": str(cid), "type": 1, "recipients": [user.user_payload()],
                                  "flags": 0, "last_message_id": None}
            return payload
        guild = self.world.guild(guild_id)
        cid = channel_id if channel_id is not None else self.default_channel(guild_id)
        channel = self.world.channel(cid)
        channel["permissions"] = str(user.permissions)
        payload.update(
            guild_id=str(guild_id), channel_id=str(cid), channel=channel,
            guild={"id": str(guild_id), "locale": guild["preferred_locale"], "features": []},
            guild_locale=guild_locale or guild["preferred_locale"],
            member=user.member_payload(), context=0,
            authorizing_integration_owners={"0": str(guild_id)},
        )
        return payload

    def default_channel(self, guild_id: int) -> int:
        for channel in self.world.guild(guild_id)["channels"]:
            if channel["type"] in (0, 5):
                return int(channel["id"])
        raise HarnessError(f"guild {guild_id} has no text channel: add one with add_channel()")

    # -- application commands -------------------------------------------------------------------
    def find(self, qualified: str, guild_id: int | None
             ) -> tuple[list[str], app_commands.Command[Any, ..., Any], bool]:
        parts = qualified.split()
        if not parts:
            raise HarnessError("empty command name")
        root: Any = None
        in_guild = False
        if guild_id is not None:
            root = self.tree.get_command(parts[0], guild=discord.Object(guild_id))
            in_guild = root is not None
        if root is None:
            root = self.tree.get_command(parts[0])
        for part in parts[1:]:
            if not isinstance(root, app_commands.Group):
                raise HarnessError(f"{qualified!r}: {root!r} has no subcommands")
            root = root.get_command(part)
        if not isinstance(root, app_commands.Command):
            raise HarnessError(f"no slash command {qualified!r} in the bot's tree")
        return parts, root, in_guild

    def command_id(self, name: str, guild_id: int | None, in_guild: bool) -> str:
        scope = guild_id if in_guild else None
        for command in self.world.commands.get(scope, []):
            if command["name"] == name and command.get("type", 1) == 1:
                return str(command["id"])
        key = (scope, name)
        if key not in self._command_ids:
            self._command_ids[key] = str(self.world.snowflake())
        return self._command_ids[key]

    def command_data(self, qualified: str, options: dict[str, Any], user: FakeUser,
                     guild_id: int | None, *, focused: str | None, check: bool) -> JSON:
        parts, command, in_guild = self.find(qualified, guild_id)
        spec = command.to_dict(self.tree)
        root_spec = command.root_parent.to_dict(self.tree) if command.root_parent else spec
        if check:
            self._check_access(qualified, root_spec, user, guild_id)
        resolved: JSON = {}
        leaf = self._options(command, spec, options, guild_id, resolved, focused=focused,
                             check=check)
        for depth in range(len(parts) - 1, 0, -1):
            kind = 1 if depth == len(parts) - 1 else 2  # the last word is the subcommand
            leaf = [{"type": kind, "name": parts[depth], "options": leaf}]
        data: JSON = {"id": self.command_id(parts[0], guild_id, in_guild), "name": parts[0],
                      "type": 1, "options": leaf}
        if in_guild:
            data["guild_id"] = str(guild_id)
        if resolved:
            data["resolved"] = resolved
        return data

    @staticmethod
    def _check_access(qualified: str, root: JSON, user: FakeUser, guild_id: int | None) -> None:
        if guild_id is None and (root.get("dm_permission") is False
                                 or 1 not in (root.get("contexts") or [0, 1, 2])):
            raise HarnessError(f"/{qualified} is not available in DMs")
        needed = root.get("default_member_permissions")
        if guild_id is not None and needed is not None:
            needed = int(needed)
            if not user.permissions & ADMINISTRATOR and user.permissions & needed != needed:
                raise HarnessError(
                    f"Discord hides /{qualified} from {user.name} (needs permissions {needed}); "
                    "use check=False or raw_interaction() for a crafted call")

    def _options(self, command: app_commands.Command[Any, ..., Any], spec: JSON,
                 given: dict[str, Any], guild_id: int | None, resolved: JSON, *,
                 focused: str | None, check: bool) -> list[JSON]:
        by_name = {str(o["name"]): o for o in spec.get("options") or []}
        aliases = {p.name: p.display_name for p in command.parameters}
        out: list[JSON] = []
        for key, value in given.items():
            name = aliases.get(key, key)
            option = by_name.get(name)
            if option is None:
                raise HarnessError(f"/{command.qualified_name} has no option {key!r}; "
                                   f"it has {sorted(by_name)}")
            is_focused = focused is not None and aliases.get(focused, focused) == name
            if is_focused:
                if check and not option.get("autocomplete"):
                    raise HarnessError(f"option {name!r} has no autocomplete")
                out.append({"type": option["type"], "name": name, "value": value,
                            "focused": True})
                continue
            json_value = self._value(option, value, guild_id, resolved)
            if check:
                _check_value(command.qualified_name, option, json_value, self.world, guild_id)
            out.append({"type": option["type"], "name": name, "value": json_value})
        if check and focused is None:
            missing = [n for n, o in by_name.items()
                       if o.get("required") and n not in {x["name"] for x in out}]
            if missing:
                raise HarnessError(f"/{command.qualified_name} requires {missing}")
        return out

    def _value(self, option: JSON, value: Any, guild_id: int | None, resolved: JSON) -> Any:
        kind = int(option["type"])
        if kind not in SNOWFLAKE_TYPES:
            expected = {3: (str,), 4: (int,), 5: (bool,), 10: (int, float)}[kind]
            if isinstance(value, bool) != (kind == 5) or not isinstance(value, expected):
                raise HarnessError(f"option {option['name']!r} needs a {expected[0].__name__}, "
                                   f"got {value!r}")
            return value
        if kind == 11:
            return self._attachment(value, resolved)
        snowflake = int(getattr(value, "id", value))
        if kind in (6, 9) and self._resolve_user(snowflake, guild_id, resolved):
            return str(snowflake)
        try:
            if kind in (8, 9) and guild_id is not None:
                role = self.world.role(guild_id, snowflake)
                resolved.setdefault("roles", {})[str(snowflake)] = role
                return str(snowflake)
            if kind == 7:
                channel = self.world.channel(snowflake)
                channel["permissions"] = str(DEFAULT_MEMBER_PERMISSIONS)
                resolved.setdefault("channels", {})[str(snowflake)] = channel
                return str(snowflake)
        except DiscordError:
            pass
        raise HarnessError(f"option {option['name']!r}: the fake knows no {value!r} to resolve")

    def _resolve_user(self, user_id: int, guild_id: int | None, resolved: JSON) -> bool:
        members = self.world.members.get(guild_id or 0, {})
        member = members.get(user_id)
        if member is None:
            for guild_members in self.world.members.values():
                if user_id in guild_members:
                    resolved.setdefault("users", {})[str(user_id)] = deep(
                        guild_members[user_id]["user"])
                    return True
            return False
        resolved.setdefault("users", {})[str(user_id)] = deep(member["user"])
        partial = {k: v for k, v in deep(member).items() if k not in ("user", "deaf", "mute")}
        partial.setdefault("permissions", str(member.get("permissions", "0")))
        resolved.setdefault("members", {})[str(user_id)] = partial
        return True

    def _attachment(self, value: Any, resolved: JSON) -> str:
        if isinstance(value, discord.File):
            filename, content = value.filename or "file", value.fp.read()
        elif isinstance(value, tuple) and len(value) == 2:
            filename, content = str(value[0]), bytes(value[1])
        else:
            raise HarnessError(f"an attachment is (filename, bytes), got {value!r}")
        attachment_id = self.world.snowflake()
        self.world.attachments[attachment_id] = (filename, content)
        url = f"{self.world.base_url}/attachments/0/{attachment_id}/{filename}"
        resolved.setdefault("attachments", {})[str(attachment_id)] = {
            "id": str(attachment_id), "filename": filename, "size": len(content), "url": url,
            "proxy_url": url, "content_type": "application/octet-stream", "ephemeral": True}
        return str(attachment_id)

    # -- components and modals ------------------------------------------------------------------
    def component_data(self, component: JSON, values: list[Any] | None, guild_id: int | None,
                       *, check: bool) -> JSON:
        kind = int(component["type"])
        if check and component.get("disabled"):
            raise HarnessError(f"component {component.get('custom_id')!r} is disabled")
        data: JSON = {"custom_id": component["custom_id"], "component_type": kind}
        if kind == 2:
            return data
        chosen = list(values or [])
        if check:
            _check_select(component, chosen)
        resolved: JSON = {}
        data["values"] = [self._select_value(kind, v, guild_id, resolved) for v in chosen]
        if resolved:
            data["resolved"] = resolved
        return data

    def _select_value(self, kind: int, value: Any, guild_id: int | None, resolved: JSON) -> str:
        if kind == 3:
            return str(value)
        option_type = {5: 6, 6: 8, 7: 9, 8: 7}[kind]
        return str(self._value({"type": option_type, "name": "select"}, value, guild_id,
                               resolved))

    def modal_components(self, modal: JSON, values: dict[str, Any], guild_id: int | None,
                         resolved: JSON, *, check: bool) -> list[JSON]:
        unused = set(values)
        out: list[JSON] = []
        for component in modal.get("components") or []:
            kind = component.get("type")
            if kind == 1:
                children = [self._submitted(c, values, unused, guild_id, resolved, check=check)
                            for c in component.get("components") or []]
                out.append(_with_id({"type": 1, "components": children}, component))
            elif kind == 18:
                child = self._submitted(component["component"], values, unused, guild_id,
                                        resolved, check=check)
                out.append(_with_id({"type": 18, "component": child}, component))
            elif kind == 10:
                out.append(_with_id({"type": 10}, component))
        if unused:
            raise HarnessError(f"the modal has no fields {sorted(unused)}")
        return out

    def _submitted(self, component: JSON, values: dict[str, Any], unused: set[str],
                   guild_id: int | None, resolved: JSON, *, check: bool) -> JSON:
        custom_id = str(component.get("custom_id"))
        unused.discard(custom_id)
        kind = int(component["type"])
        given = values.get(custom_id)
        out = _with_id({"type": kind, "custom_id": custom_id}, component)
        if kind == 4:
            text = str(given if given is not None else component.get("value") or "")
            if check:
                _check_text_input(component, text)
            out["value"] = text
        elif kind in (3, 5, 6, 7, 8):
            chosen = _select_defaults(component) if given is None else list(given)
            out.update(self.component_data(component, chosen, guild_id, check=check))
            out.pop("component_type", None)
            for key, table in out.pop("resolved", {}).items():
                resolved.setdefault(key, {}).update(table)
        elif kind == 19:
            files = list(given or [])
            out["values"] = [self._attachment(f, resolved) for f in files]
        elif kind == 21:
            out["value"] = given
        elif kind == 22:
            out["values"] = list(given or [])
        elif kind == 23:
            out["value"] = bool(given)
        else:
            raise HarnessError(f"the harness cannot fill modal component type {kind}")
        return out


def _with_id(out: JSON, component: JSON) -> JSON:
    if "id" in component:
        out["id"] = component["id"]
    return out


def _check_value(command: str, option: JSON, value: Any, world: FakeWorld,
                 guild_id: int | None) -> None:
    name = option["name"]
    choices = option.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise HarnessError(f"/{command} {name}={value!r} is not one of the choices")
    low, high = option.get("min_value"), option.get("max_value")
    if (low is not None and value < low) or (high is not None and value > high):
        raise HarnessError(f"/{command} {name}={value!r} is outside {low}..{high}")
    if isinstance(value, str) and option["type"] == 3 and not (
            (option.get("min_length") or 0) <= len(value) <= (option.get("max_length") or 6000)):
        raise HarnessError(f"/{command} {name}: length {len(value)} is out of range")
    channel_types = option.get("channel_types")
    if (option["type"] == 7 and channel_types
            and world.channel(int(value))["type"] not in channel_types):
        raise HarnessError(f"/{command} {name}: channel type not allowed {channel_types}")


def _select_defaults(component: JSON) -> list[Any]:
    """What the Discord client submits for an untouched select: its pre-selected values."""
    if component.get("type") == 3:
        return [o["value"] for o in component.get("options") or [] if o.get("default")]
    return [int(v["id"]) for v in component.get("default_values") or []]


def _check_select(component: JSON, chosen: list[Any]) -> None:
    low = component.get("min_values", 1)
    high = component.get("max_values", 1)
    if not low <= len(chosen) <= high:
        raise HarnessError(f"select {component.get('custom_id')!r} takes {low}..{high} values")
    if component.get("type") == 3:
        allowed = [o["value"] for o in component.get("options") or []]
        bad = [v for v in chosen if v not in allowed]
        if bad:
            raise HarnessError(f"select {component.get('custom_id')!r} has no options {bad}")


def _check_text_input(component: JSON, text: str) -> None:
    required = component.get("required", True)
    if required and not text:
        raise HarnessError(f"text input {component.get('custom_id')!r} is required")
    low = component.get("min_length") or 0
    high = component.get("max_length") or 4000
    if text and not low <= len(text) <= high:
        raise HarnessError(f"text input {component.get('custom_id')!r} takes {low}..{high} chars")
