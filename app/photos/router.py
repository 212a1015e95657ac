"""HTTP for photos: upload (multipart), list, the image bytes with ETag and caching, edit, delete."""

from __future__ import annotations

from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, File, Form, Header, Request, UploadFile
from fastapi.responses import Response

from app.accounts.deps import PrincipalDep, UserDep
from app.config import Settings
from app.deps import SessionDep
from app.errors import PayloadTooLarge
from app.photos import service
from app.photos.models import MAX_CAPTION, Photo
from app.photos.schemas import PhotoList, PhotoOut, PhotoReceived, PhotoUpdate
from app.responses import errors
from app.schemas import Id
from app.urls import public_url

router = APIRouter(prefix="/api/v1", tags=["photos"], responses=errors(503))
# the multipart envelope around the file (boundaries, part headers, the caption)
ENVELOPE_BYTES = 64 * 1024
UPLOAD_PATHS = ("/api/v1/vacancies/*/photos", "/api/v1/reports/*/photos")
PUBLIC_CACHE = "public, max-age=31536000, immutable"
PRIVATE_CACHE = "private, no-store"
CHUNK = 1024 * 1024
UPLOAD_ERRORS = (403, 404, 409, 413, 415, 422)
IMAGE: dict[int | str, dict[str, Any]] = {200: {"description": "the image", "content": {"image/jpeg": {
             "schema": {"type": "string", "format": "binary"}}},
               "headers": {"ETag": {"description": "sha256 of the bytes",
                                    "schema": {"type": "string"}, "required": True}}},
         304: {"description": "Not modified (If-None-Match matched the ETag)"}}
FileField = Annotated[UploadFile, File(description="JPEG, PNG, WebP or HEIC; at most "
                                                   "LEERSTAND_PHOTO_MAX_BYTES")]
CaptionField = Annotated[str | None, Form(max_length=MAX_CAPTION)]


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def read_upload(file: BinaryIO, limit: int) -> bytes:
    """The file's bytes, read in chunks and stopped at once past ``limit``."""
    parts: list[bytes] = []
    size = 0
    while chunk := file.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the photo exceeds {limit} bytes", field="file")
        parts.append(chunk)
    return b"".join(parts)


def photo_out(request: Request, photo: Photo) -> PhotoOut:
    return PhotoOut(
        id=photo.id, vacancy_id=photo.vacancy_id,
        url=public_url(request, service.image_path(photo.id)),
        thumbnail_url=public_url(request, service.thumbnail_path(photo.id)),
        caption=photo.caption, position=photo.position, is_cover=photo.is_cover,
        approved=photo.approved, from_report=photo.report_id is not None, width=photo.width,
        height=photo.height, created_at=photo.created_at)


@router.post("/vacancies/{vacancy_id}/photos", status_code=201, response_model=PhotoOut,
             summary="Add a photo to a vacancy (staff of the town)",
             responses=errors(401, *UPLOAD_ERRORS))
def upload_photo(vacancy_id: Id, request: Request, session: SessionDep, principal: UserDep,
                 file: FileField, caption: CaptionField = None) -> PhotoOut:
    """multipart/form-data with `file` and an optional `caption`. The image is re-encoded: EXIF
    (GPS), XMP, IPTC removed, turned upright, long edge ≤ 2,000 px, plus a thumbnail."""
    settings = _settings(request)
    data = read_upload(file.file, settings.photo_max_bytes)
    photo = service.add_photo(session=session, vacancy_id=vacancy_id, data=data, caption=caption,
                              actor=principal, settings=settings)
    return photo_out(request, photo)


@router.post("/reports/{report_id}/photos", status_code=201, response_model=PhotoReceived,
             summary="Add a photo to the report just sent (citizen, with its upload token)",
             responses=errors(*UPLOAD_ERRORS))
def upload_report_photo(
    report_id: Id, request: Request, session: SessionDep, file: FileField,
    upload_token: Annotated[str, Form(max_length=200, description="from the report's answer")],
    caption: CaptionField = None,
) -> PhotoReceived:
    """Up to LEERSTAND_PHOTOS_PER_REPORT photos within an hour of the report; nobody but staff
    of the town sees them until staff confirm the report and approve each photo."""
    settings = _settings(request)
    data = read_upload(file.file, settings.photo_max_bytes)
    photo = service.add_report_photo(session=session, report_id=report_id, token=upload_token,
                                     data=data, caption=caption, settings=settings)
    return PhotoReceived(id=photo.id, approved=photo.approved)


@router.get("/vacancies/{vacancy_id}/photos", response_model=PhotoList,
            summary="Photos of a vacancy", responses=errors(401, 404))
def list_photos(vacancy_id: Id, request: Request, session: SessionDep,
                principal: PrincipalDep) -> PhotoList:
    """Whoever may read the vacancy; photos not yet approved only for staff of the town."""
    photos = service.list_photos(session=session, principal=principal, vacancy_id=vacancy_id)
    return PhotoList(vacancy_id=vacancy_id, photos=[photo_out(request, photo) for photo in photos])


def _image(session: SessionDep, principal: PrincipalDep, photo_id: int, if_none_match: str | None,
           *, thumbnail: bool) -> Response:
    shown = service.get_shown(session=session, principal=principal, photo_id=photo_id)
    photo = shown.photo
    tag = f'"{photo.thumbnail_sha256 if thumbnail else photo.sha256}"'
    headers = {"ETag": tag, "Cache-Control": PUBLIC_CACHE if shown.public else PRIVATE_CACHE}
    if if_none_match and tag in [t.strip().removeprefix("W/") for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    body = photo.thumbnail if thumbnail else photo.data
    return Response(body, media_type=photo.content_type, headers=headers)


@router.get("/photos/{photo_id}.jpg", response_class=Response, summary="A photo's image",
            responses={**IMAGE, **errors(401, 404)})
def photo_image(photo_id: Id, session: SessionDep, principal: PrincipalDep,
                if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """Public photos may be cached for a year (the bytes of an id never change)."""
    return _image(session, principal, photo_id, if_none_match, thumbnail=False)


@router.get("/photos/{photo_id}/thumb.jpg", response_class=Response, summary="A photo's thumbnail",
            responses={**IMAGE, **errors(401, 404)})
def photo_thumbnail(photo_id: Id, session: SessionDep, principal: PrincipalDep,
                    if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """Long edge ≤ 400 px, for lists and map popups."""
    return _image(session, principal, photo_id, if_none_match, thumbnail=True)


@router.patch("/photos/{photo_id}", response_model=PhotoOut, summary="Edit a photo (staff)",
              responses=errors(401, 403, 404))
def update_photo(photo_id: Id, changes: PhotoUpdate, request: Request, session: SessionDep,
                 principal: UserDep) -> PhotoOut:
    """Caption, position in the order, cover, approval of a citizen's photo."""
    photo = service.update_photo(session=session, photo_id=photo_id, changes=changes,
                                 actor=principal)
    return photo_out(request, photo)


@router.delete("/photos/{photo_id}", status_code=204, response_class=Response,
               summary="Delete a photo (staff)", responses=errors(401, 403, 404))
def delete_photo(photo_id: Id, session: SessionDep, principal: UserDep) -> Response:
    service.delete_photo(session=session, photo_id=photo_id, actor=principal)
    return Response(status_code=204)
