"""Own references are sealed for one team and one row, and refused when they could hold an
identifier."""

from __future__ import annotations

import uuid

import pytest

from crypto.identifiers import looks_like_identifier
from hub.fields import refuse_identifier
from hub.references import ReferenceSealer


def test_a_sealed_reference_opens_only_for_its_team_and_row() -> None:
    sealer = ReferenceSealer(bytes(range(32)))
    team, row = uuid.uuid4(), uuid.uuid4()
    sealed = sealer.seal("WIJK-2026-113", team=team, row=row)
    assert b"WIJK" not in sealed
    assert sealer.open(sealed, team=team, row=row) == "WIJK-2026-113"
    for other in ({"team": uuid.uuid4(), "row": row}, {"team": team, "row": uuid.uuid4()}):
        with pytest.raises(ValueError):
            sealer.open(sealed, **other)
    assert sealer.seal("WIJK-2026-113", team=team, row=row) != sealed  # a fresh nonce
    assert sealer.digest("WIJK-2026-113") == sealer.digest("WIJK-2026-113")
    assert sealer.digest("WIJK-2026-113") != ReferenceSealer(bytes(32)).digest("WIJK-2026-113")


@pytest.mark.parametrize(
    "text, found",
    [
        ("WIJK-2026-113", False),
        ("gezin De V.", False),
        ("2026-11-30", True),  # eight digits once the separators go: refused, as issue 15 asks
        ("999990019", True),
        ("bsn 9999 90 019", True),
        ("x9999.90.019", True),
    ],
)
def test_identifier_like_text_is_found(text: str, found: bool) -> None:
    assert looks_like_identifier(text) is found


def test_the_refusal_does_not_repeat_the_text() -> None:
    with pytest.raises(ValueError) as refused:
        refuse_identifier("gezin 999990019")
    assert "999990019" not in str(refused.value)
