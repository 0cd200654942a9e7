"""Validation and canonical encoding of the identifiers Betrokken pseudonymises.

An identifier is parsed once, on the client, before it is blinded:

    ident = parse_identifier(IdentifierKind.BSN, raw)
    blind(ident.oprf_input(), Mode.POPRF)  # with info = ident.poprf_info("2026")

Parsing strips surrounding whitespace and then accepts ASCII digits only (no internal
spaces, dots or dashes: a formatted number is a sign of a copy-paste from elsewhere, and
guessing how to clean it is not this module's job). A BSN given as 8 digits is read as a
BSN whose leading zero was dropped (as happens when it has been stored as a number) and is
left-padded to 9 digits, as the BRP writes it.

``IdentifierError`` messages say what is wrong and never contain the value itself; the
``repr`` of an ``Identifier`` hides the value too.

The ``synthetic_*`` helpers produce deterministic, valid identifiers for tests and demo
data. They are synthetic: never use them for real subjects.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final

__all__ = [
    "BAG_OBJECT_TYPES",
    "SUBJECT_TYPES",
    "SYNTHETIC_BSN_COUNT",
    "Identifier",
    "IdentifierError",
    "IdentifierKind",
    "SubjectType",
    "looks_like_identifier",
    "parse_identifier",
    "poprf_info",
    "synthetic_bag",
    "synthetic_bsn",
    "synthetic_kvk",
    "synthetic_vestiging",
]


class IdentifierKind(StrEnum):
    """The kinds of identifier a subject can be known by."""

    BSN = "bsn"  # burgerservicenummer
    BAG = "bag"  # BAG object id (e.g. a nummeraanduiding)
    KVK = "kvk"  # KvK-nummer
    VESTIGING = "vestiging"  # KvK vestigingsnummer

    @property
    def subject_type(self) -> SubjectType:
        """The kind of subject this identifier names."""
        return SUBJECT_TYPES[self]


class SubjectType(StrEnum):
    """What a subject is: a person, an address or a business."""

    PERSON = "person"
    ADDRESS = "address"
    BUSINESS = "business"


SUBJECT_TYPES: Final = MappingProxyType(
    {
        IdentifierKind.BSN: SubjectType.PERSON,
        IdentifierKind.BAG: SubjectType.ADDRESS,
        IdentifierKind.KVK: SubjectType.BUSINESS,
        IdentifierKind.VESTIGING: SubjectType.BUSINESS,
    }
)

# BAG objecttypecode, digits 5-6 of a BAG id.
BAG_OBJECT_TYPES: Final = MappingProxyType(
    {
        "01": "verblijfsobject",
        "02": "ligplaats",
        "03": "standplaats",
        "10": "pand",
        "20": "nummeraanduiding",
        "30": "openbare ruimte",
    }
)

_LABELS: Final = {
    IdentifierKind.BSN: "BSN",
    IdentifierKind.BAG: "BAG id",
    IdentifierKind.KVK: "KvK number",
    IdentifierKind.VESTIGING: "vestigingsnummer",
}
_LENGTHS: Final = {
    IdentifierKind.BSN: 9,
    IdentifierKind.BAG: 16,
    IdentifierKind.KVK: 8,
    IdentifierKind.VESTIGING: 12,
}
_DIGITS: Final = re.compile(r"[0-9]+")
_EPOCH: Final = re.compile(r"[0-9A-Za-z._-]+")
_BSN_WEIGHTS: Final = (9, 8, 7, 6, 5, 4, 3, 2, -1)


class IdentifierError(ValueError):
    """An identifier is malformed. The message never contains the identifier."""


def _elfproef(digits: str) -> bool:
    return sum(w * int(d) for w, d in zip(_BSN_WEIGHTS, digits, strict=True)) % 11 == 0


def _check_canonical(kind: IdentifierKind, value: str) -> None:
    """Raise ``IdentifierError`` unless ``value`` is a valid canonical identifier."""
    label = _LABELS[kind]
    length = _LENGTHS[kind]
    if not _DIGITS.fullmatch(value):
        raise IdentifierError(f"{label} must consist of the digits 0-9 only")
    if len(value) != length:
        raise IdentifierError(f"{label} must be {length} digits")
    if kind == IdentifierKind.BSN:
        if value == "0" * length:
            raise IdentifierError("BSN must not be all zeros")
        if not _elfproef(value):
            raise IdentifierError("BSN fails the elfproef")
    elif kind == IdentifierKind.BAG:
        if value[:4] == "0000":
            raise IdentifierError("BAG id has an all-zero gemeentecode")
        if value[4:6] not in BAG_OBJECT_TYPES:
            raise IdentifierError("BAG id has an unknown objecttypecode")
        if value[6:] == "0" * 10:
            raise IdentifierError("BAG id has an all-zero volgnummer")
    elif value == "0" * length:
        raise IdentifierError(f"{label} must not be all zeros")


def poprf_info(kind: IdentifierKind, epoch: str) -> bytes:
    """The POPRF ``info`` for a kind and key epoch: ``b"<kind>|<epoch>"``.

    It keeps identifier kinds apart: a BSN and a KvK number with the same digits never
    share a pseudonym. ``epoch`` is a short label such as ``"2026"``.
    """
    kind = IdentifierKind(kind)
    if not _EPOCH.fullmatch(epoch):
        raise ValueError("epoch must be non-empty and use only letters, digits, '.', '_', '-'")
    return f"{kind.value}|{epoch}".encode("ascii")


@dataclass(frozen=True)
class Identifier:
    """A validated identifier in canonical form (ASCII digits, fixed length per kind)."""

    kind: IdentifierKind
    value: str = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.kind, IdentifierKind):
            object.__setattr__(self, "kind", _parse_kind(self.kind))
        _check_canonical(self.kind, self.value)

    @property
    def subject_type(self) -> SubjectType:
        """The kind of subject this identifier names."""
        return self.kind.subject_type

    def oprf_input(self) -> bytes:
        """The OPRF input: the canonical digits as ASCII bytes."""
        return self.value.encode("ascii")

    def poprf_info(self, epoch: str) -> bytes:
        """The POPRF ``info`` for this identifier's kind and the key ``epoch``."""
        return poprf_info(self.kind, epoch)


def _parse_kind(kind: str) -> IdentifierKind:
    try:
        return IdentifierKind(kind)
    except ValueError:
        raise IdentifierError("unknown identifier kind") from None


def parse_identifier(kind: IdentifierKind | str, raw: str) -> Identifier:
    """Validate ``raw`` as an identifier of ``kind`` and return it in canonical form.

    Surrounding whitespace is stripped; what remains must be ASCII digits. An 8-digit BSN
    gets its leading zero back.
    """
    parsed_kind = _parse_kind(kind)
    value = raw.strip()
    label = _LABELS[parsed_kind]
    if not value:
        raise IdentifierError(f"{label} is empty")
    if parsed_kind == IdentifierKind.BSN and len(value) == 8 and _DIGITS.fullmatch(value):
        value = "0" + value
    return Identifier(parsed_kind, value)


_SHORTEST_IDENTIFIER: Final = min(_LENGTHS.values())  # a KvK number: 8 digits


def looks_like_identifier(text: str) -> bool:
    """Whether ``text`` may hold a BSN, KvK number, vestigingsnummer or BAG id.

    True when its digits, with the separators between them taken out, run to 8 or more:
    ``1234.56.782``, ``12 34 56 78`` and ``0363-2001-0000-0001`` all do. A separator is
    anything but a letter or a digit; a letter ends a run. Text is read after NFKC
    normalisation, so full-width and other decimal digits count as digits. Blunt on
    purpose: every identifier the hub keeps out has at least 8 digits, and a KvK number
    has no check digit, so any 8 digits may be one (``PW-2026-0042`` is refused too).
    """
    run = 0
    for char in unicodedata.normalize("NFKC", text):
        if char.isdecimal():
            run += 1
            if run >= _SHORTEST_IDENTIFIER:
                return True
        elif char.isalpha():
            run = 0
    return False


# -- Synthetic identifiers for tests and demo data -------------------------------------------

# Synthetic BSNs are 99xxxxxxx. Block b (5 digits) fixes digits 3-7; of the ten choices for
# digit 8 at most one leaves no valid check digit, so each block yields at least 9 BSNs.
_BSN_PER_BLOCK: Final = 9
SYNTHETIC_BSN_COUNT: Final = 100_000 * _BSN_PER_BLOCK


def synthetic_bsn(n: int) -> str:
    """The ``n``-th synthetic BSN (0 <= n < 900000): 9 digits starting with 99, passing the
    elfproef. Deterministic and distinct for distinct ``n``; for tests and demo data only."""
    if not 0 <= n < SYNTHETIC_BSN_COUNT:
        raise ValueError(f"n must be in [0, {SYNTHETIC_BSN_COUNT})")
    block, index = divmod(n, _BSN_PER_BLOCK)
    prefix = f"99{block:05d}"
    partial = sum(w * int(d) for w, d in zip(_BSN_WEIGHTS, prefix, strict=False))
    for digit8 in range(10):
        check = (partial + 2 * digit8) % 11
        if check == 10:
            continue
        if index == 0:
            return f"{prefix}{digit8}{check}"
        index -= 1
    raise AssertionError("unreachable: every block holds at least 9 BSNs")


def synthetic_bag(n: int, *, gemeentecode: str = "9999") -> str:
    """The ``n``-th synthetic BAG nummeraanduiding id (0 <= n < 10**9).

    Defaults to gemeentecode 9999, not a municipality code in use; the volgnummer starts
    with 9.
    """
    if not 0 <= n < 10**9:
        raise ValueError("n must be in [0, 10**9)")
    value = f"{gemeentecode}20{9_000_000_000 + n:010d}"
    _check_canonical(IdentifierKind.BAG, value)
    return value


def synthetic_kvk(n: int) -> str:
    """The ``n``-th synthetic KvK number (0 <= n < 10**6): ``99`` followed by 6 digits."""
    if not 0 <= n < 10**6:
        raise ValueError("n must be in [0, 10**6)")
    return f"99{n:06d}"


def synthetic_vestiging(n: int) -> str:
    """The ``n``-th synthetic vestigingsnummer (0 <= n < 10**8): ``9999`` then 8 digits."""
    if not 0 <= n < 10**8:
        raise ValueError("n must be in [0, 10**8)")
    return f"9999{n:08d}"
