"""What the app refuses before anything leaves the browser: a number that is no BSN (the
elfproef), and an identifier typed into a free-text field (a case reference, a label) even
with separators in it. Nothing is sent to the pseudonymiser or the hub for them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crypto.identifiers import synthetic_bsn
from tests.web.conftest import WebServices
from tests.web.support import Visit

pytestmark = [pytest.mark.browser, pytest.mark.processes]

LOOKS_LIKE = "Dit lijkt een BSN, KvK-nummer of BAG-id"


def sent_for_subjects(visit: Visit, web: WebServices) -> list[str]:
    return [
        s.url
        for s in visit.recorder.sent()
        if s.method == "POST"
        and (s.url.startswith(web.pseudonymiser.url) or "/involvement-checks" in s.url)
    ]


def test_nothing_leaves_for_what_the_app_refuses(phone: Visit, web: WebServices) -> None:
    bsn, other = synthetic_bsn(1707), synthetic_bsn(1708)
    phone.open()
    phone.sign_in("anna")
    phone.screen("check")
    identifier, case_ref = phone.textbox("BSN"), phone.textbox("Zaakkenmerk")

    # a BSN that fails the elfproef
    identifier.fill("123456789")
    case_ref.fill("PW-2026-047")
    phone.button("Controleren").click()
    expect(identifier).to_have_attribute("aria-invalid", "true")
    expect(phone.page.locator("#main")).to_contain_text("elfproef")

    # another person's BSN in the case reference, however it is written
    identifier.fill(bsn)
    for written in (other, f"PW {other[:3]}.{other[3:6]}.{other[6:]}"):
        case_ref.fill(written)
        phone.button("Controleren").click()
        expect(case_ref).to_have_attribute("aria-invalid", "true")
        expect(phone.page.locator("#main")).to_contain_text(LOOKS_LIKE)
    phone.check_screen("check", shot="check-refused")

    assert sent_for_subjects(phone, web) == []
    assert phone.in_clear([other, "123456789"]) == []
    phone.assert_screens_ok()
