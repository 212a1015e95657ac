"""Matching rules, pure: hard filters (mirrored in SQL by app.matching.service) and the soft
score with reasons in German and English. Unknown facts never exclude a vacancy: they pass the
filters and earn no points, and a reason says what is unknown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from app import formats
from app.vacancies.properties import CONDITION_LABELS, FLOOR_LABELS, Condition, Floor

MAX_SCORE = 100


@dataclass(frozen=True)
class Need:
    """What a proposal asks for."""

    category: str
    duration: str  # interim | permanent | either
    min_area_m2: float | None = None
    max_area_m2: float | None = None
    needs_ground_floor: bool = False
    needs_shop_window: bool = False
    needs_step_free: bool = False
    max_rent_eur_m2: float | None = None
    radius_m: float | None = None
    pinned_vacancy_id: int | None = None


@dataclass(frozen=True)
class Offer:
    """The facts of a vacancy that matching reads (no owner data)."""

    vacancy_id: int
    floor_area_m2: float | None = None
    floor: str | None = None
    shop_window_m: float | None = None
    step_free: bool | None = None
    owner_interim_willing: str = "unknown"
    asking_rent_eur_m2: float | None = None
    condition: str | None = None
    distance_m: float | None = None  # to the proposal's point or area centre


class Reason(NamedTuple):
    """One line of a score's explanation (a tuple: scoring 100,000 pairs builds a million)."""

    code: str
    points: int
    de: str
    en: str


@dataclass(slots=True)
class Scored:
    vacancy_id: int
    score: int
    pinned: bool
    reasons: list[Reason] = field(default_factory=list)


def misfits(need: Need, offer: Offer) -> list[Reason]:
    """The hard filters the offer fails (without status and place, which only SQL knows), each
    with a sentence in German and English; empty when the offer passes. Unknown facts pass."""
    out: list[Reason] = []
    area, rent = offer.floor_area_m2, offer.asking_rent_eur_m2
    if area is not None and need.min_area_m2 is not None and area < need.min_area_m2:
        out.append(Reason(
            "too_small", 0,
            f"Dieser Laden ist mit {formats.number(area)} m² kleiner als die gewünschten mindestens "
            f"{formats.number(need.min_area_m2)} m².",
            f"This shop's {area:g} m² are less than the wanted minimum of {need.min_area_m2:g} m²."))
    if area is not None and need.max_area_m2 is not None and area > need.max_area_m2:
        out.append(Reason(
            "too_big", 0,
            f"Dieser Laden ist mit {formats.number(area)} m² größer als die gewünschten höchstens "
            f"{formats.number(need.max_area_m2)} m².",
            f"This shop's {area:g} m² are more than the wanted maximum of {need.max_area_m2:g} m²."))
    if need.needs_ground_floor and offer.floor not in (None, "ground"):
        where = FLOOR_LABELS.get(offer.floor)  # type: ignore[call-overload]
        out.append(Reason(
            "not_ground_floor", 0,
            "Dieser Laden liegt nicht im Erdgeschoss" + (f" ({where})" if where else "")
            + "; die Idee braucht das Erdgeschoss.",
            "This shop is not on the ground floor, which the idea needs."))
    if need.needs_shop_window and offer.shop_window_m is not None and offer.shop_window_m <= 0:
        out.append(Reason("no_shop_window", 0,
                          "Dieser Laden hat kein Schaufenster; die Idee braucht eines.",
                          "This shop has no shop window, which the idea needs."))
    if need.needs_step_free and offer.step_free is False:
        out.append(Reason("not_step_free", 0,
                          "Dieser Laden hat keinen stufenlosen Zugang; die Idee braucht ihn.",
                          "This shop has no step-free access, which the idea needs."))
    if need.duration == "interim" and offer.owner_interim_willing == "no":
        out.append(Reason("interim_refused", 0,
                          "Der Eigentümer lehnt eine Zwischennutzung ab; die Idee ist eine "
                          "Zwischennutzung.",
                          "The owner refuses interim use, and the idea is an interim use."))
    if rent is not None and need.max_rent_eur_m2 is not None and rent > need.max_rent_eur_m2:
        out.append(Reason(
            "too_dear", 0,
            f"Die Miete dieses Ladens liegt mit {formats.number(rent)} €/m² über den gewünschten "
            f"höchstens {formats.number(need.max_rent_eur_m2)} €/m².",
            f"This shop's rent of {rent:g} €/m² is above the wanted maximum of "
            f"{need.max_rent_eur_m2:g} €/m²."))
    return out


def passes(need: Need, offer: Offer) -> bool:
    """The hard filters (without status and place, which only SQL knows)."""
    return not misfits(need, offer)


def _area(need: Need, offer: Offer) -> Reason:
    area = offer.floor_area_m2
    if area is None:
        return Reason("area_unknown", 0, "Fläche unbekannt", "floor area unknown")
    low = need.min_area_m2 if need.min_area_m2 is not None else area
    high = need.max_area_m2 if need.max_area_m2 is not None else area
    middle, half = (low + high) / 2, max((high - low) / 2, 1.0)
    points = round(20 * max(0.0, 1 - abs(area - middle) / half / 2))
    return Reason("area", points, f"{formats.number(area)} m² im gewünschten Bereich",
                  f"{area:g} m² within the wanted range")


def _floor(need: Need, offer: Offer) -> Reason:
    if offer.floor is None:
        return Reason("floor_unknown", 0, "Geschoss unbekannt", "floor unknown")
    if offer.floor == "ground":
        wanted = " wie gewünscht" if need.needs_ground_floor else ""
        return Reason("ground_floor", 10, FLOOR_LABELS[Floor.ground] + wanted,
                      "ground floor" + (" as needed" if need.needs_ground_floor else ""))
    return Reason("not_ground_floor", 0, "nicht im Erdgeschoss", "not on the ground floor")


VISIBLE_CATEGORIES = {"retail_popup", "gastronomy", "culture", "creative"}


def _window(need: Need, offer: Offer) -> Reason:
    if offer.shop_window_m is None:
        return Reason("shop_window_unknown", 0, "Schaufenster unbekannt", "shop window unknown")
    if offer.shop_window_m <= 0:
        return Reason("no_shop_window", 0, "kein Schaufenster", "no shop window")
    points = 10 if need.needs_shop_window or need.category in VISIBLE_CATEGORIES else 5
    return Reason("shop_window", points, f"{formats.number(offer.shop_window_m)} m Schaufenster",
                  f"{offer.shop_window_m:g} m shop window")


def _step_free(need: Need, offer: Offer) -> Reason:
    if offer.step_free is None:
        return Reason("step_free_unknown", 0, "Barrierefreiheit unbekannt", "step-free access unknown")
    if offer.step_free:
        return Reason("step_free", 10 if need.needs_step_free else 5, "stufenloser Zugang",
                      "step-free access")
    return Reason("not_step_free", 0, "Zugang mit Stufen", "access with steps")


def _duration(need: Need, offer: Offer) -> Reason:
    if need.duration == "permanent":
        return Reason("permanent", 10, "dauerhafte Nutzung gesucht", "permanent use wanted")
    willing = offer.owner_interim_willing
    if willing == "yes":
        return Reason("interim_willing", 15, "Eigentümer offen für Zwischennutzung",
                      "owner open to interim use")
    if willing == "unknown":
        return Reason("interim_unknown", 5, "Bereitschaft zur Zwischennutzung unbekannt",
                      "owner's willingness for interim use unknown")
    # only `either` gets here: an interim-only proposal never passes a `no`
    return Reason("interim_refused", 0, "Eigentümer lehnt Zwischennutzung ab; nur dauerhaft",
                  "owner refuses interim use; permanent only")


def _rent(need: Need, offer: Offer) -> Reason:
    rent = offer.asking_rent_eur_m2
    if rent is None:
        return Reason("rent_unknown", 0, "Miete unbekannt", "rent unknown")
    if need.max_rent_eur_m2 is None:
        return Reason("rent", 5, f"Miete {formats.number(rent)} €/m²", f"rent {rent:g} €/m²")
    share = rent / need.max_rent_eur_m2 if need.max_rent_eur_m2 else 1.0
    points = round(10 * (1 - share / 2))
    return Reason("rent", points, f"Miete {formats.number(rent)} €/m² (höchstens "
                  f"{formats.number(need.max_rent_eur_m2)} €/m²)",
                  f"rent {rent:g} €/m² (at most {need.max_rent_eur_m2:g})")


def _condition(offer: Offer) -> Reason:
    points = {"ready": 10, "minor_renovation": 5, "major_renovation": 0}
    english = {"ready": "ready to use", "minor_renovation": "minor renovation needed",
               "major_renovation": "major renovation needed"}
    if offer.condition not in points:
        return Reason("condition_unknown", 0, "Zustand unbekannt", "condition unknown")
    return Reason("condition", points[offer.condition], CONDITION_LABELS[Condition(offer.condition)],
                  english[offer.condition])


def _distance(need: Need, offer: Offer) -> Reason | None:
    if offer.distance_m is None:
        return None
    reach = need.radius_m or 1000.0
    points = round(5 * max(0.0, 1 - offer.distance_m / reach))
    return Reason("distance", points, f"{formats.number(round(offer.distance_m))} m vom Wunschort",
                  f"{offer.distance_m:.0f} m from the preferred place")


def score(need: Need, offer: Offer) -> Scored:
    """Soft score 0–100 with its reasons, strongest first. A pinned vacancy gets 30 points."""
    pinned = need.pinned_vacancy_id == offer.vacancy_id
    reasons = [_area(need, offer), _floor(need, offer), _window(need, offer),
               _step_free(need, offer), _duration(need, offer), _rent(need, offer),
               _condition(offer)]
    near = _distance(need, offer)
    if near is not None:
        reasons.append(near)
    if pinned:
        reasons.insert(0, Reason("pinned", 30, "im Vorschlag ausgewählt",
                                 "chosen in the proposal"))
    total = min(MAX_SCORE, sum(r.points for r in reasons))
    reasons.sort(key=lambda r: -r.points)
    return Scored(vacancy_id=offer.vacancy_id, score=total, pinned=pinned, reasons=reasons)


def rank(scored: list[Scored]) -> list[Scored]:
    """Pinned vacancy first (it only gets here when it passed the filters), then by score."""
    return sorted(scored, key=lambda s: (not s.pinned, -s.score, s.vacancy_id))
