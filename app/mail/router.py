"""Mail pages: confirm an address (double opt-in), unsubscribe in one click (RFC 8058), and the
admins' outbox — what was or would be sent, when no SMTP server is configured."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import policy
from app.accounts.deps import PrincipalDep
from app.deps import SessionDep
from app.errors import Forbidden
from app.mail import service
from app.templating import render

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
