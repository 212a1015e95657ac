"""The photo table: re-encoded image and thumbnail bytes with the record they belong to.

A citizen report is a vacancy row (app.vacancies.report_models), so every photo has its
``vacancy_id``; a photo a citizen sent with a report also has ``report_id`` (the same id), which
marks it as citizen input: unapproved until staff approve it, and erased with the reporter's
data. The bytes are deferred columns, so lists never load them."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base

MAX_CAPTION = 300


class Photo(Base):
    __tablename__ = "photo"
    __table_args__ = (
        CheckConstraint("report_id IS NULL OR report_id = vacancy_id", name="report_is_vacancy"),
        CheckConstraint("position >= 0", name="position_positive"),
        # one cover per vacancy
        Index("uq_photo_cover", "vacancy_id", unique=True, postgresql_where=text("is_cover")),
        Index("ix_photo_vacancy_position", "vacancy_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancy.id", ondelete="CASCADE"))
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("vacancy_report.vacancy_id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    caption: Mapped[str | None] = mapped_column(String(MAX_CAPTION))
    is_cover: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    approved: Mapped[bool] = mapped_column(Boolean)
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    thumbnail_sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"))
