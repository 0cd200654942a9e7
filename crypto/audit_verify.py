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

:func:`verify_file` reads the file as a stream (:class:`_JsonStream`): the signed parts
first, then one entry at a time into a compact range, so memory stays flat whatever the
export's size (about 4 µs an entry on the test machine for the parsing and hashing). An
export that puts ``entries`` before the checkpoints (as exports before the tiles did) is
read twice. :func:`verify_export` checks an export already parsed into memory, with the
same checks and messages.

An entry whose text was changed is named exactly (its leaf hash no longer matches). When
the leaf hashes were rewritten as well, the entries no longer reproduce a signed root and
the error names the range between two checkpoints: nothing in an export can say more,
because only the checkpoint roots are signed. Checkpoint frequency sets that granularity.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from json.scanner import make_scanner
from typing import IO, Any

from crypto.checkpoint import Checkpoint, CheckpointError, parse_verifier_key, verify_checkpoint
from crypto.merkle import (
    HASH_SIZE,
    LEAF_PREFIX,
    NODE_PREFIX,
    CompactRange,
    ProofError,
    hash_leaf,
    verify_consistency,
)

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
    verification = _Verification(export, verifier_key, trusted)
    verification.entries(_list(export, "entries"))
    return verification.finish()


class _Verification:
    """Steps 1 and 2 on the export's signed parts; then entries one at a time; then the end."""

    def __init__(
        self, export: Mapping[str, Any], verifier_key: str, trusted: Sequence[str]
    ) -> None:
        if not isinstance(export, Mapping) or export.get("format") != EXPORT_FORMAT:
            raise AuditVerifyError(f"export: not a {EXPORT_FORMAT} document")
        try:
            name = parse_verifier_key(verifier_key).name
        except CheckpointError as error:
            raise AuditVerifyError(f"verifier key: {error}") from None
        checkpoints = _verify_checkpoints(_list(export, "checkpoints"), verifier_key, name)
        pinned = (
            _verify_checkpoints(trusted, verifier_key, name, "trusted checkpoint")
            if trusted
            else []
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
                    f"trusted checkpoint {position} (size {checkpoint.size}): the export signs "
                    "a different root for this size (the log was forked or rewritten)"
                )
            roots.setdefault(
                checkpoint.size, (f"trusted checkpoint {position}", checkpoint.root_hash)
            )
        self.origin = origin
        self.start = start
        self.checkpoints = checkpoints
        self.compact = compact
        self.roots = roots
        self.last_checked = start
        self.count = 0
        _check_root(compact, roots, start)

    def entries(self, items: Iterable[Any]) -> None:
        """Check each entry and append its leaf hash; at a signed size, compare the root.

        The loop is the export's hot path: the checks of :func:`_entry_leaf_hash` inlined.
        """
        roots, end = self.roots, self.checkpoints[-1].size
        scan, sha256, prefix, node = _SCAN, hashlib.sha256, LEAF_PREFIX, NODE_PREFIX
        index = self.start + self.count
        stack = list(self.compact.hashes)  # the compact range, kept inline: no call per leaf
        for item in items:
            if index >= end:
                raise AuditVerifyError(f"entry {index}: not covered by any checkpoint")
            try:
                found, leaf, claimed = item["index"], item["leaf"], item["leaf_hash"]
                leaf_hash = sha256(prefix + leaf.encode("utf-8")).digest()
                # equal to the digest's own hex: 64 lowercase hex characters that match
                if type(found) is not int or found != index or leaf_hash.hex() != claimed:
                    raise ValueError
                value, stop = scan(leaf, 0)
                if stop != len(leaf) or type(value) is not dict:
                    raise ValueError
            except (TypeError, KeyError, ValueError, AttributeError, StopIteration):
                # the slow path names the first thing wrong, in the documented order
                leaf_hash = _entry_leaf_hash(item, index)
                if hash_leaf(item["leaf"].encode("utf-8")) != leaf_hash:
                    raise AuditVerifyError(
                        f"entry {index}: the leaf does not match its leaf hash (it was changed)"
                    ) from None
            stack.append(leaf_hash)
            merged = index
            while merged & 1:
                right = stack.pop()
                stack.append(sha256(node + stack.pop() + right).digest())
                merged >>= 1
            index += 1
            if index in roots:
                self.compact = CompactRange.restore(index, stack)
                _check_root(self.compact, roots, self.last_checked)
                self.last_checked = index
        self.compact = CompactRange.restore(index, stack)
        self.count = index - self.start

    def finish(self) -> VerifiedExport:
        checkpoints = self.checkpoints
        if self.compact.size != checkpoints[-1].size:
            raise AuditVerifyError(
                f"entry {self.compact.size}: missing; checkpoint {len(checkpoints) - 1} covers "
                f"{checkpoints[-1].size} entries but the export ends at {self.compact.size}"
            )
        return VerifiedExport(
            origin=self.origin,
            start=self.start,
            entries=self.count,
            checkpoints=tuple(checkpoints),
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
    """Read and verify an export file as a stream; every failure is an :class:`AuditVerifyError`."""
    trusted: list[str] = []
    for trusted_path in trusted_paths:
        try:
            with open(trusted_path, encoding="utf-8") as handle:
                trusted.append(handle.read())
        except OSError as error:
            raise AuditVerifyError(f"trusted checkpoint: cannot read {trusted_path}") from error
    verifier_key = read_verifier_key(public_key)
    try:
        with open(path, encoding="utf-8") as handle:
            header, verification = _read(_JsonStream(handle), verifier_key, trusted, None)
            if verification is None:  # the entries came before the signed parts: read again
                handle.seek(0)
                _, verification = _read(_JsonStream(handle), verifier_key, trusted, header)
    except OSError as error:
        raise AuditVerifyError(f"export: cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise AuditVerifyError(f"export: not valid JSON ({error})") from None
    if verification is None:
        raise AuditVerifyError("export: 'entries' must be a list")
    return verification.finish()


_SIGNED_PARTS = ("format", "origin", "start", "prefix", "checkpoints", "consistency")


def _read(
    stream: _JsonStream,
    verifier_key: str,
    trusted: Sequence[str],
    header: dict[str, Any] | None,
) -> tuple[dict[str, Any], _Verification | None]:
    """One pass over the top-level object: its members, the entries verified as they come
    once the signed parts are known (from this pass or, with ``header``, from the first)."""
    known = header is not None
    members: dict[str, Any] = dict(header or {})
    verification: _Verification | None = None
    first = stream.peek()
    if first != "{":
        problem = "not valid JSON (empty)" if not first else f"not a {EXPORT_FORMAT} document"
        raise AuditVerifyError(f"export: {problem}")
    stream.advance()
    if stream.peek() == "}":
        stream.advance()
    else:
        while True:
            key = stream.value()
            if not isinstance(key, str):
                raise AuditVerifyError("export: not valid JSON (a member name is not a string)")
            stream.expect(":", "export: not valid JSON (':' expected)")
            if key != "entries":
                value = stream.value()
                if not known:
                    members[key] = value
            elif stream.peek() != "[":
                members["entries"] = stream.value()  # not a list: _list names it
                _list(members, "entries")
            elif known or all(part in members for part in _SIGNED_PARTS if part != "start"):
                verification = _Verification(members, verifier_key, trusted)
                verification.entries(stream.array())
                members["entries"] = []  # verified; not kept
            else:
                for _ in stream.array():
                    pass  # skipped on this pass; verified on the next
                members["entries"] = []
            separator = stream.peek()
            stream.advance()
            if separator == "}":
                break
            if separator != ",":
                raise AuditVerifyError("export: not valid JSON (',' or '}' expected)")
    if stream.peek():
        raise AuditVerifyError("export: not valid JSON (text after the object)")
    if "entries" not in members:
        _list(members, "entries")
    if verification is None and not known and "entries" in members:
        return members, None
    return members, verification


_SCAN = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
"""The standard library's C scanner: one JSON value at a position, without the Python
wrapper of ``json.loads`` around it (a tenth of an entry's time)."""
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_LARGEST_VALUE = 1 << 26
"""A member or entry larger than this (64 MB) is refused rather than read into memory."""


class _JsonStream:
    """JSON values read one at a time from a text file, in chunks: flat memory.

    Each value is parsed by the standard library's decoder (``raw_decode``) from a buffer
    that is refilled when a value runs past its end.
    """

    def __init__(self, handle: IO[str], chunk: int = 1 << 20) -> None:
        self._handle = handle
        self._chunk = chunk
        self._buffer = ""
        self._position = 0
        self._eof = False
        self._decode = json.JSONDecoder().raw_decode

    def _more(self) -> bool:
        if self._eof:
            return False
        data = self._handle.read(self._chunk)
        if not data:
            self._eof = True
            return False
        self._buffer = self._buffer[self._position :] + data
        self._position = 0
        return True

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end)."""
        while True:
            self._position = _WHITESPACE.match(self._buffer, self._position).end()  # type: ignore[union-attr]
            if self._position < len(self._buffer) or not self._more():
                return self._buffer[self._position : self._position + 1]

    def advance(self) -> None:
        self._position += 1

    def expect(self, character: str, message: str) -> None:
        if self.peek() != character:
            raise AuditVerifyError(message)
        self._position += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = self._decode(self._buffer, self._position)
            except json.JSONDecodeError as error:
                if len(self._buffer) - self._position < _LARGEST_VALUE and self._more():
                    continue
                raise AuditVerifyError(f"export: not valid JSON ({error})") from None
            if end == len(self._buffer) and self._more():
                continue  # a number may go on in the next chunk
            self._position = end
            return value

    def array(self) -> Iterator[Any]:
        """The values of the array that starts here, one at a time (the entries' hot path)."""
        self.expect("[", "export: not valid JSON ('[' expected)")
        if self.peek() == "]":
            self._position += 1
            return
        scan, skip = _SCAN, _WHITESPACE.match
        while True:
            buffer, position = self._buffer, self._position
            try:
                value, end = scan(buffer, position)
                separator_at = skip(buffer, end).end()  # type: ignore[union-attr]
                separator = buffer[separator_at]  # IndexError: the chunk ends here
            except (StopIteration, json.JSONDecodeError, IndexError):
                value = self.value()  # across the end of the chunk, or not valid JSON
                separator_at = self._position
                self.peek()
                separator_at, buffer = self._position, self._buffer
                separator = buffer[separator_at : separator_at + 1]
            yield value
            if separator == ",":
                self._position = skip(buffer, separator_at + 1).end()  # type: ignore[union-attr]
                continue
            self._position = separator_at + 1
            if separator == "]":
                return
            raise AuditVerifyError("export: not valid JSON (',' or ']' expected)")


def describe(result: VerifiedExport) -> str:
    last = result.checkpoints[-1]
    return (
        f"OK: {result.entries} entries from index {result.start} of {result.origin} "
        f"verify against {len(result.checkpoints)} signed checkpoints; "
        f"tree size {last.size}, root {last.root_hash.hex()}"
    )


if __name__ == "__main__":
    sys.exit(main())
