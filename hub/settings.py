"""One settings object for the hub, read from ``BETROKKEN_*`` environment variables."""

from __future__ import annotations

from datetime import time
from enum import StrEnum
from functools import cached_property
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from policies import DEMO_POLICY

DEFAULT_MAX_BODY_BYTES = 64 * 1024
REPOSITORY_WEB_DIR = Path(__file__).resolve().parents[1] / "web" / "dist"
"""Where ``make web`` builds the web app, in a checkout of the repository."""
DEVELOPMENT_WEB_ORIGINS = ("http://127.0.0.1:8000", "http://localhost:8000")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Validated at start-up: a missing key, policy file or issuer fails before serving."""

    model_config = SettingsConfigDict(env_prefix="BETROKKEN_", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path(".betrokken")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite in the data directory."
    )
    database_read_url: str | None = Field(
        default=None,
        description="A read replica (e.g. HAProxy's replica port) for the privacy officer's "
        "reports; default the primary. Their audit entry is written on the primary.",
    )
    # The longest wait for PostgreSQL: connecting, one statement, a connection from the pool.
    # A request that meets it answers 503 at once instead of hanging with the database.
    database_timeout_seconds: float = Field(default=5.0, gt=0)
    # On PostgreSQL the per-minute limits on checks are counted in the database, so they
    # hold across every hub process; off, each process keeps its own token buckets.
    shared_rate_limits: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    policy_file: Path = DEMO_POLICY
    policy_check_interval_seconds: float = 1.0  # how often the file's mtime is looked at
    # Bytes a request body may have, on every route of the hub and the pseudonymiser: a flag
    # or a check needs well under one KiB, a batch of 100 blinded elements about 5 KiB.
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1024)

    # How often (seconds) a hub process reads the organisations' approved policies again.
    organisation_policy_refresh_seconds: float = Field(default=10.0, gt=0)

    # Identity: the built-in development provider unless an issuer is configured.
    oidc_issuer: str | None = None
    oidc_audience: str = "betrokken"
    oidc_algorithms: tuple[str, ...] = ("RS256", "ES256", "EdDSA")
    oidc_jwks_ttl_seconds: int = 300
    oidc_leeway_seconds: int = 30
    # Production fetches keys over https only; turn off for a provider on a private network.
    oidc_require_https: bool = True
    # Issuer -> organisations whose tokens it may issue (several issuers on a regional hub).
    # Empty: every organisation's tokens come from the one configured issuer.
    oidc_issuer_organisations: dict[str, tuple[str, ...]] = {}
    claim_organisation: str = "organisation"
    claim_teams: str = "teams"
    claim_roles: str = "roles"
    claim_name: str = "name"
    # Lifetime of the development provider's access tokens (its authorization code flow).
    dev_token_seconds: int = Field(default=3600, ge=60)
    # Client id -> secret of the demo connector clients the development provider gives
    # tokens to by the client credentials grant (JSON). Empty: that grant is refused.
    dev_client_secrets: dict[str, str] = {}

    # The web app (web/dist), served at /app/, and what it is told in /app/config.json.
    web_dir: Path = REPOSITORY_WEB_DIR
    web_client_id: str = "betrokken-web"
    web_scope: str = "openid betrokken"
    web_resource: str | None = None  # RFC 8707 resource, for a provider that needs one
    # Redirect URIs the development provider accepts besides the hub's own callback page.
    web_redirect_uris: Annotated[tuple[str, ...], NoDecode] = ()
    # Origins whose pages may call the pseudonymiser (CORS); comma-separated. Unset: the
    # hub's development addresses, or none in production.
    web_origins: Annotated[tuple[str, ...] | None, NoDecode] = None

    # Background jobs in each hub process (off in most tests, which drive them directly).
    background_jobs: bool = True
    retention_interval_seconds: float = 3600.0
    # Retention works through its rows this many at a time, each batch its own short
    # transaction, so the checks never wait long on its locks (hub/retention/service.py).
    retention_batch_size: int = Field(default=1000, gt=0)
    # A pause between full batches: a slower run that leaves the checks more of the machine.
    retention_batch_pause_seconds: float = Field(default=0.0, ge=0)
    # The jobs' threads (and `betrokken retention run`) run this many steps nicer than the
    # serving threads: on a busy machine the requests get the CPU first (hub/scheduler.py).
    jobs_niceness: int = Field(default=10, ge=0, le=19)
    delivery_interval_seconds: float = 2.0
    # The owner of a flag is told this many days before it expires (and again when it does).
    expiry_warning_days: int = Field(default=14, ge=0)
    # ... and this many days before each due date of the flag (an LAA signal's deadlines).
    deadline_warning_days: int = Field(default=7, ge=0)
    # Development and tests only: the hub's clock runs this many seconds ahead (or behind),
    # so a test can move time in hub processes. Refused in production.
    unsafe_clock_offset_seconds: float = 0.0

    # Audit log (hub/audit): checkpoint signing, sequencing, reports and probing alerts.
    audit_origin: str = Field(
        default="betrokken.local/audit",
        pattern=r"^[^\s+]+$",
        description="Checkpoint origin and signing key name, e.g. betrokken.<gemeente>.nl/audit.",
    )
    audit_checkpoint_every_entries: int = Field(default=1000, ge=1)
    audit_checkpoint_every_seconds: float = Field(default=300.0, gt=0)
    audit_sequencer_interval_seconds: float = Field(default=1.0, gt=0)
    audit_sequencer_batch: int = Field(default=5000, ge=1)
    # The whole-log check (hub/audit/log_check.py): O(n) reads, so not every second.
    audit_integrity_check_interval_seconds: float = Field(default=3600.0, gt=0)
    # After this many years an entry's link to its subject is erased; the leaf (with its
    # salted commitment) stays, so the tree still verifies.
    audit_subject_link_years: int = Field(default=7, ge=1)
    audit_timezone: str = "Europe/Amsterdam"
    audit_office_hours_start: time = time(8, 0)
    audit_office_hours_end: time = time(18, 0)
    audit_office_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    audit_follow_up_days: int = Field(default=14, ge=0)
    audit_alert_interval_seconds: float = Field(default=60.0, gt=0)
    audit_alert_window_minutes: int = Field(default=60, ge=1)
    audit_alert_distinct_subjects: int = Field(default=25, ge=2)
    audit_alert_unflagged_window_hours: int = Field(default=24, ge=1)
    audit_alert_unflagged_checks: int = Field(default=10, ge=1)

    # Webhooks in production go over https to global addresses only; these hosts
    # (comma-separated) may resolve to a private or otherwise non-global address.
    webhook_allowed_hosts: Annotated[tuple[str, ...], NoDecode] = ()

    # Optional e-mail to a team's contact address when its inbox has news.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "betrokken@localhost"

    # Pseudonymiser.
    pseudonymiser_url: str = "http://127.0.0.1:8001"
    pseudonymiser_port: int = 8001
    pseudonymiser_rate_per_minute: int = 1200
    pseudonymiser_burst: int = 200
    pseudonym_epoch: str = "2026"
    # The pseudonymiser's address as a browser reaches it; default: pseudonymiser_url.
    pseudonymiser_public_url: str | None = None

    # Observability (docs/observability.md). Logs: one JSON object per line, or readable
    # text; unset, JSON in production and text in development.
    log_format: Literal["json", "text"] | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # A line per request (route template, status, duration); off, only 5xx answers get one.
    log_requests: bool = False
    # /metrics answers requests from these networks (comma-separated CIDRs), or anywhere
    # with 'Authorization: Bearer <metrics_token>'; nobody else.
    metrics_networks: Annotated[tuple[str, ...], NoDecode] = ("127.0.0.0/8", "::1/128")
    metrics_token: SecretStr | None = None
    # Traces (OpenTelemetry): off, to stdout (console) or OTLP over HTTP (the exporter's
    # OTEL_EXPORTER_OTLP_* variables, or this endpoint).
    tracing: Literal["off", "console", "otlp"] = "off"
    tracing_otlp_endpoint: str | None = None

    @field_validator("webhook_allowed_hosts", mode="before")
    @classmethod
    def _comma_separated_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            return tuple(host.strip().lower() for host in value if host.strip())
        return value

    @field_validator("metrics_networks", mode="before")
    @classmethod
    def _comma_separated_networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            networks = tuple(item.strip() for item in value if item.strip())
            for network in networks:
                ip_network(network, strict=False)  # a ValueError names the bad one
            return networks
        return value

    @field_validator("web_redirect_uris", "web_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            return tuple(item.strip() for item in value if item.strip())
        return value

    @model_validator(mode="after")
    def _production_needs_real_parts(self) -> Settings:
        if self.env is Environment.PRODUCTION:
            missing = [
                name for name, value in (("BETROKKEN_OIDC_ISSUER", self.oidc_issuer),) if not value
            ]
            if missing:
                raise ValueError(f"production needs {', '.join(missing)}")
            if self.unsafe_clock_offset_seconds:
                raise ValueError("BETROKKEN_UNSAFE_CLOCK_OFFSET_SECONDS is refused in production")
        return self

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def log_json(self) -> bool:
        """Whether logs are JSON lines (production's default) rather than readable text."""
        return self.log_format == "json" if self.log_format else self.is_production

    @property
    def pseudonymiser_browser_url(self) -> str:
        """The pseudonymiser as the web app calls it."""
        return self.pseudonymiser_public_url or self.pseudonymiser_url

    @property
    def cors_origins(self) -> tuple[str, ...]:
        """The origins whose pages may call the pseudonymiser."""
        if self.web_origins is not None:
            return self.web_origins
        return () if self.is_production else DEVELOPMENT_WEB_ORIGINS

    @cached_property
    def sqlalchemy_url(self) -> str:
        """The hub's database (the pseudonymiser has none, and never asks)."""
        if self.database_url:
            return self.database_url
        if self.is_production:
            raise ValueError("production needs BETROKKEN_DATABASE_URL (the hub's PostgreSQL)")
        return f"sqlite:///{(self.data_dir / 'betrokken.db').resolve()}"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def audit_key_file(self) -> Path:
        return self.keys_dir / "audit-ed25519.pem"
