"""Request authentication: a bearer API token, or the signed session cookie of the pages."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request

from app.accounts import service
from app.accounts.models import User
from app.accounts.principal import ANONYMOUS, Principal
from app.deps import SessionDep
from app.errors import Forbidden, Unauthenticated

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "x-csrf-token"


def principal_for(user: User, *, via_cookie: bool = False) -> Principal:
    return Principal(
        user_id=user.id, email=user.email, role=user.role,
        municipality_id=user.municipality_id, via_cookie=via_cookie,
    )


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use; forms and page scripts send it back."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_valid(request: Request, submitted: str | None) -> bool:
    expected = request.session.get("csrf")
    return bool(expected and submitted and secrets.compare_digest(expected, submitted))


def get_principal(request: Request, session: SessionDep) -> Principal:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
        user = service.authenticate_token(session=session, token=token.strip())
        if user is None:
            raise Unauthenticated("invalid or revoked API token")
        return principal_for(user)
    user_id = request.session.get("uid")
    if user_id:
        user = session.get(User, user_id)
        if user is not None and user.is_active:
            # cookies ride along on cross-site requests; writes must prove they come from our pages
            if request.method not in SAFE_METHODS and not csrf_valid(
                request, request.headers.get(CSRF_HEADER)
            ):
                raise Forbidden("missing or wrong X-CSRF-Token header for a cookie session")
            return principal_for(user, via_cookie=True)
    return ANONYMOUS


def require_user(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if not principal.authenticated:
        raise Unauthenticated("this needs an API token (Authorization: Bearer …) or a login")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
UserDep = Annotated[Principal, Depends(require_user)]
