"""The service worker: the shell opens without a connection and says it is offline; the
worker's caches hold the shell's files and nothing else, not after real use either. A
signed-in user who loses the connection sees so, keeps what she typed, and goes on once it
is back."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from crypto.identifiers import synthetic_bsn
from tests.web.conftest import WEB_DIST
from tests.web.support import Visit
from testsupport.browser import axe_violations, describe, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.processes]

OFFLINE = re.compile("^Geen verbinding")
# What the shell is (web/build.mjs): the page, its script and style, manifest and icons.
SHELL = {"index.html", "app.js", "app.css", "manifest.webmanifest", "icon.svg"}


def wait_for_worker(visit: Visit) -> None:
    """Until the worker controls the page and its install filled the cache."""
    visit.wait_for_worker()
    deadline = time.monotonic() + 10
    while not visit.kept().cache_urls():
        assert time.monotonic() < deadline, "the worker cached nothing"
        time.sleep(0.1)


def shell_files(visit: Visit) -> set[str]:
    urls = visit.kept().cache_urls()
    assert urls, "the worker cached nothing"
    prefix = visit.app
    assert all(url.startswith(prefix) for url in urls), urls
    return {url.removeprefix(prefix) for url in urls}


def test_the_shell_opens_offline(phone: Visit) -> None:
    phone.open()
    phone.screen("sign-in")
    wait_for_worker(phone)
    cached = shell_files(phone)
    assert cached >= SHELL
    # only the shell: no config.json, callback page, test bundle, API or pseudonymiser answer
    allowed = {p.name for p in WEB_DIST.iterdir() if p.is_file()} - {"config.json", "callback.html"}
    assert cached <= allowed, cached - allowed

    phone.context.set_offline(True)
    response = phone.page.reload()
    assert response is not None and response.from_service_worker
    expect(phone.page.get_by_text(OFFLINE).first).to_be_visible()
    expect(phone.page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(phone.page, phone.viewport, "offline")
    violations = axe_violations(phone.page)
    assert not violations, describe(violations)
    phone.context.set_offline(False)


def test_losing_the_connection_keeps_the_form(phone: Visit) -> None:
    bsn = synthetic_bsn(1703)
    phone.open()
    phone.sign_in("anna")
    phone.screen("check")
    wait_for_worker(phone)
    phone.textbox("BSN").fill(bsn)
    phone.textbox("Zaakkenmerk").fill("PW-2026-043")
    phone.context.set_offline(True)
    expect(phone.page.get_by_role("status").filter(has_text=OFFLINE)).to_be_visible()
    phone.button("Controleren").click()
    expect(phone.page.get_by_role("alert").filter(has_text="Geen verbinding")).to_be_visible()
    phone.check_screen("check", shot="check-offline")
    phone.context.set_offline(False)
    expect(phone.page.get_by_role("status").filter(has_text=OFFLINE)).to_have_count(0)
    expect(phone.textbox("BSN")).to_have_value(bsn)
    phone.button("Controleren").click()
    expect(phone.page.get_by_role("heading", name="Uitkomst")).to_be_visible()
    # after real use, still only the shell in the caches, and no identifier anywhere
    assert shell_files(phone) <= {p.name for p in WEB_DIST.iterdir() if p.is_file()}
    assert phone.in_clear([bsn]) == []
    phone.assert_screens_ok()
