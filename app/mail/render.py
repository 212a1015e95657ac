"""The mails' German texts: Jinja templates (plain text and HTML) in app/templates/mail/.

A mail tells its recipient about their own report or idea: the templates get the title, the
decision and links, never other people's data, owner contact or internal notes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.config import PROJECT_DIR

_env = Environment(
    loader=FileSystemLoader(PROJECT_DIR / "app" / "templates" / "mail"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
)
SUBJECTS = {
    "confirm": "Bitte bestätigen Sie Ihre E-Mail-Adresse",
    "proposal_received": "Ihr Vorschlag „{title}“ ist eingegangen",
    "report_confirmed": "Ihre Leerstandsmeldung wurde bestätigt",
    "report_rejected": "Ihre Leerstandsmeldung wurde nicht übernommen",
    "proposal_published": "Ihr Vorschlag „{title}“ ist veröffentlicht",
    "proposal_rejected": "Ihr Vorschlag „{title}“ wurde nicht veröffentlicht",
    "proposal_realised": "Ihr Vorschlag „{title}“ wurde verwirklicht",
    "digest": "Offene Aufgaben in {title}",
    "contributions_link": "Ihr Link zu „Meine Beiträge“",
    "staff_contact": "{contact_subject}",
    "weekly_summary": "Wochenübersicht Leerstand: {title}",
}
SUBJECT_TITLE_CHARS = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def one_line(value: str, limit: int | None = None) -> str:
    """User text for a header: control characters (CR, LF, NUL …) become one space."""
    line = " ".join(_CONTROL.sub(" ", value).split())
    return line if limit is None or len(line) <= limit else line[: limit - 1] + "…"


def render(kind: str, context: dict[str, Any]) -> Rendered:
    context = {"footer": "citizen", **context}  # "staff": the working group's weekly summary
    title = one_line(str(context.get("title") or ""), SUBJECT_TITLE_CHARS)
    contact_subject = one_line(str(context.get("contact_subject") or ""), 200)
    subject = one_line(SUBJECTS[kind].format(title=title, contact_subject=contact_subject))
    return Rendered(subject=subject,
                    text=_env.get_template(f"{kind}.txt").render(**context),
                    html=_env.get_template(f"{kind}.html").render(subject=subject, **context))
