"""Signed checkpoints (C2SP tlog-checkpoint over signed-note, Ed25519)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.checkpoint import (
    SIGNATURE_PREFIX,
    Checkpoint,
    CheckpointError,
    CheckpointSigner,
    NoteSignature,
    generate_signing_key,
    key_id,
    load_private_key_pem,
    load_private_key_raw,
    load_public_key_raw,
    parse_signed_checkpoint,
    parse_verifier_key,
    private_key_to_pem,
    private_key_to_raw,
    public_key_to_raw,
    verifier_key_string,
    verify_checkpoint,
)

ORIGIN = "betrokken.example/audit"
ROOT = hashlib.sha256(b"a root").digest()
EM_DASH = "\u2014"

# Published example of golang.org/x/mod/sumdb/note (a public test key, not a secret).
GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIGNATURE = (
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
)


@pytest.fixture(scope="module")
def signer() -> CheckpointSigner:
    return CheckpointSigner(generate_signing_key(), ORIGIN)


@pytest.fixture(scope="module")
def signed(signer: CheckpointSigner) -> str:
    return signer.sign(Checkpoint(origin=ORIGIN, size=42, root_hash=ROOT))


def _go_signer() -> CheckpointSigner:
    seed = base64.b64decode(GO_SIGNER_KEY.split("+", 4)[4])[1:]
    return CheckpointSigner(load_private_key_raw(seed), "PeterNeumann")


# --- format and round trip --------------------------------------------------------------------


def test_signed_checkpoint_has_the_c2sp_layout(signer: CheckpointSigner, signed: str) -> None:
    body, signature_line = signed.split("\n\n")
    assert body == f"{ORIGIN}\n42\n{base64.b64encode(ROOT).decode()}"
    assert signature_line.startswith(f"{EM_DASH} {ORIGIN} ")
    assert signature_line.endswith("\n")
    raw = base64.b64decode(signature_line.split(" ")[2])
    assert len(raw) == 4 + 64
    assert raw[:4] == signer.key_id


def test_sign_and_verify_round_trip(signer: CheckpointSigner, signed: str) -> None:
    checkpoint = verify_checkpoint(signed, signer.verifier_key())
    assert checkpoint == Checkpoint(origin=ORIGIN, size=42, root_hash=ROOT)
    assert verify_checkpoint(signed.encode(), signer.verifier_key()) == checkpoint
    assert verify_checkpoint(signed, signer.verifier_key(), expected_origin=ORIGIN) == checkpoint


@settings(max_examples=50)
@given(
    size=st.integers(min_value=0, max_value=2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(
        st.text(alphabet=st.characters(min_codepoint=0x20, exclude_categories=["Cs"]), min_size=1),
        max_size=3,
    ),
)
def test_round_trip_any_checkpoint(
    signer: CheckpointSigner, size: int, root: bytes, extensions: list[str]
) -> None:
    checkpoint = Checkpoint(origin=ORIGIN, size=size, root_hash=root, extensions=tuple(extensions))
    text = signer.sign(checkpoint)
    assert verify_checkpoint(text, signer.verifier_key()) == checkpoint
    parsed, signatures = parse_signed_checkpoint(text)
    assert parsed == checkpoint
    assert [signature.line() for signature in signatures] == [text.split("\n\n")[-1]]


def test_checkpoint_body_of_the_empty_tree() -> None:
    empty = Checkpoint(origin=ORIGIN, size=0, root_hash=hashlib.sha256(b"").digest())
    assert empty.body() == (f"{ORIGIN}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n").encode()


def test_go_note_known_answer() -> None:
    """Same key id, verifier key and signature bytes as the Go reference implementation."""
    go = _go_signer()
    assert go.verifier_key() == GO_VERIFIER_KEY
    assert go.key_id.hex() == "c74f20a3"
    signature = load_private_key_raw(base64.b64decode(GO_SIGNER_KEY.split("+", 4)[4])[1:]).sign(
        GO_TEXT.encode()
    )
    assert base64.b64encode(go.key_id + signature).decode() == GO_SIGNATURE


# --- tampering ---------------------------------------------------------------------------------


def test_every_single_byte_change_is_detected(signer: CheckpointSigner) -> None:
    text = signer.sign(Checkpoint(origin="o.example/l", size=7, root_hash=ROOT))
    data = text.encode()
    verifier_key = signer.verifier_key()
    for position, original in enumerate(data):
        for replacement in {original ^ 0x01, original ^ 0x20, original ^ 0x80, ord("A")}:
            if replacement == original:
                continue
            tampered = data[:position] + bytes([replacement]) + data[position + 1 :]
            with pytest.raises(CheckpointError):
                verify_checkpoint(tampered, verifier_key)


def test_every_single_character_change_is_detected(signer: CheckpointSigner) -> None:
    text = signer.sign(Checkpoint(origin="o.example/l", size=7, root_hash=ROOT))
    verifier_key = signer.verifier_key()
    for position, original in enumerate(text):
        for replacement in ("B", "\n", " ", "+", "=", "0", EM_DASH):
            if replacement == original:
                continue
            with pytest.raises(CheckpointError):
                verify_checkpoint(
                    text[:position] + replacement + text[position + 1 :], verifier_key
                )


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: t.split("\n\n")[0] + "\n", "no blank line"),
        (lambda t: t.split("\n\n")[0] + "\n\n", "no signature"),
        (lambda t: t + "trailing", "trailing data"),
        (lambda t: t + "\n", "empty line"),
        (lambda t: t.replace(EM_DASH, "-"), "em dash"),
        (lambda t: t.replace("\n42\n", "\n042\n"), "canonical decimal"),
        (lambda t: t.replace("\n42\n", "\n+42\n"), "canonical decimal"),
        (lambda t: t.replace("\n42\n", "\n\u0664\u0662\n"), "canonical decimal"),
        (lambda t: t.replace("\n42\n", "\n 42\n"), "canonical decimal"),
        (lambda t: t.replace("\n42\n", f"\n{2**64}\n"), "outside"),
        (lambda t: t.replace("=\n\n", "\n\n"), "root hash is not valid base64"),
        (lambda t: t.replace("=\n\n", "=\n\nextra\n\n"), "empty line"),
        (lambda t: t.replace("\n42\n", "\n42\n\n"), "empty line"),
        (lambda t: t.replace("\n42\n", "\n42\r\n"), "control character"),
        (lambda t: t.replace("\n42\n", "\n"), "origin, tree size and root hash"),
        (lambda t: t[: t.rindex(" ") + 1] + "!!!!\n", "not valid base64"),
        (lambda t: t[: t.rindex(" ") + 1] + "AAAAAA==\n", "too short"),
        (lambda t: t[: t.rindex(" ") + 1] + "\n", "too short"),
        (lambda t: t.replace(f"{EM_DASH} {ORIGIN} ", f"{EM_DASH} {ORIGIN}"), "no signature after"),
        (lambda t: t.replace(f"{EM_DASH} {ORIGIN} ", f"{EM_DASH} {ORIGIN}+x "), "key name"),
        (lambda t: "\ufeff" + t, "does not verify"),
        (lambda t: t.replace(ORIGIN, "x", 1), "does not verify"),
    ],
)
def test_malformations_are_named(
    signer: CheckpointSigner, signed: str, mutate: object, message: str
) -> None:
    assert callable(mutate)
    with pytest.raises(CheckpointError, match=message):
        verify_checkpoint(mutate(signed), signer.verifier_key())


def test_non_canonical_base64_padding_bits_are_rejected(
    signer: CheckpointSigner, signed: str
) -> None:
    encoded_root = base64.b64encode(ROOT).decode()
    # 32 bytes leave two unused bits in the last base64 digit: set one of them.
    last = encoded_root[-2]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    sloppy = encoded_root[:-2] + alphabet[alphabet.index(last) ^ 1] + "="
    assert base64.b64decode(sloppy) == ROOT
    with pytest.raises(CheckpointError, match="root hash is not canonical base64"):
        verify_checkpoint(signed.replace(encoded_root, sloppy), signer.verifier_key())


def test_invalid_utf8_is_rejected(signer: CheckpointSigner, signed: str) -> None:
    with pytest.raises(CheckpointError, match="UTF-8"):
        verify_checkpoint(signed.encode().replace(b"42", b"4\xff"), signer.verifier_key())


def test_too_many_signatures_are_rejected(signer: CheckpointSigner, signed: str) -> None:
    line = signed.split("\n\n")[1]
    with pytest.raises(CheckpointError, match="more than 100"):
        parse_signed_checkpoint(signed + line * 100)


# --- keys ----------------------------------------------------------------------------------------


def test_wrong_key_is_rejected(signed: str) -> None:
    other = CheckpointSigner(generate_signing_key(), ORIGIN)
    with pytest.raises(CheckpointError, match="no signature by key"):
        verify_checkpoint(signed, other.verifier_key())


def test_signature_by_another_key_under_the_same_key_id_is_rejected(
    signer: CheckpointSigner,
) -> None:
    checkpoint = Checkpoint(origin=ORIGIN, size=42, root_hash=ROOT)
    forged = NoteSignature(
        key_name=ORIGIN,
        key_id=signer.key_id,
        signature=generate_signing_key().sign(checkpoint.body()),
    )
    text = checkpoint.body().decode() + "\n" + forged.line()
    with pytest.raises(CheckpointError, match="does not verify"):
        verify_checkpoint(text, signer.verifier_key())


def test_origin_must_match_when_expected(signer: CheckpointSigner) -> None:
    text = signer.sign(Checkpoint(origin="other.example/log", size=1, root_hash=ROOT))
    verify_checkpoint(text, signer.verifier_key())
    with pytest.raises(CheckpointError, match="origin"):
        verify_checkpoint(text, signer.verifier_key(), expected_origin=ORIGIN)


def test_unknown_cosignatures_are_ignored(signer: CheckpointSigner, signed: str) -> None:
    witness = CheckpointSigner(generate_signing_key(), "witness.example/w1")
    checkpoint, _ = parse_signed_checkpoint(signed)
    cosigned = signed + witness.sign(checkpoint).split("\n\n")[1]
    assert verify_checkpoint(cosigned, signer.verifier_key()) == checkpoint
    assert verify_checkpoint(cosigned, witness.verifier_key()) == checkpoint
    _, signatures = parse_signed_checkpoint(cosigned)
    assert [s.key_name for s in signatures] == [ORIGIN, "witness.example/w1"]


def test_verifier_key_round_trips(signer: CheckpointSigner) -> None:
    text = signer.verifier_key()
    name, hex_id, encoded = text.split("+", 2)
    assert name == ORIGIN
    assert hex_id == signer.key_id.hex()
    assert base64.b64decode(encoded) == b"\x01" + signer.public_key
    parsed = parse_verifier_key(text)
    assert (parsed.name, parsed.key_id, parsed.public_key) == (
        ORIGIN,
        signer.key_id,
        signer.public_key,
    )
    assert str(parsed) == text
    assert verifier_key_string(ORIGIN, signer.public_key) == text
    assert parse_verifier_key(GO_VERIFIER_KEY).key_id == bytes.fromhex("c74f20a3")


def test_key_id_is_the_c2sp_hash(signer: CheckpointSigner) -> None:
    expected = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + signer.public_key).digest()[:4]
    assert key_id(ORIGIN, signer.public_key) == expected == signer.key_id


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda k: k.replace("+", "-", 1), "form"),
        (lambda k: "other" + k, "does not match"),
        (lambda k: k.replace("+c74f20a3+", "+c74f20a4+"), "does not match"),
        (lambda k: k.replace("+c74f20a3+", "+C74F20A3+"), "8 lowercase hex"),
        (lambda k: k.replace("+c74f20a3+", "+c74f20+"), "8 lowercase hex"),
        (lambda k: k.replace("+ARpc", "+Apc"), "not valid base64"),
        (lambda k: k[:-4], "32 bytes"),
        (lambda k: " " + k, "space"),
        (lambda k: "+" + k, "empty"),
    ],
)
def test_malformed_verifier_keys_are_named(mutate: object, message: str) -> None:
    assert callable(mutate)
    with pytest.raises(CheckpointError, match=message):
        parse_verifier_key(mutate(GO_VERIFIER_KEY))


def test_verifier_key_of_another_algorithm_is_refused() -> None:
    public = bytes(range(32))
    text = f"n+{key_id('n', public).hex()}+" + base64.b64encode(b"\x02" + public).decode()
    with pytest.raises(CheckpointError, match="not an Ed25519 key"):
        parse_verifier_key(text)


def test_private_key_pem_and_raw_round_trip(signer: CheckpointSigner, signed: str) -> None:
    key = generate_signing_key()
    from_pem = load_private_key_pem(private_key_to_pem(key))
    from_raw = load_private_key_raw(private_key_to_raw(key))
    assert private_key_to_raw(from_pem) == private_key_to_raw(key)
    assert private_key_to_raw(from_raw) == private_key_to_raw(key)
    assert private_key_to_pem(key).startswith(b"-----BEGIN PRIVATE KEY-----")
    public = public_key_to_raw(key.public_key())
    assert public_key_to_raw(load_public_key_raw(public)) == public
    # A signer rebuilt from the stored key produces checkpoints the old verifier key accepts.
    rebuilt = CheckpointSigner(from_pem, ORIGIN)
    assert rebuilt.verifier_key() == CheckpointSigner(key, ORIGIN).verifier_key()


def test_loading_a_non_ed25519_key_fails() -> None:
    pem = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(CheckpointError, match="not an Ed25519 key"):
        load_private_key_pem(pem)
    with pytest.raises(CheckpointError, match="cannot load"):
        load_private_key_pem(b"not a key")
    with pytest.raises(CheckpointError, match="32 bytes"):
        load_private_key_raw(b"short")
    with pytest.raises(CheckpointError, match="32 bytes"):
        load_public_key_raw(b"short")


def test_signer_repr_hides_the_private_key(signer: CheckpointSigner) -> None:
    assert "PRIVATE" not in repr(signer)
    assert signer.key_id.hex() in repr(signer)


# --- checkpoint values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"origin": ""}, "origin is empty"),
        ({"origin": "a\nb"}, "origin contains a control character"),
        ({"size": -1}, "outside"),
        ({"size": 2**64}, "outside"),
        ({"size": True}, "not an integer"),
        ({"root_hash": b"short"}, "32 bytes"),
        ({"extensions": ("",)}, "extension line is empty"),
        ({"extensions": ("a\nb",)}, "control character"),
    ],
)
def test_invalid_checkpoints_cannot_be_built(kwargs: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"origin": ORIGIN, "size": 1, "root_hash": ROOT, **kwargs}
    with pytest.raises(CheckpointError, match=message):
        Checkpoint(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\u00a0b", "a\tb"])
def test_invalid_key_names_are_refused(name: str) -> None:
    with pytest.raises(CheckpointError, match="key name"):
        CheckpointSigner(generate_signing_key(), name)


def test_signature_line_prefix_is_em_dash_space() -> None:
    assert SIGNATURE_PREFIX.encode() == b"\xe2\x80\x94 "
