"""Who is on the Constant Contact list, and taking off those who left.

Removal uses the `remove_list_memberships` bulk activity, 500 contacts at a time
(its limit for `contact_ids`, reference notes 6.4), and waits for each to finish. It
only ends a membership: the contact, their other lists and their permission to send
stay as they are, because leaving a marketing list is not an opt-out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from pocc.constantcontact.activities import FINAL_STATES, MAX_CONTACT_IDS
from pocc.constantcontact.bulk_import import Poller
from pocc.errors import PoccError

logger = logging.getLogger(__name__)


class MembershipRemovalError(PoccError):
    """Constant Contact did not finish removing members; the message says why."""


def list_members(client: Any, list_id: str) -> dict[str, str]:
    """The list's contacts: lower-cased address -> contact id."""
    members: dict[str, str] = {}

    for contact in client.contacts(lists=[list_id]):
        address = (contact.get("email_address") or {}).get("address")

        if address and contact.get("contact_id"):
            members[str(address).strip().lower()] = str(contact["contact_id"])

    return members


def remove_members(
    client: Any,
    list_id: str,
    contact_ids: Sequence[str],
    between: Callable[[], None] | None = None,
    poller: Poller | None = None,
) -> int:
    """Takes `contact_ids` off the list; how many were asked to leave."""
    poller = poller or Poller()

    for start in range(0, len(contact_ids), MAX_CONTACT_IDS):
        batch = list(contact_ids[start : start + MAX_CONTACT_IDS])
        activity = client.remove_list_memberships([list_id], {"contact_ids": batch})
        _wait(client, activity, poller)
        logger.info("removed %s contacts from list %s", len(batch), list_id)

        if between is not None:
            between()

    return len(contact_ids)


def _wait(client: Any, activity: dict[str, Any], poller: Poller) -> None:
    activity_id = str(activity.get("activity_id") or "")
    delay, waited = poller.first, 0.0

    while activity.get("state") not in FINAL_STATES:
        if waited >= poller.give_up_after:
            raise MembershipRemovalError(
                f"Removing members from the Constant Contact list was still "
                f"{activity.get('state')} after {waited:.0f} s; sync the list again "
                "later."
            )

        poller.sleep(delay)
        waited += delay
        delay = min(delay * 2, poller.longest)
        activity = client.activity(activity_id)

    if activity.get("state") != "completed":
        errors = "; ".join(str(item) for item in activity.get("activity_errors") or [])
        raise MembershipRemovalError(
            f"Constant Contact ended the removal of list members as "
            f"{activity.get('state')}"
            + (f" ({errors})" if errors else "")
            + "; sync the list again."
        )
