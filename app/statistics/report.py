"""The quarterly report: an A4 PDF in German with the key figures per town and two charts.

The figures are those of the time series and durations (``app.statistics.trends``, definitions
in docs/statistics.md) under the caller's role rules: anonymous callers count published
statuses only. The counts are those at the quarter's last month's end, the events the sums of
its three months; the durations are as of the date of the data (today).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.accounts.principal import Principal
from app.errors import InvalidInput
from app.formats import date as german_date
from app.formats import number
from app.pdf import render_pdf
from app.statistics import charts, trends
from app.statistics.timeline import BERLIN, STATUSES
from app.templating import templates
from app.vacancies.lifecycle import STATUS_LABELS, VacancyStatus

_QUARTER = re.compile(r"([0-9]{4})-Q([1-4])")
QUARTERS_CHARTED = 8
MONTHS = ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.",
          "Nov.", "Dez.")


@dataclass(frozen=True)
class Report:
    pdf: bytes
    filename: str


def parse_quarter(value: str | None, *, now: datetime | None = None) -> tuple[int, int]:
    """``2026-Q4`` → (year, quarter); from 20 years back up to the current quarter."""
    match = _QUARTER.fullmatch(value or "")
    if not match:
        raise InvalidInput("quarter: ein Quartal JJJJ-Qn angeben, z. B. 2026-Q4", field="quarter")
    year, quarter = int(match[1]), int(match[2])
    first = year * 12 + (quarter - 1) * 3
    current = trends.current_month(now)
    if first > current:
        raise InvalidInput("quarter: das Quartal liegt in der Zukunft", field="quarter")
    if first + 2 - (QUARTERS_CHARTED * 3 - 1) < current - trends.MAX_MONTHS + 1:
        raise InvalidInput("quarter: höchstens 20 Jahre zurück", field="quarter")
    return year, quarter


def month_name(index: int) -> str:
    return f"{MONTHS[index % 12]} {index // 12}"


def quarter_name(index: int) -> str:
    return f"{index % 12 // 3 + 1}. Q. {index // 12}"


def _town_figures(town: dict[str, Any], durations: dict[str, Any] | None) -> dict[str, Any]:
    months = town["months"]
    end, prev, quarter = months[-1], months[-4], months[-3:]
    counts = [{"status": s, "label": STATUS_LABELS[VacancyStatus(s)],
               "count": end["counts"][s], "change": end["counts"][s] - prev["counts"][s]}
              for s in STATUSES if s in end["counts"]]
    events = {key: sum(m[key] for m in quarter)
              for key in ("new", "reused", "interim_started", "interim_ended")}
    ends = months[2::3]
    return {"ags": town["ags"], "name": town["name"], "published_only": town["published_only"],
            "counts": counts, "active": end["active"], "active_change": end["active"] - prev["active"],
            "per_10000": end["per_10000"], "events": events,
            "durations": durations, "active_per_quarter": [m["active"] for m in ends],
            "quarter_months": quarter}


def _signed(value: int) -> str:
    return f"+{number(value)}" if value > 0 else ("±0" if value == 0 else f"−{number(-value)}")


def _uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def build(*, session, principal: Principal, quarter: str, municipality: str | None,
          now: datetime | None = None) -> Report:
    year, q = parse_quarter(quarter, now=now)
    agss = trends.parse_towns(municipality)
    hi = year * 12 + q * 3 - 1
    lo = hi - QUARTERS_CHARTED * 3 + 1
    series = json.loads(trends.timeseries_json(session=session, principal=principal, agss=agss,
                                               lo=lo, hi=hi))["municipalities"]
    now = now or datetime.now(BERLIN)
    durations = {t["ags"]: t for t in trends.durations(
        session=session, principal=principal, agss=agss, now=now)["municipalities"]}
    towns = [_town_figures(t, durations.get(t["ags"])) for t in series]
    if agss is None:  # every town: those with any vacancy in the charted quarters
        towns = [t for t in towns if any(t["active_per_quarter"]) or any(
            c["count"] for c in t["counts"]) or any(t["events"].values())]
    labels = [quarter_name(lo + 2 + 3 * i) for i in range(QUARTERS_CHARTED)]
    for town in towns:
        town["line_uri"] = _uri(charts.line_chart(
            f"Aktive Leerstände in {town['name']}", labels,
            [("aktive Leerstände", town["active_per_quarter"])]))
        months = [month_name(hi - 2 + i) for i in range(3)]
        town["bar_uri"] = _uri(charts.bar_chart(
            f"Neu und nachgenutzt je Monat in {town['name']}", months,
            [("neue Leerstände", charts.STATUS_COLOURS["vacant"],
              [m["new"] for m in town["quarter_months"]]),
             ("Nachnutzungen", charts.STATUS_COLOURS["reused"],
              [m["reused"] for m in town["quarter_months"]])]))
    html = templates.get_template("statistics_report.html").render(
        title=f"Leerstandsbericht {q}. Quartal {year}", towns=towns,
        period=f"{month_name(hi - 2)} bis {month_name(hi)}", data_date=german_date(now),
        published_only=any(t["published_only"] for t in towns),
        number=number, signed=_signed)
    return Report(pdf=render_pdf(html), filename=f"leerstandsbericht-{year}-Q{q}.pdf")
