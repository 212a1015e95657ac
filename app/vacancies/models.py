from datetime import date, datetime
from decimal import Decimal
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base, str_enum
from app.vacancies.lifecycle import VacancyStatus
from app.vacancies.properties import Condition, Floor, Willingness


class Vacancy(Base):
    __tablename__ = "vacancy"
    __table_args__ = (
        CheckConstraint("floor_area_m2 > 0 AND floor_area_m2 <= 100000", name="floor_area_range"),
        CheckConstraint("shop_window_m >= 0 AND shop_window_m <= 1000", name="shop_window_range"),
        CheckConstraint(
            "asking_rent_eur_m2 >= 0 AND asking_rent_eur_m2 <= 1000", name="asking_rent_range"
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        UniqueConstraint("municipality_id", "external_id", name="uq_vacancy_external_id"),
        Index("ix_vacancy_municipality_status", "municipality_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed as the leading column of ix_vacancy_municipality_status and uq_vacancy_external_id
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="RESTRICT"))
    location: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326))
    # shown, never searched: no spatial index (each index costs every write)
    footprint: Mapped[WKBElement | None] = mapped_column(
        Geometry("POLYGON", srid=4326, spatial_index=False))
    street: Mapped[str | None] = mapped_column(String(200))
    house_number: Mapped[str | None] = mapped_column(String(20))
    postcode: Mapped[str | None] = mapped_column(String(5))
    floor_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(9, 1))
    floor: Mapped[Floor | None] = mapped_column(str_enum(Floor, "floor"))
    shop_window_m: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    condition: Mapped[Condition | None] = mapped_column(str_enum(Condition, "condition"))
    has_wc: Mapped[bool | None] = mapped_column(Boolean)
    has_heating: Mapped[bool | None] = mapped_column(Boolean)
    step_free: Mapped[bool | None] = mapped_column(Boolean)
    former_use: Mapped[str | None] = mapped_column(String(200))
    vacant_since: Mapped[date | None] = mapped_column(Date)
    status: Mapped[VacancyStatus] = mapped_column(str_enum(VacancyStatus, "status"))
    owner_interim_willing: Mapped[Willingness] = mapped_column(
        str_enum(Willingness, "owner_interim_willing"), default=Willingness.unknown,
        server_default=Willingness.unknown.value,
    )
    asking_rent_eur_m2: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    description: Mapped[str | None] = mapped_column(Text)
    # private: never selected by public or working-group queries
    owner_contact: Mapped[str | None] = mapped_column(Text)
    internal_notes: Mapped[str | None] = mapped_column(Text)

    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    external_id: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(20), default="staff", server_default="staff")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class VacancyHistory(Base):
    __tablename__ = "vacancy_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancy.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    field: Mapped[str] = mapped_column(String(50))
    old_value: Mapped[Any] = mapped_column(JSONB, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSONB, nullable=True)
