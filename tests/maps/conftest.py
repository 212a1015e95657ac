"""Fixtures of the map tests: one headless Chromium per module, a request guard per test, and
a desktop and a phone page (the harness itself is in tests/helpers/browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS, Guard, open_page


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def guard(live_server) -> Guard:
    tiles_host = urlsplit(live_server.settings.tiles_url.replace("{s}", "a")).hostname
    return Guard(local_prefix=live_server.url + "/", tiles_host=tiles_host)


@pytest.fixture
def page(browser, guard) -> Iterator:
    context, page = open_page(browser, guard, viewport={"width": 1280, "height": 900})
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, guard) -> Iterator:
    context, page = open_page(browser, guard, viewport={"width": 390, "height": 844},
                              is_mobile=True, has_touch=True, device_scale_factor=2)
    yield page
    context.close()
