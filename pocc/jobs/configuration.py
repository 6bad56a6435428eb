"""Reading an organisation's `pocc_configuration` row, the one the setup page saved.

An organisation has one active configuration row (an administrator creates it on the
setup page; pocc's role cannot). The oldest active row wins if someone made two.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from pocc.dataverse import DataverseClient, Query, column
from pocc.errors import PoccError

logger = logging.getLogger(__name__)

CONFIGURATIONS = "pocc_configurations"


class MissingConfigurationError(PoccError):
    """The organisation has no active `pocc_configuration` row yet."""

    def __init__(self) -> None:
        super().__init__(
            "This organisation has no pocc configuration yet: an administrator must "
            "open the pocc setup page in Dynamics 365, save the Constant Contact "
            "settings and click Authenticate."
        )


def read_configuration(
    client: DataverseClient, select: Sequence[str] = ()
) -> dict[str, Any] | None:
    """The organisation's active configuration row (with its ETag), or None."""
    query = Query(
        select=["pocc_configurationid", *select],
        filter=column("statecode").eq(0),
        orderby=["createdon asc"],
        top=1,
    )
    rows = list(client.query(CONFIGURATIONS, query))
    return rows[0] if rows else None


def require_configuration(
    client: DataverseClient, select: Sequence[str] = ()
) -> dict[str, Any]:
    row = read_configuration(client, select)

    if row is None:
        raise MissingConfigurationError()

    return row


def constant_contact_problem(row: dict[str, Any] | None) -> str | None:
    """Why jobs cannot call Constant Contact for this organisation, or None.

    Read from the row alone, so a job fails at once, before any call, with a sentence
    an administrator can act on.
    """
    if row is None:
        return str(MissingConfigurationError())

    if row.get("pocc_needsreauthentication"):
        return (
            "Constant Contact refused pocc's saved authorization (it expired or was "
            "revoked): an administrator must open the pocc setup page and click "
            "Authenticate again, then run this job again."
        )

    if not row.get("pocc_refreshtoken") and not row.get("pocc_accesstoken"):
        return (
            "This organisation is not connected to Constant Contact: an "
            "administrator must open the pocc setup page and click Authenticate, "
            "then run this job again."
        )

    return None
