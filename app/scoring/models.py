from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base
from app.scoring.categories import PLACE_CATEGORIES


class Place(Base):
    """A reference point of a context layer (station, café, museum …) used by the scoring."""

    __tablename__ = "place"
    __table_args__ = (
        CheckConstraint(
            "category IN (" + ", ".join(f"'{c}'" for c in PLACE_CATEGORIES) + ")",
            name="category_known",
        ),
        Index("ix_place_source_category", "source", "category"),
        # nearest rail/tram stop: a KNN search in metres (UTM 32N) that must not wade through
        # thousands of shops
        Index("ix_place_stop_utm", text("ST_Transform(geom, 25832)"), postgresql_using="gist",
              postgresql_where=text("category IN ('station', 'tram_stop')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326))
    source: Mapped[str] = mapped_column(String(200))  # file name or "demo"; re-import replaces
    attribution: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ScoringProfile(Base):
    """Weights and thresholds; one per municipality, plus the default (municipality NULL)."""

    __tablename__ = "scoring_profile"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        # NULLS NOT DISTINCT (PostgreSQL 15): at most one default profile (municipality NULL)
        UniqueConstraint("municipality_id", name="uq_scoring_profile_municipality_id",
                         postgresql_nulls_not_distinct=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    weights: Mapped[dict[str, Any]] = mapped_column(JSONB)
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )


class VacancyScore(Base):
    """The stored result of the last scoring of a vacancy (the breakdown is recomputed on read)."""

    __tablename__ = "vacancy_score"
    __table_args__ = (
        CheckConstraint("interim BETWEEN 0 AND 100", name="interim_range"),
        CheckConstraint("permanent BETWEEN 0 AND 100", name="permanent_range"),
        CheckConstraint("confidence BETWEEN 0 AND 1", name="confidence_range"),
        CheckConstraint(
            "recommendation IN ('interim', 'permanent', 'conversion', 'insufficient_data')",
            name="recommendation_known",
        ),
    )

    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancy.id", ondelete="CASCADE"), primary_key=True
    )
    # no secondary indexes: lists filter by town first and sort a few rows; every index would
    # slow down rescoring 100,000 rows (bench/scoring)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"))
    interim: Mapped[int | None] = mapped_column(SmallInteger)
    permanent: Mapped[int | None] = mapped_column(SmallInteger)
    recommendation: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column(Float)
    profile_id: Mapped[int] = mapped_column(ForeignKey("scoring_profile.id", ondelete="CASCADE"))
    profile_version: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
