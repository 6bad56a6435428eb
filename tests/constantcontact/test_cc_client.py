"""The client's helpers against the sandbox: paging, contacts, lists, custom fields,
campaigns and reports, with request bodies cut to the writable fields."""

from __future__ import annotations

import uuid
from typing import Any

import certifi
import pytest

from pocc.config import Settings
from pocc.constantcontact import (
    ConstantContactClient,
    Status,
    TokenStore,
    import_contacts,
)
from pocc.constantcontact.bulk_import import Poller
from pocc.constantcontact.campaigns import primary_activity_id
from pocc.errors import ConstantContactDuplicateKeyError, ConstantContactNotFoundError
from tests.constantcontact import cc_helpers

CURLY_NAME = "O\N{RIGHT SINGLE QUOTATION MARK}Hara"
QUICK = Poller(first=0.2, longest=1.0, give_up_after=300)


def test_paging_2000_contacts_follows_next_links(
    cc_client: ConstantContactClient,
) -> None:
    tag = uuid.uuid4().hex[:8]
    list_id = cc_client.create_contact_list({"name": f"paging {tag}"})["list_id"]
    people = [{"email": f"page{n}.{tag}@example.com"} for n in range(2000)]
    report = import_contacts(cc_client, people, [list_id], poller=QUICK)
    assert report.count(Status.IMPORTED) == 2000

    pages: list[str] = []
    transport = cc_client._transport
    send = transport.send

    def counting(method: str, path: str, **options: Any) -> Any:
        pages.append(path)
        return send(method, path, **options)

    transport.send = counting  # type: ignore[method-assign]
    contacts = list(cc_client.contacts(lists=[list_id], page_size=500))
    transport.send = send  # type: ignore[method-assign]

    addresses = {contact["email_address"]["address"] for contact in contacts}
    assert len(contacts) == 2000
    assert addresses == {person["email"] for person in people}
    assert len(pages) == 4
    assert all("cursor=" in href for href in pages[1:])


def test_contacts_round_trip_without_echoing_read_only_fields(
    cc_client: ConstantContactClient,
) -> None:
    address = f"round.trip.{uuid.uuid4().hex[:8]}@example.com"
    created = cc_client.create_contact(
        {
            "email_address": {"address": address, "permission_to_send": "implicit"},
            "first_name": "Zoë",
            "last_name": CURLY_NAME,
        }
    )

    # What was read goes back whole: ids, timestamps and sources are dropped.
    read = cc_client.contact(created["contact_id"])
    read["job_title"] = "Buyer"
    updated = cc_client.update_contact(created["contact_id"], read)

    assert updated["job_title"] == "Buyer"
    assert updated["last_name"] == CURLY_NAME
    assert cc_client.find_contact(address)["contact_id"] == created["contact_id"]

    cc_client.delete_contact(created["contact_id"])


def test_lists_and_custom_fields(cc_client: ConstantContactClient) -> None:
    name = f"helpers {uuid.uuid4().hex[:8]}"
    created = cc_client.create_contact_list({"name": name, "list_id": "ignored"})

    assert cc_client.find_contact_list(name)["list_id"] == created["list_id"]

    with pytest.raises(ConstantContactDuplicateKeyError) as raised:
        cc_client.create_contact_list({"name": name})

    assert raised.value.status == 409

    cc_client.delete_contact_list(created["list_id"])

    label = f"Region {uuid.uuid4().hex[:6]}"
    field = cc_client.create_custom_field({"label": label, "type": "string"})
    assert any(
        item["custom_field_id"] == field["custom_field_id"]
        for item in cc_client.custom_fields()
    )


def test_campaign_helpers_read_what_pocc_synchronizes(
    cc_client: ConstantContactClient,
) -> None:
    campaigns = list(cc_client.email_campaigns(page_size=2))
    assert campaigns

    sent = None

    for campaign in campaigns:
        detail = cc_client.email_campaign(campaign["campaign_id"])
        activity_id = primary_activity_id(detail)

        if activity_id and cc_client.send_history(activity_id):
            sent = activity_id
            break

    assert sent, "the sandbox seeds sent campaigns"
    assert cc_client.preview(sent)["subject"]
    results, _ = cc_client.activity_stats([sent])
    assert results[0]["campaign_activity_id"] == sent
    assert isinstance(cc_client.link_clicks(sent), list)
    opens = list(cc_client.tracking(sent, "sends", page_size=50))
    assert opens
    assert all(row["campaign_activity_id"] == sent for row in opens)


def test_an_unknown_id_is_a_not_found_error(cc_client: ConstantContactClient) -> None:
    with pytest.raises(ConstantContactNotFoundError) as raised:
        cc_client.contact(str(uuid.uuid4()))

    assert raised.value.status == 404
    assert "reading a contact" in str(raised.value)


def test_an_inherited_ca_bundle_variable_cannot_override_the_configured_one(
    monkeypatch: pytest.MonkeyPatch,
    cc_settings: Settings,
    connected: TokenStore,
) -> None:
    # certifi's bundle does not trust the sandbox's own CA.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", certifi.where())
    store = cc_helpers.store_for(
        cc_settings, connected.dataverse, connected.configuration_id
    )
    cc_helpers.expire_stored_token(store)

    client = ConstantContactClient.with_store(cc_settings, store)

    assert client.account_summary()["encoded_account_id"]
    assert store.refreshes == 1
