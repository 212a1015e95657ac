"""Settings from the environment (prefix ``LEERSTAND_``), one class for the whole service."""

import ipaddress
from dataclasses import dataclass, field
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
INSECURE_SECRETS = {"", "changeme", "change-me", "secret", "leerstand"}

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
SMTP_EXAMPLE = "(e.g. smtp://user:password@mail.example.org:587?starttls=true or smtps://user:password@mail.example.org:465)"


@dataclass(frozen=True)
class SmtpTarget:
    """Where mail goes: LEERSTAND_SMTP_URL, parsed once."""

    host: str
    port: int
    tls: Literal["none", "starttls", "ssl"]
    username: str | None
    password: str | None = field(repr=False)


def parse_smtp_url(url: str) -> SmtpTarget:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError as error:
        raise ValueError(f"LEERSTAND_SMTP_URL: {error} {SMTP_EXAMPLE}") from error
    if scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"LEERSTAND_SMTP_URL must start with smtp:// or smtps:// {SMTP_EXAMPLE}")
    query = parse_qs(parts.query)
    unknown = set(query) - {"starttls"}
    if unknown:
        raise ValueError(f"LEERSTAND_SMTP_URL: unknown option {sorted(unknown)[0]!r} {SMTP_EXAMPLE}")
    starttls = query.get("starttls", ["false"])[-1].lower()
    if starttls not in ("true", "false"):
        raise ValueError(f"LEERSTAND_SMTP_URL: starttls must be true or false {SMTP_EXAMPLE}")
    tls: Literal["none", "starttls", "ssl"] = (
        "ssl" if scheme == "smtps" else "starttls" if starttls == "true" else "none")
    return SmtpTarget(host=parts.hostname, port=port or (465 if scheme == "smtps" else 25), tls=tls,
                      username=unquote(parts.username) if parts.username else None,
                      password=unquote(parts.password) if parts.password else None)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEERSTAND_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of a PostGIS database. Unset: the embedded private cluster.",
    )
    read_database_url: str | None = Field(
        default=None,
        description="URL of a streaming replica of that database. Set: map lists, exports, OGC "
        "and statistics read from it, except right after the caller's own write.",
    )
    read_after_write_s: int = Field(
        default=10, ge=0, le=3600,
        description="Seconds after a user's write during which their reads go to the primary.",
    )
    replica_max_lag_s: float = Field(
        default=5, ge=0, le=3600,
        description="A replica further behind than this (or unreachable) is not read from.",
    )
    data_dir: Path = Field(
        default=PROJECT_DIR / ".data",
        description="Folder of the embedded PostgreSQL cluster and its generated secrets.",
    )
    pg_bin: Path | None = Field(
        default=None, description="Folder with initdb/pg_ctl; found automatically when unset."
    )
    embedded_port: int = Field(default=54329, ge=1024, le=65535)
    secret_key: str | None = Field(
        default=None,
        description="Signs session cookies. Required with a database URL; generated when embedded.",
    )
    cookie_secure: bool = Field(default=True, description="Send the session cookie over HTTPS only.")
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    session_max_age_s: int = Field(default=8 * 3600, ge=60)
    log_level: str = "INFO"
    export_timeout_s: float = Field(
        default=120, gt=0, le=24 * 3600,
        description="Seconds an export over HTTP (GeoJSON, CSV, GeoPackage) may take: each of "
        "its statements (PostgreSQL's statement_timeout) and the whole export (wall clock). "
        "Beyond it a GeoPackage gets 504, a streamed export is cut off.",
    )
    shutdown_timeout_s: int = Field(
        default=20, ge=1, le=3600,
        description="On SIGTERM/SIGINT: seconds requests in flight may take to finish; then "
        "their statements are cancelled and the service exits.",
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="Log lines of `leerstand serve`: text, or one JSON object per line (time, "
        "level, logger, message, request_id).",
    )
    login_attempts_per_hour: int = Field(
        default=30, ge=1, description="Login form submissions per client and hour (then 429)."
    )
    login_attempts_per_email_per_hour: int = Field(
        default=30, ge=1,
        description="Login form submissions for one e-mail address per hour, from any client "
        "(then 429): rotating addresses does not buy more guesses at one account.",
    )
    trusted_proxies: Annotated[tuple[IPNetwork, ...], NoDecode] = Field(
        default=(),
        description="Comma-separated IPs/CIDRs of the reverse proxies whose X-Forwarded-For is "
        "believed. Unset: none; the client is the TCP peer and X-Forwarded-For is ignored.",
    )
    metrics_allow: Annotated[tuple[IPNetwork, ...], NoDecode] = Field(
        default=(ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")),
        description="Comma-separated IPs/CIDRs that may read /metrics (the client as resolved "
        "through LEERSTAND_TRUSTED_PROXIES); everybody else gets 404. Empty: nobody.",
    )
    public_url: str | None = Field(
        default=None,
        description="The service's address as its users reach it (http(s), host, optional path "
        "prefix), for absolute links such as the OGC API's. Unset: the address the server "
        "listens on, never the request's Host header; production must set it.",
    )
    flag_threshold: int = Field(
        default=3, ge=1, le=1000,
        description="Open flags after which a published proposal is hidden until staff decide.",
    )
    public_posts_per_hour: int = Field(
        default=20, ge=1, description="Reports and proposals per client and hour (then 429)."
    )
    public_votes_per_hour: int = Field(
        default=120, ge=1, description="Supports and flags per client and hour (then 429)."
    )
    supports_per_ip: int = Field(
        default=20, ge=1, le=100_000,
        description="Supports, and flags, of one proposal from one client address (a household, "
        "an office or a library shares one) while their hashes are kept (then 429).",
    )
    client_hash_retention_days: int = Field(
        default=30, ge=1, le=365,
        description="Days the keyed hashes that de-duplicate supports and flags are kept.",
    )
    photo_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024,
        description="Largest accepted photo file (413 above, refused while it streams in).",
    )
    photo_max_pixels: int = Field(
        default=40_000_000, ge=10_000,
        description="Largest accepted photo in pixels (width × height), read from the file's "
        "header before anything is decoded: refuses decompression bombs.",
    )
    photos_per_vacancy: int = Field(default=10, ge=1, le=100)
    photos_per_report: int = Field(default=3, ge=0, le=10)
    tiles_url: str = Field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="Base-map tile URL template for the Leaflet pages.",
    )
    tiles_attribution: str = Field(
        default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>-Mitwirkende',
        description="Attribution HTML shown with the base map.",
    )

    smtp_url: str | None = Field(
        default=None,
        description="Mail server: smtp://user:password@host:587?starttls=true or "
        "smtps://user:password@host:465. Unset: mails stay in the outbox admins read at "
        "/verwaltung/postausgang, nothing is sent.",
    )
    mail_from: str = Field(
        default="Leerstand <leerstand@localhost>",
        description="Sender of every mail (display name and address).",
    )
    mail_worker: bool = Field(
        default=True,
        description="`leerstand serve` also runs the mail worker (off: run `leerstand worker`).",
    )
    smtp_timeout_s: float = Field(default=20, gt=0, le=600,
                                  description="Seconds one SMTP connection or command may take.")
    unconfirmed_email_days: int = Field(
        default=7, ge=1, le=365,
        description="Days after which a citizen's e-mail address that was never confirmed is "
        "erased, with the mails held for it.",
    )
    digest_hour: int = Field(
        default=6, ge=0, le=23,
        description="Hour (Berlin time) from which the mail worker queues the day's digest of "
        "open tasks to staff who opted in (once per day and town).",
    )
    contributions_link_hours: int = Field(
        default=24, ge=1, le=24 * 14,
        description="Hours a \"Meine Beiträge\" link works (a newer request replaces it).",
    )
    contributions_requests_per_hour: int = Field(
        default=3, ge=1,
        description="\"Meine Beiträge\" link requests per e-mail address and hour (per client: "
        "LEERSTAND_PUBLIC_POSTS_PER_HOUR); beyond it the page asks to wait.",
    )

    @field_validator("database_url", "read_database_url")
    @classmethod
    def _postgres_only(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
            raise ValueError(f"LEERSTAND_{str(info.field_name).upper()} must be a PostgreSQL URL "
                             "(PostGIS required)")
        return value.replace("postgres://", "postgresql://", 1)

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parse_smtp_url(value.strip())
        return value.strip()

    @field_validator("mail_from")
    @classmethod
    def _mail_from(cls, value: str) -> str:
        name, address = parseaddr(value)
        if not address or "@" not in address or any(c in value for c in "\r\n\0"):
            raise ValueError("LEERSTAND_MAIL_FROM must be an address, optionally with a display "
                             "name (e.g. 'Stadt Schmölln <leerstand@schmoelln.de>')")
        return value

    @property
    def smtp(self) -> SmtpTarget | None:
        return parse_smtp_url(self.smtp_url) if self.smtp_url else None

    @field_validator("public_url")
    @classmethod
    def _absolute_http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        example = "(e.g. https://leerstand.example.org or https://example.org/leerstand)"
        parts = urlsplit(value.strip())
        try:
            parts.port  # noqa: B018 - raises on a port that is no number
        except ValueError as error:
            raise ValueError(f"LEERSTAND_PUBLIC_URL: {error} {example}") from error
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(f"LEERSTAND_PUBLIC_URL must be an absolute http(s) URL {example}")
        if "?" in value or "#" in value or parts.username is not None:
            raise ValueError("LEERSTAND_PUBLIC_URL takes no query, fragment or user name "
                             f"{example}")
        return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"),
                           "", ""))

    @field_validator("trusted_proxies", "metrics_allow", mode="before")
    @classmethod
    def _split_networks(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        if isinstance(value, list | tuple):
            try:
                return tuple(ipaddress.ip_network(str(item).strip(), strict=False)
                             for item in value)
            except ValueError as error:
                setting = f"LEERSTAND_{(info.field_name or '').upper()}"
                raise ValueError(f"{setting}: {error} (expected comma-separated IP addresses or "
                                 "CIDR networks, e.g. 172.18.0.2,10.0.0.0/8)") from error
        return value

    @model_validator(mode="after")
    def _secrets_and_urls(self) -> "Settings":
        if self.database_url and (self.secret_key or "").strip().lower() in INSECURE_SECRETS:
            raise ValueError(
                "LEERSTAND_SECRET_KEY must be set to a long random value when "
                "LEERSTAND_DATABASE_URL is set (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`)"
            )
        if self.secret_key is not None and 0 < len(self.secret_key) < 32:
            raise ValueError("LEERSTAND_SECRET_KEY must be at least 32 characters")
        if self.read_database_url and not self.database_url:
            raise ValueError("LEERSTAND_READ_DATABASE_URL needs LEERSTAND_DATABASE_URL: a replica "
                             "of the embedded cluster is not supported")
        return self

    @property
    def embedded(self) -> bool:
        return self.database_url is None


@lru_cache
def get_settings() -> Settings:
    return Settings()
