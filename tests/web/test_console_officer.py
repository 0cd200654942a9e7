"""The privacy officer's console in the browser: overview, access, inzage and export.

One hub for the module, with the probing alert's threshold low (3 distinct subjects within
the hour) and a scenario made through the Python clients before the officer signs in: bram
(schuldhulp) registers a flag on a person, anna (pw-handhaving) checks that person and then
probes three more. Fatima, the demo FG, signs in and lands on the overview; she handles
anna's alert with a note, sees the log's latest checkpoint and that it matches, searches
the log by the BSN (blinded in her browser), opens a check to its decision and its
inclusion proof verified in the browser, makes the inzage report and its printable page,
and downloads the export and the verifier key, which the very command the screen shows
accepts offline. The BSN and BAG id she typed never leave the browser.

The browser's proof checks are compared with crypto/checkpoint.py and crypto/merkle.py on
real proofs and on corrupted ones (``window.betrokkenProof`` of ``dist/test/crypto.js``).
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect

from api.auth.dev_idp import DevIdentityProvider
from api.client.hub import HubClient
from api.client.pseudonymise import Pseudonym, PseudonymiserClient
from crypto.checkpoint import CheckpointError, CheckpointSigner, generate_signing_key
from crypto.checkpoint import verify_checkpoint as python_verify_checkpoint
from crypto.identifiers import IdentifierKind, synthetic_bag, synthetic_bsn
from crypto.merkle import ProofError, hash_leaf, verify_inclusion
from tests.web.conftest import WebServices, _env, _require_dist, _seeded
from tests.web.support import Visit
from testsupport.browser import ROOT, new_context
from testsupport.net import free_port
from testsupport.services import hub_and_pseudonymiser

pytestmark = [pytest.mark.browser, pytest.mark.processes]

BSN = synthetic_bsn(1901)
PROBING_ALERT = "Veel verschillende personen of adressen gecontroleerd"
PROBED = [synthetic_bsn(1910 + n) for n in range(3)]
BAG = synthetic_bag(1901)
CASE_REF = "PW-2026-190"
NOTE = "Besproken met de teamleider: adrescontrole volgens plan."
OFFICER_SCREENS = {"access", "reports", "inzage", "policy", "export"}
DOCS_IMAGES = ROOT / "docs" / "img" / "console"
# Set to write the desktop screenshots that docs/audit.md shows (committed, so not on
# every run: each run's times differ).
UPDATE_DOCS = "BETROKKEN_UPDATE_DOCS_IMAGES"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServices]:
    """A hub whose probing alert fires at 3 subjects, with the scenario already run."""
    _require_dist()
    root = tmp_path_factory.mktemp("console")
    settings = _seeded(root / "data")
    port = free_port()
    env = _env(
        root / "data",
        [f"http://127.0.0.1:{port}"],
        BETROKKEN_AUDIT_ALERT_DISTINCT_SUBJECTS="3",
    )
    with hub_and_pseudonymiser(env, root / "logs", hub_port=port) as (hub, pseudonymiser):
        services = WebServices(
            hub, pseudonymiser, root / "data", DevIdentityProvider.for_settings(settings)
        )
        _scenario(services)
        yield services


def _token(web: WebServices, member: str) -> str:
    assert web.idp is not None
    return web.idp.issue_for(member)


def _pseudonym(web: WebServices, kind: IdentifierKind, value: str) -> Pseudonym:
    with PseudonymiserClient(web.pseudonymiser.url, _token(web, "anna")) as client:
        return client.pseudonymise_one(kind, value)


def _scenario(web: WebServices) -> None:
    subject = _pseudonym(web, IdentifierKind.BSN, BSN)
    with HubClient(web.hub.url, _token(web, "bram")) as bram:
        bram.register_flag(subject, purpose="schuldhulpverlening")
    with HubClient(web.hub.url, _token(web, "anna")) as anna:
        anna.check_involvement(subject, purpose="rechtmatigheid", case_ref=CASE_REF)
        for bsn in PROBED:  # a burst: three more people within minutes
            probed = _pseudonym(web, IdentifierKind.BSN, bsn)
            anna.check_involvement(probed, purpose="rechtmatigheid", case_ref=CASE_REF)


def _officer_get(web: WebServices, path: str, **params: Any) -> Any:
    answer = httpx.get(
        f"{web.hub.url}/api/v1/audit{path}",
        params=params,
        headers={"Authorization": f"Bearer {_token(web, 'fatima')}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture
def officer_desktop(browser: Browser, console: WebServices) -> Iterator[Visit]:
    context = new_context(browser, "desktop")
    try:
        yield Visit.start(context, console.app, "desktop")
    finally:
        context.close()


@pytest.fixture
def officer_phone(browser: Browser, console: WebServices) -> Iterator[Visit]:
    context = new_context(browser, "phone")
    try:
        yield Visit.start(context, console.app, "phone")
    finally:
        context.close()


def docs_image(visit: Visit, name: str, *, around: Locator | None = None) -> None:
    """The screen as docs/audit.md shows it: the desktop's window, around ``around``."""
    if visit.viewport != "desktop" or not os.environ.get(UPDATE_DOCS):
        return
    if around is None:
        visit.page.evaluate("() => window.scrollTo(0, 0)")
    else:
        around.evaluate("(element) => element.scrollIntoView({block: 'center'})")
    DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(DOCS_IMAGES / f"{name}.png"), animations="disabled")


def downloaded(page: Page, click: Callable[[], None], folder: Path) -> Path:
    with page.expect_download() as info:
        click()
    download = info.value
    path = folder / download.suggested_filename
    download.save_as(path)
    return path


def test_the_officer_works_through_the_console(
    officer_desktop: Visit, console: WebServices, tmp_path: Path
) -> None:
    visit, page = officer_desktop, officer_desktop.page
    visit.open()
    visit.sign_in("fatima")

    # -- the overview: every screen one click away, the alert, the integrity, the policy
    overview = visit.screen("console-overview")
    assert visit.heading() == "Overzicht"
    links = overview.locator(".app-console-links").get_by_role("link")
    assert {
        (link.get_attribute("href") or "").removeprefix("#/console/") for link in links.all()
    } == OFFICER_SCREENS
    alert = overview.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=PROBING_ALERT)
    )
    expect(alert).to_contain_text("anna")
    expect(alert).to_contain_text("4 verschillende subjecten, 4 controles")
    integrity = overview.locator('[data-integrity="matches"]')
    expect(integrity).to_contain_text("Klopt met het checkpoint")
    expect(integrity).to_contain_text("Gecontroleerd in deze browser")
    latest = _officer_get(console, "/checkpoints/latest")
    expect(integrity).to_contain_text(f"{latest['size']} vermeldingen, ondertekend op")
    expect(overview).to_contain_text("Er wacht geen versie op beoordeling.")
    me_policy = httpx.get(
        f"{console.hub.url}/api/v1/me",
        headers={"Authorization": f"Bearer {_token(console, 'fatima')}"},
    ).json()["policy_version"]
    expect(overview).to_contain_text(me_policy)
    visit.check_screen("console-overview")
    docs_image(visit, "overview")

    alert.get_by_role("textbox", name=re.compile("^Notitie")).fill(NOTE)
    alert.get_by_role("button", name="Afhandelen").click()
    expect(alert).to_contain_text("Afgehandeld door fatima")
    expect(alert).to_contain_text(NOTE)
    [handled] = _officer_get(console, "/alerts", status="acknowledged")["items"]
    assert (handled["rule"], handled["acknowledgement_note"]) == ("many_distinct_subjects", NOTE)

    # -- access: by the BSN, blinded here; a check opens to its decision and proof
    overview.locator(".app-console-links").get_by_role("link", name="Toegang").click()
    access = visit.screen("console-access")
    page.get_by_label("Zoeken op een persoon, adres of bedrijf").select_option("person")
    visit.textbox("BSN").fill(BSN)
    visit.button("Zoeken").click()
    cards = access.locator("[data-entry]")
    expect(cards.first).to_be_visible()
    checks = cards.filter(has_text="Controle: Toegestaan")
    expect(checks).to_have_count(1)
    expect(cards.filter(has_text="Signaal geregistreerd")).to_have_count(1)
    expect(checks).to_contain_text("anna")
    expect(checks).to_contain_text(CASE_REF)
    checks.get_by_role("button", name="Besluit en bewijs").click()
    expect(checks.locator('[data-proof="verified"]')).to_contain_text(
        "Geverifieerd in deze browser"
    )
    expect(checks).to_contain_text("pw_art_64")
    visit.check_screen("console-access")
    docs_image(visit, "access", around=checks)

    # a proof that the hub (or someone between) changed is shown as not verified
    def corrupted(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        body["proof"][0] = _flip(body["proof"][0])
        route.fulfill(response=response, json=body)

    page.route("**/api/v1/audit/proofs/inclusion*", corrupted)
    checks.get_by_role("button", name="Besluit en bewijs verbergen").click()
    checks.get_by_role("button", name="Besluit en bewijs").click()
    expect(checks.locator('[data-proof="failed"]')).to_contain_text("NIET geverifieerd")
    page.unroute("**/api/v1/audit/proofs/inclusion*")

    # by member and action, without a subject
    page.get_by_label("Zoeken op een persoon, adres of bedrijf").select_option("")
    visit.textbox("Medewerker").fill("anna")
    page.get_by_label("Handeling").select_option("involvement.check")
    visit.button("Zoeken").click()
    expect(access.locator("[data-entry]").filter(has_text="Controle: Toegestaan")).to_have_count(4)
    expect(access).to_contain_text("4 vermeldingen.")
    visit.textbox("Medewerker").fill("")
    page.get_by_label("Handeling").select_option("")
    page.get_by_label("Zoeken op een persoon, adres of bedrijf").select_option("address")
    visit.textbox("BAG").fill(BAG)
    visit.button("Zoeken").click()
    expect(access).to_contain_text("Geen vermeldingen gevonden.")

    # -- inzage: the Dutch report, no employee names, printable and as a page
    visit.go("Inzage")
    inzage = visit.screen("console-inzage")
    visit.textbox("BSN").fill(BSN)
    visit.textbox("Kenmerk van het verzoek").fill("INZ-2026-07")
    visit.button("Rapport maken").click()
    report = inzage.locator('[data-report="inzage"]')
    expect(report).to_contain_text("Raadplegingen")
    expect(report).to_contain_text("Gemeente Voorbeeld")
    expect(report).to_contain_text("Rechtmatigheid Participatiewet")
    expect(report.locator('[data-line="involvement.check"]')).to_have_count(1)
    shown = report.inner_text()
    for name in ("anna", "Anna de Vries", "bram", "Bram Bakker", "fatima"):
        assert name.lower() not in shown.lower(), name
    visit.check_screen("console-inzage")
    docs_image(visit, "inzage", around=report.get_by_role("heading", name="Raadplegingen"))
    page.emulate_media(media="print")
    expect(page.locator(".app-header")).to_be_hidden()
    expect(inzage.locator("form")).to_be_hidden()
    expect(report).to_be_visible()
    page.emulate_media(media="screen")
    html = downloaded(
        page, visit.button("Afdrukbare pagina downloaden (HTML)").click, tmp_path
    ).read_text()
    assert '<html lang="nl">' in html and "Inzageverzoek" in html and "Gemeente Voorbeeld" in html
    assert not re.search(r"anna|bram|fatima", html, re.IGNORECASE)

    # -- export: the file, the key and the command that verifies them offline
    visit.go("Export")
    export = visit.screen("console-export")
    key = _officer_get(console, "/public-key")["verifier_key"]
    expect(export.locator("[data-verifier-key]")).to_have_text(key)
    key_file = downloaded(page, visit.button("Sleutel downloaden").click, tmp_path)
    assert key_file.read_text().strip() == key
    export_file = downloaded(page, visit.button("Export downloaden").click, tmp_path)
    expect(export).to_contain_text("Gedownload:")
    command = export.locator('[data-command="verify"]').inner_text().strip()
    assert command == (f"betrokken audit verify {export_file.name} --public-key {key_file.name}")
    argv = shlex.split(command)
    betrokken = Path(sys.executable).parent / "betrokken"
    assert betrokken.exists() or shutil.which("betrokken")
    verified = subprocess.run(
        [str(betrokken), *argv[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("OK: ")
    visit.check_screen("console-export")
    docs_image(visit, "export", around=export.locator('[data-command="verify"]'))

    # -- nothing typed left the browser: only pseudonyms reached the hub
    sent = visit.recorder.sent()
    searched = [
        json.loads(s.body)["subject"]
        for s in sent
        if s.method == "POST"
        and s.url.startswith(console.hub.url)
        and s.url.endswith(("/audit/searches", "/audit/subject-access-reports"))
    ]
    bsn, bag = (
        _pseudonym(console, IdentifierKind.BSN, BSN),
        _pseudonym(console, IdentifierKind.BAG, BAG),
    )
    assert searched == [
        bsn.as_subject(),
        bag.as_subject(),
        bsn.as_subject(),
        bsn.as_subject(),  # the printable page asks again
    ]
    assert visit.in_clear([BSN, BAG], [bsn.value, bag.value]) == []
    # (the development provider's login page has no icon: its favicon.ico is a 404)
    assert visit.recorder.console_errors(except_on=(f"{console.hub.url}/dev-idp/",)) == []
    visit.assert_screens_ok()
    # and this recorder would have caught one
    page.evaluate("(value) => fetch(`/api/v1/health?planted=${value}`)", BSN)
    found = visit.in_clear([BSN, BAG], [bsn.value, bag.value])
    assert len(found) == 1 and "planted=" in found[0], found


def test_the_officer_screens_on_a_phone(officer_phone: Visit) -> None:
    visit = officer_phone
    visit.open()
    visit.sign_in("fatima")
    visit.check_screen("console-overview")
    for link, screen in (
        ("Toegang", "console-access"),
        ("Inzage", "console-inzage"),
        ("Export", "console-export"),
    ):
        visit.go(link)
        visit.check_screen(screen)
    visit.page.get_by_role("button", name="English").click()
    visit.go("Overview")
    visit.screen("console-overview")
    assert visit.heading() == "Overview"
    visit.assert_screens_ok()


# -- the browser's proof checks against the Python verifier -----------------------------------


@pytest.fixture(scope="module")
def proof_page(browser: Browser, console: WebServices) -> Iterator[Page]:
    context = new_context(browser, "desktop")
    page = context.new_page()
    page.goto(f"{console.hub.url}/app/config.json")
    page.add_script_tag(url=f"{console.hub.url}/app/test/crypto.js")
    yield page
    context.close()


def python_entry_verdict(body: dict[str, Any], key: str) -> bool:
    """crypto/ on what the browser's verifyEntryProof checks."""
    try:
        checkpoint = python_verify_checkpoint(
            body["checkpoint"]["note"], key, expected_origin=key.split("+")[0]
        )
        if checkpoint.size != body["size"]:
            return False
        leaf_hash = hash_leaf(body["leaf"].encode("utf-8"))
        if leaf_hash != bytes.fromhex(body["leaf_hash"]):
            return False
        proof = [bytes.fromhex(node) for node in body["proof"]]
        verify_inclusion(leaf_hash, body["index"], body["size"], proof, checkpoint.root_hash)
    except (CheckpointError, ProofError, ValueError):
        return False
    return True


def _flip(hex_text: str) -> str:
    return ("0" if hex_text[0] != "0" else "1") + hex_text[1:]


def _corruptions(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Ways a proof or its checkpoint can be wrong, each on a copy."""
    note = body["checkpoint"]["note"]
    origin, size, root, _, signature = note.split("\n", 4)
    out: dict[str, dict[str, Any]] = {}

    def variant(name: str, change: Callable[[dict[str, Any]], None]) -> None:
        copied = copy.deepcopy(body)
        change(copied)
        out[name] = copied

    if body["proof"]:
        variant("proof node", lambda b: b["proof"].__setitem__(0, _flip(b["proof"][0])))
        variant("proof shortened", lambda b: b["proof"].pop())
    variant("proof lengthened", lambda b: b["proof"].append("00" * 32))
    variant("leaf text", lambda b: b.__setitem__("leaf", b["leaf"].replace('"v":1', '"v":2')))
    variant("leaf hash", lambda b: b.__setitem__("leaf_hash", _flip(b["leaf_hash"])))
    variant("index", lambda b: b.__setitem__("index", (b["index"] + 1) % b["size"]))
    variant("size", lambda b: b.__setitem__("size", b["size"] + 1))
    other_root = "A" + root[1:] if root[0] != "A" else "B" + root[1:]
    forged = "\n".join([origin, size, other_root, "", signature])
    variant("checkpoint root", lambda b: b["checkpoint"].__setitem__("note", forged))
    sig_name, sig_b64 = signature.rsplit(" ", 1)
    flipped = sig_b64[:10] + ("A" if sig_b64[10] != "A" else "B") + sig_b64[11:]
    variant(
        "signature",
        lambda b: b["checkpoint"].__setitem__("note", note.replace(sig_b64, flipped)),
    )
    bigger = "\n".join([origin, str(int(size) + 1), root, "", signature])
    variant("checkpoint size", lambda b: b["checkpoint"].__setitem__("note", bigger))
    variant("note padded", lambda b: b["checkpoint"].__setitem__("note", " " + note))
    assert sig_name.startswith("\u2014 ")
    return out


def test_the_browser_verifies_proofs_as_the_python_verifier(
    proof_page: Page, console: WebServices
) -> None:
    key = _officer_get(console, "/public-key")["verifier_key"]
    size = _officer_get(console, "/checkpoints/latest")["size"]
    other_key = CheckpointSigner(generate_signing_key(), "betrokken.local/audit").verifier_key()
    cases: list[tuple[str, dict[str, Any], str]] = []
    for index in sorted({0, 1, size // 2, size - 1}):
        body = _officer_get(console, "/proofs/inclusion", index=index)
        cases.append((f"leaf {index}", body, key))
        cases.append((f"leaf {index}, another key", body, other_key))
        cases += [(f"leaf {index}, {name}", bad, key) for name, bad in _corruptions(body).items()]
    verdicts = proof_page.evaluate(
        "(cases) => cases.map(([body, key]) => betrokkenProof.verifyEntryProof(body, key))",
        [[body, case_key] for _, body, case_key in cases],
    )
    for (name, body, case_key), browser in zip(cases, verdicts, strict=True):
        python = python_entry_verdict(body, case_key)
        assert browser["ok"] == python, f"{name}: browser {browser}, python {python}"
        assert python == (case_key == key and "," not in name), name
        if python:
            assert browser["size"] == body["size"]
            assert browser["root"] == body["checkpoint"]["root_hash"]
