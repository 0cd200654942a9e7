"""Signing in again when the session ends, without losing the form; and signing in at the
real OpenID provider (oidc-provider) instead of the hub's development one.

The expiring hub's development provider issues tokens for ``SHORT_TOKEN_SECONDS``; the app
asks to sign in again a little before a token would be refused. The page's clock is moved
past that point (Playwright's clock), so the test need not wait a minute: the token the app
got is still checked to be that short-lived. A hub that answers 401 (it refused the token)
must lead to the same dialog.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Route, expect

from crypto.identifiers import synthetic_bsn
from tests.web.conftest import SHORT_TOKEN_SECONDS, OidcWeb, WebServices
from tests.web.support import SIGN_IN_AGAIN, Visit
from testsupport.browser import new_context

pytestmark = [pytest.mark.browser, pytest.mark.processes]


@pytest.fixture
def expiring(browser: Browser, short_web: WebServices) -> Iterator[Visit]:
    context = new_context(browser, "phone")
    context.clock.install()
    try:
        yield Visit.start(context, short_web.app, "phone")
    finally:
        context.close()


def token_lifetime(visit: Visit) -> int:
    """exp - iat of the access token the app got from the token endpoint."""
    answers = [
        json.loads(sent.answer)
        for sent in visit.recorder.sent()
        if sent.method == "POST" and sent.url.endswith("/dev-idp/token") and sent.status == 200
    ]
    assert answers, "the app got no token"
    payload = answers[-1]["access_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return int(claims["exp"]) - int(claims["iat"])


def fill_check(visit: Visit, bsn: str, case_ref: str) -> None:
    visit.screen("check")
    visit.textbox("BSN").fill(bsn)
    visit.textbox("Zaakkenmerk").fill(case_ref)


def sign_in_again(visit: Visit) -> None:
    dialog = visit.page.get_by_role("dialog", name=SIGN_IN_AGAIN)
    expect(dialog).to_be_visible()
    visit.check_screen("check", shot="sign-in-again")
    with visit.page.expect_popup() as opened:
        dialog.get_by_role("button", name=SIGN_IN_AGAIN).click()
    popup = opened.value
    with popup.expect_event("close"):
        popup.locator('button[name="member"][value="anna"]').click()
    expect(dialog).to_be_hidden()


def test_an_expired_session_signs_in_again_and_keeps_the_form(expiring: Visit) -> None:
    bsn = synthetic_bsn(1704)
    expiring.open()
    expiring.sign_in("anna")
    assert token_lifetime(expiring) == SHORT_TOKEN_SECONDS
    fill_check(expiring, bsn, "PW-2026-044")
    expiring.page.clock.fast_forward(SHORT_TOKEN_SECONDS * 1000 + 1000)
    expiring.button("Controleren").click()
    sign_in_again(expiring)
    # the check that waited went on, with what was typed
    expect(expiring.page.get_by_role("heading", name="Uitkomst")).to_be_visible()
    expect(expiring.textbox("BSN")).to_have_value(bsn)
    expect(expiring.textbox("Zaakkenmerk")).to_have_value("PW-2026-044")
    tokens = [s for s in expiring.recorder.sent() if s.url.endswith("/dev-idp/token")]
    assert len(tokens) == 2
    assert expiring.in_clear([bsn]) == []
    expiring.assert_screens_ok()


def test_a_refused_token_signs_in_again(phone: Visit) -> None:
    bsn = synthetic_bsn(1705)
    refused: list[str] = []

    def once_401(route: Route) -> None:
        if refused:
            route.continue_()
            return
        refused.append(route.request.url)
        route.fulfill(
            status=401,
            content_type="application/problem+json",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            body=json.dumps(
                {
                    "type": "about:blank",
                    "title": "Unauthorized",
                    "status": 401,
                    "detail": "token expired",
                    "code": "invalid_token",
                }
            ),
        )

    phone.open()
    phone.sign_in("anna")
    fill_check(phone, bsn, "PW-2026-045")
    phone.page.route(re.compile(r".*/api/v1/involvement-checks$"), once_401)
    phone.button("Controleren").click()
    sign_in_again(phone)
    expect(phone.page.get_by_role("heading", name="Uitkomst")).to_be_visible()
    assert len(refused) == 1
    expect(phone.textbox("BSN")).to_have_value(bsn)
    assert phone.in_clear([bsn]) == []
    phone.assert_screens_ok()


def test_sign_in_at_the_real_provider(browser: Browser, oidc_web: OidcWeb) -> None:
    bsn = synthetic_bsn(1706)
    context = new_context(browser, "desktop")
    try:
        visit = Visit.start(context, oidc_web.services.app, "desktop")
        visit.open()
        visit.screen("sign-in")
        visit.sign_in_at_provider("anna")
        fill_check(visit, bsn, "PW-2026-046")
        visit.button("Controleren").click()
        expect(visit.page.get_by_role("heading", name="Uitkomst")).to_be_visible()
        expect(visit.page.get_by_text(re.compile("^Ingelogd als Anna de Vries"))).to_be_visible()
        sent = visit.recorder.sent()
        # the code went to the provider's token endpoint from the page (CORS), with PKCE
        exchange = [s for s in sent if s.url == f"{oidc_web.provider.issuer}/token"]
        assert len(exchange) == 1 and exchange[0].status == 200
        assert b"code_verifier=" in exchange[0].body
        assert visit.in_clear([bsn]) == []
        # the provider's own pages (its development login asks for a web font) are not ours
        assert visit.recorder.console_errors(except_on=(oidc_web.provider.issuer,)) == []
    finally:
        context.close()
