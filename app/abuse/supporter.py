"""Who supports or flags a proposal: one browser, not one connection.

A household, an office Wi-Fi or a library shares one address, so the address cannot say who
has already supported an idea. Each browser gets a first-party cookie instead: a random 128-bit
id, signed with LEERSTAND_SECRET_KEY (itsdangerous), HttpOnly, SameSite=Lax, Secure where the
service is served over HTTPS, for a year, sent only to /api/v1/proposals. A missing, tampered or
forged cookie counts as none: the request gets a new id. The database keeps keyed hashes only
(app.abuse.service.client_hash): of the id, which de-duplicates, and of the address, which caps
how many browsers behind one address count for one proposal (LEERSTAND_SUPPORTS_PER_IP), so a
script that throws its cookies away cannot add a thousand supports. See docs/participation.md.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, Signer

from app.abuse import service
from app.abuse.http import client_address

COOKIE = "leerstand_supporter"
COOKIE_PATH = "/api/v1/proposals"
MAX_AGE_S = 365 * 24 * 3600
SALT = "leerstand-supporter"
ID_BYTES = 16  # 128 bits
_ID = re.compile(r"[A-Za-z0-9_-]{22}")


@dataclass(frozen=True)
class Supporter:
    """The browser id (never stored, never logged) and the client address of one request."""

    browser_id: str
    address: str
    secret: str

    def browser_hash(self, purpose: str) -> str:
        """De-duplicates: one support (or flag) per browser and proposal."""
        return service.client_hash(secret=self.secret, purpose=f"{purpose}-browser",
                                   client=self.browser_id)

    def address_hash(self, purpose: str) -> str:
        """Counts the browsers behind one address, for the ceiling per proposal."""
        return service.client_hash(secret=self.secret, purpose=purpose, client=self.address)


def _signer(secret: str) -> Signer:
    return Signer(secret, salt=SALT)


def read_browser_id(cookie: str | None, secret: str) -> str | None:
    """The id a cookie carries, or None when it is missing, unsigned, tampered or malformed."""
    if not cookie:
        return None
    try:
        browser_id = _signer(secret).unsign(cookie).decode("ascii")
    except (BadSignature, UnicodeDecodeError):
        return None
    return browser_id if _ID.fullmatch(browser_id) else None


def _secure(request: Request) -> bool:
    settings = request.app.state.settings
    return settings.cookie_secure or (settings.public_url or "").startswith("https://")


def current_supporter(request: Request, response: Response) -> Supporter:
    """The request's supporter; a browser without a valid cookie gets a new id, which is set
    on the answer (an answer with an error sets none: the next request gets a new one)."""
    secret = request.app.state.settings.secret_key
    browser_id = read_browser_id(request.cookies.get(COOKIE), secret)
    if browser_id is None:
        browser_id = secrets.token_urlsafe(ID_BYTES)
        response.set_cookie(COOKIE, _signer(secret).sign(browser_id).decode("ascii"),
                            max_age=MAX_AGE_S, path=COOKIE_PATH, secure=_secure(request),
                            httponly=True, samesite="lax")
    return Supporter(browser_id=browser_id, address=client_address(request), secret=secret)


SupporterDep = Annotated[Supporter, Depends(current_supporter)]
