"""Tokens in the configuration row: refresh before expiry and on 401, single-flight
across threads and processes, and what a lost refresh leaves behind."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
from cryptography.fernet import Fernet

from pocc.config import Settings
from pocc.constantcontact import ConstantContactClient, TokenStore
from pocc.dataverse import DataverseClient
from pocc.errors import ConstantContactReauthenticationRequiredError
from tests.constantcontact import cc_helpers
from tests.constantcontact.refresh_worker import CRASH_EXIT_CODE
from tests.sandbox.constantcontact import oauth_login
from tests.sandbox_process import PROJECT_ROOT, SandboxProcess

WORKER_TIMEOUT_SECONDS = 60


def _run_workers(
    environment: dict[str, str], configuration_id: str, modes: list[str], **extra: Any
) -> list[subprocess.CompletedProcess[str]]:
    start_at = time.time() + 2.0
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.constantcontact.refresh_worker",
                json.dumps(
                    {
                        "environment": environment,
                        "configuration_id": configuration_id,
                        "start_at": start_at,
                        "mode": mode,
                        **extra,
                    }
                ),
            ],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in modes
    ]
    results = []

    for worker in workers:
        stdout, stderr = worker.communicate(timeout=WORKER_TIMEOUT_SECONDS)
        results.append(
            subprocess.CompletedProcess(worker.args, worker.returncode, stdout, stderr)
        )

    return results


def test_a_token_about_to_expire_is_refreshed_and_stored_before_use(
    cc_settings: Settings, connected: TokenStore
) -> None:
    before = connected.read()
    cc_helpers.expire_stored_token(connected)
    store = cc_helpers.store_for(
        cc_settings, connected.dataverse, connected.configuration_id
    )

    token = store.access_token()

    after = store.read()
    assert store.refreshes == 1
    assert token == after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token
    assert after.lease_owner is None
    client = ConstantContactClient.with_store(cc_settings, store)
    assert client.account_summary()["encoded_account_id"]


def test_a_401_refreshes_once_and_the_call_succeeds(
    cc_sandbox: SandboxProcess, cc_settings: Settings, cc_client: ConstantContactClient
) -> None:
    cc_client.account_summary()
    # A day later by the service's clock, pocc's stored expiry still looks fine.
    answer = cc_sandbox.sandbox_admin("POST", "clock/advance", {"seconds": 90_000})
    assert answer.status_code == 200, answer.text

    summary = cc_client.account_summary()

    assert summary["encoded_account_id"]
    assert cc_client.tokens.refreshes == 1


def test_two_threads_refreshing_at_once_refresh_once(
    cc_settings: Settings, connected: TokenStore
) -> None:
    cc_helpers.expire_stored_token(connected)
    stores = [
        cc_helpers.store_for(
            cc_settings, connected.dataverse, connected.configuration_id
        )
        for _ in range(2)
    ]
    barrier = threading.Barrier(2)
    tokens: list[str] = []

    def work(store: TokenStore) -> None:
        barrier.wait()
        tokens.append(store.access_token())

    threads = [threading.Thread(target=work, args=(store,)) for store in stores]

    for thread in threads:
        thread.start()

    for thread in threads:
        thread.join(30)

    assert sum(store.refreshes for store in stores) == 1
    assert len(set(tokens)) == 1
    assert ConstantContactClient.with_store(cc_settings, stores[0]).account_summary()


def test_two_processes_refreshing_at_once_refresh_once(
    cc_environment: dict[str, str], cc_settings: Settings, connected: TokenStore
) -> None:
    cc_helpers.expire_stored_token(connected)

    results = _run_workers(
        cc_environment, connected.configuration_id, ["refresh", "refresh"]
    )

    reports = []

    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]
        reports.append(json.loads(result.stdout.strip().splitlines()[-1]))

    assert sorted(report["refreshes"] for report in reports) == [0, 1]
    assert all(report["works"] for report in reports)
    stored = connected.read()
    assert not stored.needs_reauthentication
    assert stored.lease_owner is None


def test_a_crash_between_refresh_and_store_asks_for_reauthentication(
    cc_sandbox: SandboxProcess,
    cc_environment: dict[str, str],
    cc_settings: Settings,
    connected: TokenStore,
) -> None:
    cc_helpers.expire_stored_token(connected)

    (crashed,) = _run_workers(
        cc_environment, connected.configuration_id, ["crash"], lease_seconds=1
    )
    assert crashed.returncode == CRASH_EXIT_CODE, crashed.stderr[-3000:]
    assert connected.read().lease_owner is not None

    # The next worker waits out the dead one's lease, then finds its refresh token
    # spent: Constant Contact rotated it, and the new one died with the worker.
    survivor = cc_helpers.store_for(
        cc_settings,
        connected.dataverse,
        connected.configuration_id,
        poll_seconds=0.05,
    )

    with pytest.raises(ConstantContactReauthenticationRequiredError) as raised:
        survivor.access_token()

    assert "click Authenticate" in str(raised.value)
    stored = survivor.read()
    assert stored.needs_reauthentication
    assert "Authenticate" in (stored.last_error or "")
    assert stored.refresh_token is None
    assert stored.lease_owner is None

    # Never retried: later calls fail at once, without asking Constant Contact.
    started = time.monotonic()
    with pytest.raises(ConstantContactReauthenticationRequiredError):
        ConstantContactClient.with_store(cc_settings, survivor).account_summary()
    assert time.monotonic() - started < 5

    cc_helpers.authorize(cc_sandbox, cc_settings, survivor)
    assert not survivor.read().needs_reauthentication
    assert ConstantContactClient.with_store(cc_settings, survivor).account_summary()


def test_a_spent_refresh_token_marks_the_configuration_once(
    cc_config: dict[str, Any],
    cc_sandbox: SandboxProcess,
    cc_settings: Settings,
    connected: TokenStore,
) -> None:
    # Someone else uses the stored refresh token behind pocc's back.
    oauth_login.refresh(
        cc_config, str(cc_sandbox.ca_bundle), connected.read().refresh_token or ""
    )
    cc_helpers.expire_stored_token(connected)
    store = cc_helpers.store_for(
        cc_settings, connected.dataverse, connected.configuration_id
    )

    with pytest.raises(ConstantContactReauthenticationRequiredError, match="already"):
        store.access_token()

    assert store.read().needs_reauthentication


def test_the_organisations_configuration_is_found(
    cc_settings: Settings, app_dataverse: DataverseClient, configuration: str
) -> None:
    store = TokenStore.for_organization(
        app_dataverse,
        cc_helpers.store_for(cc_settings, app_dataverse, configuration).vault,
        cc_helpers.store_for(cc_settings, app_dataverse, configuration).endpoint,
    )

    assert store.credentials().client_id


def test_tokens_sealed_with_a_removed_key_ask_for_authentication_not_a_crash(
    cc_config: dict[str, Any],
    cc_sandbox: SandboxProcess,
    cc_settings: Settings,
    connected: TokenStore,
) -> None:
    # The key that sealed the tokens is rotated out; the admin re-enters the secret on
    # the Setup page, which saves it as typed.
    new_key = Fernet.generate_key().decode("ascii")
    settings = dataclasses.replace(cc_settings, secret_keys=(new_key,))
    connected.dataverse.update(
        "pocc_configurations",
        connected.configuration_id,
        {"pocc_ccclientsecret": cc_config["client_secret"]},
    )
    store = cc_helpers.store_for(
        settings, connected.dataverse, connected.configuration_id
    )

    stored = store.read()

    assert stored.needs_reauthentication
    assert stored.access_token is None
    assert stored.refresh_token is None
    assert "Authenticate" in (stored.last_error or "")
    assert store.credentials().client_secret == cc_config["client_secret"]

    with pytest.raises(ConstantContactReauthenticationRequiredError, match="Authent"):
        store.access_token()

    cc_helpers.authorize(cc_sandbox, settings, store)

    assert not store.read().needs_reauthentication
    assert store.access_token()
