"""The Constant Contact list a marketing list is mirrored into.

It carries the marketing list's name. The first sync creates it and stores its id on
the marketing list (`pocc_cclistid`); later syncs find it by that id and rename it
when the marketing list was renamed. A list deleted in Constant Contact is made
again. When the create's answer was lost (or an earlier sync stopped before storing
the id), the list of that name is taken over, since Constant Contact list names are
unique in an account.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pocc.dataverse import DataverseClient
from pocc.errors import DuplicateKeyError, InvalidRequestError, NotFoundError
from pocc.listsync.target import CC_LIST_ID, ListSyncError, SyncTarget
from pocc.send.members import LISTS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListChange:
    """What ensuring the list did: its id and a line for the job's log, if any."""

    list_id: str
    note: str = ""


def ensure_cc_list(
    client: Any, dataverse: DataverseClient, target: SyncTarget
) -> ListChange:
    """The Constant Contact list for `target`, created or renamed as needed."""
    existing = _stored_list(client, target.cc_list_id)

    if existing is None:
        change = _create(client, target)
    elif existing.get("name") != target.name:
        change = _rename(client, existing, target.name)
    else:
        change = ListChange(existing["list_id"])

    if change.list_id != target.cc_list_id:
        dataverse.update(LISTS, target.marketing_list.id, {CC_LIST_ID: change.list_id})

    return change


def _stored_list(client: Any, list_id: str) -> dict[str, Any] | None:
    if not list_id:
        return None

    try:
        found = client.contact_list(list_id)
    except NotFoundError:
        logger.info("Constant Contact list %s is gone; making a new one", list_id)
        return None

    return None if found.get("deleted_at") else found


def _create(client: Any, target: SyncTarget) -> ListChange:
    description = (
        f"Members of the Dynamics 365 marketing list {target.name}, kept in step "
        "by pocc."
    )

    try:
        created = client.create_contact_list(
            {"name": target.name, "description": description[:255]}
        )
        return ListChange(
            created["list_id"], f"Created the Constant Contact list {target.name}."
        )
    except DuplicateKeyError:
        found = client.find_contact_list(target.name)

        if found is None:
            raise

        return ListChange(
            found["list_id"],
            f"Took over the existing Constant Contact list {target.name}.",
        )


def _rename(client: Any, existing: dict[str, Any], name: str) -> ListChange:
    old_name = existing.get("name")
    changes = {
        "name": name,
        "favorite": bool(existing.get("favorite")),
        # PUT replaces every property, so the description is sent again as it was.
        "description": existing.get("description"),
    }

    try:
        client.update_contact_list(existing["list_id"], changes)
    except (DuplicateKeyError, InvalidRequestError) as error:
        raise ListSyncError(
            f"Constant Contact refused to rename the list {old_name} to {name} "
            f"({error}). Another Constant Contact list may already have that name; "
            "rename one of them and sync again."
        ) from None

    return ListChange(
        existing["list_id"],
        f"Renamed the Constant Contact list {old_name} to {name}.",
    )
