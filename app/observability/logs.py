"""Log lines of ``leerstand serve``: text or JSON (LEERSTAND_LOG_FORMAT), each with the request
id, for the app's loggers and uvicorn's alike (one ``logging.config.dictConfig`` dict, which
uvicorn applies again in every worker it starts).

What must never reach a log line — request bodies, tokens, PostgreSQL's message texts — is kept
out where it would enter: the error handlers log error classes, and the access line shows a
proposal's status link as its template.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Literal

from app.observability.context import current, loggable_path

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
NO_REQUEST = "-"
ACCESS_LOGGER = "uvicorn.access"
# uvicorn's access record: (client address, method, path with query, HTTP version, status)
ACCESS_ARGS = 5


def _access_args(record: logging.LogRecord) -> tuple[Any, ...] | None:
    if record.name == ACCESS_LOGGER and isinstance(record.args, tuple) \
            and len(record.args) == ACCESS_ARGS:
        return record.args
    return None


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current.get()
        record.request_id = context.request_id if context else NO_REQUEST
        return True


class PrivatePathFilter(logging.Filter):
    """The access line of a request to a status link shows the route template, not the token
    (and no query string)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args, context = _access_args(record), current.get()
        if args is not None and context is not None:
            path = loggable_path(context.scope)
            if path != context.scope["path"]:
                record.args = (*args[:2], path, *args[3:])
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id; access lines
    add method, path and status, failures the formatted exception."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", NO_REQUEST)
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if request_id == NO_REQUEST else request_id,
        }
        args = _access_args(record)
        if args is not None:
            entry.update(method=args[1], path=args[2], status=args[4])
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_config(*, level: str, log_format: Literal["text", "json"], quiet_alembic: bool = True,
               secret_paths: tuple[str, ...] = (), token_prefixes: tuple[str, ...] = ()
               ) -> dict[str, Any]:
    """The logging configuration of the server process; also passed to ``uvicorn.run``.
    ``secret_paths`` and ``token_prefixes``: see ``app.access_log.Redactor``."""
    formatter = ({"()": f"{__name__}.JsonFormatter"} if log_format == "json"
                 else {"format": TEXT_FORMAT})
    # the status link's template first, then what a path or query may still carry
    filters = ["request_id", "private_path", "redact_secrets"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": f"{__name__}.RequestIdFilter"},
                    "private_path": {"()": f"{__name__}.PrivatePathFilter"},
                    "redact_secrets": {"()": "app.access_log.RedactSecrets",
                                       "secret_paths": secret_paths,
                                       "token_prefixes": token_prefixes}},
        "formatters": {"default": formatter},
        "handlers": {
            "default": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                        "formatter": "default", "filters": filters},
            # uvicorn's convention: the access log on stdout, everything else on stderr
            "access": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                       "formatter": "default", "filters": filters},
        },
        "root": {"level": level.upper(), "handlers": ["default"]},
        "loggers": {
            "uvicorn": {"level": level.upper(), "handlers": [], "propagate": True},
            ACCESS_LOGGER: {"level": level.upper(), "handlers": ["access"], "propagate": False},
            **({"alembic": {"level": "WARNING"}} if quiet_alembic else {}),
        },
    }
