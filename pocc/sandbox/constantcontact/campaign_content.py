"""What the sandbox reads out of an email's HTML: its links and its previews.

Links are the `href`s of `<a>` elements that point at web pages, in the order they
appear, with repeats of the same URL merged (the links report merges them too). Each
gets a numeric `url_id` that depends only on the activity and the URL, so a re-read of
the same HTML keeps the ids. Previews replace the tracking image and the contact
placeholders the way a custom-code preview does (with the account owner's details).
"""

from __future__ import annotations

import hashlib
import html
import re
from html.parser import HTMLParser

from .engagement import Link

TRACKING_IMAGE = "[[trackingImage]]"
TRACKED_SCHEMES = ("http://", "https://")

# Link URLs longer than this make a send fail with reason code 8.
MAX_LINK_URL_LENGTH = 1005

# `[[FIRSTNAME OR "Friend"]]`-style contact placeholders of custom-code emails.
PLACEHOLDER = re.compile(r"\[\[\s*([A-Za-z_]+)(?:\s+OR\s+\"([^\"]*)\")?\s*\]\]")

BLOCK_TAGS = frozenset(
    {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table"}
)
SKIPPED_TAGS = frozenset({"script", "style", "head", "title"})


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return

        href = dict(attrs).get("href") or ""

        if href.lower().startswith(TRACKED_SCHEMES) and href not in self.urls:
            self.urls.append(href)


class _TextRenderer(HTMLParser):
    """Plain text of an HTML email: visible text, block breaks, links as (url)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self._link: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")
        elif tag == "a":
            self._link = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag == "a" and self._link:
            self.parts.append(f" ({self._link})")
            self._link = None
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).splitlines())
        paragraphs = "\n".join(lines)
        return re.sub(r"\n{3,}", "\n\n", paragraphs).strip()


def extract_links(activity_id: str, html_content: str) -> list[Link]:
    collector = _LinkCollector()
    collector.feed(html_content)
    collector.close()
    return [Link(url_id(activity_id, url), url) for url in collector.urls]


def url_id(activity_id: str, url: str) -> str:
    """A stable 13-digit id, like the real `url_id`s (for example 1100407204171)."""
    digest = hashlib.blake2b(f"{activity_id}|{url}".encode(), digest_size=8).digest()
    return str(1_100_000_000_000 + int.from_bytes(digest, "big") % 900_000_000_000)


def has_overlong_link(links: list[Link]) -> bool:
    return any(len(link.url) > MAX_LINK_URL_LENGTH for link in links)


def preview_html(html_content: str, owner: dict[str, str]) -> str:
    """The HTML as the preview shows it: no tracking image, the owner's details."""
    without_tracking = html_content.replace(TRACKING_IMAGE, "")
    return PLACEHOLDER.sub(
        lambda match: _placeholder(match, owner, escape=True), without_tracking
    )


def preview_text(html_content: str, owner: dict[str, str]) -> str:
    renderer = _TextRenderer()
    renderer.feed(html_content.replace(TRACKING_IMAGE, ""))
    renderer.close()
    text = renderer.text()
    return PLACEHOLDER.sub(lambda match: _placeholder(match, owner, escape=False), text)


def _placeholder(match: re.Match[str], owner: dict[str, str], escape: bool) -> str:
    name = match.group(1).lower().replace("_", "")
    fallback = match.group(2) or ""
    value = {
        "firstname": owner.get("first_name", ""),
        "lastname": owner.get("last_name", ""),
        "emailaddress": owner.get("email_address", ""),
        "email": owner.get("email_address", ""),
    }.get(name)

    if value is None:
        return match.group(0)

    chosen = value or fallback
    return html.escape(chosen) if escape else chosen
