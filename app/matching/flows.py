"""Matches follow proposals: what citizens and staff read of a proposal carries how many empty
shops it fits. ``app.proposals`` knows nothing of matching; the routes call this flow."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.matching import service


def with_fits(*, session: Session, views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adds ``fits_count`` (published vacancies passing the hard filters) and ``pinned_fit``
    (whether the pinned shop passes them, and why not) to proposal views."""
    ids = [view["id"] for view in views]
    fits = service.fits_counts(session=session, proposal_ids=ids)
    pinned = service.pinned_fits(session=session, proposal_ids=ids)
    for view in views:
        view["fits_count"] = fits.get(view["id"], 0)
        view["pinned_fit"] = pinned.get(view["id"])
    return views


def with_fit(*, session: Session, view: dict[str, Any]) -> dict[str, Any]:
    return with_fits(session=session, views=[view])[0]
