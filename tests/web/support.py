"""One visit to the app in a fresh browser context, and what the tests do with it: sign in
through a provider's popup, wait for a screen, check it (axe-core, a screenshot), and look
at everything the browser sent, showed and kept for identifiers in clear."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from playwright.sync_api import BrowserContext, Locator, Page, expect

from testsupport.browser import (
    Kept,
    Recorder,
    axe_violations,
    describe,
    find_identifiers,
    kept,
    leaks,
    screenshot,
)

SIGN_IN = re.compile(r"^(Inloggen|Sign in)$")
SIGN_IN_AGAIN = re.compile(r"^(Opnieuw inloggen|Sign in again)$")
TIMEOUT = 15_000  # ms: a screen that takes longer is broken
expect.set_options(timeout=TIMEOUT)


@dataclass
class Visit:
    context: BrowserContext
    page: Page
    recorder: Recorder
    app: str
    viewport: str
    screens: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, context: BrowserContext, app: str, viewport: str) -> Visit:
        context.set_default_timeout(TIMEOUT)
        recorder = Recorder.attach(context)
        return cls(context, context.new_page(), recorder, app, viewport)

    @property
    def origin(self) -> str:
        return self.app.removesuffix("/app/")

    # -- finding things ------------------------------------------------------------------

    def open(self, route: str = "") -> None:
        self.page.goto(self.app + route)

    def screen(self, name: str) -> Locator:
        """The root of screen ``name`` (``data-screen``), once it is visible."""
        root = self.page.locator(f'[data-screen="{name}"]')
        expect(root).to_be_visible()
        return root

    def wait_for(self, expression: str, *, timeout: float = TIMEOUT / 1000) -> None:
        """Until ``expression`` (awaited) is true in the page. Polled from here: the page's
        CSP forbids the eval that ``page.wait_for_function`` relies on."""
        deadline = time.monotonic() + timeout
        while not self.page.evaluate(f"async () => Boolean(await ({expression}))"):
            assert time.monotonic() < deadline, f"never true: {expression}"
            time.sleep(0.05)

    def wait_for_worker(self) -> None:
        """Until the service worker controls the page (its install filled the cache)."""
        self.wait_for("navigator.serviceWorker.controller !== null")

    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).first.inner_text()

    def go(self, link: str) -> None:
        """Follow the main menu's link whose name starts with ``link`` (a badge may follow)."""
        menu = self.page.get_by_role("navigation")
        menu.get_by_role("link", name=re.compile(f"^{re.escape(link)}")).click()

    def textbox(self, name: str) -> Locator:
        return self.page.get_by_role("textbox", name=re.compile(f"^{re.escape(name)}"))

    def button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=name, exact=True)

    # -- checking a screen ---------------------------------------------------------------

    def check_screen(self, name: str, *, shot: str | None = None) -> Locator:
        """Wait for screen ``name``, then: a screenshot at ``artifacts/web/<viewport>/<shot
        or name>.png``, an ``<h1>``; no serious or critical axe violation and nothing wider
        than the screen, which are noted in ``problems`` (the test goes on, to see the
        rest, and ends with ``assert_screens_ok``)."""
        root = self.screen(name)
        self.page.wait_for_load_state("networkidle")
        screenshot(self.page, self.viewport, shot or name)
        expect(self.page.get_by_role("heading", level=1).first).to_be_visible()
        violations = axe_violations(self.page)
        if violations:
            self.problems.append(
                f"axe on {shot or name} ({self.viewport}):\n{describe(violations)}"
            )
        width = (self.page.viewport_size or {"width": 0})["width"]
        wide = self.page.evaluate(
            """(width) => {
              // what sticks out: boxes, and text that overflows its box (an unbroken word)
              const out = [];
              const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
              for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const range = document.createRange();
                range.selectNodeContents(node);
                const box = range.getBoundingClientRect();
                const parent = node.parentElement;
                if (box.width && box.right > width + 1)
                  out.push(`text of ${parent.tagName.toLowerCase()}.${parent.className}: `
                           + node.textContent.trim().slice(0, 30));
              }
              return [document.documentElement.scrollWidth, out.slice(0, 3)];
            }""",
            width,
        )
        # (a phone zooms out to fit what is wider, so the window grows with it: measure
        # against the viewport the context was made with)
        if wide[0] > width:
            self.problems.append(
                f"{shot or name} ({self.viewport}) is {wide[0]} px wide on a {width} px "
                f"screen, so it scrolls sideways; too wide: {wide[1]}"
            )
        self.screens.append(shot or name)
        return root

    def assert_screens_ok(self) -> None:
        """Every screen checked so far passed axe and fits the screen."""
        assert self.screens, "no screen was checked"
        assert not self.problems, "\n".join(self.problems)

    # -- signing in ----------------------------------------------------------------------

    def sign_in(
        self, member: str, *, button: re.Pattern[str] = SIGN_IN, shot: bool = False
    ) -> None:
        """Sign in as demo user ``member`` through the development provider's page in the
        popup the app opens (a button ``name="member" value="<member>"``)."""
        with self.page.expect_popup() as opened:
            self.page.get_by_role("button", name=button).click()
        popup = opened.value
        choice = popup.locator(f'button[name="member"][value="{member}"]')
        expect(choice).to_be_visible()
        if shot:
            popup.wait_for_load_state("networkidle")
            screenshot(popup, self.viewport, "dev-idp-login")
            violations = axe_violations(popup)
            assert not violations, f"axe on the development login page:\n{describe(violations)}"
        with popup.expect_event("close"):
            choice.click()

    def sign_in_at_provider(self, login: str, *, button: re.Pattern[str] = SIGN_IN) -> None:
        """Sign in through the real oidc-provider's development interactions in the popup:
        its login form (any password), then its consent form."""
        with self.page.expect_popup() as opened:
            self.page.get_by_role("button", name=button).click()
        popup = opened.value
        popup.locator('input[name="login"]').fill(login)
        popup.locator('input[name="password"]').fill("any password: the dev login takes any")
        popup.locator('button[type="submit"]').first.click()
        consent = popup.locator('button[type="submit"]').first
        with popup.expect_event("close"):
            expect(popup.locator("form")).to_have_attribute(
                "action", re.compile("confirm|/interaction/")
            )
            consent.click()

    # -- what the browser sent, showed and kept -------------------------------------------

    def kept(self) -> Kept:
        """What the app's origin keeps (read in the app's own page)."""
        return kept(self.page)

    def in_clear(self, identifiers: Iterable[str], derived: Iterable[str] = ()) -> list[str]:
        """Everywhere an identifier appears in clear: any request (URL, headers, body, the
        answer), any URL a page was at, the console, the origin's storage. ``derived``
        (pseudonyms) must stay out of URLs, the console and storage too."""
        identifiers, derived = list(identifiers), list(derived)
        found = leaks(self.recorder.sent(), identifiers)
        for location in self.recorder.locations:
            if find_identifiers(location, identifiers) or any(d in location for d in derived):
                found.append(f"page URL {location[:120]}")
        for line in self.recorder.console + self.recorder.errors:
            if find_identifiers(line, identifiers) or any(d in line for d in derived):
                found.append(f"console: {line[:120]}")
        store = self.kept()
        text = store.decoded()
        if find_identifiers(text, identifiers) or any(d in text for d in derived):
            found.append(f"storage of {store.origin}")
        return found
