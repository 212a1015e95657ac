"""Account API schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class Me(BaseModel):
    """Who the request is authenticated as; the caller's own e-mail, nobody else's."""

    authenticated: bool
    email: str | None
    role: str | None
    municipality_id: int | None


class TokenPublic(BaseModel):
    """An API token as listed: never the token itself (only its hash is stored)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    label: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class UserStatus(BaseModel):
    id: int
    is_active: bool
