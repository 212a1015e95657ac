"""Content-hashed URLs of the files under static/ and the static file server that answers them.

``static_url("app/map-common.js")`` is ``/static/app/map-common.<hash>.js`` (the first 8 hex
digits of the file's SHA-256, read once per process: the files ship with the code). A hashed URL
names one version of a file for ever, so it is served with ``Cache-Control: public,
max-age=31536000, immutable``; a hashed-looking URL whose hash is not the file's (a page of an
older release) is 404, never another version under a name that promises this one. The plain URL
(``/static/app/map-common.js``: bookmarks, relative ``url(...)`` in vendored CSS) keeps working
with ``no-cache``: the browser revalidates with the ETag and gets a 304.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path, PurePosixPath

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.config import PROJECT_DIR

STATIC_DIR = PROJECT_DIR / "static"
STATIC_PREFIX = "/static"
HASH_LENGTH = 8
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def hashed_name(relative: str, digest: str) -> str:
    """``app/site.css`` with digest ``1a2b3c4d`` → ``app/site.1a2b3c4d.css`` (``LICENSE`` →
    ``LICENSE.1a2b3c4d``): the folder stays, so relative ``url(...)`` in CSS still resolve."""
    path = PurePosixPath(relative)
    suffix = path.suffix if path.stem else ""
    stem = path.name[: len(path.name) - len(suffix)]
    return str(path.with_name(f"{stem}.{digest}{suffix}"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]


@cache
def manifest(root: Path = STATIC_DIR) -> dict[str, str]:
    """Every file under ``root`` (relative POSIX path) → its hashed relative path."""
    return {(rel := path.relative_to(root).as_posix()): hashed_name(rel, _digest(path))
            for path in sorted(root.rglob("*")) if path.is_file()}


@cache
def _originals(root: Path = STATIC_DIR) -> dict[str, str]:
    return {hashed: original for original, hashed in manifest(root).items()}


def static_url(relative: str) -> str:
    """The hashed URL of a file under static/; a file that is not there is a programming error."""
    try:
        return f"{STATIC_PREFIX}/{manifest()[relative]}"
    except KeyError:
        raise LookupError(f"static/{relative} does not exist") from None


class HashedStaticFiles(StaticFiles):
    """StaticFiles for static/ that also answers the hashed names of ``manifest``."""

    def __init__(self, directory: Path = STATIC_DIR) -> None:
        super().__init__(directory=directory)
        self.root = Path(directory)

    async def get_response(self, path: str, scope: Scope) -> Response:
        relative = PurePosixPath(*Path(path).parts).as_posix()
        original = _originals(self.root).get(relative)
        if original is not None:
            response = await super().get_response(str(Path(original)), scope)
            response.headers["Cache-Control"] = IMMUTABLE
            return response
        response = await super().get_response(path, scope)  # 404 for a stale hash: no such file
        response.headers.setdefault("Cache-Control", REVALIDATE)
        return response


def is_hashed(url: str) -> bool:
    """Whether a /static/ URL is one ``static_url`` hands out (for the tests of the pages)."""
    relative = url.removeprefix(STATIC_PREFIX + "/").split("?")[0].split("#")[0]
    return relative in _originals()
