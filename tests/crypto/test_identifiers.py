"""Identifier validation, canonical encoding and the synthetic generators."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crypto import oprf
from crypto.identifiers import (
    BAG_OBJECT_TYPES,
    SUBJECT_TYPES,
    SYNTHETIC_BSN_COUNT,
    Identifier,
    IdentifierError,
    IdentifierKind,
    SubjectType,
    looks_like_identifier,
    parse_identifier,
    poprf_info,
    synthetic_bag,
    synthetic_bsn,
    synthetic_kvk,
    synthetic_vestiging,
)

BSN = IdentifierKind.BSN
BAG = IdentifierKind.BAG
KVK = IdentifierKind.KVK
VESTIGING = IdentifierKind.VESTIGING


def _elfproef(digits: str) -> bool:
    """Independent restatement: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is divisible by 11."""
    weights = [9, 8, 7, 6, 5, 4, 3, 2, -1]
    return sum(w * int(d) for w, d in zip(weights, digits, strict=True)) % 11 == 0


def _error_message(kind: IdentifierKind | str, raw: str) -> str:
    with pytest.raises(IdentifierError) as caught:
        parse_identifier(kind, raw)
    return str(caught.value)


def _assert_not_echoed(message: str, raw: str) -> None:
    digits = "".join(ch for ch in raw if ch.isdigit())
    if raw.strip():
        assert raw.strip() not in message
    # No run of 4+ digits from the input may appear (that would be a partial leak).
    for start in range(max(len(digits) - 3, 0)):
        assert digits[start : start + 4] not in message


# -- BSN -------------------------------------------------------------------------------------

VALID_BSNS = ["111222333", "123456782", synthetic_bsn(0), synthetic_bsn(12345)]


@pytest.mark.parametrize("raw", VALID_BSNS)
def test_valid_bsn(raw: str) -> None:
    ident = parse_identifier(BSN, raw)
    assert ident == Identifier(BSN, raw)
    assert ident.value == raw
    assert ident.subject_type == SubjectType.PERSON


def test_bsn_surrounding_whitespace_is_stripped() -> None:
    assert parse_identifier(BSN, "  123456782\n").value == "123456782"


def test_bsn_of_eight_digits_gets_its_leading_zero_back() -> None:
    nine = next(f"0{n:08d}" for n in range(10_000_000, 99_999_999) if _elfproef(f"0{n:08d}"))
    assert parse_identifier(BSN, nine[1:]).value == nine
    assert parse_identifier(BSN, nine).value == nine


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123456781", "elfproef"),
        ("123456783", "elfproef"),
        ("000000000", "all zeros"),
        ("12345678", "elfproef"),  # padded to 012345678, which fails
        ("1234567", "9 digits"),
        ("1234567820", "9 digits"),
        ("12345678a", "digits"),
        ("1234 5678 2", "digits"),
        ("123.456.782", "digits"),
        ("-123456782", "digits"),
        ("\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff12", "digits"),  # full-width
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_invalid_bsn(raw: str, expected: str) -> None:
    message = _error_message(BSN, raw)
    assert expected in message
    _assert_not_echoed(message, raw)


def test_bsn_single_digit_typo_is_caught() -> None:
    """The elfproef catches every single-digit change of a valid BSN."""
    valid = "123456782"
    for position in range(9):
        for digit in "0123456789":
            typo = valid[:position] + digit + valid[position + 1 :]
            if typo != valid:
                with pytest.raises(IdentifierError):
                    parse_identifier(BSN, typo)


# -- BAG, KvK, vestiging ---------------------------------------------------------------------


@pytest.mark.parametrize("object_type", sorted(BAG_OBJECT_TYPES))
def test_valid_bag_ids(object_type: str) -> None:
    raw = f"0153{object_type}0000012345"
    ident = parse_identifier(BAG, raw)
    assert ident.value == raw
    assert ident.subject_type == SubjectType.ADDRESS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0000200000012345", "gemeentecode"),
        ("0153990000012345", "objecttypecode"),
        ("0153040000012345", "objecttypecode"),
        ("0153200000000000", "volgnummer"),
        ("015320000001234", "16 digits"),
        ("01532000000123456", "16 digits"),
        ("0153-20-0000012345", "digits"),
        ("", "empty"),
    ],
)
def test_invalid_bag_ids(raw: str, expected: str) -> None:
    message = _error_message(BAG, raw)
    assert expected in message
    _assert_not_echoed(message, raw)


def test_valid_kvk_and_vestiging() -> None:
    assert parse_identifier(KVK, "69599084").subject_type == SubjectType.BUSINESS
    assert parse_identifier(VESTIGING, "000012345678").subject_type == SubjectType.BUSINESS


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (KVK, "00000000", "all zeros"),
        (KVK, "1234567", "8 digits"),
        (KVK, "123456789", "8 digits"),
        (KVK, "1234567a", "digits"),
        (KVK, "", "empty"),
        (VESTIGING, "000000000000", "all zeros"),
        (VESTIGING, "12345678901", "12 digits"),
        (VESTIGING, "1234567890123", "12 digits"),
        (VESTIGING, "12345678901x", "digits"),
    ],
)
def test_invalid_kvk_and_vestiging(kind: IdentifierKind, raw: str, expected: str) -> None:
    message = _error_message(kind, raw)
    assert expected in message
    _assert_not_echoed(message, raw)


def test_eight_digit_padding_is_only_for_bsn() -> None:
    with pytest.raises(IdentifierError):
        parse_identifier(VESTIGING, "12345678")


def test_unknown_kind_is_rejected_without_echo() -> None:
    message = _error_message("passport", "123456782")
    assert "123456782" not in message


def test_kind_may_be_given_as_string() -> None:
    assert parse_identifier("kvk", "69599084").kind is KVK


def test_identifier_constructor_validates() -> None:
    with pytest.raises(IdentifierError):
        Identifier(BSN, "123456781")
    with pytest.raises(IdentifierError):
        Identifier(BSN, " 123456782")  # not canonical


def test_repr_hides_the_value() -> None:
    ident = parse_identifier(BSN, "123456782")
    assert "123456782" not in repr(ident)
    assert "123456782" not in str(ident)


# -- Subject types and OPRF encoding ---------------------------------------------------------


def test_subject_types() -> None:
    assert dict(SUBJECT_TYPES) == {
        BSN: "person",
        BAG: "address",
        KVK: "business",
        VESTIGING: "business",
    }
    assert all(kind.subject_type == SUBJECT_TYPES[kind] for kind in IdentifierKind)


def test_oprf_input_is_the_ascii_digits() -> None:
    assert parse_identifier(BSN, " 123456782 ").oprf_input() == b"123456782"


def test_poprf_info() -> None:
    assert poprf_info(BSN, "2026") == b"bsn|2026"
    assert parse_identifier(KVK, "69599084").poprf_info("2026") == b"kvk|2026"
    for bad in ("", "20|26", "2026\n", "jaar 2026"):
        with pytest.raises(ValueError):
            poprf_info(BSN, bad)


def test_same_digits_as_bsn_and_kvk_never_share_a_pseudonym() -> None:
    """Identical OPRF input bytes under different kinds give different pseudonyms."""
    digits = "069599087"  # a valid BSN whose last 8 digits are a valid KvK number
    bsn = parse_identifier(BSN, digits)
    kvk = parse_identifier(KVK, digits[1:])
    assert bsn.poprf_info("2026") != kvk.poprf_info("2026")
    key = oprf.derive_key_pair(bytes(32), b"test", oprf.Mode.POPRF)
    same_input = kvk.oprf_input()
    outputs = {
        oprf.evaluate(key.secret, same_input, mode=oprf.Mode.POPRF, info=poprf_info(kind, "2026"))
        for kind in IdentifierKind
    }
    assert len(outputs) == len(IdentifierKind)


# -- Synthetic generators --------------------------------------------------------------------


def test_synthetic_bsns_are_valid_distinct_and_deterministic() -> None:
    values = [synthetic_bsn(n) for n in range(2000)]
    assert len(set(values)) == len(values)
    assert values == [synthetic_bsn(n) for n in range(2000)]
    for value in values:
        assert value.startswith("99")
        assert _elfproef(value)
        assert parse_identifier(BSN, value).value == value


@given(st.integers(min_value=0, max_value=SYNTHETIC_BSN_COUNT - 1))
def test_every_synthetic_bsn_is_valid(n: int) -> None:
    value = synthetic_bsn(n)
    assert _elfproef(value) and value.startswith("99")
    if n > 0:
        assert synthetic_bsn(n - 1) < value  # strictly increasing, hence distinct


def test_synthetic_generators_reject_out_of_range() -> None:
    for generator, limit in (
        (synthetic_bsn, SYNTHETIC_BSN_COUNT),
        (synthetic_bag, 10**9),
        (synthetic_kvk, 10**6),
        (synthetic_vestiging, 10**8),
    ):
        with pytest.raises(ValueError):
            generator(-1)
        with pytest.raises(ValueError):
            generator(limit)


@pytest.mark.parametrize(
    ("kind", "generator"),
    [(BAG, synthetic_bag), (KVK, synthetic_kvk), (VESTIGING, synthetic_vestiging)],
)
def test_other_synthetic_identifiers_are_valid_and_distinct(
    kind: IdentifierKind, generator: Callable[[int], str]
) -> None:
    values = [generator(n) for n in range(1000)]
    assert len(set(values)) == len(values)
    for value in values:
        assert parse_identifier(kind, value).value == value


def test_synthetic_bag_accepts_a_gemeentecode() -> None:
    value = synthetic_bag(7, gemeentecode="0193")
    assert value.startswith("019320")
    assert parse_identifier(BAG, value).value == value


def _written_out(digits: str, separator: str, groups: tuple[int, ...]) -> str:
    """``digits`` in groups of the given sizes, as people write identifiers down."""
    parts, start = [], 0
    for size in groups:
        parts.append(digits[start : start + size])
        start += size
    return separator.join(parts)


@pytest.mark.parametrize("separator", [" ", ".", "-", "/", "_", ", ", " - "])
def test_identifiers_written_with_separators_are_recognised(separator: str) -> None:
    bsn, kvk, bag = synthetic_bsn(7), synthetic_kvk(7), synthetic_bag(7)
    for written in (
        _written_out(bsn, separator, (4, 2, 3)),
        _written_out(bsn, separator, (3, 3, 3)),
        _written_out(kvk, separator, (2, 2, 2, 2)),
        _written_out(bag, separator, (4, 4, 4, 4)),
        f"zaak over{separator}{_written_out(bsn, separator, (3, 3, 3))} gisteren",
    ):
        assert looks_like_identifier(written)


@pytest.mark.parametrize(
    "text",
    [
        "1234.56.782",
        "BSN 999990019",
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",  # full-width
        "12345678",
        "x1234-5678y",
        "0.1.2.3.4.5.6.7",
    ],
)
def test_eight_digits_in_a_row_after_separators_look_like_an_identifier(text: str) -> None:
    assert looks_like_identifier(text)


@pytest.mark.parametrize(
    "text",
    ["ZAAK-2026-001", "PW-2026-042", "AVG15-2026-9", "Z1234A5678", "", "Bram de Vries", "1234567"],
)
def test_fewer_digits_or_a_letter_between_them_do_not(text: str) -> None:
    assert not looks_like_identifier(text)


@given(n=st.integers(0, SYNTHETIC_BSN_COUNT - 1), separator=st.sampled_from(" .-/_"))
def test_every_bsn_however_separated_looks_like_an_identifier(n: int, separator: str) -> None:
    assert looks_like_identifier(separator.join(synthetic_bsn(n)))
