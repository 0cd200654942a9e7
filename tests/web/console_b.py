"""Helpers for the console's reports, policy and administration tests: the hub's API with a
demo user's token, a table read as the browser shows it, and documentation screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from playwright.sync_api import Locator, Page

from tests.web.conftest import WebServices
from testsupport.browser import ARTIFACTS

DOC_SHOTS = ARTIFACTS / "docs"
"""Desktop screenshots for docs/audit.md (copied to docs/img/console/ by hand, shrunk)."""


def token(web: WebServices, member: str, **claims: object) -> dict[str, str]:
    """Headers with a token of demo user ``member``, or of anyone with ``claims``."""
    assert web.idp is not None
    issued = web.idp.issue(member=member, **claims) if claims else web.idp.issue_for(member)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {issued}"}


@contextmanager
def hub(web: WebServices) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=web.hub.url, timeout=30) as client:
        yield client


def table_cells(table: Locator) -> tuple[list[str], list[list[str]]]:
    """A table's header and body rows as text, as the browser renders them."""
    header = table.locator("thead th").all_inner_texts()
    rows = table.locator("tbody tr").evaluate_all(
        "(rows) => rows.map((row) => [...row.children].map((cell) => cell.innerText))"
    )
    return [cell.strip() for cell in header], [[cell.strip() for cell in row] for row in rows]


def doc_shot(page: Page, name: str, locator: Locator | None = None) -> Path:
    path = DOC_SHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    if locator is not None:
        locator.screenshot(path=str(path), animations="disabled")
    else:
        page.screenshot(path=str(path), animations="disabled")
    return path
