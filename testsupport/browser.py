"""Chromium for the browser tests and the bench: Debian's build driven by Playwright.

Playwright cannot download a browser here, so it drives ``/usr/bin/chromium`` (the
Makefile installs Debian's ``chromium`` when it is missing). One browser per test session,
a fresh context per test: a phone (360 by 640, touch) or a desktop.

Besides starting it, this module records what a page does, so a test can look at it:
every request the browser made (URL, headers, body, and for API calls the answer), the
console, page errors and every URL the pages were at; what the origin keeps (web storage,
IndexedDB, the service worker's caches, cookies); axe-core's accessibility findings; and a
screenshot of each screen under ``artifacts/web/<viewport>/``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, unquote_plus

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Request,
    WebError,
    sync_playwright,
)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",  # root in a VM without user namespaces for the sandbox
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No name resolves but localhost: a page that reaches for another host (a web font, a
    # CDN) fails at once, and nothing leaves the machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
)
VIEWPORTS: dict[str, dict[str, Any]] = {
    "phone": {
        "viewport": {"width": 360, "height": 640},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
ARTIFACTS = ROOT / "artifacts" / "web"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


class BrowserMissing(RuntimeError):
    """Debian's chromium is not installed (``make test`` installs it)."""


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, with nothing of its own going to the network."""
    if not CHROMIUM.exists():
        raise BrowserMissing(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def new_context(browser: Browser, viewport: str, **options: Any) -> BrowserContext:
    """A fresh context (no storage, no cookies) with the ``viewport`` named in VIEWPORTS,
    Dutch first as the app's users."""
    return browser.new_context(
        **VIEWPORTS[viewport], locale="nl-NL", timezone_id="Europe/Amsterdam", **options
    )


# -- What the browser did ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One request as the browser sent it, and for API calls what came back."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    resource_type: str
    from_service_worker: bool
    status: int | None
    answer: bytes

    def text(self) -> str:
        return f"{self.method} {self.url}\n{self.headers}\n{_text(self.body)}"


@dataclass
class Recorder:
    """Everything a context's pages (popups and the service worker too) sent, said and
    were at, from the moment it is attached."""

    requests: list[Request] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)

    @classmethod
    def attach(cls, context: BrowserContext) -> Recorder:
        recorder = cls()
        context.on("request", recorder._request)
        context.on("console", recorder._console)
        context.on("weberror", recorder._error)
        context.on("page", recorder._page)
        for page in context.pages:
            recorder._page(page)
        return recorder

    def _request(self, request: Request) -> None:
        self.requests.append(request)

    def _console(self, message: ConsoleMessage) -> None:
        page = message.page.url if message.page is not None else ""
        self.console.append(
            f"{message.type}: {message.text} ({message.location.get('url')}) on {page}"
        )

    def _error(self, error: WebError) -> None:
        self.errors.append(str(error.error))

    def _page(self, page: Page) -> None:
        def navigated(frame: Any) -> None:
            self.locations.append(frame.url)

        page.on("framenavigated", navigated)

    def sent(self) -> list[Sent]:
        """The requests so far with their headers and bodies (call before the context is
        closed: headers and answers are read from the browser)."""
        return [_sent(request) for request in list(self.requests)]

    def console_errors(self, *, except_on: tuple[str, ...] = ()) -> list[str]:
        """Errors on the console and uncaught page errors (a CSP violation is one), except
        those of pages whose URL starts with one of ``except_on`` (another party's pages, a
        provider's login). A failed load counts too (a page without an icon has the
        browser ask for ``/favicon.ico``, a 404)."""
        return [
            line
            for line in self.console
            if line.startswith("error:")
            and not any(line.split(") on ")[-1].startswith(prefix) for prefix in except_on)
        ] + self.errors


def _sent(request: Request) -> Sent:
    try:
        headers = request.all_headers()
    except Error:  # its page is gone: what was known when it was sent
        headers = dict(request.headers)
    status, answer = None, b""
    if request.resource_type in ("fetch", "xhr", "document", "script", "other"):
        try:
            response = request.response()
            if response is not None:
                status = response.status
                if not 300 <= status < 400:
                    answer = response.body()
        except Error:
            pass  # no body (a redirect, a page closed meanwhile, a failed request)
    return Sent(
        method=request.method,
        url=request.url,
        headers=headers,
        body=request.post_data_buffer or b"",
        resource_type=request.resource_type,
        from_service_worker=request.service_worker is not None,
        status=status,
        answer=answer,
    )


# -- Identifiers in clear ---------------------------------------------------------------------


def identifier_patterns(identifier: str) -> list[re.Pattern[bytes]]:
    """What an identifier in clear looks like in bytes: its digits, with separators
    between them or not, and the digits as base64, base64url or hex (of their ASCII)."""
    digits = re.sub(r"[^0-9]", "", identifier)
    ascii_digits = digits.encode("ascii")
    separated = rb"[^0-9A-Za-z]{0,3}".join(re.escape(bytes([d])) for d in ascii_digits)
    hexed = ascii_digits.hex().encode()
    patterns = [separated, re.escape(hexed), re.escape(hexed.upper())]
    for shift in range(3):  # base64 of the digits wherever they start in the encoded bytes
        encoded = base64.b64encode(b"\0" * shift + ascii_digits + b"\0\0\0")
        # only the characters whose six bits all come from the digits
        stable = encoded[-(-8 * shift // 6) : (8 * shift + 8 * len(ascii_digits)) // 6]
        patterns.append(re.escape(stable))
        patterns.append(re.escape(stable.replace(b"+", b"-").replace(b"/", b"_")))
    return [re.compile(pattern) for pattern in patterns]


def find_identifiers(data: str | bytes, identifiers: Iterable[str]) -> list[str]:
    """The identifiers whose clear form occurs in ``data`` (also after URL decoding)."""
    raw = data.encode() if isinstance(data, str) else data
    views = [raw]
    text = raw.decode("utf-8", "replace")
    for decoded in (unquote(text), unquote_plus(text)):
        if decoded != text:
            views.append(decoded.encode())
    found = []
    for identifier in identifiers:
        patterns = identifier_patterns(identifier)
        if any(p.search(view) for p in patterns for view in views):
            found.append(identifier)
    return found


def leaks(sent: Iterable[Sent], identifiers: Iterable[str]) -> list[str]:
    """Each request that carries an identifier in clear, in its URL, a header, its body or
    its answer: ``"<what> of <method> <url>"``."""
    identifiers = list(identifiers)
    found = []
    for request in sent:
        parts: dict[str, str | bytes] = {
            "URL": request.url,
            "headers": json.dumps(request.headers),
            "body": request.body,
            "answer": request.answer,
        }
        for part, data in parts.items():
            if find_identifiers(data, identifiers):
                found.append(f"{part} of {request.method} {request.url[:120]}")
    return found


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


# -- What the origin keeps --------------------------------------------------------------------

_STORAGE_SCRIPT = """
async () => {
  const plain = (value) => {
    if (value instanceof ArrayBuffer) value = new Uint8Array(value);
    if (ArrayBuffer.isView(value)) {
      const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      let latin1 = '';
      for (const b of bytes) latin1 += String.fromCharCode(b);
      return {bytes_base64: btoa(latin1)};
    }
    if (typeof CryptoKey !== 'undefined' && value instanceof CryptoKey)
      return {cryptokey: value.type, extractable: value.extractable};
    if (value instanceof Blob) return {blob: value.size};
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return value.map(plain);
    if (value && typeof value === 'object') {
      const out = {};
      for (const [k, v] of Object.entries(value)) out[k] = plain(v);
      return out;
    }
    return value;
  };
  const webStorage = (storage) => Object.fromEntries(
    Array.from({length: storage.length}, (_, i) => storage.key(i))
      .map((key) => [key, storage.getItem(key)]));
  const request = (r) => new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const databases = [];
  for (const info of await indexedDB.databases()) {
    const db = await request(indexedDB.open(info.name));
    const stores = {};
    for (const name of Array.from(db.objectStoreNames)) {
      const store = db.transaction(name, 'readonly').objectStore(name);
      const [keys, values] = await Promise.all(
        [request(store.getAllKeys()), request(store.getAll())]);
      stores[name] = {keys: plain(keys), values: plain(values)};
    }
    db.close();
    databases.push({name: info.name, version: info.version, stores});
  }
  const caches_ = [];
  if (self.caches) {
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      const entries = [];
      for (const req of await cache.keys()) {
        const response = await cache.match(req);
        const headers = response ? Object.fromEntries(response.headers.entries()) : {};
        const body = response ? await response.text() : '';
        entries.push({url: req.url, method: req.method, headers, body});
      }
      caches_.push({name, entries});
    }
  }
  return {
    origin: location.origin,
    url: location.href,
    history_length: history.length,
    localStorage: webStorage(localStorage),
    sessionStorage: webStorage(sessionStorage),
    indexedDB: databases,
    caches: caches_,
  };
}
"""


@dataclass(frozen=True)
class Kept:
    """What one origin keeps in the browser."""

    origin: str
    url: str
    local_storage: dict[str, str]
    session_storage: dict[str, str]
    indexed_db: list[dict[str, Any]]
    caches: list[dict[str, Any]]
    cookies: list[dict[str, Any]]

    def cache_urls(self) -> list[str]:
        return [entry["url"] for cache in self.caches for entry in cache["entries"]]

    def dump(self) -> str:
        """All of it as one text, to search."""
        return json.dumps(
            {
                "url": self.url,
                "localStorage": self.local_storage,
                "sessionStorage": self.session_storage,
                "indexedDB": self.indexed_db,
                "caches": self.caches,
                "cookies": self.cookies,
            },
            ensure_ascii=False,
        )

    def decoded(self) -> str:
        """``dump`` with every base64 blob decoded too (bytes in IndexedDB)."""
        text = self.dump()
        blobs = re.findall(r'"bytes_base64": "([A-Za-z0-9+/=]*)"', text)
        extra = []
        for blob in blobs:
            try:
                extra.append(base64.b64decode(blob).decode("latin-1"))
            except (binascii.Error, ValueError):
                continue
        return text + "\n".join(extra)


def kept(page: Page) -> Kept:
    """What the origin of ``page`` keeps: web storage, IndexedDB (names and every record),
    the Cache Storage entries (URL, headers, body) and the context's cookies."""
    found = page.evaluate(_STORAGE_SCRIPT)
    return Kept(
        origin=found["origin"],
        url=found["url"],
        local_storage=found["localStorage"],
        session_storage=found["sessionStorage"],
        indexed_db=found["indexedDB"],
        caches=found["caches"],
        cookies=[dict(cookie) for cookie in page.context.cookies()],
    )


# -- Accessibility and screenshots ------------------------------------------------------------


def axe_violations(page: Page, *, impacts: tuple[str, ...] = SERIOUS) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, of the given impacts. axe is evaluated
    as a script's source (a CSP of ``script-src 'self'`` forbids an injected script tag)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        if not AXE.exists():
            raise FileNotFoundError(f"{AXE} is missing: `make web` installs the app's packages")
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ['violations']});
          return result.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary})),
          }));
        }"""
    )
    return [v for v in results if v["impact"] in impacts]


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['impact']} {v['id']}: {v['help']} at "
        + "; ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in violations
    )


def screenshot(page: Page, viewport: str, screen: str, *, root: Path = ARTIFACTS) -> Path:
    """A full-page screenshot at ``artifacts/web/<viewport>/<screen>.png``."""
    path = root / viewport / f"{screen}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path
