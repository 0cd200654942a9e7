"""The checkpoint signing key: Ed25519 in ``<data dir>/keys/audit-ed25519.pem``, mode 600.

Development creates it on first use; production requires it (``betrokken keys init``
creates it), so a hub never silently starts a second log under a fresh key. The key name
in signatures is the log's origin (``BETROKKEN_AUDIT_ORIGIN``); publish the verifier key
(``betrokken audit public-key``) where auditors keep it, apart from the hub.
"""

from __future__ import annotations

import os
from pathlib import Path

from crypto.checkpoint import (
    CheckpointError,
    CheckpointSigner,
    generate_signing_key,
    load_private_key_pem,
    private_key_to_pem,
)
from hub.errors import ConfigurationError
from hub.keys import private_directory
from hub.settings import Settings


def create_signing_key(path: Path) -> None:
    """Write a fresh Ed25519 key (PKCS#8 PEM, mode 600); never overwrite an existing one."""
    private_directory(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_key_to_pem(generate_signing_key()))


def load_signer(settings: Settings, *, create: bool | None = None) -> CheckpointSigner:
    """The signer for this hub's log; fails loudly when the key is missing or exposed."""
    path = settings.audit_key_file
    if create is None:
        create = not settings.is_production
    if create and not path.exists():
        create_signing_key(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ConfigurationError(
            f"audit signing key {path} is missing: run `betrokken keys init`"
        ) from None
    if mode & 0o077:
        raise ConfigurationError(f"audit signing key {path} is readable by others: chmod 600 it")
    try:
        private_key = load_private_key_pem(path.read_bytes())
        return CheckpointSigner(private_key, settings.audit_origin)
    except CheckpointError as error:
        raise ConfigurationError(f"audit signing key {path}: {error}") from None
