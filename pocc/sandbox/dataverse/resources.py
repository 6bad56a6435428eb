"""Answers for reads and for the shape of write responses.

Reads check the Read privilege and hand over to the query modules (`query`,
`fetchxml`, `metadata`). Writes answer `204` with `OData-EntityId`, or with
`Prefer: return=representation` the row itself (`201` for a create, `200` for an
update), as Microsoft documents.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pocc.sandbox.dataverse import (
    errors,
    fetchxml,
    field_security,
    links,
    metadata,
    metadata_requests,
    query,
    records,
    security,
)
from pocc.sandbox.dataverse.changes import collection_valued, single_valued
from pocc.sandbox.dataverse.messages import ApiRequest, ApiResponse
from pocc.sandbox.dataverse.model import ManyToMany, OneToMany, Table
from pocc.sandbox.dataverse.paths import Segment
from pocc.sandbox.dataverse.preferences import Preferences
from pocc.sandbox.dataverse.references import (
    ContentIds,
    Reference,
    require_record_id,
    resolve_reference,
)
from pocc.sandbox.dataverse.security import Caller
from pocc.sandbox.dataverse.serialize import json_value
from pocc.sandbox.dataverse.store import type_column

if TYPE_CHECKING:
    from pocc.sandbox.dataverse.organization import Organization

logger = logging.getLogger(__name__)

RETURN_REPRESENTATION = "return=representation"


def entity_id(organization: Organization, table: Table, record_id: str) -> str:
    return f"{organization.api_url}/{table.entity_set}({record_id})"


def service_document(organization: Organization, request: ApiRequest) -> ApiResponse:
    entity_sets = sorted(
        table.entity_set for table in organization.schema.tables.values()
    )
    payload = {
        "@odata.context": f"{organization.api_url}/$metadata",
        "value": [
            {"name": name, "kind": "EntitySet", "url": name} for name in entity_sets
        ],
    }
    return ApiResponse.json(200, payload)


def metadata_document(organization: Organization, request: ApiRequest) -> ApiResponse:
    document = metadata.csdl(organization.schema)
    headers = {"Content-Type": "application/xml"}
    return ApiResponse(200, headers, document.encode())


def entity_definitions(
    organization: Organization, request: ApiRequest, segments: list[Segment]
) -> ApiResponse:
    """`EntityDefinitions...`: anyone who may call the Web API may read metadata."""
    if request.method != "GET":
        raise errors.method_not_allowed(
            "The sandbox's metadata is read-only: tables come from the solution."
        )

    service_root = f"{organization.api_url}/"
    payload = metadata_requests.answer(
        organization.schema, service_root, segments, request.query
    )
    return ApiResponse.json(200, payload)


def read_collection(
    organization: Organization,
    caller: Caller,
    request: ApiRequest,
    table: Table,
    scope: Any,
) -> ApiResponse:
    security.require(caller, table, security.READ)
    prefer = request.prefer
    schema = organization.schema

    if "fetchXml" in request.query:
        fetch_xml = request.query["fetchXml"]
        field_security.require_readable_fetch(caller, schema, fetch_xml)
        payload = fetchxml.execute(
            organization.database,
            table,
            fetch_xml,
            prefer,
            request_url=request.url,
        )
    else:
        options = dict(request.query)
        field_security.require_readable_options(caller, schema, options)
        payload = query.read_collection(
            organization.database, table, options, prefer, request.url, scope=scope
        )

    payload = field_security.mask(payload, field_security.unreadable(caller, schema))
    return ApiResponse.json(200, payload, _preference_applied(prefer))


def read_record(
    organization: Organization,
    caller: Caller,
    request: ApiRequest,
    table: Table,
    record_id: str,
) -> ApiResponse:
    security.require(caller, table, security.READ)
    prefer = request.prefer
    field_security.require_readable_options(caller, organization.schema, request.query)
    payload = query.read_record(
        organization.database, table, record_id, request.query, prefer, request.url
    )
    hidden = field_security.unreadable(caller, organization.schema)
    payload = field_security.mask(payload, hidden)
    headers = _preference_applied(prefer, collection=False)

    if "@odata.etag" in payload:
        headers["ETag"] = payload["@odata.etag"]

    return ApiResponse.json(200, payload, headers)


def count(
    organization: Organization,
    caller: Caller,
    request: ApiRequest,
    table: Table,
    related: tuple[str, Segment] | None,
) -> ApiResponse:
    """`<set>/$count` and `<set>(<id>)/<collection>/$count`: a plain-text number."""
    target_table, scope = table, None

    if related is not None:
        record_id, segment = related
        target_table, scope = _collection_scope(organization, table, record_id, segment)

    security.require(caller, target_table, security.READ)
    options = {**request.query, "$count": "true", "$select": target_table.primary_id}
    payload = query.read_collection(
        organization.database,
        target_table,
        options,
        request.prefer,
        request.url,
        scope=scope,
    )
    number = payload.get("@odata.count", len(payload.get("value", [])))
    return ApiResponse(200, {"Content-Type": "text/plain"}, str(number).encode())


def navigate(
    organization: Organization,
    caller: Caller,
    request: ApiRequest,
    reference: Reference,
    segment: Segment,
) -> ApiResponse:
    """`<set>(<id>)/<navigation>`: the related row, or the related collection."""
    table, record_id = reference.table, reference.record_id
    security.require(caller, table, security.READ)
    lookup = single_valued(organization, table, segment.name)

    if lookup is not None:
        row = organization.database.fetch(table, record_id) or {}
        target_id = row.get(lookup.referencing_column)
        target_type = row.get(type_column(lookup.referencing_column))

        if target_id is None or target_type != lookup.referenced_table:
            return ApiResponse(204)

        target = organization.schema.tables[lookup.referenced_table]
        return read_record(organization, caller, request, target, target_id)

    target_table, scope = _collection_scope(organization, table, record_id, segment)
    return read_collection(organization, caller, request, target_table, scope)


def _collection_scope(
    organization: Organization, table: Table, record_id: str, segment: Segment
) -> tuple[Table, query.CollectionScope]:
    relationship = collection_valued(organization, table, segment.name)

    if relationship is None:
        raise errors.resource_not_found(segment.name)

    scope = query.navigation_scope(organization.schema, table, segment.name, record_id)
    return scope.target, scope


def single_property(
    organization: Organization,
    caller: Caller,
    request: ApiRequest,
    reference: Reference,
    segment: Segment,
) -> ApiResponse:
    """GET, PUT or DELETE of one column: `<set>(<id>)/<column>`."""
    table, record_id = reference.table, reference.record_id
    column = table.columns[segment.name]

    if request.method == "GET":
        security.require(caller, table, security.READ)
        row = organization.database.fetch(table, record_id) or {}

        if not field_security.allows(caller, table, column, field_security.READ):
            row = {}

        payload = {
            "@odata.context": f"{organization.api_url}/$metadata#"
            f"{table.entity_set}({record_id})/{column.logical_name}",
            "value": json_value(column, row.get(column.logical_name)),
        }
        return ApiResponse.json(200, payload)

    if request.method == "PUT":
        body = request.json()
        value = body.get("value") if isinstance(body, dict) else None
        records.update(organization, caller, table, record_id, {segment.name: value})
        return ApiResponse(204)

    if request.method == "DELETE":
        records.update(organization, caller, table, record_id, {segment.name: None})
        return ApiResponse(204)

    raise errors.method_not_allowed(
        f"The HTTP method '{request.method}' is not allowed."
    )


def reference_link(
    organization: Organization,
    caller: Caller,
    request: ApiRequest,
    reference: Reference,
    rest: list[Segment],
    content_ids: ContentIds | None,
) -> ApiResponse:
    """`.../<navigation>/$ref` and `.../<navigation>(<id>)/$ref`."""
    table, record_id = reference.table, reference.record_id
    navigation = rest[0]

    if len(rest) != 2:
        raise errors.resource_not_found(rest[-1].name)

    if request.method in ("POST", "PUT"):
        body = request.json()
        target_text = body.get("@odata.id") if isinstance(body, dict) else None

        if target_text is None:
            raise errors.payload("The request body must hold an '@odata.id'.")

        target = resolve_reference(organization, target_text, content_ids)
        links.associate(organization, caller, table, record_id, navigation.name, target)
        return ApiResponse(204)

    if request.method == "DELETE":
        target = _link_target(organization, request, table, navigation, content_ids)
        links.disassociate(
            organization, caller, table, record_id, navigation.name, target
        )
        return ApiResponse(204)

    raise errors.method_not_allowed(
        f"The HTTP method '{request.method}' is not allowed."
    )


def _link_target(
    organization: Organization,
    request: ApiRequest,
    table: Table,
    navigation: Segment,
    content_ids: ContentIds | None,
) -> Reference | None:
    if navigation.has_parentheses:
        relationship = collection_valued(organization, table, navigation.name)

        if relationship is None:
            raise errors.resource_not_found(navigation.name)

        target_name = _partner(relationship, table)
        target_table = organization.schema.tables[target_name]
        target_id = require_record_id(organization, target_table, navigation.key)
        return Reference(target_table, target_id)

    if "$id" in request.query:
        return resolve_reference(organization, request.query["$id"], content_ids)

    return None


def _partner(relationship: OneToMany | ManyToMany, table: Table) -> str:
    if isinstance(relationship, OneToMany):
        return relationship.referencing_table

    return links.partner_table(relationship, table)


def written(
    organization: Organization,
    caller: Caller,
    request: ApiRequest,
    table: Table,
    record_id: str,
    created: bool,
) -> ApiResponse:
    """The answer to a create, update or upsert."""
    location = entity_id(organization, table, record_id)
    headers = {"OData-EntityId": location}
    reference = Reference(table, record_id)

    if not request.prefer.return_representation:
        return ApiResponse(204, headers, reference=reference)

    answer = read_record(organization, caller, request, table, record_id)
    answer.status = 201 if created else 200
    answer.headers.update(headers)
    answer.headers["Preference-Applied"] = RETURN_REPRESENTATION
    answer.reference = reference
    return answer


def _preference_applied(prefer: Preferences, collection: bool = True) -> dict[str, str]:
    applied = prefer.applied(collection)
    return {"Preference-Applied": applied} if applied else {}
