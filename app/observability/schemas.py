"""Answers of the probes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.observability.readiness import DatabaseState, MigrationState
from app.schemas import Out


class Health(Out):
    status: Literal["ok"] = "ok"


class ReadinessChecks(Out):
    database: DatabaseState = Field(description="ok, unreachable, or timeout (no answer in time)")
    migrations: MigrationState = Field(
        description="ok (at head), behind (migrations pending), unknown_revision (the database "
        "was migrated by newer code), missing (never migrated), or not_checked")


class ReadinessOut(Out):
    status: Literal["ready", "not_ready"]
    failed: Literal["database", "migrations"] | None = Field(
        default=None, description="the first check that failed")
    checks: ReadinessChecks
    database_revisions: list[str] = Field(description="alembic_version of the database")
    head_revisions: list[str] = Field(description="head of this version's migration scripts")
