"""Matching proposals and vacancies: hard filters in SQL, soft score in app.matching.rules.

Candidates are the `vacant` or `threatened` vacancies of the proposal's municipality that pass
every hard filter and lie in the preferred area (a pinned vacancy's proposal considers the whole
town, with the pinned one first). Review states live in ``proposal_match``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, func, select, text
from sqlalchemy.orm import Session

from app.accounts import policy
from app.accounts.principal import Principal
from app.errors import ForbiddenTransition, InvalidInput, NotFound
from app.matching import rules
from app.matching.models import Match, MatchState
from app.proposals import service as proposals_service
from app.proposals.models import Proposal, ProposalStatus
from app.vacancies import query as vacancy_query
from app.vacancies.lifecycle import STATUS_LABELS
from app.vacancies.models import Vacancy

# the statuses a match is looked for in: empty now, or soon
MATCHABLE_STATUSES = ("vacant", "threatened")
MAX_MATCHES = 200

# what the rules read of a (proposal, vacancy) pair
PAIR_COLUMNS = """p.id AS proposal_id, v.id AS vacancy_id, p.vacancy_id AS pinned_id,
           p.category, p.duration, p.min_area_m2::float AS min_area_m2,
           p.max_area_m2::float AS max_area_m2, p.needs_ground_floor, p.needs_shop_window,
           p.needs_step_free, p.max_rent_eur_m2::float AS max_rent_eur_m2, p.radius_m,
           v.floor_area_m2::float AS floor_area_m2, v.floor, v.shop_window_m::float AS shop_window_m,
           v.step_free, v.owner_interim_willing, v.asking_rent_eur_m2::float AS asking_rent_eur_m2,
           v.condition"""

# one row per (proposal, vacancy) pair that passes the hard filters; {where} narrows the pairs.
# Unknown facts (NULL) pass: they cost points in the soft score instead.
CANDIDATES_SQL = f"""
    SELECT {PAIR_COLUMNS},
           CASE WHEN p.location IS NOT NULL
                THEN ST_Distance(p.location::geography, v.location::geography)
                WHEN p.area IS NOT NULL
                THEN ST_Distance(ST_PointOnSurface(p.area)::geography, v.location::geography)
           END AS distance_m
    FROM proposal p
    JOIN vacancy v ON v.municipality_id = p.municipality_id
                  AND v.status IN ({", ".join(f"'{s}'" for s in MATCHABLE_STATUSES)})
    WHERE {{where}}
      AND (p.min_area_m2 IS NULL OR v.floor_area_m2 IS NULL OR v.floor_area_m2 >= p.min_area_m2)
      AND (p.max_area_m2 IS NULL OR v.floor_area_m2 IS NULL OR v.floor_area_m2 <= p.max_area_m2)
      AND (NOT p.needs_ground_floor OR v.floor IS NULL OR v.floor = 'ground')
      AND (NOT p.needs_shop_window OR v.shop_window_m IS NULL OR v.shop_window_m > 0)
      AND (NOT p.needs_step_free OR v.step_free IS NOT FALSE)
      AND (p.duration <> 'interim' OR v.owner_interim_willing <> 'no')
      AND (p.max_rent_eur_m2 IS NULL OR v.asking_rent_eur_m2 IS NULL
           OR v.asking_rent_eur_m2 <= p.max_rent_eur_m2)
      AND (p.area IS NULL OR ST_Covers(p.area, v.location))
      -- the bbox test lets the GiST index work; 60 km per degree is safe north to 56° N
      AND (p.location IS NULL OR (v.location && ST_Expand(p.location, p.radius_m / 60000.0)
           AND ST_DWithin(p.location::geography, v.location::geography, p.radius_m)))
"""


def _need(row: Any) -> rules.Need:
    return rules.Need(
        category=row.category, duration=row.duration, min_area_m2=row.min_area_m2,
        max_area_m2=row.max_area_m2, needs_ground_floor=row.needs_ground_floor,
        needs_shop_window=row.needs_shop_window, needs_step_free=row.needs_step_free,
        max_rent_eur_m2=row.max_rent_eur_m2, radius_m=row.radius_m, pinned_vacancy_id=row.pinned_id,
    )


def _offer(row: Any) -> rules.Offer:
    return rules.Offer(
        vacancy_id=row.vacancy_id, floor_area_m2=row.floor_area_m2, floor=row.floor,
        shop_window_m=row.shop_window_m, step_free=row.step_free,
        owner_interim_willing=row.owner_interim_willing or "unknown",
        asking_rent_eur_m2=row.asking_rent_eur_m2, condition=row.condition,
        distance_m=row.distance_m,
    )


def candidate_rows(*, session: Session, where: str, params: dict[str, Any]
                   ) -> Sequence[Row[*tuple[Any, ...]]]:
    return session.execute(text(CANDIDATES_SQL.format(where=where)), params).all()


def score_rows(rows: Sequence[Any]) -> dict[int, list[tuple[Any, rules.Scored]]]:
    """Scored and ranked candidates per proposal."""
    per_proposal: dict[int, list[tuple[Any, rules.Scored]]] = defaultdict(list)
    for row in rows:
        per_proposal[row.proposal_id].append((row, rules.score(_need(row), _offer(row))))
    for pairs in per_proposal.values():
        order = {id(s): i for i, s in enumerate(rules.rank([s for _, s in pairs]))}
        pairs.sort(key=lambda pair: order[id(pair[1])])
    return per_proposal


def match_all(*, session: Session, proposal_ids: list[int] | None = None
              ) -> dict[int, list[tuple[Any, rules.Scored]]]:
    """Ranked candidates for many proposals at once (the benchmark's unit of work)."""
    if proposal_ids is None:
        return score_rows(candidate_rows(session=session, where="TRUE", params={}))
    return score_rows(candidate_rows(session=session, where="p.id = ANY(:ids)",
                                     params={"ids": proposal_ids}))


def fits_counts(*, session: Session, proposal_ids: list[int]) -> dict[int, int]:
    """How many published vacancies pass each proposal's hard filters."""
    if not proposal_ids:
        return {}
    rows = session.execute(text(f"""
        SELECT c.proposal_id, count(*) FROM ({CANDIDATES_SQL.format(where="p.id = ANY(:ids)")}) c
        GROUP BY c.proposal_id
    """), {"ids": proposal_ids}).all()
    return dict(rows)


# the pinned vacancy of each proposal, with the facts the hard filters read; only a vacancy in
# a public status (the card must not tell anything of a reported or withdrawn one)
PINNED_SQL = f"""
    SELECT {PAIR_COLUMNS}, NULL::float AS distance_m, v.status::text AS status,
           ((p.area IS NULL OR ST_Covers(p.area, v.location))
            AND (p.location IS NULL
                 OR ST_DWithin(p.location::geography, v.location::geography, p.radius_m))
           ) AS in_place
    FROM proposal p
    JOIN vacancy v ON v.id = p.vacancy_id AND v.municipality_id = p.municipality_id
                  AND {vacancy_query.PUBLIC_DETAIL_SQL}
    WHERE p.id = ANY(:ids)
"""


def pinned_misfits(row: Any) -> list[rules.Reason]:
    """Why a pinned vacancy (a row of PINNED_SQL) is not among its proposal's candidates."""
    reasons: list[rules.Reason] = []
    if row.status not in MATCHABLE_STATUSES:
        label = STATUS_LABELS.get(row.status)
        reasons.append(rules.Reason(
            "not_vacant", 0, "Dieser Laden steht nicht mehr leer" + (f" ({label})." if label else "."),
            f"This shop is no longer empty ({row.status})."))
    if not row.in_place:
        reasons.append(rules.Reason("outside_area", 0,
                                    "Dieser Laden liegt außerhalb des gewünschten Gebiets.",
                                    "This shop lies outside the wanted area."))
    return reasons + rules.misfits(_need(row), _offer(row))


def pinned_fits(*, session: Session, proposal_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For each proposal pinned to a public vacancy: whether that vacancy passes the hard filters
    (so is counted in ``fits``) and, when not, why, in German and English."""
    if not proposal_ids:
        return {}
    rows = session.execute(text(PINNED_SQL), {"ids": proposal_ids}).all()
    result: dict[int, dict[str, Any]] = {}
    for row in rows:
        reasons = pinned_misfits(row)
        result[row.proposal_id] = {
            "vacancy_id": row.vacancy_id, "fits": not reasons,
            "reasons": [{"code": r.code, "de": r.de, "en": r.en} for r in reasons]}
    return result


def _reasons(scored: rules.Scored) -> list[dict[str, Any]]:
    return [{"code": r.code, "points": r.points, "de": r.de, "en": r.en} for r in scored.reasons]


def _states(session: Session, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], Match]:
    if not pairs:
        return {}
    proposal_ids = {p for p, _ in pairs}
    vacancy_ids = {v for _, v in pairs}
    found = session.scalars(select(Match).where(Match.proposal_id.in_(proposal_ids),
                                                Match.vacancy_id.in_(vacancy_ids)))
    return {(m.proposal_id, m.vacancy_id): m for m in found}


def matches_for_proposal(*, session: Session, proposal_id: int, principal: Principal,
                         limit: int = MAX_MATCHES) -> dict[str, Any]:
    """Public: only the count. Staff of the town (and the working group): the ranked list."""
    proposal = proposals_service.get_readable(session=session, principal=principal,
                                              proposal_id=proposal_id)
    ranked = match_all(session=session, proposal_ids=[proposal_id]).get(proposal_id, [])
    result: dict[str, Any] = {"proposal_id": proposal_id, "fits": len(ranked)}
    if not policy.sees_moderation(principal, proposal.municipality_id):
        return result
    states = _states(session, [(proposal_id, row.vacancy_id) for row, _ in ranked[:limit]])
    vacancies = {v.id: v for v in session.scalars(
        select(Vacancy).where(Vacancy.id.in_([row.vacancy_id for row, _ in ranked[:limit]])))}
    result["matches"] = [
        {"vacancy_id": row.vacancy_id, "score": s.score, "pinned": s.pinned,
         "distance_m": None if row.distance_m is None else round(row.distance_m, 1),
         "reasons": _reasons(s), **_state(states.get((proposal_id, row.vacancy_id))),
         "vacancy": _vacancy_summary(vacancies[row.vacancy_id])}
        for row, s in ranked[:limit]
    ]
    return result


def _state(match: Match | None) -> dict[str, Any]:
    if match is None:
        return {"match_id": None, "state": MatchState.suggested.value}
    return {"match_id": match.id, "state": match.state.value}


def _vacancy_summary(vacancy: Vacancy) -> dict[str, Any]:
    return {"street": vacancy.street, "house_number": vacancy.house_number,
            "status": vacancy.status.value,
            "floor_area_m2": None if vacancy.floor_area_m2 is None else float(vacancy.floor_area_m2)}


def matches_for_vacancy(*, session: Session, vacancy_id: int, principal: Principal,
                        limit: int = MAX_MATCHES) -> dict[str, Any]:
    """Published proposals this vacancy fits, best first; public: only the count."""
    vacancy = vacancy_query.get_readable(session=session, principal=principal, vacancy_id=vacancy_id,
                                         details=True)
    staff = policy.sees_moderation(principal, vacancy.municipality_id)
    rows = candidate_rows(session=session, params={"vid": vacancy_id}, where=(
        "v.id = :vid AND p.status = 'published' AND p.hidden_at IS NULL"))
    scored = [(row, rules.score(_need(row), _offer(row))) for row in rows]
    # for one vacancy, the proposals that pinned it come first
    scored.sort(key=lambda pair: (not pair[1].pinned, -pair[1].score, pair[0].proposal_id))
    result: dict[str, Any] = {"vacancy_id": vacancy_id, "fits": len(scored)}
    if not staff:
        return result
    states = _states(session, [(row.proposal_id, vacancy_id) for row, _ in scored[:limit]])
    titles = dict(session.execute(select(Proposal.id, Proposal.title).where(
        Proposal.id.in_([row.proposal_id for row, _ in scored[:limit]]))).all())
    result["matches"] = [
        {"proposal_id": row.proposal_id, "title": titles[row.proposal_id],
         "category": row.category, "score": s.score, "pinned": s.pinned,
         "distance_m": None if row.distance_m is None else round(row.distance_m, 1),
         "reasons": _reasons(s), **_state(states.get((row.proposal_id, vacancy_id)))}
        for row, s in scored[:limit]
    ]
    return result


M = MatchState
MATCH_TRANSITIONS: dict[MatchState, frozenset[MatchState]] = {
    M.suggested: frozenset({M.contacted, M.declined}),
    M.contacted: frozenset({M.agreed, M.declined}),
    M.agreed: frozenset(),
    M.declined: frozenset({M.suggested}),  # reopen
}


def _check_staff(session: Session, vacancy_id: int, principal: Principal) -> None:
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None:
        raise NotFound(f"no vacancy {vacancy_id}", field="vacancy_id")
    if not policy.may_edit(principal, vacancy.municipality_id):
        raise NotFound(f"no match for vacancy {vacancy_id} in your municipality", field="vacancy_id")


def _move(match: Match, state: MatchState, principal: Principal) -> Match:
    if state != match.state and state not in MATCH_TRANSITIONS[match.state]:
        raise ForbiddenTransition(f"a {match.state.value} match cannot become {state.value}",
                                  field="state")
    match.state = state
    match.updated_by_id = principal.user_id
    match.updated_at = func.now()
    return match


def record_state(*, session: Session, proposal_id: int, vacancy_id: int, state: MatchState,
                 principal: Principal) -> Match:
    """Create or move the review state of a pair; a new pair must pass the hard filters."""
    _check_staff(session, vacancy_id, principal)
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(f"no proposal {proposal_id}", field="proposal_id")
    if proposal.status != ProposalStatus.published:
        # a pending idea is not public yet: nobody may act on it as if it were
        raise InvalidInput(f"proposal {proposal_id} is not published", field="proposal_id")
    match = session.scalar(select(Match).where(Match.proposal_id == proposal_id,
                                               Match.vacancy_id == vacancy_id).with_for_update())
    if match is None:
        fits = candidate_rows(session=session, where="p.id = :pid AND v.id = :vid",
                              params={"pid": proposal_id, "vid": vacancy_id})
        if not fits:
            raise InvalidInput(f"vacancy {vacancy_id} does not fit proposal {proposal_id}",
                               field="vacancy_id")
        match = Match(proposal_id=proposal_id, vacancy_id=vacancy_id, state=MatchState.suggested)
        session.add(match)
    _move(match, state, principal)
    session.flush()
    return match


def update_state(*, session: Session, match_id: int, state: MatchState,
                 principal: Principal) -> Match:
    match = session.scalar(select(Match).where(Match.id == match_id).with_for_update())
    if match is None:
        raise NotFound(f"no match {match_id}", field="id")
    _check_staff(session, match.vacancy_id, principal)
    _move(match, state, principal)
    session.flush()
    return match
