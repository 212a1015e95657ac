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
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, column_property, mapped_column

from app.database import Base, str_enum
from app.municipalities.models import Municipality
from app.vacancies.lifecycle import VacancyStatus
from app.vacancies.properties import (
    Condition,
    Consent,
    ContactChannel,
    ContactOutcome,
    Floor,
    Willingness,
)


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
        # the staff's owner follow-ups due (next_follow_up <= today, per town)
        Index("ix_vacancy_next_follow_up", "municipality_id", "next_follow_up",
              postgresql_where="next_follow_up IS NOT NULL"),
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
    # private, too: the owner's consent to publish and the staff's next follow-up with the owner
    owner_consent: Mapped[Consent] = mapped_column(
        str_enum(Consent, "owner_consent"), default=Consent.none, server_default=Consent.none.value)
    next_follow_up: Mapped[date | None] = mapped_column(Date)
    # read with the row: does the town require the owner's consent to publish (app.vacancies.query)
    consent_required: Mapped[bool] = column_property(
        select(Municipality.require_owner_consent)
        .where(Municipality.id == municipality_id).scalar_subquery())

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


class OwnerContactEntry(Base):
    """One contact with the owner (private to the town's staff): the contacts log."""

    __tablename__ = "owner_contact_entry"
    __table_args__ = (Index("ix_owner_contact_entry_vacancy", "vacancy_id", "contacted_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancy.id", ondelete="CASCADE"))
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True)
    contacted_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[ContactChannel] = mapped_column(str_enum(ContactChannel, "contact_channel"))
    person: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[ContactOutcome] = mapped_column(str_enum(ContactOutcome, "contact_outcome"))
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
