"""Contact handles: opaque, sealed references to a flag, bound to the member who saw it.

A handle is ``ChaCha20-Poly1305(flag id || issued at)`` with the member as associated data,
so it means nothing to anyone else and reveals neither the flag id nor other handles.
"""

from __future__ import annotations

import base64
import os
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from hub.errors import NotFound

HANDLE_DOMAIN = b"betrokken/flag-handle/v1\x00"
HANDLE_LIFETIME = timedelta(days=30)
_NONCE = 12
_PLAIN = struct.Struct(">16sQ")


@dataclass(frozen=True)
class FlagHandle:
    flag_id: uuid.UUID
    issued_at: datetime


class HandleSealer:
    def __init__(self, key: bytes) -> None:
        self._aead = ChaCha20Poly1305(key)

    def seal(self, flag_id: uuid.UUID, *, member: str, now: datetime) -> str:
        nonce = os.urandom(_NONCE)
        plain = _PLAIN.pack(flag_id.bytes, int(now.timestamp()))
        sealed = self._aead.encrypt(nonce, plain, HANDLE_DOMAIN + member.encode())
        return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")

    def open(self, handle: str, *, member: str, now: datetime) -> FlagHandle:
        """Open a handle this member received; anything else is simply not found."""
        try:
            blob = base64.urlsafe_b64decode(handle + "=" * (-len(handle) % 4))
            plain = self._aead.decrypt(
                blob[:_NONCE], blob[_NONCE:], HANDLE_DOMAIN + member.encode()
            )
            flag_bytes, issued = _PLAIN.unpack(plain)
        except (ValueError, InvalidTag, struct.error):
            raise NotFound("unknown or foreign flag handle") from None
        issued_at = datetime.fromtimestamp(issued, UTC)
        if now - issued_at > HANDLE_LIFETIME:
            raise NotFound("the flag handle has expired; check involvement again")
        return FlagHandle(flag_id=uuid.UUID(bytes=flag_bytes), issued_at=issued_at)
