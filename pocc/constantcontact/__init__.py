"""pocc's client for Constant Contact's v3 API and OAuth2 server, real or sandboxed.

Start with `ConstantContactClient.for_organization(settings, "contoso", dataverse)`;
connect an organisation with `Authorization`; import contacts with
`bulk_import.import_contacts`.
"""

from pocc.constantcontact.authorization import Authorization
from pocc.constantcontact.bulk_import import (
    ContactOutcome,
    ImportReport,
    Status,
    import_contacts,
)
from pocc.constantcontact.client import ConstantContactClient, token_store
from pocc.constantcontact.oauth import TokenEndpoint, TokenSet
from pocc.constantcontact.oauth_state import StateSigner
from pocc.constantcontact.rate_limit import RateLimiter
from pocc.constantcontact.token_store import TokenStore

__all__ = [
    "Authorization",
    "ConstantContactClient",
    "ContactOutcome",
    "ImportReport",
    "RateLimiter",
    "StateSigner",
    "Status",
    "TokenEndpoint",
    "TokenSet",
    "TokenStore",
    "import_contacts",
    "token_store",
]
