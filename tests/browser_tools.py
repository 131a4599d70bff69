"""Driving Debian's Chromium with Playwright, offline: launch it, and watch what a page does.

Never a downloaded browser: Playwright drives /usr/bin/chromium (tests/tools/install_chromium.sh).
Every request a page makes is recorded, and any that does not go to 127.0.0.1 is refused, so a
test both proves the pages need nothing from the internet and never reaches it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.fail("Chromium missing: run `make test-deps` (tests/tools/install_chromium.sh)")


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watch:
    """What happened in a browser context: requests, console errors, dialogs, page errors."""

    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def attach_page(self, page: Any) -> None:
        page.on(
            "console",
            lambda msg: (
                # The message's own location names the resource that failed, if any.
                self.console_errors.append(f"{page.url}: {msg.text} ({msg.location.get('url')})")
                if msg.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda exc: self.page_errors.append(f"{page.url}: {exc}"))

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{page.url}: {dialog.type} {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)


def local_only(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"


@contextmanager
def watched_context(browser: Any, **options: Any) -> Iterator[tuple[Any, Watch]]:
    watch = Watch()
    context = browser.new_context(**options)

    def route(route: Any) -> None:
        url = route.request.url
        watch.requests.append(url)
        if local_only(url):
            route.continue_()
        else:
            watch.refused.append(url)
            route.abort()

    context.route("**/*", route)
    context.on("page", watch.attach_page)
    try:
        yield context, watch
    finally:
        context.close()
