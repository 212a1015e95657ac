"""Mail pages: confirm an address (double opt-in), unsubscribe in one click (RFC 8058), and the
admins' outbox — what was or would be sent, when no SMTP server is configured."""

import re
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from app.abuse.http import rate_limit
from app.accounts import policy
from app.accounts.deps import PrincipalDep, csrf_valid
from app.deps import SessionDep
from app.errors import Forbidden
from app.mail import contributions, service
from app.schemas import EMAIL_PATTERN
from app.templating import render
from app.urls import public_base

pages = APIRouter(include_in_schema=False)
Token = Annotated[str, Path(min_length=16, max_length=64)]
OUTBOX_PAGE = "/verwaltung/postausgang"


@pages.get(service.CONFIRM_PAGE + "{token}")
def confirm_page(token: Token, request: Request, session: SessionDep) -> Response:
    """The link in the confirmation mail: the address is confirmed, held mails go out."""
    service.confirm(session=session, token=token)
    return render(request, "mail_confirmed.html")


@pages.get(service.UNSUBSCRIBE_PAGE + "{token}")
def unsubscribe_page(token: Token, request: Request) -> Response:
    """Asks first: mail scanners open links, and a GET must not unsubscribe anybody."""
    return render(request, "mail_unsubscribe.html", token=token, done=False)


@pages.post(service.UNSUBSCRIBE_PAGE + "{token}")
def unsubscribe(token: Token, request: Request, session: SessionDep) -> Response:
    """The one-click POST of a mail program (body ``List-Unsubscribe=One-Click``) or the
    page's button; no session, no CSRF token: the secret link is the authority."""
    service.unsubscribe(session=session, token=token)
    return render(request, "mail_unsubscribe.html", token=token, done=True)


@pages.get(OUTBOX_PAGE)
def outbox_page(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    """Admins only: the page shows citizens' addresses of every town."""
    if not principal.authenticated:
        return RedirectResponse(f"/anmelden?next={OUTBOX_PAGE}", status_code=303)
    if not policy.is_admin(principal):
        raise Forbidden("Den Postausgang sehen nur Administratorinnen und Administratoren.")
    smtp = request.app.state.settings.smtp
    return render(request, "mail_outbox.html", mails=service.outbox(session=session),
                  smtp=f"{smtp.host}:{smtp.port}" if smtp else None)


@pages.get(service.CONTRIBUTIONS_PAGE)
def contributions_form(request: Request) -> Response:
    return render(request, "my_contributions_form.html", sent=False, error=None)


@pages.post(service.CONTRIBUTIONS_PAGE)
def contributions_request(request: Request, session: SessionDep,
                          email: Annotated[str, Form(max_length=320)] = "",
                          csrf_token: Annotated[str, Form()] = "") -> Response:
    """Always the same answer: whether the address has contributions stays unknown."""
    if not csrf_valid(request, csrf_token):
        raise Forbidden("Das Formular ist abgelaufen. Bitte laden Sie die Seite neu.")
    email = email.strip().lower()
    if not re.fullmatch(EMAIL_PATTERN, email):
        return render(request, "my_contributions_form.html", status_code=422, sent=False,
                      error="Bitte geben Sie eine gültige E-Mail-Adresse ein.")
    rate_limit(request, session, "contributions", "public_posts_per_hour")
    rate_limit(request, session, "contributions_email", "contributions_requests_per_hour",
               subject=email)
    settings = request.app.state.settings
    contributions.request_link(session=session, email=email, base_url=public_base(request),
                               hours=settings.contributions_link_hours)
    return render(request, "my_contributions_form.html", sent=True, error=None)


@pages.get(service.CONTRIBUTIONS_PAGE + "/{token}")
def contributions_page(token: Token, request: Request, session: SessionDep) -> Response:
    """The magic link: this address's reports and ideas, and nobody else's."""
    listing = contributions.for_token(session=session, token=token, base_url=public_base(request))
    return render(request, "my_contributions.html", **listing)
