"""A team's own words about its own case: a case reference and a short label, sealed.

A flag's owner may note ``WIJK-2026-113`` and "gezin De V." on it, and a requester may
share its case reference with the owner of the flag it asks about. The hub stores these
only sealed with AES-256-GCM under a key it alone holds (``keys/reference.key``), bound
(associated data) to the team that may read them and the row they belong to, so a sealed
value copied to another row or team does not open. The audit leaf holds at most a keyed
hash (:meth:`ReferenceSealer.digest`), never the text.

They are free text, so their schemas take them as ``hub.fields.FreeText``: a BSN, KvK
number or BAG id must never reach the hub in clear, not even inside a note.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

REFERENCE_DOMAIN = b"betrokken/own-reference/v1\x00"
DIGEST_DOMAIN = b"betrokken/own-reference-digest/v1\x00"
REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"
LABEL_MAX = 60
LABEL_PATTERN = r"^[^\x00-\x1f\x7f]+$"  # one line of text, no control characters
_NONCE = 12


class ReferenceSealer:
    """Seal and open references with AES-256-GCM; the key never leaves the hub."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self._digest_key = hmac.new(key, DIGEST_DOMAIN, hashlib.sha256).digest()

    def seal(self, text: str, *, team: uuid.UUID, row: uuid.UUID) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, text.encode(), _bound(team, row))

    def open(self, sealed: bytes, *, team: uuid.UUID, row: uuid.UUID) -> str:
        """The text; a value sealed for another team or row raises ``ValueError``."""
        try:
            plain = self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], _bound(team, row))
        except InvalidTag:
            raise ValueError("the reference was sealed for another team or row") from None
        return plain.decode()

    def digest(self, text: str) -> str:
        """A keyed hash of ``text`` for the audit log: equal texts match, none can be guessed."""
        return hmac.new(self._digest_key, text.encode(), hashlib.sha256).hexdigest()[:32]


def _bound(team: uuid.UUID, row: uuid.UUID) -> bytes:
    return REFERENCE_DOMAIN + team.bytes + row.bytes
