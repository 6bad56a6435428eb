"""A separate process that refreshes an organisation's Constant Contact token.

Run as `python -m tests.constantcontact.refresh_worker '<json>'` with `environment`
(pocc's settings), `configuration_id`, `start_at` (epoch seconds, so that several
workers go at once) and `mode`:

- "refresh": treat the stored token as expired, get a token, use it; prints
  `{"refreshes": n, "works": true}`.
- "crash": refresh, then die (exit 17) before the new tokens are stored, as a
  worker killed at the worst moment would.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from pocc.config import load_settings
from pocc.constantcontact import ConstantContactClient
from pocc.dataverse import DataverseClient
from tests.constantcontact import cc_helpers

CRASH_EXIT_CODE = 17


def main(arguments: dict[str, Any]) -> None:
    settings = load_settings(arguments["environment"])
    dataverse = DataverseClient.from_settings(settings, "contoso")
    store = cc_helpers.store_for(
        settings,
        dataverse,
        arguments["configuration_id"],
        lease_seconds=arguments.get("lease_seconds", 30),
        poll_seconds=0.05,
    )

    if arguments["mode"] == "crash":
        refresh = store.endpoint.refresh

        def refresh_then_die(*args: Any) -> Any:
            refresh(*args)
            os._exit(CRASH_EXIT_CODE)

        store.endpoint.refresh = refresh_then_die  # type: ignore[method-assign]

    time.sleep(max(arguments["start_at"] - time.time(), 0))
    store.access_token()

    client = ConstantContactClient.with_store(settings, store)
    works = bool(client.account_summary().get("encoded_account_id"))
    print(json.dumps({"refreshes": store.refreshes, "works": works}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
