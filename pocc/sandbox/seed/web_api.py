"""The sandbox's System Administrator app calling one organisation's Web API.

Seeding writes rows that pocc's own application user may not create (contacts,
lists, campaigns, the configuration row), as an administrator's import would. It
uses the same requests a data-migration tool sends: `CreateMultiple` in chunks,
`AddListMembersList` and `AddItemCampaign`, so thousands of rows take a few calls.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import requests

logger = logging.getLogger(__name__)

WEB_API_PATH = "/api/data/v9.2/"
REQUEST_TIMEOUT_SECONDS = 120
# Microsoft suggests CreateMultiple batches of a few hundred to a thousand rows;
# the sandbox and Dataverse both take a thousand in one transaction.
CREATE_CHUNK = 1000
MEMBER_CHUNK = 1000


class SeedError(RuntimeError):
    """The sandbox refused a seeding request; the message names the call."""


class AdminWebApi:
    """A session holding the admin app's bearer token for one organisation."""

    def __init__(self, sandbox_config: Mapping[str, Any], org: str) -> None:
        self.org_url = sandbox_config["orgs"][org]["url"]
        self.api_url = self.org_url + WEB_API_PATH
        self.session = requests.Session()

        # An inherited REQUESTS_CA_BUNDLE must not replace the sandbox's own CA.
        self.session.trust_env = False
        self.session.verify = sandbox_config["ca_bundle"]
        self.calls = 0
        token = self._token(sandbox_config["identity"])
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "OData-MaxVersion": "4.0",
                "OData-Version": "4.0",
            }
        )

    def close(self) -> None:
        self.session.close()

    def create_multiple(
        self, entity_set: str, logical_name: str, rows: Sequence[Mapping[str, Any]]
    ) -> int:
        """Creates `rows` (each carrying its own id) in CreateMultiple chunks."""
        for start in range(0, len(rows), CREATE_CHUNK):
            targets = [
                {"@odata.type": f"Microsoft.Dynamics.CRM.{logical_name}", **row}
                for row in rows[start : start + CREATE_CHUNK]
            ]
            self._post(
                f"{entity_set}/Microsoft.Dynamics.CRM.CreateMultiple",
                {"Targets": targets},
            )

        logger.debug("created %s rows in %s", len(rows), entity_set)
        return len(rows)

    def update_multiple(
        self, entity_set: str, logical_name: str, rows: Sequence[Mapping[str, Any]]
    ) -> int:
        """Updates rows named by their primary key, in UpdateMultiple chunks."""
        for start in range(0, len(rows), CREATE_CHUNK):
            targets = [
                {"@odata.type": f"Microsoft.Dynamics.CRM.{logical_name}", **row}
                for row in rows[start : start + CREATE_CHUNK]
            ]
            self._post(
                f"{entity_set}/Microsoft.Dynamics.CRM.UpdateMultiple",
                {"Targets": targets},
            )

        return len(rows)

    def create(self, entity_set: str, row: Mapping[str, Any]) -> None:
        self._post(entity_set, dict(row))

    def add_list_members(self, list_id: str, member_ids: Iterable[str]) -> int:
        """Adds members to a static list, a thousand per AddListMembersList call."""
        ids = list(member_ids)

        for start in range(0, len(ids), MEMBER_CHUNK):
            self._post(
                "AddListMembersList",
                {
                    "List": {"listid": list_id},
                    "MemberIds": ids[start : start + MEMBER_CHUNK],
                },
            )

        return len(ids)

    def add_list_to_campaign(self, campaign_id: str, list_id: str) -> None:
        self._post(
            f"campaigns({campaign_id})/Microsoft.Dynamics.CRM.AddItemCampaign",
            {"EntityName": "list", "EntityId": list_id},
        )

    def exists(self, entity_set: str, record_id: str) -> bool:
        answer = self._send("GET", f"{entity_set}({record_id})", None)

        if answer.status_code == 404:
            return False

        self._check(answer, f"GET {entity_set}")
        return True

    def _post(self, path: str, body: dict[str, Any]) -> requests.Response:
        answer = self._send("POST", path, body)
        self._check(answer, f"POST {path}")
        return answer

    def _send(
        self, method: str, path: str, body: dict[str, Any] | None
    ) -> requests.Response:
        self.calls += 1
        return self.session.request(
            method, self.api_url + path, json=body, timeout=REQUEST_TIMEOUT_SECONDS
        )

    def _token(self, identity: Mapping[str, str]) -> str:
        url = f"{identity['authority_host']}/{identity['tenant_id']}/oauth2/v2.0/token"
        answer = self.session.post(
            url,
            data={
                "grant_type": "client_credentials",
                "client_id": identity["admin_client_id"],
                "client_secret": identity["admin_client_secret"],
                "scope": f"{self.org_url}/.default",
            },
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
        self._check(answer, "the admin app's token request")
        return answer.json()["access_token"]

    @staticmethod
    def _check(answer: requests.Response, what: str) -> None:
        if answer.ok:
            return

        raise SeedError(f"{what} failed with {answer.status_code}: {answer.text[:300]}")
