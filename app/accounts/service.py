"""Users, password hashing (argon2) and API tokens (stored as SHA-256 only)."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import URL, Engine, create_engine, delete, func, or_, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.accounts import passwords
from app.accounts.models import ApiToken, Role, User, UserSession
from app.database import Base
from app.errors import Conflict, InvalidInput, NotFound
from app.municipalities import service as municipality_service

TOKEN_PREFIX = "lst_"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# last use of a token or session is recorded at most this often: enough to see what is in use
USE_RECORD_INTERVAL = timedelta(minutes=1)
WRITE_RECORD_INTERVAL = timedelta(seconds=1)
log = logging.getLogger(__name__)
_hasher = PasswordHasher()
# verifying against this keeps the timing of "no such user" equal to "wrong password"
_DUMMY_HASH = _hasher.hash("not a real password")


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 320:
        raise InvalidInput("not a valid e-mail address", field="email")
    return email


def hash_password(password: str) -> str:
    problem = passwords.password_problem(password)
    if problem:
        raise InvalidInput(problem, field="password")
    return _hasher.hash(password)


def create_user(
    *, session: Session, email: str, role: Role, municipality_ags: str | None = None,
    password: str | None = None,
) -> User:
    email = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict("a user with this e-mail address exists", field="email")
    municipality = None
    if municipality_ags:
        municipality = municipality_service.get_by_ags(session=session, ags=municipality_ags,
                                                       field="municipality")
    if role == Role.staff and municipality is None:
        raise InvalidInput("staff users need a municipality (AGS)", field="municipality")
    user = User(
        email=email, role=role, municipality=municipality,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    return user


def get_user_by_email(*, session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise NotFound("no user with this e-mail address", field="email")
    return user


def set_password(*, session: Session, user: User, password: str) -> None:
    """A new password also ends every page login of the user (whoever knew the old one)."""
    user.password_hash = hash_password(password)
    end_user_sessions(session=session, user_id=user.id)


def disable_user(*, session: Session, user: User) -> None:
    """The user can no longer log in; their sessions end and their API tokens are refused at once
    (kept, not revoked, so the list still shows what the user had)."""
    user.is_active = False
    end_user_sessions(session=session, user_id=user.id)
    session.flush()


def authenticate_password(*, session: Session, email: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    try:
        if user is None or not user.is_active or not user.password_hash:
            _hasher.verify(_DUMMY_HASH, password)
            return None
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, session: Session, user: User, label: str | None = None) -> str:
    """A new API token for the user; only its hash is stored, so it is shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, token_hash=_digest(token), label=label))
    session.flush()
    return token


def list_tokens(*, session: Session, user_id: int | None = None) -> list[ApiToken]:
    """API tokens, newest first; those of one user when ``user_id`` is given."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(session.scalars(query))


def get_token(*, session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if token is None:
        raise NotFound(f"no API token with id {token_id}", field="token_id")
    return token


def revoke_token(*, session: Session, token: ApiToken) -> None:
    """Refused from the next request on; revoking twice keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
        session.flush()


def get_user(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id) if 0 < user_id < 2**31 else None
    if user is None:
        raise NotFound(f"no user with id {user_id}", field="user_id")
    return user


def authenticate_token(*, session: Session, token: str) -> User | None:
    row = session.execute(
        select(ApiToken, User)
        .join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None), User.is_active)
    ).first()
    if row is None:
        return None
    _record_time(session=session, model=ApiToken, column="last_used_at",
                 row_id=row.ApiToken.id, last=row.ApiToken.last_used_at)
    return row.User


def start_session(*, session: Session, user: User, max_age_s: int) -> str:
    """A new page login; returns the random id for the cookie (stored only as its hash)."""
    session_id = secrets.token_urlsafe(32)
    # the user's ended sessions are of no further use: drop them while we are here
    session.execute(delete(UserSession).where(
        UserSession.user_id == user.id,
        or_(UserSession.revoked_at.is_not(None), UserSession.expires_at < func.now())))
    session.add(UserSession(user_id=user.id, token_hash=_digest(session_id),
                            expires_at=datetime.now(UTC) + timedelta(seconds=max_age_s)))
    session.flush()
    return session_id


def user_for_session(*, session: Session, session_id: str) -> User | None:
    """The active user of a live (not ended, not expired) page login, else None."""
    row = session.execute(
        select(UserSession, User)
        .join(User, UserSession.user_id == User.id)
        .where(UserSession.token_hash == _digest(session_id), UserSession.revoked_at.is_(None),
               UserSession.expires_at > func.now(), User.is_active)
    ).first()
    if row is None:
        return None
    _record_time(session=session, model=UserSession, column="last_seen_at",
                 row_id=row.UserSession.id, last=row.UserSession.last_seen_at)
    return row.User


def end_session(*, session: Session, session_id: str) -> None:
    session.execute(update(UserSession).where(
        UserSession.token_hash == _digest(session_id), UserSession.revoked_at.is_(None),
    ).values(revoked_at=func.now()))


def end_user_sessions(*, session: Session, user_id: int) -> None:
    session.execute(update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None),
    ).values(revoked_at=func.now()))


@lru_cache(maxsize=8)
def _bookkeeping_engine(url: URL) -> Engine:
    # a pool of its own: a request holding a connection of the main pool never waits for a second
    # one there (20 requests, each waiting for a 21st connection, would stall for pool_timeout)
    return create_engine(url, pool_size=2, max_overflow=0, pool_timeout=0.5, pool_pre_ping=True,
                         isolation_level="AUTOCOMMIT")


def record_write(*, session: Session, user: User) -> None:
    """Note that the user is writing (at most once a second), before the write commits: their
    reads of the next moments go to the primary. A write that then fails costs only that."""
    _record_time(session=session, model=User, column="last_write_at", row_id=user.id,
                 last=user.last_write_at, interval=WRITE_RECORD_INTERVAL)


def _record_time(*, session: Session, model: type[Base], column: str, row_id: int,
                 last: datetime | None, interval: timedelta = USE_RECORD_INTERVAL) -> None:
    """Set ``column`` to now, at most once per ``interval``, in a transaction of its own that
    never waits.

    In the request's transaction the row lock would be held until that request commits, so every
    other request with the same token queued behind a long import (GET /api/v1/me took 5.17 s
    during a 6.6 s import). Here it commits at once, and a row locked by someone else is skipped
    (SKIP LOCKED): that someone is setting the same time.
    """
    if last is not None and last > datetime.now(UTC) - interval:
        return
    table = model.__table__
    due = or_(table.c[column].is_(None),
              table.c[column] < func.now() - text(f"interval '{interval.total_seconds()} seconds'"))
    free = select(table.c.id).where(table.c.id == row_id, due).with_for_update(skip_locked=True)
    statement = update(model).where(table.c.id.in_(free.scalar_subquery())).values(
        {column: func.now()})
    try:
        with _bookkeeping_engine(session.get_bind().engine.url).connect() as conn:
            conn.execute(statement)
    except SQLAlchemyError as exc:  # bookkeeping only: the request goes on without it
        log.warning("last use of %s %s not recorded: %s", model.__tablename__, row_id, type(exc).__name__)
