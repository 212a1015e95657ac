"""The base of the public write schemas (reports, proposals, supports, flags): a honeypot."""

from __future__ import annotations

from pydantic import Field

from app.schemas import Strict


class PublicPost(Strict):
    """A body anonymous visitors send. ``website`` is a honeypot: the pages hide it, so only
    bots fill it in; such a request is answered as if accepted and nothing is stored."""

    website: str | None = Field(None, max_length=500, description="honeypot: leave empty")

    @property
    def is_bot(self) -> bool:
        return bool(self.website)

