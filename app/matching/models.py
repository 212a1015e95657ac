from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base, str_enum


class MatchState(StrEnum):
    suggested = "suggested"
    contacted = "contacted"  # staff contacted owner and/or proposer
    agreed = "agreed"
    declined = "declined"


MATCH_STATE_LABELS = {
    MatchState.suggested: "vorgeschlagen",
    MatchState.contacted: "Eigentümer angesprochen",
    MatchState.agreed: "vereinbart",
    MatchState.declined: "passt nicht / abgesagt",
}
# the staff button that moves a match into the state
MATCH_ACTION_LABELS = {
    MatchState.suggested: "Wieder öffnen",
    MatchState.contacted: "Als angesprochen markieren",
    MatchState.agreed: "Vereinbart",
    MatchState.declined: "Absagen",
}


class Match(Base):
    """The staff review state of one proposal–vacancy pair. Scores are computed on demand; a
    row exists only once staff record a state."""

    __tablename__ = "proposal_match"
    __table_args__ = (UniqueConstraint("proposal_id", "vacancy_id", name="uq_proposal_match_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancy.id", ondelete="CASCADE"), index=True)
    state: Mapped[MatchState] = mapped_column(
        str_enum(MatchState, "match_state")
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
