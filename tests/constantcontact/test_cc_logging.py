"""Nothing secret reaches a log line: no token, no secret, no full email address."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

import pytest

from pocc.config import Settings
from pocc.constantcontact import ConstantContactClient, import_contacts
from pocc.constantcontact.bulk_import import Poller
from pocc.dataverse import DataverseClient
from tests.constantcontact import cc_helpers
from tests.sandbox_process import SandboxProcess

EMAIL = re.compile(r"[A-Za-z0-9._%+-]{2,}(?:@|%40)[A-Za-z0-9-]+\.[A-Za-z]{2,}")


def test_a_day_of_work_logs_no_secret(
    caplog: pytest.LogCaptureFixture,
    cc_sandbox: SandboxProcess,
    cc_config: dict[str, Any],
    cc_settings: Settings,
    app_dataverse: DataverseClient,
    configuration: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    store = cc_helpers.store_for(cc_settings, app_dataverse, configuration)
    cc_helpers.authorize(cc_sandbox, cc_settings, store)
    first = store.read()
    cc_helpers.expire_stored_token(store)
    store = cc_helpers.store_for(cc_settings, app_dataverse, configuration)
    client = ConstantContactClient.with_store(cc_settings, store)
    tag = uuid.uuid4().hex[:8]
    people = [{"email": f"secret.person{n}.{tag}@example.com"} for n in range(3)]
    people.append({"email": f"bad.{tag}@example.com", "first_name": "x" * 51})

    list_id = client.create_contact_list({"name": f"log {tag}"})["list_id"]
    import_contacts(client, people, [list_id], poller=Poller(first=0.2))
    client.find_contact(people[0]["email"])
    second = store.read()

    text = "\n".join(record.getMessage() for record in caplog.records)
    assert store.refreshes == 1
    assert "GET" in text

    for secret in (
        first.access_token,
        first.refresh_token,
        second.access_token,
        second.refresh_token,
        cc_config["client_secret"],
        cc_config["password"],
        cc_helpers.SECRET_KEY,
    ):
        assert secret
        assert secret not in text

    assert not EMAIL.findall(text)
