"""Secret key files kept in the data directory, readable only by their owner."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from hub.errors import ConfigurationError

KEY_BYTES = 32


def create_secret(path: Path, *, size: int = KEY_BYTES, value: bytes | None = None) -> bytes:
    """Write a new secret (random unless given) to ``path`` (mode 0600); never overwrite one."""
    private_directory(path.parent)
    secret = secrets.token_bytes(size) if value is None else value
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret)
    return secret


def private_directory(directory: Path) -> None:
    """Create ``directory`` and any missing parents readable by the owner only."""
    missing = [d for d in (directory, *directory.parents) if not d.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700)


def read_secret(path: Path, *, size: int = KEY_BYTES) -> bytes:
    """Read a secret, refusing one that others can read or that has the wrong length."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ConfigurationError(f"key file {path} is missing: run `betrokken keys init`") from None
    if mode & 0o077:
        raise ConfigurationError(f"key file {path} is readable by others: chmod 600 it")
    secret = path.read_bytes()
    if len(secret) != size:
        raise ConfigurationError(f"key file {path} must hold {size} bytes")
    return secret


def load_or_create_secret(path: Path, *, create: bool, size: int = KEY_BYTES) -> bytes:
    """Read the secret; create it first when allowed (development) and absent."""
    if create and not path.exists():
        return create_secret(path, size=size)
    return read_secret(path, size=size)
