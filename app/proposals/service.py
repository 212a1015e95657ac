"""Citizen proposals: submit, read, moderate, support, flag, and erase their authors' contacts.

Public readers see published proposals that flags have not hidden; staff of the town see all of
theirs with the author's e-mail and the flags; the author follows the status through a private
token (only its hash is stored).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app import geo
from app.accounts import policy
from app.accounts.principal import ANONYMOUS, Principal
from app.database import rowcount
from app.errors import Conflict, ConnectionLimit, Forbidden, ForbiddenTransition, InvalidInput, NotFound
from app.municipalities import service as municipality_service
from app.municipalities.models import Municipality
from app.photos import service as photo_service
from app.proposals.models import (
    FlagReason,
    Proposal,
    ProposalContact,
    ProposalStatus,
)
from app.proposals.schemas import ProposalCreate
from app.vacancies import query as vacancy_query
from app.vacancies.reports import locate, reaches_sql

S = ProposalStatus
ALLOWED_TRANSITIONS: dict[ProposalStatus, frozenset[ProposalStatus]] = {
    S.pending: frozenset({S.published, S.rejected, S.withdrawn}),
    # published -> published restores a proposal hidden by flags
    S.published: frozenset({S.published, S.rejected, S.withdrawn, S.realised}),
    S.rejected: frozenset(),
    S.withdrawn: frozenset(),
    S.realised: frozenset(),
}
PUBLIC_FIELDS = (
    "id", "municipality", "title", "description", "category", "min_area_m2", "max_area_m2",
    "needs_ground_floor", "needs_shop_window", "needs_step_free", "duration", "max_rent_eur_m2",
    "vacancy_id", "area", "location", "radius_m", "display_name", "status", "support_count",
    "created_at", "published_at",
)
MODERATION_FIELDS = ("hidden", "open_flags", "rejection_reason", "decided_at")
MAX_PAGE = 500

_VIEW_SQL = """
    SELECT p.id, m.ags AS municipality, p.municipality_id, p.title, p.description, p.category,
           p.min_area_m2::float AS min_area_m2, p.max_area_m2::float AS max_area_m2,
           p.needs_ground_floor, p.needs_shop_window, p.needs_step_free, p.duration,
           p.max_rent_eur_m2::float AS max_rent_eur_m2, p.vacancy_id,
           ST_AsGeoJSON(p.area, 7)::jsonb AS area, ST_AsGeoJSON(p.location, 7)::jsonb AS location,
           p.radius_m, p.display_name, p.status, p.support_count, p.created_at, p.published_at,
           p.hidden_at IS NOT NULL AS hidden, p.rejection_reason, p.decided_at,
           (SELECT count(*) FROM proposal_flag f
            WHERE f.proposal_id = p.id AND f.resolved_at IS NULL) AS open_flags
    FROM proposal p JOIN municipality m ON m.id = p.municipality_id
"""
PUBLIC_SQL = "(p.status = 'published' AND p.hidden_at IS NULL)"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_public(proposal: Proposal) -> bool:
    return proposal.status == ProposalStatus.published and proposal.hidden_at is None


def get_readable(*, session: Session, principal: Principal, proposal_id: int) -> Proposal:
    """The proposal, or NotFound where it does not exist or the caller may not see it."""
    proposal = session.get(Proposal, proposal_id) if 0 < proposal_id < 2**31 else None
    if proposal is None or not policy.may_read(principal, proposal.municipality_id,
                                               public=is_public(proposal)):
        raise NotFound(f"no proposal {proposal_id}", field="id")
    return proposal


def _visible_sql(principal: Principal) -> tuple[str, dict[str, Any]]:
    return policy.read_scope(principal).row_filter(public=PUBLIC_SQL, town="p.municipality_id")


def _views(*, session: Session, principal: Principal, where: str, params: dict[str, Any],
           order: str = "p.id", limit: int = MAX_PAGE, offset: int = 0,
           any_status: bool = False) -> list[dict[str, Any]]:
    visible, extra = ("TRUE", {}) if any_status else _visible_sql(principal)
    rows = session.execute(text(
        f"{_VIEW_SQL} WHERE {visible} AND {where} ORDER BY {order} LIMIT :limit OFFSET :offset"
    ), {**params, **extra, "limit": limit, "offset": offset}).mappings().all()
    own = [r["id"] for r in rows if policy.sees_private(principal, r["municipality_id"])]
    staff = _staff_fields(session, own) if own else {}
    views = []
    for row in rows:
        view = {name: row[name] for name in PUBLIC_FIELDS}
        if policy.sees_moderation(principal, row["municipality_id"]):
            view.update({name: row[name] for name in MODERATION_FIELDS})
        if row["id"] in own:  # staff of this town and admins only
            view.update(staff[row["id"]])
        views.append(view)
    return views


_STAFF_SQL = f"""
    SELECT p.id, {reaches_sql("c.email")} AS contactable,
           nullif(concat_ws(' ', v.street, v.house_number), '') AS vacancy_address
    FROM proposal p LEFT JOIN vacancy v ON v.id = p.vacancy_id
    LEFT JOIN proposal_contact c ON c.proposal_id = p.id
    WHERE p.id = ANY(:ids)
"""


def _staff_fields(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """What staff of the town read beyond moderation: whether "Kontakt aufnehmen" reaches the
    author (a confirmed, subscribed address — the address itself is never shown to anybody) and
    the pinned shop's address."""
    return {row["id"]: {"contactable": row["contactable"], "vacancy_address": row["vacancy_address"]}
            for row in session.execute(text(_STAFF_SQL), {"ids": ids}).mappings()}


def get_view(*, session: Session, principal: Principal, proposal_id: int) -> dict[str, Any]:
    views = _views(session=session, principal=principal, where="p.id = :id", params={"id": proposal_id})
    if not views:
        raise NotFound(f"no proposal {proposal_id}", field="id")
    return views[0]


def author_view(*, session: Session, proposal_id: int) -> dict[str, Any]:
    """The public fields of a just-submitted (pending) proposal, for its author's answer."""
    return _views(session=session, principal=ANONYMOUS, where="p.id = :id",
                  params={"id": proposal_id}, any_status=True)[0]


def list_views(*, session: Session, principal: Principal, ags: str | None,
               statuses: list[ProposalStatus] | None, limit: int, offset: int) -> list[dict[str, Any]]:
    clauses = ["TRUE"]
    params: dict[str, Any] = {}
    if ags:
        clauses.append("m.ags = :ags")
        params["ags"] = ags
    if statuses:
        clauses.append("p.status = ANY(:statuses)")
        params["statuses"] = [s.value for s in statuses]
    return _views(session=session, principal=principal, where=" AND ".join(clauses), params=params,
                  limit=limit, offset=offset)


def _area_municipality(*, session: Session, geom: BaseGeometry, ags: str | None,
                       field: str) -> Municipality:
    if ags is None or geom.geom_type == "Point":
        return locate(session=session, point=geom.representative_point(), ags=ags, field=field)
    named = municipality_service.get_by_ags(session=session, ags=ags, field="municipality",
                                            referenced=True)
    if not session.scalar(select(func.ST_Intersects(named.boundary,
                                                    func.ST_GeomFromText(geom.wkt, 4326)))):
        raise InvalidInput(f"the area does not touch {named.name} (AGS {ags})", field=field)
    return named


def submit_proposal(*, session: Session, data: ProposalCreate) -> tuple[Proposal, str]:
    """A new proposal (status pending) and the author's private status token."""
    area = location = None
    if data.vacancy_id is not None:
        vacancy = vacancy_query.get_public(session=session, vacancy_id=data.vacancy_id)
        municipality = session.get_one(Municipality, vacancy.municipality_id)
        if data.municipality and municipality.ags != data.municipality:
            raise InvalidInput(f"vacancy {vacancy.id} lies in {municipality.name}, not in AGS "
                               f"{data.municipality}", field="vacancy_id")
    elif data.area is not None:
        area = geo.geometry_from_geojson(data.area.model_dump(exclude_none=True), field="area",
                                         types=("Polygon",))
        municipality = _area_municipality(session=session, geom=area, ags=data.municipality,
                                          field="area")
    else:
        assert data.location is not None  # ProposalCreate takes exactly one of the three
        location = geo.geometry_from_geojson(data.location.model_dump(exclude_none=True),
                                             field="location", types=("Point",))
        municipality = _area_municipality(session=session, geom=location, ags=data.municipality,
                                          field="location")
    token = secrets.token_urlsafe(24)
    values = data.model_dump(exclude={"municipality", "area", "location", "email", "website"})
    proposal = Proposal(
        municipality_id=municipality.id, status=ProposalStatus.pending,
        area=None if area is None else f"SRID=4326;{area.wkt}",
        location=None if location is None else f"SRID=4326;{location.wkt}",
        status_token_hash=token_hash(token), **values,
    )
    session.add(proposal)
    session.flush()
    if data.email:
        session.add(ProposalContact(proposal_id=proposal.id, email=data.email))
        session.flush()
    return proposal, token


def status_for_token(*, session: Session, token: str) -> dict[str, Any]:
    row = session.execute(text("""
        SELECT p.id, p.title, p.status, p.rejection_reason, p.support_count,
               p.hidden_at IS NOT NULL AS hidden, p.created_at, p.published_at, p.decided_at
        FROM proposal p WHERE p.status_token_hash = :hash
    """), {"hash": token_hash(token)}).mappings().first()
    if row is None:
        raise NotFound("no proposal for this status link", field="token")
    return dict(row)


def _for_decision(*, session: Session, proposal_id: int, actor: Principal) -> Proposal:
    proposal = session.scalar(select(Proposal).where(Proposal.id == proposal_id).with_for_update())
    if proposal is None:
        raise NotFound(f"no proposal {proposal_id}", field="id")
    if not policy.may_moderate(actor, proposal.municipality_id):
        if policy.may_read(actor, proposal.municipality_id, public=is_public(proposal)):
            raise Forbidden("only staff of the town moderate its proposals")
        raise NotFound(f"no proposal {proposal_id}", field="id")
    return proposal


def for_staff(*, session: Session, proposal_id: int, actor: Principal) -> Proposal:
    """A proposal that ``actor`` moderates (staff of its town, admins): 404/403 otherwise."""
    return _for_decision(session=session, proposal_id=proposal_id, actor=actor)


def _open_flags(session: Session, proposal_id: int) -> int:
    return session.scalar(text("SELECT count(*) FROM proposal_flag "
                               "WHERE proposal_id = :id AND resolved_at IS NULL"), {"id": proposal_id})


def _resolve_flags(session: Session, proposal_id: int) -> None:
    session.execute(text("UPDATE proposal_flag SET resolved_at = now() "
                         "WHERE proposal_id = :id AND resolved_at IS NULL"), {"id": proposal_id})


def decide(*, session: Session, proposal_id: int, target: ProposalStatus, actor: Principal,
           reason: str | None = None) -> Proposal:
    """Moderation: publish (also keeps a flagged proposal: restores it when hidden, dismisses
    the flags), reject with a reason, withdraw, mark realised. Any decision settles the open
    flags."""
    proposal = _for_decision(session=session, proposal_id=proposal_id, actor=actor)
    if target not in ALLOWED_TRANSITIONS[proposal.status]:
        raise ForbiddenTransition(
            f"a {proposal.status.value} proposal cannot become {target.value}", field="status")
    if target == proposal.status == ProposalStatus.published and proposal.hidden_at is None \
            and not _open_flags(session, proposal_id):
        raise Conflict(f"proposal {proposal_id} is already published")
    if target == ProposalStatus.published and proposal.published_at is None:
        proposal.published_at = func.now()
    proposal.status = target
    proposal.hidden_at = None
    proposal.rejection_reason = reason if target in (S.rejected, S.withdrawn) else None
    proposal.decided_at = func.now()
    proposal.decided_by_id = actor.user_id
    _resolve_flags(session, proposal_id)
    session.flush()
    return proposal


def _public_proposal(*, session: Session, proposal_id: int) -> Proposal:
    proposal = session.scalar(select(Proposal).where(Proposal.id == proposal_id).with_for_update())
    if proposal is None or proposal.status != ProposalStatus.published or proposal.hidden_at:
        raise NotFound(f"no published proposal {proposal_id}", field="id")
    return proposal


def purge_client_hashes(*, session: Session, retention_days: int) -> int:
    """Keyed browser and address hashes only live as long as de-duplication needs them; returns
    how many rows lost theirs. Runs on every support and flag, and from
    `leerstand purge-client-hashes`."""
    params = {"days": retention_days}
    supports = rowcount(session, text("DELETE FROM proposal_support "
                                      "WHERE created_at < now() - make_interval(days => :days)"), params)
    flags = rowcount(session, text("UPDATE proposal_flag SET client_hash = NULL, ip_hash = NULL "
                                   "WHERE (client_hash IS NOT NULL OR ip_hash IS NOT NULL) "
                                   "AND created_at < now() - make_interval(days => :days)"), params)
    return supports + flags


@dataclass(frozen=True)
class Voter:
    """Who supports or flags: keyed hashes of the browser (de-duplicates) and of the client
    address (counted against ``per_address`` for one proposal), never the values themselves."""

    browser_hash: str
    address_hash: str
    per_address: int
    retention_days: int


# the two tables of citizens' votes on a proposal; both keep the hashes of a Voter
VoteTable = Literal["proposal_support", "proposal_flag"]


def _admit_vote(session: Session, table: VoteTable, proposal_id: int, voter: Voter,
                already: Conflict) -> None:
    """Raises ``already`` when this browser voted so before, ConnectionLimit when the voter's
    address already gave ``per_address`` such votes to the proposal (only rows still holding
    their hashes count: they are forgotten after retention). The caller holds the proposal's
    row lock (FOR UPDATE), so the votes of one proposal are admitted one at a time."""
    count, mine, remaining = session.execute(text(f"""
        SELECT count(*) FILTER (WHERE ip_hash = :ip), count(*) FILTER (WHERE client_hash = :hash),
               extract(epoch FROM min(created_at) FILTER (WHERE ip_hash = :ip)
                                  + make_interval(days => :days) - now())
        FROM {table} WHERE proposal_id = :id AND (ip_hash = :ip OR client_hash = :hash)
    """), {"id": proposal_id, "ip": voter.address_hash, "hash": voter.browser_hash,
           "days": voter.retention_days}).one()
    if mine:
        raise already
    if count < voter.per_address:
        return
    retry_after = max(1, math.ceil(float(remaining)))
    raise ConnectionLimit(
        f"{count} browsers behind your connection already did this for proposal {proposal_id}, "
        f"the most one connection counts for; try again in {retry_after} s",
        retry_after=retry_after)


def support_proposal(*, session: Session, proposal_id: int, voter: Voter) -> int:
    """+1 from one browser (once per proposal, and at most ``voter.per_address`` browsers from
    one address); returns the public count."""
    proposal = _public_proposal(session=session, proposal_id=proposal_id)
    purge_client_hashes(session=session, retention_days=voter.retention_days)
    _admit_vote(session, "proposal_support", proposal_id, voter, Conflict(
        "you already support this proposal", support_count=proposal.support_count))
    session.execute(text("""
        INSERT INTO proposal_support (proposal_id, client_hash, ip_hash) VALUES (:id, :hash, :ip)
    """), {"id": proposal_id, "hash": voter.browser_hash, "ip": voter.address_hash})
    proposal.support_count += 1
    session.flush()
    return proposal.support_count


def _open_flag_addresses(session: Session, proposal_id: int) -> int:
    """Open flags counted per address, so one connection cannot hide an idea on its own by
    clearing its cookies; a flag whose hash has been forgotten counts on its own."""
    return session.scalar(text("SELECT count(DISTINCT coalesce(ip_hash, 'flag:' || id)) "
                               "FROM proposal_flag WHERE proposal_id = :id AND resolved_at IS NULL"),
                          {"id": proposal_id})


def flag_proposal(*, session: Session, proposal_id: int, reason: FlagReason, comment: str | None,
                  voter: Voter, threshold: int) -> None:
    """Record a flag (once per browser, at most ``voter.per_address`` from one address); from
    ``threshold`` open flags from different addresses on, the proposal is hidden until staff
    decide."""
    proposal = _public_proposal(session=session, proposal_id=proposal_id)
    purge_client_hashes(session=session, retention_days=voter.retention_days)
    _admit_vote(session, "proposal_flag", proposal_id, voter,
                Conflict("you already flagged this proposal"))
    session.execute(text("""
        INSERT INTO proposal_flag (proposal_id, reason, comment, client_hash, ip_hash)
        VALUES (:id, :reason, :comment, :hash, :ip)
    """), {"id": proposal_id, "reason": reason.value, "comment": comment,
           "hash": voter.browser_hash, "ip": voter.address_hash})
    if _open_flag_addresses(session, proposal_id) >= threshold:
        proposal.hidden_at = func.now()
    session.flush()


def review_lists(*, session: Session, municipality_id: int,
                 principal: Principal) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Pending proposals (oldest first) and published ones with open flags (oldest flag first),
    the latter with the flags' reasons."""
    pending = _views(session=session, principal=principal,
                     where="p.municipality_id = :mid AND p.status = 'pending'",
                     params={"mid": municipality_id}, order="p.created_at, p.id")
    flagged = _views(session=session, principal=principal, where="""
        p.municipality_id = :mid AND p.status = 'published' AND EXISTS (
            SELECT 1 FROM proposal_flag f WHERE f.proposal_id = p.id AND f.resolved_at IS NULL)
    """, params={"mid": municipality_id}, order="""(SELECT min(f.created_at) FROM proposal_flag f
        WHERE f.proposal_id = p.id AND f.resolved_at IS NULL), p.id""")
    flags = session.execute(text("""
        SELECT proposal_id, reason, comment, created_at FROM proposal_flag
        WHERE proposal_id = ANY(:ids) AND resolved_at IS NULL ORDER BY created_at, id
    """), {"ids": [p["id"] for p in flagged]}).mappings().all()
    for view in flagged:
        view["flags"] = [{"reason": f["reason"], "comment": f["comment"], "created_at": f["created_at"]}
                         for f in flags if f["proposal_id"] == view["id"]]
    return pending, flagged


def erase_person(*, session: Session, email: str, actor: Principal) -> dict[str, int]:
    """Delete a person's contact (and the display name of their proposals) by e-mail. Staff
    erase within their town, admins everywhere. The e-mail is never logged."""
    scope_all, scope_ids = policy.private_towns(actor)
    if not scope_all and not scope_ids:
        raise Forbidden("only staff and admins erase personal data")
    params = {"email": email.strip().lower(), "all": scope_all, "ids": list(scope_ids)}
    names = rowcount(session, text("""
        UPDATE proposal p SET display_name = NULL FROM proposal_contact c
        WHERE c.proposal_id = p.id AND c.email = :email AND p.display_name IS NOT NULL
          AND (:all OR p.municipality_id = ANY(:ids))
    """), params)
    proposals = rowcount(session, text("""
        DELETE FROM proposal_contact c USING proposal p
        WHERE c.proposal_id = p.id AND c.email = :email AND (:all OR p.municipality_id = ANY(:ids))
    """), params)
    # the photos first: they are found through the contact's e-mail
    photos = photo_service.erase_report_photos(session=session, email=email.strip().lower(),
                                               all_towns=scope_all, town_ids=list(scope_ids))
    reports = rowcount(session, text("""
        DELETE FROM report_contact c USING vacancy v
        WHERE c.vacancy_id = v.id AND c.email = :email AND (:all OR v.municipality_id = ANY(:ids))
    """), params)
    return {"report_contacts_deleted": reports, "report_photos_deleted": photos,
            "proposal_contacts_deleted": proposals,
            "display_names_cleared": names}

