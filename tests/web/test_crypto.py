"""The browser computes exactly what the Python client computes: the same pseudonym for the
same identifier and epoch, through the same pseudonymiser; the same verdict on what is a
valid identifier and what free text may hold one.

The app's own crypto comes from ``web/dist/test/crypto.js`` (the web build ships it for tests
and the bench; the app never loads it), loaded into a page of the hub's origin, so the
pseudonymiser's CORS and the hub's CSP are those the app meets.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from api.client.pseudonymise import PseudonymiserClient
from crypto.identifiers import (
    IdentifierError,
    IdentifierKind,
    looks_like_identifier,
    parse_identifier,
    synthetic_bag,
    synthetic_bsn,
    synthetic_kvk,
    synthetic_vestiging,
)
from tests.web.conftest import WebServices
from testsupport.browser import new_context

pytestmark = [pytest.mark.browser, pytest.mark.processes]

SUBJECTS = [
    (IdentifierKind.BSN, synthetic_bsn(401)),
    (IdentifierKind.BSN, synthetic_bsn(402)),
    (IdentifierKind.BAG, synthetic_bag(401)),
    (IdentifierKind.KVK, synthetic_kvk(401)),
    (IdentifierKind.VESTIGING, synthetic_vestiging(401)),
]


@pytest.fixture(scope="module")
def crypto_page(browser: Browser, web: WebServices) -> Iterator[Page]:
    """A page of the hub's origin with ``window.betrokkenCrypto``."""
    context = new_context(browser, "desktop")
    page = context.new_page()
    page.goto(f"{web.hub.url}/app/config.json")
    page.add_script_tag(url=f"{web.hub.url}/app/test/crypto.js")
    assert page.evaluate("typeof window.betrokkenCrypto.pseudonymise") == "function"
    yield page
    context.close()


def browser_pseudonym(
    page: Page, web: WebServices, token: str, kind: str, value: str, epoch: str | None
) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        """([kind, value, options]) => betrokkenCrypto.pseudonymise(kind, value, options)""",
        [kind, value, {"pseudonymiserUrl": web.pseudonymiser.url, "token": token, "epoch": epoch}],
    )
    return result


@pytest.mark.parametrize("epoch", [None, "2026"])
def test_browser_pseudonym_equals_python_client(
    crypto_page: Page, web: WebServices, epoch: str | None
) -> None:
    assert web.idp is not None
    token = web.idp.issue_for("anna")
    with PseudonymiserClient(web.pseudonymiser.url, token) as client:
        for kind, value in SUBJECTS:
            python = client.pseudonymise_one(kind, value, epoch=epoch)
            browser = browser_pseudonym(crypto_page, web, token, kind.value, value, epoch)
            assert browser == {"kind": kind.value, "epoch": "2026", "pseudonym": python.value}
    # and it is a function of the identifier: another one gives another pseudonym
    other = browser_pseudonym(crypto_page, web, token, "bsn", synthetic_bsn(403), epoch)
    assert (
        other["pseudonym"]
        != browser_pseudonym(crypto_page, web, token, "bsn", synthetic_bsn(401), epoch)["pseudonym"]
    )


def test_an_eight_digit_bsn_is_the_nine_digit_one(crypto_page: Page, web: WebServices) -> None:
    assert web.idp is not None
    token = web.idp.issue_for("anna")
    bsn = next(
        value for value in (f"0{n:08d}" for n in range(12_345_670, 12_345_700)) if valid(value)
    )
    with PseudonymiserClient(web.pseudonymiser.url, token) as client:
        python = client.pseudonymise_one(IdentifierKind.BSN, bsn[1:])
    browser = browser_pseudonym(crypto_page, web, token, "bsn", bsn[1:], None)
    assert browser["pseudonym"] == python.value


def valid(value: str) -> bool:
    try:
        parse_identifier(IdentifierKind.BSN, value)
    except IdentifierError:
        return False
    return True


RAW = [
    ("bsn", synthetic_bsn(7)),
    ("bsn", synthetic_bsn(7)[1:]),  # 8 digits: not a leading zero, so the elfproef decides
    ("bsn", " " + synthetic_bsn(8) + "\t"),
    ("bsn", "\x1c" + synthetic_bsn(8) + "\u3000"),
    ("bsn", "\ufeff" + synthetic_bsn(8)),  # Python's strip leaves U+FEFF, so it is refused
    ("bsn", "123456789"),  # fails the elfproef
    ("bsn", "000000000"),
    ("bsn", "12345678a"),
    ("bsn", "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff12"),  # full-width digits
    ("bsn", ""),
    ("bsn", "   "),
    ("bag", synthetic_bag(9)),
    ("bag", "0000200000000001"),
    ("bag", "0363990000000001"),
    ("bag", "0363200000000000"),
    ("bag", "036320000000001"),
    ("kvk", synthetic_kvk(9)),
    ("kvk", "00000000"),
    ("kvk", "1234567"),
    ("vestiging", synthetic_vestiging(9)),
    ("vestiging", "000000000000"),
]

FREE_TEXT = [
    "PW-2026-042",
    "PW-2026-0042",
    "1234.56.782",
    "12 34 56 78",
    "0363-2001-0000-0001",
    "tel 06-1234 567",
    "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",  # full-width digits count
    "١٢٣٤٥٦٧٨",  # Arabic-Indic digits
    "12345a678",  # a letter ends a run
    "1234567",
    "²³⁴⁵⁶⁷⁸⁹",  # NFKC makes them digits
    "Ⅻ 1234567",
    "1234\u0301567\u03018",  # combining marks are separators, not letters
    "",
]


def test_validation_is_the_python_validation(crypto_page: Page) -> None:
    verdicts = crypto_page.evaluate(
        """(raw) => raw.map(([kind, value]) => {
          try { return betrokkenCrypto.parseIdentifier(kind, value).value; }
          catch (error) { return null; }
        })""",
        [list(pair) for pair in RAW],
    )
    for (kind, value), browser in zip(RAW, verdicts, strict=True):
        try:
            python: str | None = parse_identifier(kind, value).value
        except IdentifierError:
            python = None
        assert browser == python, f"{kind} {value!r}: browser {browser!r}, python {python!r}"


def test_looks_like_identifier_is_the_python_rule(crypto_page: Page) -> None:
    verdicts = crypto_page.evaluate(
        "(texts) => texts.map((t) => betrokkenCrypto.looksLikeIdentifier(t))", FREE_TEXT
    )
    for text, browser in zip(FREE_TEXT, verdicts, strict=True):
        assert browser == looks_like_identifier(text), repr(text)
