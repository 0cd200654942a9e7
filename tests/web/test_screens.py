"""Every screen on a phone and on a desktop: it opens by its menu link or control, has an
``<h1>``, has no serious or critical axe-core violation, and leaves a screenshot in
``artifacts/web/<viewport>/``. Also the switches: English and back, the acting team for a
member of two teams, signing out."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.web.conftest import WebServices
from tests.web.support import Visit
from testsupport.browser import new_context

pytestmark = [pytest.mark.browser, pytest.mark.processes]

MENU = {
    "Controleren": "check",
    "Registreren": "register",
    "Mijn signalen": "flags",
    "Berichten": "inbox",
    "Verzoeken": "requests",
}


@pytest.fixture
def visit(browser: Browser, web: WebServices, viewport: str) -> Iterator[Visit]:
    context = new_context(browser, viewport)
    try:
        yield Visit.start(context, web.app, viewport)
    finally:
        context.close()


def test_every_screen(visit: Visit) -> None:
    visit.open()
    visit.check_screen("sign-in")
    visit.sign_in("carla", shot=True)
    visit.check_screen("check")
    for link, screen in MENU.items():
        visit.go(link)
        visit.check_screen(screen)
        expect(visit.page).to_have_url(re.compile(f"#/{screen}$"))
        # the menu marks where one is
        current = visit.page.get_by_role("navigation").locator('[aria-current="page"]')
        expect(current).to_have_text(re.compile(f"^{link}"))

    # English, then Dutch again, without signing in anew
    visit.button("English").click()
    expect(visit.page.locator("html")).to_have_attribute("lang", "en")
    visit.check_screen("requests", shot="requests-en")
    english = visit.heading()
    visit.button("Nederlands").click()
    expect(visit.page.locator("html")).to_have_attribute("lang", "nl")
    assert visit.heading() != english

    # signing out forgets the session: the sign-in screen, saying so
    visit.button("Uitloggen").click()
    visit.check_screen("sign-in", shot="signed-out")
    expect(visit.page.locator("#main").get_by_text("Je bent uitgelogd.")).to_be_visible()
    visit.page.go_back()
    visit.screen("sign-in")  # history holds no way back into the signed-in app
    assert visit.recorder.console_errors() == []
    visit.assert_screens_ok()


def test_a_member_of_two_teams_acts_for_one_and_switches(desktop: Visit) -> None:
    """lotte is in pw-handhaving and vth-toezicht: she can work at once, for one team she
    sees named, and switch to the other; her purposes follow."""
    visit = desktop
    visit.open()
    visit.sign_in("lotte")
    visit.check_screen("check", shot="two-teams")
    switch = visit.page.get_by_role("combobox", name="Team")
    purpose = visit.page.get_by_role("combobox", name="Doel")
    acting = switch.evaluate("(select) => select.value")
    assert acting in ("pw-handhaving", "vth-toezicht")
    other = "vth-toezicht" if acting == "pw-handhaving" else "pw-handhaving"
    names = {"pw-handhaving": "Rechtmatigheid", "vth-toezicht": "Toezicht"}
    expect(purpose).to_contain_text(names[acting])
    switch.select_option(other)
    expect(visit.page.get_by_role("status").filter(has_text="Je werkt nu namens")).to_be_attached()
    visit.screen("check")
    expect(purpose).to_contain_text(names[other])
    expect(purpose).not_to_contain_text(names[acting])
    visit.check_screen("check", shot="team-switched")
    visit.assert_screens_ok()
