"""What the proxy's requests share: settings, one Dataverse client per organisation,
and the nudge that tells a worker about a job."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from flask import current_app

from pocc.config import Settings
from pocc.constantcontact import TokenStore, token_store
from pocc.dataverse import DataverseClient

logger = logging.getLogger(__name__)


def _log_nudge(organization: str, job_id: str) -> None:
    logger.info("job %s of %s queued; a worker will poll for it", job_id, organization)


class WebState:
    """Built once per app; clients are made on first use and then shared."""

    def __init__(
        self, settings: Settings, nudge: Callable[[str, str], None] | None = None
    ) -> None:
        self.settings = settings
        self.nudge = nudge or _log_nudge
        self._clients: dict[str, DataverseClient] = {}
        self._lock = threading.Lock()

    def knows(self, organization: str) -> bool:
        return organization in self.settings.organizations

    def dataverse(self, organization: str) -> DataverseClient:
        with self._lock:
            if organization not in self._clients:
                self._clients[organization] = DataverseClient.from_settings(
                    self.settings, organization
                )

            return self._clients[organization]

    def token_store(self, organization: str) -> TokenStore:
        return token_store(self.settings, self.dataverse(organization))


def web_state() -> WebState:
    return current_app.extensions["pocc"]
