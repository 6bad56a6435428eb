"""Masking for text that may reach a log line or an error message.

Paths and service messages can carry an email address (an alternate key, a filter on
`emailaddress1`, a validation message) or a token. pocc never logs either in full, so
everything it logs about a request goes through `redact` first.
"""

from __future__ import annotations

import re

# Deliberately loose: anything shaped like local@domain.tld, including plus-addressing
# and the percent-encoded `@` of a URL.
_EMAIL = re.compile(
    r"(?P<local>[A-Za-z0-9._%+-][A-Za-z0-9._%+'-]*)(?P<at>@|%40)"
    r"(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)",
    re.IGNORECASE,
)

# A JSON Web Token (three base64url segments, the first starting with `{"`), or the
# value after `Bearer `.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/-]{16,}=*")


def mask_email(address: str) -> str:
    """`jane.doe+news@example.com` -> `j***@example.com`: enough to tell rows apart."""
    local, separator, domain = address.rpartition("@")

    if not separator:
        return "***"

    return f"{local[:1]}***@{domain}"


def redact(text: str) -> str:
    """`text` with every email address masked and every token replaced."""
    text = _JWT.sub("<token>", text)
    text = _BEARER.sub(r"\1<token>", text)
    return _EMAIL.sub(_mask_match, text)


def _mask_match(match: re.Match[str]) -> str:
    return f"{match['local'][:1]}***{match['at']}{match['domain']}"
