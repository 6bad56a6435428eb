"""Getting Constant Contact tokens the way a person would: through the consent form.

The harness needs a valid access token for the sandbox's v3 API. It walks the real
authorization-code flow with PKCE: opens the authorize URL, answers the HTML login and
consent form (whatever hidden fields and action it carries), takes the code from the
redirect without following it, and swaps it at the token endpoint with HTTP Basic
client authentication. Nothing here is aimed at any host but the sandbox's own.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

logger = logging.getLogger(__name__)

# Everything pocc asks for, plus account_update so the harness reaches every operation.
ALL_SCOPES = "account_read account_update contact_data campaign_data offline_access"
TIMEOUT_SECONDS = 30


class LoginError(AssertionError):
    """The sandbox's OAuth flow did not hand out tokens as Constant Contact would."""


@dataclass
class HtmlForm:
    """The first form of a page: where it posts, its fields and its buttons."""

    action: str = ""
    method: str = "get"
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, str] = field(default_factory=dict)


class FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form: HtmlForm | None = None
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}

        if tag == "form" and self.form is None:
            self.form = HtmlForm(
                attributes.get("action", ""), attributes.get("method", "get")
            )
            self._inside = True
            return

        if not self._inside or self.form is None or "name" not in attributes:
            return

        kind = attributes.get("type", "submit" if tag == "button" else "text").lower()

        if kind == "submit":
            self.form.buttons[attributes["name"]] = attributes.get("value", "")
        elif tag in ("input", "textarea", "select"):
            self.form.fields[attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


def read_form(html: str, page_url: str) -> HtmlForm:
    reader = FormReader()
    reader.feed(html)

    if reader.form is None:
        raise LoginError(f"the consent page at {page_url} holds no form")

    reader.form.action = urljoin(page_url, reader.form.action or page_url)
    return reader.form


def new_session() -> requests.Session:
    """A session that ignores the machine's proxy and CA variables."""
    session = requests.Session()
    session.trust_env = False
    return session


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def redirect_uri(config: dict[str, Any]) -> str:
    """A concrete redirect URI from the first registered one (`*` filled in)."""
    return config["redirect_uris"][0].replace("*", "contracttests")


def authorize(config: dict[str, Any], ca_bundle: str, scope: str = ALL_SCOPES) -> dict:
    """Tokens from a full authorization-code flow with PKCE, answered with 'allow'."""
    session = new_session()
    verifier, challenge = pkce_pair()
    state = secrets.token_hex(8)
    params = {
        "client_id": config["client_id"],
        "redirect_uri": redirect_uri(config),
        "response_type": "code",
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }

    page = session.get(
        config["auth_url"] + "/authorize",
        params=params,
        verify=ca_bundle,
        timeout=TIMEOUT_SECONDS,
    )
    _expect(page, 200, "the authorize page")

    code = _answer_consent(session, page, config, ca_bundle, state)

    answer = session.post(
        config["auth_url"] + "/token",
        auth=(config["client_id"], config["client_secret"]),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": params["redirect_uri"],
            "code_verifier": verifier,
        },
        headers={"Accept": "application/json"},
        verify=ca_bundle,
        timeout=TIMEOUT_SECONDS,
    )
    _expect(answer, 200, "the token endpoint (authorization_code)")
    logger.debug("sandbox OAuth: tokens for scope %s", scope)
    return answer.json()


def refresh(config: dict[str, Any], ca_bundle: str, refresh_token: str) -> dict:
    answer = new_session().post(
        config["auth_url"] + "/token",
        auth=(config["client_id"], config["client_secret"]),
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers={"Accept": "application/json"},
        verify=ca_bundle,
        timeout=TIMEOUT_SECONDS,
    )
    _expect(answer, 200, "the token endpoint (refresh_token)")
    return answer.json()


def _answer_consent(
    session: requests.Session,
    page: requests.Response,
    config: dict[str, Any],
    ca_bundle: str,
    state: str,
) -> str:
    form = read_form(page.text, page.url)

    if "allow" not in form.buttons:
        raise LoginError(f"the consent form has no 'allow' button: {form.buttons}")

    answers = {
        **form.fields,
        "username": config["username"],
        "password": config["password"],
        "allow": form.buttons["allow"],
    }
    reply = session.request(
        form.method.upper(),
        form.action,
        data=answers,
        allow_redirects=False,
        verify=ca_bundle,
        timeout=TIMEOUT_SECONDS,
    )

    if reply.status_code not in (302, 303):
        raise LoginError(f"consent answered {reply.status_code}: {reply.text[:500]}")

    returned = parse_qs(urlsplit(reply.headers["Location"]).query)

    if returned.get("state") != [state] or "code" not in returned:
        raise LoginError(f"the redirect after consent lacks code or state: {returned}")

    return returned["code"][0]


def _expect(response: requests.Response, status: int, what: str) -> None:
    if response.status_code != status:
        raise LoginError(
            f"{what} answered {response.status_code}, expected {status}: "
            f"{response.text[:500]}"
        )
