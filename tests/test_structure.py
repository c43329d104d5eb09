"""The command tree as Discord will see it: unique, within limits, localized, moderators guarded."""

import re

from discord import app_commands

from bot.client import all_extensions
from bot.help import is_moderator_command, leaf_commands
from bot.i18n import catalogue
from bot.permissions import ModeratorGroup
from bot.translator import command_key

NAME = re.compile(r"^[-_\w]{1,32}$")


def walk(commands):
    for command in commands:
        yield command
        if isinstance(command, app_commands.Group):
            yield from walk(command.commands)


async def test_every_extension_loads(world):
    assert world.bot.failed_extensions == {}
    assert set(world.bot.extensions) == set(all_extensions())


async def test_names_unique_and_within_discord_limits(world):
    top = world.bot.tree.get_commands()
    names = [c.name for c in top]
    assert len(names) == len(set(names))
    assert len(top) <= 100
    for command in walk(top):
        assert NAME.match(command.name) and command.name == command.name.lower(), command.name
        assert 1 <= len(command.description) <= 100, command.qualified_name
        if isinstance(command, app_commands.Command):
            assert len(command.parameters) <= 25
            for param in command.parameters:
                assert NAME.match(param.name), (command.qualified_name, param.name)
                assert 1 <= len(param.description) <= 100, (command.qualified_name, param.name)
                assert len(param.choices) <= 25


async def test_every_command_and_option_is_localized(world):
    cat = catalogue()
    missing = []
    for command in walk(world.bot.tree.get_commands()):
        key = command_key(command)
        for part in ("name", "description"):
            for lang in ("fr", "es"):
                value = cat.commands.get(key, {}).get(part, {}).get(lang)
                if not value:
                    missing.append(f"{key} {part} {lang}")
                elif part == "name":
                    assert NAME.match(value) and value == value.lower(), (key, lang, value)
                else:
                    assert len(value) <= 100, (key, lang)
        if isinstance(command, app_commands.Command):
            for param in command.parameters:
                pkey = f"{key}.{param.name}"
                for part in ("name", "description"):
                    for lang in ("fr", "es"):
                        if not cat.commands.get(pkey, {}).get(part, {}).get(lang):
                            missing.append(f"{pkey} {part} {lang}")
                for choice in param.choices:
                    for lang in ("fr", "es"):
                        if not cat.choices.get(str(choice.value), {}).get(lang):
                            missing.append(f"choice {choice.value} {lang}")
    assert missing == []


async def test_moderator_commands_are_hidden_and_checked(world):
    for command in world.bot.tree.get_commands():
        if isinstance(command, ModeratorGroup):
            assert command.default_permissions is not None
            assert command.default_permissions.manage_guild
            assert command.guild_only
        if command.default_permissions is not None:
            # hidden by Discord AND re-checked here
            checked = isinstance(command, ModeratorGroup) or any(
                getattr(check, "__qualname__", "").startswith("_check") for check in command.checks
            )
            assert checked, command.name
    leaves = leaf_commands(world.bot.tree.get_commands())
    assert any(not is_moderator_command(c) for c in leaves)
