from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    Boolean,
    CheckConstraint,
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
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base, str_enum


class Category(StrEnum):
    culture = "culture"
    creative = "creative"
    social = "social"
    education = "education"
    gastronomy = "gastronomy"
    retail_popup = "retail_popup"
    co_working = "co_working"
    other = "other"


CATEGORY_LABELS = {
    Category.culture: "Kultur",
    Category.creative: "Kreativwirtschaft",
    Category.social: "Soziales",
    Category.education: "Bildung",
    Category.gastronomy: "Gastronomie",
    Category.retail_popup: "Pop-up-Laden",
    Category.co_working: "Gemeinsames Arbeiten (Co-Working)",
    Category.other: "Sonstiges",
}


class Duration(StrEnum):
    interim = "interim"
    permanent = "permanent"
    either = "either"


# "either" first: it is the preselected choice of the public form
DURATION_LABELS = {
    Duration.either: "befristet oder dauerhaft",
    Duration.interim: "Zwischennutzung (befristet)",
    Duration.permanent: "dauerhaft",
}


class ProposalStatus(StrEnum):
    pending = "pending"
    published = "published"
    rejected = "rejected"
    withdrawn = "withdrawn"
    realised = "realised"


PROPOSAL_STATUS_LABELS = {
    ProposalStatus.pending: "wird geprüft",
    ProposalStatus.published: "veröffentlicht",
    ProposalStatus.rejected: "abgelehnt",
    ProposalStatus.withdrawn: "zurückgezogen",
    ProposalStatus.realised: "umgesetzt",
}


class FlagReason(StrEnum):
    spam = "spam"
    offensive = "offensive"
    personal_data = "personal_data"


FLAG_REASON_LABELS = {
    FlagReason.spam: "Werbung/Spam",
    FlagReason.offensive: "beleidigend",
    FlagReason.personal_data: "persönliche Daten",
}


class Proposal(Base):
    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint("min_area_m2 IS NULL OR max_area_m2 IS NULL OR min_area_m2 <= max_area_m2",
                        name="area_range_ordered"),
        CheckConstraint("max_rent_eur_m2 >= 0", name="rent_not_negative"),
        CheckConstraint("radius_m > 0 AND radius_m <= 10000", name="radius_range"),
        CheckConstraint("(location IS NULL) = (radius_m IS NULL)", name="location_with_radius"),
        CheckConstraint("support_count >= 0", name="support_count_not_negative"),
        Index("ix_proposal_municipality_status", "municipality_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[Category] = mapped_column(str_enum(Category, "category"))
    min_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(9, 1))
    max_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(9, 1))
    needs_ground_floor: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    needs_shop_window: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    needs_step_free: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    duration: Mapped[Duration] = mapped_column(str_enum(Duration, "duration"))
    max_rent_eur_m2: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    # the wish: one specific vacancy, or an area (polygon, or point + radius)
    vacancy_id: Mapped[int | None] = mapped_column(
        ForeignKey("vacancy.id", ondelete="SET NULL"), index=True
    )
    area: Mapped[WKBElement | None] = mapped_column(Geometry("POLYGON", srid=4326))
    location: Mapped[WKBElement | None] = mapped_column(Geometry("POINT", srid=4326))
    radius_m: Mapped[int | None] = mapped_column(Integer)
    display_name: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[ProposalStatus] = mapped_column(str_enum(ProposalStatus, "proposal_status"))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    # sha256 of the author's private status link token; the token itself is never stored
    status_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    support_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))


class ProposalContact(Base):
    """The author's e-mail: private, staff of the town only, deleted by the erase endpoint."""

    __tablename__ = "proposal_contact"

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(320), index=True)


class ProposalSupport(Base):
    """One support. ``client_hash`` (keyed hash of the browser id, app.abuse.supporter)
    de-duplicates, ``ip_hash`` (keyed hash of the client address) caps the supports from one
    address; the row is deleted after the retention period (the count on the proposal stays)."""

    __tablename__ = "proposal_support"
    __table_args__ = (UniqueConstraint("proposal_id", "client_hash", name="uq_proposal_support_client"),
                      Index("ix_proposal_support_ip", "proposal_id", "ip_hash"))

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    client_hash: Mapped[str] = mapped_column(String(64))
    ip_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


class ProposalFlag(Base):
    """A citizen's flag; the hashes work as on a support and are nulled after the retention
    period (the flag and its reason stay for staff)."""

    __tablename__ = "proposal_flag"
    __table_args__ = (UniqueConstraint("proposal_id", "client_hash", name="uq_proposal_flag_client"),
                      Index("ix_proposal_flag_ip", "proposal_id", "ip_hash"))

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    reason: Mapped[FlagReason] = mapped_column(str_enum(FlagReason, "flag_reason"))
    comment: Mapped[str | None] = mapped_column(Text)
    client_hash: Mapped[str | None] = mapped_column(String(64))  # cleared after retention
    ip_hash: Mapped[str | None] = mapped_column(String(64))  # cleared after retention
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
