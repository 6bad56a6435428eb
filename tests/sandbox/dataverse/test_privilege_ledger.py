"""The ledger of privileges used: one line per application and privilege, at once."""

from __future__ import annotations

import json
from pathlib import Path

from pocc.sandbox.dataverse.privilege_ledger import PrivilegeLedger
from tests.privilege_audit import granted_privileges, privileges_used_by_pocc


def test_each_privilege_is_noted_once_per_application(tmp_path: Path) -> None:
    ledger = PrivilegeLedger(tmp_path / "privileges-used.jsonl")

    for _ in range(3):
        ledger.record("app-a", "prvReadContact")
    ledger.record("app-b", "prvReadContact")
    ledger.record("app-a", "prvWriteContact")

    lines = (tmp_path / "privileges-used.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"app_id": "app-a", "privilege": "prvReadContact"},
        {"app_id": "app-b", "privilege": "prvReadContact"},
        {"app_id": "app-a", "privilege": "prvWriteContact"},
    ]


def test_a_ledger_without_a_file_notes_nothing(tmp_path: Path) -> None:
    PrivilegeLedger(None).record("app-a", "prvReadContact")

    assert list(tmp_path.iterdir()) == []


def test_the_audit_counts_only_pocc_s_own_application(tmp_path: Path) -> None:
    data_dir = tmp_path / "sandbox0"
    (data_dir / "identity").mkdir(parents=True)
    (data_dir / "dataverse").mkdir()
    registry = {
        "applications": {
            "pocc": {"client_id": "pocc-id"},
            "admin": {"client_id": "admin-id"},
        }
    }
    (data_dir / "identity" / "registry.json").write_text(json.dumps(registry))
    ledger = PrivilegeLedger(data_dir / "dataverse" / "privileges-used.jsonl")
    ledger.record("pocc-id", "prvReadpocc_Job")
    ledger.record("admin-id", "prvDeleteContact")

    assert privileges_used_by_pocc(tmp_path) == {"prvReadpocc_Job"}


def test_the_role_file_is_read_for_what_it_grants() -> None:
    granted = granted_privileges()

    assert "prvReadpocc_Job" in granted
    assert "prvDeleteContact" not in granted
