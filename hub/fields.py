"""Field types that the request schemas and query parameters share.

Every bound a caller's input must keep is declared here once, so that the schemas, the
routes and the OpenAPI document agree on it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Final

from pydantic import AfterValidator, AwareDatetime, Field

from crypto.identifiers import (
    IdentifierError,
    IdentifierKind,
    looks_like_identifier,
    parse_identifier,
)

MAX_POSITION: Final = 2**53 - 1
"""The largest offset, sequence number, tree index or tree size a caller may send.

It is the largest integer that every JSON client reads exactly (JavaScript's
``Number.MAX_SAFE_INTEGER``), and far below what the databases hold (PostgreSQL's
``bigint`` and SQLite's integers end at 2**63-1): a larger value would reach the driver
and fail there as a 500 instead of a 422.
"""

BSN_DIGITS: Final = 9
_UUID: Final = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")


def refuse_identifier(text: str) -> str:
    """``text`` unless it may hold an identifier or a control character (then ValueError).

    The hub never receives a BSN, KvK number or BAG id in clear (docs/design.md), and what
    a caller types often ends in an audit leaf, which is never deleted. The message says
    why and never repeats the text.
    """
    if looks_like_identifier(text):
        raise ValueError(
            "may not hold an identifier: 8 or more digits, also with spaces, dots, dashes "
            "or other separators between them"
        )
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in text):
        raise ValueError("may not hold control characters")
    return text


def is_uuid(text: str) -> bool:
    """Whether ``text`` is a UUID in its canonical 8-4-4-4-12 form."""
    return _UUID.fullmatch(text) is not None


def _refuse_identifier_unless_uuid(text: str) -> str:
    return text if is_uuid(text) else refuse_identifier(text)


def _refuse_bsn_phone(text: str) -> str:
    """A phone number's digits run long, so only one that is a valid BSN is refused."""
    digits = "".join(char for char in text if char.isdigit())
    if len(digits) == BSN_DIGITS:
        try:
            parse_identifier(IdentifierKind.BSN, digits)
        except IdentifierError:
            return text
        raise ValueError("may not hold an identifier: these 9 digits are a valid BSN")
    return text


FreeText = Annotated[str, AfterValidator(refuse_identifier)]
"""Any text a caller chooses (a case reference, a name, a code): no identifier in it."""

MemberRef = Annotated[str, AfterValidator(_refuse_identifier_unless_uuid)]
"""A member as the token's ``sub`` names them: a UUID (Keycloak, Entra ID) as it is, since
its digit groups may run to 8 by chance; anything else as free text."""

Email = Annotated[
    str, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+$"), AfterValidator(refuse_identifier)
]

Phone = Annotated[
    str, Field(max_length=40, pattern=r"^\+?[0-9 ()-]{6,40}$"), AfterValidator(_refuse_bsn_phone)
]
"""A phone number. Dutch numbers have 10 digits (0612345678) or 11 with +31, so the free
text rule would refuse every one; a BSN has 9, so a phone of 9 digits that passes the
elfproef is refused (a Dutch number without its leading zero may be too, rarely)."""

ZONED_TIME = (
    "An RFC 3339 date-time with its offset, e.g. 2026-11-23T09:00:00+01:00 or "
    "2026-11-23T08:00:00Z; a time without one is refused, since it is ambiguous."
)

ZonedTime = Annotated[AwareDatetime, Field(description=ZONED_TIME)]
"""A moment a caller names: it must carry its zone offset (422 otherwise)."""
