"""The clients one organisation's jobs use, built once per worker and shared.

`OrganizationServices` holds the organisation's `DataverseClient` and builds its
Constant Contact client on demand (tokens come from the configuration row, so the
client is made per job and sees the latest tokens). Tests and embedders pass their
own factory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pocc.config import Settings
from pocc.constantcontact import ConstantContactClient
from pocc.dataverse import DataverseClient

logger = logging.getLogger(__name__)

# (settings, organisation name, its Dataverse client) -> a Constant Contact client
ConstantContactFactory = Callable[[Settings, str, DataverseClient], Any]


def default_constant_contact_factory(
    settings: Settings, organization: str, dataverse: DataverseClient
) -> Any:
    """pocc's own Constant Contact client for the organisation."""
    return ConstantContactClient.for_organization(settings, organization, dataverse)


class OrganizationServices:
    """One configured organisation: its name, settings and clients."""

    def __init__(
        self,
        settings: Settings,
        organization: str,
        dataverse: DataverseClient | None = None,
        constant_contact_factory: ConstantContactFactory | None = None,
    ) -> None:
        settings.organization(organization)
        self.settings = settings
        self.name = organization
        self.dataverse = dataverse or DataverseClient.from_settings(
            settings, organization
        )
        self._factory = constant_contact_factory or default_constant_contact_factory

    def constant_contact(self) -> Any:
        return self._factory(self.settings, self.name, self.dataverse)

    def close(self) -> None:
        self.dataverse.close()
