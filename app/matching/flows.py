"""Matches follow proposals: what citizens and staff read of a proposal carries how many empty
shops it fits. ``app.proposals`` knows nothing of matching; the routes call this flow."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.matching import service


def with_fits(*, session: Session, views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adds ``fits_count`` (published vacancies passing the hard filters) to proposal views."""
    fits = service.fits_counts(session=session, proposal_ids=[view["id"] for view in views])
    for view in views:
        view["fits_count"] = fits.get(view["id"], 0)
    return views


def with_fit(*, session: Session, view: dict[str, Any]) -> dict[str, Any]:
    return with_fits(session=session, views=[view])[0]
