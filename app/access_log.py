"""Secrets out of the logs: the authors' status tokens in the paths of their private links,
the values of ``token=``-like query parameters and API tokens become ``[redacted]``.

``leerstand serve``'s logging configuration (``app.observability.logs``) puts ``RedactSecrets``
on its log handlers, after the status link's path has become its route template."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote, unquote_plus

REDACTED = "[redacted]"
SECRET_QUERY_NAMES = frozenset({"token", "access_token", "status_token"})


class Redactor:
    """``secret_paths``: prefixes whose next path segment is a secret (``/vorschlaege/status/``);
    ``token_prefixes``: how API tokens begin (``lst_``), wherever they turn up."""

    def __init__(self, secret_paths: tuple[str, ...] = (),
                 token_prefixes: tuple[str, ...] = ()) -> None:
        self.secret_paths = secret_paths
        self.tokens = re.compile("|".join(f"{re.escape(p)}[A-Za-z0-9_%-]+" for p in token_prefixes)
                                 ) if token_prefixes else None

    def _path(self, path: str) -> str:
        # compared decoded: the router decodes %xx too, so /vorschlaege/%73tatus/… is the page
        decoded = unquote(path)
        for prefix in self.secret_paths:
            if decoded.startswith(prefix) and len(decoded) > len(prefix):
                rest = decoded[len(prefix):].partition("/")[2]
                return prefix + REDACTED + ("/" + REDACTED if rest else "")
        return path

    def _query(self, query: str) -> str:
        pairs = []
        for pair in query.split("&"):
            name, eq, _ = pair.partition("=")
            secret = eq and unquote_plus(name).strip().lower() in SECRET_QUERY_NAMES
            pairs.append(f"{name}={REDACTED}" if secret else pair)
        return "&".join(pairs)

    def __call__(self, target: str) -> str:
        """A request target (path and query) fit for a log line."""
        path, sep, query = target.partition("?")
        redacted = self._path(path) + sep + (self._query(query) if sep else "")
        return self.tokens.sub(REDACTED, redacted) if self.tokens else redacted


class RedactSecrets(logging.Filter):
    """Redacts the string arguments of a log record (uvicorn's access log passes the request
    target as one of them), keeping their number and order for uvicorn's formatter."""

    def __init__(self, secret_paths: tuple[str, ...] = (),
                 token_prefixes: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.redact = Redactor(tuple(secret_paths), tuple(token_prefixes))

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self.redact(a) if isinstance(a, str) else a for a in record.args)
        return True
