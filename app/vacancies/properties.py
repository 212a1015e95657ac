"""The choices of a vacancy's properties (floor, condition, the owner's willingness for interim
use) and their one German label each. Pure: the scoring and matching rules read the labels
without loading the ORM."""

from enum import StrEnum


class Floor(StrEnum):
    basement = "basement"
    ground = "ground"
    # not "upper": a member of that name would shadow str.upper on every Floor value
    upper_floor = "upper"


class Condition(StrEnum):
    ready = "ready"
    minor_renovation = "minor_renovation"
    major_renovation = "major_renovation"


class Willingness(StrEnum):
    yes = "yes"
    no = "no"
    unknown = "unknown"


# the order of a table is the order of the choices on the pages
FLOOR_LABELS = {
    Floor.ground: "Erdgeschoss",
    Floor.upper_floor: "Obergeschoss",
    Floor.basement: "Untergeschoss",
}
CONDITION_LABELS = {
    Condition.ready: "bezugsfertig",
    Condition.minor_renovation: "kleine Renovierung nötig",
    Condition.major_renovation: "größere Sanierung nötig",
}
WILLINGNESS_LABELS = {
    Willingness.unknown: "unbekannt",
    Willingness.yes: "ja",
    Willingness.no: "nein",
}
# the yes/no facts of a record (WC, heating, step-free) answer in the owner's words; keyed by
# the values of the staff form, where "" means not known
YES_NO_LABELS = {
    "": WILLINGNESS_LABELS[Willingness.unknown],
    "true": WILLINGNESS_LABELS[Willingness.yes],
    "false": WILLINGNESS_LABELS[Willingness.no],
}


class Consent(StrEnum):
    """The owner's consent to publish the vacancy (counts where the town requires it)."""

    none = "none"
    basic = "basic"  # location and status only
    full = "full"


class ContactChannel(StrEnum):
    phone = "phone"
    email = "email"
    letter = "letter"
    visit = "visit"
    other = "other"


class ContactOutcome(StrEnum):
    reached = "reached"
    not_reached = "not_reached"
    interested = "interested"
    declined = "declined"
    consent_given = "consent_given"
    other = "other"


CONSENT_LABELS = {
    Consent.none: "keine Zustimmung",
    Consent.basic: "nur Lage und Status",
    Consent.full: "alle öffentlichen Angaben",
}
CONTACT_CHANNEL_LABELS = {
    ContactChannel.phone: "Telefon",
    ContactChannel.email: "per E-Mail",
    ContactChannel.letter: "Brief",
    ContactChannel.visit: "Besuch",
    ContactChannel.other: "anderer Weg",
}
CONTACT_OUTCOME_LABELS = {
    ContactOutcome.reached: "erreicht",
    ContactOutcome.not_reached: "nicht erreicht",
    ContactOutcome.interested: "interessiert",
    ContactOutcome.declined: "abgelehnt",
    ContactOutcome.consent_given: "Zustimmung erteilt",
    ContactOutcome.other: "sonstiges",
}
