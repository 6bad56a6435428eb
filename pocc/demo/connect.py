"""Step 2: an administrator saves the setup page and clicks Authenticate.

The setup page writes the organisation's `pocc_configuration` row (Constant Contact
client id, client secret, the pocc service URL, the time zone); pocc keeps the secret
encrypted with its vault key. Authenticate opens the proxy's
`/api/registration/authorize`, which sends the browser to Constant Contact's consent
page; the administrator signs in and allows access; Constant Contact sends the
browser back to the proxy's `/api/registration/register`, which stores the tokens.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from pocc.constantcontact import token_store
from pocc.dataverse import DataverseClient
from pocc.demo.browser import Browser, page_text, read_form
from pocc.demo.console import say
from pocc.demo.stack import ORGANIZATION, DemoStack

logger = logging.getLogger(__name__)

CONFIGURATIONS = "pocc_configurations"
# The sandbox account's owner sits in Boston (its campaigns' footer address).
TIME_ZONE = "Eastern Standard Time"


class ConnectError(RuntimeError):
    """A page of the Authenticate flow did not answer as an administrator expects."""


def save_configuration(stack: DemoStack, admin: DataverseClient) -> str:
    """The setup page's Save: the configuration row, its secret encrypted by pocc."""
    application = stack.config["constantcontact"]
    configuration_id = admin.create(
        CONFIGURATIONS,
        {
            "pocc_name": ORGANIZATION,
            "pocc_ccclientid": application["client_id"],
            "pocc_targetservice": stack.public_url,
            "pocc_timezone": TIME_ZONE,
        },
    )

    settings = stack.settings()
    pocc_dataverse = DataverseClient.from_settings(settings, ORGANIZATION)

    try:
        store = token_store(settings, pocc_dataverse)
        store.save_application(application["client_id"], application["client_secret"])
    finally:
        pocc_dataverse.close()

    stored = admin.retrieve(
        CONFIGURATIONS, configuration_id, select=["pocc_ccclientid", "pocc_timezone"]
    )
    say(f"Saved the setup page: configuration {configuration_id}", 1)
    say(f"Constant Contact client id {stored['pocc_ccclientid']}", 2)
    say("client secret stored encrypted with pocc's vault key (never in clear)", 2)
    say(f"pocc service {stack.public_url}, time zone {stored['pocc_timezone']}", 2)
    return configuration_id


def authenticate(stack: DemoStack) -> str:
    """Clicks Authenticate and answers the consent page; the proxy's final words."""
    application = stack.config["constantcontact"]
    browser = Browser(stack.config["ca_bundle"])

    try:
        start = (
            f"{stack.public_url}/api/registration/authorize?orgidname={ORGANIZATION}"
        )
        say(f"Authenticate opens {_path_of(start)}", 1)
        to_consent = _redirect(browser.get(start), "the proxy's authorize page")
        say(f"-> 302 to Constant Contact consent {_path_of(to_consent)}", 2)

        consent = browser.get(to_consent)
        _expect(consent.status_code == 200, "the consent page", consent.text)
        form = read_form(consent.text, consent.url)
        say(f"Signing in as {application['username']} and pressing Allow", 1)
        answered = browser.submit(
            form,
            {
                "username": application["username"],
                "password": application["password"],
            },
            "allow",
        )
        back = _redirect(answered, "the consent form")
        say(f"-> 302 back to the proxy {_path_of(back)}", 2)

        registered = browser.get(back)
        words = " ".join(page_text(registered.text))
        _expect(registered.status_code == 200, "the proxy's register page", words)
        say(f"The proxy answers: {words}", 1)
        return words
    finally:
        browser.close()


def _redirect(answer: object, what: str) -> str:
    status = getattr(answer, "status_code", 0)
    location = getattr(answer, "headers", {}).get("Location", "")
    _expect(status in (302, 303) and bool(location), what, getattr(answer, "text", ""))
    return location


def _expect(condition: bool, what: str, body: str) -> None:
    if not condition:
        raise ConnectError(f"{what} did not answer as expected: {body[:300]}")


def _path_of(url: str) -> str:
    """The URL without its query, which carries state, codes and challenges."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
