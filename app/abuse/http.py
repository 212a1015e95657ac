"""Request-side helpers of the abuse protection (the routers call these first)."""

from fastapi import Request
from sqlalchemy.orm import Session

from app.abuse import service


def client_address(request: Request) -> str:
    """The client's address as uvicorn sees it (behind a proxy: from X-Forwarded-For, which
    uvicorn only trusts from --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"


def client_key(request: Request, purpose: str) -> str:
    """A keyed hash of the client for one purpose (never the address itself)."""
    return service.client_hash(secret=request.app.state.settings.secret_key, purpose=purpose,
                               client=client_address(request))


def rate_limit(request: Request, session: Session, action: str, limit_setting: str) -> None:
    """Count this request against the client's hourly budget for ``action`` (429 beyond it)."""
    settings = request.app.state.settings
    service.check_rate_limit(session=session, secret=settings.secret_key,
                             client=client_address(request), action=action,
                             limit=getattr(settings, limit_setting))
