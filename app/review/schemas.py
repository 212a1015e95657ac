"""Review API schemas: the staff review queue of a town and erasing a person's data."""

from __future__ import annotations

from pydantic import Field

from app.photos.schemas import PhotoOut
from app.proposals.schemas import ProposalFlagged, ProposalStaff
from app.schemas import Email, Out, Strict
from app.vacancies.report_schemas import ReportForReview


class EraseRequest(Strict):
    email: Email


class ErasureResult(Out):
    report_contacts_deleted: int
    report_photos_deleted: int
    proposal_contacts_deleted: int
    display_names_cleared: int
    mail_addresses_deleted: int = Field(
        description="the address's opt-in state and its queued mails (1 or 0)")


class ReportWithPhotos(ReportForReview):
    photos: list[PhotoOut] = Field(description="sent by the reporter; approve each (PATCH "
                                   "/api/v1/photos/{id} approved=true) before it shows publicly")


class ReviewQueue(Out):
    """Only staff of the town and admins read it, so every proposal carries the author's e-mail."""

    municipality: str = Field(description="AGS")
    reports: list[ReportWithPhotos]
    pending_proposals: list[ProposalStaff]
    flagged_proposals: list[ProposalFlagged]
