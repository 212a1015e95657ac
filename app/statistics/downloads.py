"""The time series and the durations as CSV: the figures of the JSON endpoints, flattened.

Written like the exchange's CSV export (docs/exchange.md): comma-separated, UTF-8 without BOM,
a header row, numbers with a decimal point, empty cells for figures a caller may not see or
that do not exist, and the formula guard on text (a town's name).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from app.exchange.fields import formula_guard
from app.statistics.timeline import EVENTS, STATUSES

TIMESERIES_COLUMNS = ("ags", "name", "population", "published_only", "month",
                      *(f"count_{s}" for s in STATUSES), "active", "per_10000", *EVENTS)
_SUMMARY = ("count", "q1_days", "median_days", "q3_days")
DURATION_COLUMNS = ("ags", "name", "population", "breakdown", "group",
                    *(f"current_{k}" for k in _SUMMARY), *(f"ended_{k}" for k in _SUMMARY),
                    "vacant_to_reused_count", "vacant_to_reused_median_days",
                    "interim_ended", "interim_became_permanent", "interim_share_permanent")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return formula_guard(value)
    return str(value)


def _write(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    header = tuple(header)
    writer.writerow(header)
    for row in rows:  # the breakdown rows leave the town-only figures empty
        cells = [_cell(v) for v in row]
        writer.writerow(cells + [""] * (len(header) - len(cells)))
    return out.getvalue().encode()


def timeseries_csv(body: str) -> bytes:
    """One row per town and month from the time series' JSON text (trends.timeseries_json)."""
    rows = []
    for town in json.loads(body)["municipalities"]:
        head = (town["ags"], town["name"], town["population"], town["published_only"])
        for month in town["months"]:
            rows.append((*head, month["month"], *(month["counts"].get(s) for s in STATUSES),
                         month["active"], month["per_10000"], *(month[e] for e in EVENTS)))
    return _write(TIMESERIES_COLUMNS, rows)


def _summaries(group: dict[str, Any]) -> tuple[Any, ...]:
    return (*(group["current"][k] for k in _SUMMARY), *(group["ended"][k] for k in _SUMMARY))


def durations_csv(body: dict[str, Any]) -> bytes:
    """Per town a row ``breakdown=all`` with every figure, then one row per former use and per
    floor-area band (current and ended spells only) from trends.durations."""
    rows = []
    for town in body["municipalities"]:
        head = (town["ags"], town["name"], town["population"])
        reused, interim = town["vacant_to_reused"], town["interim"]
        rows.append((*head, "all", None, *_summaries(town), reused["count"],
                     reused["median_days"], interim["ended"], interim["became_permanent"],
                     interim["share_permanent"]))
        rows += [(*head, "former_use", g["former_use"], *_summaries(g))
                 for g in town["by_former_use"]]
        rows += [(*head, "floor_area", g["band"], *_summaries(g)) for g in town["by_floor_area"]]
    return _write(DURATION_COLUMNS, rows)
