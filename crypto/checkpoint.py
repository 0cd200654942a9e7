"""Signed tree heads as C2SP tlog-checkpoint notes, signed with Ed25519 (C2SP signed-note).

A signed checkpoint looks like::

    betrokken.example/audit
    42
    <base64 root hash>

    \u2014 betrokken.example/audit <base64(4-byte key id || 64-byte Ed25519 signature)>

Parsing is strict: the body must be exactly what :meth:`Checkpoint.body` produces
(canonical decimal size, canonical base64, no empty or control characters) and every
signature line must be well formed; anything else raises :class:`CheckpointError` with a
message naming the problem. Signatures by unknown keys are ignored, as the signed-note spec
requires, so witnesses can cosign.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

__all__ = [
    "ED25519_ALGORITHM",
    "MAX_SIGNATURES",
    "SIGNATURE_PREFIX",
    "Checkpoint",
    "CheckpointError",
    "CheckpointSigner",
    "NoteSignature",
    "VerifierKey",
    "generate_signing_key",
    "key_id",
    "load_private_key_pem",
    "load_private_key_raw",
    "load_public_key_raw",
    "parse_signed_checkpoint",
    "parse_verifier_key",
    "private_key_to_pem",
    "private_key_to_raw",
    "public_key_to_raw",
    "verifier_key_string",
    "verify_checkpoint",
]

ED25519_ALGORITHM = b"\x01"
"""Signature type byte for Ed25519 in C2SP signed-note key ids and verifier keys."""
SIGNATURE_PREFIX = "\u2014 "
"""Every signature line starts with an em dash and a space."""
MAX_SIGNATURES = 100
"""More signatures than this make a note malformed (the spec asks for at least 16)."""

_ROOT_HASH_SIZE = 32
_KEY_ID_SIZE = 4
_PUBLIC_KEY_SIZE = 32
_SIGNATURE_SIZE = 64
_MAX_TREE_SIZE = 2**64 - 1
_CANONICAL_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_HEX_KEY_ID = re.compile(r"[0-9a-f]{8}")


class CheckpointError(Exception):
    """A checkpoint, signed note or key is malformed or does not verify."""


def _find_control_character(text: str, *, allow_newline: bool) -> int | None:
    for position, character in enumerate(text):
        if character < " " and not (allow_newline and character == "\n"):
            return position
    return None


def _check_text_line(value: str, what: str) -> None:
    if not value:
        raise CheckpointError(f"{what} is empty")
    if _find_control_character(value, allow_newline=False) is not None:
        raise CheckpointError(f"{what} contains a control character")


def _check_key_name(name: str) -> None:
    """Key names are non-empty, without Unicode spaces or '+' (C2SP signed-note)."""
    _check_text_line(name, "key name")
    if "+" in name or any(character.isspace() for character in name):
        raise CheckpointError("key name contains a space or '+'")


def _decode_base64(value: str, what: str) -> bytes:
    """Standard base64 with padding, and only its canonical form (one text per value)."""
    try:
        decoded = base64.b64decode(value.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise CheckpointError(f"{what} is not valid base64") from None
    if base64.b64encode(decoded).decode("ascii") != value:
        raise CheckpointError(f"{what} is not canonical base64")
    return decoded


def _encode_base64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log's origin, its size and the RFC 9162 root hash at that size."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_text_line(self.origin, "origin")
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise CheckpointError("tree size is not an integer")
        if not 0 <= self.size <= _MAX_TREE_SIZE:
            raise CheckpointError("tree size is outside 0..2^64-1")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != _ROOT_HASH_SIZE:
            raise CheckpointError(f"root hash is not {_ROOT_HASH_SIZE} bytes")
        if not isinstance(self.extensions, tuple):
            raise CheckpointError("extensions must be a tuple of lines")
        for extension in self.extensions:
            _check_text_line(extension, "extension line")

    def body(self) -> bytes:
        """The note text that is signed: every line, including the last, ends in a newline."""
        lines = [self.origin, str(self.size), _encode_base64(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines).encode("utf-8")


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a signed note; not verified by itself."""

    key_name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """The signature line as it appears in the note, newline included."""
        encoded = _encode_base64(self.key_id + self.signature)
        return f"{SIGNATURE_PREFIX}{self.key_name} {encoded}\n"


@dataclass(frozen=True)
class VerifierKey:
    """A named Ed25519 public key, as published in a C2SP verifier key string."""

    name: str
    key_id: bytes
    public_key: bytes

    def __str__(self) -> str:
        return verifier_key_string(self.name, self.public_key)


def key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4] (C2SP signed-note)."""
    _check_key_name(name)
    if len(public_key) != _PUBLIC_KEY_SIZE:
        raise CheckpointError(f"Ed25519 public key is not {_PUBLIC_KEY_SIZE} bytes")
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519_ALGORITHM + public_key)
    return digest.digest()[:_KEY_ID_SIZE]


def verifier_key_string(name: str, public_key: bytes) -> str:
    """``<name>+<hex key id>+<base64(0x01 || public key)>``, for publishing the key."""
    return f"{name}+{key_id(name, public_key).hex()}+" + _encode_base64(
        ED25519_ALGORITHM + public_key
    )


def parse_verifier_key(text: str) -> VerifierKey:
    """Parse a verifier key string; the key id must match the name and key."""
    # Names contain no '+', base64 may: split on the first two only.
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise CheckpointError("verifier key is not of the form <name>+<key id>+<key>")
    name, hex_key_id, encoded_key = parts
    _check_key_name(name)
    if not _HEX_KEY_ID.fullmatch(hex_key_id):
        raise CheckpointError("verifier key id is not 8 lowercase hex digits")
    key_data = _decode_base64(encoded_key, "verifier public key")
    if key_data[:1] != ED25519_ALGORITHM:
        raise CheckpointError("verifier key is not an Ed25519 key (type byte 0x01)")
    public_key = key_data[1:]
    if len(public_key) != _PUBLIC_KEY_SIZE:
        raise CheckpointError(f"verifier public key is not {_PUBLIC_KEY_SIZE} bytes")
    expected_id = key_id(name, public_key)
    if bytes.fromhex(hex_key_id) != expected_id:
        raise CheckpointError("verifier key id does not match its name and public key")
    return VerifierKey(name=name, key_id=expected_id, public_key=public_key)


class CheckpointSigner:
    """Signs checkpoints with one named Ed25519 key."""

    def __init__(self, private_key: Ed25519PrivateKey, key_name: str) -> None:
        _check_key_name(key_name)
        self._private_key = private_key
        self._key_name = key_name
        self._public_key = public_key_to_raw(private_key.public_key())
        self._key_id = key_id(key_name, self._public_key)

    @property
    def key_name(self) -> str:
        return self._key_name

    @property
    def key_id(self) -> bytes:
        return self._key_id

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        return self._public_key

    def sign(self, checkpoint: Checkpoint) -> str:
        """The complete signed note: body, blank line, one signature line."""
        body = checkpoint.body()
        signature = NoteSignature(
            key_name=self._key_name,
            key_id=self._key_id,
            signature=self._private_key.sign(body),
        )
        return body.decode("utf-8") + "\n" + signature.line()

    def verifier_key(self) -> str:
        """The public verifier key string for this signer."""
        return verifier_key_string(self._key_name, self._public_key)

    def __repr__(self) -> str:
        # Never show the private key.
        return f"CheckpointSigner(key_name={self._key_name!r}, key_id={self._key_id.hex()})"


def _parse_body(body: str) -> Checkpoint:
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("checkpoint body needs origin, tree size and root hash lines")
    origin, size_line, root_line, *extensions = lines
    if not _CANONICAL_DECIMAL.fullmatch(size_line):
        raise CheckpointError("tree size is not a canonical decimal number")
    size = int(size_line)
    if size > _MAX_TREE_SIZE:
        raise CheckpointError("tree size is outside 0..2^64-1")
    root_hash = _decode_base64(root_line, "root hash")
    return Checkpoint(origin=origin, size=size, root_hash=root_hash, extensions=tuple(extensions))


def _parse_signature_line(line: str, number: int) -> NoteSignature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise CheckpointError(f"signature line {number} does not start with an em dash and space")
    name, separator, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not separator:
        raise CheckpointError(f"signature line {number} has no signature after the key name")
    _check_key_name(name)
    raw = _decode_base64(encoded, f"signature {number}")
    if len(raw) <= _KEY_ID_SIZE:
        raise CheckpointError(f"signature {number} is too short")
    return NoteSignature(key_name=name, key_id=raw[:_KEY_ID_SIZE], signature=raw[_KEY_ID_SIZE:])


def parse_signed_checkpoint(text: str | bytes) -> tuple[Checkpoint, list[NoteSignature]]:
    """Split a signed note into its checkpoint and signature lines, without verifying.

    ``bytes`` input must be UTF-8. Raises :class:`CheckpointError` on any malformation.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise CheckpointError("signed checkpoint is not valid UTF-8") from None
    if _find_control_character(text, allow_newline=True) is not None:
        raise CheckpointError("signed checkpoint contains a control character")
    # The body ends at the last blank line; checkpoint bodies have no blank lines of their own.
    split = text.rfind("\n\n")
    if split < 0:
        raise CheckpointError("signed checkpoint has no blank line before its signatures")
    body, signature_block = text[: split + 1], text[split + 2 :]
    if "\n\n" in body or body.startswith("\n"):
        raise CheckpointError("checkpoint body contains an empty line")
    if not signature_block:
        raise CheckpointError("signed checkpoint has no signature")
    if not signature_block.endswith("\n"):
        raise CheckpointError("signed checkpoint has trailing data after its last newline")
    signature_lines = signature_block[:-1].split("\n")
    if len(signature_lines) > MAX_SIGNATURES:
        raise CheckpointError(f"signed checkpoint has more than {MAX_SIGNATURES} signatures")
    checkpoint = _parse_body(body)
    # Verifiers sign checkpoint.body(): it must be byte-for-byte the text that was received.
    if checkpoint.body() != body.encode("utf-8"):
        raise CheckpointError("checkpoint body is not in canonical form")
    signatures = [
        _parse_signature_line(line, number) for number, line in enumerate(signature_lines, start=1)
    ]
    return checkpoint, signatures


def verify_checkpoint(
    text: str | bytes, verifier_key: str, *, expected_origin: str | None = None
) -> Checkpoint:
    """Parse a signed checkpoint and verify it against one verifier key string.

    Signatures by other keys are ignored; every signature by this key (same name and key
    id) must verify, and there must be at least one. With ``expected_origin``, the
    checkpoint must also come from that log. Raises :class:`CheckpointError` otherwise.
    """
    verifier = parse_verifier_key(verifier_key)
    checkpoint, signatures = parse_signed_checkpoint(text)
    public_key = load_public_key_raw(verifier.public_key)
    message = checkpoint.body()
    verified = 0
    for signature in signatures:
        if signature.key_name != verifier.name or signature.key_id != verifier.key_id:
            continue
        if len(signature.signature) != _SIGNATURE_SIZE:
            raise CheckpointError(f"signature by {verifier.name} is not {_SIGNATURE_SIZE} bytes")
        try:
            public_key.verify(signature.signature, message)
        except InvalidSignature:
            raise CheckpointError(f"signature by {verifier.name} does not verify") from None
        verified += 1
    if not verified:
        raise CheckpointError(
            f"checkpoint has no signature by key {verifier.name}+{verifier.key_id.hex()}"
        )
    if expected_origin is not None and checkpoint.origin != expected_origin:
        raise CheckpointError(f"checkpoint origin {checkpoint.origin!r} is not {expected_origin!r}")
    return checkpoint


def generate_signing_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def private_key_to_pem(private_key: Ed25519PrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM; protect the file it is written to."""
    return private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def load_private_key_pem(data: bytes, password: bytes | None = None) -> Ed25519PrivateKey:
    """Load a PKCS#8 PEM private key, which must be Ed25519."""
    try:
        private_key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise CheckpointError(f"cannot load PEM private key: {error}") from None
    if not isinstance(private_key, Ed25519PrivateKey):
        raise CheckpointError("PEM private key is not an Ed25519 key")
    return private_key


def private_key_to_raw(private_key: Ed25519PrivateKey) -> bytes:
    """The 32-byte RFC 8032 private key (seed)."""
    return private_key.private_bytes_raw()


def load_private_key_raw(data: bytes) -> Ed25519PrivateKey:
    """Inverse of :func:`private_key_to_raw`."""
    if len(data) != 32:
        raise CheckpointError("raw Ed25519 private key is not 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(data)


def public_key_to_raw(public_key: Ed25519PublicKey) -> bytes:
    """The 32-byte RFC 8032 public key."""
    return public_key.public_bytes_raw()


def load_public_key_raw(data: bytes) -> Ed25519PublicKey:
    """Inverse of :func:`public_key_to_raw`."""
    if len(data) != _PUBLIC_KEY_SIZE:
        raise CheckpointError(f"raw Ed25519 public key is not {_PUBLIC_KEY_SIZE} bytes")
    try:
        return Ed25519PublicKey.from_public_bytes(data)
    except ValueError:
        raise CheckpointError("raw Ed25519 public key is invalid") from None
