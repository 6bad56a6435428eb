"""The account, contacts, contact lists and custom fields (scopes `account_read` and
`contact_data`; reference notes, 6.1 to 6.3 and 6.8)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pocc.constantcontact.api_base import MAX_PAGE, ApiBase, segment
from pocc.constantcontact.writable import (
    CONTACT_CREATE,
    CONTACT_LIST,
    CONTACT_UPDATE,
    CUSTOM_FIELD,
    writable,
)

logger = logging.getLogger(__name__)

# GET /contact_custom_fields pages hold at most 100 (notes, section 5).
MAX_CUSTOM_FIELD_PAGE = 100


class AccountApi(ApiBase):
    def account_summary(self, extra_fields: Sequence[str] = ()) -> dict[str, Any]:
        """Organisation name, encoded account id, time zone...: a connection test."""
        params = {"extra_fields": ",".join(extra_fields)} if extra_fields else None
        return self._get("account/summary", "reading the account summary", params)

    def account_emails(self, confirm_status: str | None = None) -> list[dict[str, Any]]:
        """The account's sender addresses (campaigns may only use CONFIRMED ones)."""
        params = {"confirm_status": confirm_status} if confirm_status else None
        return self._get("account/emails", "reading the account's addresses", params)


class ContactsApi(ApiBase):
    # Contacts

    def contacts(
        self,
        *,
        include: Sequence[str] = (),
        status: str | None = None,
        lists: Sequence[str] = (),
        updated_after: str | None = None,
        page_size: int = MAX_PAGE,
    ) -> Iterator[dict[str, Any]]:
        """Every contact the filters select, page by page as the caller iterates."""
        params: dict[str, Any] = {"limit": page_size}
        optional = {
            "include": ",".join(include),
            "status": status,
            "lists": ",".join(lists),
            "updated_after": updated_after,
        }
        params.update({key: value for key, value in optional.items() if value})
        return self._items("contacts", "contacts", "reading contacts", params)

    def contact(self, contact_id: str, include: Sequence[str] = ()) -> dict[str, Any]:
        params = {"include": ",".join(include)} if include else None
        return self._get(f"contacts/{segment(contact_id)}", "reading a contact", params)

    def find_contact(self, email: str) -> dict[str, Any] | None:
        """The contact with this address (matched without case), or None."""
        found = self._get(
            "contacts", "looking up a contact by email", {"email": email, "limit": 1}
        )
        contacts = found.get("contacts") or []
        return contacts[0] if contacts else None

    def create_contact(self, contact: Mapping[str, Any]) -> dict[str, Any]:
        """POST /contacts; 409 (DuplicateKeyError) when the address exists."""
        body = {"create_source": "Account", **writable(CONTACT_CREATE, contact)}
        return self._write("POST", "contacts", "creating a contact", body)

    def update_contact(
        self, contact_id: str, contact: Mapping[str, Any]
    ) -> dict[str, Any]:
        """PUT: top-level properties left out become empty; sub-resources stay."""
        body = {"update_source": "Account", **writable(CONTACT_UPDATE, contact)}
        path = f"contacts/{segment(contact_id)}"
        return self._write("PUT", path, "updating a contact", body)

    def delete_contact(self, contact_id: str) -> None:
        self._write("DELETE", f"contacts/{segment(contact_id)}", "deleting a contact")

    def contact_counts(self) -> dict[str, Any]:
        return self._get("contacts/counts", "counting contacts")

    # Lists

    def contact_lists(
        self, *, include_membership_count: str | None = None, page_size: int = MAX_PAGE
    ) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"limit": page_size}

        if include_membership_count:
            params["include_membership_count"] = include_membership_count

        return self._items("contact_lists", "lists", "reading contact lists", params)

    def contact_list(self, list_id: str) -> dict[str, Any]:
        return self._get(f"contact_lists/{segment(list_id)}", "reading a contact list")

    def find_contact_list(self, name: str) -> dict[str, Any] | None:
        """The list with exactly this name, or None."""
        found = self._get("contact_lists", "finding a list by name", {"name": name})
        lists = found.get("lists") or []
        return lists[0] if lists else None

    def create_contact_list(self, contact_list: Mapping[str, Any]) -> dict[str, Any]:
        """POST /contact_lists; a taken name is a DuplicateKeyError (409)."""
        body = writable(CONTACT_LIST, contact_list)
        return self._write("POST", "contact_lists", "creating a contact list", body)

    def update_contact_list(
        self, list_id: str, contact_list: Mapping[str, Any]
    ) -> dict[str, Any]:
        body = writable(CONTACT_LIST, contact_list)
        path = f"contact_lists/{segment(list_id)}"
        return self._write("PUT", path, "updating a contact list", body)

    def delete_contact_list(self, list_id: str) -> dict[str, Any] | None:
        """Asynchronous on the service: the answer is the activity that deletes it."""
        path = f"contact_lists/{segment(list_id)}"
        return self._write("DELETE", path, "deleting a contact list")

    # Custom fields

    def custom_fields(self) -> Iterator[dict[str, Any]]:
        params = {"limit": MAX_CUSTOM_FIELD_PAGE}
        return self._items(
            "contact_custom_fields", "custom_fields", "reading custom fields", params
        )

    def create_custom_field(self, custom_field: Mapping[str, Any]) -> dict[str, Any]:
        body = writable(CUSTOM_FIELD, custom_field)
        return self._write(
            "POST", "contact_custom_fields", "creating a custom field", body
        )

    def update_custom_field(
        self, custom_field_id: str, custom_field: Mapping[str, Any]
    ) -> dict[str, Any]:
        body = writable(CUSTOM_FIELD, custom_field)
        path = f"contact_custom_fields/{segment(custom_field_id)}"
        return self._write("PUT", path, "updating a custom field", body)
