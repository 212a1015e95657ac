"""Every table, imported in one place for Alembic's autogenerate and the tests."""

from app.accounts.models import ApiToken, User
from app.database import Base
from app.municipalities.models import Municipality
from app.scoring.models import Place, ScoringProfile, VacancyScore
from app.vacancies.models import Vacancy, VacancyHistory

__all__ = [
    "ApiToken", "Base", "Municipality", "Place", "ScoringProfile", "User", "Vacancy",
    "VacancyHistory", "VacancyScore",
]
