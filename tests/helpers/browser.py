"""Browser harness for the map pages: Debian's Chromium through Playwright, with a request
guard (only 127.0.0.1; base-map tiles are aborted and counted; anything else is a failure),
a dialog trap for XSS checks, a record of Content-Security-Policy violations, and screenshots
under test-output/maps/; the register's API over real HTTP to arrange data and check what the
pages did."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from app.config import PROJECT_DIR
from tests.helpers.users import PASSWORD, bearer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-default-apps",
                 "--disable-sync", "--metrics-recording-only", "--disable-extensions"]
SCREENSHOTS = PROJECT_DIR / "test-output" / "maps"
# reports every violation (enforced or report-only) of the page's CSP to the test
CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (e) => window.__cspViolation(
    `${e.disposition} ${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at `
    + `${e.sourceFile}:${e.lineNumber} on ${document.location.pathname}: ${e.sample}`));"""


@dataclass
class Guard:
    """What a page did besides its job: requests off the machine, dialogs, script errors."""

    local_prefix: str
    tiles_host: str
    external: list[str] = field(default_factory=list)
    tiles: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    api_calls: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)

    def route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.local_prefix):
            if "/api/" in url:
                self.api_calls.append(url)
            route.continue_()
        elif urlsplit(url).hostname == self.tiles_host:
            self.tiles.append(url)
            route.abort()  # no waiting on DNS in tests
        else:
            self.external.append(url)
            route.abort()

    def assert_clean(self) -> None:
        assert self.external == [], f"requests outside 127.0.0.1: {self.external}"
        assert self.dialogs == [], f"dialogs opened (script ran): {self.dialogs}"
        assert self.errors == [], f"script errors: {self.errors}"
        assert self.csp == [], f"Content-Security-Policy violations: {self.csp}"

    def violation(self, text: str) -> None:
        self.csp.append(text)

    def console(self, message) -> None:
        # Chromium's own line for a blocked resource, in case the event did not reach a listener
        if "Content Security Policy" in message.text:
            self.csp.append(f"console: {message.text}")


def open_page(browser, guard: Guard, **context_options):
    context = browser.new_context(locale="de-DE", **context_options)
    page = context.new_page()
    page.expose_function("__cspViolation", guard.violation)
    page.add_init_script(CSP_LISTENER)
    page.on("console", guard.console)
    page.route("**/*", guard.route)
    page.on("dialog", lambda dialog: (guard.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: guard.errors.append(str(error)))
    page.set_default_timeout(15_000)
    return context, page


def set_view(page, lat: float, lon: float, zoom: int) -> None:
    """Move the public or staff map and wait until it stays there (a running fit or zoom
    animation may undo a single setView)."""
    page.wait_for_function("""([lat, lon, zoom]) => {
        const map = window.leerstandLayer && window.leerstandLayer.map;
        if (!map) return false;
        const there = map.getZoom() === zoom && Math.abs(map.getCenter().lat - lat) < 1e-5;
        if (!there) map.setView([lat, lon], zoom, {reset: true});
        return there;
    }""", arg=[lat, lon, zoom], polling=100)


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def login(page, base_url: str, ags: str, email: str) -> None:
    """Open the staff map, get sent to the login page, log in, land back on the staff map."""
    page.goto(f"{base_url}/verwaltung/{ags}")
    assert re.search(rf"/anmelden\?next=/verwaltung/{ags}$", page.url), page.url
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/verwaltung/{ags}")


class Api:
    """The register's API over real HTTP, to arrange data and check what the pages did."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.http = httpx.Client(base_url=base_url, headers=bearer(token) if token else {})

    def create(self, feature: dict) -> dict:
        response = self.http.post("/api/v1/vacancies", json=feature)
        assert response.status_code == 201, response.text
        return response.json()

    def get(self, vacancy_id: int) -> dict:
        response = self.http.get(f"/api/v1/vacancies/{vacancy_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def patch(self, vacancy_id: int, version: int, **properties) -> dict:
        response = self.http.patch(f"/api/v1/vacancies/{vacancy_id}", json={"properties": properties},
                                   headers={"If-Match": f'"{version}"'})
        assert response.status_code == 200, response.text
        return response.json()

    def list(self, ags: str) -> list[dict]:
        response = self.http.get("/api/v1/vacancies", params={"municipality": ags, "limit": 1000})
        assert response.status_code == 200, response.text
        return response.json()["features"]

    def municipality(self, ags: str) -> dict:
        return self.http.get(f"/api/v1/municipalities/{ags}").json()
