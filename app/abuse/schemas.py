"""Pieces shared by the public write schemas (reports, proposals, supports, flags)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# deliberately loose: one @, a dot in the domain, no spaces or angle brackets
EMAIL_PATTERN = r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$"
AGS_PATTERN = r"^[0-9]{8}$"

Email = Annotated[str, Field(max_length=320, pattern=EMAIL_PATTERN), AfterValidator(str.lower)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class PublicPost(Strict):
    """A body anonymous visitors send. ``website`` is a honeypot: the pages hide it, so only
    bots fill it in; such a request is answered as if accepted and nothing is stored."""

    website: str | None = Field(None, max_length=500, description="honeypot: leave empty")

    @property
    def is_bot(self) -> bool:
        return bool(self.website)

