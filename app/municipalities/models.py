from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import Boolean, CheckConstraint, DateTime, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base


class Municipality(Base):
    __tablename__ = "municipality"
    __table_args__ = (CheckConstraint("ags ~ '^[0-9]{8}$'", name="ags_8_digits"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ags: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    boundary: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326))
    core_area: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326), nullable=True
    )
    centre: Mapped[WKBElement | None] = mapped_column(Geometry("POINT", srid=4326), nullable=True)
    population: Mapped[int | None] = mapped_column(Integer)
    stale_after_days: Mapped[int] = mapped_column(Integer, default=180, server_default="180")
    # the town's contact for interested parties (printed on exposés), never the owner's
    public_contact: Mapped[str | None] = mapped_column(Text)
    # on: citizens see only vacancies whose owner consented, and only what the consent covers
    require_owner_consent: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
