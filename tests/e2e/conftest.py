import os

import pytest

from tests.conftest import chromium_path, require_service

ARTIFACTS = os.environ.get("E2E_ARTIFACTS", "test-artifacts")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    require_service("Chromium", bool(path), "apt-get install -y chromium fonts-noto-cjk")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev extra not installed
        require_service("Playwright", False, "pip install -e '.[dev]'")
    # Playwright's sync API runs an event loop in this thread; the live server's ORM calls
    # happen in its own thread, and the test's own setup is synchronous by design.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def artifacts_dir():
    os.makedirs(ARTIFACTS, exist_ok=True)
    return ARTIFACTS
