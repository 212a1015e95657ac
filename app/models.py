"""Every table, imported in one place for Alembic's autogenerate and the tests."""

from app.abuse.models import RateLimitWindow
from app.accounts.models import ApiToken, User
from app.addresses.models import Address
from app.database import Base
from app.mail.models import MailMessage, MailRecipient
from app.matching.models import Match
from app.municipalities.models import Municipality
from app.photos.models import Photo
from app.proposals.models import Proposal, ProposalContact, ProposalFlag, ProposalSupport
from app.scoring.models import Place, ScoringProfile, VacancyScore
from app.statistics.models import VacancyMonth, VacancySpan
from app.vacancies.models import OwnerContactEntry, Vacancy, VacancyHistory
from app.vacancies.report_models import ReportContact, VacancyReport

__all__ = [
    "Address", "ApiToken", "Base", "MailMessage", "MailRecipient", "Match", "Municipality",
    "OwnerContactEntry", "Photo",
    "Place", "Proposal", "ProposalContact", "ProposalFlag", "ProposalSupport", "RateLimitWindow",
    "ReportContact", "ScoringProfile", "User",
    "Vacancy", "VacancyHistory", "VacancyReport", "VacancyMonth", "VacancyScore", "VacancySpan",
]
