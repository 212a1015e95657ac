"""Photo API schemas: a photo as staff and the public read it, its edit, a citizen's receipt."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.photos.models import MAX_CAPTION
from app.schemas import Out, Strict


class PhotoOut(Out):
    id: int
    vacancy_id: int
    url: str = Field(description="the image (JPEG, long edge ≤ 2,000 px, no metadata)")
    thumbnail_url: str = Field(description="the thumbnail (JPEG, long edge ≤ 400 px)")
    caption: str | None
    position: int = Field(description="0 first; the order of the gallery")
    is_cover: bool
    approved: bool = Field(description="citizens' photos show publicly only once approved")
    from_report: bool = Field(description="sent by a citizen with a report")
    width: int
    height: int
    created_at: datetime


class PhotoList(Out):
    vacancy_id: int
    photos: list[PhotoOut]


class PhotoUpdate(Strict):
    """Only the keys sent change; ``caption: null`` clears the caption."""

    caption: str | None = Field(None, max_length=MAX_CAPTION)
    position: int | None = Field(None, ge=0, le=1000, description="new place in the order (0 first)")
    is_cover: bool | None = Field(None, description="true: this photo is the cover (the former "
                                  "cover is no longer one)")
    approved: bool | None = Field(None, description="staff approve (or hide) a citizen's photo")


class PhotoReceived(Out):
    """A citizen's photo is stored unapproved: nobody but staff of the town sees it yet."""

    id: int
    approved: bool
