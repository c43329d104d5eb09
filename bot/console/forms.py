"""A form (modal) filled field by field at the prompt, with the client's rules for each field.

A field that already has a value (an edit form, a pre-selected menu) shows it, and Enter keeps
it; a required field left empty or a choice that is not offered is asked again, as the client
would not let the form be sent. A line starting with "/" leaves the form, like closing it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.console.commands import fold
from bot.console.render import TEXT_DISPLAY, TEXT_INPUT, modal_fields
from bot.i18n import t

Ask = Callable[[str], Awaitable[str | None]]
Reject = Callable[[str], None]
KEEP = ("", "-")
SHOWN_VALUE = 60


@dataclass
class Left:
    """The form was left for another line (a command), to run next."""

    line: str | None


def clip(text: str, limit: int = SHOWN_VALUE) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class FormFiller:
    def __init__(self, ask: Ask, say: Callable[..., None], reject: Reject, lang: str) -> None:
        self.ask = ask
        self.say = say
        self.reject = reject
        self.lang = lang

    async def fill(self, modal: dict[str, Any]) -> dict[str, Any] | Left:
        self.say("  ┌ " + t("console.form.start", self.lang, title=modal.get("title", "")))
        answers: dict[str, Any] = {}
        for field in modal_fields(modal):
            if field.get("type") == TEXT_DISPLAY:
                self.say(*(f"  │ {line}" for line in str(field.get("content", "")).splitlines()))
                continue
            answer = await self.field(field)
            if isinstance(answer, Left):
                self.say("  └ " + t("console.form.cancelled", self.lang))
                return answer
            answers[str(field["custom_id"])] = answer
        self.say("  └ " + t("console.form.sent", self.lang))
        return answers

    async def field(self, field: dict[str, Any]) -> Any:
        is_select = field.get("type") != TEXT_INPUT and "options" in field
        if is_select:
            self.say(*(f"  │   {n}. {o['label']}" for n, o in enumerate(field["options"], 1)))
        prompt = self.prompt(field, is_select)
        while True:
            line = await self.ask(prompt)
            if line is None or line.strip() == "cancel":
                return Left(None)
            if line.startswith("/"):
                return Left(line)
            try:
                return self.select(field, line.strip()) if is_select else self.text(field, line)
            except ValueError as refusal:
                self.reject(str(refusal))

    def prompt(self, field: dict[str, Any], is_select: bool) -> str:
        notes = []
        if is_select:
            chosen = [o["label"] for o in field["options"] if o.get("default")]
            if chosen:
                notes.append(t("console.form.now", self.lang, value=", ".join(chosen)))
        else:
            if not field.get("required", True):
                notes.append(t("console.form.optional", self.lang))
            if field.get("value"):
                notes.append(t("console.form.now", self.lang, value=f"“{clip(field['value'])}”"))
        label = field.get("label") or field.get("custom_id")
        return f"  │ {label}" + (f" ({'; '.join(notes)})" if notes else "") + ": "

    def text(self, field: dict[str, Any], line: str) -> str:
        current = field.get("value")
        if line.strip() in KEEP and current:
            return str(current)
        text = line.replace("\\n", "\n")
        if not text.strip():
            if field.get("required", True):
                raise ValueError(t("console.error.required", self.lang))
            return ""
        high, low = field.get("max_length"), field.get("min_length")
        if high is not None and len(text) > high:
            raise ValueError(t("console.error.too_long", self.lang, option="", count=high).strip(" :"))
        if low is not None and len(text) < low:
            raise ValueError(t("console.error.too_short", self.lang, option="", count=low).strip(" :"))
        return text

    def select(self, field: dict[str, Any], answer: str) -> list[str]:
        options = field["options"]
        if answer in KEEP:
            chosen = [str(o["value"]) for o in options if o.get("default")]
            if chosen:
                return chosen
        for number, option in enumerate(options, 1):
            if answer == str(number) or fold(answer) in (fold(str(option["value"])),
                                                         fold(str(option["label"]))):
                return [str(option["value"])]
        raise ValueError(t("console.error.pick_one", self.lang))
