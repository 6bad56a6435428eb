"""`GET <entity set>?fetchXml=...`: FetchXML validated, run and paged as Dataverse does.

The document is parsed without DTDs or entities (defusedxml), checked against the
rules of Fetch.xsd (`fetchxml_schema`), turned into one SELECT (`fetchxml_query`)
and answered with Dataverse's shape (notes 2.11): null columns left out of rows,
link-entity columns as `alias.column`, and with `count`/`page` the
`@Microsoft.Dynamics.CRM.fetchxmlpagingcookie` and `...morerecords` annotations
when the request asks for them. The cookie's `pagingcookie` is URL-encoded twice;
a client decodes it, XML-escapes it into `paging-cookie` and asks for `page` + 1.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from pocc.sandbox.dataverse import paging
from pocc.sandbox.dataverse.errors import DataverseError
from pocc.sandbox.dataverse.fetchxml_query import ROOT_ALIAS, FetchQuery, build_query
from pocc.sandbox.dataverse.fetchxml_schema import validate
from pocc.sandbox.dataverse.formatting import formatted_value
from pocc.sandbox.dataverse.model import Table
from pocc.sandbox.dataverse.preferences import (
    FETCHXML_PAGING_COOKIE,
    FORMATTED_VALUE,
    MAX_PAGE_SIZE,
    MORE_RECORDS,
    Preferences,
)
from pocc.sandbox.dataverse.row_reader import Database, lookup_name, sort_keys
from pocc.sandbox.dataverse.serialize import annotations, etag, json_value
from pocc.sandbox.dataverse.sql_text import Fragment, column_ref, identifier, statement

logger = logging.getLogger(__name__)

INVALID_XML = "0x80040201"
ATTRIBUTE_NAME = "OData.Community.Display.V1.AttributeName"


def execute(
    database: Database,
    table: Table,
    fetch_xml: str,
    prefer: Preferences,
    request_url: str = "",
) -> dict:
    """The body of a FetchXML read of `table` (the entity set's table)."""
    root = parse_document(fetch_xml)
    validate(root)
    query = build_query(root, table, database.schema)
    rows, more, keys = _read_page(database, query, prefer)
    body: dict[str, Any] = {}

    if request_url:
        root_url = request_url.split("?", 1)[0].rsplit("/", 1)[0]
        body["@odata.context"] = f"{root_url}/$metadata#{table.entity_set}"

    if more and keys and prefer.wants(FETCHXML_PAGING_COOKIE):
        body[f"@{FETCHXML_PAGING_COOKIE}"] = _cookie(query, keys, rows)

    if more and prefer.wants(MORE_RECORDS):
        body[f"@{MORE_RECORDS}"] = True

    body["value"] = [_row(database, query, row, prefer) for row in rows]
    logger.debug("fetch on %s: %s rows (more: %s)", table.logical_name, len(rows), more)
    return body


def parse_document(fetch_xml: str) -> Any:
    """The parsed document; no DTD, no entity, nothing outside the text itself."""
    try:
        return fromstring(fetch_xml, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as error:
        logger.debug("refusing FetchXML that does not parse: %s", error)
        raise DataverseError(400, INVALID_XML, "Invalid XML.") from error


def _read_page(
    database: Database, query: FetchQuery, prefer: Preferences
) -> tuple[list[dict[str, Any]], bool, list[paging.SortKey] | None]:
    """This page's rows, whether more follow, and the keys a paging cookie holds."""
    size = min(query.count or MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    conditions = list(query.conditions)
    root_only = all(alias == ROOT_ALIAS for alias, _ in query.order)
    keys = (
        sort_keys(query.table, [key for _, key in query.order]) if root_only else None
    )
    offset = 0

    if query.paging_cookie and keys is not None and query.page > 1:
        values = paging.decode_inner(query.paging_cookie, keys)
        conditions.append(paging.after(keys, values, ROOT_ALIAS))
    elif query.page > 1:
        offset = (query.page - 1) * size

    limit = query.top if query.top is not None else size + 1
    rows = _select(database, query, conditions, keys, limit, offset, prefer)
    more = query.top is None and len(rows) > size
    return rows[:size], more, keys


def _select(
    database: Database,
    query: FetchQuery,
    conditions: list[Fragment],
    keys: list[paging.SortKey] | None,
    limit: int,
    offset: int,
    prefer: Preferences,
) -> list[dict[str, Any]]:
    table = query.table
    columns = [Fragment(f"{ROOT_ALIAS}.*")]

    for index, output in enumerate(query.outputs):
        if output.link_alias is not None:
            source = column_ref(output.sql_alias, output.column.logical_name)
            columns.append(Fragment(f"{source} AS link_{index}"))

    if prefer.wants(FORMATTED_VALUE):
        columns.extend(
            lookup_name(database.schema, output.column)
            for output in query.outputs
            if output.link_alias is None and output.column.is_lookup
        )

    where = Fragment.join(" AND ", (item.wrapped() for item in conditions))
    sql = statement(
        Fragment.join(", ", columns).prefixed(
            "SELECT DISTINCT " if query.distinct else "SELECT "
        ),
        f"FROM {identifier(table.logical_name)} AS {ROOT_ALIAS}",
        Fragment.join("\n", query.joins),
        where.prefixed("WHERE ") if conditions else "",
        f"ORDER BY {_order(query, keys)}",
        Fragment("LIMIT ? OFFSET ?", [limit, offset]),
    )
    cursor = database.connection().execute(sql.text, sql.params)
    return [dict(row) for row in cursor.fetchall()]


def _order(query: FetchQuery, keys: list[paging.SortKey] | None) -> str:
    if keys is not None:
        return paging.order_by(keys, ROOT_ALIAS)

    terms = [
        f"{column_ref(alias, key.column.logical_name)} "
        f"{'DESC' if key.descending else 'ASC'}"
        for alias, key in query.order
    ]
    terms.append(f"{column_ref(ROOT_ALIAS, query.table.primary_id)} ASC")
    return ", ".join(terms)


def _cookie(
    query: FetchQuery, keys: list[paging.SortKey], rows: list[dict[str, Any]]
) -> str:
    inner = paging.inner_cookie(query.page, keys, rows[0], rows[-1])
    encoded = quote(quote(inner, safe=""), safe="")
    return (
        f'<cookie pagenumber="{query.page + 1}" pagingcookie="{encoded}" '
        'istracking="False" />'
    )


def _row(
    database: Database, query: FetchQuery, row: dict[str, Any], prefer: Preferences
) -> dict[str, Any]:
    """One result row: etag, primary key, and each non-null selected column."""
    table = query.table
    body: dict[str, Any] = {"@odata.etag": etag(row)}

    for index, output in enumerate(query.outputs):
        column = output.column

        if output.link_alias is None:
            value = row.get(column.logical_name)

            if value is not None:
                body.update(annotations(table, column, row, prefer, database.schema))
                body[output.key] = json_value(column, value)

            continue

        value = row.get(f"link_{index}")

        if value is None:
            continue

        if prefer.wants(ATTRIBUTE_NAME):
            body[f"{output.key}@{ATTRIBUTE_NAME}"] = column.logical_name

        text = formatted_value(column, value) if prefer.wants(FORMATTED_VALUE) else None

        if text is not None:
            body[f"{output.key}@{FORMATTED_VALUE}"] = text

        body[output.key] = json_value(column, value)

    body.setdefault(table.primary_id, row.get(table.primary_id))
    return body
