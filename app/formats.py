"""German numbers and dates for every text a person reads that Python writes (pages, e-mails,
error sentences), with Babel's de_DE rules: decimal comma, a dot between thousands
("1.250,5"), dates as 31.12.2026. The templates use the same functions as Jinja filters
(app/templating.py); the page scripts do the same with Intl.NumberFormat("de-DE")."""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import NumberPattern, parse_pattern

LOCALE = Locale.parse("de_DE")


@cache
def _pattern(digits: int, exact: bool) -> NumberPattern:
    fraction = ("0" if exact else "#") * digits
    return parse_pattern("#,##0" + ("." + fraction if fraction else ""))


# matching writes several numbers per scored pair (100,000 pairs: 40 µs each would add
# seconds); the same areas, rents and distances recur, so a formatted value is kept
@lru_cache(maxsize=65536)
def _format(value: float | Decimal, digits: int, exact: bool) -> str:
    # halves round up, as Intl.NumberFormat does in the pages (Babel's default is half-even)
    with decimal.localcontext(rounding=decimal.ROUND_HALF_UP):
        return _pattern(digits, exact).apply(value, LOCALE)


def number(value: float | Decimal | None, digits: int = 2) -> str:
    """At most `digits` decimals, none when the value is whole: "1.250", "12,5", "4,25"."""
    return "" if value is None else _format(value, digits, False)


def fixed(value: float | Decimal, digits: int) -> str:
    """Exactly `digits` decimals, e.g. coordinates: "50,89528"."""
    return _format(value, digits, True)


def count(value: int, one: str, many: str) -> str:
    """The number with the word in its right form: "1 Eintrag", "1.250 Einträge"."""
    return f"{number(value)} {one if value == 1 else many}"


def date(value: dt.date | dt.datetime | None) -> str:
    """31.12.2026 (a date-time in its own time zone)."""
    return "" if value is None else format_date(value, "dd.MM.yyyy", locale=LOCALE)


def date_time(value: dt.datetime | None) -> str:
    """31.12.2026, 14:05 UTC (a naive value is taken as UTC, as the database stores it)."""
    if value is None:
        return ""
    utc = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return format_datetime(utc, "dd.MM.yyyy, HH:mm 'UTC'", tzinfo=dt.UTC, locale=LOCALE)


def yes_no(value: bool | None) -> str:
    return "" if value is None else ("Ja" if value else "Nein")
