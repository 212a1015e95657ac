"""Request authentication: a bearer API token, or the session cookie of the pages.

The cookie (signed by Starlette's SessionMiddleware, readable by its holder) carries only a random
session id and the CSRF token; who is logged in is looked up in ``user_session`` on every request,
so logout, a new password or disabling the user end the session at once."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.accounts import service
from app.accounts.models import User
from app.accounts.principal import ANONYMOUS, Principal
from app.deps import SessionDep
from app.errors import Forbidden, Unauthenticated

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "x-csrf-token"
SESSION_ID = "sid"


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


def cookie_session_id(request: Request) -> str | None:
    value = request.session.get(SESSION_ID)
    return value if isinstance(value, str) and value else None


def _cookie_user(request: Request, session: Session) -> User | None:
    session_id = cookie_session_id(request)
    if session_id is None:
        return None
    return service.user_for_session(session=session, session_id=session_id)


def get_principal(request: Request, session: SessionDep) -> Principal:
    principal = _principal(request, session)
    request.state.principal = principal  # for the page header (app.templating)
    return principal


def _reads_from_replica(request: Request) -> bool:
    """Routed reads go to the replica unless there is none, it is unusable (down, lagging), or
    the caller wrote within ``read_after_write_s`` — so people see their own changes."""
    replica = request.app.state.replica
    return (replica is not None and not getattr(request.state, "recent_writer", False)
            and replica.usable())


def get_read_session(request: Request, principal: Annotated[Principal, Depends(get_principal)],
                     session: SessionDep) -> Iterator[Session]:
    """The session of a read-only route: the replica's, or the request's own on the primary."""
    if not _reads_from_replica(request):
        yield session
        return
    with request.app.state.read_session_factory() as replica_session:
        yield replica_session


def get_read_engine(request: Request,
                    principal: Annotated[Principal, Depends(get_principal)]) -> Engine:
    """The engine a streamed read (exports) takes its own connection from."""
    state = request.app.state
    return state.replica.engine if _reads_from_replica(request) else state.engine


def page_principal(request: Request) -> Principal:
    """The logged-in page user (cookie session), for the header of a page; looked up in a short
    session of its own on pages whose route does not authenticate. API tokens are no page user."""
    principal = getattr(request.state, "principal", None)
    if principal is None and cookie_session_id(request):
        try:
            with request.app.state.session_factory() as session, session.begin():
                user = _cookie_user(request, session)
        except SQLAlchemyError:  # an error page while the database is down: no name, no 500
            user = None
        principal = principal_for(user, via_cookie=True) if user else ANONYMOUS
    return principal if principal is not None and principal.via_cookie else ANONYMOUS


def _principal(request: Request, session: Session) -> Principal:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
        user = service.authenticate_token(session=session, token=token.strip())
        if user is None:
            raise Unauthenticated("invalid or revoked API token")
        _note_writes(request, session, user)
        return principal_for(user)
    user = _cookie_user(request, session)
    if user is None:
        return ANONYMOUS
    # cookies ride along on cross-site requests; writes must prove they come from our pages
    if request.method not in SAFE_METHODS and not csrf_valid(request, request.headers.get(CSRF_HEADER)):
        raise Forbidden("missing or wrong X-CSRF-Token header for a cookie session")
    _note_writes(request, session, user)
    return principal_for(user, via_cookie=True)


def _note_writes(request: Request, session: Session, user: User) -> None:
    """Writers read from the primary for a while (with a replica configured): their writes are
    recorded, and a recent one sends this request's reads there."""
    if request.app.state.replica is None:
        return
    if request.method not in SAFE_METHODS:
        service.record_write(session=session, user=user)
    window = timedelta(seconds=request.app.state.settings.read_after_write_s)
    request.state.recent_writer = (request.method not in SAFE_METHODS or (
        user.last_write_at is not None and user.last_write_at > datetime.now(UTC) - window))


def require_user(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if not principal.authenticated:
        raise Unauthenticated("this needs an API token (Authorization: Bearer …) or a login")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
UserDep = Annotated[Principal, Depends(require_user)]
# read-only routes (map lists, exports, OGC, statistics): a replica when configured and usable
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]
ReadEngineDep = Annotated[Engine, Depends(get_read_engine)]
