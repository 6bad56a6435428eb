"""The functions and actions pocc calls: WhoAmI and the marketing-list messages.

`AddMemberList`, `AddListMembersList` and `RemoveMemberList` change a static list's
members (the N:N relationship for the list's member type, `createdfromcode` 1
account, 2 contact, 4 lead) and keep `membercount` equal to the number of members,
as Dataverse does. `AddItemCampaign` attaches a list to a campaign through
`campaignlist_association`. Privileges follow Microsoft's tables per message.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from pocc.sandbox.dataverse import errors, security, solution_import
from pocc.sandbox.dataverse.links import intersect_columns, partner_table
from pocc.sandbox.dataverse.messages import ApiRequest, ApiResponse
from pocc.sandbox.dataverse.model import ManyToMany, Table
from pocc.sandbox.dataverse.paths import Segment, is_guid
from pocc.sandbox.dataverse.references import Reference
from pocc.sandbox.dataverse.security import Caller
from pocc.sandbox.dataverse.store import VERSION_COLUMN, intersect_table_name, quote

if TYPE_CHECKING:
    from pocc.sandbox.dataverse.organization import Organization

logger = logging.getLogger(__name__)

MEMBER_TABLES = {1: "account", 2: "contact", 4: "lead"}
UNBOUND = frozenset({"WhoAmI", "AddListMembersList", "ImportSolution"})
LIST_ACTIONS = frozenset({"AddMemberList", "RemoveMemberList"})
NAMESPACE_IDS = uuid.UUID("6a3b0f64-1d7e-4a8e-9b37-2f1c5a0e9d42")


def is_unbound(name: str) -> bool:
    return name.removeprefix("Microsoft.Dynamics.CRM.") in UNBOUND


def unbound(
    organization: Organization, caller: Caller, request: ApiRequest, segment: Segment
) -> ApiResponse:
    name = segment.name.removeprefix("Microsoft.Dynamics.CRM.")

    if name == "WhoAmI":
        if request.method != "GET":
            raise errors.method_not_allowed("WhoAmI is a function: use GET.")

        return ApiResponse.json(200, who_am_i(organization, caller))

    if name == "ImportSolution":
        return solution_import.import_solution(organization, caller, request)

    _require_post(request, name)
    body = _body(request)
    list_reference = body.get("List")

    if not isinstance(list_reference, dict) or not is_guid(
        list_reference.get("listid")
    ):
        raise errors.bad_request("AddListMembersList needs a 'List' with its 'listid'.")

    member_ids = body.get("MemberIds")

    if not isinstance(member_ids, list):
        raise errors.bad_request("AddListMembersList needs 'MemberIds', an array.")

    list_table = _table(organization, "list")
    add_members(organization, caller, list_reference["listid"].lower(), member_ids)
    logger.debug("added %s members to %s", len(member_ids), list_table.logical_name)
    return ApiResponse(204)


def bound(
    organization: Organization,
    caller: Caller,
    request: ApiRequest,
    reference: Reference,
    segment: Segment,
) -> ApiResponse:
    name = segment.operation or segment.name
    table = reference.table

    if table.logical_name == "list" and name in LIST_ACTIONS:
        _require_post(request, name)
        member_id = _entity_id(_body(request))

        if name == "AddMemberList":
            link_id = add_members(
                organization, caller, reference.record_id, [member_id]
            )
            return ApiResponse.json(200, _response(organization, name, Id=link_id[0]))

        remove_member(organization, caller, reference.record_id, member_id)
        return ApiResponse(204)

    if table.logical_name == "campaign" and name == "AddItemCampaign":
        _require_post(request, name)
        body = _body(request)

        if body.get("EntityName", "list") != "list":
            raise errors.bad_request("AddItemCampaign supports lists as items here.")

        item_id = add_item_campaign(
            organization, caller, reference.record_id, _entity_id(body)
        )
        return ApiResponse.json(
            200, _response(organization, name, CampaignItemId=item_id)
        )

    raise errors.resource_not_found(segment.name)


def who_am_i(organization: Organization, caller: Caller) -> dict[str, Any]:
    return {
        "@odata.context": f"{organization.api_url}/$metadata#"
        "Microsoft.Dynamics.CRM.WhoAmIResponse",
        "BusinessUnitId": caller.business_unit_id,
        "UserId": caller.user_id,
        "OrganizationId": organization.organization_id,
    }


def add_members(
    organization: Organization, caller: Caller, list_id: str, member_ids: list[Any]
) -> list[str]:
    """Add rows to a static list; members already there are left as they are."""
    list_table = _table(organization, "list")
    database = organization.database

    with database.write() as connection:
        list_row = _row(organization, list_table, list_id)
        member_table, relationship = _member_relationship(organization, list_row)
        _require_list_privileges(caller, list_table, member_table)
        own, other = intersect_columns(relationship, list_table)
        name = quote(intersect_table_name(relationship.schema_name))
        link_ids = []

        for member_id in member_ids:
            if not is_guid(member_id):
                raise errors.wrong_type(member_id, "Edm.Guid")

            _row(organization, member_table, member_id.lower())
            connection.execute(
                f"INSERT OR IGNORE INTO {name} ({quote(own)}, {quote(other)}) "
                "VALUES (?, ?)",
                (list_id, member_id.lower()),
            )
            link_ids.append(_link_id(list_id, member_id.lower()))

        _refresh_member_count(organization, list_table, list_row, relationship)

    return link_ids


def remove_member(
    organization: Organization, caller: Caller, list_id: str, member_id: str
) -> None:
    list_table = _table(organization, "list")
    database = organization.database

    with database.write() as connection:
        list_row = _row(organization, list_table, list_id)
        member_table, relationship = _member_relationship(organization, list_row)
        _require_list_privileges(caller, list_table, member_table)
        own, other = intersect_columns(relationship, list_table)
        name = quote(intersect_table_name(relationship.schema_name))
        connection.execute(
            f"DELETE FROM {name} WHERE {quote(own)} = ? AND {quote(other)} = ?",
            (list_id, member_id),
        )
        _refresh_member_count(organization, list_table, list_row, relationship)


def add_item_campaign(
    organization: Organization, caller: Caller, campaign_id: str, list_id: str
) -> str:
    campaign_table = _table(organization, "campaign")
    list_table = _table(organization, "list")
    relationship = _relationship_between(organization, campaign_table, list_table)
    security.require(caller, campaign_table, security.READ)
    security.require(caller, list_table, security.READ)
    security.require_link(caller, list_table, campaign_table)

    with organization.database.write() as connection:
        _row(organization, campaign_table, campaign_id)
        _row(organization, list_table, list_id)
        own, other = intersect_columns(relationship, campaign_table)
        name = quote(intersect_table_name(relationship.schema_name))
        connection.execute(
            f"INSERT OR IGNORE INTO {name} ({quote(own)}, {quote(other)}) "
            "VALUES (?, ?)",
            (campaign_id, list_id),
        )

    return _link_id(campaign_id, list_id)


def _require_list_privileges(caller: Caller, list_table: Table, member: Table) -> None:
    security.require(caller, list_table, security.READ)
    security.require(caller, member, security.READ)
    security.require_link(caller, member, list_table)


def _member_relationship(
    organization: Organization, list_row: dict[str, Any]
) -> tuple[Table, ManyToMany]:
    if list_row.get("type"):
        raise errors.bad_request(
            "Members cannot be added to or removed from a dynamic marketing list."
        )

    member_name = MEMBER_TABLES.get(list_row.get("createdfromcode") or 0)

    if member_name is None:
        raise errors.bad_request("The marketing list has no valid member type.")

    member_table = _table(organization, member_name)
    list_table = _table(organization, "list")
    return member_table, _relationship_between(organization, list_table, member_table)


def _relationship_between(
    organization: Organization, table: Table, other: Table
) -> ManyToMany:
    for relationship in organization.schema.many_to_many.values():
        names = {relationship.table1, relationship.table2}

        if (
            names == {table.logical_name, other.logical_name}
            and partner_table(relationship, table) == other.logical_name
        ):
            return relationship

    raise errors.bad_request(
        f"No many-to-many relationship joins {table.logical_name} and "
        f"{other.logical_name}."
    )


def _refresh_member_count(
    organization: Organization,
    list_table: Table,
    list_row: dict[str, Any],
    relationship: ManyToMany,
) -> None:
    if "membercount" not in list_table.columns:
        return

    database = organization.database
    own, _ = intersect_columns(relationship, list_table)
    name = quote(intersect_table_name(relationship.schema_name))
    list_id = list_row[list_table.primary_id]
    rows = database.query(
        f"SELECT COUNT(*) AS n FROM {name} WHERE {quote(own)} = ?", (list_id,)
    )
    values = {"membercount": rows[0]["n"], VERSION_COLUMN: database.next_version()}

    if "modifiedon" in list_table.columns:
        values["modifiedon"] = organization.now()

    database.update(list_table, list_id, values)


def _table(organization: Organization, logical_name: str) -> Table:
    table = organization.schema.table(logical_name)

    if table is None:
        raise errors.resource_not_found(logical_name)

    return table


def _row(organization: Organization, table: Table, record_id: str) -> dict[str, Any]:
    row = organization.database.fetch(table, record_id)

    if row is None:
        raise errors.not_found(table.logical_name, record_id)

    return row


def _body(request: ApiRequest) -> dict[str, Any]:
    body = request.json()

    if not isinstance(body, dict):
        raise errors.payload("The action parameters must be a JSON object.")

    return body


def _entity_id(body: dict[str, Any]) -> str:
    entity_id = body.get("EntityId")

    if not is_guid(entity_id):
        raise errors.bad_request("The parameter 'EntityId' must be a GUID.")

    return entity_id.lower()


def _require_post(request: ApiRequest, name: str) -> None:
    if request.method != "POST":
        raise errors.method_not_allowed(f"{name} is an action: use POST.")


def _link_id(first: str, second: str) -> str:
    return str(uuid.uuid5(NAMESPACE_IDS, f"{first}/{second}"))


def _response(organization: Organization, name: str, **values: Any) -> dict[str, Any]:
    context = f"{organization.api_url}/$metadata#Microsoft.Dynamics.CRM.{name}Response"
    return {"@odata.context": context, **values}
