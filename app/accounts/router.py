"""Login pages (server-side sessions, CSRF-protected forms) and who-am-I for the API."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.abuse.http import rate_limit
from app.accounts import service
from app.accounts.deps import SESSION_ID, PrincipalDep, cookie_session_id, csrf_valid
from app.accounts.schemas import Me
from app.deps import SessionDep
from app.errors import Forbidden
from app.templating import render

router = APIRouter(tags=["accounts"])


def _safe_next(value: str | None) -> str:
    # only same-site relative paths: no open redirect to another host
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


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
    return RedirectResponse(_safe_next(next), status_code=303)


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
