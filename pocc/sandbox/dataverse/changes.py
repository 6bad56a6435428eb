"""A create or update body read into column changes and links to other rows.

Lookups are never set by their column name: a body binds the lookup's single-valued
navigation property (`parentcustomerid_account@odata.bind`, `pocc_Campaign@odata.bind`),
whose case must match, or clears it with `null`. Collection-valued navigation
properties may bind several rows at once (`listcontact_association@odata.bind`).
On create, a 1:N collection navigation property may also hold new child rows (a deep
insert): that is how Dataverse takes an activity's parties
(`campaignresponse_activity_parties: [{"partyid_contact@odata.bind": ...,
"participationtypemask": 11}]`), since `activityparty` has no Create of its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pocc.sandbox.dataverse import errors
from pocc.sandbox.dataverse.model import ManyToMany, OneToMany, Table
from pocc.sandbox.dataverse.paths import is_guid
from pocc.sandbox.dataverse.references import ContentIds, Reference, resolve_reference
from pocc.sandbox.dataverse.store import type_column
from pocc.sandbox.dataverse.values import check_type, to_storage

if TYPE_CHECKING:
    from pocc.sandbox.dataverse.organization import Organization

logger = logging.getLogger(__name__)

BIND = "odata.bind"


@dataclass
class Changes:
    columns: dict[str, Any] = field(default_factory=dict)
    # Rows this row's lookups now point at (each needs Append + AppendTo).
    lookups: list[Reference] = field(default_factory=list)
    # Rows to link through a collection navigation property after the write.
    collection_links: list[tuple[str, Reference]] = field(default_factory=list)
    # Child rows to create with this row (a deep insert), by their 1:N relationship.
    nested: list[tuple[OneToMany, dict[str, Any]]] = field(default_factory=list)


def single_valued(
    organization: Organization, table: Table, name: str
) -> OneToMany | None:
    """The 1:N relationship whose lookup on `table` the navigation `name` sets."""
    return next(
        (
            relationship
            for relationship in organization.schema.one_to_many.values()
            if relationship.referencing_table == table.logical_name
            and relationship.referencing_navigation == name
        ),
        None,
    )


def collection_valued(
    organization: Organization, table: Table, name: str
) -> OneToMany | ManyToMany | None:
    """The 1:N (children) or N:N relationship a collection navigation names."""
    schema = organization.schema

    for relationship in schema.one_to_many.values():
        if (
            relationship.referenced_table == table.logical_name
            and relationship.referenced_navigation == name
        ):
            return relationship

    for many in schema.many_to_many.values():
        if (many.table1 == table.logical_name and many.navigation1 == name) or (
            many.table2 == table.logical_name and many.navigation2 == name
        ):
            return many

    return None


def read_changes(
    organization: Organization,
    table: Table,
    body: Any,
    *,
    creating: bool,
    content_ids: ContentIds | None = None,
) -> Changes:
    if not isinstance(body, dict):
        raise errors.payload(
            "An unexpected 'PrimitiveValue' node was found when reading from the JSON "
            "reader. A 'StartObject' node was expected."
        )

    changes = Changes()

    for name, value in body.items():
        if name.startswith("@"):
            continue

        if "@" in name:
            property_name, _, annotation = name.partition("@")

            if annotation == BIND:
                _bind(organization, table, property_name, value, changes, content_ids)

            continue

        if _is_deep_insert(organization, table, name, value):
            _nest(organization, table, name, value, changes, creating=creating)
            continue

        _set_column(table, name, value, changes, creating=creating)

    return changes


def _is_deep_insert(
    organization: Organization, table: Table, name: str, value: Any
) -> bool:
    return (
        table.column(name) is None
        and isinstance(value, list)
        and isinstance(collection_valued(organization, table, name), OneToMany)
    )


def _nest(
    organization: Organization,
    table: Table,
    navigation: str,
    rows: list[Any],
    changes: Changes,
    *,
    creating: bool,
) -> None:
    """Child rows of a deep insert; Dataverse takes them on create only."""
    if not creating:
        raise errors.payload(
            f"Deep update is not supported: create the rows of '{navigation}' "
            "through their own requests."
        )

    relationship = collection_valued(organization, table, navigation)
    assert isinstance(relationship, OneToMany)

    for row in rows:
        if not isinstance(row, dict):
            raise errors.payload(
                f"The value of the navigation property '{navigation}' must be an "
                "array of entities."
            )

        changes.nested.append((relationship, row))


def _set_column(
    table: Table, name: str, value: Any, changes: Changes, *, creating: bool
) -> None:
    column = table.column(name)

    if column is None and name == table.primary_id:
        changes.columns[name] = to_primary_key(table, value)
        return

    if column is None:
        raise errors.undeclared_property(table.logical_name, name)

    if column.is_lookup:
        # `"parentaccountid": null` clears a lookup; any other value must be bound.
        if value is not None:
            raise errors.undeclared_property(table.logical_name, name)

        changes.columns[name] = None
        changes.columns[type_column(name)] = None
        return

    if name == table.primary_id:
        changes.columns[name] = to_primary_key(table, value)
        return

    valid = column.valid_for_create if creating else column.valid_for_update

    if not valid:
        check_type(column, value)
        logger.debug("ignored read-only column %s.%s", table.logical_name, name)
        return

    changes.columns[name] = to_storage(table, column, value)


def to_primary_key(table: Table, value: Any) -> str:
    if not is_guid(value):
        raise errors.wrong_type(value, "Edm.Guid")

    return value.lower()


def _bind(
    organization: Organization,
    table: Table,
    navigation: str,
    value: Any,
    changes: Changes,
    content_ids: ContentIds | None,
) -> None:
    relationship = single_valued(organization, table, navigation)

    if relationship is not None:
        _bind_lookup(organization, relationship, value, changes, content_ids)
        return

    collection = collection_valued(organization, table, navigation)

    if collection is None:
        raise errors.undeclared_navigation(navigation)

    if not isinstance(value, list):
        raise errors.payload(
            f"The value of the navigation property '{navigation}' must be an array of "
            "entity references."
        )

    for item in value:
        reference = resolve_reference(organization, item, content_ids)
        changes.collection_links.append((navigation, reference))


def _bind_lookup(
    organization: Organization,
    relationship: OneToMany,
    value: Any,
    changes: Changes,
    content_ids: ContentIds | None,
) -> None:
    column = relationship.referencing_column

    if value is None:
        changes.columns[column] = None
        changes.columns[type_column(column)] = None
        return

    reference = resolve_reference(organization, value, content_ids)

    if reference.table.logical_name != relationship.referenced_table:
        raise errors.payload(
            f"The navigation property '{relationship.referencing_navigation}' "
            f"refers to '{relationship.referenced_table}' records, not "
            f"'{reference.table.logical_name}'."
        )

    changes.columns[column] = reference.record_id
    changes.columns[type_column(column)] = reference.table.logical_name
    changes.lookups.append(reference)
