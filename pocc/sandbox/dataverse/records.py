"""Create, update, upsert and delete of one row, with Dataverse's checks and defaults.

Every write runs inside `OrgDatabase.write()`, so a failure leaves nothing behind and
a `$batch` change set can nest several of them. Each write stamps the row with the
organisation's next version number: the ETag is `W/"<versionnumber>"`.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from typing import TYPE_CHECKING, Any

from pocc.sandbox.dataverse import errors, field_security, links, security
from pocc.sandbox.dataverse.changes import Changes, read_changes
from pocc.sandbox.dataverse.model import AttributeType, Table
from pocc.sandbox.dataverse.references import ContentIds, find_record_id, key_columns
from pocc.sandbox.dataverse.security import Caller
from pocc.sandbox.dataverse.store import VERSION_COLUMN, type_column

if TYPE_CHECKING:
    from pocc.sandbox.dataverse.organization import Organization

logger = logging.getLogger(__name__)


def etag(row: dict[str, Any]) -> str:
    return f'W/"{row[VERSION_COLUMN]}"'


def check_if_match(row: dict[str, Any], if_match: str | None) -> None:
    """412 unless `If-Match` is absent, `*`, or names the row's current ETag."""
    if if_match is None or if_match.strip() == "*":
        return

    wanted = {tag.strip() for tag in if_match.split(",")}

    if etag(row) not in wanted and etag(row)[2:] not in wanted:
        raise errors.version_mismatch()


def create(
    organization: Organization,
    caller: Caller,
    table: Table,
    body: Any,
    *,
    record_id: str | None = None,
    key_values: dict[str, Any] | None = None,
    content_ids: ContentIds | None = None,
) -> str:
    """Insert a row and return its id (`record_id`, `key_values`: an upsert's URL)."""
    security.require(caller, table, security.CREATE)
    changes = read_changes(
        organization, table, body, creating=True, content_ids=content_ids
    )
    field_security.require_writable(caller, table, changes.columns, creating=True)
    _require_links(caller, table, changes)

    row = dict(changes.columns)
    row.update(key_values or {})
    row[table.primary_id] = row.get(table.primary_id) or record_id or str(uuid.uuid4())
    _apply_create_defaults(organization, caller, table, row)
    _check_required(table, row)
    _check_state(table, row, row[table.primary_id])

    database = organization.database

    with database.write():
        if database.fetch(table, row[table.primary_id]) is not None:
            raise errors.duplicate_record()

        _check_keys(organization, table, row, exclude_id=None)
        row[VERSION_COLUMN] = database.next_version()
        _insert(organization, table, row)
        _link_collections(organization, caller, table, row[table.primary_id], changes)
        _create_nested(organization, caller, table, row[table.primary_id], changes)

    logger.debug("created %s %s", table.logical_name, row[table.primary_id])
    return row[table.primary_id]


def update(
    organization: Organization,
    caller: Caller,
    table: Table,
    record_id: str,
    body: Any,
    *,
    if_match: str | None = None,
    content_ids: ContentIds | None = None,
) -> str:
    security.require(caller, table, security.WRITE)
    changes = read_changes(
        organization, table, body, creating=False, content_ids=content_ids
    )
    field_security.require_writable(caller, table, changes.columns, creating=False)
    _require_links(caller, table, changes)
    database = organization.database

    with database.write():
        existing = database.fetch(table, record_id)

        if existing is None:
            raise errors.not_found(table.logical_name, record_id)

        check_if_match(existing, if_match)

        values = dict(changes.columns)
        values.pop(table.primary_id, None)
        _apply_state_change(table, existing, values)
        _check_state(table, {**existing, **values}, record_id)
        _stamp_modified(organization, caller, table, values)
        _check_keys(organization, table, {**existing, **values}, exclude_id=record_id)
        values[VERSION_COLUMN] = database.next_version()
        database.update(table, record_id, values)
        _link_collections(organization, caller, table, record_id, changes)

    logger.debug("updated %s %s", table.logical_name, record_id)
    return record_id


def upsert(
    organization: Organization,
    caller: Caller,
    table: Table,
    key: str | dict[str, Any],
    body: Any,
    *,
    if_match: str | None = None,
    if_none_match: str | None = None,
    content_ids: ContentIds | None = None,
) -> tuple[bool, str]:
    """PATCH to a key: update when the row exists, else create. Returns (created, id).

    `If-Match: *` forbids the create (404 when missing); `If-None-Match: *` forbids
    the update (412 when present), as Microsoft documents for conditional upserts.
    """
    database = organization.database

    with database.write():
        record_id = find_record_id(organization, table, key)

        if record_id is not None:
            if if_none_match is not None and if_none_match.strip() == "*":
                raise errors.already_exists()

            update(
                organization,
                caller,
                table,
                record_id,
                body,
                if_match=if_match,
                content_ids=content_ids,
            )
            return False, record_id

        if if_match is not None:
            if isinstance(key, str):
                raise errors.not_found(table.logical_name, key)

            raise errors.not_found(table.logical_name, _describe_key(key))

        if isinstance(key, str):
            new_id = create(
                organization,
                caller,
                table,
                body,
                record_id=key,
                content_ids=content_ids,
            )
        else:
            new_id = create(
                organization,
                caller,
                table,
                body,
                key_values=key_columns(table, key),
                content_ids=content_ids,
            )

        return True, new_id


def delete(
    organization: Organization,
    caller: Caller,
    table: Table,
    record_id: str,
    *,
    if_match: str | None = None,
) -> None:
    security.require(caller, table, security.DELETE)
    database = organization.database

    with database.write():
        existing = database.fetch(table, record_id)

        if existing is None:
            raise errors.not_found(table.logical_name, record_id)

        check_if_match(existing, if_match)
        links.delete_with_cascade(organization, table, record_id)

    logger.debug("deleted %s %s", table.logical_name, record_id)


def _describe_key(key: dict[str, Any]) -> str:
    return ",".join(f"{name}={value}" for name, value in key.items())


def _require_links(caller: Caller, table: Table, changes: Changes) -> None:
    for reference in changes.lookups:
        security.require_link(caller, table, reference.table)


def _link_collections(
    organization: Organization,
    caller: Caller,
    table: Table,
    record_id: str,
    changes: Changes,
) -> None:
    for navigation, reference in changes.collection_links:
        links.associate(organization, caller, table, record_id, navigation, reference)


def _create_nested(
    organization: Organization,
    caller: Caller,
    table: Table,
    record_id: str,
    changes: Changes,
) -> None:
    """The rows of a deep insert, each bound to the new row, in its transaction.

    They are part of the new row (an activity's parties have no privileges of their
    own), so the new row's table is the one whose privileges are checked.
    """
    for relationship, body in changes.nested:
        child = organization.schema.tables[relationship.referencing_table]
        child_changes = read_changes(organization, child, body, creating=True)
        field_security.require_writable(
            caller, child, child_changes.columns, creating=True
        )
        _require_links(caller, table, child_changes)

        row = dict(child_changes.columns)
        row[relationship.referencing_column] = record_id
        row[type_column(relationship.referencing_column)] = table.logical_name
        row[child.primary_id] = row.get(child.primary_id) or str(uuid.uuid4())
        _apply_create_defaults(organization, caller, child, row)
        _check_required(child, row)
        row[VERSION_COLUMN] = organization.database.next_version()
        _insert(organization, child, row)


def _insert(organization: Organization, table: Table, row: dict[str, Any]) -> None:
    try:
        organization.database.insert(table, row)
    except sqlite3.IntegrityError as error:
        # The unique indexes are the last word when two writers race past the
        # checks above; answer as the failed key check would have.
        logger.debug("insert into %s refused: %s", table.logical_name, error)
        raise errors.duplicate_record() from None


def _apply_create_defaults(
    organization: Organization, caller: Caller, table: Table, row: dict[str, Any]
) -> None:
    now = organization.now()
    defaults: dict[str, Any] = {"createdon": now, "modifiedon": now}

    for column_name in ("createdby", "modifiedby", "ownerid"):
        defaults[column_name] = caller.user_id
        defaults[type_column(column_name)] = "systemuser"

    defaults["owningbusinessunit"] = caller.business_unit_id
    defaults[type_column("owningbusinessunit")] = "businessunit"
    defaults["owninguser"] = caller.user_id
    defaults[type_column("owninguser")] = "systemuser"

    for name, value in defaults.items():
        base = name.removesuffix("__type")

        if base in table.columns and row.get(name) is None:
            row[name] = value

    for column in table.columns.values():
        if (
            column.type == AttributeType.BOOLEAN
            and row.get(column.logical_name) is None
        ):
            # Dataverse's two-option columns always hold a value, false by default.
            row[column.logical_name] = 0

    state = table.column("statecode")

    if state is not None and row.get("statecode") is None:
        row["statecode"] = min((choice.value for choice in state.choices), default=0)

    if table.column("statuscode") is not None and row.get("statuscode") is None:
        row["statuscode"] = default_status(table, row.get("statecode"))


def _check_required(table: Table, row: dict[str, Any]) -> None:
    """Refuse a create that leaves a SystemRequired column empty.

    Only SystemRequired is the platform's rule; ApplicationRequired ("business
    required") is enforced by forms, never by the Web API (Microsoft's docs team
    confirmed this in MicrosoftDocs/powerapps-docs#1580). Columns the platform
    fills (ids, owner, state, two-option defaults) are filled before this check.
    """
    for column in table.columns.values():
        if not column.is_system_required or not column.valid_for_create:
            continue

        if row.get(column.logical_name) is None:
            raise errors.required_missing(table.logical_name, column.logical_name)


def default_status(table: Table, state_value: int | None) -> int | None:
    state = table.column("statecode")
    status = table.column("statuscode")

    if status is None:
        return None

    if state is not None and state_value is not None:
        option = state.choice(state_value)

        if option is not None and option.default_status is not None:
            return option.default_status

    return next(
        (choice.value for choice in status.choices if choice.state == state_value),
        None,
    )


def _apply_state_change(
    table: Table, existing: dict[str, Any], values: dict[str, Any]
) -> None:
    """A new statecode without a statuscode takes that state's default status."""
    changed = values.get("statecode", existing.get("statecode")) != existing.get(
        "statecode"
    )

    if "statecode" in values and "statuscode" not in values and changed:
        values["statuscode"] = default_status(table, values["statecode"])


def _check_state(table: Table, row: dict[str, Any], record_id: str) -> None:
    state = table.column("statecode")
    status = table.column("statuscode")

    if state is None or status is None or row.get("statuscode") is None:
        return

    option = status.choice(row["statuscode"])

    if option is None or option.state is None or option.state == row.get("statecode"):
        return

    state_option = state.choice(row.get("statecode"))
    state_label = (
        state_option.invariant_name or state_option.label if state_option else ""
    )
    state_name = f"{table.schema_name}State.{state_label.replace(' ', '')}"
    raise errors.invalid_status(
        row["statuscode"], state_name, table.logical_name, record_id
    )


def _stamp_modified(
    organization: Organization, caller: Caller, table: Table, values: dict[str, Any]
) -> None:
    if "modifiedon" in table.columns:
        values["modifiedon"] = organization.now()

    if "modifiedby" in table.columns:
        values["modifiedby"] = caller.user_id
        values[type_column("modifiedby")] = "systemuser"


def _check_keys(
    organization: Organization,
    table: Table,
    row: dict[str, Any],
    exclude_id: str | None,
) -> None:
    for key in table.keys:
        values = {column: row.get(column) for column in key.columns}

        if any(value is None for value in values.values()):
            continue

        match = organization.database.find(table, values)

        if match is not None and match[table.primary_id] != exclude_id:
            names = ", ".join(_display_name(table, column) for column in key.columns)
            raise errors.duplicate_key(names, key.display_name or key.schema_name)


def _display_name(table: Table, column_name: str) -> str:
    column = table.column(column_name)
    return column.display_name if column and column.display_name else column_name
