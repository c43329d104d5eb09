"""The console loop: read a line, drive the real bot through the fake Discord, print what comes back.

The same code serves a person at a terminal and `--script` (a file or standard input), so the
transcript a test checks is what a person would see. No line ends the session: a mistake is
answered with one "!" line in the member's language, and `--script` exits 1 at the end if any
line was refused.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from bot.config import Settings
from bot.console.commands import LOCALES, CommandList, Option, fold
from bot.console.files import FileFolder
from bot.console.forms import FormFiller, Left
from bot.console.parse import (
    STRING,
    ParseError,
    check_required,
    convert,
    find_command,
    parse_slash,
)
from bot.console.render import Control, Directory, Numbering, render_message
from bot.console.usage import usage
from bot.fakediscord.harness import HANDLER_TASK_PREFIXES
from bot.fakediscord.reply import HarnessError
from bot.i18n import LANGS, t
from bot.options import typed_id
from bot.tree import new_reference

log = logging.getLogger(__name__)
Ask = Callable[[str], Awaitable[str | None]]
# Background passes (feed polls, the announcement poster) and interaction handlers.
BUSY_PREFIXES = ("coalition-", *HANDLER_TASK_PREFIXES)
SETTLE_TIMEOUT = 15.0


class ErrorCounter(logging.Handler):
    """Counts errors the bot logs (an unexpected failure logs its reference at ERROR)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class Console:
    def __init__(self, world: Any, out: TextIO, files: FileFolder) -> None:
        self.world = world
        self.out = out
        self.files = files
        self.as_moderator = False
        self.lang = "en"
        self.failures = 0
        self.idle = False  # waiting at the prompt: channel posts are printed as they arrive
        self.numbering = Numbering()
        self.commands: dict[str, CommandList] = {
            lang: CommandList(world.payloads, lang) for lang in LANGS}
        self.posts: list[dict[str, Any]] = []
        world.fake.add_sink(self.on_event)

    @property
    def user(self) -> Any:
        return self.world.moderator if self.as_moderator else self.world.member

    def say(self, *lines: str) -> None:
        for line in lines:
            print(line, file=self.out)
        self.out.flush()

    def reject(self, text: str) -> None:
        self.failures += 1
        self.say(f"  ! {text}")

    # -- lines ----------------------------------------------------------------------------------
    async def handle(self, line: str, ask: Ask) -> bool:
        """Run one line; False when the person asked to leave."""
        text = line.strip()
        if not text or text.startswith("#"):
            return True
        try:
            return await self.dispatch(text, ask)
        except ParseError as exc:
            self.reject(t(exc.key, self.lang, **exc.kwargs))
        except HarnessError as exc:
            self.reject(t("console.error.refused", self.lang, detail=str(exc)))
        except Exception:
            reference = new_reference()
            log.exception("ref %s: the console could not run %r", reference, text[:200])
            self.reject(t("console.error.crash", self.lang, ref=reference))
        return True

    async def dispatch(self, text: str, ask: Ask) -> bool:
        words = text.split()
        head = words[0].lower()
        if text.startswith("/"):
            await self.slash(text, ask, force=False)
        elif head == "force" and len(words) > 1 and words[1].startswith("/"):
            await self.slash(text.split(None, 1)[1], ask, force=True)
        elif head in ("quit", "exit"):
            return False
        elif head == "help":
            self.help(text.split(None, 1)[1] if len(words) > 1 else "")
        elif head == "as" and len(words) == 2 and words[1] in ("member", "moderator"):
            self.as_moderator = words[1] == "moderator"
            self.say("  " + t(f"console.now_{words[1]}", self.lang))
        elif head == "lang" and len(words) == 2 and words[1] in LANGS:
            self.lang = words[1]
            self.say("  " + t("console.now_lang", self.lang))
        elif head == "click" and len(words) >= 2 and typed_id(words[1]) is not None:
            await self.click(int(words[1]), " ".join(words[2:]) or None, ask)
        else:
            raise ParseError("console.error.not_understood", text=text[:80])
        return True

    def help(self, rest: str) -> None:
        if not rest.strip():
            self.say(*("  " + line for line in t("console.help", self.lang).splitlines()))
            return
        command, _ = find_command(self.commands[self.lang], rest)
        self.say(*usage(command, self.lang))

    # -- commands and clicks --------------------------------------------------------------------
    async def slash(self, text: str, ask: Ask, *, force: bool) -> None:
        invocation = parse_slash(self.commands[self.lang], text)
        command = invocation.command
        if not force and not command.visible_to(self.user.permissions):
            raise ParseError("console.error.hidden", command=command.shown)
        check_required(command, invocation.raw)
        values: dict[str, Any] = {}
        for option in command.options:
            if option.name in invocation.raw:
                values[option.name] = await self.value(command.qualified, option,
                                                       invocation.raw[option.name], values, force)
        self.numbering.reset()
        reply = await self.world.h.slash(
            command.qualified, values, user=self.user, guild_id=self.world.guild_id,
            channel_id=self.world.channel_id, locale=LOCALES[self.lang], guild_locale="en-US",
            check=not force)
        await self.show(reply, ask)

    async def value(self, qualified: str, option: Option, text: str, given: dict[str, Any],
                    force: bool) -> Any:
        """As the client sends it; a suggestion whose name was typed in full is taken."""
        value = convert(option, text, self.world.names)
        if option.autocomplete and option.type == STRING and not force:
            suggestions = await self.world.h.autocomplete(
                qualified, {**given, option.name: text}, focused=option.name, user=self.user,
                guild_id=self.world.guild_id, channel_id=self.world.channel_id,
                locale=LOCALES[self.lang])
            for choice in suggestions:
                if fold(text) in (fold(str(choice["name"])), fold(str(choice["value"]))):
                    return choice["value"]
            if len(suggestions) == 1:  # what a person would pick from a list of one
                return suggestions[0]["value"]
        return value

    async def click(self, number: int, value: str | None, ask: Ask) -> None:
        control = self.numbering.controls.get(number)
        if control is None:
            raise ParseError("console.error.no_control", number=number)
        if control.disabled:
            raise ParseError("console.error.disabled", number=number)
        if control.url:
            self.say("  " + t("console.link", self.lang, url=control.url))
            return
        values = [pick(control, value)] if control.kind == "select" else None
        reply = await self.world.h.click(control.message, custom_id=control.custom_id,
                                         user=self.user, values=values,
                                         locale=LOCALES[self.lang])
        await self.show(reply, ask)

    async def show(self, reply: Any, ask: Ask) -> None:
        if reply.modal:
            filler = FormFiller(ask, self.say, self.reject, self.lang)
            answers = await filler.fill(reply.modal)
            if isinstance(answers, Left):
                if answers.line is not None:
                    await self.handle(answers.line, ask)
                return
            reply = await self.world.h.submit_modal(reply, answers, user=self.user,
                                                    locale=LOCALES[self.lang])
            await self.show(reply, ask)
            return
        names = Directory.of(self.world.fake)
        for message in reply.messages():
            self.say(*render_message(message, lang=self.lang, names=names,
                                     numbering=self.numbering, save=self.files.save))
        await self.settle()
        self.flush_posts()

    # -- channel posts and background work ------------------------------------------------------
    def on_event(self, event: str, data: dict[str, Any], intent: int) -> None:
        if event != "MESSAGE_CREATE" or data.get("interaction_metadata"):
            return
        self.posts.append(data)
        if self.idle:
            self.flush_posts()
            print("> ", end="", file=self.out, flush=True)

    def flush_posts(self) -> None:
        names = Directory.of(self.world.fake)
        while self.posts:
            post = self.posts.pop(0)
            channel = names.channels.get(int(post["channel_id"]), "deleted-channel")
            self.say(*render_message(post, lang=self.lang, names=names, numbering=self.numbering,
                                     save=self.files.save, first=f"#{channel} ▸ "))

    async def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Let the poller and the poster finish what the last line set off."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        quiet = 0
        while quiet < 3 and loop.time() < deadline:
            await asyncio.sleep(0.01)
            current = asyncio.current_task()
            busy = [task for task in asyncio.all_tasks() if task is not current
                    and not task.done() and task.get_name().startswith(BUSY_PREFIXES)]
            if busy:
                quiet = 0
                await asyncio.wait(busy, timeout=max(0.0, deadline - loop.time()))
            else:
                quiet += 1


def pick(control: Control, value: str | None) -> str:
    choices = ", ".join(f"{n} {label}" for n, (_, label, _) in enumerate(control.options, 1))
    if value is None:
        raise ParseError("console.error.pick_value", number=control.number, choices=choices)
    for number, (option, label, _) in enumerate(control.options, 1):
        if value == str(number) or fold(value) in (fold(option), fold(label)):
            return option
    raise ParseError("console.error.not_an_option", value=value, number=control.number)


def script_lines(script: str) -> Iterator[str]:
    source = sys.stdin if script == "-" else open(script, encoding="utf-8")  # noqa: SIM115
    with source:
        return iter(source.read().splitlines())


async def run_console(settings: Settings, script: str | None = None, *,
                      files: Path | None = None, background: bool = True) -> int:
    from bot.console.world import console_world

    counter = ErrorCounter()
    logging.getLogger().addHandler(counter)
    lines = script_lines(script) if script is not None else None
    console: Console | None = None

    async def ask(prompt: str) -> str | None:
        if lines is not None:
            answer = next(lines, None)
            if answer is not None:
                print(prompt + answer, flush=True)
            return answer
        assert console is not None
        console.idle = True
        try:
            return await asyncio.to_thread(input, prompt)
        except EOFError:
            return None
        finally:
            console.idle = False

    try:
        async with console_world(settings, background=background) as world:
            folder = files or Path(settings.db_path).parent / "console-files"
            console = Console(world, sys.stdout, FileFolder(folder, world.fake.attachments))
            await console.settle()
            console.flush_posts()
            if lines is None:
                console.say(t("console.welcome", console.lang))
            while True:
                line = await ask("> ")
                if line is None or not await console.handle(line, ask):
                    break
            await console.settle()
            console.flush_posts()
            failures = (console.failures + counter.count + len(world.fake.errors)
                        + len(world.fake.rejections))
    finally:
        logging.getLogger().removeHandler(counter)
    return 1 if failures and script is not None else 0
