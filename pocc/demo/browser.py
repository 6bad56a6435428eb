"""The few things a browser does that the demo needs: follow a link, fill in a form.

The administrator's side of "Authenticate" is a browser: it follows the proxy's
redirect to Constant Contact's consent page, fills in the username and password,
presses Allow and follows the redirect back to the proxy. This module does exactly
that with requests and the standard library's HTML parser, and nothing more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30
# Elements whose text a person does not see on the page.
HIDDEN_TAGS = frozenset({"head", "style", "script", "title"})


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, str] = field(default_factory=dict)


class _FormReader(HTMLParser):
    """Collects the first form: its action, method, inputs and submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.form: Form | None = None
        self._inside = False
        self._hidden_depth = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}

        if tag in HIDDEN_TAGS:
            self._hidden_depth += 1
        elif tag == "form" and self.form is None:
            self.form = Form(values.get("action", ""), values.get("method", "get"))
            self._inside = True
        elif self._inside and self.form is not None and values.get("name"):
            if tag == "input":
                self.form.fields[values["name"]] = values.get("value", "")
            elif tag == "button":
                self.form.buttons[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TAGS:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag == "form":
            self._inside = False

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._hidden_depth:
            self.text.append(data.strip())


def read_form(html: str, page_url: str) -> Form:
    reader = _FormReader()
    reader.feed(html)

    if reader.form is None:
        raise ValueError(f"the page at {page_url} has no form")

    reader.form.action = urljoin(page_url, reader.form.action or page_url)
    return reader.form


def page_text(html: str) -> list[str]:
    """The visible text of a page, one item per piece of text."""
    reader = _FormReader()
    reader.feed(html)
    return reader.text


class Browser:
    """A requests session that trusts the sandbox's CA and ignores the environment."""

    def __init__(self, ca_bundle: str) -> None:
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = ca_bundle

    def get(self, url: str) -> requests.Response:
        """One GET; redirects are returned, not followed, so the demo can show them."""
        return self.session.get(url, allow_redirects=False, timeout=TIMEOUT_SECONDS)

    def submit(
        self, form: Form, answers: dict[str, str], button: str
    ) -> requests.Response:
        data = {**form.fields, **answers, button: form.buttons[button]}
        return self.session.request(
            form.method.upper(),
            form.action,
            data=data,
            allow_redirects=False,
            timeout=TIMEOUT_SECONDS,
        )

    def close(self) -> None:
        self.session.close()
