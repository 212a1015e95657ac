"""Per-municipality vacancy statistics for the working-group overview, built in PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.accounts import policy
from app.accounts.principal import Principal
from app.vacancies import query
from app.vacancies.lifecycle import ACTIVE_STATUSES

# boundaries for a choropleth of a whole Land: ~100 m detail is plenty and keeps it small
SIMPLIFY_DEG = 0.001

def municipality_statistics(*, session: Session, principal: Principal, with_boundary: bool) -> str:
    """FeatureCollection (string) of the municipalities with at least one vacancy the caller may
    see: counts by status, active vacancies and active vacancies per 10,000 inhabitants."""
    geometry = (f"ST_AsGeoJSON(ST_SimplifyPreserveTopology(m.boundary, {SIMPLIFY_DEG}), 5)::jsonb"
                if with_boundary else "NULL::jsonb")
    visible, params = query.count_where(policy.read_scope(principal))
    params = {**params, "active": [s.value for s in ACTIVE_STATUSES]}
    return session.execute(text(f"""
        WITH counts AS (
            SELECT v.municipality_id, v.status, count(*) AS n
            FROM vacancy v WHERE {visible}
            GROUP BY v.municipality_id, v.status
        ), towns AS (
            SELECT municipality_id, jsonb_object_agg(status, n) AS by_status, sum(n) AS total,
                   coalesce(sum(n) FILTER (WHERE status = ANY(:active)), 0) AS active
            FROM counts GROUP BY municipality_id
        )
        SELECT json_build_object(
            'type', 'FeatureCollection', 'numberReturned', count(*),
            'features', coalesce(json_agg(json_build_object(
                'type', 'Feature', 'id', m.ags, 'geometry', {geometry},
                'properties', json_build_object(
                    'ags', m.ags, 'name', m.name, 'population', m.population,
                    'counts', t.by_status, 'total', t.total, 'active', t.active,
                    'active_per_10000', CASE WHEN m.population > 0
                        THEN round(t.active * 10000.0 / m.population, 2) END)
            ) ORDER BY m.name), '[]'::json))::text
        FROM towns t JOIN municipality m ON m.id = t.municipality_id
    """), params).scalar_one()
