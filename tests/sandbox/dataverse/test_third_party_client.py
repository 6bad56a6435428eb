"""Real third-party Dataverse clients, used unmodified against the HTTPS sandbox.

Microsoft's `PowerPlatform-Dataverse-Client` (1.1.0) creates, queries with filters
and paging, updates, upserts by alternate key, batches with change sets and runs
FetchXML. It authenticates with any azure-core `TokenCredential`; here a small one
wraps msal against the sandbox identity. It talks through `requests`, which trusts
the CA bundle that `REQUESTS_CA_BUNDLE` names: that variable is set inside each
test only (monkeypatch), the way the library's HTTP stack is meant to be pointed at
a private CA.

Microsoft's client sends `If-Match: *` on every update and has no `$ref` call, so
ETag updates and N:N associate go through a second real library, `dataverse-api`
(1.4.3), whose `Dataverse.submit_batch` sends any request with any headers inside a
`$batch`. Its session is an ordinary `requests.Session` we configure (CA bundle,
token, and `Prefer: odata.continue-on-error` so a failing part stays inside a 200).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import msal
import pytest
import requests
from azure.core.credentials import AccessToken, TokenCredential
from dataverse_api.dataverse import DataverseClient as DataverseApiClient
from dataverse_api.utils.batching import BatchCommand, RequestMethod
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.errors import HttpError
from PowerPlatform.Dataverse.models.upsert import UpsertItem


class MsalCredential(TokenCredential):
    """An azure-core credential that gets client-credential tokens from msal."""

    def __init__(self, sandbox, app: str = "pocc") -> None:
        identity = sandbox.identity
        prefix = "" if app == "pocc" else f"{app}_"
        self.application = msal.ConfidentialClientApplication(
            identity[f"{prefix}client_id"],
            client_credential=identity[f"{prefix}client_secret"],
            authority=f"{identity['authority_host']}/{identity['tenant_id']}",
            instance_discovery=False,
            verify=str(sandbox.ca_bundle),
        )

    def get_token(self, *scopes: str, **kwargs) -> AccessToken:
        result = self.application.acquire_token_for_client(scopes=list(scopes))
        assert "access_token" in result, result.get("error_description")
        expires_on = int(time.time()) + int(result["expires_in"])
        return AccessToken(result["access_token"], expires_on)


@pytest.fixture
def client(sandbox, monkeypatch) -> Iterator[DataverseClient]:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(sandbox.ca_bundle))

    with DataverseClient(sandbox.org_url, MsalCredential(sandbox)) as opened:
        yield opened


@pytest.fixture
def admin_client(sandbox, monkeypatch) -> Iterator[DataverseClient]:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(sandbox.ca_bundle))

    with DataverseClient(sandbox.org_url, MsalCredential(sandbox, "admin")) as opened:
        yield opened


@pytest.fixture
def dataverse_api(sandbox) -> DataverseApiClient:
    session = requests.Session()
    session.verify = str(sandbox.ca_bundle)
    session.trust_env = False
    # The System Administrator, as the contacts and lists here are seeding work.
    token = MsalCredential(sandbox, "admin").get_token(f"{sandbox.org_url}/.default")
    session.headers["Authorization"] = f"Bearer {token.token}"
    # Without it a failing part makes the whole `$batch` answer that part's status
    # (as Dataverse does), which this library cannot read; with it the batch is a
    # 200 and each part keeps its own status line.
    session.headers["Prefer"] = "odata.continue-on-error"
    return DataverseApiClient(session, f"{sandbox.org_url}/")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_create_and_read_back(admin_client, client) -> None:
    surname = unique("Create")
    contact_id = admin_client.records.create(
        "contact", {"firstname": "Ada", "lastname": surname}
    )
    record = client.records.retrieve("contact", contact_id, select=["lastname"])

    assert uuid.UUID(contact_id)
    assert record["lastname"] == surname


def test_query_with_filters_and_paging(admin_client, client) -> None:
    surname = unique("Paged")
    ids = admin_client.records.create(
        "contact",
        [{"firstname": f"n{index:02}", "lastname": surname} for index in range(7)],
    )
    pages = list(
        client.records.list_pages(
            "contact",
            filter=f"lastname eq '{surname}' and firstname ne 'n03'",
            select=["firstname"],
            orderby=["firstname desc"],
            page_size=3,
        )
    )
    names = [record["firstname"] for page in pages for record in page]

    assert len(ids) == 7
    assert [len(page) for page in pages] == [3, 3]
    assert names == ["n06", "n05", "n04", "n02", "n01", "n00"]


def test_update_and_upsert_by_alternate_key(client, admin_client) -> None:
    campaign_key = unique("cc")
    item = UpsertItem(
        alternate_key={"pocc_ccid": campaign_key},
        record={"pocc_name": "First", "pocc_subject": "Hello"},
    )
    admin_client.records.upsert("pocc_campaign", [item])
    found = client.records.list(
        "pocc_campaign", filter=f"pocc_ccid eq '{campaign_key}'", select=["pocc_name"]
    )
    campaign_id = found.first().id or found.first()["pocc_campaignid"]

    client.records.update("pocc_campaign", campaign_id, {"pocc_name": "Second"})
    again = UpsertItem(
        alternate_key={"pocc_ccid": campaign_key}, record={"pocc_subject": "Again"}
    )
    client.records.upsert("pocc_campaign", [again])
    record = client.records.retrieve(
        "pocc_campaign", campaign_id, select=["pocc_name", "pocc_subject"]
    )

    assert len(list(found)) == 1
    assert record["pocc_name"] == "Second"
    assert record["pocc_subject"] == "Again"


def test_batch_change_set_is_atomic(admin_client) -> None:
    client = admin_client
    surname = unique("Batch")
    good = client.batch.new()

    with good.changeset() as change_set:
        change_set.records.create("contact", {"firstname": "a", "lastname": surname})
        change_set.records.create("contact", {"firstname": "b", "lastname": surname})

    good_result = good.execute()
    bad = client.batch.new()

    with bad.changeset() as change_set:
        change_set.records.create("contact", {"firstname": "c", "lastname": surname})
        change_set.records.create("contact", {"nosuchcolumn": "x"})

    bad_result = bad.execute()
    rows = client.records.list(
        "contact", filter=f"lastname eq '{surname}'", select=["firstname"]
    )

    assert [item.status_code for item in good_result.responses] == [204, 204]
    assert any(item.status_code == 400 for item in bad_result.responses)
    assert sorted(record["firstname"] for record in rows) == ["a", "b"]


def test_fetchxml_with_paging(admin_client, client) -> None:
    surname = unique("Fetch")
    admin_client.records.create(
        "contact",
        [{"firstname": f"f{index}", "lastname": surname} for index in range(5)],
    )
    fetch = (
        '<fetch count="2"><entity name="contact"><attribute name="firstname"/>'
        f'<filter><condition attribute="lastname" operator="eq" value="{surname}"/>'
        '</filter><order attribute="firstname"/></entity></fetch>'
    )
    pages = list(client.query.fetchxml(fetch).execute_pages())
    names = [record["firstname"] for page in pages for record in page]

    assert names == ["f0", "f1", "f2", "f3", "f4"]
    assert [len(page) for page in pages] == [2, 2, 1]


def test_errors_reach_the_client_with_dataverses_codes(client) -> None:
    missing = str(uuid.uuid4())

    with pytest.raises(HttpError) as caught:
        client.records.update("pocc_job", missing, {"pocc_name": "x"})

    assert caught.value.status_code == 404
    assert caught.value.details.get("service_error_code") == "0x80040217"


def test_update_with_etag_through_dataverse_api(
    admin_client, client, dataverse_api
) -> None:
    contact_id = admin_client.records.create("contact", {"lastname": unique("Etag")})
    etag = client.records.retrieve("contact", contact_id, select=["lastname"]).etag
    path = f"contacts({contact_id})"

    fresh = dataverse_api.submit_batch(
        [
            BatchCommand(
                path,
                RequestMethod.PATCH,
                headers={"If-Match": etag},
                data={"firstname": "Fresh"},
            )
        ]
    )
    stale = dataverse_api.submit_batch(
        [
            BatchCommand(
                path,
                RequestMethod.PATCH,
                headers={"If-Match": etag},
                data={"firstname": "Stale"},
            )
        ]
    )
    record = client.records.retrieve("contact", contact_id, select=["firstname"])

    assert "HTTP/1.1 204" in fresh[0].text
    assert "HTTP/1.1 412" in stale[0].text
    assert "0x80060882" in stale[0].text
    assert record["firstname"] == "Fresh"


def test_associate_with_ref_through_dataverse_api(
    client, admin_client, dataverse_api, sandbox
) -> None:
    list_id = admin_client.records.create(
        "list", {"listname": unique("Members"), "createdfromcode": 2, "type": False}
    )
    contact_id = admin_client.records.create("contact", {"lastname": unique("Member")})
    target = f"{sandbox.web_api_url()}contacts({contact_id})"

    answers = dataverse_api.submit_batch(
        [
            BatchCommand(
                f"lists({list_id})/listcontact_association/$ref",
                RequestMethod.POST,
                data={"@odata.id": target},
            )
        ]
    )
    members = client.records.list(
        "contact",
        filter=f"contactid eq {contact_id}",
        select=["lastname"],
        expand=["listcontact_association($select=listname)"],
    )

    assert "HTTP/1.1 204" in answers[0].text
    assert [row["listid"] for row in members.first()["listcontact_association"]] == [
        list_id
    ]
