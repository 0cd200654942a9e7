"""The privacy officer's reports: each a chart and a table, over a period the officer picks;
the chart hidden from screen readers with its table as the accessible version; the CSV the
same as the table, opening in a spreadsheet (UTF-8, a header row) with no formula in it."""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.helpers import check, opaque_pseudonym, register
from tests.web.conftest import WebServices
from tests.web.console_b import doc_shot, hub, table_cells, token
from tests.web.support import Visit

pytestmark = [pytest.mark.browser, pytest.mark.processes]

FORMULA_MEMBER = "=HYPERLINK(1)"  # a token's sub that a spreadsheet would run as a formula
REPORTS = (
    "checks-over-time",
    "checks-per-member",
    "off-hours",
    "most-checked-subjects",
    "checks-without-follow-up",
    "refusals",
)


@pytest.fixture(scope="module")
def checked(web: WebServices) -> int:
    """Checks by anna (one refused, one followed up) and by a member whose name looks like
    a formula; returns how many anna made."""
    anna = token(web, "anna")
    formula = token(web, FORMULA_MEMBER, roles=["professional"], team="pw-handhaving")
    subjects = [opaque_pseudonym(f"console-report-{uuid.uuid4()}") for _ in range(3)]
    with hub(web) as client:
        for subject in subjects:
            assert check(client, anna, subject, purpose="rechtmatigheid").status_code == 200
        assert check(client, anna, subjects[0], purpose="rechtmatigheid").status_code == 200
        assert check(client, anna, subjects[0], purpose="adreskwaliteit").status_code == 403
        assert register(client, anna, subjects[1], purpose="rechtmatigheid").status_code == 201
        assert check(client, formula, subjects[2], purpose="rechtmatigheid").status_code == 200
    return 5


def test_reports_as_charts_and_tables_with_csv(desktop: Visit, checked: int) -> None:
    visit = desktop
    visit.open("#/console/reports")
    visit.sign_in("fatima")
    root = visit.check_screen("console-reports")
    for kind in REPORTS:
        section = root.locator(f'[data-report="{kind}"]')
        expect(section.get_by_role("heading", level=2)).to_be_visible()
        table = section.locator(f"table#table-{kind}")
        expect(table.locator("caption")).not_to_be_empty()
        # the canvas is hidden from screen readers; the caption sends them to the table
        chart = section.locator("[data-chart]")
        if kind in ("checks-over-time", "checks-per-member", "refusals") or chart.count():
            expect(chart).to_have_attribute("aria-hidden", "true")
            expect(chart.locator("canvas").first).to_be_attached()
            figure = section.locator("figure")
            expect(figure.locator("figcaption a")).to_have_attribute("href", f"#table-{kind}")
    doc_shot(visit.page, "reports", root.locator('[data-report="checks-over-time"]'))

    # checks per member: the table and its CSV say the same, the CSV guards the formula
    per_member = root.locator("table#table-checks-per-member")
    header, rows = table_cells(per_member)
    assert header == ["Medewerker", "Team", "Controles", "Toegestaan", "Geweigerd"]
    anna = next(row for row in rows if row[0] == "anna")
    assert int(anna[2]) >= checked and int(anna[4]) >= 1
    assert any(row[0] == FORMULA_MEMBER for row in rows)
    with visit.page.expect_download() as downloading:
        root.get_by_role("button", name="Download Controles per medewerker als CSV").click()
    download = downloading.value
    assert re.fullmatch(
        r"checks-per-member_\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d\.csv", download.suggested_filename
    )
    raw = download.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte order mark, for Excel
    parsed = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert parsed[0] == header
    guarded = [
        [cell.removeprefix("'") if cell.startswith("'=") else cell for cell in row]
        for row in parsed[1:]
    ]
    assert guarded == rows
    assert [row[0] for row in parsed[1:] if "HYPERLINK" in row[0]] == ["'" + FORMULA_MEMBER]

    # over time, per team and per member: today's row counts the checks just made
    over_time = root.locator("table#table-checks-over-time")
    header, rows = table_cells(over_time)
    assert "pw-handhaving" in header and header[-1] == "Totaal"
    assert int(rows[-1][header.index("pw-handhaving")]) >= checked + 1
    root.get_by_role("radio", name="Per medewerker").check()
    expect(over_time.locator("thead th", has_text="anna")).to_be_visible()

    # the most-checked subjects carry labels only
    _, subjects = table_cells(root.locator("table#table-most-checked-subjects"))
    assert subjects and all(re.fullmatch(r"subject-\d\d", row[0]) for row in subjects)

    # a period without checks: every table says so; the hub was asked for that period
    visit.textbox("Van").fill("2025-01-01")
    visit.textbox("Tot en met").fill("2025-01-31")
    visit.button("Tonen").click()
    expect(per_member.locator("tbody")).to_have_text("Geen gegevens in deze periode.")
    asked = [s.url for s in visit.recorder.sent() if "/audit/reports/" in s.url]
    assert any("from=2025-01-01T00%3A00%3A00" in url for url in asked)
    expect(root.locator("[data-chart]")).to_have_count(1)  # the days of January, each zero
    visit.button("Laatste 30 dagen").click()
    expect(per_member.locator("tbody tr").first).not_to_have_text("Geen gegevens in deze periode.")
    visit.check_screen("console-reports", shot="console-reports-after")
    # (the sign-in popup's page may ask for a favicon the development provider lacks)
    assert [e for e in visit.recorder.console_errors() if "/favicon.ico" not in e] == []
    visit.assert_screens_ok()
