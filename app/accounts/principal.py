"""Who is asking, and what that role may see and do. Pure: no database."""

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

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def reads_all_statuses(self) -> bool:
        """Working group and admins see every status in every town (without personal data)."""
        return self.role in (Role.admin, Role.working_group)

    def is_staff_of(self, municipality_id: int) -> bool:
        return self.role == Role.staff and self.municipality_id == municipality_id

    def can_write(self, municipality_id: int) -> bool:
        return self.is_admin or self.is_staff_of(municipality_id)

    def sees_private(self, municipality_id: int) -> bool:
        """Owner contact and internal notes: staff of that town and admins only."""
        return self.can_write(municipality_id)

    @property
    def private_scope(self) -> tuple[bool, list[int]]:
        """(all towns, these towns) whose private fields this principal may read."""
        if self.is_admin:
            return True, []
        if self.role == Role.staff and self.municipality_id is not None:
            return False, [self.municipality_id]
        return False, []


ANONYMOUS = Principal()
