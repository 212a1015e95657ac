"""Jinja2 templates for the German pages (autoescaped: user text is always shown as text)."""

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from app.config import PROJECT_DIR

templates = Jinja2Templates(directory=str(PROJECT_DIR / "app" / "templates"))
# |tojson keeps the order of a dict: the label tables embedded for the scripts list their
# values in the order the pages offer them (Jinja sorts the keys by default)
templates.env.policies["json.dumps_kwargs"] = {"sort_keys": False}


def render(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    from app.accounts.deps import csrf_token, page_email

    email = page_email(request)
    context.setdefault("user", {"email": email} if email else None)
    # the nonce of this response's Content-Security-Policy (app.middleware) for inline scripts
    context.setdefault("csp_nonce", getattr(request.state, "csp_nonce", ""))
    return templates.TemplateResponse(
        request, name, {"csrf": csrf_token(request), **context}, status_code=status_code
    )
