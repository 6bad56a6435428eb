"""Browser tests: Debian's Chromium, driven by Playwright, clicking the D365 shell.

One stack for the module (the sandbox, pocc's proxy and a worker, as `make demo`
starts them, on free ports), one seeded organisation and one browser. Each test opens
its own browser context (its own cookies), signs in to the shell as a person of the
sandbox organisation and saves a screenshot of each page it checks in
`test-artifacts/screenshots/`.

Chromium is Debian's (`make browser` installs it); Playwright only drives it, so no
browser is downloaded. Without it the tests are skipped locally and fail in CI
(`POCC_REFERENCE_REQUIRED`), where `make test` installs it first.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from pocc.constantcontact import token_store
from pocc.dataverse import DataverseClient
from pocc.demo import connect
from pocc.demo.job_follower import JobFollower
from pocc.demo.processes import free_port
from pocc.demo.stack import ORGANIZATION, DemoStack
from pocc.jobs.job_row import JobKindValue
from pocc.sandbox.seed import AdminWebApi, SeededOrganization, seed_organization

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("POCC_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# The flags Chromium needs as root on a machine with no network but loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Constant Contact's real 4 requests a second would make Synchronize slow here.
FAST_CONSTANT_CONTACT = {"requests_per_second": 500, "requests_per_day": 1_000_000}
PAGE_TIMEOUT_MS = 30_000


def _require_chromium() -> None:
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return

    message = f"Chromium is not installed at {CHROMIUM}: run `make browser`"

    if os.environ.get("POCC_REFERENCE_REQUIRED"):
        pytest.fail(message)

    pytest.skip(message)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStack]:
    _require_chromium()
    demo_stack = DemoStack(tmp_path_factory.mktemp("browser"), proxy_port=free_port())
    demo_stack.reset()

    try:
        demo_stack.start_sandbox()
        _sandbox_settings(demo_stack, {"constantcontact": FAST_CONSTANT_CONTACT})
        demo_stack.start_pocc()
        yield demo_stack
    finally:
        demo_stack.stop()


@pytest.fixture(scope="module")
def seeded(stack: DemoStack) -> SeededOrganization:
    api = AdminWebApi(stack.config, ORGANIZATION)

    try:
        return seed_organization(api)
    finally:
        api.close()


@pytest.fixture(scope="module")
def connected(stack: DemoStack, seeded: SeededOrganization) -> None:
    """The organisation connected to Constant Contact, whatever the Setup test did.

    The Setup test drives the page; the tests after it need a connected organisation
    even when that test failed, so they are connected here as the demo connects
    (the secret stored by pocc, the consent answered) when the page left it not so.
    """
    rows = admin_rows(stack, "pocc_configurations", "$select=pocc_ccaccountname")

    if rows and rows[0].get("pocc_ccaccountname"):
        return

    admin = DataverseClient.from_settings(stack.settings("admin"), ORGANIZATION)

    try:
        if rows:
            _store_secret(stack)
        else:
            connect.save_configuration(stack, admin)
    finally:
        admin.close()

    connect.authenticate(stack)


@pytest.fixture(scope="module")
def synchronized(stack: DemoStack, connected: None) -> None:
    """Campaigns imported, by the Synchronize test's click or else as the demo does."""
    if admin_rows(stack, "pocc_campaigns", "$select=pocc_name&$top=1"):
        return

    admin = DataverseClient.from_settings(stack.settings("admin"), ORGANIZATION)
    follower = JobFollower(admin, stack.public_url)

    try:
        follower.run("Synchronize campaigns", JobKindValue.SYNCHRONIZE)
    finally:
        follower.close()
        admin.close()


def _store_secret(stack: DemoStack) -> None:
    application = stack.config["constantcontact"]
    settings = stack.settings()
    dataverse = DataverseClient.from_settings(settings, ORGANIZATION)

    try:
        store = token_store(settings, dataverse)
        store.save_application(application["client_id"], application["client_secret"])
    finally:
        dataverse.close()


@pytest.fixture(scope="module")
def browser(stack: DemoStack) -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )

        try:
            yield launched
        finally:
            launched.close()


class Shell:
    """One person's browser session in the D365 shell."""

    def __init__(self, stack: DemoStack, context: Any) -> None:
        self.stack = stack
        self.context = context
        self.page = context.new_page()
        self.page.set_default_timeout(PAGE_TIMEOUT_MS)
        # What the pages said in the browser console, printed when a test fails.
        self.console: list[str] = []
        context.on("console", lambda message: self.console.append(message.text))
        context.on("weberror", lambda error: self.console.append(str(error.error)))
        self.url = stack.config["d365"][ORGANIZATION]

    def sign_in(self, login: str) -> Shell:
        self.page.goto(self.url)
        self.page.locator(f"button[value='{login}']").click()
        self.page.wait_for_url(re.compile(r"main\.aspx"))
        return self

    def open(self, **parameters: str) -> None:
        query = "&".join(f"{name}={value}" for name, value in parameters.items())
        self.page.goto(f"{self.url}main.aspx?{query}")

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[Any]:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def shell(
    request: pytest.FixtureRequest, stack: DemoStack, browser: Any
) -> Iterator[Callable[[str], Shell]]:
    """`shell("marketer")`: a new browser context signed in as that person."""
    opened: list[Shell] = []

    def open_as(login: str) -> Shell:
        context = browser.new_context(
            ignore_https_errors=True, viewport={"width": 1400, "height": 1000}
        )
        session = Shell(stack, context)
        opened.append(session)
        return session.sign_in(login)

    try:
        yield open_as
    finally:
        report = getattr(request.node, "report_call", None)

        for number, session in enumerate(opened):
            if report is not None and report.failed:
                session.screenshot(f"failed-{request.node.name}-{number}")
                print("\n".join(session.console[-40:]))

            session.context.close()


def admin_rows(stack: DemoStack, entity_set: str, query: str) -> list[dict[str, Any]]:
    """Rows read as the sandbox's System Administrator, to check what the UI did."""
    identity = stack.config["identity"]
    session = requests.Session()
    session.trust_env = False
    session.verify = stack.config["ca_bundle"]

    try:
        token = session.post(
            f"{identity['authority_host']}/{identity['tenant_id']}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": identity["admin_client_id"],
                "client_secret": identity["admin_client_secret"],
                "scope": f"{stack.config['orgs'][ORGANIZATION]['url']}/.default",
            },
            timeout=30,
        ).json()["access_token"]
        answer = session.get(
            f"{stack.config['orgs'][ORGANIZATION]['url']}/api/data/v9.2/"
            f"{entity_set}?{query}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()["value"]
    finally:
        session.close()


def _sandbox_settings(stack: DemoStack, changes: dict[str, Any]) -> None:
    session = requests.Session()
    session.trust_env = False

    try:
        answer = session.patch(
            f"{stack.config['admin_url']}/settings",
            json=changes,
            verify=stack.config["ca_bundle"],
            timeout=30,
        )
        answer.raise_for_status()
    finally:
        session.close()
