"""Bulk activities: asynchronous jobs the service runs and pocc polls (scope
`contact_data`; reference notes, 6.4).

Each POST answers 201 with an activity; `GET /activities/{id}` tells its `state`
until it is `completed`, `failed`, `cancelled` or `timed_out`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from pocc.constantcontact.api_base import ApiBase, segment

logger = logging.getLogger(__name__)

FINAL_STATES = frozenset({"completed", "failed", "cancelled", "timed_out"})
# A contact may be in at most 50 lists; sources take 500 contact ids at once.
MAX_LISTS = 50
MAX_CONTACT_IDS = 500


class ActivitiesApi(ApiBase):
    def start_json_import(self, body: bytes) -> dict[str, Any]:
        """POST /activities/contacts_json_import with a body built by `bulk_import`.

        Safe to repeat after a lost answer: an import only sets the fields it gives
        on the contacts it names, so a second run leaves the same result.
        """
        response = self._transport.send(
            "POST",
            "activities/contacts_json_import",
            doing="starting a contact import",
            data=body,
            idempotent=True,
        )
        return self._transport.json(response, "activities/contacts_json_import")

    def add_list_memberships(
        self, list_ids: Sequence[str], source: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Adds the contacts `source` names (list_ids, contact_ids...) to lists."""
        body = {"source": dict(source), "list_ids": list(list_ids)}
        return self._write(
            "POST",
            "activities/add_list_memberships",
            "adding list memberships",
            body,
            idempotent=True,
        )

    def remove_list_memberships(
        self, list_ids: Sequence[str], source: Mapping[str, Any]
    ) -> dict[str, Any]:
        body = {"source": dict(source), "list_ids": list(list_ids)}
        return self._write(
            "POST",
            "activities/remove_list_memberships",
            "removing list memberships",
            body,
            idempotent=True,
        )

    def delete_contacts(self, contact_ids: Sequence[str]) -> dict[str, Any]:
        body = {"contact_ids": list(contact_ids)}
        return self._write(
            "POST",
            "activities/contact_delete",
            "deleting contacts",
            body,
            idempotent=True,
        )

    def recent_activities(self, limit: int = 50) -> list[dict[str, Any]]:
        """The account's newest bulk activities, newest first (one page)."""
        body = self._get(
            "activities", "listing recent bulk activities", {"limit": limit}
        )
        return list(body.get("activities") or []) if isinstance(body, dict) else []

    def activity(self, activity_id: str) -> dict[str, Any]:
        return self._get(
            f"activities/{segment(activity_id)}", "reading a bulk activity's status"
        )
