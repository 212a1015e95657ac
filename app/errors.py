"""Domain errors and the one table that maps them to HTTP status codes."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """An error a caller can fix; ``field`` names the offending input where there is one."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"detail": self.message, "code": self.code}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class NotFound(DomainError):
    code = "not_found"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Forbidden(DomainError):
    code = "forbidden"


class InvalidInput(DomainError):
    code = "invalid_input"


class InvalidGeometry(InvalidInput):
    code = "invalid_geometry"


class UnsupportedCRS(InvalidInput):
    code = "unsupported_crs"


class OutsideMunicipality(InvalidInput):
    code = "outside_municipality"


class ForbiddenTransition(InvalidInput):
    code = "forbidden_transition"


class StaleVersion(DomainError):
    code = "stale_version"


class PreconditionRequired(DomainError):
    code = "precondition_required"


class Conflict(DomainError):
    code = "conflict"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"


class BadRequest(DomainError):
    code = "bad_request"


class UnsupportedImageType(UnsupportedMediaType):
    """Not one of the accepted image formats (judged by the bytes, never the name)."""

    code = "unsupported_image_type"


class InvalidImage(InvalidInput):
    """Broken, truncated, or with data of another format hidden in it (polyglot)."""

    code = "invalid_image"


class ImageTooLarge(InvalidInput):
    """More pixels than LEERSTAND_PHOTO_MAX_PIXELS (a decompression bomb), judged by the header."""

    code = "image_too_large"


class AnimatedImage(InvalidInput):
    code = "animated_image"


class PhotoLimit(Conflict):
    """A vacancy or report already has as many photos as allowed."""

    code = "photo_limit"


class RateLimited(DomainError):
    """Too many public writes from one client; ``retry_after`` seconds go into Retry-After."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.headers = {"Retry-After": str(retry_after)}


class ConnectionLimit(RateLimited):
    """One client address already gave as many supports (or flags) to one proposal as
    LEERSTAND_SUPPORTS_PER_IP allows; ``retry_after``: until the oldest of them is forgotten."""

    code = "connection_limit"


class ExportTimeout(DomainError):
    """An export ran longer than LEERSTAND_EXPORT_TIMEOUT_S and was stopped (statement timeout or
    wall clock): the caller should narrow it down or try again later."""

    code = "export_timeout"


STATUS_BY_ERROR: dict[type[DomainError], int] = {
    BadRequest: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    StaleVersion: 409,
    Conflict: 409,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    InvalidInput: 422,
    PreconditionRequired: 428,
    RateLimited: 429,
    ExportTimeout: 504,
}


def status_for(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400
