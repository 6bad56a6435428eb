"""The Constant Contact sandbox's shared objects, built once by `mount`.

`ConstantContactService` is what handlers reach through `call.service` and what other
services find in `context.services["constantcontact"]`: the account store, the clock,
the settings, the registration, the token issuer, the rate limiter and the
background loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from pocc.sandbox.context import SandboxClock, SandboxContext

from . import registration as registration_module
from .background import BackgroundLoop
from .ratelimit import RateLimiter
from .registration import Registration
from .settings import Settings
from .store import AccountStore
from .tokens import TokenIssuer

# Where the blueprint lives under the server, and the v3 and OAuth paths below it.
URL_PREFIX = "/constantcontact"
API_PATH = URL_PREFIX + "/v3"
AUTH_PATH = URL_PREFIX + "/oauth2/default/v1"

# The claims real tokens carry. They do not depend on the sandbox's port, so tokens
# stay valid when a restarted sandbox listens elsewhere; nothing ever calls them.
CLAIM_ISSUER = "https://authz.constantcontact.com/oauth2/default"
CLAIM_AUDIENCE = "https://api.cc.email/v3"


@dataclass
class ConstantContactService:
    context: SandboxContext
    store: AccountStore
    settings: Settings
    registration: Registration
    tokens: TokenIssuer
    rate_limiter: RateLimiter
    background: BackgroundLoop

    @property
    def clock(self) -> SandboxClock:
        return self.context.clock

    def now(self) -> datetime:
        return self.context.clock.now()

    @property
    def api_url(self) -> str:
        return self.context.base_url + API_PATH

    @property
    def auth_url(self) -> str:
        return self.context.base_url + AUTH_PATH

    def href(self, path: str, query: dict[str, object] | None = None) -> str:
        """A link as the API writes it in `_links`: server-relative, e.g.
        `/constantcontact/v3/contacts?cursor=...`. A list value repeats its
        parameter (`url_id=1&url_id=2`).

        The real API writes `/v3/...`; clients resolve either against the API URL
        (`urljoin(api_url, href)`), so the sandbox keeps its own prefix in front.
        """
        link = API_PATH + path

        if query:
            kept = {k: v for k, v in query.items() if v is not None}
            link += "?" + urlencode(kept, doseq=True)

        return link


def build_service(context: SandboxContext) -> ConstantContactService:
    folder = context.data_dir / "constantcontact"
    settings = Settings(context.settings)
    registration = registration_module.load_or_create(folder)
    store = AccountStore(folder / "account.sqlite3")
    tokens = TokenIssuer(
        registration,
        context.clock,
        settings,
        issuer=CLAIM_ISSUER,
        audience=CLAIM_AUDIENCE,
    )

    return ConstantContactService(
        context=context,
        store=store,
        settings=settings,
        registration=registration,
        tokens=tokens,
        rate_limiter=RateLimiter(context.clock, settings),
        background=BackgroundLoop(),
    )
