"""Subjects as the hub sees them: a client pseudonym, then the hub's own keyed layer.

Clients send the 64-byte output of the pseudonymiser's POPRF, base64url without padding.
The hub never stores it: it keeps ``HMAC-SHA256(hub key, kind || pseudonym)`` instead,
so a stolen database holds values no client can compute (docs/design.md invariant 2).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass

from crypto.identifiers import IdentifierKind
from hub.errors import InvalidPseudonym

PSEUDONYM_BYTES = 64
PSEUDONYM_CHARS = 86  # base64url of 64 bytes, without padding
PSEUDONYM_PATTERN = r"^[A-Za-z0-9_-]{85}[AQgw]$"
"""A canonical pseudonym: 86 characters carry 516 bits, so the last one's low 4 bits are 0."""
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]{86}$")
SUBJECT_KEY_DOMAIN = b"betrokken/subject-key/v1\x00"


@dataclass(frozen=True)
class Subject:
    """A subject as stored: identifier kind and the hub-keyed value."""

    kind: IdentifierKind
    key: bytes

    @property
    def subject_type(self) -> str:
        return self.kind.subject_type


def decode_pseudonym(text: str) -> bytes:
    """Decode a client pseudonym, refusing anything that is not exactly one."""
    if not _BASE64URL.fullmatch(text):
        raise InvalidPseudonym(
            f"a pseudonym is {PSEUDONYM_CHARS} base64url characters without padding"
        )
    try:
        raw = base64.urlsafe_b64decode(text + "==")
    except binascii.Error:
        raise InvalidPseudonym("a pseudonym must be base64url") from None
    # 86 characters carry 516 bits: the last 4 must be zero for a canonical encoding.
    if len(raw) != PSEUDONYM_BYTES or encode_pseudonym(raw) != text:
        raise InvalidPseudonym("the pseudonym is not canonically encoded")
    return raw


def encode_pseudonym(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class SubjectKeyer:
    """The hub's keyed layer over client pseudonyms."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the subject key must be at least 32 bytes")
        self._key = key

    def subject(self, kind: IdentifierKind, pseudonym: str) -> Subject:
        raw = decode_pseudonym(pseudonym)
        message = SUBJECT_KEY_DOMAIN + kind.value.encode() + b"\x00" + raw
        return Subject(kind=kind, key=hmac.new(self._key, message, hashlib.sha256).digest())
