"""Password policy: a pure rule, no database. Long enough, not blank, not a common password.

Common passwords come from a shipped list (``common_passwords.txt``, source and licence in its
header). With a minimum of 12 characters few list entries are long enough to match as they are,
so a password is also refused when what is left after its trailing digits and punctuation
(``password1234``, ``dragon!!!!!!``) is on the list.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 12
MIN_DISTINCT = 5
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")
_TAIL = "0123456789!?.,;:-_+*#$%&/=@ "


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """Why the password is refused (German, as users read it), or None when it is fine."""
    if not password.strip():
        return "Das Passwort darf nicht nur aus Leerzeichen bestehen."
    if len(password) < MIN_LENGTH:
        return f"Das Passwort muss mindestens {MIN_LENGTH} Zeichen lang sein."
    if len(set(password)) < MIN_DISTINCT:
        return f"Das Passwort muss mindestens {MIN_DISTINCT} verschiedene Zeichen enthalten."
    if password.isdigit():
        return "Das Passwort darf nicht nur aus Ziffern bestehen."
    lowered = password.lower()
    common = common_passwords()
    if lowered in common or lowered.rstrip(_TAIL) in common:
        return "Dieses Passwort ist zu verbreitet und leicht zu erraten. Bitte wählen Sie ein anderes."
    return None
