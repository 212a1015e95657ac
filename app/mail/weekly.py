"""The working group's weekly summary: per town, what changed in the last seven days.

Opt-in per working-group account (``app_user.weekly_summary``; ``leerstand user weekly``).
Only public facts: vacancies in a public status with their street, status changes, reuses, and
published ideas — never owner contact, internal notes or citizens' addresses. One mail per
account and ISO week (the outbox's unique event key): running again in the same week sends
nothing new. The worker calls ``send_weekly`` at each of its ten-minute rounds; ``leerstand
mail weekly`` sends now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.principal import Role
from app.mail import service
from app.vacancies.lifecycle import PUBLIC_STATUSES, STATUS_LABELS, VacancyStatus

PUBLIC = tuple(sorted(s.value for s in PUBLIC_STATUSES))
CHANGES_SQL = """
    SELECT m.ags, m.name AS town, v.id, v.street, v.status, h.old_value, h.new_value, h.changed_at
    FROM vacancy_history h JOIN vacancy v ON v.id = h.vacancy_id
    JOIN municipality m ON m.id = v.municipality_id
    WHERE h.field = 'status' AND h.changed_at >= now() - interval '7 days'
      AND v.status = ANY(:public) ORDER BY m.name, h.changed_at
"""
NEW_SQL = """
    SELECT m.ags, m.name AS town, v.id, v.street, v.status FROM vacancy v
    JOIN municipality m ON m.id = v.municipality_id
    WHERE v.created_at >= now() - interval '7 days' AND v.status = ANY(:public)
    ORDER BY m.name, v.id
"""
IDEAS_SQL = """
    SELECT m.ags, m.name AS town, p.id, p.title FROM proposal p
    JOIN municipality m ON m.id = p.municipality_id
    WHERE p.status = 'published' AND p.hidden_at IS NULL
      AND p.published_at >= now() - interval '7 days' ORDER BY m.name, p.id
"""


def week_key(now: datetime) -> str:
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


def _label(value: Any) -> str:
    try:
        return STATUS_LABELS[VacancyStatus(value)]
    except ValueError:
        return str(value)


def summary(*, session: Session, base_url: str) -> list[dict[str, Any]]:
    """Per town (by name): new vacancies, status changes (reuses among them), new ideas."""
    towns: dict[str, dict[str, Any]] = {}

    def town(row) -> dict[str, Any]:
        return towns.setdefault(row["ags"], {"name": row["town"], "new": [], "changes": [],
                                             "reused": [], "ideas": []})

    def vacancy_url(row) -> str:
        return f"{base_url}/karte/{row['ags']}/leerstand/{row['id']}"

    params = {"public": list(PUBLIC)}
    for row in session.execute(text(NEW_SQL), params).mappings():
        town(row)["new"].append({"street": row["street"] or "ohne Adresse",
                                 "status": _label(row["status"]), "url": vacancy_url(row)})
    for row in session.execute(text(CHANGES_SQL), params).mappings():
        item = {"street": row["street"] or "ohne Adresse", "old": _label(row["old_value"]),
                "new": _label(row["new_value"]), "url": vacancy_url(row)}
        town(row)["reused" if row["new_value"] == VacancyStatus.reused.value else "changes"].append(item)
    for row in session.execute(text(IDEAS_SQL)).mappings():
        town(row)["ideas"].append({"title": row["title"],
                                   "url": f"{base_url}/vorschlaege/{row['id']}"})
    return sorted(towns.values(), key=lambda t: t["name"])


def send_weekly(*, session: Session, base_url: str, now: datetime | None = None,
                dry_run: bool = False) -> list[str]:
    """Queue this ISO week's summary for every opted-in working-group account that has not had
    it; returns their addresses (for the CLI's output). ``dry_run`` queues nothing."""
    week = week_key(now or datetime.now(UTC))
    accounts = session.scalars(select(User).where(
        User.role == Role.working_group, User.weekly_summary.is_(True),
        User.is_active.is_(True)).order_by(User.id)).all()
    if not accounts:
        return []
    towns = summary(session=session, base_url=base_url)
    queued = []
    for account in accounts:
        if dry_run:
            queued.append(account.email)
            continue
        recipient = service.recipient_for(session, account.email)
        if recipient.confirmed_at is None:  # the account's own opt-in is the confirmation
            recipient.confirmed_at = func.now()
            session.flush()
        if service.enqueue(session=session, recipient=recipient, event_key=f"weekly:{week}",
                           kind="weekly_summary", base_url=base_url,
                           context={"title": week, "towns": towns, "footer": "staff"}):
            queued.append(account.email)
    return queued
