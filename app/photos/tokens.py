"""The upload token a citizen gets with a new report: signed (the service's secret key), bound
to the report's id, valid for an hour. Nothing is stored; the per-report photo limit holds
however often it is used."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.errors import Forbidden

TOKEN_MAX_AGE_S = 3600
_SALT = "leerstand.report-photos"


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def issue(*, secret_key: str, report_id: int) -> str:
    return _serializer(secret_key).dumps(report_id)


def check(*, secret_key: str, token: str, report_id: int) -> None:
    """Forbidden unless the token was issued for this report within the last hour."""
    try:
        granted = _serializer(secret_key).loads(token, max_age=TOKEN_MAX_AGE_S)
    except BadSignature as exc:  # SignatureExpired is one
        raise Forbidden("the upload token is invalid or expired (it is valid for an hour)",
                        field="upload_token") from exc
    if granted != report_id:
        raise Forbidden("the upload token belongs to another report", field="upload_token")
