"""Login pages (server-side sessions, CSRF-protected forms), who-am-I, and revoking API tokens and
disabling users (admins; everyone their own tokens)."""

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.abuse.http import rate_limit
from app.accounts import policy, service
from app.accounts.deps import SESSION_ID, PrincipalDep, UserDep, cookie_session_id, csrf_valid
from app.accounts.principal import Role
from app.accounts.schemas import Me, TokenPublic, UserStatus
from app.deps import SessionDep
from app.errors import Forbidden, NotFound
from app.responses import errors
from app.templating import render

router = APIRouter(tags=["accounts"], responses=errors(401, 503))


def _safe_next(value: str | None) -> str:
    # only same-site relative paths: no open redirect to another host
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _landing(target: str, role: Role) -> str:
    """Where a login without a page to return to lands: staff and admins on their home
    (today's tasks, /verwaltung), the working group on the overview of all towns."""
    if target != "/":
        return target
    return "/uebersicht" if role == Role.working_group else "/verwaltung"


@router.get("/anmelden", include_in_schema=False)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), email="", error=None)


@router.post("/anmelden", include_in_schema=False)
def login(
    request: Request, session: SessionDep,
    email: Annotated[str, Form(max_length=320)], password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/",
) -> Response:
    if not csrf_valid(request, csrf_token):
        raise Forbidden("Das Formular ist abgelaufen. Bitte laden Sie die Seite neu.")
    # counted before checking, and kept on failure (the 401 page commits): slows password guessing
    rate_limit(request, session, "login", "login_attempts_per_hour")
    rate_limit(request, session, "login_email", "login_attempts_per_email_per_hour",
               subject=email.strip().lower())
    user = service.authenticate_password(session=session, email=email, password=password)
    if user is None:
        return render(request, "login.html", status_code=401, next=_safe_next(next), email=email,
                      error="E-Mail-Adresse oder Passwort ist falsch.")
    old = cookie_session_id(request)
    if old:
        service.end_session(session=session, session_id=old)
    request.session.clear()  # a fresh session id (and CSRF token) at every login
    request.session[SESSION_ID] = service.start_session(
        session=session, user=user, max_age_s=request.app.state.settings.session_max_age_s)
    return RedirectResponse(_landing(_safe_next(next), user.role), status_code=303)


@router.post("/abmelden", include_in_schema=False)
def logout(request: Request, session: SessionDep,
           csrf_token: Annotated[str, Form()] = "") -> Response:
    if not csrf_valid(request, csrf_token):
        raise Forbidden("Das Formular ist abgelaufen. Bitte laden Sie die Seite neu.")
    session_id = cookie_session_id(request)
    if session_id:  # ended on the server: a copy of the cookie is worth nothing from now on
        service.end_session(session=session, session_id=session_id)
    request.session.clear()
    return RedirectResponse("/", status_code=303)


@router.get("/api/v1/me", response_model=Me, summary="Who the request is authenticated as")
def me(principal: PrincipalDep) -> Me:
    return Me(authenticated=principal.authenticated, email=principal.email,
              role=principal.role.value if principal.role else None,
              municipality_id=principal.municipality_id)


# PostgreSQL integer ids: a larger number is no id of ours (404 territory, but never a 500)
DbId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/api/v1/tokens", response_model=list[TokenPublic], responses=errors(403),
            summary="API tokens: an admin's of anyone (or of ?user=id), everyone else's own")
def list_tokens(
    principal: UserDep, session: SessionDep,
    user: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="user id")] = None,
) -> list[TokenPublic]:
    if not policy.is_admin(principal):
        if user is not None and user != principal.user_id:
            raise Forbidden("only admins see other users' API tokens")
        user = principal.user_id
    tokens = service.list_tokens(session=session, user_id=user)
    return [TokenPublic.model_validate(token) for token in tokens]


@router.delete("/api/v1/tokens/{token_id}", response_model=TokenPublic, responses=errors(404),
               summary="Revoke an API token (admins any, everyone else their own)")
def revoke_token(token_id: DbId, principal: UserDep, session: SessionDep) -> TokenPublic:
    token = service.get_token(session=session, token_id=token_id)
    if not policy.is_admin(principal) and token.user_id != principal.user_id:
        # as if it did not exist: ids of other users' tokens tell nothing
        raise NotFound(f"no API token with id {token_id}", field="token_id")
    service.revoke_token(session=session, token=token)
    return TokenPublic.model_validate(token)


@router.post("/api/v1/users/{user_id}/disable", response_model=UserStatus,
             responses=errors(403, 404),
             summary="Disable a user: no login, sessions and API tokens refused at once (admins)")
def disable_user(user_id: DbId, principal: UserDep, session: SessionDep) -> UserStatus:
    if not policy.is_admin(principal):
        raise Forbidden("only admins disable users")
    user = service.get_user(session=session, user_id=user_id)
    service.disable_user(session=session, user=user)
    return UserStatus(id=user.id, is_active=user.is_active)
