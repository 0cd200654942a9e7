"""The pseudonymiser's OPRF keys: one secret per epoch, each in a file only its owner reads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from crypto import oprf
from hub.errors import ConfigurationError
from hub.keys import create_secret, read_secret

_EPOCH = re.compile(r"^[0-9A-Za-z._-]{1,32}$")
CURRENT_FILE = "current"


@dataclass(frozen=True)
class EpochKey:
    epoch: str
    secret: bytes
    public: bytes


class OprfKeyStore:
    """Keys under ``<dir>/<epoch>.key``; ``current`` names the epoch new clients use."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def init(self, epoch: str) -> bool:
        """Create the first epoch's key if there is none; True when something was created."""
        if self.epochs():
            return False
        self.rotate(epoch)
        return True

    def rotate(self, epoch: str) -> EpochKey:
        """Add a new epoch with a fresh key and make it current; old epochs stay readable."""
        _check_epoch(epoch)
        path = self.directory / f"{epoch}.key"
        if path.exists():
            raise ConfigurationError(f"epoch {epoch} already has a key")
        secret = _fresh_scalar()
        create_secret(path, value=secret)
        (self.directory / CURRENT_FILE).write_text(epoch + "\n")
        return self.load(epoch)

    def epochs(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.stem for p in self.directory.glob("*.key"))

    def current_epoch(self) -> str:
        try:
            epoch = (self.directory / CURRENT_FILE).read_text().strip()
        except FileNotFoundError:
            raise ConfigurationError(
                f"no OPRF key in {self.directory}: run `betrokken keys init`"
            ) from None
        _check_epoch(epoch)
        return epoch

    def load(self, epoch: str) -> EpochKey:
        _check_epoch(epoch)
        secret = read_secret(self.directory / f"{epoch}.key")
        try:
            oprf.deserialize_scalar(secret)
        except oprf.OprfError:
            raise ConfigurationError(f"the key of epoch {epoch} is not a valid scalar") from None
        return EpochKey(epoch=epoch, secret=secret, public=oprf.public_key_from_secret(secret))

    def load_all(self) -> dict[str, EpochKey]:
        keys = {epoch: self.load(epoch) for epoch in self.epochs()}
        if not keys:
            raise ConfigurationError(f"no OPRF key in {self.directory}: run `betrokken keys init`")
        return keys


def _fresh_scalar() -> bytes:
    return oprf.generate_key_pair().secret


def _check_epoch(epoch: str) -> None:
    if not _EPOCH.fullmatch(epoch):
        raise ConfigurationError("an epoch is 1-32 letters, digits, '.', '_' or '-'")
