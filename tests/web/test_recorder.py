"""The tests' eyes can see: an identifier planted in each place a browser could leak one is
found there, and one never planted is found nowhere (the app's own traffic, tokens and
pseudonyms included). Without this, "no identifier in clear" could pass by seeing nothing."""

from __future__ import annotations

import base64

import pytest

from crypto.identifiers import synthetic_bag, synthetic_bsn, synthetic_kvk
from tests.web.conftest import WebServices
from tests.web.support import Visit

pytestmark = [pytest.mark.browser, pytest.mark.processes]

PLANTED = {
    "URL": synthetic_bsn(901),
    "header": synthetic_bsn(902),
    "body (base64url)": synthetic_bag(903),
    "body (separated)": synthetic_bsn(904),
    "page URL": synthetic_kvk(905),
    "console": synthetic_bsn(906),
    "localStorage": synthetic_bsn(907),
    "sessionStorage": synthetic_bsn(908),
    "IndexedDB": synthetic_bsn(909),
    "Cache Storage": synthetic_kvk(910),
    "cookie": synthetic_bsn(911),
    "IndexedDB bytes": synthetic_bsn(912),
    "IndexedDB name": synthetic_bsn(913),
}
NEVER = synthetic_bsn(999)


def test_every_place_is_looked_at(desktop: Visit, web: WebServices) -> None:
    page = desktop.page
    page.goto(f"{web.hub.url}/app/config.json")
    b64 = base64.urlsafe_b64encode(b"kind=bag&value=" + PLANTED["body (base64url)"].encode())
    separated = PLANTED["body (separated)"]
    page.evaluate(
        """async ([planted, b64, separated, pseudonymiser]) => {
          await fetch(`/api/v1/health?subject=${planted['URL']}`);
          await fetch('/api/v1/health', {headers: {'X-Case': `case ${planted['header']}`}});
          await fetch(`${pseudonymiser}/api/v1/keys`, {method: 'POST', body: b64}).catch(() => {});
          await fetch('/api/v1/me', {method: 'POST',
            body: JSON.stringify({note: separated.replace(/(...)/g, '$1 ')})});
          location.hash = `#/check/${planted['page URL']}`;
          console.log(`checked ${planted['console']}`);
          localStorage.setItem('last', planted['localStorage']);
          sessionStorage.setItem('draft', JSON.stringify({bsn: planted['sessionStorage']}));
          const open = (name) => new Promise((resolve, reject) => {
            const request = indexedDB.open(name, 1);
            request.onupgradeneeded = () => request.result.createObjectStore('s');
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error);
          });
          const db = await open('planted');
          await new Promise((resolve) => {
            const tx = db.transaction('s', 'readwrite');
            tx.objectStore('s').put({subject: planted['IndexedDB']}, 'a');
            const bytes = new TextEncoder().encode(planted['IndexedDB bytes']);
            tx.objectStore('s').put(bytes.buffer, 'b');
            tx.oncomplete = resolve;
          });
          db.close();
          (await open(`db-${planted['IndexedDB name']}`)).close();
          const cache = await caches.open('planted');
          await cache.put('/app/planted', new Response(`{"kvk": "${planted['Cache Storage']}"}`));
          document.cookie = `subject=${planted['cookie']}; path=/`;
        }""",
        [PLANTED, b64.decode(), separated, web.pseudonymiser.url],
    )
    for place, identifier in PLANTED.items():
        assert desktop.in_clear([identifier]), f"an identifier in the {place} went unseen"
    assert desktop.in_clear([NEVER]) == []
    # pseudonyms are looked for in URLs and storage too
    assert desktop.in_clear([NEVER], derived=["planted"])
