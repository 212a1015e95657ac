"""Request-side helpers of the abuse protection (the routers call these first)."""

from fastapi import Request
from sqlalchemy.orm import Session

from app.abuse import service
from app.abuse.forwarded import resolve_client


def client_address(request: Request) -> str:
    """The client's address: the TCP peer, or behind a proxy listed in LEERSTAND_TRUSTED_PROXIES
    the right-most X-Forwarded-For hop that is not such a proxy (the only resolver; rate limits
    and the support/flag address hashes all read it)."""
    peer = request.client.host if request.client else "unknown"
    return resolve_client(peer=peer, forwarded_for=request.headers.getlist("x-forwarded-for"),
                          trusted=request.app.state.settings.trusted_proxies)


def rate_limit(request: Request, session: Session, action: str, limit_setting: str,
               *, subject: str | None = None) -> None:
    """Count this request against an hourly budget for ``action`` (429 beyond it): the client's,
    or with ``subject`` that one target's (e.g. an e-mail address, from whatever client)."""
    settings = request.app.state.settings
    counted = client_address(request) if subject is None else f"subject:{subject}"
    service.check_rate_limit(session=session, secret=settings.secret_key, client=counted,
                             action=action, limit=getattr(settings, limit_setting))
