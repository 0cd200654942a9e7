"""RFC 9497 Appendix A.1 test vectors for OPRF(ristretto255, SHA-512).

The vectors come from ``tests/vectors/rfc9497-ristretto255-sha512.json`` in this repository,
plus the Appendix A.1 vectors that file leaves out: VOPRF and POPRF test vector 2 and the
batch-size-2 test vector 3.
A missing vector file fails the run: silently skipping known-answer tests is not an option.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crypto import oprf
from crypto.oprf import Mode

VECTOR_FILE = Path(__file__).resolve().parents[1] / "vectors" / "rfc9497-ristretto255-sha512.json"
MODES = {"oprf": Mode.OPRF, "voprf": Mode.VOPRF, "poprf": Mode.POPRF}


def _load_vectors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTOR_FILE.read_text(encoding="utf-8"))
    return data


# RFC 9497 Appendix A.1.2 (VOPRF) and A.1.3 (POPRF) test vectors 2 and 3, with the same key
# material as the vector file. Blind and ProofRandomScalar are given per vector here.
_P = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
_BLIND_1 = "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706"
_BLIND_2 = "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e"
_R_SINGLE = _BLIND_2
_R_BATCH = "419c4f4f5052c53c45f3da494d2b67b220d02118e0857cdbcf037f9ea84bbe0c"
RFC_EXTRA_VECTORS: dict[str, list[dict[str, Any]]] = {
    "voprf": [
        {
            "name": "A.1.2.2",
            "input": _P,
            "blind": _BLIND_1,
            "proof_random_scalar": _R_SINGLE,
            "blinded_element": "cc0b2a350101881d8a4cba4c80241d74fb7dcbfde4a61fde2f91443c2bf9ef0c",
            "evaluation_element": "60a59a57208d48aca71e9e850d22674b"
            "611f752bed48b36f7a91b372bd7ad468",
            "proof": "401a0da6264f8cf45bb2f5264bc31e109155600babb3cd4e5af7d181a2c9dc0a"
            "67154fabf031fd936051dec80b0b6ae29c9503493dde7393b722eafdf5a50b02",
            "output": "8a9a2f3c7f085b65933594309041fc1898d42d0858e59f90814ae90571a6df60"
            "356f4610bf816f27afdd84f47719e480906d27ecd994985890e5f539e7ea74b6",
        },
        {
            "name": "A.1.2.3 batch",
            "input": ["00", _P],
            "blind": [_BLIND_1, _BLIND_2],
            "proof_random_scalar": _R_BATCH,
            "blinded_element": [
                "863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945",
                "90a0145ea9da29254c3a56be4fe185465ebb3bf2a1801f7124bbbadac751e654",
            ],
            "evaluation_element": [
                "aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e",
                "cc5ac221950a49ceaa73c8db41b82c20372a4c8d63e5dded2db920b7eee36a2a",
            ],
            "proof": "cc203910175d786927eeb44ea847328047892ddf8590e723c37205cb74600b0a"
            "5ab5337c8eb4ceae0494c2cf89529dcf94572ed267473d567aeed6ab873dee08",
            "output": [
                "b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402da1a7d"
                "a4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3c",
                "8a9a2f3c7f085b65933594309041fc1898d42d0858e59f90814ae90571a6df60"
                "356f4610bf816f27afdd84f47719e480906d27ecd994985890e5f539e7ea74b6",
            ],
        },
    ],
    "poprf": [
        {
            "name": "A.1.3.2",
            "input": _P,
            "blind": _BLIND_1,
            "proof_random_scalar": _R_SINGLE,
            "blinded_element": "f0f0b209dd4d5f1844dac679acc7761b91a2e704879656cb7c201e82a99ab07d",
            "evaluation_element": "8c3c9d064c334c6991e99f286ea2301d"
            "1bde170b54003fb9c44c6d7bd6fc1540",
            "proof": "4c39992d55ffba38232cdac88fe583af8a85441fefd7d1d4a8d0394cd1de7701"
            "8bf135c174f20281b3341ab1f453fe72b0293a7398703384bed822bfdeec8908",
            "output": "7c6557b276a137922a0bcfc2aa2b35dd78322bd500235eb6d6b6f91bc5b56a52"
            "de2d65612d503236b321f5d0bebcbc52b64b92e426f29c9b8b69f52de98ae507",
        },
        {
            "name": "A.1.3.3 batch",
            "input": ["00", _P],
            "blind": [_BLIND_1, _BLIND_2],
            "proof_random_scalar": _R_BATCH,
            "blinded_element": [
                "c8713aa89241d6989ac142f22dba30596db635c772cbf25021fdd8f3d461f715",
                "423a01c072e06eb1cce96d23acce06e1ea64a609d7ec9e9023f3049f2d64e50c",
            ],
            "evaluation_element": [
                "1a4b860d808ff19624731e67b5eff20ceb2df3c3c03b906f5693e2078450d874",
                "aa1f16e903841036e38075da8a46655c94fc92341887eb5819f46312adfc0504",
            ],
            "proof": "43fdb53be399cbd3561186ae480320caa2b9f36cca0e5b160c4a677b8bbf4301"
            "b28f12c36aa8e11e5a7ef551da0781e863a6dc8c0b2bf5a149c9e00621f02006",
            "output": [
                "ca688351e88afb1d841fde4401c79efebb2eb75e7998fa9737bd5a82a152406d"
                "38bd29f680504e54fd4587eddcf2f37a2617ac2fbd2993f7bdf45442ace7d221",
                "7c6557b276a137922a0bcfc2aa2b35dd78322bd500235eb6d6b6f91bc5b56a52"
                "de2d65612d503236b321f5d0bebcbc52b64b92e426f29c9b8b69f52de98ae507",
            ],
        },
    ],
}


@dataclass(frozen=True)
class Case:
    """One test vector, normalised to a batch (lists of length 1 for batch size 1)."""

    id: str
    mode: Mode
    secret_key: bytes
    public_key: bytes | None
    info: bytes
    inputs: list[bytes]
    blinds: list[bytes]
    blinded: list[bytes]
    evaluated: list[bytes]
    proof: bytes | None
    proof_random: bytes | None
    outputs: list[bytes]


def _hex_list(value: str | list[str]) -> list[bytes]:
    """A vector field: a hex string, a comma-separated batch (RFC style) or a list."""
    items = value if isinstance(value, list) else value.split(",")
    return [bytes.fromhex(item) for item in items]


def _hex_or_none(value: str | None) -> bytes | None:
    return None if value is None else bytes.fromhex(value)


def _cases(data: dict[str, Any]) -> list[Case]:
    cases = []
    for name, mode in MODES.items():
        section = data[name]
        vectors = [(str(i + 1), v) for i, v in enumerate(section["vectors"])]
        vectors += [(v["name"], v) for v in RFC_EXTRA_VECTORS.get(name, [])]
        for label, vector in vectors:
            proof = vector.get("proof")
            cases.append(
                Case(
                    id=f"{name}-{label}",
                    mode=mode,
                    secret_key=bytes.fromhex(section["skSm"]),
                    public_key=_hex_or_none(section.get("pkSm")),
                    info=bytes.fromhex(vector.get("info", section.get("info", ""))),
                    inputs=_hex_list(vector["input"]),
                    blinds=_hex_list(vector.get("blind", data["blind"])),
                    blinded=_hex_list(vector["blinded_element"]),
                    evaluated=_hex_list(vector["evaluation_element"]),
                    proof=_hex_or_none(proof),
                    proof_random=(
                        None
                        if proof is None
                        else bytes.fromhex(
                            vector.get("proof_random_scalar", data["proof_random_scalar"])
                        )
                    ),
                    outputs=_hex_list(vector["output"]),
                )
            )
    return cases


DATA = _load_vectors()
CASES = _cases(DATA)
CASE_IDS = [case.id for case in CASES]


def test_vector_file_has_every_mode() -> None:
    assert set(MODES) <= DATA.keys()
    assert all(DATA[name]["vectors"] for name in MODES)
    assert any(len(case.inputs) > 1 for case in CASES), "no batch vector is exercised"


def test_context_strings() -> None:
    assert oprf.context_string(Mode.OPRF) == b"OPRFV1-\x00-ristretto255-SHA512"
    assert oprf.context_string(Mode.VOPRF) == b"OPRFV1-\x01-ristretto255-SHA512"
    assert oprf.context_string(Mode.POPRF) == b"OPRFV1-\x02-ristretto255-SHA512"


@pytest.mark.parametrize("name", list(MODES))
def test_derive_key_pair(name: str) -> None:
    section = DATA[name]
    pair = oprf.derive_key_pair(
        bytes.fromhex(DATA["seed"]), bytes.fromhex(DATA["key_info"]), MODES[name]
    )
    assert pair.secret.hex() == section["skSm"]
    if "pkSm" in section:
        assert pair.public.hex() == section["pkSm"]
    assert oprf.public_key_from_secret(pair.secret) == pair.public


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_blind(case: Case) -> None:
    for input, blind, expected in zip(case.inputs, case.blinds, case.blinded, strict=True):
        scalar, blinded = oprf.blind(input, case.mode, blind=blind)
        assert scalar == blind
        assert blinded == expected


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_blind_evaluate(case: Case) -> None:
    evaluated, proof = oprf.blind_evaluate_batch(
        case.secret_key,
        case.blinded,
        mode=case.mode,
        public_key=case.public_key,
        info=case.info,
        proof_random=case.proof_random,
    )
    assert evaluated == case.evaluated
    assert proof == case.proof


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_verify_and_finalize(case: Case) -> None:
    outputs = oprf.verify_and_finalize_batch(
        case.inputs,
        case.blinds,
        case.blinded,
        case.evaluated,
        case.proof,
        mode=case.mode,
        public_key=case.public_key,
        info=case.info,
    )
    assert outputs == case.outputs


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_finalize_each(case: Case) -> None:
    for input, blind, evaluated, output in zip(
        case.inputs, case.blinds, case.evaluated, case.outputs, strict=True
    ):
        assert oprf.finalize(input, blind, evaluated, case.mode, info=case.info) == output


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_evaluate(case: Case) -> None:
    for input, output in zip(case.inputs, case.outputs, strict=True):
        assert oprf.evaluate(case.secret_key, input, mode=case.mode, info=case.info) == output


@pytest.mark.parametrize("case", [c for c in CASES if c.proof], ids=lambda c: c.id)
def test_proof_primitives(case: Case) -> None:
    """GenerateProof and VerifyProof called directly, with RFC argument order."""
    if case.mode == Mode.POPRF:
        t = oprf.hash_to_scalar(
            oprf.INFO_LABEL + len(case.info).to_bytes(2, "big") + case.info, case.mode
        )
        k = _scalar_add(case.secret_key, t)
        b = oprf.public_key_from_secret(k)
        c, d = case.evaluated, case.blinded
    else:
        k, b = case.secret_key, oprf.public_key_from_secret(case.secret_key)
        c, d = case.blinded, case.evaluated
    assert case.proof is not None
    proof = oprf.generate_proof(k, b, c, d, mode=case.mode, proof_random=case.proof_random)
    assert proof == case.proof
    oprf.verify_proof(b, c, d, proof, mode=case.mode)
    m, z = oprf.compute_composites(b, c, d, mode=case.mode)
    assert (m, z) == oprf.compute_composites_fast(k, b, c, d, mode=case.mode)


def _scalar_add(x: bytes, y: bytes) -> bytes:
    import pysodium

    result: bytes = pysodium.crypto_core_ristretto255_scalar_add(x, y)
    return result
