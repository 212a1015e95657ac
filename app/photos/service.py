"""Photos: add (staff, or a citizen with a report's upload token), list, serve, edit, delete,
erase with a reporter's data.

Who sees a photo is the vacancy's read rule (``app.vacancies.query.readable``, from the one
access policy) plus one condition: a photo not yet approved (a citizen's) is seen only by those
who moderate the town. So a report's photos are public only once staff confirmed the report
(the vacancy is then public) and approved the photo.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from app.accounts import policy
from app.accounts.principal import ANONYMOUS, Principal
from app.config import Settings
from app.database import rowcount
from app.errors import Conflict, Forbidden, NotFound, PhotoLimit
from app.photos import imaging, tokens
from app.photos.models import Photo
from app.photos.schemas import PhotoUpdate
from app.vacancies import query
from app.vacancies.lifecycle import VacancyStatus
from app.vacancies.models import Vacancy
from app.vacancies.report_models import VacancyReport

MAX_ID = 2**31


def image_path(photo_id: int) -> str:
    return f"/api/v1/photos/{photo_id}.jpg"


def thumbnail_path(photo_id: int) -> str:
    return f"/api/v1/photos/{photo_id}/thumb.jpg"


def visible(principal: Principal, vacancy: Vacancy, photo: Photo) -> bool:
    return query.readable(principal, vacancy, details=True) and (
        photo.approved or policy.may_moderate(principal, vacancy.municipality_id))


@dataclass(frozen=True)
class Shown:
    """A photo a caller may see, and whether everybody may (then caches may keep it)."""

    photo: Photo
    public: bool


# --- reads ---------------------------------------------------------------------------------------

def list_photos(*, session: Session, principal: Principal, vacancy_id: int) -> list[Photo]:
    """The vacancy's photos in gallery order (unapproved ones only for its moderators)."""
    vacancy = query.get_readable(session=session, principal=principal, vacancy_id=vacancy_id,
                                 field="vacancy_id", details=True)
    statement = select(Photo).where(Photo.vacancy_id == vacancy.id)
    if not policy.may_moderate(principal, vacancy.municipality_id):
        statement = statement.where(Photo.approved)
    return list(session.scalars(statement.order_by(Photo.position, Photo.id)))


def cover_image(*, session: Session, vacancy_id: int) -> bytes | None:
    """The JPEG of the vacancy's cover (else its first approved photo), for printing; only
    approved photos, whoever asks (an exposé goes to interested parties)."""
    return session.scalar(select(Photo.data).where(Photo.vacancy_id == vacancy_id, Photo.approved)
                          .order_by(Photo.is_cover.desc(), Photo.position, Photo.id).limit(1))


def photos_of_reports(*, session: Session, report_ids: list[int]) -> dict[int, list[Photo]]:
    """A review queue's report photos by report (the caller moderates the town)."""
    found: dict[int, list[Photo]] = {report_id: [] for report_id in report_ids}
    rows = session.scalars(select(Photo).where(Photo.report_id.in_(report_ids))
                           .order_by(Photo.position, Photo.id))
    for photo in rows:
        found[photo.vacancy_id].append(photo)
    return found


def get_shown(*, session: Session, principal: Principal, photo_id: int) -> Shown:
    """A photo the caller may see (404 otherwise, also for photos that exist)."""
    photo = session.get(Photo, photo_id) if 0 < photo_id < MAX_ID else None
    vacancy = session.get(Vacancy, photo.vacancy_id) if photo is not None else None
    if photo is None or vacancy is None or not visible(principal, vacancy, photo):
        raise NotFound(f"no photo {photo_id}", field="photo_id")
    return Shown(photo=photo, public=visible(ANONYMOUS, vacancy, photo))


# --- writes --------------------------------------------------------------------------------------

def _editable_vacancy(*, session: Session, principal: Principal, vacancy_id: int) -> Vacancy:
    vacancy = query.get_readable(session=session, principal=principal, vacancy_id=vacancy_id,
                                 field="vacancy_id")
    if not policy.may_edit(principal, vacancy.municipality_id):
        raise Forbidden("only staff of the town add or change its photos")
    return vacancy


def _count(session: Session, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(Photo).where(*conditions)) or 0


def _check_room(session: Session, vacancy_id: int, settings: Settings,
                report_id: int | None = None) -> None:
    if _count(session, Photo.vacancy_id == vacancy_id) >= settings.photos_per_vacancy:
        raise PhotoLimit(f"vacancy {vacancy_id} has {settings.photos_per_vacancy} photos already, "
                         "the most it may have; delete one first", field="file")
    if report_id is not None and _count(session, Photo.report_id == report_id) \
            >= settings.photos_per_report:
        raise PhotoLimit(f"a report takes at most {settings.photos_per_report} photos",
                         field="file")


def _lock(session: Session, vacancy_id: int) -> None:
    """Concurrent uploads to one vacancy count its photos one after the other."""
    session.execute(text("SELECT 1 FROM vacancy WHERE id = :id FOR NO KEY UPDATE"), {"id": vacancy_id})


def _store(*, session: Session, vacancy_id: int, processed: imaging.Processed,
           caption: str | None, approved: bool, report_id: int | None,
           actor_id: int | None) -> Photo:
    position = session.scalar(select(func.coalesce(func.max(Photo.position) + 1, 0))
                              .where(Photo.vacancy_id == vacancy_id))
    photo = Photo(
        vacancy_id=vacancy_id, report_id=report_id, position=position, caption=caption or None,
        is_cover=False, approved=approved, content_type=processed.content_type,
        width=processed.image.width, height=processed.image.height,
        sha256=processed.image.sha256, thumbnail_sha256=processed.thumbnail.sha256,
        data=processed.image.data, thumbnail=processed.thumbnail.data, created_by_id=actor_id,
    )
    session.add(photo)
    session.flush()
    return photo


def _processed_within_limits(*, session: Session, vacancy_id: int, data: bytes,
                             settings: Settings, report_id: int | None = None) -> imaging.Processed:
    # counted before the work and again under the lock: the CPU-heavy part holds no lock
    _check_room(session, vacancy_id, settings, report_id)
    processed = imaging.process(data, max_pixels=settings.photo_max_pixels)
    _lock(session, vacancy_id)
    _check_room(session, vacancy_id, settings, report_id)
    return processed


def add_photo(*, session: Session, vacancy_id: int, data: bytes, caption: str | None,
              actor: Principal, settings: Settings) -> Photo:
    """Staff of the town add a photo: approved at once, last in the order."""
    vacancy = _editable_vacancy(session=session, principal=actor, vacancy_id=vacancy_id)
    processed = _processed_within_limits(session=session, vacancy_id=vacancy.id, data=data,
                                         settings=settings)
    return _store(session=session, vacancy_id=vacancy.id, processed=processed, caption=caption,
                  approved=True, report_id=None, actor_id=actor.user_id)


def add_report_photo(*, session: Session, report_id: int, token: str, data: bytes,
                     caption: str | None, settings: Settings) -> Photo:
    """A citizen adds a photo to the report they just sent: unapproved until staff approve."""
    tokens.check(secret_key=settings.secret_key or "", token=token, report_id=report_id)
    vacancy = session.get(Vacancy, report_id)
    if vacancy is None or session.get(VacancyReport, report_id) is None:
        raise NotFound(f"no report {report_id}", field="report_id")
    if vacancy.status != VacancyStatus.reported:
        raise Conflict(f"report {report_id} was already decided; it takes no more photos")
    processed = _processed_within_limits(session=session, vacancy_id=vacancy.id, data=data,
                                         settings=settings, report_id=report_id)
    return _store(session=session, vacancy_id=vacancy.id, processed=processed, caption=caption,
                  approved=False, report_id=report_id, actor_id=None)


def _editable_photo(*, session: Session, principal: Principal, photo_id: int) -> Photo:
    photo = get_shown(session=session, principal=principal, photo_id=photo_id).photo
    _editable_vacancy(session=session, principal=principal, vacancy_id=photo.vacancy_id)
    return photo


def _ordered(session: Session, vacancy_id: int) -> list[Photo]:
    return list(session.scalars(select(Photo).where(Photo.vacancy_id == vacancy_id)
                                .order_by(Photo.position, Photo.id)))


def _renumber(photos: list[Photo]) -> None:
    for position, photo in enumerate(photos):
        photo.position = position


def _move(session: Session, photo: Photo, position: int) -> None:
    others = [p for p in _ordered(session, photo.vacancy_id) if p.id != photo.id]
    others.insert(min(position, len(others)), photo)
    _renumber(others)


def _make_cover(session: Session, photo: Photo) -> None:
    session.execute(update(Photo).where(Photo.vacancy_id == photo.vacancy_id, Photo.id != photo.id,
                                        Photo.is_cover).values(is_cover=False))
    session.flush()
    photo.is_cover = True


def update_photo(*, session: Session, photo_id: int, changes: PhotoUpdate,
                 actor: Principal) -> Photo:
    """Staff of the town change the caption, the order, the cover or the approval."""
    photo = _editable_photo(session=session, principal=actor, photo_id=photo_id)
    _lock(session, photo.vacancy_id)
    sent = changes.model_fields_set
    if "caption" in sent:
        photo.caption = changes.caption or None
    if changes.approved is not None:
        photo.approved = changes.approved
    if changes.is_cover:
        _make_cover(session, photo)
    elif changes.is_cover is False:
        photo.is_cover = False
    if changes.position is not None:
        _move(session, photo, changes.position)
    session.flush()
    return photo


def delete_photo(*, session: Session, photo_id: int, actor: Principal) -> None:
    photo = _editable_photo(session=session, principal=actor, photo_id=photo_id)
    _lock(session, photo.vacancy_id)
    session.delete(photo)
    session.flush()
    _renumber(_ordered(session, photo.vacancy_id))
    session.flush()


def erase_report_photos(*, session: Session, email: str, all_towns: bool,
                        town_ids: list[int]) -> int:
    """The photos a person sent with their reports (found by the report's contact e-mail),
    within the towns whose personal data the caller may erase. Run before the contact goes."""
    return rowcount(session, text("""
        DELETE FROM photo p USING report_contact c, vacancy v
        WHERE p.report_id = c.vacancy_id AND c.email = :email AND v.id = p.vacancy_id
          AND (:all OR v.municipality_id = ANY(:ids))
    """), {"email": email, "all": all_towns, "ids": town_ids})
