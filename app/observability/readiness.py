"""Readiness: the database answers, and its migrations are the head of the shipped scripts.

A load balancer or ``docker compose`` asks every few seconds and needs the answer within
``timeout_s`` whatever PostgreSQL does (refuses, hangs, is half-migrated). The check runs in a
thread of its own with that deadline, and only one at a time: probes arriving meanwhile wait for
the running check, so a check hanging in the network occupies one thread, never the request
thread pool.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app.migrate import Revisions

log = logging.getLogger(__name__)
UNDEFINED_TABLE = "42P01"

DatabaseState = Literal["ok", "unreachable", "timeout"]
MigrationState = Literal["ok", "behind", "unknown_revision", "missing", "not_checked"]


@dataclass(frozen=True)
class Readiness:
    database: DatabaseState
    migrations: MigrationState
    revisions: frozenset[str] = frozenset()
    error: str | None = None  # exception class and SQLSTATE, for the log only

    @property
    def failed(self) -> Literal["database", "migrations"] | None:
        if self.database != "ok":
            return "database"
        return None if self.migrations == "ok" else "migrations"


def migration_state(current: frozenset[str], scripts: Revisions) -> MigrationState:
    """Where the database's alembic_version stands against the shipped scripts (pure)."""
    if not current:
        return "missing"
    if current == scripts.heads:
        return "ok"
    # a revision the scripts do not know: the database was migrated by newer code
    return "behind" if current <= scripts.known else "unknown_revision"


def _describe(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    # never the message: it can name hosts, users and values
    return f"{type(orig or exc).__name__} (SQLSTATE {getattr(orig, 'sqlstate', None)})"


class ReadinessProbe:
    def __init__(self, *, engine: Engine, scripts: Revisions, timeout_s: float = 2.0) -> None:
        self.engine = engine
        self.scripts = scripts
        self.timeout_s = timeout_s
        self._running: Future[Readiness] | None = None
        self._was_ready: bool | None = None

    def read(self) -> Readiness:
        """One check, blocking (the probe's thread)."""
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
                current = frozenset(rows)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == UNDEFINED_TABLE:
                return Readiness("ok", "missing", error=_describe(exc))
            return Readiness("unreachable", "not_checked", error=_describe(exc))
        except SQLAlchemyError as exc:
            return Readiness("unreachable", "not_checked", error=_describe(exc))
        return Readiness("ok", migration_state(current, self.scripts), current)

    def _start(self) -> Future[Readiness]:
        future: Future[Readiness] = Future()
        future.set_running_or_notify_cancel()

        def run() -> None:
            try:
                future.set_result(self.read())
            except BaseException as exc:  # handed to the waiting probe
                future.set_exception(exc)

        # a daemon: a check hanging in the network must not hold up the server's exit
        threading.Thread(target=run, name="readiness-check", daemon=True).start()
        return future

    async def check(self) -> Readiness:
        if self._running is None or self._running.done():
            self._running = self._start()
        waiting = asyncio.wrap_future(self._running)
        # asyncio.wait, not wait_for: on the deadline the check goes on, for the next probe
        done, _ = await asyncio.wait([waiting], timeout=self.timeout_s)
        result = waiting.result() if done else Readiness(
            "timeout", "not_checked", error=f"no answer within {self.timeout_s:g} s")
        self._log_change(result)
        return result

    def _log_change(self, result: Readiness) -> None:
        """One line when readiness changes, not one per probe."""
        ready = result.failed is None
        if ready == self._was_ready:
            return
        if ready:
            log.info("ready: database reachable, migrations at %s", ", ".join(sorted(result.revisions)))
        else:
            log.warning("not ready: database %s, migrations %s (%s)", result.database,
                        result.migrations, result.error or ", ".join(sorted(result.revisions)))
        self._was_ready = ready
