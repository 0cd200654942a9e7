"""The working day in the browser, against the hub and the pseudonymiser as processes.

A handhaver (anna, pw-handhaving) checks a BSN on her phone: she sees that schuldhulp is
involved and not that jeugd is, and asks schuldhulp for contact; bram (schuldhulp), who
registered his flag through the app, sees which of his flags it concerns and accepts; she
then sees his contact person. An address (BAG) and a business (KvK) are flagged and checked
on a desktop. After each, everything the browsers sent, showed and kept is searched for the
identifiers (and, in URLs, the console and storage, for their pseudonyms).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from api.client.hub import HubClient
from api.client.pseudonymise import PseudonymiserClient
from crypto.identifiers import IdentifierKind, synthetic_bag, synthetic_bsn, synthetic_kvk
from tests.web.conftest import WebServices
from tests.web.support import Visit
from testsupport.browser import new_context

pytestmark = [pytest.mark.browser, pytest.mark.processes]

CASE_REF = "PW-2026-042"


def pseudonym(web: WebServices, kind: IdentifierKind, value: str) -> str:
    """What the Python client makes of ``value``: the browser's must be the same."""
    assert web.idp is not None
    with PseudonymiserClient(web.pseudonymiser.url, web.idp.issue_for("anna")) as client:
        return client.pseudonymise_one(kind, value).value


@pytest.fixture
def second_phone(browser: Browser, web: WebServices) -> Iterator[Visit]:
    context = new_context(browser, "phone")
    try:
        yield Visit.start(context, web.app, "phone")
    finally:
        context.close()


def assert_clean(visit: Visit, identifiers: list[str], derived: list[str]) -> None:
    """No identifier in clear anywhere, no error on the console; and the recorder of this
    very visit would have caught one: a request planted with the first identifier is
    found, and is the only thing found."""
    assert visit.in_clear(identifiers, derived) == []
    assert visit.recorder.console_errors() == []
    visit.assert_screens_ok()
    visit.page.evaluate("(value) => fetch(`/api/v1/health?planted=${value}`)", identifiers[0])
    found = visit.in_clear(identifiers, derived)
    assert len(found) == 1 and "planted=" in found[0], found


def assert_only_pseudonyms_sent(
    visit: Visit, web: WebServices, path: str, pseudonyms: list[str]
) -> None:
    """The hub got exactly these pseudonyms at ``path`` (the Python client's, for the same
    identifiers); the pseudonymiser got only blinded elements, with no Referer."""
    sent = visit.recorder.sent()
    to_hub = [s for s in sent if s.method == "POST" and s.url == f"{web.hub.url}{path}"]
    assert [json.loads(s.body)["subject"]["pseudonym"] for s in to_hub] == pseudonyms
    evaluations = [s for s in sent if s.url == f"{web.pseudonymiser.url}/api/v1/evaluations"]
    posted = [s for s in evaluations if s.method == "POST"]
    assert len(posted) == len(pseudonyms)
    for request in posted:
        assert set(json.loads(request.body)) == {"kind", "epoch", "blinded_elements"}
        assert request.headers["authorization"].startswith("Bearer ")
        assert "referer" not in request.headers


def register(visit: Visit, identifier: str, *, subject: str | None = None, **fields: str) -> None:
    """Fill in the register screen (already open) and send it."""
    page = visit.page
    if subject is not None:
        page.get_by_role("radio", name=subject).check()
    label = {
        "Persoon (BSN)": "BSN",
        "Adres (BAG-id)": "BAG-id",
        "Bedrijf (KvK-nummer)": "KvK-nummer",
    }
    visit.textbox(label.get(subject or "", "BSN")).fill(identifier)
    for name, value in fields.items():
        visit.textbox(name).fill(value)
    visit.button("Registreren").click()
    expect(page.locator("#main").get_by_text(re.compile(r"^Geregistreerd\."))).to_be_visible()


def check(visit: Visit, identifier: str, case_ref: str, *, subject: str | None = None) -> None:
    page = visit.page
    if subject is not None:
        page.get_by_role("radio", name=subject).check()
    label = {
        "Persoon (BSN)": "BSN",
        "Adres (BAG-id)": "BAG-id",
        "Bedrijf (KvK-nummer)": "KvK-nummer",
    }
    visit.textbox(label.get(subject or "", "BSN")).fill(identifier)
    visit.textbox("Zaakkenmerk").fill(case_ref)
    visit.button("Controleren").click()
    expect(page.get_by_role("heading", name="Uitkomst")).to_be_visible()


def test_handhaver_checks_and_gets_in_touch(
    phone: Visit, second_phone: Visit, web: WebServices
) -> None:
    bsn = synthetic_bsn(1701)
    assert web.idp is not None
    # The jeugd flag, registered as a chain partner's system would: the Python client.
    token = web.idp.issue_for("jesse")
    with (
        PseudonymiserClient(web.pseudonymiser.url, token) as client,
        HubClient(web.hub.url, token) as hub,
    ):
        hub.register_flag(client.pseudonymise_one(IdentifierKind.BSN, bsn), purpose="hulpverlening")

    # Bram registers schuldhulp's flag through the app.
    bram = second_phone
    bram.open()
    bram.check_screen("sign-in")
    bram.sign_in("bram", shot=True)
    bram.screen("check")
    bram.go("Registreren")
    bram.check_screen("register")
    register(
        bram,
        bsn,
        Naam="Bram Bakker",
        **{
            "E-mailadres": "bram.bakker@example.org",
            "Kenmerk": "SHV-2026-113",
            "Label": "gezin De V.",
        },
    )
    bram.check_screen("register", shot="register-done")

    # Anna checks: schuldhulp, not jeugd; she asks for contact.
    anna = phone
    anna.open()
    anna.sign_in("anna")
    anna.check_screen("check", shot="check-person")
    check(anna, bsn, CASE_REF)
    result = anna.page.locator("section.app-result")
    expect(result.get_by_role("heading", name="Schuldhulpverlening", level=3)).to_be_visible()
    expect(result).to_contain_text("1 ander team is betrokken.")
    expect(result).not_to_contain_text("Wijkteam Jeugd")
    # one team card, schuldhulp's, with the one way to ask for contact; jeugd only as what
    # the policy never shows her
    expect(result.get_by_role("button", name="Contact aanvragen")).to_have_count(1)
    expect(result).to_contain_text("niet zien of Jeugd betrokken is")
    anna.check_screen("check", shot="check-result")
    result.get_by_role("button", name="Contact aanvragen").click()
    anna.textbox("Je e-mailadres").fill("anna.de.vries@example.org")
    anna.check_screen("check", shot="request-contact")
    anna.button("Verzoek versturen").click()
    expect(
        anna.page.locator("#main").get_by_text("Je verzoek is verstuurd naar Schuldhulpverlening")
    ).to_be_visible()

    # Bram sees the request: from whom, and which of his flags it concerns; he accepts.
    bram.go("Verzoeken")
    requests = bram.check_screen("requests", shot="requests-incoming")
    incoming = requests.get_by_role("listitem").filter(has_text="Handhaving Participatiewet")
    expect(incoming).to_contain_text("SHV-2026-113")
    expect(incoming).to_contain_text("gezin De V.")
    expect(incoming).to_contain_text(CASE_REF)
    incoming.get_by_role("button", name="Accepteren").click()
    expect(bram.page.locator("#main").get_by_text(re.compile("^Geaccepteerd\\."))).to_be_visible()
    bram.check_screen("requests", shot="requests-accepted")

    # Anna sees his contact person.
    anna.go("Verzoeken")
    outgoing = anna.check_screen("requests", shot="requests-outgoing")
    accepted = outgoing.get_by_role("listitem").filter(has_text="Schuldhulpverlening")
    expect(accepted).to_contain_text("Geaccepteerd")
    expect(accepted).to_contain_text("Bram Bakker")
    expect(accepted).to_contain_text("bram.bakker@example.org")
    # and her inbox says so; his said who asked
    anna.go("Berichten")
    inbox = anna.check_screen("inbox", shot="inbox-accepted")
    expect(inbox).to_contain_text("Je contactverzoek is geaccepteerd.")
    bram.go("Berichten")
    expect(bram.check_screen("inbox", shot="inbox-request")).to_contain_text(
        "Nieuw contactverzoek van Handhaving Participatiewet"
    )

    derived = [pseudonym(web, IdentifierKind.BSN, bsn)]
    assert_only_pseudonyms_sent(anna, web, "/api/v1/involvement-checks", derived)
    assert_only_pseudonyms_sent(bram, web, "/api/v1/flags", derived)
    for visit in (anna, bram):
        assert_clean(visit, [bsn], derived)


def test_an_address_and_a_business_are_flagged_and_checked(
    desktop: Visit, web: WebServices, browser: Browser
) -> None:
    bag, kvk = synthetic_bag(1702), synthetic_kvk(1702)
    # Tessa (VTH) registers both.
    tessa = desktop
    tessa.open()
    tessa.sign_in("tessa")
    tessa.go("Registreren")
    tessa.screen("register")
    register(tessa, bag, subject="Adres (BAG-id)", Kenmerk="VTH-2026-31")
    tessa.go("Mijn signalen")
    tessa.go("Registreren")
    register(tessa, kvk, subject="Bedrijf (KvK-nummer)", Kenmerk="VTH-2026-32")
    tessa.go("Mijn signalen")
    flags = tessa.check_screen("flags")
    expect(flags.get_by_text("VTH-2026-31")).to_be_visible()
    expect(flags.get_by_text("VTH-2026-32")).to_be_visible()

    # Vincent (vergunningen) checks both before a permit decision, and sees VTH.
    context = new_context(browser, "desktop")
    try:
        vincent = Visit.start(context, web.app, "desktop")
        vincent.open()
        vincent.sign_in("vincent")
        vincent.screen("check")
        for subject, value in (("Adres (BAG-id)", bag), ("Bedrijf (KvK-nummer)", kvk)):
            check(vincent, value, "VG-2026-7", subject=subject)
            result = vincent.page.locator("section.app-result")
            expect(
                result.get_by_role("heading", name="Toezicht en handhaving", level=3)
            ).to_be_visible()
        vincent.check_screen("check", shot="check-business")
        derived = [pseudonym(web, IdentifierKind.BAG, bag), pseudonym(web, IdentifierKind.KVK, kvk)]
        assert_only_pseudonyms_sent(vincent, web, "/api/v1/involvement-checks", derived)
        assert_only_pseudonyms_sent(tessa, web, "/api/v1/flags", derived)
        for visit in (tessa, vincent):
            assert_clean(visit, [bag, kvk], derived)
    finally:
        context.close()
