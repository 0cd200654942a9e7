"""A connector's settings: where the hub and the pseudonymiser are, how it gets a token,
whether it goes through an FSC Outway, and where it keeps its state.

Read from ``BETROKKEN_*`` environment variables like the hub's own settings, so the
connector runs with the same configuration tooling.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConnectorSettings(BaseSettings):
    """``BETROKKEN_HUB_URL`` and the rest; a token is either given (``BETROKKEN_TOKEN``) or
    fetched by the client credentials grant (``BETROKKEN_CONNECTOR_TOKEN_URL``, ``_CLIENT_ID``
    and ``_CLIENT_SECRET`` or ``_PRIVATE_KEY_FILE``), as a real OpenID provider gives
    connectors theirs."""

    model_config = SettingsConfigDict(env_prefix="BETROKKEN_", extra="ignore")

    hub_url: str = "http://127.0.0.1:8000"
    pseudonymiser_url: str = "http://127.0.0.1:8001"
    token: str | None = None
    connector_token_url: str | None = None
    connector_client_id: str | None = None
    connector_client_secret: str | None = None
    # private_key_jwt (RFC 7523), as the NL GOV profile asks between organisations: the
    # client's private key (a JWK in JSON, or PEM) signs an assertion instead of a secret.
    connector_private_key_file: Path | None = None
    connector_scope: str | None = None
    connector_resource: str | None = None  # RFC 8707, for a provider that needs one
    # FSC: when set, hub calls go to this Outway (which forwards them to the hub's Inway)
    # and carry an Fsc-Transaction-Id; the hub records it in the audit entry.
    connector_fsc_outway_url: str | None = None
    connector_fsc_grant_hash: str | None = None
    connector_state_dir: Path = Path(".betrokken-connector")
    # Registrations per hub call and identifiers per pseudonymiser call.
    connector_batch: int = Field(default=100, ge=1, le=100)
    connector_timeout_seconds: float = Field(default=30.0, gt=0)
    connector_retries: int = Field(default=5, ge=0)

    @property
    def through_fsc(self) -> bool:
        return self.connector_fsc_outway_url is not None

    @property
    def hub_base_url(self) -> str:
        """Where hub calls go: the FSC Outway when one is configured, else the hub."""
        return self.connector_fsc_outway_url or self.hub_url
