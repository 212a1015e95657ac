"""The statistics pages in Chromium, at 390×844 (touch) and on a desktop, as a person uses them:
the charts are drawn, the table behind each chart's "Tabelle anzeigen" shows the API's numbers
in German format, the CSV link downloads a file with the same figures, all by keyboard alone,
and the page never scrolls sideways. The comparison /statistik shows a small chart per town."""

from __future__ import annotations

import csv
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from app import formats
from app.statistics import trends
from app.vacancies.lifecycle import STATUS_LABELS
from tests.helpers.browser import Api, open_page, screenshot
from tests.helpers.german import VISIBLE_TEXT_JS, english_numbers
from tests.helpers.towns import CENTRES, JENA, SCHMOELLN
from tests.helpers.vacancies import feature

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SCREENS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
# Intl.DateTimeFormat("de-DE", {month: "short"}): what a German reader sees
MONTHS = ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.",
          "Nov.", "Dez.")
TO = trends.month_label(trends.current_month())
FROM = trends.month_label(trends.current_month() - 11)
OWNER = "priv-owner-statistik@example.invalid"


@pytest.fixture(params=sorted(SCREENS))
def screen(request, browser, guard) -> Iterator:
    context, page = open_page(browser, guard, accept_downloads=True, **SCREENS[request.param])
    yield page
    context.close()


def _arrange(live_server, users) -> None:
    """Schmölln: shops empty since months ago (some reused, one withdrawn), 1,2 k inhabitants
    or so; Jena: one vacancy."""
    staff = Api(live_server.url, users.token("staff", SCHMOELLN))
    lon, lat = CENTRES[SCHMOELLN]
    since = [trends.month_label(trends.current_month() - k) + "-10" for k in (9, 7, 7, 4, 2, 1)]
    created = [staff.create(feature(SCHMOELLN, lon + 0.0003 * i, lat, vacant_since=day,
                                    owner_contact=OWNER, status="vacant"))
               for i, day in enumerate(since)]
    staff.patch(created[0]["id"], 1, status="reused")
    staff.patch(created[1]["id"], 1, status="interim_use")
    staff.patch(created[2]["id"], 1, status="withdrawn")
    Api(live_server.url, users.token("staff", JENA)).create(feature(JENA))


def month_label(month: str) -> str:
    year, m = month.split("-")
    return f"{MONTHS[int(m) - 1]} {year}"


def _series(live_server) -> dict:
    response = httpx.get(f"{live_server.url}/api/v1/statistics/timeseries",
                         params={"municipality": SCHMOELLN, "from": FROM, "to": TO})
    assert response.status_code == 200
    return response.json()["municipalities"][0]


def _cells(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        selector + " tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))")


def _tab_to(page, locator, limit: int = 60) -> None:
    """Press Tab until the element has the focus, as a keyboard user does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("node => node === document.activeElement"):
            return
    raise AssertionError("never reached by Tab")


def _painted(page, selector: str) -> int:
    """Pixels drawn on the chart's canvas (axes, lines, bars)."""
    return page.eval_on_selector(selector + " canvas", """canvas => {
        const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
        return n;
    }""")


def test_town_page_by_keyboard(live_server, users, screen, guard, tmp_path):
    _arrange(live_server, users)
    page = screen
    page.goto(f"{live_server.url}/statistik/{SCHMOELLN}?from={FROM}&to={TO}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Leerstandsstatistik Schmölln")
    for chart in ("#chart-counts", "#chart-events", "#chart-durations"):
        page.wait_for_selector(chart + " canvas")
        assert page.eval_on_selector(chart + " canvas", "c => c.width") > 100
        assert _painted(page, chart) > 500, chart
    town = _series(live_server)
    assert town["published_only"] is True  # anonymous: published statuses only

    toggle = page.locator("button[aria-controls=table-counts]")
    expect(page.locator("#table-counts")).to_be_hidden()
    _tab_to(page, toggle)
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_have_text("Tabelle ausblenden")
    table = page.locator("#table-counts table")
    expect(table).to_be_visible()
    expect(table.locator("caption")).to_have_text("Bestand am Monatsende, Schmölln")
    head = table.locator("thead th").all_text_contents()
    assert head[0] == "Monat" and head[-2:] == ["Aktiv gesamt", "je 10.000 Einw."]
    assert "Zurückgezogen" not in " ".join(head)  # withdrawn is not published
    rows = _cells(page, "#table-counts")
    assert len(rows) == len(town["months"]) == 12
    labels = {label[:1].upper() + label[1:]: s.value for s, label in STATUS_LABELS.items()}
    for row, month in zip(rows, town["months"], strict=True):
        assert row[0] == month_label(month["month"])
        assert row[-2] == formats.number(month["active"])
        assert row[-1] == formats.number(month["per_10000"])
        for name, cell in zip(head[1:-2], row[1:-2], strict=True):
            assert cell == formats.number(month["counts"][labels[name]]), (name, month)
    last = town["months"][-1]
    assert (last["counts"]["vacant"], last["counts"]["interim_use"], last["active"]) == (3, 1, 4)
    assert "," in rows[-1][-1]  # per 10,000 inhabitants with a decimal comma

    link = page.locator(".chart-section").first.locator("a.csv-link")
    _tab_to(page, link)
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    path = tmp_path / "series.csv"
    download_info.value.save_as(path)
    with path.open(encoding="utf-8", newline="") as f:
        table_rows = list(csv.DictReader(f))
    assert [r["month"] for r in table_rows] == [m["month"] for m in town["months"]]
    for row, month in zip(table_rows, town["months"], strict=True):
        assert int(row["active"]) == month["active"]
        assert row["count_withdrawn"] == ""  # as the page: published only
        assert int(row["count_vacant"] or 0) == month["counts"].get("vacant", 0)
        assert int(row["new"]) == month["new"] and int(row["reused"]) == month["reused"]

    events = page.locator("button[aria-controls=table-events]")
    _tab_to(page, events)
    page.keyboard.press("Enter")
    event_rows = _cells(page, "#table-events")
    assert [r[1] for r in event_rows] == [formats.number(m["new"]) for m in town["months"]]
    assert [r[2] for r in event_rows] == [formats.number(m["reused"]) for m in town["months"]]
    assert sum(m["new"] for m in town["months"]) >= 5

    durations = page.locator("button[aria-controls=table-durations]")
    _tab_to(page, durations)
    page.keyboard.press("Enter")
    body = httpx.get(f"{live_server.url}/api/v1/statistics/durations",
                     params={"municipality": SCHMOELLN}).json()["municipalities"][0]
    current = _cells(page, "#table-durations")[0]
    assert current[1:] == [formats.number(body["current"][k])
                           for k in ("count", "q1_days", "median_days", "q3_days")]

    screenshot(page, f"statistics-{page.viewport_size['width']}")
    texts = page.evaluate(VISIBLE_TEXT_JS)
    assert english_numbers(texts, ungrouped=False) == []
    assert OWNER not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    guard.assert_clean()


def test_range_selector_and_unknown_town(live_server, users, screen, guard):
    _arrange(live_server, users)
    page = screen
    page.goto(f"{live_server.url}/statistik/{SCHMOELLN}")
    page.fill("#period-from", trends.month_label(trends.current_month() - 2))
    page.fill("#period-to", TO)
    page.get_by_role("button", name="Anzeigen", exact=True).click()
    page.get_by_role("button", name="Tabelle anzeigen").first.click()
    expect(page.locator("#table-counts tbody tr")).to_have_count(3)
    assert "from=" in page.locator("a.csv-link").first.get_attribute("href")

    response = page.goto(f"{live_server.url}/statistik/{SCHMOELLN}?from=2026-13")
    assert response.status == 422
    expect(page.get_by_role("alert").first).to_contain_text("gültigen Zeitraum")

    response = page.goto(f"{live_server.url}/statistik/99999999")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Seite nicht gefunden")
    guard.assert_clean()


def test_comparison_shows_a_small_chart_per_town(live_server, users, screen, guard, tmp_path):
    _arrange(live_server, users)
    page = screen
    page.goto(f"{live_server.url}/uebersicht")
    page.get_by_role("link", name="Statistik: Städte im Vergleich").click()
    page.wait_for_url(f"{live_server.url}/statistik")
    page.wait_for_selector("#small-multiples canvas")
    expect(page.locator("#small-multiples li")).to_have_count(2)
    assert all(n > 300 for n in [
        _painted(page, f'#small-multiples [data-ags="{ags}"]') for ags in (SCHMOELLN, JENA)])
    figures = _cells(page, "#table-figures")
    assert [r[0] for r in figures] == ["Jena", "Schmölln"]
    series = _series(live_server)
    assert figures[1][3] == formats.number(series["months"][-1]["per_10000"])
    assert figures[1][2] == "4"
    link = page.locator("#csv-comparison")
    _tab_to(page, link)
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    path = tmp_path / "all.csv"
    download_info.value.save_as(path)
    with path.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["month"] == TO]
    assert {r["name"]: r["active"] for r in rows} == {"Jena": "1", "Schmölln": "4"}
    screenshot(page, f"statistics-comparison-{page.viewport_size['width']}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    guard.assert_clean()
