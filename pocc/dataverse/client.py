"""The Dataverse Web API client: one session per organisation and typed helpers.

Helpers name what pocc does (retrieve, create, update, upsert, delete, associate,
actions, queries, FetchXML, `$batch`). Every one of them goes through
`Transport.send`, the single boundary to HTTP, where tokens, retries and errors are
handled.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import requests

from pocc.config import Settings
from pocc.dataverse import batch, fetchxml, paging
from pocc.dataverse.auth import DataverseAuth
from pocc.dataverse.query import Key, Query, checked_name, format_key
from pocc.dataverse.retry import RetryPolicy
from pocc.dataverse.transport import Transport
from pocc.errors import DuplicateKeyError, NotFoundError
from pocc.http import build_session

logger = logging.getLogger(__name__)

# Annotations asked for when a caller wants display values (choices, lookups, dates).
ALL_ANNOTATIONS = 'odata.include-annotations="*"'

UpsertMode = Literal["create or update", "create only", "update only"]


@dataclass(frozen=True)
class WhoAmI:
    user_id: str
    business_unit_id: str
    organization_id: str


class DataverseClient:
    """One organisation's Web API, at `{org_url}/api/data/v9.2/`."""

    def __init__(
        self,
        org_url: str,
        auth: DataverseAuth,
        session: requests.Session,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.org_url = org_url.rstrip("/")
        self._transport = Transport(org_url, auth, session, policy or RetryPolicy())
        self.api_base = self._transport.api_base

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        organization: str,
        policy: RetryPolicy | None = None,
    ) -> DataverseClient:
        """The client for one configured organisation; `policy` overrides limits."""
        org = settings.organization(organization)
        session = build_session(settings.ca_bundle, settings.timeout_seconds)
        auth = DataverseAuth(
            org_url=org.url,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            authority_host=settings.authority_host,
            session=session,
            tenant=org.tenant,
        )
        policy = policy or RetryPolicy(
            max_in_flight=settings.max_in_flight,
            max_total_wait=settings.max_wait_seconds,
        )
        return cls(org.url, auth, session, policy)

    def close(self) -> None:
        self._transport.close()

    # Reads

    def retrieve(
        self,
        entity_set: str,
        key: Key,
        *,
        select: Sequence[str] = (),
        expand: Sequence[str] = (),
        annotations: bool = False,
    ) -> dict[str, Any]:
        """One row by GUID or alternate key; NotFoundError when it is missing."""
        params = Query(select=select, expand=expand).params()
        path = checked_name(entity_set) + format_key(key)
        headers = {"Prefer": ALL_ANNOTATIONS} if annotations else {}
        response = self._transport.send(
            "GET",
            path,
            doing=f"reading a row of {entity_set}",
            params=params,
            headers=headers,
        )
        return self._transport.json(response, path)

    def query(
        self,
        entity_set: str,
        query: Query | None = None,
        *,
        page_size: int = paging.MAX_PAGE_SIZE,
        annotations: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Every row `query` selects, fetched page by page as the caller iterates."""
        return self._collection(checked_name(entity_set), query, page_size, annotations)

    def related(
        self,
        entity_set: str,
        key: Key,
        navigation: str,
        query: Query | None = None,
        *,
        page_size: int = paging.MAX_PAGE_SIZE,
        annotations: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Rows related through a collection navigation property (list members...)."""
        path = (
            checked_name(entity_set) + format_key(key) + "/" + checked_name(navigation)
        )
        return self._collection(path, query, page_size, annotations)

    def fetch(
        self,
        entity_set: str,
        fetch_xml: str,
        *,
        page_size: int = paging.MAX_PAGE_SIZE,
        annotations: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Every row a FetchXML query selects, following its paging cookie; with
        `annotations`, display values (choices, lookups, dates) too."""
        prefer = '"*"' if annotations else f'"{fetchxml.PAGING_ANNOTATIONS}"'

        def fetch_page(name: str, text: str) -> dict[str, Any]:
            return self._fetch_page(name, text, prefer)

        return fetchxml.iterate_fetch(
            fetch_page, checked_name(entity_set), fetch_xml, page_size
        )

    def who_am_i(self) -> WhoAmI:
        response = self._transport.send(
            "GET", "WhoAmI", doing="asking who pocc is (WhoAmI)"
        )
        body = self._transport.json(response, "WhoAmI")
        return WhoAmI(
            user_id=body["UserId"],
            business_unit_id=body["BusinessUnitId"],
            organization_id=body["OrganizationId"],
        )

    # Writes

    def create(self, entity_set: str, record: Mapping[str, Any]) -> str:
        """Creates a row and returns its id. Not retried once it may have run."""
        response = self._transport.send(
            "POST",
            checked_name(entity_set),
            doing=f"creating a row in {entity_set}",
            body=record,
            idempotent=False,
        )
        return self._transport.entity_id(response, entity_set)

    def update(
        self,
        entity_set: str,
        key: Key,
        changes: Mapping[str, Any],
        *,
        etag: str | None = None,
    ) -> None:
        """Changes an existing row; with `etag`, only if nobody changed it since.

        A stale `etag` raises DataverseConflictError (412). Without one, `If-Match: *`
        keeps PATCH from creating a row that does not exist (it raises NotFoundError).
        """
        path = checked_name(entity_set) + format_key(key)
        self._transport.send(
            "PATCH",
            path,
            doing=f"updating a row of {entity_set}",
            body=changes,
            headers={"If-Match": etag or "*"},
            # A repeat of a guarded update that ran would meet its own new version.
            idempotent=etag is None,
        )

    def upsert(
        self,
        entity_set: str,
        key: Key,
        record: Mapping[str, Any],
        *,
        mode: UpsertMode = "create or update",
    ) -> str:
        """Creates or updates the row with this GUID or alternate key; returns its id.

        "create only" sends `If-None-Match: *`: an existing row raises
        DuplicateKeyError. "update only" sends `If-Match: *`: a missing row raises
        NotFoundError.
        """
        headers = {
            "create or update": {},
            "create only": {"If-None-Match": "*"},
            "update only": {"If-Match": "*"},
        }[mode]
        path = checked_name(entity_set) + format_key(key)
        response = self._transport.send(
            "PATCH",
            path,
            doing=f"upserting a row of {entity_set} ({mode})",
            body=record,
            headers=headers,
            idempotent=mode != "create only",
        )
        return self._transport.entity_id(response, entity_set)

    def delete(
        self,
        entity_set: str,
        key: Key,
        *,
        etag: str | None = None,
        missing_ok: bool = False,
    ) -> bool:
        """Deletes a row; False when it was already gone and `missing_ok` is set."""
        path = checked_name(entity_set) + format_key(key)
        headers = {"If-Match": etag} if etag else {}

        try:
            self._transport.send(
                "DELETE",
                path,
                doing=f"deleting a row of {entity_set}",
                headers=headers,
                idempotent=etag is None,
            )
        except NotFoundError:
            if missing_ok:
                return False

            raise

        return True

    def associate(
        self,
        entity_set: str,
        key: Key,
        relationship: str,
        target_set: str,
        target_key: Key,
    ) -> None:
        """Links two rows through a collection-valued navigation property ($ref)."""
        path = (
            f"{checked_name(entity_set)}{format_key(key)}/{checked_name(relationship)}"
        )
        target = self.api_base + checked_name(target_set) + format_key(target_key)

        try:
            self._transport.send(
                "POST",
                path + "/$ref",
                doing=f"linking a row of {entity_set} through {relationship}",
                body={"@odata.id": target},
            )
        except DuplicateKeyError:
            # Dataverse refuses a link that already exists with 0x80040237; the
            # link is what was wanted, so this is success.
            logger.debug("link through %s already existed", relationship)

    def disassociate(
        self,
        entity_set: str,
        key: Key,
        relationship: str,
        target_key: Key | None = None,
    ) -> None:
        """Removes a link; `target_key` names the row for a collection property."""
        path = (
            f"{checked_name(entity_set)}{format_key(key)}/{checked_name(relationship)}"
        )

        if target_key is not None:
            path += format_key(target_key)

        self._transport.send(
            "DELETE",
            path + "/$ref",
            doing=f"unlinking a row of {entity_set} through {relationship}",
        )

    def call_action(
        self,
        name: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        bound_to: tuple[str, Key] | None = None,
        idempotent: bool = False,
    ) -> dict[str, Any] | None:
        """Runs an action (`POST`); its JSON answer, or None when it answers 204."""
        path = checked_name(name)

        if bound_to is not None:
            entity_set, key = bound_to
            path = (
                f"{checked_name(entity_set)}{format_key(key)}"
                f"/Microsoft.Dynamics.CRM.{checked_name(name)}"
            )

        response = self._transport.send(
            "POST",
            path,
            doing=f"running the {name} action",
            body=dict(parameters or {}),
            idempotent=idempotent,
        )
        return self._transport.json(response, path) if response.content else None

    def write_batch(
        self, items: Iterable[batch.Item], *, limit: int = batch.MAX_BATCH_OPERATIONS
    ) -> list[batch.Outcome]:
        """Runs operations and change sets in `$batch` requests of at most `limit`.

        Returns one outcome per operation, in order; a failed operation does not
        stop the others (`odata.continue-on-error`), except inside its change set.
        """
        outcomes: list[batch.Outcome] = []

        for number, chunk in enumerate(batch.chunks(items, limit), start=1):
            operations = batch.operations_of(chunk)
            content_type, body = batch.encode(chunk, self.api_base)
            response = self._transport.send(
                "POST",
                "$batch",
                doing=f"writing batch {number} ({len(operations)} operations)",
                data=body,
                headers={
                    "Content-Type": content_type,
                    "Prefer": "odata.continue-on-error",
                },
                idempotent=all(operation.idempotent for operation in operations),
            )
            text = response.content.decode("utf-8", errors="replace")
            chunk_outcomes = batch.decode(
                response.headers.get("Content-Type", ""), text, chunk
            )
            failed = sum(1 for outcome in chunk_outcomes if not outcome.ok)
            logger.info(
                "batch %s: %s operations, %s failed", number, len(operations), failed
            )
            outcomes.extend(chunk_outcomes)

        return outcomes

    # Collections

    def _collection(
        self,
        path: str,
        query: Query | None,
        page_size: int,
        annotations: bool,
    ) -> Iterator[dict[str, Any]]:
        query = query or Query()
        # Dataverse ignores $top when a page size is asked for, so a query with
        # $top gets exactly one answer and no page-size preference.
        preferences = [] if query.top else [f"odata.maxpagesize={int(page_size)}"]

        if annotations:
            preferences.append(ALL_ANNOTATIONS)

        headers = {"Prefer": ",".join(preferences)} if preferences else {}

        def fetch_page(url: str, params: Mapping[str, str] | None) -> dict[str, Any]:
            response = self._transport.send(
                "GET", url, doing=f"reading {path}", params=params, headers=headers
            )
            return self._transport.json(response, url)

        return paging.iterate_rows(
            fetch_page,
            path,
            query.params(),
            api_base=self.api_base,
            follow=not query.top,
        )

    def _fetch_page(
        self, entity_set: str, fetch_xml: str, annotations: str
    ) -> dict[str, Any]:
        response = self._transport.send(
            "GET",
            entity_set,
            doing=f"running FetchXML against {entity_set}",
            params={"fetchXml": fetch_xml},
            headers={"Prefer": f"odata.include-annotations={annotations}"},
        )
        return self._transport.json(response, entity_set)
