"""Users, password hashing (argon2) and API tokens (stored as SHA-256 only)."""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.accounts import passwords
from app.accounts.models import ApiToken, Role, User
from app.errors import Conflict, InvalidInput, NotFound
from app.municipalities import service as municipality_service

TOKEN_PREFIX = "lst_"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
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
    user.password_hash = hash_password(password)


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


def authenticate_token(*, session: Session, token: str) -> User | None:
    row = session.execute(
        select(ApiToken, User)
        .join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None), User.is_active)
    ).first()
    if row is None:
        return None
    session.execute(
        update(ApiToken).where(ApiToken.id == row.ApiToken.id).values(last_used_at=func.now())
    )
    return row.User
