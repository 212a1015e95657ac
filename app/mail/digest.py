"""The daily digest: each staff member who opted in (``app_user.digest_daily``) gets, once per
Berlin date, their town's open tasks (``app.review.tasks``) with absolute links.

Idempotent and durable through the outbox itself: a digest is a mail with the event key
``digest:{ags}:{date}``, and the outbox keeps one mail per event and recipient, so a second run
on the same day (a restart, ``leerstand mail digest`` by hand, two workers) queues nothing.
A town with nothing to do sends nothing. The mail names tasks, counts and the titles of the
records due for re-checking; never a citizen's e-mail, an owner's contact or internal notes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, text
from sqlalchemy.orm import Session

from app import formats
from app.config import Settings
from app.mail import service
from app.review import tasks

BERLIN = ZoneInfo("Europe/Berlin")
RECHECK_ITEMS = 10
DEFAULT_BASE_URL = "http://127.0.0.1:8000"  # `leerstand serve`'s default address


def base_url(settings: Settings) -> str:
    """The address in a mail's links: LEERSTAND_PUBLIC_URL, else `leerstand serve`'s default."""
    return settings.public_url or DEFAULT_BASE_URL


def berlin_now() -> datetime:
    return datetime.now(BERLIN)


def _towns(session: Session) -> dict[str, dict[str, Any]]:
    """The towns with staff who opted in, each with those members' addresses."""
    rows = session.execute(text("""
        SELECT m.id, m.ags, m.name, u.email FROM app_user u
        JOIN municipality m ON m.id = u.municipality_id
        WHERE u.role = 'staff' AND u.is_active AND u.digest_daily ORDER BY m.ags, u.id
    """)).mappings().all()
    towns: dict[str, dict[str, Any]] = {}
    for row in rows:
        town = towns.setdefault(row["ags"], {"id": row["id"], "ags": row["ags"],
                                             "name": row["name"], "emails": []})
        town["emails"].append(row["email"])
    return towns


def _context(session: Session, town: dict[str, Any], base_url: str, day: date) -> dict[str, Any]:
    found = tasks.task_list(session=session, municipality_ids=[town["id"]], with_items=True,
                            ags=town["ags"], limit=RECHECK_ITEMS)
    return {
        "town": town["name"], "day": day.strftime("%d.%m.%Y"),
        "home_url": f"{base_url}/verwaltung",
        "tasks": [{"label": t["label"], "count": formats.number(t["count"]),
                   "url": f"{base_url}{t['link']}", "open": t["count"]}
                  for t in found if t["count"]],
        "recheck": [{"title": item["title"], "url": f"{base_url}{item['link']}"}
                    for t in found if t["key"] == "recheck" for item in t["items"]],
        "recheck_count": formats.number(next(t["count"] for t in found if t["key"] == "recheck")),
        "title": town["name"],
    }


def schedule(*, session: Session, base_url: str, day: date | None = None,
             dry_run: bool = False) -> list[dict[str, Any]]:
    """Queue the day's digests; per town: AGS, name, open task count, mails queued (a dry run
    queues none and reports how many would go)."""
    day = day or berlin_now().date()
    report = []
    for town in _towns(session).values():
        context = _context(session, town, base_url, day)
        open_tasks = sum(t["open"] for t in context["tasks"])
        queued = 0
        if open_tasks and not dry_run:
            for email in town["emails"]:
                recipient = service._recipient(session, email)
                if recipient.confirmed_at is None:
                    # the staff member opted in, logged in, for their own account's address
                    recipient.confirmed_at = func.now()
                queued += service.enqueue(session=session, recipient=recipient,
                                          event_key=f"digest:{town['ags']}:{day.isoformat()}",
                                          kind="digest", context=context, base_url=base_url)
        report.append({"ags": town["ags"], "name": town["name"], "open": open_tasks,
                       "recipients": len(town["emails"]) if open_tasks else 0,
                       "queued": queued})
    session.flush()
    return report


def due(hour: int, now: datetime | None = None) -> bool:
    """The worker queues the day's digests from this Berlin hour on."""
    return (now or berlin_now()).hour >= hour


def schedule_due(*, session: Session, settings: Settings, now: datetime | None = None) -> int:
    """The worker's daily step: from LEERSTAND_DIGEST_HOUR on, today's digests (a no-op once
    they are queued). Returns how many mails it queued."""
    if not due(settings.digest_hour, now):
        return 0
    day = (now or berlin_now()).date()
    report = schedule(session=session, base_url=base_url(settings), day=day)
    return sum(town["queued"] for town in report)
