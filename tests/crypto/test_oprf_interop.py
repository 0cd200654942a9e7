"""Cross-check crypto.oprf against an independent implementation: the Rust-backed ``voprf``
package (PyPI ``voprf``, VOPRF mode of RFC 9497 only).

Its wire formats: a blinded or evaluated element is 32 bytes; a (batch) verifiable output is
``proof || evaluated elements``.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import oprf
from crypto.oprf import Mode

ristretto = pytest.importorskip("voprf.ristretto")

MODE = Mode.VOPRF
PROOF = oprf.PROOF_BYTES
ELEMENT = oprf.ELEMENT_BYTES


def _split(verifiable_output: bytes) -> tuple[bytes, list[bytes]]:
    proof, elements = verifiable_output[:PROOF], verifiable_output[PROOF:]
    return proof, [elements[i : i + ELEMENT] for i in range(0, len(elements), ELEMENT)]


# voprf refuses empty inputs, so the strategies start at one byte.
inputs_strategy = st.binary(min_size=1, max_size=48)


@settings(max_examples=20, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32), info=st.binary(max_size=32), x=inputs_strategy)
def test_key_derivation_and_evaluate_agree(seed: bytes, info: bytes, x: bytes) -> None:
    theirs = ristretto.Evaluator.from_seed(seed, info)
    ours = oprf.derive_key_pair(seed, info, MODE)
    assert theirs.public_key.serialize() == ours.public
    assert theirs.evaluate_known_input(x) == oprf.evaluate(ours.secret, x, mode=MODE)


@settings(max_examples=10, deadline=None)
@given(inputs=st.lists(inputs_strategy, min_size=1, max_size=4))
def test_their_client_accepts_our_server(inputs: list[bytes]) -> None:
    key = oprf.derive_key_pair(bytes(32), b"interop", MODE)
    clients, blinded = zip(*(ristretto.Client.blind(x) for x in inputs), strict=True)
    evaluated, proof = oprf.blind_evaluate_batch(
        key.secret, [b.serialize() for b in blinded], mode=MODE
    )
    assert proof is not None
    batch = ristretto.VerifiableBatchOutput.deserialize(proof + b"".join(evaluated))
    outputs = ristretto.Client.finalize_batch(
        list(clients), batch, ristretto.PublicKey.deserialize(key.public)
    )
    assert outputs == [oprf.evaluate(key.secret, x, mode=MODE) for x in inputs]


def test_their_client_accepts_our_single_evaluation() -> None:
    key = oprf.generate_key_pair()
    client, blinded = ristretto.Client.blind(b"123456782")
    evaluated, proof = oprf.blind_evaluate_batch(key.secret, [blinded.serialize()], mode=MODE)
    assert proof is not None
    output = client.finalize(
        ristretto.VerifiableOutput.deserialize(proof + evaluated[0]),
        ristretto.PublicKey.deserialize(key.public),
    )
    assert output == oprf.evaluate(key.secret, b"123456782", mode=MODE)


@settings(max_examples=10, deadline=None)
@given(inputs=st.lists(inputs_strategy, min_size=1, max_size=4))
def test_our_client_accepts_their_server(inputs: list[bytes]) -> None:
    server = ristretto.Evaluator.from_seed(bytes(range(32)), b"interop")
    public_key = server.public_key.serialize()
    blinds, blinded = zip(*(oprf.blind(x, MODE) for x in inputs), strict=True)
    response = server.evaluate_batch([ristretto.BlindedInput.deserialize(b) for b in blinded])
    proof, evaluated = _split(response.serialize())
    outputs = oprf.verify_and_finalize_batch(
        inputs, list(blinds), list(blinded), evaluated, proof, mode=MODE, public_key=public_key
    )
    assert outputs == [server.evaluate_known_input(x) for x in inputs]


def test_our_client_rejects_their_proof_under_another_key() -> None:
    server = ristretto.Evaluator.from_seed(bytes(range(32)), b"interop")
    blind, blinded = oprf.blind(b"alpha", MODE)
    proof, evaluated = _split(
        server.evaluate(ristretto.BlindedInput.deserialize(blinded)).serialize()
    )
    with pytest.raises(oprf.VerifyError):
        oprf.verify_and_finalize_batch(
            [b"alpha"],
            [blind],
            [blinded],
            evaluated,
            proof,
            mode=MODE,
            public_key=oprf.generate_key_pair().public,
        )
