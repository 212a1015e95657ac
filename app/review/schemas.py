"""Review API schemas: the staff review queue of a town and erasing a person's data."""

from __future__ import annotations

from datetime import datetime

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


class TaskItem(Out):
    id: int = Field(description="the vacancy's, proposal's or match's id")
    town: str = Field(description="AGS")
    title: str
    since: datetime | None = Field(description="reported, submitted, flagged, last verified …")
    version: int | None = Field(description="a vacancy's edit version (for POST …/verify)")
    link: str


class TaskOut(Out):
    key: str = Field(description="reports, pending_ideas, flagged_ideas, matches, recheck")
    label: str = Field(description="German")
    count: int
    link: str | None = Field(description="where staff work on it (one town only)")
    items: list[TaskItem] = Field(description="the first ones, oldest first; empty for readers "
                                  "without the town's private data (working group)")


class TaskList(Out):
    municipality: str | None = Field(description="AGS; null: every town the reader sees")
    tasks: list[TaskOut]
