"""The JSON a shell page starts from: who is signed in, where they are, what to draw.

`main.aspx` renders one page of the app; the browser side (`static/shell.js`) draws
it from this model and fetches every row through the person's own Web API, so the
page shows exactly what D365's security lets them read.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from flask import request

from pocc.sandbox.dataverse.organization import Organization
from pocc.sandbox.shell.solution_pages import SolutionPages
from pocc.sandbox.shell.table_metadata import relationship_column, tables_json
from pocc.sandbox.shell.users import ShellUser, shell_user_id

ENTITY_LIST = "entitylist"
ENTITY_RECORD = "entityrecord"
WEB_RESOURCE = "webresource"


def build(
    organization: Organization,
    user: ShellUser,
    pages: SolutionPages,
    ribbons: dict[tuple[str, str], list[dict[str, Any]]],
    args: Mapping[str, str],
) -> dict[str, Any]:
    page = _page(pages, args)
    table = page.get("etn", "")
    views: list[dict[str, Any]] = []
    form: list[dict[str, Any]] = []
    wanted = {table}

    if page["type"] == ENTITY_LIST:
        views = [view.as_json() for view in pages.views_of(table)]
        place = "list"
    elif page["type"] == ENTITY_RECORD:
        form = _form(organization, pages, table, wanted)
        place = "form"
    else:
        place = ""

    client_url = request.host_url.rstrip("/") + f"/d365/{organization.name}"
    return {
        "org": organization.name,
        "orgId": organization.organization_id,
        "clientUrl": client_url,
        "shellUrl": f"/d365/{organization.name}/main.aspx",
        "user": {
            "id": shell_user_id(organization, user.login),
            "name": user.full_name,
            "login": user.login,
            "roles": list(user.role_names),
        },
        "siteMap": pages.site_map,
        "page": page,
        "views": views,
        "form": form,
        "ribbon": ribbons.get((table, place), []) if place else [],
        "tables": tables_json(organization.schema, wanted),
        "webResources": sorted(pages.web_resources),
    }


def _page(pages: SolutionPages, args: Mapping[str, str]) -> dict[str, Any]:
    page_type = args.get("pagetype", "").lower()

    if page_type == ENTITY_RECORD:
        return {
            "type": ENTITY_RECORD,
            "etn": args.get("etn", "").lower(),
            "id": args.get("id", "").strip("{}").lower(),
        }

    if page_type == ENTITY_LIST:
        return {
            "type": ENTITY_LIST,
            "etn": args.get("etn", "").lower(),
            "viewId": args.get("viewid", "").strip("{}").lower(),
        }

    if page_type == WEB_RESOURCE:
        return {
            "type": WEB_RESOURCE,
            "name": args.get("webresourceName", ""),
            "data": args.get("data", ""),
        }

    return _first_site_map_page(pages)


def _first_site_map_page(pages: SolutionPages) -> dict[str, Any]:
    for group in pages.site_map.get("groups", []):
        for item in group["items"]:
            if item["entity"]:
                return {"type": ENTITY_LIST, "etn": item["entity"], "viewId": ""}

            if item["webResource"]:
                return {"type": WEB_RESOURCE, "name": item["webResource"], "data": ""}

    return {"type": "empty"}


def _form(
    organization: Organization, pages: SolutionPages, table: str, wanted: set[str]
) -> list[dict[str, Any]]:
    """The table's main form; a plain one of its name column when it has none."""
    tabs = copy.deepcopy(pages.forms.get(table))
    schema_table = organization.schema.table(table)

    if tabs is None:
        if schema_table is None:
            return []

        tabs = [_plain_form(schema_table.primary_name, schema_table.display_name)]

    for tab in tabs:
        for section in tab["sections"]:
            for control in section["controls"]:
                if control["kind"] != "subgrid":
                    continue

                view = pages.views.get(control["viewId"])
                control["view"] = view.as_json() if view else None
                control["filterColumn"] = relationship_column(
                    organization.schema, control["relationship"]
                )
                wanted.add(control["target"])

    return tabs


def _plain_form(primary_name: str, label: str) -> dict[str, Any]:
    return {
        "name": "general",
        "label": "General",
        "sections": [
            {
                "name": "general",
                "label": label,
                "showLabel": True,
                "controls": [
                    {
                        "kind": "field",
                        "id": primary_name,
                        "field": primary_name,
                        "label": "",
                        "showLabel": True,
                        "disabled": False,
                    }
                ],
            }
        ],
    }
