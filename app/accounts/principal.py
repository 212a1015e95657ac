"""Who is asking: the identity a request carries. What a role may see and do is the access
policy's (``app.accounts.policy``). Pure: no database."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


# here rather than in app.accounts.models, so that a Principal (e.g. the command line's operator)
# needs no ORM; the models use it for the role column
class Role(StrEnum):
    admin = "admin"
    staff = "staff"  # Wirtschaftsförderung of one municipality
    working_group = "working_group"  # AG Leerstandsbewältigung: reads all, no personal data


ROLE_LABELS = {
    Role.admin: "Administration",
    Role.staff: "Stadtverwaltung",
    Role.working_group: "Arbeitsgruppe Leerstandsbewältigung",
}


@dataclass(frozen=True)
class Principal:
    user_id: int | None = None
    email: str | None = None
    role: Role | None = None
    municipality_id: int | None = None
    via_cookie: bool = False

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None


ANONYMOUS = Principal()
