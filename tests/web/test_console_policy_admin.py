"""The policy and administration screens, and a professional kept out of the console.

The privacy officer reads the policy in force, has a decision explained with its rules and
their lines, compares the version in force with one the beheerder uploaded, and rejects it
(two people: the uploader may never decide). The beheerder changes a team's contact person
(confirmed first) and the next match on that team names the new one; makes and ends a
convenant. A professional sees no console screen and gets 403 from every console route.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.helpers import opaque_pseudonym, policy_without_pw_seeing_schuldhulp, register
from tests.web.conftest import WebServices
from tests.web.console_b import doc_shot, hub, token
from tests.web.support import Visit

pytestmark = [pytest.mark.browser, pytest.mark.processes]

ORG = "gemeente-voorbeeld"
PARTNER = "gemeente-buurdorp"
NEW_CONTACT = "Noor Jansen"
CONSOLE_PREFIXES = ("/api/v1/audit/", "/api/v1/policy", "/api/v1/admin/")
PUBLIC = {("GET", "/api/v1/audit/public-key")}


@pytest.fixture(scope="module")
def versions(web: WebServices) -> dict[str, str]:
    """The version in force (the hub's policy file) and one marieke uploaded, pending."""
    marieke = token(web, "marieke")
    with hub(web) as client:
        listed = client.get("/api/v1/policy", headers=marieke).json()
        uploaded = client.post(
            f"/api/v1/admin/organisations/{ORG}/policies",
            json={"text": policy_without_pw_seeing_schuldhulp(f"Console {uuid.uuid4()}")},
            headers=marieke,
        )
    assert uploaded.status_code == 201, uploaded.text
    return {"old": listed["in_force"]["version"], "new": uploaded.json()["version"]}


def test_the_officer_explains_diffs_and_rejects(desktop: Visit, versions: dict[str, str]) -> None:
    visit = desktop
    visit.open()
    visit.sign_in("fatima")
    visit.go("Beleid")
    root = visit.check_screen("console-policy")
    expect(root.locator("[data-version]")).to_have_attribute("data-version", versions["old"])
    visibility = root.locator("table#table-visibility")
    expect(visibility.locator("caption")).to_contain_text("Zichtbaarheid")
    expect(root.locator("table#table-legal-bases")).to_contain_text("Participatiewet art. 64")

    # "may pw-handhaving see the wijkteam jeugd for rechtmatigheid?": no, and why
    page = visit.page
    page.get_by_label("Team (vraagt)", exact=True).select_option("pw-handhaving")
    page.get_by_label("Team (wordt gezien)", exact=True).select_option("jeugd-wijkteam")
    page.get_by_label("Doel", exact=True).select_option("rechtmatigheid")
    visit.textbox("Datum").fill("2026-12-01")
    visit.button("Uitleggen").click()
    answer = root.locator("[data-explanation]")
    expect(answer).to_contain_text("Geweigerd")
    rule = answer.locator('[data-rule="pw-sees"]')
    expect(rule).to_contain_text(re.compile(r"pw-sees \(regel \d+\): past niet"))
    # and the schuldhulp team: yes, by which rule on which line, under which article
    page.get_by_label("Team (wordt gezien)", exact=True).select_option("schuldhulp")
    visit.button("Uitleggen").click()
    expect(answer).to_contain_text(
        re.compile(r"Toegestaan door regel pw-sees \(regel \d+ van het beleid\)")
    )
    expect(answer).to_contain_text("Participatiewet art. 64")
    visit.check_screen("console-policy", shot="console-policy-explained")
    doc_shot(page, "policy-explain", root.locator("section", has=page.locator("#explain-title")))

    # the diff: the version in force against marieke's, decision by decision
    page.get_by_label("Oude versie", exact=True).select_option(versions["old"])
    page.get_by_label("Nieuwe versie", exact=True).select_option(versions["new"])
    visit.button("Vergelijken").click()
    change = root.locator('[data-change="see:pw:schuldhulp:rechtmatigheid"]')
    expect(change).to_contain_text("Toegestaan → Geweigerd")
    expect(root.locator("[data-diff] li")).to_have_count(2)  # see, and contact, which follows it
    visit.check_screen("console-policy", shot="console-policy-diff")
    doc_shot(page, "policy-diff", root.locator("section", has=page.locator("#versions-title")))

    # fatima rejects it (approving would change what every other test's checks see)
    short = versions["new"][:12]
    visit.button(f"Afwijzen {short}").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(short)
    dialog.get_by_role("button", name="Afwijzen", exact=True).click()
    expect(root.get_by_text(f"Versie {short} is afgewezen.")).to_be_visible()
    expect(root.locator("table#table-versions")).to_contain_text("afgewezen")
    visit.assert_screens_ok()


def test_the_uploader_may_not_decide(web: WebServices) -> None:
    """The two-person rule (docs/administration.md): a person with both roles uploads, and
    may not approve what they uploaded; the officer rejects it."""
    both = token(
        web, "dubbel", roles=["functioneel_beheerder", "privacy_officer"], organisation=ORG
    )
    with hub(web) as client:
        uploaded = client.post(
            f"/api/v1/admin/organisations/{ORG}/policies",
            json={"text": policy_without_pw_seeing_schuldhulp(f"Dubbel {uuid.uuid4()}")},
            headers=both,
        ).json()["version"]
        url = f"/api/v1/admin/organisations/{ORG}/policies/{uploaded}"
        refused = client.post(f"{url}/approval", headers=both)
        assert refused.status_code == 403 and refused.json()["code"] == "two_person_rule"
        assert client.post(f"{url}/rejection", headers=token(web, "fatima")).status_code == 200


@pytest.fixture(scope="module")
def partner(web: WebServices) -> str:
    """A second organisation (made by the hub operator) to make a convenant with."""
    with hub(web) as client:
        made = client.post(
            "/api/v1/admin/organisations",
            json={"slug": PARTNER, "name": "Gemeente Buurdorp", "kind": "gemeente"},
            headers=token(web, "beheer"),
        )
    assert made.status_code in (201, 409), made.text
    return PARTNER


def test_the_beheerder_changes_a_contact_person_and_convenants(
    desktop: Visit, web: WebServices, partner: str
) -> None:
    visit = desktop
    page = visit.page
    visit.open()
    visit.sign_in("marieke")
    policy = visit.screen("console-policy")  # a beheerder's first screen, in the menu's order

    # she uploads a version: a broken one is refused with its problems, a good one waits
    broken = b"policy:\n  name: Kapot\nrules: 12\n"
    page.set_input_files(
        "#policy-file", files=[{"name": "kapot.yaml", "mimeType": "text/yaml", "buffer": broken}]
    )
    visit.button("Uploaden").click()
    page.get_by_role("dialog").get_by_role("button", name="Uploaden").click()
    expect(policy.get_by_role("alert")).to_be_visible()
    good = policy_without_pw_seeing_schuldhulp(f"Upload {uuid.uuid4()}").encode()
    page.set_input_files(
        "#policy-file", files=[{"name": "nieuw.yaml", "mimeType": "text/yaml", "buffer": good}]
    )
    visit.button("Uploaden").click()
    page.get_by_role("dialog").get_by_role("button", name="Uploaden").click()
    expect(policy.get_by_text(re.compile(r"Versie [0-9a-f]{12} is geüpload"))).to_be_visible()
    visit.check_screen("console-policy", shot="console-policy-uploaded")

    visit.go("Beheer")
    root = visit.check_screen("console-admin")
    card = root.locator('[data-team="jeugd-wijkteam"]')
    card.get_by_role("button", name="Wijkteam Jeugd wijzigen").click()
    card.get_by_role("textbox", name="Contactpersoon").fill(NEW_CONTACT)
    card.get_by_role("button", name="Opslaan").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Wijkteam Jeugd")
    dialog.get_by_role("button", name="Opslaan").click()
    expect(root.get_by_text("De gegevens van Wijkteam Jeugd zijn opgeslagen.")).to_be_visible()
    expect(card.locator('[data-field="contact_person"]')).to_have_text(NEW_CONTACT)
    visit.check_screen("console-admin", shot="console-admin-saved")
    doc_shot(page, "admin", card)

    # the next match on that team names the new contact person, to the other team
    marieke = token(web, "marieke")
    other = token(web, "ggd-medewerker", roles=["professional"], team="jeugd-ggd")
    subject = opaque_pseudonym(f"console-match-{uuid.uuid4()}")
    with hub(web) as client:
        made = client.post(
            f"/api/v1/admin/organisations/{ORG}/teams",
            json={"slug": "jeugd-ggd", "name": "Jeugdgezondheidszorg", "domain": "jeugd"},
            headers=marieke,
        )
        assert made.status_code in (201, 409), made.text
        jesse = token(web, "jesse")
        assert register(client, jesse, subject, purpose="hulpverlening").status_code == 201
        assert register(client, other, subject, purpose="hulpverlening").status_code == 201
        matches = client.get("/api/v1/matches", headers=other).json()["items"]
    [wijkteam] = [t for t in matches[0]["teams"] if t["team"] == "jeugd-wijkteam"]
    assert wijkteam["contact"]["team_contact_person"] == NEW_CONTACT

    # a convenant made with the partner, listed, then ended
    # letters only: a run of eight digits would read as a KvK number, and be refused
    slug = "regio-" + uuid.uuid4().hex[:8].translate(str.maketrans("0123456789", "ghijklmnop"))
    for label, value in (
        ("Korte naam (slug)", slug),
        ("Naam", "Regionale samenwerking"),
        ("Partners", f"{ORG}, {partner}"),
        ("Domeinen", "schuldhulp"),
        ("Doelen", "schuldhulpverlening"),
        ("Grondslag", "wgs_art_5"),
        ("Verantwoordelijke", "Mr. J. de Boer"),
    ):
        root.locator("form", has=page.get_by_text("Nieuw convenant")).get_by_role(
            "textbox", name=label, exact=True
        ).fill(value)
    visit.textbox("Begint op").fill("2026-01-01")
    visit.textbox("Eindigt op").fill("2027-12-31")
    visit.button("Convenant maken").click()
    page.get_by_role("dialog").get_by_role("button", name="Convenant maken").click()
    expect(root.get_by_text(f"Convenant {slug} is gemaakt.")).to_be_visible()
    row = root.locator("table#table-convenants tr", has_text=slug)
    expect(row).to_contain_text(partner)
    visit.button(f"{slug} beëindigen").click()
    page.get_by_role("dialog").get_by_role("button", name=f"{slug} beëindigen").click()
    expect(row).to_contain_text("beëindigd")
    visit.check_screen("console-admin", shot="console-admin-convenants")
    visit.assert_screens_ok()


def test_the_screens_on_a_phone(phone: Visit) -> None:
    visit = phone
    visit.open()
    visit.sign_in("fatima")
    visit.go("Rapportages")
    visit.check_screen("console-reports")
    visit.go("Beleid")
    visit.check_screen("console-policy")
    visit.button("English").click()  # every text of the console's screens has its English
    expect(visit.page.get_by_role("heading", level=1)).to_have_text("Policy")
    expect(visit.page.get_by_role("heading", name="Explain a decision")).to_be_visible()
    visit.go("Reports")
    visit.check_screen("console-reports", shot="console-reports-en")
    expect(visit.page.get_by_role("heading", name="Checks over time")).to_be_visible()
    visit.button("Nederlands").click()
    visit.button("Uitloggen").click()
    visit.sign_in("marieke")
    visit.check_screen("console-policy", shot="console-policy-beheerder")
    visit.go("Beheer")
    visit.check_screen("console-admin")
    visit.assert_screens_ok()


def test_a_professional_sees_no_console_and_is_refused(desktop: Visit, web: WebServices) -> None:
    visit = desktop
    visit.open("#/console/reports")
    visit.sign_in("anna")
    visit.check_screen("check")  # her own first screen, whatever the address said
    menu = visit.page.get_by_role("navigation")
    for name in ("Overzicht", "Toegang", "Rapportages", "Inzageverzoek", "Beleid", "Beheer"):
        expect(menu.get_by_role("link", name=re.compile(f"^{name}"))).to_have_count(0)
    for route in ("policy", "admin", "overview"):
        visit.page.goto(f"{visit.app}#/console/{route}")
        visit.screen("check")

    # every console route of the hub, read from its OpenAPI document: 403, problem+json
    anna = token(web, "anna")
    with hub(web) as client:
        spec = client.get("/api/v1/openapi.json").json()
        routes = sorted(
            (method.upper(), path)
            for path, item in spec["paths"].items()
            for method in item
            if path.startswith(CONSOLE_PREFIXES) and (method.upper(), path) not in PUBLIC
        )
        assert ("GET", "/api/v1/policy/explanation") in routes
        assert ("PATCH", "/api/v1/admin/teams/{team}") in routes
        refused = []
        for method, path in routes:
            url = re.sub(r"\{kind\}", "checks-per-member", path)
            url = re.sub(r"\{[a-z_]+\}", str(uuid.uuid4()), url)
            answer = client.request(method, url, headers=anna)
            problem = answer.headers.get("content-type") == "application/problem+json"
            if answer.status_code != 403 or not problem or answer.json()["code"] != "forbidden":
                refused.append(f"{method} {path}: {answer.status_code} {answer.text[:80]}")
    assert not refused, "\n".join(refused)
