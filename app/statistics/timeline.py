"""The figures of the statistics, defined by plain loops over status intervals.

This is the reference the fast SQL in ``app.statistics.trends`` is tested against: every rule of
docs/statistics.md is written here once, as simply as possible, and nothing here is tuned.

A vacancy's *timeline* is a list of spans ``[start, end)`` with one status each, in order; the
last span has ``end=None`` (still in force). :func:`timeline` builds it from the vacancy row and
its status history: the first span starts at ``created_at`` — or at midnight (Europe/Berlin) of
``vacant_since`` when that is earlier — with the status the vacancy was created with (the old
value of its first status change, or its current status when it never changed), and every status
change starts a new span.

Months are calendar months in Europe/Berlin: a month's figures are the statuses in force at its
last instant (a span counts at the end of month M when it starts before the first instant of M+1
and ends at or after it) and the events whose time falls inside the month.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from app.vacancies.lifecycle import ACTIVE_STATUSES, PUBLIC_STATUSES, VacancyStatus

BERLIN = ZoneInfo("Europe/Berlin")
ACTIVE = frozenset(s.value for s in ACTIVE_STATUSES)
PUBLIC = frozenset(s.value for s in PUBLIC_STATUSES)
STATUSES = tuple(s.value for s in VacancyStatus)
REUSED, INTERIM = VacancyStatus.reused.value, VacancyStatus.interim_use.value
EVENTS = ("new", "reused", "interim_started", "interim_ended")
# floor-area bands in m²: (key, lower bound inclusive, upper bound exclusive)
FLOOR_BANDS: tuple[tuple[str, float, float], ...] = (
    ("0-50", 0, 50), ("50-100", 50, 100), ("100-200", 100, 200), ("200-500", 200, 500),
    ("500+", 500, float("inf")),
)
SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime | None
    status: str


@dataclass(frozen=True)
class Timeline:
    vacancy_id: int
    ags: str
    spans: tuple[Span, ...]
    former_use: str | None = None
    floor_area_m2: float | Decimal | None = None


@dataclass(frozen=True)
class Change:
    """One status entry of the history: when, its row id (order of equal times), old → new."""

    changed_at: datetime
    seq: int
    old: str
    new: str


def midnight_berlin(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BERLIN)


def timeline(*, vacancy_id: int, ags: str, created_at: datetime, vacant_since: date | None,
             status: str, changes: Iterable[Change], former_use: str | None = None,
             floor_area_m2: float | Decimal | None = None) -> Timeline:
    """The spans of one vacancy from its row and its status changes."""
    ordered = sorted(changes, key=lambda c: (c.changed_at, c.seq))
    start = created_at
    if vacant_since is not None and midnight_berlin(vacant_since) < created_at:
        start = midnight_berlin(vacant_since)
    first_status = ordered[0].old if ordered else status
    starts = [(start, first_status)] + [(c.changed_at, c.new) for c in ordered]
    spans = []
    for i, (begin, st) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else None
        spans.append(Span(begin, end, st))
    return Timeline(vacancy_id, ags, tuple(spans), former_use, floor_area_m2)


# --- months -------------------------------------------------------------------------------------

def month_of(moment: datetime) -> str:
    local = moment.astimezone(BERLIN)
    return f"{local.year:04d}-{local.month:02d}"


def months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def month_end(month: str) -> datetime:
    """The first instant after the month (midnight of the next month's first day in Berlin)."""
    year, mon = int(month[:4]), int(month[5:])
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return datetime(year, mon, 1, tzinfo=BERLIN)


def status_at_month_end(line: Timeline, month: str) -> str | None:
    end = month_end(month)
    for span in line.spans:
        if span.start < end and (span.end is None or span.end >= end):
            return span.status
    return None


def events(line: Timeline) -> list[tuple[datetime, str]]:
    """(time, kind) of every event of one vacancy: ``new`` (it enters an active status from a
    non-active one or from nothing), ``reused``, ``interim_started``, ``interim_ended``."""
    out = []
    previous: str | None = None
    for span in line.spans:
        if span.status in ACTIVE and previous not in ACTIVE:
            out.append((span.start, "new"))
        if span.status == REUSED and previous != REUSED:
            out.append((span.start, "reused"))
        if span.status == INTERIM and previous != INTERIM:
            out.append((span.start, "interim_started"))
        if previous == INTERIM and span.status != INTERIM:
            out.append((span.start, "interim_ended"))
        previous = span.status
    return out


def monthly(lines: Sequence[Timeline], months: Sequence[str], *, public_only: bool,
            population: int | None) -> list[dict]:
    """One town's figures per month. ``public_only``: counts of statuses that are not published
    are left out (events concern active statuses and reuse, which are all published)."""
    shown = [s for s in STATUSES if not public_only or s in PUBLIC]
    result = []
    for month in months:
        counts = dict.fromkeys(shown, 0)
        for line in lines:
            status = status_at_month_end(line, month)
            if status in counts:
                counts[status] += 1
        figures: dict = {"month": month, "counts": counts}
        active = sum(n for s, n in counts.items() if s in ACTIVE)
        figures["active"] = active
        figures["per_10000"] = (round(Decimal(active * 10000) / Decimal(population), 2)
                                if population else None)
        for kind in EVENTS:
            figures[kind] = 0
        for line in lines:
            for moment, kind in events(line):
                if month_of(moment) == month:
                    figures[kind] += 1
        result.append(figures)
    return result


# --- durations ----------------------------------------------------------------------------------

@dataclass
class Spell:
    """A run of consecutive active spans (one vacancy, from falling empty to being let or gone)."""

    start: datetime
    end: datetime | None = None
    end_status: str | None = None


def spells(line: Timeline) -> list[Spell]:
    out: list[Spell] = []
    current: Spell | None = None
    for span in line.spans:
        if span.status in ACTIVE and current is None:
            current = Spell(span.start)
            out.append(current)
        elif span.status not in ACTIVE and current is not None:
            current.end, current.end_status = span.start, span.status
            current = None
    return out


def quantile(values: Sequence[float], p: float) -> float | None:
    """Linear interpolation between the closest ranks (PostgreSQL's percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(days: Sequence[float]) -> dict:
    return {"count": len(days), "q1_days": quantile(days, 0.25),
            "median_days": quantile(days, 0.5), "q3_days": quantile(days, 0.75)}


def floor_band(area: float | Decimal | None) -> str | None:
    if area is None:
        return None
    for key, low, high in FLOOR_BANDS:
        if low <= float(area) < high:
            return key
    return None


@dataclass
class _Durations:
    current: list[float] = field(default_factory=list)
    ended: list[float] = field(default_factory=list)


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / SECONDS_PER_DAY


def durations(lines: Sequence[Timeline], *, now: datetime) -> dict:
    """One town's durations (days): current spells (start → now) and ended ones (start → end),
    overall and by former use and floor-area band; spells ended by reuse; interim uses ended
    and how many of them ended in reuse."""
    overall = _Durations()
    by_use: dict[str | None, _Durations] = {}
    by_band: dict[str | None, _Durations] = {}
    to_reused: list[float] = []
    interim_ended = interim_permanent = 0
    for line in lines:
        groups = (overall, by_use.setdefault(line.former_use, _Durations()),
                  by_band.setdefault(floor_band(line.floor_area_m2), _Durations()))
        for spell in spells(line):
            if spell.end is None:
                for group in groups:
                    group.current.append(_days(spell.start, now))
            else:
                for group in groups:
                    group.ended.append(_days(spell.start, spell.end))
                if spell.end_status == REUSED:
                    to_reused.append(_days(spell.start, spell.end))
        for i, span in enumerate(line.spans):
            if span.status == INTERIM and span.end is not None:
                interim_ended += 1
                interim_permanent += line.spans[i + 1].status == REUSED
    return {
        "current": summary(overall.current), "ended": summary(overall.ended),
        "vacant_to_reused": {"count": len(to_reused), "median_days": quantile(to_reused, 0.5)},
        "interim": {"ended": interim_ended, "became_permanent": interim_permanent,
                    "share_permanent": interim_permanent / interim_ended if interim_ended else None},
        "by_former_use": [{"former_use": key, "current": summary(g.current),
                           "ended": summary(g.ended)} for key, g in by_use.items()
                          if g.current or g.ended],
        "by_floor_area": [{"band": key, "current": summary(g.current), "ended": summary(g.ended)}
                          for key, g in by_band.items() if g.current or g.ended],
    }
