"""The one report of every import: rows, created, updated, unchanged, problems per row.

A problem is ``(row, field, reason)``; row 0 is the file as a whole. Each import adds its own
figures in a subclass (the vacancy import: town, rescore, timings; the places import: category,
filtered and replaced rows) but the fields below, the JSON form and the text lines are common.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

MAX_REPORTED_PROBLEMS = 1000  # in the JSON form; the text lines name every problem


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


@dataclass(kw_only=True)
class ImportReport:
    file: str
    format: str = "unknown"
    crs: str = "unknown"
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # the valid rows were written although others had problems (the places import's option)
    skip_invalid: bool = False
    seconds_import: float = 0.0  # reading, checks and writing
    started: float = field(default_factory=time.perf_counter, repr=False)

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def rejected(self) -> bool:
        """Nothing was (or, in a dry run, would be) written because of the problems."""
        return bool(self.problems) and not self.skip_invalid

    def context(self) -> dict[str, Any]:
        """What the import was for (next to file, format and CRS)."""
        return {}

    def figures(self) -> dict[str, Any]:
        """The import's own figures after created/updated/unchanged."""
        return {"seconds_import": round(self.seconds_import, 3)}

    def as_dict(self) -> dict[str, Any]:
        """The JSON form; the problems are called ``errors`` there (the vacancy import's public
        API), the first MAX_REPORTED_PROBLEMS of them, with their total."""
        return {
            "file": self.file, "format": self.format, "crs": self.crs, **self.context(),
            "dry_run": self.dry_run, "valid": self.valid, "rows": self.rows,
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            **self.figures(), "errors_total": len(self.problems),
            "errors": [p.as_dict() for p in self.problems[:MAX_REPORTED_PROBLEMS]],
            "warnings": self.warnings,
        }

    def headline(self) -> str:
        return f"{self.file}: {self.format}, {self.crs}, {self.rows} rows"

    def outcome(self) -> list[str]:
        """The lines after the problems when something was (or would be) written."""
        verb = "would be" if self.dry_run else "were"
        return [f"{self.created} {verb} created, {self.updated} updated, "
                f"{self.unchanged} unchanged"]

    def lines(self) -> list[str]:
        """The report as text for the command line: one line per problem."""
        out = [self.headline()]
        out += [f"warning: {w}" for w in self.warnings]
        out += [f"row {p.row}: {p.field}: {p.reason}" for p in self.problems]
        if self.rejected:
            out.append(f"{len(self.problems)} problem(s): nothing imported")
        else:
            out += self.outcome()
        return out

    def finish(self, problems: list[Problem]) -> None:
        """Records the problems in row order and the time taken since ``started``."""
        self.problems = sorted(problems, key=lambda p: (p.row, p.field))
        self.seconds_import = time.perf_counter() - self.started

