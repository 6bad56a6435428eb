"""`CreateMultiple`, `UpdateMultiple`, `UpsertMultiple`: bulk writes on an entity set.

`POST <set>/Microsoft.Dynamics.CRM.CreateMultiple` with `{"Targets": [...]}` creates
every row in one transaction and answers 200 with their `Ids`; `UpdateMultiple`
updates rows named by their primary key and answers 204; `UpsertMultiple` finds each
row by its primary key or alternate key columns. A failure rolls back the whole
request, as Microsoft documents for these messages. Microsoft's Python client sends
them whenever it is given a list of records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pocc.sandbox.dataverse import errors, records
from pocc.sandbox.dataverse.messages import ApiRequest, ApiResponse
from pocc.sandbox.dataverse.model import Table
from pocc.sandbox.dataverse.security import Caller

if TYPE_CHECKING:
    from pocc.sandbox.dataverse.organization import Organization

OPERATIONS = frozenset({"CreateMultiple", "UpdateMultiple", "UpsertMultiple"})


def is_bulk(operation: str | None) -> bool:
    return operation in OPERATIONS


def run(
    organization: Organization,
    caller: Caller,
    request: ApiRequest,
    table: Table,
    operation: str,
) -> ApiResponse:
    if request.method != "POST":
        raise errors.method_not_allowed(f"{operation} accepts POST only.")

    targets = _targets(request.json(), table)

    with organization.database.write():
        if operation == "CreateMultiple":
            ids = [
                records.create(organization, caller, table, target)
                for target in targets
            ]
            context = (
                f"{organization.api_url}/$metadata#Microsoft.Dynamics.CRM."
                "CreateMultipleResponse"
            )
            return ApiResponse.json(200, {"@odata.context": context, "Ids": ids})

        for target in targets:
            _write_one(organization, caller, table, target, operation)

    return ApiResponse(204)


def _write_one(
    organization: Organization,
    caller: Caller,
    table: Table,
    target: dict[str, Any],
    operation: str,
) -> None:
    record_id = target.get(table.primary_id)

    if operation == "UpdateMultiple":
        if not isinstance(record_id, str):
            raise errors.bad_request(
                f"UpdateMultiple needs '{table.primary_id}' in every target."
            )

        body = {name: value for name, value in target.items() if name != "@odata.id"}
        records.update(organization, caller, table, record_id.lower(), body)
        return

    key: str | dict[str, Any] = (
        record_id.lower()
        if isinstance(record_id, str)
        else _alternate_key(table, target)
    )
    records.upsert(organization, caller, table, key, target)


def _alternate_key(table: Table, target: dict[str, Any]) -> dict[str, Any]:
    for key in table.keys:
        if all(target.get(column) is not None for column in key.columns):
            return {column: target[column] for column in key.columns}

    raise errors.bad_request(
        f"UpsertMultiple needs '{table.primary_id}' or an alternate key's columns."
    )


def _targets(body: Any, table: Table) -> list[dict[str, Any]]:
    targets = body.get("Targets") if isinstance(body, dict) else None

    if not isinstance(targets, list) or not targets:
        raise errors.bad_request("The 'Targets' parameter must be a non-empty list.")

    expected = f"Microsoft.Dynamics.CRM.{table.logical_name}"
    cleaned = []

    for target in targets:
        if not isinstance(target, dict):
            raise errors.payload("Each target must be an entity object.")

        declared = str(target.get("@odata.type", expected)).lstrip("#")

        if declared != expected:
            raise errors.payload(
                f"The target type '{declared}' does not match '{expected}'."
            )

        cleaned.append(
            {name: value for name, value in target.items() if name != "@odata.type"}
        )

    return cleaned
