"""Abuse protection for the public POSTs: keyed client hashes, rate limits, honeypot.

Client addresses are only ever stored as HMAC-SHA256 under a key derived from
LEERSTAND_SECRET_KEY and a purpose string, so a hash of one purpose (rate limiting, supporting
proposal 7) cannot be linked to another, and nobody without the secret can test an address.
"""

from __future__ import annotations

import hashlib
import hmac
import math

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.database import rowcount
from app.errors import RateLimited

WINDOW_S = 3600
KEEP_WINDOWS_S = 24 * 3600


def client_hash(*, secret: str, purpose: str, client: str) -> str:
    return hmac.new(secret.encode(), f"{purpose}\x00{client}".encode(), hashlib.sha256).hexdigest()


def purge_windows(*, session: Session) -> int:
    """Drop rate-limit windows older than a day; returns how many."""
    return rowcount(session, text("DELETE FROM rate_limit_window WHERE window_start < now() - "
                                  "make_interval(secs => :keep)"), {"keep": KEEP_WINDOWS_S})


def check_rate_limit(
    *, session: Session, secret: str, client: str, action: str, limit: int, window_s: int = WINDOW_S
) -> None:
    """Count one hit of ``client`` for ``action``; RateLimited once the window holds more than
    ``limit``. The upsert is atomic, so concurrent workers cannot both slip under the limit."""
    key = client_hash(secret=secret, purpose=f"rate:{action}", client=client)
    purge_windows(session=session)
    hits, remaining = session.execute(text("""
        INSERT INTO rate_limit_window AS r (client_hash, action, window_start, hits)
        VALUES (:key, :action, to_timestamp(floor(extract(epoch FROM now()) / :w) * :w), 1)
        ON CONFLICT (client_hash, action, window_start) DO UPDATE SET hits = r.hits + 1
        RETURNING r.hits, extract(epoch FROM r.window_start + make_interval(secs => :w) - now())
    """), {"key": key, "action": action, "w": window_s}).one()
    if hits > limit:
        retry_after = max(1, math.ceil(float(remaining)))
        raise RateLimited(
            f"too many {action} requests from your connection: at most {limit} per "
            f"{window_s // 60} minutes; try again in {retry_after} s",
            retry_after=retry_after,
        )
