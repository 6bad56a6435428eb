"""Finding the row a key or an entity reference names.

Keys come from URLs (`contacts(<guid>)`, `pocc_campaigns(pocc_ccid='x')`), from
`@odata.bind` and `@odata.id` values, and from `$1` Content-ID references inside a
`$batch` change set. Alternate keys must be ones the table defines.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pocc.sandbox.dataverse import errors
from pocc.sandbox.dataverse.model import Table
from pocc.sandbox.dataverse.paths import is_guid, parse_segment, relative_reference
from pocc.sandbox.dataverse.values import to_storage

if TYPE_CHECKING:
    from pocc.sandbox.dataverse.organization import Organization

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reference:
    table: Table
    record_id: str


# Content-ID -> the row its request created or addressed, within one change set.
ContentIds = dict[str, Reference]


def table_for_set(organization: Organization, entity_set: str) -> Table:
    table = organization.schema.table_for_entity_set(entity_set)

    if table is None:
        raise errors.resource_not_found(entity_set)

    return table


def key_columns(table: Table, key: dict[str, Any]) -> dict[str, Any]:
    """Stored column values for a named key, if the table defines that key.

    `_x_value` names the lookup column `x`, as Dataverse allows in keys.
    """
    columns: dict[str, Any] = {}

    for name, value in key.items():
        column_name = name

        if name.startswith("_") and name.endswith("_value"):
            column_name = name[1:-6]

        column = table.column(column_name)

        if column is None and column_name != table.primary_id:
            raise errors.query_syntax(
                f"The key attribute '{name}' is not valid for entity "
                f"'{table.logical_name}'."
            )

        if column is None or column.is_lookup:
            columns[column_name] = str(value).lower()
        else:
            columns[column_name] = to_storage(table, column, value)

    names = set(columns)

    if names == {table.primary_id}:
        return columns

    if not any(set(key.columns) == names for key in table.keys):
        raise errors.query_syntax(
            f"The specified key attributes are not a defined key for the "
            f"{table.logical_name} entity"
        )

    return columns


def find_record_id(organization: Organization, table: Table, key: Any) -> str | None:
    """The id of the row a URL key names, or None when there is no such row."""
    if isinstance(key, str):
        if not is_guid(key):
            raise errors.query_syntax(f"Bad Request - Error in query syntax: '{key}'.")

        row = organization.database.fetch(table, key.lower())
        return None if row is None else key.lower()

    if not isinstance(key, dict):
        # `contacts(1)`: a single literal that is not a GUID names no key.
        raise errors.query_syntax(f"Bad Request - Error in query syntax: '{key}'.")

    columns = key_columns(table, key)
    row = organization.database.find(table, columns)
    return None if row is None else row[table.primary_id]


def require_record_id(organization: Organization, table: Table, key: Any) -> str:
    record_id = find_record_id(organization, table, key)

    if record_id is not None:
        return record_id

    if isinstance(key, str):
        raise errors.not_found(table.logical_name, key)

    raise errors.DataverseError(
        404,
        errors.OBJECT_DOES_NOT_EXIST,
        f"A record with the specified key values does not exist in "
        f"{table.logical_name} entity",
    )


def resolve_reference(
    organization: Organization,
    text: Any,
    content_ids: ContentIds | None = None,
) -> Reference:
    """The existing row an `@odata.bind` / `@odata.id` value names."""
    if not isinstance(text, str):
        raise errors.payload(f"The entity reference {text!r} is not a URL.")

    relative = relative_reference(text)

    if relative.startswith("$"):
        return _content_id_reference(relative, content_ids)

    segment = parse_segment(relative)

    if segment.key is None or "/" in relative:
        raise errors.payload(f"The entity reference '{text}' does not name one record.")

    table = table_for_set(organization, segment.name)
    record_id = require_record_id(organization, table, segment.key)
    return Reference(table, record_id)


def _content_id_reference(relative: str, content_ids: ContentIds | None) -> Reference:
    content_id = relative[1:]

    if content_ids is None or content_id not in content_ids:
        message = f"Content-ID Reference: '${content_id}' does not exist"
        raise errors.bad_request(f"{message} in the batch context.")

    return content_ids[content_id]
