"""The console loop: read a line, drive the real bot through the fake Discord, print the reply.

The same code serves a person at a terminal and `--script` (a file or standard input), so the
transcript a test checks is what a person would see.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from typing import Any, TextIO

from bot.config import Settings
from bot.console.parse import ParseError, convert, parse_slash
from bot.console.render import Control, modal_fields, render_message
from bot.i18n import LANGS
from bot.options import typed_id

log = logging.getLogger(__name__)
LOCALES = {"en": "en-US", "fr": "fr", "es": "es-ES"}
CONSOLE_HELP = """\
  /command option: value   run a slash command (e.g. /ask question: what is art 88?)
  click N [VALUE]          press button N, or choose VALUE in select N
  as member | as moderator switch who you are
  lang en | fr | es        switch your Discord language
  quit                     leave"""
Ask = Callable[[str], Awaitable[str | None]]


class ErrorCounter(logging.Handler):
    """Counts errors the bot logs (an unexpected failure logs its reference at ERROR)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class Console:
    def __init__(self, world: Any, out: TextIO) -> None:
        self.world = world
        self.out = out
        self.as_moderator = False
        self.lang = "en"
        self.controls: list[Control] = []
        self.last_reply: Any = None
        self.failures = 0

    @property
    def user(self) -> Any:
        return self.world.moderator if self.as_moderator else self.world.member

    def say(self, *lines: str) -> None:
        for line in lines:
            print(line, file=self.out)
        self.out.flush()

    async def handle(self, line: str, ask: Ask) -> bool:
        """Run one line; False when the person asked to leave."""
        text = line.strip()
        if not text or text.startswith("#"):
            return True
        words = text.split()
        try:
            if text.startswith("/"):
                await self.slash(text, ask)
            elif words[0] in ("quit", "exit"):
                return False
            elif words[0] == "help":
                self.say(CONSOLE_HELP)
            elif words[0] == "as" and len(words) == 2 and words[1] in ("member", "moderator"):
                self.as_moderator = words[1] == "moderator"
                self.say(f"  you are now a {words[1]}")
            elif words[0] == "lang" and len(words) == 2 and words[1] in LANGS:
                self.lang = words[1]
                self.say(f"  your Discord language is now {words[1]}")
            elif words[0] == "click" and len(words) >= 2 and typed_id(words[1]) is not None:
                await self.click(int(words[1]), " ".join(words[2:]) or None, ask)
            else:
                raise ParseError(f"not understood: {text!r} (type help)")
        except ParseError as exc:
            self.failures += 1
            self.say(f"  ! {exc}")
        return True

    async def slash(self, text: str, ask: Ask) -> None:
        invocation = parse_slash(self.world.bot.tree, text, self.lang)
        values = convert(invocation.command, invocation.options, self.world.channels,
                         self.world.roles)
        reply = await self.world.h.slash(
            invocation.command.qualified_name, values, user=self.user,
            guild_id=self.world.guild_id, channel_id=self.world.channel_id,
            locale=LOCALES[self.lang], guild_locale="en-US",
        )
        await self.show(reply, ask)

    async def click(self, number: int, value: str | None, ask: Ask) -> None:
        control = next((c for c in self.controls if c.number == number), None)
        if control is None or self.last_reply is None:
            raise ParseError(f"there is no control [{number}] on the last message")
        if control.url:
            self.say(f"  (a link: {control.url})")
            return
        values = None
        if control.kind == "select":
            chosen = _pick(control, value)
            values = [chosen]
        reply = await self.world.h.click(control.message, custom_id=control.custom_id,
                                         user=self.user, values=values, locale=LOCALES[self.lang])
        await self.show(reply, ask)

    async def show(self, reply: Any, ask: Ask) -> None:
        if getattr(reply, "modal", None):
            await self.fill_modal(reply, ask)
            return
        self.controls = []
        number = 1
        for message, ephemeral in _messages(reply):
            lines, items = render_message(message, ephemeral=ephemeral, start=number)
            self.say(*lines)
            self.controls += [_bind(c, message) for c in items]
            number += len(items)
        self.last_reply = reply

    async def fill_modal(self, reply: Any, ask: Ask) -> None:
        modal = reply.modal
        self.say(f"  ┌ form: {modal.get('title', '')}  (type a value for each field; "
                 "'cancel' to drop the form)")
        answers: dict[str, Any] = {}
        for field in modal_fields(modal):
            answer = await self.ask_field(field, ask)
            if answer is None:
                self.say("  └ form cancelled")
                return
            answers[field["custom_id"]] = answer
        self.say("  └ sent")
        await self.show(await self.world.h.submit_modal(reply, answers, user=self.user,
                                                         locale=LOCALES[self.lang]), ask)

    async def ask_field(self, field: dict[str, Any], ask: Ask) -> Any:
        label = field.get("label") or field.get("custom_id")
        if field.get("options"):
            choices = ", ".join(str(o["value"]) for o in field["options"])
            answer = await ask(f"  │ {label} [{choices}]: ")
        else:
            default = f" (now: {field['value']!r}; '-' keeps it)" if field.get("value") else ""
            answer = await ask(f"  │ {label}{default}: ")
        if answer is None or answer.strip() == "cancel":
            return None
        if field.get("options"):
            return [_option_value(field, answer.strip())]
        if answer.strip() == "-" and field.get("value"):
            return field["value"]
        return answer.replace("\\n", "\n")


def _pick(control: Control, value: str | None) -> str:
    if value is None:
        raise ParseError(f"say which option: click {control.number} VALUE "
                         f"({', '.join(v for v, _ in control.options)})")
    for number, (option, label) in enumerate(control.options, 1):
        if value in (option, label, str(number)):
            return option
    raise ParseError(f"{value!r} is not an option of [{control.number}]")


def _option_value(field: dict[str, Any], answer: str) -> str:
    for number, option in enumerate(field["options"], 1):
        if answer in (str(option["value"]), str(option["label"]), str(number)):
            return str(option["value"])
    return answer  # let the bot judge a value that is not offered


def _bind(control: Control, message: dict[str, Any]) -> Control:
    return replace(control, message=message)


def _messages(reply: Any) -> Iterator[tuple[dict[str, Any], bool]]:
    """The reply and its follow-ups, each once (a deferred reply's first follow-up is the reply)."""
    for message in reply.messages():
        yield message, bool(int(message.get("flags") or 0) & 64)


async def run_console(settings: Settings, script: str | None = None) -> int:
    from bot.console.world import console_world

    counter = ErrorCounter()
    logging.getLogger().addHandler(counter)
    lines: Iterator[str] | None = None
    if script is not None:
        source = sys.stdin if script == "-" else open(script, encoding="utf-8")  # noqa: SIM115
        with source:
            lines = iter(source.read().splitlines())

    async def ask(prompt: str) -> str | None:
        if lines is not None:
            answer = next(lines, None)
            if answer is not None:
                print(prompt + answer, file=sys.stdout)
            return answer
        try:
            return await asyncio.to_thread(input, prompt)
        except EOFError:
            return None

    async with console_world(settings) as world:
        console = Console(world, sys.stdout)
        if lines is None:
            console.say("Coalition Bot console: the real bot against a local fake Discord. "
                        "Type help for the console's own commands, /help for the bot's.")
        while True:
            line = await ask("> ")
            if line is None or not await console.handle(line, ask):
                break
        failures = (console.failures + counter.count + len(world.fake.errors)
                    + len(world.fake.rejections))
    logging.getLogger().removeHandler(counter)
    return 1 if failures and script is not None else 0
