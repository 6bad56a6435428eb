"""Answer `EntityDefinitions` requests: which definitions, which properties.

Paths: `EntityDefinitions`, `EntityDefinitions(LogicalName='x')` or
`EntityDefinitions(<MetadataId>)`, then optionally `/Attributes` (with an optional
type cast such as `/Microsoft.Dynamics.CRM.PicklistAttributeMetadata`),
`/Attributes(LogicalName='y')`, `/Attributes(<MetadataId>)`, `/Keys` or
`/Keys(LogicalName='k')`. Query options: `$select`, `$filter` and `$expand`
(`Attributes`, `Keys`, and `OptionSet` on attributes, each with a nested `$select`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pocc.sandbox.dataverse import entity_metadata, errors
from pocc.sandbox.dataverse.errors import OBJECT_DOES_NOT_EXIST, DataverseError
from pocc.sandbox.dataverse.metadata_filter import parse_filter, select, select_list
from pocc.sandbox.dataverse.model import Schema, Table
from pocc.sandbox.dataverse.paths import Segment

Row = dict[str, Any]
ENTITY_TYPE = "EntityMetadata"
ATTRIBUTE_TYPE = "AttributeMetadata"
KEY_TYPE = "EntityKeyMetadata"
CAST_PREFIX = f"{entity_metadata.NAMESPACE}."
# Returned whatever `$select` says, as Dataverse does.
ALWAYS = {"@odata.type", "MetadataId"}


def answer(
    schema: Schema, service_root: str, segments: list[Segment], query: dict[str, str]
) -> dict[str, Any]:
    """The JSON body for a GET under `EntityDefinitions` (`service_root` ends in /)."""
    head, rest = segments[0], segments[1:]
    context = f"{service_root}$metadata#EntityDefinitions"

    if not head.has_parentheses:
        if rest:
            raise errors.resource_not_found(rest[0].name)

        rows = [_entity_row(table, schema) for table in schema.tables.values()]
        return _collection(context, rows, query, ENTITY_TYPE, _entity_expand(schema))

    table = _find_table(schema, head.key)

    if not rest:
        row = _entity_row(table, schema)
        expand = _entity_expand(schema)
        return _single(f"{context}/$entity", row, query, ENTITY_TYPE, expand)

    context = f"{context}('{table.logical_name}')/{rest[0].name}"

    if rest[0].name == "Attributes":
        return _attributes(table, rest, query, context)

    if rest[0].name == "Keys" and len(rest) == 1:
        return _keys(table, rest[0], query, context)

    raise errors.resource_not_found(rest[-1].name)


def _attributes(
    table: Table, rest: list[Segment], query: dict[str, str], context: str
) -> dict[str, Any]:
    navigation, casts = rest[0], rest[1:]
    rows = [
        entity_metadata.attribute(table, column) for column in table.columns.values()
    ]

    if len(casts) > 1:
        raise errors.resource_not_found(casts[-1].name)

    if casts:
        rows = _cast(rows, casts[0])
        context = f"{context}/{casts[0].name}"

    expand = _attribute_expand(table)

    if navigation.has_parentheses:
        row = _find_row(rows, navigation.key, "attribute")
        return _single(f"{context}/$entity", row, query, ATTRIBUTE_TYPE, expand)

    return _collection(context, rows, query, ATTRIBUTE_TYPE, expand)


def _cast(rows: list[Row], cast: Segment) -> list[Row]:
    """Only the attributes of one AttributeMetadata subtype."""
    known = set(entity_metadata.METADATA_TYPES.values())
    type_name = cast.name.removeprefix(CAST_PREFIX)

    if not cast.name.startswith(CAST_PREFIX) or type_name not in known:
        raise errors.resource_not_found(cast.name)

    wanted = f"#{cast.name}"
    return [row for row in rows if row["@odata.type"] == wanted]


def _keys(
    table: Table, navigation: Segment, query: dict[str, str], context: str
) -> dict[str, Any]:
    rows = entity_metadata.keys(table)

    if navigation.has_parentheses:
        row = _find_row(rows, navigation.key, "key")
        return _single(f"{context}/$entity", row, query, KEY_TYPE, _no_expand)

    return _collection(context, rows, query, KEY_TYPE, _no_expand)


Expander = Callable[[Row, str, dict[str, str]], Row]


def _collection(
    context: str, rows: list[Row], query: dict[str, str], type_name: str, expand: Any
) -> dict[str, Any]:
    if "$filter" in query:
        properties = set(rows[0]) if rows else set()
        keep = parse_filter(query["$filter"], type_name, properties)
        rows = [row for row in rows if keep(row)]

    names = select_list(query.get("$select"))
    shaped = [
        _shape(row, names, type_name, expand, query.get("$expand")) for row in rows
    ]
    return {"@odata.context": _with_select(context, names), "value": shaped}


def _single(
    context: str, row: Row, query: dict[str, str], type_name: str, expand: Any
) -> dict[str, Any]:
    names = select_list(query.get("$select"))
    shaped = _shape(row, names, type_name, expand, query.get("$expand"))
    return {"@odata.context": context, **shaped}


def _shape(
    row: Row, names: list[str] | None, type_name: str, expand: Any, text: str | None
) -> Row:
    shaped = select(row, names, type_name, ALWAYS)

    for navigation, options in _expand_items(text):
        shaped[navigation] = expand(row, navigation, options)

    return shaped


def _with_select(context: str, names: list[str] | None) -> str:
    return f"{context}({','.join(names)})" if names else context


def _expand_items(text: str | None) -> list[tuple[str, dict[str, str]]]:
    """`Attributes($select=LogicalName),Keys` -> [(name, {"$select": ...}), ...]."""
    if not text:
        return []

    items = []

    for part in _split_outside(text, ","):
        name, _, inside = part.strip().partition("(")
        options: dict[str, str] = {}

        for option in _split_outside(inside.removesuffix(")"), ";"):
            key, separator, value = option.partition("=")

            if separator:
                options[key.strip()] = value.strip()

        items.append((name.strip(), options))

    return items


def _split_outside(text: str, separator: str) -> list[str]:
    """Split on `separator` outside parentheses and quotes; drop empty parts."""
    parts, current, depth, quoted = [], [], 0, False

    for character in text:
        if character == "'":
            quoted = not quoted
        elif not quoted and character == "(":
            depth += 1
        elif not quoted and character == ")":
            depth -= 1

        if character == separator and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
            continue

        current.append(character)

    parts.append("".join(current))
    return [part for part in parts if part.strip()]


def _entity_expand(schema: Schema) -> Callable[[Row, str, dict[str, str]], Any]:
    def expand(row: Row, navigation: str, options: dict[str, str]) -> Any:
        table = schema.tables[row["LogicalName"]]

        if navigation == "Attributes":
            rows = [
                entity_metadata.attribute(table, column)
                for column in table.columns.values()
            ]
            nested = _attribute_expand(table)
            return _collection("", rows, options, ATTRIBUTE_TYPE, nested)["value"]

        if navigation == "Keys":
            rows = entity_metadata.keys(table)
            return _collection("", rows, options, KEY_TYPE, _no_expand)["value"]

        raise errors.unknown_property(ENTITY_TYPE, navigation)

    return expand


def _attribute_expand(table: Table) -> Expander:
    def expand(row: Row, navigation: str, options: dict[str, str]) -> Any:
        column = table.column(row["LogicalName"])
        option_set = entity_metadata.option_set(table, column) if column else None

        if navigation != "OptionSet" or option_set is None:
            raise errors.unknown_property(ATTRIBUTE_TYPE, navigation)

        names = select_list(options.get("$select"))
        return select(option_set, names, "OptionSetMetadata", ALWAYS)

    return expand


def _no_expand(row: Row, navigation: str, options: dict[str, str]) -> Any:
    raise errors.unknown_property(KEY_TYPE, navigation)


def _entity_row(table: Table, schema: Schema) -> Row:
    return entity_metadata.entity(table, schema)


def _find_table(schema: Schema, key: Any) -> Table:
    """`LogicalName='x'` (a dict) or a MetadataId (a GUID string)."""
    if isinstance(key, dict) and set(key) == {"LogicalName"}:
        table = schema.table(str(key["LogicalName"]))

        if table is not None:
            return table

        name = key["LogicalName"]
        message = f"Could not find entity with logical name '{name}'."
        raise DataverseError(404, OBJECT_DOES_NOT_EXIST, message)

    if isinstance(key, str):
        for table in schema.tables.values():
            if entity_metadata.metadata_id(table.logical_name) == key:
                return table

        message = f"Could not find entity with MetadataId '{key}'."
        raise DataverseError(404, OBJECT_DOES_NOT_EXIST, message)

    raise errors.query_syntax("Bad Request - Error in query syntax.")


def _find_row(rows: list[Row], key: Any, kind: str) -> Row:
    if isinstance(key, dict) and set(key) == {"LogicalName"}:
        wanted, field = key["LogicalName"], "LogicalName"
    elif isinstance(key, str):
        wanted, field = key, "MetadataId"
    else:
        raise errors.query_syntax("Bad Request - Error in query syntax.")

    for row in rows:
        if row[field] == wanted:
            return row

    message = f"Could not find {kind} with {field} '{wanted}'."
    raise DataverseError(404, OBJECT_DOES_NOT_EXIST, message)
