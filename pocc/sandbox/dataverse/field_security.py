"""Column-level (field) security: who may read, create or update secured columns.

A column marked IsSecured in the solution is usable only by members of a field
security profile that grants the access (`Other/FieldSecurityProfiles.xml`), and
by System Administrators, who see every column. As Dataverse does:

- a row read by anyone else carries the secured column as null;
- a query that filters or sorts on it is refused (AttributePermissionReadIsMissing);
- a create that sets it is refused (AttributePrivilegeCreateIsMissing), and so is
  an update (AttributePermissionUpdateIsMissingDuringUpdate), each 403.

Secured columns carry the publisher's prefix, so their logical names are unique
across the organisation; queries and answers are checked by name.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ElementTree
from typing import Any

import defusedxml.ElementTree as SafeElementTree

from pocc.sandbox.dataverse.errors import DataverseError
from pocc.sandbox.dataverse.model import Column, Schema, Table
from pocc.sandbox.dataverse.security import Caller

logger = logging.getLogger(__name__)

READ = "read"
CREATE = "create"
UPDATE = "update"

ATTRIBUTE_PERMISSION_READ_IS_MISSING = "0x8004F504"
ATTRIBUTE_PRIVILEGE_CREATE_IS_MISSING = "0x8004F502"
ATTRIBUTE_PERMISSION_UPDATE_IS_MISSING = "0x8004F507"

QUOTED = re.compile(r"'(?:[^']|'')*'")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Query options that compare or sort by a column ($select only reads it: null).
NAMING_OPTIONS = ("$filter", "$orderby")
NESTED_OPTION = re.compile(r"\$(?:filter|orderby)=")


def allows(caller: Caller, table: Table, column: Column, access: str) -> bool:
    """May `caller` use `column` of `table` for `access` (read, create, update)?"""
    if not column.is_secured or caller.is_system_administrator:
        return True

    for profile in caller.field_profiles:
        permission = profile.permission(table.logical_name, column.logical_name)

        if permission is not None and getattr(permission, f"can_{access}"):
            return True

    return False


def unreadable(caller: Caller, schema: Schema) -> frozenset[str]:
    """Logical names of the secured columns `caller` may not read, in any table."""
    if caller.is_system_administrator:
        return frozenset()

    return frozenset(
        column.logical_name
        for table in schema.tables.values()
        for column in table.columns.values()
        if column.is_secured and not allows(caller, table, column, READ)
    )


def require_writable(
    caller: Caller, table: Table, values: dict[str, Any], creating: bool
) -> None:
    """Refuse a create or update that sets a secured column without the grant."""
    access = CREATE if creating else UPDATE

    for name, value in values.items():
        column = table.column(name)

        if column is None or not column.is_secured:
            continue

        # A create that leaves the column empty sets nothing secured.
        if creating and value is None:
            continue

        if not allows(caller, table, column, access):
            logger.info("refused %s of secured %s.%s", access, table.logical_name, name)
            raise _write_refused(creating)


def require_readable_options(
    caller: Caller, schema: Schema, options: dict[str, str]
) -> None:
    """Refuse `$filter`/`$orderby` (also nested in `$expand`) on unreadable columns."""
    hidden = unreadable(caller, schema)

    if not hidden:
        return

    expressions = [options.get(option, "") for option in NAMING_OPTIONS]
    expressions += _nested_expressions(options.get("$expand", ""))

    for expression in expressions:
        if hidden & _identifiers(expression):
            raise _read_refused()


def require_readable_fetch(caller: Caller, schema: Schema, fetch_xml: str) -> None:
    """Refuse FetchXML whose conditions or orders name unreadable columns."""
    hidden = unreadable(caller, schema)

    if not hidden:
        return

    try:
        root = SafeElementTree.fromstring(fetch_xml)
    except ElementTree.ParseError:
        # The FetchXML validator answers malformed documents with its own error.
        return

    for element in root.iter():
        if element.tag in ("condition", "order") and element.get("attribute") in hidden:
            raise _read_refused()


def mask(payload: Any, hidden: frozenset[str]) -> Any:
    """`payload` with every unreadable column set to null and its annotations gone.

    Walks rows, `value` arrays and expanded rows alike; FetchXML's aliased names
    (`alias.column`) are matched by their last part.
    """
    if not hidden:
        return payload

    if isinstance(payload, list):
        return [mask(item, hidden) for item in payload]

    if not isinstance(payload, dict):
        return payload

    masked: dict[str, Any] = {}

    for key, value in payload.items():
        name, _, annotation = key.partition("@")
        column = name.rsplit(".", 1)[-1]

        if name and column in hidden:
            if not annotation:
                masked[key] = None

            continue

        masked[key] = mask(value, hidden)

    return masked


def _nested_expressions(expand: str) -> list[str]:
    """The `$filter=`/`$orderby=` texts inside `$expand=nav(...;...)`."""
    found = []

    for match in NESTED_OPTION.finditer(expand):
        depth, end = 0, match.end()

        while end < len(expand):
            character = expand[end]

            if character == "(":
                depth += 1
            elif character == ")" and depth == 0:
                break
            elif character == ")":
                depth -= 1
            elif character == ";" and depth == 0:
                break

            end += 1

        found.append(expand[match.end() : end])

    return found


def _identifiers(expression: str) -> set[str]:
    return set(IDENTIFIER.findall(QUOTED.sub("", expression)))


def _read_refused() -> DataverseError:
    return DataverseError(
        403,
        ATTRIBUTE_PERMISSION_READ_IS_MISSING,
        "The user does not have read permissions to a secured field. The requested "
        "operation could not be completed.",
    )


def _write_refused(creating: bool) -> DataverseError:
    if creating:
        return DataverseError(
            403,
            ATTRIBUTE_PRIVILEGE_CREATE_IS_MISSING,
            "The user does not have create permissions to a secured field. The "
            "requested operation could not be completed.",
        )

    return DataverseError(
        403,
        ATTRIBUTE_PERMISSION_UPDATE_IS_MISSING,
        "The user doesn't have AttributePrivilegeUpdate and not granted shared access "
        "for a secured attribute during update operation",
    )
