"""pocc's proxy: the Flask app that browsers and D365 web resources call.

`create_app` wires one blueprint per area: `registration` (connecting Constant
Contact), `jobs` (nudging the runner about a queued job) and `health`. The app keeps
nothing of its own: jobs and tokens live in Dataverse. `app.py` builds it for
`gunicorn app:app`; `python -m pocc serve` runs the same app.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from flask import Flask

from pocc.config import Settings, load_settings
from pocc.web import health, jobs, registration
from pocc.web.errors import register_error_handlers
from pocc.web.state import WebState

logger = logging.getLogger(__name__)

Nudge = Callable[[str, str], None]


def create_app(settings: Settings | None = None, nudge: Nudge | None = None) -> Flask:
    """The proxy for `settings` (default: from the environment).

    `nudge(organization, job_id)` is told about each accepted job; with a worker in
    the same process it is `Worker.nudge`, otherwise the worker's own polling finds
    the job.
    """
    settings = settings or load_settings(os.environ)
    app = Flask(__name__)
    app.json.sort_keys = False
    app.extensions["pocc"] = WebState(settings, nudge)

    app.register_blueprint(registration.blueprint)
    app.register_blueprint(jobs.blueprint)
    app.register_blueprint(health.blueprint)
    register_error_handlers(app)

    logger.info("proxy ready for organisations %s", ", ".join(settings.organizations))
    return app
