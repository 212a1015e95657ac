"""Scoring rules: facts + profile -> two scores 0-100, a recommendation and its breakdown.

Pure: no database, no I/O. Every criterion turns one fact into points 0-100 for the interim
score and/or the permanent score; a score is the weighted mean of the points of the criteria
whose fact is known. A missing fact is left out of the mean and lowers the confidence; it is
never read as zero. ``summarise`` is the lean path for rescoring thousands of vacancies and
gives exactly the numbers ``score`` gives (tested).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, TypedDict

from app import formats
from app.vacancies.properties import CONDITION_LABELS, FLOOR_LABELS, WILLINGNESS_LABELS, YES_NO_LABELS

INTERIM, PERMANENT = "interim", "permanent"
SCORES = (INTERIM, PERMANENT)
RECOMMENDATIONS = ("interim", "permanent", "conversion", "insufficient_data")
# the one German label of each recommendation, criterion group and score (the pages get them
# from app.labels)
RECOMMENDATION_LABELS = {
    "interim": "Zwischennutzung empfohlen",
    "permanent": "dauerhafte Nachnutzung empfohlen",
    "conversion": "Umnutzung prüfen (z. B. Wohnen, nicht-gewerbliche Nutzung)",
    "insufficient_data": "zu wenige Angaben für eine Empfehlung",
}
GROUP_LABELS = {"unit": "Objekt", "location": "Lage", "situation": "Vermietungssituation"}
SCORE_LABELS = {INTERIM: "Zwischennutzung", PERMANENT: "dauerhafte Nachnutzung"}

Points = tuple[float | None, float | None]  # (interim, permanent); None = criterion not used


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str  # German, shown on the pages
    fact: str  # name of the fact it reads
    unit: str  # unit of the fact ("" for yes/no and categories)
    group: str  # unit | location | situation
    scores: tuple[str, ...]  # which scores use it
    reason: str  # why it is there (German), shown with the profile
    points: Callable[[Any, dict[str, float]], Points]


# --- points per criterion: fact, thresholds -> (interim points, permanent points) -------------

def _floor_area(a: float, t: dict[str, float]) -> Points:
    interim = 50 if a < 20 else 100 if a <= t["interim_max_area_m2"] else (
        50 if a <= 2 * t["interim_max_area_m2"] else 20)
    permanent = 40 if a < t["retail_min_area_m2"] else 100 if a <= t["retail_max_area_m2"] else (
        70 if a <= 2.5 * t["retail_max_area_m2"] else 40)
    return interim, permanent


_FLOOR = {"ground": (100, 100), "upper": (50, 30), "basement": (20, 10)}
_CONDITION = {"ready": (100, 100), "minor_renovation": (60, 80), "major_renovation": (10, 50)}


def _floor(value: str, t: dict[str, float]) -> Points:
    return _FLOOR[value]


def _shop_window(m: float, t: dict[str, float]) -> Points:
    good, some = t["good_window_m"], t["min_window_m"]
    interim = 100 if m >= good else 70 if m >= some else 40 if m > 0 else 20
    permanent = 100 if m >= good else 60 if m >= some else 20
    return interim, permanent


def _condition(value: str, t: dict[str, float]) -> Points:
    return _CONDITION[value]


def _yes_no(yes: Points, no: Points) -> Callable[[bool, dict[str, float]], Points]:
    return lambda value, t: yes if value else no


def _owner_willing(value: str, t: dict[str, float]) -> Points:
    return (100 if value == "yes" else 0), None


def _rent(r: float, t: dict[str, float]) -> Points:
    low, high = t["rent_low_eur_m2"], t["rent_high_eur_m2"]
    interim = 100 if r <= low else 50 if r <= high else 10
    permanent = 100 if r <= high else 60 if r <= 1.5 * high else 30
    return interim, permanent


def _days_vacant(d: float, t: dict[str, float]) -> Points:
    long, lapse = t["long_vacancy_days"], t["use_lapse_days"]
    interim = 30 if d < 90 else 60 if d < long else 90 if d < lapse else 100
    permanent = 100 if d < long else 70 if d < lapse else 40
    return interim, permanent


def _in_core(inside: bool, t: dict[str, float]) -> Points:
    return (100, 100) if inside else (50, 20)


def _distance_centre(m: float, t: dict[str, float]) -> Points:
    near = t["near_centre_m"]
    interim = 100 if m <= near else 60 if m <= 3 * near else 30
    permanent = 100 if m <= near else 50 if m <= 3 * near else 10
    return interim, permanent


def _distance_stop(m: float, t: dict[str, float]) -> Points:
    near = t["near_stop_m"]
    p = 100 if m <= near else 60 if m <= 2.5 * near else 30
    return p, p


def _vacancies_near(n: float, t: dict[str, float]) -> Points:
    cluster = t["vacancy_cluster"]
    interim = 60 if n == 0 else 80 if n < cluster else 100
    permanent = 100 if n == 0 else 60 if n < cluster else 20
    return interim, permanent


def _active_uses(n: float, t: dict[str, float]) -> Points:
    busy = t["busy_street_uses"]
    interim = 100 if n >= busy else 80 if n >= 3 else 60 if n >= 1 else 40
    permanent = 100 if n >= busy else 60 if n >= 3 else 30 if n >= 1 else 10
    return interim, permanent


def _culture(n: float, t: dict[str, float]) -> Points:
    return (100 if n >= 2 else 75 if n == 1 else 40), None


BOTH, ONLY_INTERIM = (INTERIM, PERMANENT), (INTERIM,)
CRITERIA: tuple[Criterion, ...] = (
    Criterion("floor_area", "Nutzfläche", "floor_area_m2", "m²", "unit", BOTH,
              "Zwischennutzungsprogramme (NRW, Bayern) fördern Einheiten bis 300 m²; der "
              "Einzelhandel sucht meist 40–400 m², sehr große Flächen brauchen Ankermieter.",
              _floor_area),
    Criterion("floor", "Geschoss", "floor", "", "unit", BOTH,
              "Laufkundschaft erreicht fast nur das Erdgeschoss; Obergeschosse taugen eher für "
              "Ateliers und Büros.", _floor),
    Criterion("shop_window", "Schaufensterfront", "shop_window_m", "m", "unit", BOTH,
              "Sichtbarkeit zur Straße: für den Einzelhandel entscheidend, für Pop-ups hilfreich.",
              _shop_window),
    Criterion("condition", "Zustand", "condition", "", "unit", BOTH,
              "Zwischennutzungen (Monate bis 2 Jahre) können keine Sanierung tragen; ein "
              "langer Mietvertrag schon eher.", _condition),
    Criterion("has_wc", "WC vorhanden", "has_wc", "", "unit", BOTH,
              "Ohne WC ist kaum eine Nutzung mit Publikum oder Personal möglich.",
              _yes_no((100, 100), (30, 60))),
    Criterion("has_heating", "Heizung vorhanden", "has_heating", "", "unit", BOTH,
              "Ohne Heizung nur Sommer-Nutzungen; Nachrüsten lohnt erst bei langer Miete.",
              _yes_no((100, 100), (40, 50))),
    Criterion("step_free", "Stufenlos erreichbar", "step_free", "", "unit", BOTH,
              "Barrierefreiheit erweitert den Kreis der Nutzer und Besucher.",
              _yes_no((100, 100), (50, 50))),
    Criterion("owner_willing", "Eigentümer offen für Zwischennutzung", "owner_interim_willing",
              "", "situation", ONLY_INTERIM,
              "Ohne Zustimmung des Eigentümers gibt es keine Zwischennutzung; „unbekannt“ gilt "
              "als fehlende Angabe.", _owner_willing),
    Criterion("asking_rent", "Mietforderung", "asking_rent_eur_m2", "€/m² (kalt, Monat)",
              "situation", BOTH,
              "Zwischennutzer zahlen meist nur Nebenkosten oder eine geringe Miete; eine "
              "Forderung über dem örtlichen Niveau verlängert den Leerstand.", _rent),
    Criterion("days_vacant", "Leerstandsdauer", "days_vacant", "Tage", "situation", BOTH,
              "Englands Rental Auctions setzen ≥ 1 Jahr Leerstand voraus; nach etwa 2 Jahren "
              "ohne Nutzung droht der Bestandsschutz zu erlöschen, was eine ähnliche "
              "Zwischennutzung verhindern kann. Frischer Leerstand ist noch gut vermietbar.",
              _days_vacant),
    Criterion("in_core_area", "Lage im Innenstadtbereich", "in_core_area", "", "location", BOTH,
              "Handelsverbände bewerten zuerst die Lage: im zentralen Versorgungsbereich ist "
              "dauerhafter Einzelhandel realistisch.", _in_core),
    Criterion("distance_centre", "Entfernung zum Stadtzentrum", "distance_centre_m", "m",
              "location", BOTH, "Passantenfrequenz nimmt mit der Entfernung vom Zentrum ab.",
              _distance_centre),
    Criterion("distance_stop", "Entfernung zur nächsten Bahn-/Straßenbahnhaltestelle",
              "distance_stop_m", "m", "location", BOTH,
              "Gute ÖPNV-Anbindung bringt Besucher ohne Auto.", _distance_stop),
    Criterion("vacancies_near", "Weitere Leerstände im Umkreis von 150 m", "vacancies_150m",
              "Anzahl", "location", BOTH,
              "Gehäufte Leerstände zeigen eine schwache Lage für dauerhaften Handel; gerade "
              "dort belebt eine Zwischennutzung die Straße am meisten.", _vacancies_near),
    Criterion("active_uses", "Aktive Nutzungen (Läden, Gastronomie, Kultur) im Umkreis von 150 m",
              "active_uses_150m", "Anzahl", "location", BOTH,
              "Dichte aktiver Läden ist der Maßstab der Handelsverbände für Laufkundschaft.",
              _active_uses),
    Criterion("culture_near", "Kulturorte im Umkreis von 300 m", "culture_300m", "Anzahl",
              "location", ONLY_INTERIM,
              "Kreative Zwischennutzungen profitieren von nahen Kulturorten und ihrem Publikum.",
              _culture),
)
CRITERIA_BY_KEY = {c.key: c for c in CRITERIA}
FACTS = tuple(c.fact for c in CRITERIA)

DEFAULT_WEIGHTS: dict[str, dict[str, float]] = {
    "floor_area": {INTERIM: 3, PERMANENT: 2},
    "floor": {INTERIM: 2, PERMANENT: 3},
    "shop_window": {INTERIM: 1, PERMANENT: 3},
    "condition": {INTERIM: 3, PERMANENT: 2},
    "has_wc": {INTERIM: 1, PERMANENT: 1},
    "has_heating": {INTERIM: 2, PERMANENT: 1},
    "step_free": {INTERIM: 1, PERMANENT: 1},
    "owner_willing": {INTERIM: 4},
    "asking_rent": {INTERIM: 2, PERMANENT: 1},
    "days_vacant": {INTERIM: 2, PERMANENT: 2},
    "in_core_area": {INTERIM: 1, PERMANENT: 3},
    "distance_centre": {INTERIM: 1, PERMANENT: 2},
    "distance_stop": {INTERIM: 1, PERMANENT: 1},
    "vacancies_near": {INTERIM: 1, PERMANENT: 2},
    "active_uses": {INTERIM: 1, PERMANENT: 3},
    "culture_near": {INTERIM: 1},
}

# name -> (default, minimum, maximum, German label with unit, reason)
THRESHOLDS: dict[str, tuple[float, float, float, str, str]] = {
    "interim_max_area_m2": (300, 10, 5000, "größte Fläche für Zwischennutzung (m²)",
                            "Förderobergrenze der Zwischenanmietungsprogramme NRW/Bayern"),
    "retail_min_area_m2": (40, 5, 1000, "kleinste übliche Ladenfläche (m²)", "Erfahrungswert"),
    "retail_max_area_m2": (400, 50, 20000, "größte ohne Ankermieter vermietbare Ladenfläche (m²)",
                           "Erfahrungswert kleiner Innenstädte"),
    "good_window_m": (5, 0.5, 50, "gute Schaufensterfront (m)", "Erfahrungswert"),
    "min_window_m": (2, 0, 50, "kleinste brauchbare Schaufensterfront (m)", "Erfahrungswert"),
    "rent_low_eur_m2": (5, 0, 200, "niedrige Miete (€/m²)", "tragbar für Zwischennutzer"),
    "rent_high_eur_m2": (12, 0, 500, "obere ortsübliche Ladenmiete (€/m²)",
                         "kleine und mittlere Städte in Thüringen; örtlich anpassen"),
    "long_vacancy_days": (365, 30, 3650, "langer Leerstand (Tage)",
                          "England: Rental Auctions ab 1 Jahr Leerstand"),
    "use_lapse_days": (730, 60, 7300, "drohender Verlust des Bestandsschutzes (Tage)",
                       "Bestandsschutz kann nach etwa 2 Jahren ohne Nutzung erlöschen"),
    "near_centre_m": (400, 50, 10000, "Nähe zum Zentrum (m)", "etwa 5 Minuten zu Fuß"),
    "near_stop_m": (300, 50, 5000, "Nähe zur Haltestelle (m)", "übliche Einzugsgrenze einer Haltestelle"),
    "vacancy_cluster": (3, 1, 100, "Leerstandshäufung ab (Anzahl in 150 m)", "Erfahrungswert"),
    "busy_street_uses": (8, 1, 500, "belebte Lage ab (aktive Nutzungen in 150 m)", "Erfahrungswert"),
    "min_confidence": (0.5, 0, 1, "Mindest-Vertrauen für eine Empfehlung (0–1)",
                       "unter der Hälfte der gewichteten Angaben keine Empfehlung"),
    "weak_below": (40, 0, 100, "schwach unter (Punkte)",
                   "Lage und Objekt beide schwach: Umnutzung statt Einzelhandel prüfen"),
}
DEFAULT_THRESHOLDS = {name: spec[0] for name, spec in THRESHOLDS.items()}


@dataclass(frozen=True)
class Profile:
    weights: dict[str, dict[str, float]] = field(default_factory=lambda: DEFAULT_WEIGHTS)
    thresholds: dict[str, float] = field(default_factory=lambda: DEFAULT_THRESHOLDS)
    version: int = 1

    @cached_property
    def table(self) -> tuple[tuple[Callable, float, float, str], ...]:
        """(points function, interim weight, permanent weight, group) per criterion, in
        CRITERIA order (the order of FACTS): what the bulk path loops over."""
        return tuple((c.points, self._weight(c, INTERIM), self._weight(c, PERMANENT), c.group)
                     for c in CRITERIA)

    def _weight(self, c: Criterion, name: str) -> float:
        return float(self.weights.get(c.key, {}).get(name, 0.0)) if name in c.scores else 0.0


class Part(TypedDict):
    """What one criterion adds to one score."""

    points: float | None  # None: the fact is missing
    weight: float
    contribution: float


@dataclass
class Line:
    """One criterion in a breakdown."""

    criterion: str
    label: str
    group: str
    fact: str
    value: Any
    unit: str
    display: str
    missing: bool
    parts: dict[str, Part]  # per score


@dataclass
class Score:
    interim: int | None
    permanent: int | None
    recommendation: str
    confidence: float
    reason: str
    lines: list[Line]
    missing: list[str]  # facts
    quality: dict[str, int | None]  # group -> permanent-weighted points
    profile_version: int


# --- evaluation ----------------------------------------------------------------------------

def _points(facts: dict[str, Any], t: dict[str, float]) -> list[Points | None]:
    out: list[Points | None] = []
    for c in CRITERIA:
        value = facts.get(c.fact)
        out.append(None if value is None else c.points(value, t))
    return out


def _weighted(points: list[Points | None], weights: dict[str, dict[str, float]], which: int,
              name: str, keys: tuple[str, ...] | None = None) -> tuple[float, float, float]:
    """(sum of weight*points over known facts, sum of their weights, sum of all weights)."""
    total = known = possible = 0.0
    for c, p in zip(CRITERIA, points, strict=True):
        if keys is not None and c.key not in keys:
            continue
        w = weights.get(c.key, {}).get(name, 0.0)
        if not w or name not in c.scores:
            continue
        possible += w
        pts = None if p is None else p[which]
        if pts is not None:
            known += w
            total += w * pts
    return total, known, possible


_GROUP_KEYS = {g: tuple(c.key for c in CRITERIA if c.group == g) for g in GROUP_LABELS}


def _numbers(points: list[Points | None], profile: Profile) -> tuple:
    results, known_all, possible_all = [], 0.0, 0.0
    for i, name in enumerate(SCORES):
        total, known, possible = _weighted(points, profile.weights, i, name)
        results.append(round(total / known) if known else None)
        known_all += known
        possible_all += possible
    confidence = round(known_all / possible_all, 2) if possible_all else 0.0
    quality = {}
    for group in ("location", "unit"):
        total, known, _ = _weighted(points, profile.weights, 1, PERMANENT, _GROUP_KEYS[group])
        quality[group] = round(total / known) if known else None
    recommendation = _recommend(results[0], results[1], confidence, quality, profile.thresholds)
    return results[0], results[1], recommendation, confidence, quality


def _recommend(interim: int | None, permanent: int | None, confidence: float,
               quality: dict[str, int | None], t: dict[str, float]) -> str:
    if interim is None or permanent is None or confidence < t["min_confidence"]:
        return "insufficient_data"
    weak = t["weak_below"]
    location, unit = quality["location"], quality["unit"]
    if location is not None and unit is not None and location < weak and unit < weak:
        return "conversion"
    return "permanent" if permanent >= interim else "interim"


def summarise(facts: dict[str, Any], profile: Profile) -> tuple[int | None, int | None, str, float]:
    """(interim, permanent, recommendation, confidence) without the breakdown."""
    return summarise_values([facts.get(name) for name in FACTS], profile)


def summarise_values(values: Sequence[Any], profile: Profile
                     ) -> tuple[int | None, int | None, str, float]:
    """``summarise`` for facts given in FACTS order: the bulk path (one loop, no dicts). The
    sums run in the same order as in ``score``, so the numbers are identical (tested)."""
    t = profile.thresholds
    total_i = known_i = possible_i = total_p = known_p = possible_p = 0.0
    loc_total = loc_known = unit_total = unit_known = 0.0
    for value, (points, w_i, w_p, group) in zip(values, profile.table, strict=True):
        possible_i += w_i
        possible_p += w_p
        if value is None:
            continue
        p_i, p_p = points(value, t)
        if w_i:
            total_i += w_i * p_i
            known_i += w_i
        if w_p:
            total_p += w_p * p_p
            known_p += w_p
            if group == "location":
                loc_total += w_p * p_p
                loc_known += w_p
            elif group == "unit":
                unit_total += w_p * p_p
                unit_known += w_p
    interim = round(total_i / known_i) if known_i else None
    permanent = round(total_p / known_p) if known_p else None
    possible = possible_i + possible_p
    confidence = round((known_i + known_p) / possible, 2) if possible else 0.0
    quality = {"location": round(loc_total / loc_known) if loc_known else None,
               "unit": round(unit_total / unit_known) if unit_known else None}
    return interim, permanent, _recommend(interim, permanent, confidence, quality, t), confidence


def score(facts: dict[str, Any], profile: Profile) -> Score:
    """Both scores with the full breakdown a town employee can check line by line."""
    points = _points(facts, profile.thresholds)
    interim, permanent, recommendation, confidence, quality = _numbers(points, profile)
    known_weight = {
        name: _weighted(points, profile.weights, i, name)[1] for i, name in enumerate(SCORES)
    }
    lines = []
    for c, p in zip(CRITERIA, points, strict=True):
        value = facts.get(c.fact)
        parts: dict[str, Part] = {}
        for i, name in enumerate(SCORES):
            if name not in c.scores:
                continue
            w = float(profile.weights.get(c.key, {}).get(name, 0.0))
            pts = None if p is None else p[i]
            share = (w * pts / known_weight[name]) if pts is not None and known_weight[name] else 0.0
            parts[name] = {"points": pts, "weight": w, "contribution": round(share, 1)}
        lines.append(Line(c.key, c.label, c.group, c.fact, value, c.unit, display(c, value),
                          value is None, parts))
    missing = [c.fact for c, p in zip(CRITERIA, points, strict=True) if p is None]
    result = Score(interim, permanent, recommendation, confidence, "", lines, missing, quality,
                   profile.version)
    result.reason = reason(result, profile.thresholds)
    return result


# --- German text -----------------------------------------------------------------------------

_CHOICES: dict[str, Mapping[Any, str]] = {"floor": FLOOR_LABELS, "condition": CONDITION_LABELS,
            "owner_interim_willing": WILLINGNESS_LABELS}


def _number(value: float) -> str:
    return formats.number(value, 1)


def display(c: Criterion, value: Any) -> str:
    """The fact as a German text with unit ("85 m²", "ja", "Erdgeschoss", "fehlt")."""
    if value is None:
        return "Angabe fehlt"
    if isinstance(value, bool):
        return YES_NO_LABELS["true" if value else "false"]
    if c.fact in _CHOICES:
        return _CHOICES[c.fact].get(value, str(value))
    if c.unit == "Anzahl":  # a count reads best as the bare number
        return _number(float(value))
    return f"{_number(float(value))} {c.unit}".strip()


def reason(result: Score, t: dict[str, float]) -> str:
    """One German sentence (or two) saying why this recommendation."""
    missing = [CRITERIA_BY_KEY[line.criterion].label for line in result.lines if line.missing]
    if result.recommendation == "insufficient_data":
        share = round(result.confidence * 100)
        return (f"Zu wenige Angaben für eine Empfehlung: nur {share} % der gewichteten Kriterien "
                f"sind bekannt (nötig: {round(t['min_confidence'] * 100)} %). Es fehlen: "
                f"{', '.join(missing)}.")
    if result.recommendation == "conversion":
        weak = [line for line in result.lines
                if (pts := _line_points(line, PERMANENT)) is not None and pts < t["weak_below"]]
        return (f"Lage ({result.quality['location']} Punkte) und Objekt "
                f"({result.quality['unit']} Punkte) sind beide schwach (unter "
                f"{_number(t['weak_below'])}): statt Einzelhandel eine Umnutzung prüfen, etwa "
                f"Wohnen oder eine nicht-gewerbliche Nutzung. Schwach: {_top(weak, PERMANENT, by='weight')}.")
    chosen = result.recommendation
    other = PERMANENT if chosen == INTERIM else INTERIM
    chosen_value = result.interim if chosen == INTERIM else result.permanent
    other_value = result.permanent if chosen == INTERIM else result.interim
    strong = [line for line in result.lines
              if (_line_points(line, chosen) or 0) >= 70]
    text = (f"Eignung für {SCORE_LABELS[chosen]} {chosen_value} gegenüber {other_value} für "
            f"{SCORE_LABELS[other]}. Dafür sprechen vor allem: {_top(strong, chosen) or '–'}.")
    if missing:
        text += f" Fehlende Angaben: {', '.join(missing)}."
    return text


def _line_points(line: Line, name: str) -> float | None:
    """The line's points for the score; None if the criterion does not feed it or its fact is missing."""
    part = line.parts.get(name)
    return None if part is None else part["points"]


def _top(lines: list[Line], name: str, by: Literal["contribution", "weight"] = "contribution",
         n: int = 3) -> str:
    ranked = sorted(lines, key=lambda line: -line.parts[name][by])[:n]
    return "; ".join(f"{line.label} ({line.display})" for line in ranked)
