"""The JavaScript a phone gets stays under 200 KB gzipped, and the app loads no other.

The budget counts what the app ships: its bundle, the service worker and the sign-in
callback's script (``web/build.mjs`` refuses a build over it too), and the chunks the app
loads later (``chunk-*.js``: the console's chart library). A phone that opens the app is
watched as well: every script it fetched must be one of the first three, so neither a chunk
nor the test-only crypto bundle is in a professional's first load.
"""

from __future__ import annotations

import gzip
from urllib.parse import urlsplit

import pytest

from tests.web.conftest import WEB_DIST, WebServices
from tests.web.support import Visit

pytestmark = [pytest.mark.browser, pytest.mark.processes]

SHIPPED = ("app.js", "sw.js", "callback.js")
BUDGET = 200 * 1024  # bytes, gzipped


def gzipped(name: str) -> int:
    return len(gzip.compress((WEB_DIST / name).read_bytes(), compresslevel=9))


def test_javascript_shipped_is_under_200_kb_gzipped() -> None:
    chunks = sorted(p.name for p in WEB_DIST.glob("chunk-*.js"))
    sizes = {name: gzipped(name) for name in (*SHIPPED, *chunks)}
    total = sum(sizes.values())
    print(f"JavaScript shipped, gzipped: {sizes}, total {total / 1024:.1f} KB")
    assert total < BUDGET, f"{total / 1024:.1f} KB gzipped: {sizes}"
    # every JavaScript file the build puts next to the app is counted (test/ is not served
    # to the app: it never loads it, as the test below shows)
    assert {p.name for p in WEB_DIST.glob("*.js")} <= set(sizes)


def test_a_phone_loads_only_the_counted_scripts(phone: Visit, web: WebServices) -> None:
    phone.open()
    phone.page.wait_for_load_state("networkidle")
    phone.wait_for_worker()
    scripts = {
        urlsplit(sent.url).path
        for sent in phone.recorder.sent()
        if sent.resource_type == "script" or urlsplit(sent.url).path.endswith((".js", ".mjs"))
    }
    assert scripts, "the recorder saw no script: it would see nothing"
    assert scripts <= {f"/app/{name}" for name in SHIPPED}, scripts
    assert "/app/app.js" in scripts
