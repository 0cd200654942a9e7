"""The offline verifier reads an export file as a stream: flat memory, the same verdicts and
messages as on the parsed document, whichever order the members come in."""

from __future__ import annotations

import json
import tracemalloc
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from crypto.audit_verify import AuditVerifyError, verify_export, verify_file
from crypto.checkpoint import Checkpoint, CheckpointSigner, generate_signing_key
from crypto.merkle import CompactRange, consistency_proof, hash_leaf

ORIGIN = "betrokken.test/audit"


def synthetic_export(count: int, *, every: int = 1000) -> tuple[dict[str, Any], str]:
    """An export of ``count`` leaves shaped like the hub's, with a checkpoint each ``every``."""
    signer = CheckpointSigner(generate_signing_key(), ORIGIN)
    leaves = [
        json.dumps(
            {"action": "involvement.check", "actor": {"sub": f"m{n % 50}"}, "case_ref": f"Z-{n}"},
            sort_keys=True,
            separators=(",", ":"),
        )
        for n in range(count)
    ]
    hashes = [hash_leaf(leaf.encode()) for leaf in leaves]
    compact = CompactRange()
    notes, sizes = [], []
    for n, leaf_hash in enumerate(hashes, start=1):
        compact.append(leaf_hash)
        if n % every == 0 or n == count:
            checkpoint = Checkpoint(origin=ORIGIN, size=n, root_hash=compact.root())
            notes.append(signer.sign(checkpoint))
            sizes.append(n)
    document = {
        "format": "betrokken-audit-export/1",
        "origin": ORIGIN,
        "start": 0,
        "prefix": [],
        "checkpoints": notes,
        "consistency": [
            {"first": a, "second": b, "proof": [p.hex() for p in consistency_proof(hashes, a, b)]}
            for a, b in pairwise(sizes)
        ],
        "entries": [
            {"index": n, "leaf": leaf, "leaf_hash": leaf_hash.hex()}
            for n, (leaf, leaf_hash) in enumerate(zip(leaves, hashes, strict=True))
        ],
    }
    return document, signer.verifier_key()


def write(path: Path, document: dict[str, Any], *, entries_first: bool = False) -> Path:
    if entries_first:  # as exports were laid out before they streamed
        document = {"entries": document["entries"], **document}
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("entries_first", [False, True], ids=["signed-first", "entries-first"])
def test_a_file_verifies_as_its_document_does(tmp_path: Path, entries_first: bool) -> None:
    document, key = synthetic_export(2500)
    path = write(tmp_path / "export.json", document, entries_first=entries_first)
    streamed = verify_file(str(path), key)
    assert streamed == verify_export(document, key)
    assert streamed.entries == 2500 and streamed.size == 2500

    document["entries"][1700]["leaf"] = document["entries"][1700]["leaf"].replace("m0", "m9")
    with pytest.raises(AuditVerifyError) as in_memory:
        verify_export(document, key)
    path = write(tmp_path / "tampered.json", document, entries_first=entries_first)
    with pytest.raises(AuditVerifyError) as from_file:
        verify_file(str(path), key)
    assert str(from_file.value) == str(in_memory.value)
    assert str(from_file.value).startswith("entry 1700: the leaf does not match")


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "not valid JSON"),
        ("[]", "not a betrokken-audit-export/1 document"),
        ('{"format": "betrokken-audit-export/1"', "not valid JSON"),
        ('{"format": "x", "entries": []}', "not a betrokken-audit-export/1 document"),
    ],
)
def test_broken_files_are_named(tmp_path: Path, text: str, message: str) -> None:
    _, key = synthetic_export(3)
    path = tmp_path / "broken.json"
    path.write_text(text)
    with pytest.raises(AuditVerifyError, match=message):
        verify_file(str(path), key)


def test_a_truncated_file_does_not_verify(tmp_path: Path) -> None:
    document, key = synthetic_export(1200)
    whole = json.dumps(document, indent=1)
    for cut in (len(whole) // 2, len(whole) - 3):
        path = tmp_path / f"cut-{cut}.json"
        path.write_text(whole[:cut])
        with pytest.raises(AuditVerifyError):
            verify_file(str(path), key)


def test_memory_stays_flat_however_long_the_export(tmp_path: Path) -> None:
    """Peak memory while verifying 20,000 and 80,000 entries: the file grows fourfold, the
    verifier's peak does not (it holds a chunk or two and the compact range, not the
    entries)."""
    peaks = []
    for count in (20_000, 80_000):
        document, key = synthetic_export(count, every=5000)
        path = write(tmp_path / f"export-{count}.json", document)
        del document
        tracemalloc.start()
        verify_file(str(path), key)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert path.stat().st_size > 2 * peaks[1], peaks
    assert peaks[1] < 1.3 * peaks[0], peaks
