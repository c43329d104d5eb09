"""What the catalogue test holds every message to, with the fix spelled out in each problem.

Several people add messages at once; a problem found here says what to write instead, so the
fix never needs a look at this file.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

from bot import l10n

# "pledge(s)", "lu(s)", "bloquée(s)", "retenido(s)", "ajouté(e)": a plural or gender written
# as a bracketed ending instead of the word the reader expects.
BRACKETED_ENDING = re.compile(r"\w\((?:s|es|e|x|a|as|os|nes|les)\)", re.IGNORECASE)
EXAMPLE = {
    "en": ("pledge", "pledges"),
    "fr": ("engagement", "engagements"),
    "es": ("compromiso", "compromisos"),
}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def plural_example(lang: str) -> str:
    one, other = EXAMPLE.get(lang, EXAMPLE["en"])
    forms = sorted(l10n.required_categories(lang), key=l10n.PLURAL_CATEGORIES.index)
    shown = {"one": f"'…{{count}} {one}…'", "other": f"'…{{count}} {other}…'"}
    body = ", ".join(f"{c}: {shown.get(c, repr('…{count}…'))}" for c in forms)
    return f"{lang}: {{{body}}}"


def forms_of(value: Any) -> dict[str, Any]:
    """The texts of one language's entry: {"": text} for a plain message, else its forms."""
    return dict(value) if isinstance(value, Mapping) else {"": value}


def message_problems(key: str, texts: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    plural = {lang for lang, value in texts.items() if isinstance(value, Mapping)}
    for lang, value in texts.items():
        found += _language_problems(key, lang, value)
    if plural and plural != set(texts):
        found.append(f"message {key!r} has plural forms in {sorted(plural)} but not in "
                     f"{sorted(set(texts) - plural)}: give every language its forms, e.g. "
                     + "; ".join(plural_example(lang) for lang in sorted(set(texts) - plural)))
    found += _placeholder_mismatch(key, texts)
    return found


def _language_problems(key: str, lang: str, value: Any) -> list[str]:
    found: list[str] = []
    for form, text in forms_of(value).items():
        where = f"message {key!r} in {lang}" + (f", form {form!r}," if form else "")
        if not isinstance(text, str):
            found.append(f"{where} is {type(text).__name__}: write text in quotes")
            continue
        ending = BRACKETED_ENDING.search(text)
        if ending:
            found.append(f"{where} writes a plural as {ending.group(0)!r}: give the message "
                         f"plural forms instead ({plural_example(lang)}) and pass the number "
                         f"as count=")
        if not form and "count" in fields(text):
            found.append(f"{where} uses {{count}} but has no plural forms: write it as "
                         f"{plural_example(lang)}")
    if isinstance(value, Mapping):
        found += _category_problems(key, lang, set(value))
    return found


def _category_problems(key: str, lang: str, given: set[str]) -> list[str]:
    found: list[str] = []
    allowed = l10n.plural_categories(lang)
    missing = sorted(l10n.required_categories(lang) - given)
    if missing:
        found.append(f"message {key!r} in {lang} lacks the plural forms {missing}: "
                     f"{lang} needs {plural_example(lang)}")
    extra = sorted(given - allowed)
    if extra:
        found.append(f"message {key!r} in {lang} has the plural forms {extra} that {lang} never "
                     f"uses (CLDR categories for {lang}: {sorted(allowed)})")
    return found


def _placeholder_mismatch(key: str, texts: Mapping[str, Any]) -> list[str]:
    """The same placeholders in every language; a form may leave out {count} ("one row")."""

    def used(value: Any) -> set[str]:
        names: set[str] = set()
        for text in forms_of(value).values():
            names |= fields(text) if isinstance(text, str) else set()
        return names - {"count"} if isinstance(value, Mapping) else names

    reference = used(texts.get("en", ""))
    return [f"message {key!r} in {lang} uses placeholders {sorted(used(value))}, en uses "
            f"{sorted(reference)}" for lang, value in texts.items() if used(value) != reference]
