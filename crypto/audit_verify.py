"""Offline verification of an audit export; needs only the standard library and ``cryptography``.

An export (``betrokken audit export``, described in docs/audit.md) is a JSON object::

    {
      "format": "betrokken-audit-export/1",
      "origin": "<log origin, equal to the verifier key name>",
      "start": <index of the first entry; 0 for a whole log>,
      "prefix": [<hex>, ...],            # compact range of leaves [0, start): empty when start == 0
      "entries": [{"index": i, "leaf": "<canonical JSON>", "leaf_hash": "<hex>"}, ...],
      "checkpoints": ["<signed note>", ...],            # ascending tree sizes
      "consistency": [{"first": m, "second": n, "proof": [<hex>, ...]}, ...]
    }

:func:`verify_export` checks, in this order, and raises :class:`AuditVerifyError` naming
the first place that fails:

1. every checkpoint is a well-formed C2SP note signed by the verifier key, from its origin,
   with strictly increasing sizes;
2. each consistency proof links consecutive checkpoints (RFC 9162 §2.1.4.2);
3. entries run gap-free from ``start``; each leaf hashes (RFC 9162 leaf hash) to the
   ``leaf_hash`` it carries; and the leaves, appended to the prefix, reproduce the signed
   root at every checkpoint size, the last of which must be the end of the entries.

An entry whose text was changed is named exactly (its leaf hash no longer matches). When
the leaf hashes were rewritten as well, the entries no longer reproduce a signed root and
the error names the range between two checkpoints: nothing in an export can say more,
because only the checkpoint roots are signed. Checkpoint frequency sets that granularity.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crypto.checkpoint import Checkpoint, CheckpointError, parse_verifier_key, verify_checkpoint
from crypto.merkle import HASH_SIZE, CompactRange, ProofError, hash_leaf, verify_consistency

__all__ = [
    "EXPORT_FORMAT",
    "AuditVerifyError",
    "VerifiedExport",
    "main",
    "verify_export",
]

EXPORT_FORMAT = "betrokken-audit-export/1"


class AuditVerifyError(Exception):
    """The export does not verify; the message names the first entry or checkpoint at fault."""


@dataclass(frozen=True)
class VerifiedExport:
    """What a successful verification established."""

    origin: str
    start: int
    entries: int
    checkpoints: tuple[Checkpoint, ...]

    @property
    def size(self) -> int:
        """Tree size of the last (newest) checkpoint."""
        return self.checkpoints[-1].size


def _hex_hash(value: object, where: str) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * HASH_SIZE or value != value.lower():
        raise AuditVerifyError(f"{where}: not a {HASH_SIZE}-byte lowercase hex hash")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise AuditVerifyError(f"{where}: not a {HASH_SIZE}-byte lowercase hex hash") from None


def _list(export: Mapping[str, Any], key: str) -> list[Any]:
    value = export.get(key)
    if not isinstance(value, list):
        raise AuditVerifyError(f"export: '{key}' must be a list")
    return value


def _verify_checkpoints(
    notes: Sequence[Any], verifier_key: str, name: str, label: str = "checkpoint"
) -> list[Checkpoint]:
    checkpoints: list[Checkpoint] = []
    for position, note in enumerate(notes):
        if not isinstance(note, str):
            raise AuditVerifyError(f"{label} {position}: not a signed note text")
        try:
            checkpoint = verify_checkpoint(note, verifier_key, expected_origin=name)
        except CheckpointError as error:
            raise AuditVerifyError(f"{label} {position}: {error}") from None
        if checkpoints and checkpoint.size <= checkpoints[-1].size:
            raise AuditVerifyError(
                f"{label} {position} (size {checkpoint.size}): not larger than the "
                f"checkpoint before it (size {checkpoints[-1].size})"
            )
        checkpoints.append(checkpoint)
    if not checkpoints:
        raise AuditVerifyError("export: no checkpoint, so nothing is signed")
    return checkpoints


def _verify_consistency(proofs: Sequence[Any], checkpoints: Sequence[Checkpoint]) -> None:
    if len(proofs) != len(checkpoints) - 1:
        raise AuditVerifyError(
            f"export: {len(checkpoints)} checkpoints need {len(checkpoints) - 1} consistency "
            f"proofs, found {len(proofs)}"
        )
    for position, item in enumerate(proofs):
        older, newer = checkpoints[position], checkpoints[position + 1]
        where = f"consistency proof {position} (checkpoint {position} to {position + 1})"
        if not isinstance(item, dict) or not isinstance(item.get("proof"), list):
            raise AuditVerifyError(f"{where}: needs 'first', 'second' and a 'proof' list")
        if item.get("first") != older.size or item.get("second") != newer.size:
            raise AuditVerifyError(
                f"{where}: covers sizes {item.get('first')}..{item.get('second')}, "
                f"expected {older.size}..{newer.size}"
            )
        path = [_hex_hash(node, f"{where}, element {n}") for n, node in enumerate(item["proof"])]
        try:
            verify_consistency(older.size, newer.size, older.root_hash, newer.root_hash, path)
        except ProofError as error:
            raise AuditVerifyError(f"{where}: {error}") from None


def _prefix(export: Mapping[str, Any]) -> CompactRange:
    start = export.get("start", 0)
    if isinstance(start, bool) or not isinstance(start, int) or start < 0:
        raise AuditVerifyError("export: 'start' must be a non-negative integer")
    hashes = [
        _hex_hash(node, f"export prefix element {n}")
        for n, node in enumerate(_list(export, "prefix"))
    ]
    try:
        return CompactRange.restore(start, hashes)
    except ValueError as error:
        raise AuditVerifyError(f"export prefix: {error}") from None


def _entry_leaf_hash(item: object, index: int) -> bytes:
    where = f"entry {index}"
    if not isinstance(item, dict):
        raise AuditVerifyError(f"{where}: not an object")
    found = item.get("index")
    if found != index:
        raise AuditVerifyError(
            f"{where}: expected here but the entry at this place says it is {found!r} "
            "(an entry was removed, inserted or reordered)"
        )
    leaf = item.get("leaf")
    if not isinstance(leaf, str):
        raise AuditVerifyError(f"{where}: 'leaf' is not a string")
    try:
        if not isinstance(json.loads(leaf), dict):
            raise ValueError
    except ValueError:
        raise AuditVerifyError(f"{where}: leaf is not a JSON object") from None
    claimed = _hex_hash(item.get("leaf_hash"), f"{where} leaf_hash")
    if hash_leaf(leaf.encode("utf-8")) != claimed:
        raise AuditVerifyError(f"{where}: the leaf does not match its leaf hash (it was changed)")
    return claimed


def verify_export(
    export: Mapping[str, Any], verifier_key: str, *, trusted: Sequence[str] = ()
) -> VerifiedExport:
    """Verify a parsed export against a C2SP verifier key string; raise on the first fault.

    ``trusted`` holds signed checkpoints kept from earlier (for example published in an
    annual report): each must be signed by the same key and its root must be reproduced
    by the export at its size, which proves the export extends what was published.
    """
    if not isinstance(export, Mapping) or export.get("format") != EXPORT_FORMAT:
        raise AuditVerifyError(f"export: not a {EXPORT_FORMAT} document")
    try:
        name = parse_verifier_key(verifier_key).name
    except CheckpointError as error:
        raise AuditVerifyError(f"verifier key: {error}") from None
    checkpoints = _verify_checkpoints(_list(export, "checkpoints"), verifier_key, name)
    pinned = (
        _verify_checkpoints(trusted, verifier_key, name, "trusted checkpoint") if trusted else []
    )
    origin = checkpoints[0].origin
    if export.get("origin") != origin:
        raise AuditVerifyError(f"export: origin {export.get('origin')!r} is not {origin!r}")
    _verify_consistency(_list(export, "consistency"), checkpoints)

    compact = _prefix(export)
    start = compact.size
    if checkpoints[0].size < start:
        raise AuditVerifyError(
            f"checkpoint 0 (size {checkpoints[0].size}): older than the first entry {start}"
        )
    roots: dict[int, tuple[str, bytes]] = {}
    for position, checkpoint in enumerate(checkpoints):
        roots[checkpoint.size] = (f"checkpoint {position}", checkpoint.root_hash)
    for position, checkpoint in enumerate(pinned):
        if not start <= checkpoint.size <= checkpoints[-1].size:
            raise AuditVerifyError(
                f"trusted checkpoint {position} (size {checkpoint.size}): outside the "
                f"exported range {start}..{checkpoints[-1].size}"
            )
        if checkpoint.size in roots and roots[checkpoint.size][1] != checkpoint.root_hash:
            raise AuditVerifyError(
                f"trusted checkpoint {position} (size {checkpoint.size}): the export signs a "
                "different root for this size (the log was forked or rewritten)"
            )
        roots.setdefault(checkpoint.size, (f"trusted checkpoint {position}", checkpoint.root_hash))

    last_checked = start
    entries = _list(export, "entries")
    _check_root(compact, roots, last_checked)
    for position, item in enumerate(entries):
        index = start + position
        if index >= checkpoints[-1].size:
            raise AuditVerifyError(f"entry {index}: not covered by any checkpoint")
        compact.append(_entry_leaf_hash(item, index))
        if compact.size in roots:
            _check_root(compact, roots, last_checked)
            last_checked = compact.size
    if compact.size != checkpoints[-1].size:
        raise AuditVerifyError(
            f"entry {compact.size}: missing; checkpoint {len(checkpoints) - 1} covers "
            f"{checkpoints[-1].size} entries but the export ends at {compact.size}"
        )
    return VerifiedExport(
        origin=origin, start=start, entries=len(entries), checkpoints=tuple(checkpoints)
    )


def _check_root(compact: CompactRange, roots: Mapping[int, tuple[str, bytes]], since: int) -> None:
    if compact.size not in roots:
        return
    name, root = roots[compact.size]
    if compact.root() != root:
        raise AuditVerifyError(
            f"entries {since}..{compact.size - 1}: they do not reproduce the signed root of "
            f"{name} (size {compact.size}); one of them was changed, inserted, removed or "
            "reordered together with its leaf hash"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m crypto.audit_verify EXPORT --public-key KEY``: exit 0 when it verifies."""
    parser = argparse.ArgumentParser(description="Verify a Betrokken audit export offline.")
    parser.add_argument("export", help="the JSON file written by `betrokken audit export`")
    parser.add_argument(
        "--public-key", required=True, help="verifier key string, or a file that holds it"
    )
    parser.add_argument(
        "--trusted-checkpoint",
        action="append",
        default=[],
        help="a file with a signed checkpoint kept from earlier (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        print(describe(verify_file(args.export, args.public_key, args.trusted_checkpoint)))
    except AuditVerifyError as error:
        print(f"audit export does NOT verify: {error}", file=sys.stderr)
        return 1
    return 0


def read_verifier_key(value: str) -> str:
    """A verifier key given inline or as the path of a file holding it."""
    if "+" in value and "\n" not in value.strip():
        return value.strip()
    try:
        with open(value, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError as error:
        raise AuditVerifyError(f"verifier key: cannot read {value}: {error.strerror}") from None


def verify_file(path: str, public_key: str, trusted_paths: Sequence[str] = ()) -> VerifiedExport:
    """Read and verify an export file; every failure is an :class:`AuditVerifyError`."""
    try:
        with open(path, encoding="utf-8") as handle:
            export = json.load(handle)
    except OSError as error:
        raise AuditVerifyError(f"export: cannot read {path}: {error.strerror}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise AuditVerifyError(f"export: not valid JSON ({error})") from None
    trusted: list[str] = []
    for trusted_path in trusted_paths:
        try:
            with open(trusted_path, encoding="utf-8") as handle:
                trusted.append(handle.read())
        except OSError as error:
            raise AuditVerifyError(f"trusted checkpoint: cannot read {trusted_path}") from error
    return verify_export(export, read_verifier_key(public_key), trusted=trusted)


def describe(result: VerifiedExport) -> str:
    last = result.checkpoints[-1]
    return (
        f"OK: {result.entries} entries from index {result.start} of {result.origin} "
        f"verify against {len(result.checkpoints)} signed checkpoints; "
        f"tree size {last.size}, root {last.root_hash.hex()}"
    )


if __name__ == "__main__":
    sys.exit(main())
