"""Plural forms, numbers and dates for a member's language, from CLDR through Babel.

CLDR already knows that French says "0 engagement" but English "0 pledges", that Spanish writes
"1 de mayo de 2024" and that a relative time reads "il y a 5 minutes"; keeping our own rules
would only drift from what members read everywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, Literal

from babel import Locale
from babel.dates import format_date, format_time, format_timedelta
from babel.numbers import format_decimal

# The categories CLDR may use, in the order a reader expects them in the catalogue.
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
# French and Spanish "many" is for round millions ("1 million d'engagements"); written in
# digits, "other" reads right, so a message may leave it out and falls back to "other".
OPTIONAL_CATEGORIES = frozenset({"many"})
DateWidth = Literal["short", "medium", "long", "full"]


@lru_cache(maxsize=16)
def babel_locale(lang: str) -> Locale:
    return Locale.parse(lang.replace("-", "_"))


def is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def plural_category(count: int, lang: str) -> str:
    """CLDR's category for `count` in `lang` ("one", "many", "other"...)."""
    return str(babel_locale(lang).plural_form(abs(count)))


def plural_categories(lang: str) -> set[str]:
    """Every category `lang` distinguishes ("other" included)."""
    return {*babel_locale(lang).plural_form.tags, "other"}


def required_categories(lang: str) -> set[str]:
    return plural_categories(lang) - OPTIONAL_CATEGORIES


def pick(forms: Mapping[str, str], count: Any, lang: str) -> str:
    """The form for `count`; "other" when the count is missing or the category left out."""
    category = plural_category(count, lang) if is_count(count) else "other"
    return forms.get(category) or forms.get("other") or next(iter(forms.values()), "")


def number(value: int, lang: str) -> str:
    """1,234 in English, 1 234 in French, 1234 in Spanish."""
    return format_decimal(value, locale=babel_locale(lang))


def day(value: date | str, lang: str, width: DateWidth = "long") -> str:
    """A calendar day as the member writes it; an unreadable stored date is shown as stored."""
    if isinstance(value, str):
        try:
            parsed = date.fromisoformat(value[:10])
        except ValueError:
            return value
    else:
        parsed = value
    return format_date(parsed, width, locale=babel_locale(lang))


def moment(value: datetime, lang: str, tz: Any = None) -> str:
    """Date and time in `tz` (the machine's own zone when None), e.g. "1 mai 2024 14:05"."""
    local = value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=UTC).astimezone(tz)
    locale = babel_locale(lang)
    return f"{format_date(local, 'long', locale=locale)} {format_time(local, 'short', locale=locale)}"


def relative(value: datetime, lang: str, now: datetime | None = None) -> str:
    """"in 5 minutes", "il y a 2 heures", "hace 3 días"."""
    now = now or datetime.now(UTC)
    when = value if value.tzinfo else value.replace(tzinfo=UTC)
    return format_timedelta(when - now, add_direction=True, locale=babel_locale(lang))
