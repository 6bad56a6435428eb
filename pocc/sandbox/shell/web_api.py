"""`/d365/<org>/api/data/v9.2/...`: the Web API as a signed-in browser calls it.

In D365 the pages and `Xrm.WebApi` call the organisation's own `/api/data/v9.2/`
with the session cookie. The shell does the same: the request is handed, inside the
server, to the sandbox's Dataverse with the person's bearer token instead of the
cookie, so Dataverse's own privilege and field security checks answer it.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from flask import Response, current_app, request
from werkzeug.test import run_wsgi_app

logger = logging.getLogger(__name__)

# Hop-by-hop and framing headers the outer server writes itself.
DROPPED_HEADERS = frozenset({"connection", "transfer-encoding", "content-length"})


def forward(org: str, rest: str, token: str) -> Response:
    """Runs the request against `/dataverse/<org>/api/data/v9.2/<rest>` as the user."""
    body = request.get_data(cache=False)
    environ: dict[str, Any] = {
        key: value
        for key, value in request.environ.items()
        if key != "HTTP_COOKIE" and not key.startswith("werkzeug.")
    }
    environ.update(
        {
            "PATH_INFO": f"/dataverse/{org}/api/data/v9.2/{rest}",
            "SCRIPT_NAME": "",
            "HTTP_AUTHORIZATION": f"Bearer {token}",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
    )

    app_iter, status, headers = run_wsgi_app(
        current_app.wsgi_app, environ, buffered=True
    )
    content = b"".join(app_iter)
    kept = [
        (name, value) for name, value in headers if name.lower() not in DROPPED_HEADERS
    ]
    logger.debug("shell web api %s %s -> %s", request.method, rest[:80], status)
    return Response(content, status=status, headers=kept)
