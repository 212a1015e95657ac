"""Exchange API schemas: the export field schema, the import report, the OGC API documents."""

from __future__ import annotations

from pydantic import Field

from app.schemas import Out
from app.vacancies.columns import Kind


class ExportField(Out):
    name: str
    type: Kind
    description: str
    private: bool = Field(description="exported only to staff of the town who ask for it")


class ExportSchema(Out):
    schema_version: str
    geometry: str
    fields: list[ExportField]
    csv_extra_columns: list[str]


class ImportProblem(Out):
    row: int = Field(description="the row of the file; 0 is the file as a whole")
    field: str
    reason: str


class ImportReportOut(Out):
    """The vacancy import's report (a dry run reports the problems instead of refusing)."""

    file: str
    format: str
    crs: str
    municipality: str = Field(description="AGS")
    dry_run: bool
    valid: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    rescored: int
    seconds_import: float
    seconds_rescore: float
    errors_total: int
    errors: list[ImportProblem] = Field(description="the first 1,000 problems, by row")
    warnings: list[str]


class Link(Out):
    href: str
    rel: str
    type: str
    # present only where the link has a title: the OGC routes leave unset keys out
    title: str | None = None


class LandingPage(Out):
    title: str
    description: str
    links: list[Link]


class Conformance(Out):
    conformsTo: list[str]  # OGC spells it so


class SpatialExtent(Out):
    bbox: list[list[int | float]]
    crs: str


class Extent(Out):
    spatial: SpatialExtent


class Collection(Out):
    id: str
    title: str
    description: str
    itemType: str  # OGC spells it so
    extent: Extent
    crs: list[str]
    storageCrs: str  # OGC spells it so
    links: list[Link]


class Collections(Out):
    links: list[Link]
    collections: list[Collection]
