"""Connecting an organisation to Constant Contact: what the setup page's Authenticate
button and the registration callback do.

`start` gives the URL of Constant Contact's consent page, with a state signed by
pocc and a PKCE challenge; `finish` checks the state against the organisation named
in the callback, swaps the code for tokens, stores them encrypted, and records the
account's name and id on the configuration.
"""

from __future__ import annotations

import logging

from pocc.config import Settings
from pocc.constantcontact.client import ConstantContactClient
from pocc.constantcontact.oauth import TokenSet, authorize_url, redirect_uri
from pocc.constantcontact.oauth_state import StateSigner
from pocc.constantcontact.token_store import CONFIGURATIONS, TokenStore

logger = logging.getLogger(__name__)


class Authorization:
    """One organisation's authorization flow."""

    def __init__(
        self,
        settings: Settings,
        organization: str,
        store: TokenStore,
        signer: StateSigner | None = None,
    ) -> None:
        settings.organization(organization)
        self.settings = settings
        self.organization = organization
        self.store = store
        self.signer = signer or StateSigner(settings.secret_keys)
        self.redirect_uri = redirect_uri(settings.public_url, organization)

    def start(self) -> str:
        """The consent page URL to send the administrator's browser to."""
        issued = self.signer.issue(self.organization)
        client_id = self.store.credentials().client_id
        logger.info("Constant Contact authorization started for %s", self.organization)
        return authorize_url(
            self.settings.constant_contact_auth_url,
            client_id,
            self.redirect_uri,
            issued,
        )

    def finish(self, code: str, state: str) -> TokenSet:
        """Checks the state, swaps the code, stores the tokens and the account name."""
        issued = self.signer.verify(state, self.organization)
        tokens = self.store.endpoint.exchange_code(
            self.store.credentials(), code, issued.code_verifier, self.redirect_uri
        )
        self.store.save_authorization(tokens)
        self._record_account()
        logger.info("Constant Contact connected for %s", self.organization)
        return tokens

    def _record_account(self) -> None:
        client = ConstantContactClient.with_store(self.settings, self.store)
        summary = client.account_summary()
        self.store.dataverse.update(
            CONFIGURATIONS,
            self.store.configuration_id,
            {
                "pocc_ccaccountname": summary.get("organization_name"),
                "pocc_ccaccountid": summary.get("encoded_account_id"),
            },
        )
