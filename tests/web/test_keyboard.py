"""Keyboard only: signing in, a check and moving between screens with Tab, typing and Enter,
never the mouse. Every control reached shows where the focus is, and a screen that opens
puts the focus on its ``<h1>`` (WCAG 2.1: 2.1.1 Keyboard, 2.4.3 Focus Order, 2.4.7 Focus
Visible)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from crypto.identifiers import synthetic_bsn
from tests.web.conftest import WebServices
from tests.web.support import Visit
from testsupport.browser import new_context

pytestmark = [pytest.mark.browser, pytest.mark.processes]

TABS = 40  # more Tab presses than any screen has stops before its last control

# The focused element: what a screen reader would name it, and whether it shows a focus
# ring (an outline or a box shadow, as the Utrecht components draw it).
_FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const labels = e.labels ? [...e.labels].map((l) => l.innerText).join(' ') : '';
  const style = getComputedStyle(e);
  return {
    tag: e.tagName.toLowerCase(),
    name: (e.getAttribute('aria-label') || labels || e.innerText || e.value || '').trim(),
    member: e.getAttribute('value') || '',
    ring: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
          || style.boxShadow !== 'none',
  };
}"""


def focused(page: Page) -> dict[str, Any] | None:
    result: dict[str, Any] | None = page.evaluate(_FOCUSED)
    return result


def tab_to(page: Page, matches: re.Pattern[str], *, attribute: str = "name") -> dict[str, Any]:
    """Press Tab until the focused element's ``attribute`` matches; it must show its focus."""
    for _ in range(TABS):
        page.keyboard.press("Tab")
        element = focused(page)
        if element and matches.search(element[attribute]):
            assert element["ring"], f"no visible focus on {element}"
            return element
    raise AssertionError(f"Tab never reached {matches.pattern!r}")


def focus_is_on_heading(page: Page, text: str) -> None:
    """The screen's ``<h1>`` has the focus, once the screen has rendered (within a second)."""
    element = None
    for _ in range(20):
        element = focused(page)
        if element and element["tag"] == "h1":
            break
        page.wait_for_timeout(50)
    assert element is not None and element["tag"] == "h1", element
    assert element["name"] == text


@pytest.fixture
def visit(browser: Browser, web: WebServices) -> Iterator[Visit]:
    context = new_context(browser, "desktop")
    try:
        yield Visit.start(context, web.app, "desktop")
    finally:
        context.close()


def test_sign_in_check_and_move_on_with_the_keyboard_only(visit: Visit) -> None:
    page = visit.page
    visit.open()
    visit.screen("sign-in")

    tab_to(page, re.compile("^Inloggen$"))
    with page.expect_popup() as opened:
        page.keyboard.press("Enter")
    popup = opened.value
    expect(popup.locator('button[name="member"]').first).to_be_visible()
    tab_to(popup, re.compile("^anna$"), attribute="member")
    with popup.expect_event("close"):
        popup.keyboard.press("Enter")

    visit.screen("check")
    focus_is_on_heading(page, "Betrokkenheid controleren")
    tab_to(page, re.compile("^BSN"))
    page.keyboard.type(synthetic_bsn(4242))
    tab_to(page, re.compile("^Zaakkenmerk"))
    page.keyboard.type("PW-2026-042")
    page.keyboard.press("Enter")  # submits the form
    expect(page.locator("#main").get_by_role("heading", name="Uitkomst")).to_be_visible()

    tab_to(page, re.compile("^Mijn signalen"))
    page.keyboard.press("Enter")
    visit.screen("flags")
    focus_is_on_heading(page, "Mijn signalen")
