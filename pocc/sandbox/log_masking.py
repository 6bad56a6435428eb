"""Request paths fit for the sandbox's log lines.

Paths can carry an email address (a `$filter`, an alternate key, a Constant Contact
`?email=` query) or a secret (`?code=`, `?client_secret=`); the sandbox's logs must
not show either, just as pocc's own logs don't.
"""

from __future__ import annotations

import re

EMAIL_LOCAL_PART = re.compile(r"[^/?&=\s'\"(),]+(@|%40)", re.IGNORECASE)
SECRET_QUERY_VALUE = re.compile(
    r"([?&](?:code|access_token|refresh_token|client_secret|password)=)[^&]*",
    re.IGNORECASE,
)


def masked(path: str) -> str:
    """`path` with email local parts and secret query values replaced by `***`."""
    path = SECRET_QUERY_VALUE.sub(r"\1***", path)
    return EMAIL_LOCAL_PART.sub(r"***\1", path)
