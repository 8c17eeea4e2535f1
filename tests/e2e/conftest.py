import json
import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import PASSWORD, chromium_path, require_service

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


# --- Shared helpers for browser tests -------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
# axe-core comes from npm (package.json, package-lock.json: `npm ci`); test tooling only, it is
# never served to users.
AXE_SCRIPT = REPO / "node_modules" / "axe-core" / "axe.min.js"
DESK = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
# The browser's own language; the page's comes from the language switch's cookie (Chinese
# unless English was chosen, see config/middleware.py).
BROWSER_LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
# What the audit checks: WCAG 2.0/2.1 A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = ("serious", "critical")


def new_context(browser, *, viewport=DESK, language="zh-hans", base_url=None, axe=True):
    """A browser context for one person on one screen, in `language` (as if she had chosen it
    with the switch, on the site at `base_url`). With `axe`, axe-core is injected into every
    page through the context: an init script runs whatever the page's CSP says, so the policy
    stays as strict as it is."""
    context = browser.new_context(viewport=viewport, locale=BROWSER_LOCALES[language])
    if base_url and language != settings.LANGUAGE_CODE:
        cookie = {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}
        context.add_cookies([cookie])
    if axe:
        require_service("axe-core", AXE_SCRIPT.exists(), "npm ci (package-lock.json)")
        context.add_init_script(path=str(AXE_SCRIPT))
    return context


def log_in(page, live_server, username, password=PASSWORD):
    page.goto(f"{live_server.url}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


# Opens every closed <details> (again and again: an opened tree node loads more of them),
# and answers the ones it opened, so they can be closed again afterwards.
_OPEN_DETAILS = """() => {
  const opened = [];
  document.querySelectorAll("details:not([open])").forEach((d, i) => {
    d.setAttribute("data-axe-opened", "");
    d.open = true;
    opened.push(i);
  });
  return opened.length;
}"""
_CLOSE_DETAILS = """() => document.querySelectorAll("details[data-axe-opened]").forEach(d => {
  d.removeAttribute("data-axe-opened"); d.open = false; })"""
_RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                           resultTypes: ["violations"]});
  return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.html.slice(0, 160))}));
}"""


def axe_violations(page) -> list[dict]:
    """All axe-core violations on the page as it is now, with every <details> opened (the
    controls they hide are checked too) and closed again afterwards."""
    for _ in range(10):
        if not page.evaluate(_OPEN_DETAILS):
            break
        page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof axe") == "object", "axe-core was not injected"
    violations = page.evaluate(_RUN_AXE, AXE_TAGS)
    page.evaluate(_CLOSE_DETAILS)
    return violations


def axe_check(page, where: str = "") -> list[dict]:
    """Fails on serious and critical violations; returns the milder ones."""
    violations = axe_violations(page)
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not failing, f"axe-core on {where or page.url}:\n" + "\n".join(
        f"- [{v['impact']}] {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in failing
    )
    milder = [v for v in violations if v["impact"] not in FAILING_IMPACTS]
    if milder:  # kept for reading, not failing: moderate and minor findings
        os.makedirs(ARTIFACTS, exist_ok=True)
        with open(os.path.join(ARTIFACTS, "axe-milder.jsonl"), "a", encoding="utf-8") as out:
            out.write(json.dumps({"where": where or page.url, "violations": milder}) + "\n")
    return milder
