"""Queries through the real HTTPS sandbox: paging, $expand, annotations, FetchXML."""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote, unquote
from xml.sax.saxutils import quoteattr

PAGE = {"Prefer": "odata.maxpagesize=2000"}


def created(session, path: str, body: dict) -> str:
    response = session.post(path, json=body)
    assert response.status_code == 204, response.text
    return response.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")


def batch_create(session, names: list[str], surname: str) -> None:
    """Create contacts 1,000 per `$batch`, each part outside any change set."""
    for start in range(0, len(names), 1000):
        boundary = f"batch_{uuid.uuid4().hex}"
        parts = [
            f"--{boundary}\r\nContent-Type: application/http\r\n"
            "Content-Transfer-Encoding: binary\r\n\r\n"
            "POST contacts HTTP/1.1\r\nContent-Type: application/json\r\n\r\n"
            + json.dumps({"firstname": name, "lastname": surname})
            for name in names[start : start + 1000]
        ]
        body = "\r\n".join(parts) + f"\r\n--{boundary}--\r\n"
        response = session.post(
            "$batch",
            data=body.encode(),
            headers={"Content-Type": f"multipart/mixed; boundary={boundary}"},
        )
        assert response.status_code == 200, response.text[:500]


def test_paging_through_12000_rows_sees_each_once_while_rows_are_inserted(sandbox):
    admin = sandbox.admin_session()
    surname = f"Paging{uuid.uuid4().hex[:8]}"
    batch_create(admin, [f"p{index:05d}" for index in range(12000)], surname)
    url = (
        f"contacts?$select=firstname&$filter=lastname eq '{surname}'&$orderby=firstname"
    )
    response = admin.get(url, headers=PAGE)
    seen: list[str] = []
    pages = 0

    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        seen.extend(row["contactid"] for row in body["value"])
        pages += 1
        created(admin, "contacts", {"firstname": f"p{pages:05d}a", "lastname": surname})

        if "@odata.nextLink" not in body:
            break

        response = admin.get(body["@odata.nextLink"], headers=PAGE)

    assert len(seen) == len(set(seen))
    assert len(seen) >= 12000
    assert pages >= 6


def test_expand_formatted_values_and_a_list_membership(sandbox):
    admin = sandbox.admin_session()
    surname = f"Expand{uuid.uuid4().hex[:8]}"
    account_id = created(admin, "accounts", {"name": f"Acme {surname}"})
    contact_id = created(
        admin,
        "contacts",
        {
            "lastname": surname,
            "parentcustomerid_account@odata.bind": f"/accounts({account_id})",
        },
    )
    list_id = created(
        admin, "lists", {"listname": surname, "type": False, "createdfromcode": 2}
    )
    linked = admin.post(
        f"lists({list_id})/listcontact_association/$ref",
        json={"@odata.id": f"{sandbox.web_api_url()}contacts({contact_id})"},
    )
    contact = admin.get(
        f"contacts({contact_id})?$select=lastname,_parentcustomerid_value,statecode",
        headers={"Prefer": 'odata.include-annotations="*"'},
    ).json()
    members = admin.get(
        f"lists({list_id})?$select=listname"
        "&$expand=listcontact_association($select=lastname)"
    ).json()

    assert linked.status_code == 204
    formatted = "@OData.Community.Display.V1.FormattedValue"
    assert contact[f"_parentcustomerid_value{formatted}"] == f"Acme {surname}"
    assert contact[f"statecode{formatted}"] == "Active"
    lookup = "_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"
    assert contact[lookup] == "account"
    assert [row["contactid"] for row in members["listcontact_association"]] == [
        contact_id
    ]


def test_fetchxml_dynamic_list_query_with_link_entity_and_paging(sandbox):
    admin = sandbox.admin_session()
    surname = f"Fetch{uuid.uuid4().hex[:8]}"
    account_id = created(admin, "accounts", {"name": f"Linked {surname}"})
    for index in range(5):
        created(
            admin,
            "contacts",
            {
                "firstname": f"f{index}",
                "lastname": surname,
                "parentcustomerid_account@odata.bind": f"/accounts({account_id})",
            },
        )
    template = (
        "<fetch count='2' page='{page}'{cookie}><entity name='contact'>"
        "<attribute name='firstname'/><order attribute='firstname'/>"
        f"<filter><condition attribute='lastname' operator='eq' value='{surname}'/>"
        "</filter><link-entity name='account' from='accountid' to='parentcustomerid' "
        "alias='a' link-type='inner'><attribute name='name'/></link-entity>"
        "</entity></fetch>"
    )
    prefer = {
        "Prefer": "odata.include-annotations="
        '"Microsoft.Dynamics.CRM.fetchxmlpagingcookie,'
        'Microsoft.Dynamics.CRM.morerecords"'
    }
    page, cookie, seen = 1, "", []

    while True:
        fetch = template.format(page=page, cookie=cookie)
        response = admin.get(f"contacts?fetchXml={quote(fetch)}", headers=prefer)
        assert response.status_code == 200, response.text
        body = response.json()
        seen.extend(row["firstname"] for row in body["value"])
        assert all(row["a.name"] == f"Linked {surname}" for row in body["value"])

        if not body.get("@Microsoft.Dynamics.CRM.morerecords"):
            break

        paging = body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"]
        encoded = paging.split('pagingcookie="', 1)[1].split('"', 1)[0]
        cookie = f" paging-cookie={quoteattr(unquote(unquote(encoded)))}"
        page += 1

    assert seen == [f"f{index}" for index in range(5)]
    assert page == 3
