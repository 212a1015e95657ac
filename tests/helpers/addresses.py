"""Addresses for the tests, stored through the importer's own writer."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.addresses import importer
from app.addresses.models import Address
from app.municipalities import service as municipalities
from tests.helpers.towns import CENTRES


def add_addresses(session: Session, ags: str,
                  *addresses: tuple[str, str] | tuple[str, str, str | None],
                  east_m: float = 0.0, step_m: float = 10.0) -> None:
    """(street, house number[, postcode]) in a row eastwards of the town's centre, step_m apart
    (the first east_m from it); committed."""
    town = municipalities.get_by_ags(session=session, ags=ags)
    lon, lat = CENTRES[ags]
    rows = []
    for i, (street, number, *rest) in enumerate(addresses):
        rows.append(importer.address_row(
            row=i + 1, town=town, street=street, house_number=number,
            postcode=rest[0] if rest else None, lon=lon + (east_m + i * step_m) / 70_000,
            lat=lat))
    importer.store(session=session, rows=rows, source="test")
    session.commit()


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Address))
