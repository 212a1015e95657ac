"""The one normalisation of address text, for the stored search keys and the query alike.

Written in Python rather than as an IMMUTABLE SQL function: the import computes the keys for
thousands of rows in one pass anyway, the query is normalised once per request, and unicodedata
strips every diacritic (é, ł, …), not only the German ones, which a plain-SQL translate() would
have to list. Only app.addresses writes the table, so no writer can bypass it.

The rules (both sides of a comparison go through them, so they only ever make more spellings
equal): lower case with ß → ss (casefold); diacritics dropped (ä → a); then ae/oe/ue → a/o/u,
so that "Brühl", "Bruehl" and "Bruhl" all become "bruhl" (a word that really has "ue", such as
"Neue", loses its e on both sides alike: harmless for a search); "straße", "strasse", "str." and
"str" become one token "str", joined to the word before it ("Lange Straße" = "Langestr.");
anything else that is not a letter or digit is a space, and spaces are collapsed. `%` and `_`
are thereby plain punctuation: they never reach a LIKE pattern.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_UMLAUT_DIGRAPH = re.compile(r"([aou])e")
_STREET_WORD = re.compile(r"(strasse|str)\b\.?")
_JOIN_STREET = re.compile(r"(?<=[0-9a-z])[\s-]+str\b")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_NUMBER_JUNK = re.compile(r"[^0-9a-z/-]+")
# a query token that is a house number (1, 12a, 12-14, 3/1) or a German postcode (5 digits)
_HOUSE_NUMBER = re.compile(r"^[0-9]{1,4}[a-z]?(?:[/-][0-9a-z]{1,4})?$")
_POSTCODE = re.compile(r"^[0-9]{5}$")


def _fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _UMLAUT_DIGRAPH.sub(r"\1", plain)


def street_key(street: str) -> str:
    """The street as compared: "Musterstraße" → "musterstr", "Am Brühl" → "am bruhl"."""
    text = _STREET_WORD.sub("str ", _fold(street))
    text = _JOIN_STREET.sub("str", text)
    return _NOT_ALNUM.sub(" ", text).strip()


def house_number_key(house_number: str) -> str:
    """The house number as compared: "12 a" → "12a", "3 / 1" → "3/1"."""
    return _NUMBER_JUNK.sub("", _fold(house_number))


def search_text(street: str, house_number: str, postcode: str | None, town: str) -> str:
    """The stored search column: every part a person might type, normalised."""
    parts = [street_key(street), house_number_key(house_number), postcode or "", street_key(town)]
    return " ".join(part for part in parts if part)


@dataclass(frozen=True)
class Query:
    """A search query taken apart: the words (street, maybe town), the house number, the
    postcode; ``text`` is all of it normalised."""

    text: str
    words: str
    house_number: str | None
    postcode: str | None


def parse_query(q: str) -> Query:
    words, number, postcode = [], None, None
    for token in street_key(q).split():
        if _POSTCODE.match(token) and postcode is None:
            postcode = token
        elif _HOUSE_NUMBER.match(token) and number is None:
            number = token
        else:
            words.append(token)
    # "12 a" is typed as two tokens: a single letter after the number is its suffix
    if number and words and len(words[-1]) == 1 and number.isdigit() and _ends_with_number(q):
        number += words.pop()
    return Query(text=street_key(q), words=" ".join(words), house_number=number,
                 postcode=postcode)


def _ends_with_number(q: str) -> bool:
    return re.search(r"[0-9]\s*[a-zA-Z]\s*$", q) is not None
