"""Today's tasks of town staff: one small registry, read by the staff home ``/verwaltung``,
``GET /api/v1/tasks`` and the daily digest (``app.mail.digest``).

A task is a key, a German label, SQL that selects its open items over the towns ``:mids`` and
the link into the staff pages. Every query returns the same columns (``id``, ``town``,
``title``, ``since``, ``version``) so that counting and listing share one statement. Items are
private to the town's staff (titles of unpublished ideas, unverified report addresses): readers
without private access get counts only. Adding a task is one more ``Task`` in ``TASKS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.accounts import policy
from app.accounts.principal import Principal
from app.errors import Forbidden
from app.municipalities import service as municipality_service
from app.vacancies.columns import STALE_SQL
from app.vacancies.lifecycle import ACTIVE_STATUSES

ITEMS_PER_TASK = 20
_ACTIVE = ", ".join(f"'{status.value}'" for status in sorted(ACTIVE_STATUSES))
_ADDRESS = "coalesce(nullif(concat_ws(' ', v.street, v.house_number), ''), 'ohne Adresse')"


@dataclass(frozen=True)
class Task:
    key: str
    label: str
    sql: str  # SELECT id, town (AGS), title, since, version … WHERE … = ANY(:mids)
    link: str  # a path with {ags} (and {id} for an item's own link)
    item_link: str | None = None


# a record is due for re-checking while it is stale (the one rule, app.vacancies.columns) and
# nobody changed it within the town's stale_after_days either: "noch aktuell" or an edit ends it
DUE_SQL = f"{STALE_SQL} AND v.updated_at < now() - make_interval(days => m.stale_after_days)"

# an item opens on the staff map: the vacancy in the editor, the idea in the review list
# (static/app/staff-tools.js reads the fragment)
VACANCY_LINK = "/verwaltung/{ags}#leerstand-{id}"
IDEA_LINK = "/verwaltung/{ags}#idee-{id}"

TASKS: tuple[Task, ...] = (
    Task("reports", "Neue Meldungen von Bürgerinnen und Bürgern", f"""
        SELECT v.id, m.ags AS town, {_ADDRESS} AS title, v.created_at AS since,
               v.version FROM vacancy v JOIN municipality m ON m.id = v.municipality_id
        WHERE v.municipality_id = ANY(:mids) AND v.status = 'reported'
        ORDER BY v.created_at, v.id""", "/verwaltung/{ags}#pruefen", item_link=VACANCY_LINK),
    Task("pending_ideas", "Neue Ideen prüfen", """
        SELECT p.id, m.ags AS town, p.title, p.created_at AS since, NULL::int AS version
        FROM proposal p JOIN municipality m ON m.id = p.municipality_id
        WHERE p.municipality_id = ANY(:mids) AND p.status = 'pending'
        ORDER BY p.created_at, p.id""", "/verwaltung/{ags}#pruefen", item_link=IDEA_LINK),
    Task("flagged_ideas", "Gemeldete Ideen", """
        SELECT p.id, m.ags AS town, p.title, min(f.created_at) AS since, NULL::int AS version
        FROM proposal p JOIN municipality m ON m.id = p.municipality_id
        JOIN proposal_flag f ON f.proposal_id = p.id AND f.resolved_at IS NULL
        WHERE p.municipality_id = ANY(:mids) AND p.status = 'published'
        GROUP BY p.id, m.ags ORDER BY min(f.created_at), p.id""", "/verwaltung/{ags}#pruefen",
         item_link=IDEA_LINK),
    Task("matches", "Passungen, die auf eine Entscheidung warten", f"""
        SELECT pm.id, m.ags AS town, p.title || ' – ' || {_ADDRESS} AS title,
               pm.updated_at AS since, NULL::int AS version
        FROM proposal_match pm JOIN proposal p ON p.id = pm.proposal_id
        JOIN vacancy v ON v.id = pm.vacancy_id JOIN municipality m ON m.id = v.municipality_id
        WHERE v.municipality_id = ANY(:mids) AND pm.state IN ('suggested', 'contacted')
        ORDER BY pm.updated_at, pm.id""", "/verwaltung/{ags}#pruefen"),
    Task("recheck", "Einträge erneut prüfen (nicht mehr aktuell)", f"""
        SELECT v.id, m.ags AS town, {_ADDRESS} AS title, v.verified_at AS since, v.version
        FROM vacancy v JOIN municipality m ON m.id = v.municipality_id
        WHERE v.municipality_id = ANY(:mids) AND v.status IN ({_ACTIVE}) AND {DUE_SQL}
        ORDER BY v.verified_at NULLS FIRST, v.id""", "/verwaltung?gemeinde={ags}#erneut-pruefen",
         item_link=VACANCY_LINK),
    # the owner dialogue's next follow-up (private to staff; the working group sees a count)
    Task("follow_ups", "Eigentümer nachfassen (fällig)", f"""
        SELECT v.id, m.ags AS town, {_ADDRESS} AS title,
               v.next_follow_up::timestamptz AS since, v.version
        FROM vacancy v JOIN municipality m ON m.id = v.municipality_id
        WHERE v.municipality_id = ANY(:mids) AND v.next_follow_up IS NOT NULL
          AND v.next_follow_up <= (now() AT TIME ZONE 'Europe/Berlin')::date
        ORDER BY v.next_follow_up, v.id""", "/verwaltung/{ags}", item_link=VACANCY_LINK),
)


def task_list(*, session: Session, municipality_ids: list[int], with_items: bool,
              ags: str | None = None, limit: int = ITEMS_PER_TASK,
              tasks: tuple[Task, ...] = TASKS) -> list[dict[str, Any]]:
    """Each task with its count over the towns and, when ``with_items``, its first items; the
    task's own link where it is about one town (``ags``)."""
    out = []
    for task in tasks:
        params = {"mids": municipality_ids, "limit": limit}
        count = session.execute(text(f"SELECT count(*) FROM ({task.sql}) t"), params).scalar_one()
        items = []
        if with_items and count:
            rows = session.execute(text(f"{task.sql} LIMIT :limit"), params).mappings().all()
            items = [{**row, "link": (task.item_link or task.link).format(ags=row["town"],
                                                                           id=row["id"])}
                     for row in rows]
        out.append({"key": task.key, "label": task.label, "count": count, "items": items,
                    "link": task.link.format(ags=ags) if ags else None})
    return out


def for_principal(*, session: Session, principal: Principal, ags: str | None) -> dict[str, Any]:
    """The tasks a reader may see: staff of one town and admins with items; the working group
    counts only (across every town, or one). Staff without ``ags`` get their own town."""
    if ags is None and policy.own_town(principal) is not None:
        ags = session.execute(text("SELECT ags FROM municipality WHERE id = :id"),
                              {"id": policy.own_town(principal)}).scalar_one()
    if ags is not None:
        town = municipality_service.get_by_ags(session=session, ags=ags, field="municipality")
        if not (policy.may_moderate(principal, town.id) or policy.reads_everything(principal)):
            raise Forbidden(f"only staff of {town.name} see its tasks")
        ids, with_items = [town.id], policy.may_moderate(principal, town.id)
    elif policy.reads_everything(principal):
        ids = list(session.execute(text("SELECT id FROM municipality")).scalars())
        with_items = policy.is_admin(principal)
    else:
        raise Forbidden("only staff, admins and the working group see tasks")
    return {"municipality": ags, "tasks": task_list(session=session, municipality_ids=ids,
                                                     with_items=with_items, ags=ags)}
