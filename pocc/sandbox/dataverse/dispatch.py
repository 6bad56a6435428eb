"""One Web API request, routed by its OData path to the code that answers it.

The blueprint and `$batch` both call `handle()`, so a request inside a batch is
answered exactly as it would be on its own. Requests and answers are plain objects
here, free of Flask.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING, Any

from pocc.sandbox.dataverse import (
    actions,
    bulk_actions,
    errors,
    odata_errors,
    records,
    resources,
)
from pocc.sandbox.dataverse.messages import ApiRequest, ApiResponse
from pocc.sandbox.dataverse.paths import Segment, parse_path
from pocc.sandbox.dataverse.references import (
    ContentIds,
    Reference,
    require_record_id,
    table_for_set,
)
from pocc.sandbox.dataverse.security import Caller
from pocc.sandbox.log_masking import masked

if TYPE_CHECKING:
    from pocc.sandbox.dataverse.organization import Organization

logger = logging.getLogger(__name__)

# What SQLite says of a statement past its compiled-in limits, which only a query
# nested or chained far deeper than any real client's reaches.
SQLITE_COMPLEXITY_LIMITS = (
    "parser stack overflow",
    "Expression tree is too large",
    "too many SQL variables",
    "too many terms in compound SELECT",
)


def handle(
    organization: Organization,
    caller: Caller,
    request: ApiRequest,
    content_ids: ContentIds | None = None,
) -> ApiResponse:
    """Answer one request; a DataverseError becomes its error response."""
    try:
        return _route(organization, caller, request, content_ids)
    except errors.DataverseError as error:
        return ApiResponse.error(error)
    except RecursionError:
        # A query nested past what the parsers follow (FetchXML filters within
        # filters, say) is the client's to simplify, as Dataverse's limits say.
        logger.debug("%s %s nests too deep", request.method, masked(request.path[:200]))
        return ApiResponse.error(odata_errors.too_deep())
    except sqlite3.OperationalError as error:
        if not any(limit in str(error) for limit in SQLITE_COMPLEXITY_LIMITS):
            raise

        logger.debug(
            "%s %s is too complex: %s", request.method, masked(request.path), error
        )
        return ApiResponse.error(odata_errors.too_deep())


def _route(
    organization: Organization,
    caller: Caller,
    request: ApiRequest,
    content_ids: ContentIds | None,
) -> ApiResponse:
    segments = parse_path(request.path).segments

    if not segments:
        return resources.service_document(organization, request)

    first = segments[0]

    if first.name == "$metadata":
        return resources.metadata_document(organization, request)

    if first.name == "EntityDefinitions":
        return resources.entity_definitions(organization, request, segments)

    if actions.is_unbound(first.name):
        return actions.unbound(organization, caller, request, first)

    if first.name.startswith("$") and not first.has_parentheses:
        reference = _content_id(first.name, content_ids)
        rest = segments[1:]
        return _on_record(organization, caller, request, reference, rest, content_ids)

    table = table_for_set(organization, first.name)

    if not first.has_parentheses:
        return _on_collection(
            organization, caller, request, table, segments[1:], content_ids
        )

    if len(segments) == 1:
        return _on_key(organization, caller, request, table, first, content_ids)

    record_id = require_record_id(organization, table, first.key)
    reference = Reference(table, record_id)
    return _on_record(
        organization, caller, request, reference, segments[1:], content_ids
    )


def _content_id(name: str, content_ids: ContentIds | None) -> Reference:
    content_id = name[1:]

    if content_ids is None or content_id not in content_ids:
        raise errors.bad_request(
            f"Content-ID Reference: '{name}' does not exist in the batch context."
        )

    return content_ids[content_id]


def _on_collection(
    organization: Organization,
    caller: Caller,
    request: ApiRequest,
    table: Any,
    rest: list[Segment],
    content_ids: ContentIds | None,
) -> ApiResponse:
    if rest:
        if len(rest) == 1 and rest[0].name == "$count" and request.method == "GET":
            return resources.count(organization, caller, request, table, None)

        if len(rest) == 1 and bulk_actions.is_bulk(rest[0].operation):
            operation = rest[0].operation or ""
            return bulk_actions.run(organization, caller, request, table, operation)

        raise errors.resource_not_found(rest[0].name)

    if request.method == "GET":
        return resources.read_collection(organization, caller, request, table, None)

    if request.method == "POST":
        record_id = records.create(
            organization, caller, table, request.json(), content_ids=content_ids
        )
        return resources.written(organization, caller, request, table, record_id, True)

    raise errors.method_not_allowed(
        f"The HTTP method '{request.method}' is not allowed on an entity set."
    )


def _on_key(
    organization: Organization,
    caller: Caller,
    request: ApiRequest,
    table: Any,
    segment: Segment,
    content_ids: ContentIds | None,
) -> ApiResponse:
    if request.method == "PATCH":
        created, record_id = records.upsert(
            organization,
            caller,
            table,
            segment.key if segment.key is not None else {},
            request.json(),
            if_match=request.header("If-Match"),
            if_none_match=request.header("If-None-Match"),
            content_ids=content_ids,
        )
        return resources.written(
            organization, caller, request, table, record_id, created
        )

    record_id = require_record_id(organization, table, segment.key)
    reference = Reference(table, record_id)
    return _on_record(organization, caller, request, reference, [], content_ids)


def _on_record(
    organization: Organization,
    caller: Caller,
    request: ApiRequest,
    reference: Reference,
    rest: list[Segment],
    content_ids: ContentIds | None,
) -> ApiResponse:
    table, record_id = reference.table, reference.record_id

    if not rest:
        return _record_methods(organization, caller, request, reference, content_ids)

    head = rest[0]

    if head.operation is not None:
        return actions.bound(organization, caller, request, reference, head)

    if len(rest) >= 2 and rest[-1].name == "$ref":
        return resources.reference_link(
            organization, caller, request, reference, rest, content_ids
        )

    if len(rest) == 2 and rest[1].name == "$count":
        return resources.count(organization, caller, request, table, (record_id, head))

    if len(rest) == 1 and table.column(head.name) is not None:
        return resources.single_property(organization, caller, request, reference, head)

    if len(rest) == 1:
        return resources.navigate(organization, caller, request, reference, head)

    raise errors.resource_not_found(rest[-1].name)


def _record_methods(
    organization: Organization,
    caller: Caller,
    request: ApiRequest,
    reference: Reference,
    content_ids: ContentIds | None,
) -> ApiResponse:
    table, record_id = reference.table, reference.record_id

    if request.method == "GET":
        return resources.read_record(organization, caller, request, table, record_id)

    if request.method == "PATCH":
        records.update(
            organization,
            caller,
            table,
            record_id,
            request.json(),
            if_match=request.header("If-Match"),
            content_ids=content_ids,
        )
        return resources.written(organization, caller, request, table, record_id, False)

    if request.method == "DELETE":
        records.delete(
            organization, caller, table, record_id, if_match=request.header("If-Match")
        )
        return ApiResponse(204)

    raise errors.method_not_allowed(
        f"The HTTP method '{request.method}' is not allowed on an entity."
    )
