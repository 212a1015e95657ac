"""The one access policy: who may read which rows, which private fields, who may edit, moderate
and export privately — as functions of the principal and the municipality. Pure: no database.

Every read path (register, exports, OGC, statistics, matching, proposals, photos, mails …) asks
here; no service compares role strings or restates a rule. The rules:

- anonymous callers read public rows only (for vacancies: published statuses and, where the
  town requires the owner's consent, a consent — "basic" shows location and status only; for
  proposals: published and not hidden), never private fields;
- the working group and admins read every row of every town; the working group never sees
  personal data or internal notes;
- staff read every row of their own town and the public rows of others; they edit, moderate and
  see the private fields of their own town only;
- admins edit and see private fields everywhere.

Domain packages translate "public" into their own terms (``app.vacancies.query`` for vacancies,
``app.proposals.service`` for proposals) and render a :class:`ReadScope` as SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from app.accounts.principal import Principal, Role
from app.errors import Forbidden


class PrivateAccess(IntEnum):
    """How much of a town's private data a caller reads on the rows it may see privately."""

    none = 0
    internal = 1  # internal notes: the staff's own working data
    personal = 2  # internal notes and personal data (owner contact)


@dataclass(frozen=True)
class ReadScope:
    """Which rows a principal reads, and where it reads private fields.

    ``towns`` restricts the rows to some municipalities (None: every town). In ``own_town`` every
    row is visible; elsewhere only public rows unless ``all_rows``. Private fields (to the level
    ``private``) are read on the rows of ``own_town`` — or on every row when ``private_everywhere``.
    """

    all_rows: bool = False
    own_town: int | None = None
    towns: tuple[int, ...] | None = None
    private: PrivateAccess = PrivateAccess.none
    private_everywhere: bool = False

    def row_filter(self, *, public: str, town: str) -> tuple[str, dict[str, object]]:
        """SQL (with its parameters) that keeps the rows this scope reads; ``public`` is the
        domain's predicate for a public row, ``town`` its municipality id column."""
        clauses: list[str] = []
        # the own town also decides whose private fields are read (private_filter)
        params: dict[str, object] = ({} if self.own_town is None
                                     else {"scope_own_town": self.own_town})
        if self.towns is not None:
            clauses.append(f"{town} = ANY(:scope_towns)")
            params["scope_towns"] = list(self.towns)
        if not self.all_rows:
            if self.own_town is not None:
                clauses.append(f"({public} OR {town} = :scope_own_town)")
            else:
                clauses.append(public)
        return " AND ".join(clauses) or "TRUE", params

    def public_only_filter(self, *, town: str) -> str | None:
        """SQL condition for the rows this scope reads only because they are public (there the
        owner's consent decides what is shown); None: it reads every row in full."""
        if self.all_rows:
            return None
        return "TRUE" if self.own_town is None else f"{town} <> :scope_own_town"

    def private_filter(self, *, town: str) -> str | None:
        """SQL condition for the rows whose private fields are read; None: no row's are."""
        if self.private == PrivateAccess.none:
            return None
        if self.private_everywhere:
            return "TRUE"
        return f"{town} = :scope_own_town" if self.own_town is not None else None


ANONYMOUS_SCOPE = ReadScope()


def _is_staff(principal: Principal) -> bool:
    return principal.role == Role.staff and principal.municipality_id is not None


def reads_everything(principal: Principal) -> bool:
    """Working group and admins see every row in every town (the working group without
    personal data)."""
    return principal.role in (Role.admin, Role.working_group)


def is_admin(principal: Principal) -> bool:
    return principal.role == Role.admin


def own_town(principal: Principal) -> int | None:
    """The municipality a staff member works for (None for every other role)."""
    return principal.municipality_id if _is_staff(principal) else None


def may_read(principal: Principal, municipality_id: int, *, public: bool) -> bool:
    """One row: public rows for everybody, the rest for the town's staff, the working group and
    admins."""
    return public or reads_everything(principal) or own_town(principal) == municipality_id


def may_edit(principal: Principal, municipality_id: int) -> bool:
    """Change the town's register, boundaries, scoring profile, matches: its staff and admins."""
    return is_admin(principal) or own_town(principal) == municipality_id


def edits_any_town(principal: Principal) -> bool:
    """Has a workbench (/verwaltung): staff of a town and admins."""
    return is_admin(principal) or own_town(principal) is not None


def may_moderate(principal: Principal, municipality_id: int) -> bool:
    """Decide on citizens' reports and ideas of the town."""
    return may_edit(principal, municipality_id)


def sees_moderation(principal: Principal, municipality_id: int) -> bool:
    """Moderation state and the ranked match lists (no personal data): the town's staff, the
    working group and admins."""
    return may_edit(principal, municipality_id) or reads_everything(principal)


def sees_private(principal: Principal, municipality_id: int) -> bool:
    """Owner contact, internal notes, citizens' e-mail addresses: the town's staff and admins."""
    return may_edit(principal, municipality_id)


def private_towns(principal: Principal) -> tuple[bool, tuple[int, ...]]:
    """(every town, these towns) whose personal data the principal may read or erase."""
    if is_admin(principal):
        return True, ()
    own = own_town(principal)
    return False, (own,) if own is not None else ()


def read_scope(principal: Principal) -> ReadScope:
    """Reads of the register (map API, OGC API, statistics, matching): private fields on the
    rows of the caller's own town, or everywhere for admins."""
    if is_admin(principal):
        return ReadScope(all_rows=True, private=PrivateAccess.personal, private_everywhere=True)
    if principal.role == Role.working_group:
        return ReadScope(all_rows=True)
    own = own_town(principal)
    if own is not None:
        return ReadScope(own_town=own, private=PrivateAccess.personal)
    return ANONYMOUS_SCOPE


def export_scope(principal: Principal, *, include_private: bool = False,
                 include_internal: bool = True) -> ReadScope:
    """Exports: staff export their own town (internal notes unless they leave them out, owner
    contact only when asked); admins every town (private fields only when asked); the working
    group every town without private fields; anonymous callers the published rows."""
    own = own_town(principal)
    if own is not None:
        level = (PrivateAccess.personal if include_private
                 else PrivateAccess.internal if include_internal else PrivateAccess.none)
        return ReadScope(all_rows=True, own_town=own, towns=(own,), private=level)
    if include_private and not is_admin(principal):
        raise Forbidden("include_private=true is for staff of the town (owner contact is "
                        "personal data)", field="include_private")
    if is_admin(principal):
        level = PrivateAccess.personal if include_private else PrivateAccess.none
        return ReadScope(all_rows=True, private=level, private_everywhere=True)
    if reads_everything(principal):
        return ReadScope(all_rows=True)
    return ANONYMOUS_SCOPE
