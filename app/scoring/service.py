"""Scoring: facts from the record and from PostGIS, profiles, (re)scoring and the breakdown.

Facts for a whole municipality (or many) come from ONE query; the rules (app.scoring.rules)
run in Python; results are written back with ONE statement. Policy (docs/scoring.md): scores
are recomputed on write, in the same transaction as the change that affects them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, select, text
from sqlalchemy.orm import Session

from app import geo
from app.accounts import policy
from app.accounts.principal import Principal
from app.database import rowcount
from app.errors import Forbidden, InvalidInput, NotFound
from app.municipalities import service as municipality_service
from app.municipalities.models import Municipality
from app.scoring import rules
from app.scoring.models import ScoringProfile, VacancyScore
from app.vacancies import query as vacancy_query
from app.vacancies.lifecycle import VacancyStatus

# statuses that get a score: the unit is (or may soon be) empty; the rest have none
SCORED_STATUSES = (VacancyStatus.reported, VacancyStatus.threatened, VacancyStatus.vacant,
                   VacancyStatus.interim_use)
# other vacancies that count as "empty" for the neighbourhood fact
EMPTY_STATUSES = (VacancyStatus.threatened, VacancyStatus.vacant)
STOP_CATEGORIES = ("station", "tram_stop")
# literal, so the planner uses the partial index ix_place_stop_utm for the nearest-stop search
# (a KNN search in ETRS89/UTM 32N: nearest in metres, not in degrees)
STOP_SQL = "(" + ", ".join(f"'{c}'" for c in STOP_CATEGORIES) + ")"
ACTIVE_CATEGORIES = ("retail", "gastronomy", "culture")
CULTURE_CATEGORIES = ("culture",)
NEAR_M, CULTURE_M = 150, 300
# degrees covering at least 150 m in Thuringia (lat 50.2-51.7): a cheap index pre-filter
# before the exact metric test
DEG_LON_150, DEG_LAT_150 = 0.0025, 0.0015

FACT_COLUMNS = ("id", "municipality_id", *rules.FACTS)

# One query for all vacancies of the given municipalities (optionally only some ids).
# Context layers that a town has not loaded give NULL (missing), never 0. Counts within a radius
# use the GiST index on degrees as a pre-filter, then the exact metric distance; the nearest
# stop is a KNN search in ETRS89 / UTM 32N (metres) on a partial index of the stops only.
FACTS_SQL = f"""
WITH ctx AS MATERIALIZED (
    SELECT m.id, m.core_area, ST_Transform(m.centre, {geo.UTM32}) AS centre,
        EXISTS (SELECT 1 FROM place p WHERE p.category = ANY(:active_cats)
                AND p.geom && m.boundary AND ST_Intersects(p.geom, m.boundary)) AS has_active,
        EXISTS (SELECT 1 FROM place p WHERE p.category = ANY(:culture_cats)
                AND p.geom && m.boundary AND ST_Intersects(p.geom, m.boundary)) AS has_culture
    FROM municipality m WHERE m.id = ANY(:mids)
)
SELECT v.id, v.municipality_id,
    v.floor_area_m2::float8, v.floor, v.shop_window_m::float8, v.condition, v.has_wc,
    v.has_heating, v.step_free,
    NULLIF(v.owner_interim_willing, 'unknown'),
    v.asking_rent_eur_m2::float8,
    CASE WHEN v.vacant_since IS NOT NULL THEN greatest(current_date - v.vacant_since, 0) END,
    CASE WHEN c.core_area IS NOT NULL THEN ST_Covers(c.core_area, v.location) END,
    round(ST_Distance(c.centre, v.utm))::float8,
    round(stop.distance)::float8,
    (SELECT count(*) FROM vacancy o
     WHERE o.location && ST_Expand(v.location, {DEG_LON_150}, {DEG_LAT_150})
       AND o.id <> v.id AND o.status = ANY(:empty_statuses)
       AND ST_DWithin(o.location::geography, v.location::geography, {NEAR_M}, false)),
    CASE WHEN c.has_active THEN near.active END,
    CASE WHEN c.has_culture THEN near.culture END
FROM (SELECT v.*, ST_Transform(v.location, {geo.UTM32}) AS utm FROM vacancy v
      WHERE v.municipality_id = ANY(:mids) AND v.status = ANY(:scored_statuses) {{only_ids}}) v
JOIN ctx c ON c.id = v.municipality_id
LEFT JOIN LATERAL (  -- the nearest rail or tram stop (ix_place_stop_utm)
    SELECT ST_Transform(p.geom, {geo.UTM32}) <-> v.utm AS distance
    FROM place p WHERE p.category IN {STOP_SQL}
    ORDER BY ST_Transform(p.geom, {geo.UTM32}) <-> v.utm LIMIT 1) stop ON true
LEFT JOIN LATERAL (  -- one index search for both place counts
    SELECT count(*) FILTER (WHERE p.category = ANY(:active_cats)
               AND ST_DWithin(p.geom::geography, v.location::geography, {NEAR_M}, false)) AS active,
           count(*) FILTER (WHERE p.category = ANY(:culture_cats)) AS culture
    FROM place p
    WHERE p.geom && ST_Expand(v.location, {2 * DEG_LON_150}, {2 * DEG_LAT_150})
      AND (p.category = ANY(:active_cats) OR p.category = ANY(:culture_cats))
      AND ST_DWithin(p.geom::geography, v.location::geography, {CULTURE_M}, false)) near ON true
"""


def _facts_params(municipality_ids: list[int]) -> dict[str, Any]:
    return {
        "mids": municipality_ids, "active_cats": list(ACTIVE_CATEGORIES),
        "culture_cats": list(CULTURE_CATEGORIES),
        "empty_statuses": [s.value for s in EMPTY_STATUSES],
        "scored_statuses": [s.value for s in SCORED_STATUSES],
    }


def fact_rows(*, session: Session, municipality_ids: list[int],
              vacancy_ids: list[int] | None = None) -> Sequence[Row[*tuple[Any, ...]]]:
    """Rows of FACT_COLUMNS for every scored vacancy of these municipalities (one query)."""
    params = _facts_params(municipality_ids)
    # the planner's cost estimate for many correlated index searches triggers JIT compilation,
    # which costs more than it saves here (measured: 0.2-4 s per call)
    session.execute(text("SET LOCAL jit = off"))
    only_ids = ""
    if vacancy_ids is not None:
        only_ids, params["ids"] = "AND v.id = ANY(:ids)", vacancy_ids
    return session.execute(text(FACTS_SQL.format(only_ids=only_ids)), params).all()


# --- profiles --------------------------------------------------------------------------------

@dataclass
class EffectiveProfile:
    row: ScoringProfile
    rules: rules.Profile
    scope: str  # "municipality" or "default"


def _as_rules(row: ScoringProfile) -> rules.Profile:
    # stored values over the shipped defaults: criteria added in a later release get defaults
    weights = {key: {**value, **row.weights.get(key, {})}
               for key, value in rules.DEFAULT_WEIGHTS.items()}
    return rules.Profile(weights=weights, thresholds={**rules.DEFAULT_THRESHOLDS, **row.thresholds},
                         version=row.version)


def default_profile_row(*, session: Session) -> ScoringProfile:
    """The default profile (municipality NULL), created with the shipped values on first use."""
    row = session.scalar(select(ScoringProfile).where(ScoringProfile.municipality_id.is_(None)))
    if row is None:
        # committed at once in a transaction of its own: inside the caller's, two first edits
        # waited for each other's profile and score rows (a deadlock)
        with session.connection().engine.begin() as own:
            own.execute(text("""
                INSERT INTO scoring_profile (municipality_id, version, weights, thresholds)
                VALUES (NULL, 1, CAST(:w AS jsonb), CAST(:t AS jsonb)) ON CONFLICT DO NOTHING
            """), {"w": json.dumps(rules.DEFAULT_WEIGHTS), "t": json.dumps(rules.DEFAULT_THRESHOLDS)})
        row = session.scalars(
            select(ScoringProfile).where(ScoringProfile.municipality_id.is_(None))).one()
    return row


def profiles_for(*, session: Session, municipality_ids: list[int]) -> dict[int, EffectiveProfile]:
    """The effective profile of each municipality (its own, else the default)."""
    default = default_profile_row(session=session)
    default_profile = EffectiveProfile(default, _as_rules(default), "default")
    own = session.scalars(
        select(ScoringProfile).where(ScoringProfile.municipality_id.in_(municipality_ids))
    ).all()
    result = dict.fromkeys(municipality_ids, default_profile)
    for row in own:
        if row.municipality_id is not None:  # always: the query selects towns' own profiles
            result[row.municipality_id] = EffectiveProfile(row, _as_rules(row), "municipality")
    return result


def _merge(current: rules.Profile, changes: Any) -> tuple[dict, dict]:
    weights = {key: dict(value) for key, value in current.weights.items()}
    thresholds = dict(current.thresholds)
    if changes.weights is not None:
        for key, given in changes.weights.model_dump(exclude_none=True).items():
            weights[key].update(given)
    if changes.thresholds is not None:
        thresholds.update(changes.thresholds.model_dump(exclude_none=True))
    return weights, thresholds


# (lower, higher): the first must not exceed the second
_ORDERED_THRESHOLDS = (
    ("min_window_m", "good_window_m"), ("rent_low_eur_m2", "rent_high_eur_m2"),
    ("long_vacancy_days", "use_lapse_days"), ("retail_min_area_m2", "retail_max_area_m2"),
)


def _check_profile(weights: dict, thresholds: dict) -> None:
    for name in rules.SCORES:
        if not any(w.get(name, 0) > 0 for w in weights.values()):
            raise InvalidInput(f"all {name} weights are zero: at least one must be positive",
                               field=f"weights.*.{name}")
    for low, high in _ORDERED_THRESHOLDS:
        if thresholds[low] > thresholds[high]:
            raise InvalidInput(f"thresholds.{low} ({thresholds[low]}) must not exceed "
                               f"thresholds.{high} ({thresholds[high]})", field=f"thresholds.{low}")


def _municipality(session: Session, ags: str) -> Municipality:
    return municipality_service.get_by_ags(session=session, ags=ags)


def get_profile(*, session: Session, ags: str | None) -> dict[str, Any]:
    """The effective profile of a town (``ags``) or the default (``None``), for the API."""
    if ags is None:
        row = default_profile_row(session=session)
        return profile_out(EffectiveProfile(row, _as_rules(row), "default"), None)
    municipality = _municipality(session, ags)
    return profile_out(profiles_for(session=session, municipality_ids=[municipality.id])[
        municipality.id], ags)


def update_profile(*, session: Session, ags: str | None, changes: Any,
                   actor: Principal) -> dict[str, Any]:
    """Change weights/thresholds of a town's profile (or the default, admins only); bumps the
    version when anything changed and rescores the affected vacancies."""
    row: ScoringProfile | None
    if ags is None:
        if not policy.is_admin(actor):
            raise Forbidden("only administrators may change the default scoring profile")
        municipality_id = None
        row = default_profile_row(session=session)
        current = _as_rules(row)
    else:
        municipality = _municipality(session, ags)
        municipality_id = municipality.id
        if not policy.may_edit(actor, municipality.id):
            raise Forbidden(f"only staff of {municipality.name} may change its scoring profile")
        effective = profiles_for(session=session, municipality_ids=[municipality.id])[municipality.id]
        current, row = effective.rules, effective.row if effective.scope == "municipality" else None
    weights, thresholds = _merge(current, changes)
    _check_profile(weights, thresholds)
    if (weights, thresholds) == (current.weights, current.thresholds):
        return get_profile(session=session, ags=ags)  # nothing changed: no new version
    if row is None:  # the town's first own profile continues the version it had inherited
        row = ScoringProfile(municipality_id=municipality_id, version=current.version + 1,
                             weights=weights,
                             thresholds=thresholds, updated_by_id=actor.user_id)
        session.add(row)
    else:
        row.weights, row.thresholds = weights, thresholds
        row.version += 1
        row.updated_at, row.updated_by_id = datetime.now(UTC), actor.user_id
    session.flush()
    if municipality_id is not None:
        rescore(session=session, municipality_ids=[municipality_id])
    else:
        rescore(session=session, municipality_ids=_municipalities_on_default(session))
    return get_profile(session=session, ags=ags)


def _municipalities_on_default(session: Session) -> list[int]:
    return list(session.scalars(text("""
        SELECT DISTINCT v.municipality_id FROM vacancy v WHERE NOT EXISTS (
            SELECT 1 FROM scoring_profile p WHERE p.municipality_id = v.municipality_id)
    """)))


def profile_out(effective: EffectiveProfile, ags: str | None) -> dict[str, Any]:
    profile = effective.rules
    return {
        "scope": effective.scope, "municipality": ags,
        "inherits_default": ags is not None and effective.scope == "default",
        "profile_id": effective.row.id, "version": effective.row.version,
        "updated_at": effective.row.updated_at,
        "weights": {c.key: {name: float(profile.weights[c.key].get(name, 0)) for name in c.scores}
                    for c in rules.CRITERIA},
        "thresholds": {name: float(value) for name, value in profile.thresholds.items()},
        "criteria": [
            {"criterion": c.key, "label": c.label, "fact": c.fact, "unit": c.unit,
             "group": c.group, "scores": list(c.scores), "reason": c.reason}
            for c in rules.CRITERIA
        ],
        "threshold_info": [
            {"name": name, "value": float(profile.thresholds[name]), "default": default,
             "minimum": low, "maximum": high, "label": label, "reason": reason}
            for name, (default, low, high, label, reason) in rules.THRESHOLDS.items()
        ],
    }


# --- rescoring -------------------------------------------------------------------------------

@dataclass
class RescoreResult:
    municipalities: int = 0
    scored: int = 0
    cleared: int = 0
    seconds: float = 0.0
    seconds_database: float = 0.0  # facts query (incl. fetching rows) + writing the scores
    seconds_facts: float = 0.0
    seconds_write: float = 0.0
    seconds_python: float = 0.0  # the rules
    by_recommendation: dict[str, int] = field(default_factory=dict)


_NEW_SCORES = """
    SELECT * FROM unnest(CAST(:ids AS int[]), CAST(:mids AS int[]), CAST(:interim AS int[]),
        CAST(:permanent AS int[]), CAST(:rec AS text[]), CAST(:conf AS float8[]),
        CAST(:pids AS int[]), CAST(:pversions AS int[]))
        AS t(vacancy_id, municipality_id, interim, permanent, recommendation, confidence,
             profile_id, profile_version)
"""
# Update only what moved: a nightly rescore touches only the scores that changed.
UPDATE_SQL = f"""
UPDATE vacancy_score s SET interim = n.interim, permanent = n.permanent,
    recommendation = n.recommendation, confidence = n.confidence, profile_id = n.profile_id,
    profile_version = n.profile_version, computed_at = now()
FROM ({_NEW_SCORES}) n
WHERE s.vacancy_id = n.vacancy_id
  AND (s.interim, s.permanent, s.recommendation, s.confidence, s.profile_id, s.profile_version)
      IS DISTINCT FROM (n.interim, n.permanent, n.recommendation, n.confidence, n.profile_id,
                        n.profile_version)
"""
INSERT_SQL = f"""
INSERT INTO vacancy_score (vacancy_id, municipality_id, interim, permanent, recommendation,
                           confidence, profile_id, profile_version, computed_at)
SELECT n.*, now() FROM ({_NEW_SCORES}) n
ON CONFLICT (vacancy_id) DO NOTHING  -- a concurrent rescore stored it first: equally fresh
"""


def _write_scores(session: Session, columns: dict[str, list]) -> None:
    """Update the scores that exist, insert the new ones: two set-based statements with plain
    hash joins (INSERT … ON CONFLICT DO UPDATE costs one speculative insertion per row)."""
    # rows locked and inserted in id order: two edits nearby rescore overlapping neighbours,
    # and rows taken in differing orders deadlocked one against the other
    order = sorted(range(len(columns["ids"])), key=columns["ids"].__getitem__)
    columns = {name: [values[i] for i in order] for name, values in columns.items()}
    existing = set(session.scalars(
        text("SELECT vacancy_id FROM vacancy_score WHERE vacancy_id = ANY(:ids) "
             "ORDER BY vacancy_id FOR UPDATE"),
        {"ids": columns["ids"]}))
    if existing:
        session.execute(text(UPDATE_SQL), columns)
    fresh = [i for i, vacancy_id in enumerate(columns["ids"]) if vacancy_id not in existing]
    if fresh:
        session.execute(text(INSERT_SQL), {name: [values[i] for i in fresh]
                                           for name, values in columns.items()})


def rescore(*, session: Session, municipality_ids: list[int],
            vacancy_ids: list[int] | None = None) -> RescoreResult:
    """Recompute and store the scores of these municipalities (or only of ``vacancy_ids`` in
    them): one facts query, the rules in Python, one upsert, one delete of scores that no longer
    apply (a unit let again or withdrawn has none)."""
    started = time.perf_counter()
    result = RescoreResult(municipalities=len(municipality_ids))
    if not municipality_ids:
        return result
    session.flush()
    profiles = profiles_for(session=session, municipality_ids=municipality_ids)
    rows = fact_rows(session=session, municipality_ids=municipality_ids, vacancy_ids=vacancy_ids)
    facts_time = time.perf_counter() - started

    python_started = time.perf_counter()
    columns: dict[str, list[Any]] = {
        name: [] for name in ("ids", "mids", "interim", "permanent", "rec", "conf", "pids", "pversions")}
    counts: dict[str, int] = {}
    for row in rows:
        effective = profiles[row[1]]
        interim, permanent, recommendation, confidence = rules.summarise_values(
            row[2:], effective.rules)
        for name, value in (("ids", row[0]), ("mids", row[1]), ("interim", interim),
                            ("permanent", permanent), ("rec", recommendation),
                            ("conf", confidence), ("pids", effective.row.id),
                            ("pversions", effective.row.version)):
            columns[name].append(value)
        counts[recommendation] = counts.get(recommendation, 0) + 1
    result.seconds_python = time.perf_counter() - python_started

    write_started = time.perf_counter()
    if rows:
        _write_scores(session, columns)
    scope = "AND v.id = ANY(:ids)" if vacancy_ids is not None else ""
    cleared = rowcount(session, text(f"""
        DELETE FROM vacancy_score s USING vacancy v
        WHERE s.vacancy_id = v.id AND v.municipality_id = ANY(:mids)
          AND v.status <> ALL(:scored) {scope}
    """), {"mids": municipality_ids, "scored": [s.value for s in SCORED_STATUSES],
           "ids": vacancy_ids or []})
    write_time = time.perf_counter() - write_started
    result.scored, result.cleared = len(rows), cleared
    result.seconds_facts, result.seconds_write = round(facts_time, 3), round(write_time, 3)
    result.seconds_database = round(facts_time + write_time, 3)
    result.seconds_python = round(result.seconds_python, 3)
    result.seconds = round(time.perf_counter() - started, 3)
    result.by_recommendation = counts
    return result


def rescore_municipality(*, session: Session, ags: str, actor: Principal) -> RescoreResult:
    municipality = _municipality(session, ags)
    if not policy.may_edit(actor, municipality.id):
        raise Forbidden(f"only staff of {municipality.name} may rescore its vacancies")
    return rescore(session=session, municipality_ids=[municipality.id])


def rescore_all(*, session: Session, agss: list[str] | None = None) -> RescoreResult:
    """Every municipality that has vacancies (or the given ones): CLI, nightly job, places."""
    if agss:
        ids = [_municipality(session, ags).id for ags in agss]
    else:
        ids = list(session.scalars(text("SELECT DISTINCT municipality_id FROM vacancy")))
    return rescore(session=session, municipality_ids=ids)


def rescore_near(*, session: Session, vacancy_id: int, also_near: str | None = None) -> None:
    """After a vacancy changed: rescore it and every vacancy within 150 m of it (their count of
    neighbouring vacancies may have changed), also around its former location (EWKT)."""
    session.flush()
    row = session.execute(text(f"""
        SELECT v.municipality_id, array_agg(o.id) FROM vacancy v JOIN vacancy o
          ON o.municipality_id = v.municipality_id AND (o.id = v.id
             OR (o.location && ST_Expand(v.location, {DEG_LON_150}, {DEG_LAT_150})
                 AND ST_DWithin(o.location::geography, v.location::geography, {NEAR_M}, false))
             OR (o.location && ST_Expand(ST_GeomFromEWKT(:old), {DEG_LON_150}, {DEG_LAT_150})
                 AND ST_DWithin(o.location::geography, ST_GeomFromEWKT(:old)::geography,
                                {NEAR_M}, false)))
        WHERE v.id = :id GROUP BY v.municipality_id
    """), {"id": vacancy_id, "old": also_near}).first()
    if row is not None:
        rescore(session=session, municipality_ids=[row[0]], vacancy_ids=list(row[1]))


# --- one vacancy's breakdown -----------------------------------------------------------------

def breakdown(*, session: Session, principal: Principal, vacancy_id: int) -> dict[str, Any]:
    """The full, freshly computed score of one vacancy (the stored row is brought up to date)."""
    vacancy = vacancy_query.get_readable(session=session, principal=principal, vacancy_id=vacancy_id,
                                         details=True)
    ags = session.execute(
        select(Municipality.ags).where(Municipality.id == vacancy.municipality_id)).scalar_one()
    if vacancy.status not in SCORED_STATUSES:
        raise NotFound(f"vacancy {vacancy_id} has status {vacancy.status.value!r}, which is not "
                       "scored (only reported, threatened, vacant and interim_use are)",
                       field="id")
    effective = profiles_for(session=session, municipality_ids=[vacancy.municipality_id])[
        vacancy.municipality_id]
    rescore(session=session, municipality_ids=[vacancy.municipality_id], vacancy_ids=[vacancy_id])
    row = fact_rows(session=session, municipality_ids=[vacancy.municipality_id],
                    vacancy_ids=[vacancy_id])[0]
    result = rules.score(dict(zip(rules.FACTS, row[2:], strict=True)), effective.rules)
    computed_at = session.execute(  # rescore has just written it
        select(VacancyScore.computed_at).where(VacancyScore.vacancy_id == vacancy_id)).scalar_one()
    return _score_out(result, vacancy_id, ags, effective, computed_at)


def _score_out(result: rules.Score, vacancy_id: int, ags: str, effective: EffectiveProfile,
               computed_at: datetime) -> dict[str, Any]:
    return {
        "vacancy_id": vacancy_id, "municipality": ags,
        "interim": result.interim, "permanent": result.permanent,
        "recommendation": result.recommendation,
        "recommendation_label": rules.RECOMMENDATION_LABELS[result.recommendation],
        "reason": result.reason, "confidence": result.confidence, "quality": result.quality,
        "criteria": [
            {"criterion": line.criterion, "label": line.label, "group": line.group,
             "group_label": rules.GROUP_LABELS[line.group], "fact": line.fact,
             "value": line.value, "unit": line.unit, "display": line.display,
             "missing": line.missing, "interim": line.parts.get(rules.INTERIM),
             "permanent": line.parts.get(rules.PERMANENT)}
            for line in result.lines
        ],
        "missing_facts": [
            {"fact": line.fact, "label": line.label} for line in result.lines if line.missing
        ],
        "profile": {"profile_id": effective.row.id, "version": effective.row.version,
                    "scope": effective.scope},
        "profile_version": effective.row.version,
        "computed_at": computed_at,
    }
