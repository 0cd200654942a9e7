"""Behaviour of crypto.oprf beyond the known-answer vectors: rejection and properties."""

from __future__ import annotations

import pysodium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import oprf
from crypto.oprf import (
    DeserializeError,
    InvalidInputError,
    KeyPair,
    Mode,
    OprfError,
    VerifyError,
)

VERIFIABLE = [Mode.VOPRF, Mode.POPRF]
ALL_MODES = list(Mode)
INFO = b"bsn|2026"

# p = 2^255 - 19 little-endian: a non-canonical encoding (of the identity).
FIELD_PRIME = ((1 << 255) - 19).to_bytes(32, "little")
# The group order L little-endian: a non-canonical scalar.
GROUP_ORDER = ((1 << 252) + 27742317777372353535851937790883648493).to_bytes(32, "little")
MALFORMED_ELEMENTS = {
    "empty": b"",
    "short": bytes(31),
    "long": bytes(33),
    "identity": bytes(32),
    "odd-s (negative field element)": b"\x01" + bytes(31),
    "non-canonical p": FIELD_PRIME,
    "all-ff": b"\xff" * 32,
}


def _info(mode: Mode) -> bytes:
    return INFO if mode == Mode.POPRF else b""


def _key(mode: Mode) -> KeyPair:
    return oprf.derive_key_pair(bytes(range(32)), b"test key", mode)


def _exchange(
    mode: Mode, inputs: list[bytes], key: KeyPair | None = None
) -> tuple[list[bytes], list[bytes], list[bytes], bytes | None]:
    """Blind and blind-evaluate a batch; returns (blinds, blinded, evaluated, proof)."""
    key = key or _key(mode)
    blinds, blinded = zip(*(oprf.blind(x, mode) for x in inputs), strict=True)
    evaluated, proof = oprf.blind_evaluate_batch(
        key.secret, list(blinded), mode=mode, info=_info(mode)
    )
    return list(blinds), list(blinded), evaluated, proof


def _finalize(
    mode: Mode,
    inputs: list[bytes],
    exchange: tuple[list[bytes], list[bytes], list[bytes], bytes | None],
    *,
    public_key: bytes | None = None,
    info: bytes | None = None,
) -> list[bytes]:
    blinds, blinded, evaluated, proof = exchange
    return oprf.verify_and_finalize_batch(
        inputs,
        blinds,
        blinded,
        evaluated,
        proof,
        mode=mode,
        public_key=_key(mode).public if public_key is None else public_key,
        info=_info(mode) if info is None else info,
    )


def _flip(data: bytes, index: int) -> bytes:
    changed = bytearray(data)
    changed[index] ^= 0x01
    return bytes(changed)


def test_error_hierarchy() -> None:
    for error in (DeserializeError, InvalidInputError, VerifyError):
        assert issubclass(error, OprfError)


def test_key_pair_repr_hides_secret() -> None:
    key = _key(Mode.VOPRF)
    assert key.secret.hex() not in repr(key)
    assert str(key.secret) not in repr(key)


# -- Proof verification fails closed ----------------------------------------------------------


@pytest.mark.parametrize("mode", VERIFIABLE, ids=lambda m: m.name)
@pytest.mark.parametrize("index", [0, 17, 31, 32, 50, 63])
def test_tampered_proof_is_rejected(mode: Mode, index: int) -> None:
    inputs = [b"alpha", b"beta"]
    blinds, blinded, evaluated, proof = _exchange(mode, inputs)
    assert proof is not None
    with pytest.raises(VerifyError):
        _finalize(mode, inputs, (blinds, blinded, evaluated, _flip(proof, index)))


@pytest.mark.parametrize("mode", VERIFIABLE, ids=lambda m: m.name)
def test_wrong_public_key_is_rejected(mode: Mode) -> None:
    inputs = [b"alpha"]
    exchange = _exchange(mode, inputs)
    other = oprf.generate_key_pair()
    with pytest.raises(VerifyError):
        _finalize(mode, inputs, exchange, public_key=other.public)


@pytest.mark.parametrize("mode", VERIFIABLE, ids=lambda m: m.name)
def test_evaluation_with_another_key_is_rejected(mode: Mode) -> None:
    """A server that evaluates with a key other than the published one is caught."""
    inputs = [b"alpha", b"beta"]
    exchange = _exchange(mode, inputs, key=oprf.generate_key_pair())
    with pytest.raises(VerifyError):
        _finalize(mode, inputs, exchange)


@pytest.mark.parametrize("mode", VERIFIABLE, ids=lambda m: m.name)
def test_substituted_evaluated_element_is_rejected(mode: Mode) -> None:
    inputs = [b"alpha", b"beta"]
    blinds, blinded, evaluated, proof = _exchange(mode, inputs)
    swapped = [evaluated[1], evaluated[0]]
    with pytest.raises(VerifyError):
        _finalize(mode, inputs, (blinds, blinded, swapped, proof))
    forged = [evaluated[0], oprf.hash_to_group(b"forged", mode)]
    with pytest.raises(VerifyError):
        _finalize(mode, inputs, (blinds, blinded, forged, proof))


def test_proof_for_one_info_does_not_verify_under_another() -> None:
    mode = Mode.POPRF
    inputs = [b"123456782"]
    exchange = _exchange(mode, inputs)
    with pytest.raises(VerifyError):
        _finalize(mode, inputs, exchange, info=b"kvk|2026")
    with pytest.raises(VerifyError):
        _finalize(mode, inputs, exchange, info=b"bsn|2027")


@pytest.mark.parametrize("mode", VERIFIABLE, ids=lambda m: m.name)
def test_missing_or_short_proof_and_count_mismatch_are_rejected(mode: Mode) -> None:
    inputs = [b"alpha", b"beta"]
    blinds, blinded, evaluated, proof = _exchange(mode, inputs)
    assert proof is not None
    with pytest.raises(VerifyError):
        _finalize(mode, inputs, (blinds, blinded, evaluated, None))
    with pytest.raises(VerifyError):
        _finalize(mode, inputs, (blinds, blinded, evaluated, proof[:63]))
    with pytest.raises(VerifyError):
        _finalize(mode, inputs, (blinds, blinded, evaluated[:1], proof))


@pytest.mark.parametrize("mode", VERIFIABLE, ids=lambda m: m.name)
def test_proof_scalars_must_be_canonical(mode: Mode) -> None:
    inputs = [b"alpha"]
    blinds, blinded, evaluated, proof = _exchange(mode, inputs)
    assert proof is not None
    for bad in (GROUP_ORDER + proof[32:], proof[:32] + GROUP_ORDER):
        with pytest.raises(VerifyError):
            _finalize(mode, inputs, (blinds, blinded, evaluated, bad))


# -- Deserialization ------------------------------------------------------------------------


@pytest.mark.parametrize("data", MALFORMED_ELEMENTS.values(), ids=MALFORMED_ELEMENTS.keys())
def test_deserialize_element_rejects(data: bytes) -> None:
    with pytest.raises(DeserializeError):
        oprf.deserialize_element(data)


def test_deserialize_element_accepts_valid_elements() -> None:
    element = oprf.hash_to_group(b"x", Mode.OPRF)
    assert oprf.deserialize_element(element) == element
    assert oprf.deserialize_element(_key(Mode.VOPRF).public) == _key(Mode.VOPRF).public


@pytest.mark.parametrize("mode", ALL_MODES, ids=lambda m: m.name)
@pytest.mark.parametrize("data", MALFORMED_ELEMENTS.values(), ids=MALFORMED_ELEMENTS.keys())
def test_server_rejects_malformed_blinded_element(mode: Mode, data: bytes) -> None:
    _, good = oprf.blind(b"alpha", mode)
    with pytest.raises(DeserializeError):
        oprf.blind_evaluate_batch(_key(mode).secret, [good, data], mode=mode, info=_info(mode))


@pytest.mark.parametrize("mode", ALL_MODES, ids=lambda m: m.name)
@pytest.mark.parametrize("data", MALFORMED_ELEMENTS.values(), ids=MALFORMED_ELEMENTS.keys())
def test_client_rejects_malformed_evaluated_element(mode: Mode, data: bytes) -> None:
    inputs = [b"alpha"]
    blinds, blinded, _, proof = _exchange(mode, inputs)
    with pytest.raises(DeserializeError):
        _finalize(mode, inputs, (blinds, blinded, [data], proof))
    with pytest.raises(DeserializeError):
        oprf.finalize(inputs[0], blinds[0], data, mode, info=_info(mode))


@pytest.mark.parametrize("mode", VERIFIABLE, ids=lambda m: m.name)
@pytest.mark.parametrize("data", MALFORMED_ELEMENTS.values(), ids=MALFORMED_ELEMENTS.keys())
def test_client_rejects_malformed_public_key(mode: Mode, data: bytes) -> None:
    inputs = [b"alpha"]
    exchange = _exchange(mode, inputs)
    with pytest.raises(DeserializeError):
        _finalize(mode, inputs, exchange, public_key=data)


@pytest.mark.parametrize(
    "data", [b"", bytes(31), GROUP_ORDER, b"\xff" * 32], ids=["empty", "short", "L", "all-ff"]
)
def test_deserialize_scalar_rejects(data: bytes) -> None:
    with pytest.raises(DeserializeError):
        oprf.deserialize_scalar(data)


def test_zero_scalars_are_rejected_where_they_break_the_protocol() -> None:
    with pytest.raises(DeserializeError):
        oprf.blind(b"alpha", Mode.OPRF, blind=bytes(32))
    with pytest.raises(DeserializeError):
        oprf.evaluate(bytes(32), b"alpha", mode=Mode.OPRF)
    with pytest.raises(DeserializeError):
        oprf.public_key_from_secret(bytes(32))


def test_error_messages_do_not_echo_input() -> None:
    secret_looking = b"\x12\x34\x56\x78" * 8
    for call in (
        lambda: oprf.deserialize_element(secret_looking),
        lambda: oprf.deserialize_scalar(b"\xff" + secret_looking[1:]),
        lambda: oprf.blind(secret_looking * 2100, Mode.OPRF),
    ):
        with pytest.raises(OprfError) as caught:
            call()
        message = str(caught.value)
        assert "1234" not in message and "\\x12" not in message


# -- Invalid inputs and misuse -----------------------------------------------------------------


def test_empty_and_oversized_batches_are_rejected() -> None:
    key = _key(Mode.VOPRF)
    with pytest.raises(InvalidInputError):
        oprf.blind_evaluate_batch(key.secret, [], mode=Mode.VOPRF)
    _, blinded = oprf.blind(b"alpha", Mode.VOPRF)
    with pytest.raises(InvalidInputError):
        oprf.blind_evaluate_batch(key.secret, [blinded] * (oprf.MAX_BATCH + 1), mode=Mode.VOPRF)


def test_overlong_input_is_rejected() -> None:
    with pytest.raises(InvalidInputError):
        oprf.blind(bytes(0x10000), Mode.OPRF)
    with pytest.raises(InvalidInputError):
        oprf.evaluate(_key(Mode.POPRF).secret, b"x", mode=Mode.POPRF, info=bytes(0x10000))


def test_poprf_tweak_that_makes_zero_is_rejected() -> None:
    """A secret key equal to -HashToScalar(framedInfo) has no tweaked inverse."""
    info = b"bsn|2026"
    m = oprf.hash_to_scalar(oprf.INFO_LABEL + len(info).to_bytes(2, "big") + info, Mode.POPRF)
    secret = pysodium.crypto_core_ristretto255_scalar_negate(m)
    public = oprf.public_key_from_secret(secret)
    blind, blinded = oprf.blind(b"alpha", Mode.POPRF)
    with pytest.raises(InvalidInputError):
        oprf.blind_evaluate_batch(secret, [blinded], mode=Mode.POPRF, info=info)
    with pytest.raises(InvalidInputError):
        oprf.evaluate(secret, b"alpha", mode=Mode.POPRF, info=info)
    # The client refuses too: its tweaked key would be the identity.
    evaluated = oprf.hash_to_group(b"anything", Mode.POPRF)
    with pytest.raises(InvalidInputError):
        oprf.verify_and_finalize_batch(
            [b"alpha"],
            [blind],
            [blinded],
            [evaluated],
            bytes(64),
            mode=Mode.POPRF,
            public_key=public,
            info=info,
        )


def test_info_outside_poprf_is_a_programming_error() -> None:
    key = _key(Mode.VOPRF)
    with pytest.raises(ValueError):
        oprf.evaluate(key.secret, b"x", mode=Mode.VOPRF, info=b"bsn|2026")


def test_public_key_must_match_the_secret_key() -> None:
    key = _key(Mode.VOPRF)
    _, blinded = oprf.blind(b"alpha", Mode.VOPRF)
    with pytest.raises(ValueError):
        oprf.blind_evaluate_batch(
            key.secret, [blinded], mode=Mode.VOPRF, public_key=oprf.generate_key_pair().public
        )


def test_oprf_mode_has_no_proof() -> None:
    inputs = [b"alpha"]
    blinds, blinded, evaluated, proof = _exchange(Mode.OPRF, inputs)
    assert proof is None
    assert _finalize(Mode.OPRF, inputs, (blinds, blinded, evaluated, None)) == [
        oprf.evaluate(_key(Mode.OPRF).secret, b"alpha", mode=Mode.OPRF)
    ]


def test_blinding_is_randomised() -> None:
    first = oprf.blind(b"alpha", Mode.OPRF)
    second = oprf.blind(b"alpha", Mode.OPRF)
    assert first[0] != second[0] and first[1] != second[1]


def test_proofs_are_randomised_and_both_verify() -> None:
    key = _key(Mode.VOPRF)
    _, blinded = oprf.blind(b"alpha", Mode.VOPRF)
    _, proof_1 = oprf.blind_evaluate_batch(key.secret, [blinded], mode=Mode.VOPRF)
    evaluated, proof_2 = oprf.blind_evaluate_batch(key.secret, [blinded], mode=Mode.VOPRF)
    assert proof_1 is not None and proof_2 is not None and proof_1 != proof_2
    for proof in (proof_1, proof_2):
        oprf.verify_proof(key.public, [blinded], evaluated, proof, mode=Mode.VOPRF)


def test_expand_message_xmd_lengths() -> None:
    """Longer expansions are prefix-free of shorter ones and match RFC 9380's length rules."""
    long = oprf.expand_message_xmd(b"abc", b"DST", 200)
    assert len(long) == 200
    assert oprf.expand_message_xmd(b"abc", b"DST", 64) != long[:64]  # length is hashed in
    with pytest.raises(ValueError):
        oprf.expand_message_xmd(b"abc", b"D" * 256, 64)
    with pytest.raises(ValueError):
        oprf.expand_message_xmd(b"abc", b"DST", 255 * 64 + 1)


# -- Properties -------------------------------------------------------------------------------

inputs_strategy = st.binary(min_size=0, max_size=64)
seeds = st.binary(min_size=32, max_size=32)
infos = st.binary(min_size=0, max_size=32)


@settings(max_examples=40, deadline=None)
@given(
    mode=st.sampled_from(ALL_MODES),
    seed=seeds,
    inputs=st.lists(inputs_strategy, min_size=1, max_size=4),
    info=infos,
)
def test_protocol_output_equals_evaluate(
    mode: Mode, seed: bytes, inputs: list[bytes], info: bytes
) -> None:
    info = info if mode == Mode.POPRF else b""
    key = oprf.derive_key_pair(seed, b"", mode)
    pairs = [oprf.blind(x, mode) for x in inputs]
    blinds = [b for b, _ in pairs]
    blinded = [e for _, e in pairs]
    evaluated, proof = oprf.blind_evaluate_batch(key.secret, blinded, mode=mode, info=info)
    outputs = oprf.verify_and_finalize_batch(
        inputs, blinds, blinded, evaluated, proof, mode=mode, public_key=key.public, info=info
    )
    assert outputs == [oprf.evaluate(key.secret, x, mode=mode, info=info) for x in inputs]
    assert all(len(out) == oprf.OUTPUT_BYTES for out in outputs)
    for x, r, e, out in zip(inputs, blinds, evaluated, outputs, strict=True):
        assert oprf.finalize(x, r, e, mode, info=info) == out


@settings(max_examples=40, deadline=None)
@given(seed=seeds, input=inputs_strategy, info_a=infos, info_b=infos)
def test_different_info_gives_different_output(
    seed: bytes, input: bytes, info_a: bytes, info_b: bytes
) -> None:
    key = oprf.derive_key_pair(seed, b"", Mode.POPRF)
    out_a = oprf.evaluate(key.secret, input, mode=Mode.POPRF, info=info_a)
    out_b = oprf.evaluate(key.secret, input, mode=Mode.POPRF, info=info_b)
    assert (out_a == out_b) == (info_a == info_b)


@settings(max_examples=25, deadline=None)
@given(seed=seeds, input_a=inputs_strategy, input_b=inputs_strategy)
def test_outputs_separate_inputs_keys_and_modes(
    seed: bytes, input_a: bytes, input_b: bytes
) -> None:
    key = oprf.derive_key_pair(seed, b"", Mode.OPRF)
    out_a = oprf.evaluate(key.secret, input_a, mode=Mode.OPRF)
    out_b = oprf.evaluate(key.secret, input_b, mode=Mode.OPRF)
    assert (out_a == out_b) == (input_a == input_b)
    assert out_a != oprf.evaluate(key.secret, input_a, mode=Mode.VOPRF)
    assert out_a != oprf.evaluate(oprf.generate_key_pair().secret, input_a, mode=Mode.OPRF)
