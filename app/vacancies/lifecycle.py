"""Vacancy lifecycle: statuses, their groups, the one table of allowed transitions and the one
German label of each status."""

from enum import StrEnum


class VacancyStatus(StrEnum):
    reported = "reported"  # citizen report, not yet checked by staff
    threatened = "threatened"  # drohender Leerstand: notice given, closing announced
    vacant = "vacant"
    interim_use = "interim_use"  # Zwischennutzung
    reused = "reused"  # dauerhaft nachgenutzt
    withdrawn = "withdrawn"  # taken off the register (owner withdrew, not a shop any more)
    demolished = "demolished"
    rejected = "rejected"  # citizen report not confirmed


S = VacancyStatus

ALLOWED_TRANSITIONS: dict[VacancyStatus, frozenset[VacancyStatus]] = {
    S.reported: frozenset({S.threatened, S.vacant, S.rejected}),
    S.threatened: frozenset({S.vacant, S.interim_use, S.reused, S.withdrawn, S.demolished}),
    S.vacant: frozenset({S.interim_use, S.reused, S.withdrawn, S.demolished}),
    S.interim_use: frozenset({S.vacant, S.reused, S.withdrawn, S.demolished}),
    # a unit that was let again can fall empty again
    S.reused: frozenset({S.threatened, S.vacant, S.demolished}),
    S.withdrawn: frozenset({S.vacant, S.threatened}),
    S.demolished: frozenset(),
    S.rejected: frozenset(),
}

# what staff may create directly; `reported` is reserved for citizen reports
INITIAL_STATUSES = frozenset({S.threatened, S.vacant, S.interim_use})
# what anonymous visitors see
PUBLIC_STATUSES = frozenset({S.threatened, S.vacant, S.interim_use, S.reused})
# units that are (or will soon be) empty and need action
ACTIVE_STATUSES = frozenset({S.threatened, S.vacant, S.interim_use})

STATUS_LABELS = {
    S.reported: "gemeldet (ungeprüft)",
    S.threatened: "drohender Leerstand",
    S.vacant: "leer",
    S.interim_use: "Zwischennutzung",
    S.reused: "nachgenutzt",
    S.withdrawn: "zurückgezogen",
    S.demolished: "abgerissen",
    S.rejected: "Meldung abgelehnt",
}


def can_transition(current: VacancyStatus, target: VacancyStatus) -> bool:
    return current == target or target in ALLOWED_TRANSITIONS[current]
