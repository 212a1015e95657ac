"""Whether a PostgreSQL streaming replica may serve reads now: reachable, in recovery or promoted,
and no further behind the primary than allowed.

Asked on every routed read, so the answer is cached for a second; one request at a time checks.
Which reads may go to a replica at all, and whose (not a writer's right after their write), is
decided by ``app.accounts.deps``.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

# Seconds behind the primary. Caught up (everything received is replayed): 0. Otherwise the age
# of the last replayed commit, which overstates the lag after a quiet spell but never understates
# it. A promoted replica (not in recovery) is a primary: 0.
LAG_SQL = text("""
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN 0
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())
    END
""")


class Replica:
    def __init__(self, engine: Engine, *, max_lag_s: float, check_every_s: float = 1.0) -> None:
        self.engine = engine
        self.max_lag_s = max_lag_s
        self.check_every_s = check_every_s
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._usable = False

    def usable(self) -> bool:
        """True when reads may go to the replica (cached for ``check_every_s``)."""
        if time.monotonic() - self._checked_at < self.check_every_s:
            return self._usable
        if not self._lock.acquire(blocking=False):
            return self._usable  # another request is checking; use the last answer
        try:
            usable = self._check()
            if usable != self._usable:
                log.warning("read replica %s", "in use" if usable else "not used: unreachable "
                            f"or more than {self.max_lag_s:g} s behind")
            self._usable = usable
            self._checked_at = time.monotonic()
        finally:
            self._lock.release()
        return self._usable

    def _check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                lag = conn.execute(LAG_SQL).scalar()
        except SQLAlchemyError as exc:
            log.debug("read replica check failed: %s", type(exc).__name__)
            return False
        return lag is not None and float(lag) <= self.max_lag_s
