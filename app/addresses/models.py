from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base


class Address(Base):
    """One house coordinate (open data: official Hauskoordinaten or OpenStreetMap).

    ``street_key``, ``house_number_key`` and ``search`` are the normalised forms
    (app.addresses.normalise): the first two make an address unique per town, ``search`` is what
    the trigram index serves."""

    __tablename__ = "address"
    __table_args__ = (
        UniqueConstraint("municipality_id", "street_key", "house_number_key",
                         name="uq_address_municipality_id_street_key_house_number_key"),
        # one GIN index for the search with and without a town (btree_gin): on 100,000
        # addresses (bench/addresses), "alte rosengasse" in Jena read 500 candidate rows
        # instead of 10,125 from an index on search alone
        Index("ix_address_municipality_id_search_trgm", "municipality_id", "search",
              postgresql_using="gin", postgresql_ops={"search": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed as the leading column of the unique constraint
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"))
    street: Mapped[str] = mapped_column(String(200))
    house_number: Mapped[str] = mapped_column(String(20))
    postcode: Mapped[str | None] = mapped_column(String(5))
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326))
    street_key: Mapped[str] = mapped_column(String(200))
    house_number_key: Mapped[str] = mapped_column(String(20))
    search: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)  # file name, or "demo (fiktiv)"
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())
