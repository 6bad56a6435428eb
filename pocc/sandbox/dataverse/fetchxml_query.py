"""A validated `<fetch>` document turned into the parts of one SELECT.

Entity and attribute names are looked up in the schema (an unknown one is refused
with Dataverse's error), each entity gets an alias of the sandbox's own making
(`t`, `l1`, `l2`, ...), and condition values are converted to storage form and
bound. `link-entity` becomes a JOIN (inner) or LEFT JOIN (outer) on `from`/`to`,
with its own filters in the ON clause so an outer link keeps unmatched rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pocc.sandbox.dataverse import errors
from pocc.sandbox.dataverse.errors import DataverseError
from pocc.sandbox.dataverse.fetchxml_schema import invalid
from pocc.sandbox.dataverse.filter_values import text_value
from pocc.sandbox.dataverse.model import Column, Schema, Table
from pocc.sandbox.dataverse.odata_errors import query_error
from pocc.sandbox.dataverse.paging import SortKey
from pocc.sandbox.dataverse.sql_text import Fragment, column_ref, identifier

ROOT_ALIAS = "t"
COMPARISONS = {"eq": "=", "ne": "<>", "neq": "<>", "gt": ">", "ge": ">=", "lt": "<"}
COMPARISONS["le"] = "<="
PATTERNS = {
    "like": ("LIKE", "?"),
    "not-like": ("NOT LIKE", "?"),
    "begins-with": ("LIKE", "? || '%'"),
    "not-begin-with": ("NOT LIKE", "? || '%'"),
    "ends-with": ("LIKE", "'%' || ?"),
    "not-end-with": ("NOT LIKE", "'%' || ?"),
}
DAY_COMPARISONS = {"on": "=", "on-or-after": ">=", "on-or-before": "<="}


@dataclass
class Output:
    """One column of a result row: where it comes from and the key it is shown as."""

    key: str
    column: Column
    sql_alias: str
    # The link-entity alias for `alias.column` keys; None on the root entity.
    link_alias: str | None = None


@dataclass
class FetchQuery:
    table: Table
    outputs: list[Output] = field(default_factory=list)
    joins: list[Fragment] = field(default_factory=list)
    conditions: list[Fragment] = field(default_factory=list)
    # (SQL alias, sort key) in the order the document gives them.
    order: list[tuple[str, SortKey]] = field(default_factory=list)
    count: int | None = None
    page: int = 1
    paging_cookie: str | None = None
    top: int | None = None
    distinct: bool = False
    all_root_columns: bool = False


def fetch_error(message: str) -> DataverseError:
    return DataverseError(400, errors.INVALID_ARGUMENT, message)


def build_query(root: Any, table: Table, schema: Schema) -> FetchQuery:
    """The query a validated `<fetch>` asks of `table`."""
    entities = [child for child in root if child.tag == "entity"]

    if len(entities) != 1:
        raise invalid("A FetchXml query must have exactly one 'entity' element.")

    entity = entities[0]

    if entity.get("name") != table.logical_name:
        raise fetch_error(
            "The entity name specified in FetchXml does not match the entity name "
            "in the URI."
        )

    if _flag(root.get("aggregate")):
        raise query_error(
            "Aggregate FetchXML queries are not supported by the sandbox."
        )

    query = FetchQuery(table=table, distinct=_flag(root.get("distinct")))
    query.count = _number(root, "count")
    query.page = _number(root, "page") or 1
    query.top = _number(root, "top")
    query.paging_cookie = root.get("paging-cookie") or None

    if query.top is not None and query.count is not None:
        raise fetch_error(
            "The top attribute can't be specified with paging attribute page or count."
        )

    builder = _Builder(schema, query)
    builder.entity(entity, table, ROOT_ALIAS, link_alias=None)

    # An entity without attribute elements returns all its columns (Microsoft's
    # FetchXML reference, all-attributes element).
    if not any(child.tag in ("attribute", "all-attributes") for child in entity):
        builder.all_attributes(table, ROOT_ALIAS, link_alias=None)

    return query


class _Builder:
    def __init__(self, schema: Schema, query: FetchQuery) -> None:
        self.schema = schema
        self.query = query
        self.links = 0
        self.link_names: dict[str, int] = {}
        # Link aliases (as the document names them) to (SQL alias, table).
        self.aliases: dict[str, tuple[str, Table]] = {}
        # A link-entity's own filters, which go into its ON clause.
        self.link_conditions: dict[str, list[Fragment]] = {}

    def entity(
        self, element: Any, table: Table, sql_alias: str, link_alias: str | None
    ) -> None:
        for child in element:
            if child.tag == "all-attributes":
                self.all_attributes(table, sql_alias, link_alias)
            elif child.tag == "attribute":
                column = self.column(table, child.get("name", ""))
                key = child.get("alias") or _key(column, link_alias)
                self.query.outputs.append(Output(key, column, sql_alias, link_alias))
            elif child.tag == "order":
                self.order(child, table, sql_alias)

        for child in element:
            if child.tag == "link-entity":
                self.link(child, table, sql_alias)

        conditions = [
            self.filter(child, table, sql_alias)
            for child in element
            if child.tag == "filter"
        ]

        if sql_alias == ROOT_ALIAS:
            self.query.conditions.extend(conditions)
        else:
            self.link_conditions[sql_alias] = conditions

    def all_attributes(
        self, table: Table, sql_alias: str, link_alias: str | None
    ) -> None:
        if link_alias is None:
            self.query.all_root_columns = True

        for column in table.columns.values():
            if column.valid_for_read:
                key = _key(column, link_alias)
                self.query.outputs.append(Output(key, column, sql_alias, link_alias))

    def order(self, element: Any, table: Table, sql_alias: str) -> None:
        if element.get("attribute") is None:
            raise fetch_error("An order element must name an attribute.")

        column = self.column(table, element.get("attribute", ""))
        key = SortKey(column, _flag(element.get("descending")))
        self.query.order.append((sql_alias, key))

    def link(self, element: Any, parent: Table, parent_alias: str) -> None:
        name = element.get("name", "")
        target = self.schema.table(name)

        if target is None:
            raise _unknown_entity(name)

        from_column = self.column(target, element.get("from") or target.primary_id)
        to_column = self.column(parent, element.get("to") or parent.primary_id)
        link_type = element.get("link-type", "inner")

        if link_type not in ("inner", "outer"):
            raise query_error(
                f"The link-type '{link_type}' is not supported by the sandbox."
            )

        self.links += 1
        sql_alias = f"l{self.links}"
        self.link_names[name] = self.link_names.get(name, 0) + 1
        link_alias = element.get("alias") or f"{name}{self.link_names[name]}"
        self.aliases[link_alias] = (sql_alias, target)
        # The join goes in before any link nested inside it, which refers to it.
        position = len(self.query.joins)
        self.query.joins.append(Fragment(""))
        self.entity(element, target, sql_alias, link_alias)

        on = [
            Fragment(
                f"{column_ref(sql_alias, from_column.logical_name)} = "
                f"{column_ref(parent_alias, to_column.logical_name)}"
            ),
            *self.link_conditions.pop(sql_alias, []),
        ]
        keyword = "LEFT JOIN" if link_type == "outer" else "JOIN"
        condition = Fragment.join(" AND ", (item.wrapped() for item in on))
        self.query.joins[position] = condition.prefixed(
            f"{keyword} {identifier(name)} AS {sql_alias} ON "
        )

    def filter(self, element: Any, table: Table, sql_alias: str) -> Fragment:
        parts = []

        for child in element:
            if child.tag == "condition":
                parts.append(self.condition(child, table, sql_alias))
            elif child.tag == "filter":
                parts.append(self.filter(child, table, sql_alias))

        if not parts:
            return Fragment("1 = 1")

        joiner = " OR " if element.get("type", "and").strip() == "or" else " AND "
        return Fragment.join(joiner, (part.wrapped() for part in parts)).wrapped()

    def condition(self, element: Any, table: Table, sql_alias: str) -> Fragment:
        entity_name = element.get("entityname")

        if entity_name:
            if entity_name not in self.aliases:
                raise _unknown_entity(entity_name)

            sql_alias, table = self.aliases[entity_name]

        column = self.column(table, element.get("attribute") or "")
        operator = element.get("operator", "").strip()
        values = [item.text or "" for item in element if item.tag == "value"]

        if element.get("value") is not None:
            values.insert(0, element.get("value"))

        converted = [self.convert(table, column, value) for value in values]
        return condition_sql(
            column_ref(sql_alias, column.logical_name), column, operator, converted
        )

    def convert(self, table: Table, column: Column, value: str) -> Any:
        try:
            return text_value(column, value)
        except DataverseError as error:
            name = f"{table.logical_name}.{column.logical_name}"
            raise fetch_error(
                f"Condition for attribute '{name}': expected argument(s) of a "
                f"different type but received '{value}'."
            ) from error

    def column(self, table: Table, name: str) -> Column:
        column = table.column(name)

        if column is None or not column.valid_for_read:
            raise DataverseError(
                400,
                errors.INVALID_FETCHXML,
                f"'{table.logical_name}' entity doesn't contain attribute with Name = "
                f"'{name}' and NameMapping = 'Logical'.",
            )

        return column


def condition_sql(
    target: str, column: Column, operator: str, values: list[Any]
) -> Fragment:
    """One FetchXML condition on the SQL expression `target`."""
    if operator in ("null", "not-null"):
        return Fragment(f"{target} IS {'NOT ' if operator == 'not-null' else ''}NULL")

    if operator in ("in", "not-in") and values:
        marks = ", ".join("?" for _ in values)
        keyword = "NOT IN" if operator == "not-in" else "IN"
        return Fragment(f"{target} {keyword} ({marks})", values)

    if operator in ("between", "not-between") and len(values) == 2:
        keyword = "NOT BETWEEN" if operator == "not-between" else "BETWEEN"
        return Fragment(f"{target} {keyword} ? AND ?", values)

    if len(values) != 1:
        raise fetch_error(f"The operator '{operator}' was given {len(values)} values.")

    if operator in COMPARISONS:
        return Fragment(f"{target} {COMPARISONS[operator]} ?", values)

    if operator in PATTERNS:
        keyword, pattern = PATTERNS[operator]
        return Fragment(f"{target} {keyword} {pattern}", values)

    if operator in DAY_COMPARISONS:
        day = str(values[0])[:10]
        return Fragment(f"substr({target}, 1, 10) {DAY_COMPARISONS[operator]} ?", [day])

    raise query_error(
        f"The condition operator '{operator}' is not supported by the sandbox."
    )


def _key(column: Column, link_alias: str | None) -> str:
    if link_alias is not None:
        return f"{link_alias}.{column.logical_name}"

    return f"_{column.logical_name}_value" if column.is_lookup else column.logical_name


def _flag(value: str | None) -> bool:
    return (value or "").strip() in ("true", "1")


def _number(root: Any, name: str) -> int | None:
    """An integer attribute of `<fetch>`: Fetch.xsd says xs:integer, and the
    platform reads it into a 32-bit int, refusing what does not fit."""
    value = root.get(name)

    if value is None:
        return None

    sign = -1 if value.strip().startswith("-") else 1
    digits = value.strip().lstrip("+-").lstrip("0") or "0"

    if len(digits) > 10 or not -(2**31) <= sign * int(digits) < 2**31:
        raise invalid(
            f"The '{name}' attribute is invalid - The value '{value[:100]}' is "
            "invalid according to its datatype 'Int32'."
        )

    return sign * int(digits)


def _unknown_entity(name: str) -> DataverseError:
    return DataverseError(
        400,
        errors.INVALID_ARGUMENT,
        f"The entity with a name = '{name}' with namemapping = 'Logical' was not "
        "found in the MetadataCache.",
    )
