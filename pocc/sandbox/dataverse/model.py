"""The shape of a Dataverse organisation's tables, as the sandbox understands them.

The sandbox never hard-codes a pocc table: `solution_reader` builds these objects from
`solution/`, and `standard_tables` builds the standard tables (contact, list, ...) from
a data file that follows Dataverse's real logical names. Everything else in the
sandbox (storage, queries, metadata, security) reads only these objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

# Logical names end up as quoted SQL identifiers, so only names that match this are
# ever accepted into a schema. Client input is never used as an identifier directly:
# it is looked up in the schema first.
LOGICAL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


class AttributeType(StrEnum):
    """Dataverse's AttributeTypeCode names, as EntityDefinitions reports them."""

    UNIQUEIDENTIFIER = "Uniqueidentifier"
    STRING = "String"
    MEMO = "Memo"
    INTEGER = "Integer"
    BIGINT = "BigInt"
    DECIMAL = "Decimal"
    DOUBLE = "Double"
    MONEY = "Money"
    BOOLEAN = "Boolean"
    DATETIME = "DateTime"
    PICKLIST = "Picklist"
    STATE = "State"
    STATUS = "Status"
    LOOKUP = "Lookup"
    CUSTOMER = "Customer"
    OWNER = "Owner"
    ENTITYNAME = "EntityName"


LOOKUP_TYPES = frozenset(
    {AttributeType.LOOKUP, AttributeType.CUSTOMER, AttributeType.OWNER}
)
CHOICE_TYPES = frozenset(
    {AttributeType.PICKLIST, AttributeType.STATE, AttributeType.STATUS}
)

SYSTEM_REQUIRED = "SystemRequired"
APPLICATION_REQUIRED = "ApplicationRequired"


@dataclass(frozen=True)
class Choice:
    """One option of a choice, state or status column."""

    value: int
    label: str
    # A status option names its state; a state option names its default status.
    state: int | None = None
    default_status: int | None = None
    invariant_name: str | None = None


@dataclass(frozen=True)
class Column:
    logical_name: str
    schema_name: str
    type: AttributeType
    display_name: str = ""
    description: str = ""
    # "None", "Recommended", "ApplicationRequired" (forms enforce it) or
    # "SystemRequired" (the platform refuses a create without a value).
    required_level: str = "None"
    max_length: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    precision: int | None = None
    choices: tuple[Choice, ...] = ()
    # Lookups: the tables the lookup may point at (several for customer and owner).
    targets: tuple[str, ...] = ()
    # DateTime: "UserLocal", "DateOnly" or "TimeZoneIndependent".
    datetime_behavior: str | None = None
    # "DateAndTime" or "DateOnly" for date-times; "Email", "Text", "Url" for strings.
    format: str | None = None
    is_secured: bool = False
    valid_for_create: bool = True
    valid_for_update: bool = True
    valid_for_read: bool = True
    is_custom: bool = False

    @property
    def is_lookup(self) -> bool:
        return self.type in LOOKUP_TYPES

    @property
    def is_system_required(self) -> bool:
        return self.required_level == SYSTEM_REQUIRED

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES

    def choice(self, value: int) -> Choice | None:
        return next((option for option in self.choices if option.value == value), None)


@dataclass(frozen=True)
class AlternateKey:
    schema_name: str
    logical_name: str
    columns: tuple[str, ...]
    display_name: str = ""


@dataclass(frozen=True)
class OneToMany:
    """A 1:N relationship: many `referencing` rows point at one `referenced` row."""

    schema_name: str
    referenced_table: str
    referenced_column: str
    referencing_table: str
    referencing_column: str
    # Collection-valued navigation property on the referenced (one) side.
    referenced_navigation: str
    # Single-valued navigation property on the referencing (many) side, as used in
    # `$expand` and `<name>@odata.bind`. Case matters: Dataverse uses the SchemaName.
    referencing_navigation: str
    cascade_delete: str = "RemoveLink"


@dataclass(frozen=True)
class ManyToMany:
    """An N:N relationship, stored in its own intersect table."""

    schema_name: str
    table1: str
    table2: str
    intersect_entity: str
    intersect_column1: str
    intersect_column2: str
    # Collection-valued navigation properties: on table1 (pointing to table2 rows) and
    # on table2 (pointing to table1 rows). Dataverse often uses the same name for both.
    navigation1: str
    navigation2: str


@dataclass
class Table:
    logical_name: str
    schema_name: str
    entity_set: str
    primary_id: str
    primary_name: str
    display_name: str = ""
    collection_display_name: str = ""
    description: str = ""
    # "UserOwned", "OrganizationOwned" or "None" (intersect-like tables).
    ownership: str = "UserOwned"
    is_activity: bool = False
    is_custom: bool = False
    object_type_code: int | None = None
    columns: dict[str, Column] = field(default_factory=dict)
    keys: tuple[AlternateKey, ...] = ()
    # The name Dataverse's privileges use for this table when it is not the schema
    # name: "User" for systemuser (prvReadUser), "Activity" for every activity table
    # (prvCreateActivity), the parent's name for intersect tables like listmember.
    privilege_name: str | None = None

    def column(self, logical_name: str) -> Column | None:
        return self.columns.get(logical_name)

    def privilege(self, access: str) -> str:
        """The privilege for one access right: `privilege("Read")` -> `prvReadList`."""
        return f"prv{access}{self.privilege_name or self.schema_name}"


@dataclass(frozen=True)
class Role:
    """A security role: privilege name (e.g. `prvReadpocc_job`) to depth."""

    role_id: str
    name: str
    privileges: dict[str, str]
    is_system_administrator: bool = False

    def grants(self, privilege: str) -> bool:
        return self.is_system_administrator or privilege in self.privileges


@dataclass(frozen=True)
class FieldPermission:
    """What a field security profile lets its members do with one secured column."""

    table: str
    column: str
    can_read: bool
    can_create: bool
    can_update: bool


@dataclass(frozen=True)
class FieldSecurityProfile:
    """A field security profile: its members may use the secured columns it lists."""

    profile_id: str
    name: str
    permissions: tuple[FieldPermission, ...] = ()

    def permission(self, table: str, column: str) -> FieldPermission | None:
        return next(
            (
                permission
                for permission in self.permissions
                if permission.table == table and permission.column == column
            ),
            None,
        )


@dataclass
class Schema:
    """Every table, relationship, role and field security profile an org knows."""

    tables: dict[str, Table] = field(default_factory=dict)
    one_to_many: dict[str, OneToMany] = field(default_factory=dict)
    many_to_many: dict[str, ManyToMany] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    field_security_profiles: dict[str, FieldSecurityProfile] = field(
        default_factory=dict
    )

    def table(self, logical_name: str) -> Table | None:
        return self.tables.get(logical_name)

    def table_for_entity_set(self, entity_set: str) -> Table | None:
        return next(
            (table for table in self.tables.values() if table.entity_set == entity_set),
            None,
        )
