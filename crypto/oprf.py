"""RFC 9497 OPRF, VOPRF and POPRF for the ciphersuite ristretto255-SHA512.

Pure functions over the system libsodium (through ``pysodium``). All values cross the API
as bytes: elements and scalars are 32 bytes (scalars little-endian, canonical), proofs are
64 bytes (``c || s``), outputs are 64 bytes (SHA-512).

Client::

    blind_scalar, blinded = blind(input, Mode.POPRF)
    # send blinded; receive evaluated elements and a proof
    [output] = verify_and_finalize_batch(
        [input], [blind_scalar], [blinded], evaluated, proof,
        mode=Mode.POPRF, public_key=pk, info=info,
    )

Server::

    evaluated, proof = blind_evaluate_batch(sk, blinded_elements, mode=Mode.POPRF, info=info)

Errors: every failure on untrusted data raises an ``OprfError`` subclass; ``ValueError`` is
kept for programming mistakes (a seed of the wrong size, ``info`` outside POPRF mode, a
missing public key, lists of unequal length on the client). Verification raises
``VerifyError`` and never returns a bool. A malformed proof is a ``VerifyError``; a
malformed element or scalar is a ``DeserializeError``. Messages never contain input bytes.

Per-key values (the POPRF tweak and its inverse, public keys, the composite seed) are
cached in-process so that the hot path is one scalar multiplication per element.
"""

from __future__ import annotations

import ctypes
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from functools import lru_cache
from typing import Any, Final

import pysodium

__all__ = [
    "CHALLENGE_LABEL",
    "COMPOSITE_LABEL",
    "CONTEXT_PREFIX",
    "DERIVE_KEY_PAIR_DST_PREFIX",
    "ELEMENT_BYTES",
    "FINALIZE_LABEL",
    "HASH_TO_GROUP_DST_PREFIX",
    "HASH_TO_SCALAR_DST_PREFIX",
    "INFO_LABEL",
    "MAX_BATCH",
    "OUTPUT_BYTES",
    "PROOF_BYTES",
    "SCALAR_BYTES",
    "SEED_BYTES",
    "SEED_DST_PREFIX",
    "SUITE_IDENTIFIER",
    "DeserializeError",
    "InvalidInputError",
    "KeyPair",
    "Mode",
    "OprfError",
    "VerifyError",
    "blind",
    "blind_evaluate_batch",
    "compute_composites",
    "compute_composites_fast",
    "context_string",
    "derive_key_pair",
    "deserialize_element",
    "deserialize_scalar",
    "evaluate",
    "expand_message_xmd",
    "finalize",
    "generate_key_pair",
    "generate_proof",
    "hash_to_group",
    "hash_to_scalar",
    "public_key_from_secret",
    "verify_and_finalize_batch",
    "verify_proof",
]

# -- Ciphersuite constants and domain-separation strings (RFC 9497 sections 3-4) --------------

SUITE_IDENTIFIER: Final = b"ristretto255-SHA512"
CONTEXT_PREFIX: Final = b"OPRFV1-"
HASH_TO_GROUP_DST_PREFIX: Final = b"HashToGroup-"
HASH_TO_SCALAR_DST_PREFIX: Final = b"HashToScalar-"
# No hyphen after "DeriveKeyPair": that is how RFC 9497 section 3.2.1 spells it.
DERIVE_KEY_PAIR_DST_PREFIX: Final = b"DeriveKeyPair"
SEED_DST_PREFIX: Final = b"Seed-"
INFO_LABEL: Final = b"Info"
FINALIZE_LABEL: Final = b"Finalize"
COMPOSITE_LABEL: Final = b"Composite"
CHALLENGE_LABEL: Final = b"Challenge"

ELEMENT_BYTES: Final = 32
SCALAR_BYTES: Final = 32
PROOF_BYTES: Final = 2 * SCALAR_BYTES
OUTPUT_BYTES: Final = 64
SEED_BYTES: Final = SCALAR_BYTES
MAX_BATCH: Final = 0xFFFF  # the batch index is I2OSP(i, 2)
_MAX_LEN: Final = 0xFFFF  # I2OSP(len(x), 2) length prefixes

_IDENTITY: Final = bytes(ELEMENT_BYTES)
_ZERO_SCALAR: Final = bytes(SCALAR_BYTES)
_SHA512_BLOCK: Final = 128
_SHA512_BYTES: Final = 64


class Mode(IntEnum):
    """Protocol variant (RFC 9497 section 3.1)."""

    OPRF = 0
    VOPRF = 1
    POPRF = 2


class OprfError(Exception):
    """Base class of every OPRF protocol failure."""


class DeserializeError(OprfError):
    """A byte string is not a valid, canonical, non-identity element or canonical scalar."""


class InvalidInputError(OprfError):
    """The input (or POPRF info) cannot be evaluated: it maps to the identity or a zero tweak."""


class VerifyError(OprfError):
    """A DLEQ proof is malformed or does not verify."""


@dataclass(frozen=True)
class KeyPair:
    """A server key pair: secret scalar ``skS`` and public element ``pkS``."""

    secret: bytes = field(repr=False)
    public: bytes


# -- Typed wrappers around libsodium -------------------------------------------------------
# The ctypes library is called directly: the return codes tell an identity result apart,
# and the hot path avoids pysodium's per-call argument checks (lengths are checked here).

_sodium: Any = pysodium.sodium


def _buffer() -> Any:
    return ctypes.create_string_buffer(ELEMENT_BYTES)


def _scalar_mult(scalar: bytes, element: bytes) -> bytes:
    """``scalar * element`` for an element already known to be a valid encoding."""
    out = _buffer()
    if _sodium.crypto_scalarmult_ristretto255(out, scalar, element) != 0:
        return _IDENTITY  # libsodium refuses to output the identity
    raw: bytes = out.raw
    return raw


def _scalar_mult_untrusted(scalar: bytes, element: bytes, what: str) -> bytes:
    """``scalar * element`` for a non-zero scalar and an element from outside.

    libsodium decodes the element (rejecting non-canonical and invalid encodings) and fails
    on an identity result, which for a non-zero scalar means an identity input.
    """
    if len(element) != ELEMENT_BYTES:
        raise DeserializeError(f"{what} must be {ELEMENT_BYTES} bytes")
    out = _buffer()
    if _sodium.crypto_scalarmult_ristretto255(out, scalar, element) != 0:
        raise DeserializeError(f"{what} is not a valid non-identity ristretto255 element")
    raw: bytes = out.raw
    return raw


def _scalar_mult_base(scalar: bytes) -> bytes:
    out = _buffer()
    if _sodium.crypto_scalarmult_ristretto255_base(out, scalar) != 0:
        return _IDENTITY
    raw: bytes = out.raw
    return raw


def _add(p: bytes, q: bytes) -> bytes:
    out = _buffer()
    if _sodium.crypto_core_ristretto255_add(out, p, q) != 0:
        raise OprfError("ristretto255 addition failed")  # only on invalid encodings
    raw: bytes = out.raw
    return raw


def _from_hash(uniform: bytes) -> bytes:
    out = _buffer()
    if _sodium.crypto_core_ristretto255_from_hash(out, uniform) != 0:
        raise OprfError("hash to ristretto255 failed")
    raw: bytes = out.raw
    return raw


def _is_valid_point(element: bytes) -> bool:
    return bool(_sodium.crypto_core_ristretto255_is_valid_point(element) == 1)


def _scalar_reduce(wide: bytes) -> bytes:
    out = _buffer()
    _sodium.crypto_core_ristretto255_scalar_reduce(out, wide)
    raw: bytes = out.raw
    return raw


def _scalar_invert(scalar: bytes) -> bytes:
    out = _buffer()
    if _sodium.crypto_core_ristretto255_scalar_invert(out, scalar) != 0:
        raise InvalidInputError("cannot invert the zero scalar")
    raw: bytes = out.raw
    return raw


def _scalar_add(x: bytes, y: bytes) -> bytes:
    out = _buffer()
    _sodium.crypto_core_ristretto255_scalar_add(out, x, y)
    raw: bytes = out.raw
    return raw


def _scalar_sub(x: bytes, y: bytes) -> bytes:
    out = _buffer()
    _sodium.crypto_core_ristretto255_scalar_sub(out, x, y)
    raw: bytes = out.raw
    return raw


def _scalar_mul(x: bytes, y: bytes) -> bytes:
    out = _buffer()
    _sodium.crypto_core_ristretto255_scalar_mul(out, x, y)
    raw: bytes = out.raw
    return raw


def _random_scalar() -> bytes:
    """RandomScalar(): a uniformly random non-zero scalar."""
    while True:
        out = _buffer()
        _sodium.crypto_core_ristretto255_scalar_random(out)
        raw: bytes = out.raw
        if raw != _ZERO_SCALAR:
            return raw


# -- Encoding helpers ----------------------------------------------------------------------


def _i2osp2(n: int) -> bytes:
    return n.to_bytes(2, "big")


def _framed(value: bytes) -> bytes:
    """``I2OSP(len(value), 2) || value``."""
    return len(value).to_bytes(2, "big") + value


def context_string(mode: Mode) -> bytes:
    """CreateContextString: ``"OPRFV1-" || I2OSP(mode, 1) || "-" || identifier``."""
    return CONTEXT_PREFIX + bytes([Mode(mode)]) + b"-" + SUITE_IDENTIFIER


_CONTEXT: Final = {mode: context_string(mode) for mode in Mode}
_HASH_TO_GROUP_DST: Final = {m: HASH_TO_GROUP_DST_PREFIX + c for m, c in _CONTEXT.items()}
_HASH_TO_SCALAR_DST: Final = {m: HASH_TO_SCALAR_DST_PREFIX + c for m, c in _CONTEXT.items()}
_DERIVE_KEY_PAIR_DST: Final = {m: DERIVE_KEY_PAIR_DST_PREFIX + c for m, c in _CONTEXT.items()}
_SEED_DST: Final = {m: SEED_DST_PREFIX + c for m, c in _CONTEXT.items()}

# SHA-512 state after absorbing Z_pad = I2OSP(0, s_in_bytes), reused by every expansion.
_Z_PAD_STATE: Final = hashlib.sha512(bytes(_SHA512_BLOCK))


def expand_message_xmd(msg: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 section 5.3.1 expand_message_xmd with SHA-512."""
    if len(dst) > 255:
        raise ValueError("DST longer than 255 bytes")
    ell = -(-length // _SHA512_BYTES)
    if length < 0 or ell > 255 or length > _MAX_LEN:
        raise ValueError("requested length out of range for expand_message_xmd")
    dst_prime = dst + bytes([len(dst)])
    state = _Z_PAD_STATE.copy()
    state.update(msg + _i2osp2(length) + b"\x00" + dst_prime)
    b_0 = state.digest()
    b_i = hashlib.sha512(b_0 + b"\x01" + dst_prime).digest()
    blocks = [b_i]
    for i in range(2, ell + 1):
        mixed = bytes(x ^ y for x, y in zip(b_0, b_i, strict=True))
        b_i = hashlib.sha512(mixed + bytes([i]) + dst_prime).digest()
        blocks.append(b_i)
    return b"".join(blocks)[:length]


def hash_to_group(input: bytes, mode: Mode) -> bytes:
    """HashToGroup: hash_to_ristretto255 with DST ``"HashToGroup-" || contextString``.

    Returns the serialized element; the identity comes back as 32 zero bytes.
    """
    return _from_hash(expand_message_xmd(input, _HASH_TO_GROUP_DST[mode], 64))


def hash_to_scalar(msg: bytes, mode: Mode, *, dst: bytes | None = None) -> bytes:
    """HashToScalar: expand to 64 bytes (default DST ``"HashToScalar-" || contextString``),
    read little-endian, reduce modulo the group order."""
    if dst is None:
        dst = _HASH_TO_SCALAR_DST[mode]
    return _scalar_reduce(expand_message_xmd(msg, dst, 64))


# -- (De)serialization ---------------------------------------------------------------------


def deserialize_element(data: bytes) -> bytes:
    """DeserializeElement: accept only a canonical, valid, non-identity encoding."""
    if len(data) != ELEMENT_BYTES:
        raise DeserializeError(f"element must be {ELEMENT_BYTES} bytes")
    if data == _IDENTITY:
        raise DeserializeError("element is the identity")
    if not _is_valid_point(data):
        raise DeserializeError("element is not a canonical ristretto255 encoding")
    return bytes(data)


def deserialize_scalar(data: bytes) -> bytes:
    """DeserializeScalar: 32 bytes little-endian, strictly below the group order."""
    if len(data) != SCALAR_BYTES:
        raise DeserializeError(f"scalar must be {SCALAR_BYTES} bytes")
    data = bytes(data)
    if _scalar_reduce(data + _ZERO_SCALAR) != data:
        raise DeserializeError("scalar is not reduced modulo the group order")
    return data


def _nonzero_scalar(data: bytes, what: str) -> bytes:
    scalar = deserialize_scalar(data)
    if scalar == _ZERO_SCALAR:
        raise DeserializeError(f"{what} must not be zero")
    return scalar


def _check_length(value: bytes, what: str) -> None:
    if len(value) > _MAX_LEN:
        raise InvalidInputError(f"{what} is longer than {_MAX_LEN} bytes")


def _check_info(mode: Mode, info: bytes) -> None:
    if mode != Mode.POPRF and info:
        raise ValueError("info is only defined for POPRF mode")
    _check_length(info, "info")


def _framed_info(info: bytes) -> bytes:
    return INFO_LABEL + _framed(info)


# -- Keys ------------------------------------------------------------------------------------


def derive_key_pair(seed: bytes, info: bytes, mode: Mode) -> KeyPair:
    """DeriveKeyPair (RFC 9497 section 3.2.1): a deterministic key pair from a 32-byte seed."""
    if len(seed) != SEED_BYTES:
        raise ValueError(f"seed must be {SEED_BYTES} bytes")
    if len(info) > _MAX_LEN:
        raise ValueError(f"info is longer than {_MAX_LEN} bytes")
    derive_input = bytes(seed) + _framed(info)
    dst = _DERIVE_KEY_PAIR_DST[mode]
    for counter in range(256):
        secret = hash_to_scalar(derive_input + bytes([counter]), mode, dst=dst)
        if secret != _ZERO_SCALAR:
            return KeyPair(secret=secret, public=_scalar_mult_base(secret))
    raise OprfError("DeriveKeyPair found no non-zero scalar")  # probability ~2^-2000


def generate_key_pair() -> KeyPair:
    """GenerateKeyPair: a random key pair (the same for every mode)."""
    secret = _random_scalar()
    return KeyPair(secret=secret, public=_scalar_mult_base(secret))


def public_key_from_secret(secret_key: bytes) -> bytes:
    """``pkS = G * skS`` for a valid secret key."""
    return _scalar_mult_base(_nonzero_scalar(secret_key, "secret key"))


# -- DLEQ proofs (RFC 9497 section 2.2) -------------------------------------------------------
# In all three modes A is the generator, so ``r * A`` and ``s * A`` use the base-point multiply.


def _composite_seed(b: bytes, mode: Mode) -> bytes:
    return hashlib.sha512(_framed(b) + _framed(_SEED_DST[mode])).digest()


def _composite_scalar(seed: bytes, i: int, c_i: bytes, d_i: bytes, mode: Mode) -> bytes:
    transcript = _framed(seed) + _i2osp2(i) + _framed(c_i) + _framed(d_i) + COMPOSITE_LABEL
    return hash_to_scalar(transcript, mode)


def _check_batch(c: Sequence[bytes], d: Sequence[bytes], error: type[Exception]) -> None:
    if len(c) != len(d):
        raise error("proof lists differ in length")
    if not 0 < len(c) <= MAX_BATCH:
        raise error(f"a proof covers 1 to {MAX_BATCH} elements")


def compute_composites_fast(
    k: bytes, b: bytes, c: Sequence[bytes], d: Sequence[bytes], *, mode: Mode
) -> tuple[bytes, bytes]:
    """ComputeCompositesFast: the server-side ``(M, Z)`` with ``Z = k * M``."""
    return _composites_fast(k, _composite_seed(b, mode), c, d, mode)


def _composites_fast(
    k: bytes, seed: bytes, c: Sequence[bytes], d: Sequence[bytes], mode: Mode
) -> tuple[bytes, bytes]:
    m = _IDENTITY
    for i, (c_i, d_i) in enumerate(zip(c, d, strict=True)):
        term = _scalar_mult(_composite_scalar(seed, i, c_i, d_i, mode), c_i)
        m = term if i == 0 else _add(term, m)
    return m, _scalar_mult(k, m)


def compute_composites(
    b: bytes, c: Sequence[bytes], d: Sequence[bytes], *, mode: Mode
) -> tuple[bytes, bytes]:
    """ComputeComposites: the verifier-side ``(M, Z)`` from both lists."""
    seed = _composite_seed(b, mode)
    m = z = _IDENTITY
    for i, (c_i, d_i) in enumerate(zip(c, d, strict=True)):
        d_scalar = _composite_scalar(seed, i, c_i, d_i, mode)
        m_term, z_term = _scalar_mult(d_scalar, c_i), _scalar_mult(d_scalar, d_i)
        if i == 0:
            m, z = m_term, z_term
        else:
            m, z = _add(m_term, m), _add(z_term, z)
    return m, z


def _challenge(b: bytes, m: bytes, z: bytes, t2: bytes, t3: bytes, mode: Mode) -> bytes:
    transcript = _framed(b) + _framed(m) + _framed(z) + _framed(t2) + _framed(t3) + CHALLENGE_LABEL
    return hash_to_scalar(transcript, mode)


def generate_proof(
    k: bytes,
    b: bytes,
    c: Sequence[bytes],
    d: Sequence[bytes],
    *,
    mode: Mode,
    proof_random: bytes | None = None,
) -> bytes:
    """GenerateProof with ``A = G``: prove ``k * G == B`` and ``k * C[i] == D[i]``.

    ``proof_random`` fixes the random scalar ``r`` (test vectors only); by default it is
    drawn from libsodium.
    """
    _check_batch(c, d, ValueError)
    return _generate_proof(k, b, _composite_seed(b, mode), c, d, mode, proof_random)


def _generate_proof(
    k: bytes,
    b: bytes,
    seed: bytes,
    c: Sequence[bytes],
    d: Sequence[bytes],
    mode: Mode,
    proof_random: bytes | None,
) -> bytes:
    m, z = _composites_fast(k, seed, c, d, mode)
    r = _random_scalar() if proof_random is None else _nonzero_scalar(proof_random, "r")
    t2 = _scalar_mult_base(r)
    t3 = _scalar_mult(r, m)
    challenge = _challenge(b, m, z, t2, t3, mode)
    response = _scalar_sub(r, _scalar_mul(challenge, k))
    return challenge + response


def verify_proof(
    b: bytes, c: Sequence[bytes], d: Sequence[bytes], proof: bytes, *, mode: Mode
) -> None:
    """VerifyProof with ``A = G``. Raises ``VerifyError``; returns nothing on success.

    ``b``, ``c`` and ``d`` are deserialized (validated) here, as they come from the server.
    """
    _check_batch(c, d, VerifyError)
    b = deserialize_element(b)
    c = [deserialize_element(e) for e in c]
    d = [deserialize_element(e) for e in d]
    if len(proof) != PROOF_BYTES:
        raise VerifyError(f"proof must be {PROOF_BYTES} bytes")
    try:
        challenge = deserialize_scalar(proof[:SCALAR_BYTES])
        response = deserialize_scalar(proof[SCALAR_BYTES:])
    except DeserializeError:
        raise VerifyError("proof is not two canonical scalars") from None
    m, z = compute_composites(b, c, d, mode=mode)
    t2 = _add(_scalar_mult_base(response), _scalar_mult(challenge, b))
    t3 = _add(_scalar_mult(response, m), _scalar_mult(challenge, z))
    expected = _challenge(b, m, z, t2, t3, mode)
    if not hmac.compare_digest(expected, challenge):
        raise VerifyError("proof does not verify")


# -- Server side -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ServerKey:
    """Per-(key, mode, info) values: the evaluation scalar and the proof statement."""

    public: bytes  # pkS
    eval_scalar: bytes  # skS, or 1/t in POPRF mode
    proof_scalar: bytes  # skS, or t in POPRF mode
    proof_public: bytes  # pkS, or the tweaked key G * t
    composite_seed: bytes  # the ComputeComposites seed for proof_public


@lru_cache(maxsize=256)
def _server_key(secret_key: bytes, mode: Mode, info: bytes) -> _ServerKey:
    secret = _nonzero_scalar(secret_key, "secret key")
    public = _scalar_mult_base(secret)
    if mode == Mode.POPRF:
        t = _scalar_add(secret, hash_to_scalar(_framed_info(info), mode))
        if t == _ZERO_SCALAR:
            raise InvalidInputError("info makes the POPRF tweak zero")
        tweaked = _scalar_mult_base(t)
        return _ServerKey(public, _scalar_invert(t), t, tweaked, _composite_seed(tweaked, mode))
    return _ServerKey(public, secret, secret, public, _composite_seed(public, mode))


def blind_evaluate_batch(
    secret_key: bytes,
    blinded_elements: Sequence[bytes],
    *,
    mode: Mode,
    public_key: bytes | None = None,
    info: bytes = b"",
    proof_random: bytes | None = None,
) -> tuple[list[bytes], bytes | None]:
    """BlindEvaluate for a batch: the evaluated elements and one proof (None in OPRF mode).

    ``public_key``, if given, must match ``secret_key``. ``proof_random`` fixes the proof's
    random scalar (test vectors only). Raises ``DeserializeError`` for a malformed blinded
    element and ``InvalidInputError`` for an empty or oversized batch or a zero POPRF tweak.
    """
    _check_info(mode, info)
    if not 0 < len(blinded_elements) <= MAX_BATCH:
        raise InvalidInputError(f"a batch holds 1 to {MAX_BATCH} elements")
    key = _server_key(bytes(secret_key), Mode(mode), bytes(info))
    if public_key is not None and not hmac.compare_digest(public_key, key.public):
        raise ValueError("public key does not belong to the secret key")
    k = key.eval_scalar
    evaluated = [_scalar_mult_untrusted(k, e, "blinded element") for e in blinded_elements]
    if mode == Mode.OPRF:
        if proof_random is not None:
            raise ValueError("OPRF mode has no proof")
        return evaluated, None
    blinded = [bytes(e) for e in blinded_elements]
    # VOPRF proves pkS = G*skS and D = skS*C over (blinded, evaluated); POPRF proves
    # tweakedKey = G*t and blinded = t*evaluated, hence the swapped lists.
    c, d = (evaluated, blinded) if mode == Mode.POPRF else (blinded, evaluated)
    proof = _generate_proof(
        key.proof_scalar, key.proof_public, key.composite_seed, c, d, mode, proof_random
    )
    return evaluated, proof


def evaluate(secret_key: bytes, input: bytes, *, mode: Mode, info: bytes = b"") -> bytes:
    """Evaluate: the PRF output computed directly by the key holder."""
    _check_info(mode, info)
    key = _server_key(bytes(secret_key), Mode(mode), bytes(info))
    element = _input_element(input, mode)
    return _output_hash(input, info, _scalar_mult(key.eval_scalar, element), mode)


# -- Client side -----------------------------------------------------------------------------


def _input_element(input: bytes, mode: Mode) -> bytes:
    _check_length(input, "input")
    element = hash_to_group(input, mode)
    if element == _IDENTITY:
        raise InvalidInputError("input maps to the identity element")
    return element


def _output_hash(input: bytes, info: bytes, element: bytes, mode: Mode) -> bytes:
    """The Finalize hash; POPRF mode binds ``info`` as well."""
    info_part = _framed(info) if mode == Mode.POPRF else b""
    return hashlib.sha512(_framed(input) + info_part + _framed(element) + FINALIZE_LABEL).digest()


def blind(input: bytes, mode: Mode, *, blind: bytes | None = None) -> tuple[bytes, bytes]:
    """Blind: returns ``(blind, blindedElement)``.

    ``blind`` fixes the blinding scalar (test vectors only). The POPRF tweaked key of RFC
    9497's Blind is computed (and checked) in ``verify_and_finalize_batch``.
    """
    scalar = _random_scalar() if blind is None else _nonzero_scalar(blind, "blind")
    return scalar, _scalar_mult(scalar, _input_element(input, mode))


def finalize(
    input: bytes, blind: bytes, evaluated_element: bytes, mode: Mode, *, info: bytes = b""
) -> bytes:
    """Unblind and hash one evaluated element. Does NOT check a proof: in VOPRF and POPRF
    mode use ``verify_and_finalize_batch``."""
    _check_info(mode, info)
    _check_length(input, "input")
    inverse = _scalar_invert(_nonzero_scalar(blind, "blind"))
    unblinded = _scalar_mult_untrusted(inverse, evaluated_element, "evaluated element")
    return _output_hash(input, info, unblinded, mode)


@lru_cache(maxsize=256)
def _client_proof_key(public_key: bytes, mode: Mode, info: bytes) -> bytes:
    """The proof statement's B: pkS, or in POPRF mode tweakedKey = G * m + pkS."""
    public = deserialize_element(public_key)
    if mode != Mode.POPRF:
        return public
    tweak = hash_to_scalar(_framed_info(info), mode)
    tweaked = _add(_scalar_mult_base(tweak), public)
    if tweaked == _IDENTITY:
        raise InvalidInputError("info makes the POPRF tweaked key the identity")
    return tweaked


def verify_and_finalize_batch(
    inputs: Sequence[bytes],
    blinds: Sequence[bytes],
    blinded_elements: Sequence[bytes],
    evaluated_elements: Sequence[bytes],
    proof: bytes | None,
    *,
    mode: Mode,
    public_key: bytes | None = None,
    info: bytes = b"",
) -> list[bytes]:
    """Verify the server's batch proof (VOPRF, POPRF) and Finalize every input.

    Raises ``VerifyError`` if the proof is missing, malformed or wrong, or the server
    returned a different number of elements; ``DeserializeError`` for malformed elements.
    In OPRF mode there is no proof: pass ``proof=None``.
    """
    _check_info(mode, info)
    if not len(inputs) == len(blinds) == len(blinded_elements):
        raise ValueError("inputs, blinds and blinded elements differ in length")
    if len(evaluated_elements) != len(blinded_elements):
        raise VerifyError("server returned a different number of evaluated elements")
    if mode == Mode.OPRF:
        if proof is not None:
            raise ValueError("OPRF mode has no proof")
    else:
        if public_key is None:
            raise ValueError(f"{mode.name} mode needs the server's public key")
        if proof is None:
            raise VerifyError("proof is missing")
        b = _client_proof_key(bytes(public_key), Mode(mode), bytes(info))
        c, d = (
            (evaluated_elements, blinded_elements)
            if mode == Mode.POPRF
            else (blinded_elements, evaluated_elements)
        )
        verify_proof(b, c, d, proof, mode=mode)
    return [
        finalize(x, r, e, mode, info=info)
        for x, r, e in zip(inputs, blinds, evaluated_elements, strict=True)
    ]
