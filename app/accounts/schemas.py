"""Account API schemas."""

from __future__ import annotations

from pydantic import BaseModel


class Me(BaseModel):
    """Who the request is authenticated as; the caller's own e-mail, nobody else's."""

    authenticated: bool
    email: str | None
    role: str | None
    municipality_id: int | None
