"""pocc's Constant Contact v3 client: one session per account, helpers by area.

Start with `ConstantContactClient.for_organization(settings, "contoso", dataverse)`.
Helpers live in one module per area (`contacts`, `activities`, `campaigns`,
`reports`) and all of them go through `Transport.send`, the single boundary to HTTP
where tokens, pacing, retries and errors are handled.
"""

from __future__ import annotations

import logging
from typing import Any

from pocc.config import Settings
from pocc.constantcontact.activities import ActivitiesApi
from pocc.constantcontact.campaigns import CampaignsApi
from pocc.constantcontact.contacts import AccountApi, ContactsApi
from pocc.constantcontact.oauth import TokenEndpoint
from pocc.constantcontact.rate_limit import limiter_for
from pocc.constantcontact.reports import ReportsApi
from pocc.constantcontact.token_store import TokenStore
from pocc.constantcontact.transport import Transport
from pocc.dataverse import DataverseClient
from pocc.http import build_session
from pocc.vault import Vault

logger = logging.getLogger(__name__)


class ConstantContactClient(
    AccountApi, ContactsApi, ActivitiesApi, CampaignsApi, ReportsApi
):
    """One organisation's Constant Contact account."""

    @classmethod
    def for_organization(
        cls,
        settings: Settings,
        organization: str,
        dataverse: DataverseClient,
        **token_options: Any,
    ) -> ConstantContactClient:
        """The client for a configured organisation; tokens from its configuration.

        `token_options` go to `TokenStore` (lease and refresh-margin lengths).
        """
        settings.organization(organization)
        store = token_store(settings, dataverse, **token_options)
        return cls.with_store(settings, store)

    @classmethod
    def with_store(cls, settings: Settings, store: TokenStore) -> ConstantContactClient:
        """A client over an existing token store (sharing its session)."""
        account = store.credentials().client_id
        limiter = limiter_for(
            account,
            settings.constant_contact_requests_per_second,
            settings.constant_contact_requests_per_day,
        )
        transport = Transport(
            settings.constant_contact_api_url,
            store.endpoint.session,
            store,
            limiter,
            max_total_wait=settings.max_wait_seconds,
        )
        logger.debug("Constant Contact client for account %s", account)
        return cls(transport)

    @property
    def tokens(self) -> Any:
        return self._transport.tokens


def token_store(
    settings: Settings, dataverse: DataverseClient, **options: Any
) -> TokenStore:
    """The token store of the organisation `dataverse` serves, on a fresh session."""
    session = build_session(settings.ca_bundle, settings.timeout_seconds)
    endpoint = TokenEndpoint(settings.constant_contact_auth_url, session)
    return TokenStore.for_organization(
        dataverse, Vault.from_settings(settings), endpoint, **options
    )
