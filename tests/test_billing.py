"""The billing figure counts enabled, interactive people, as D365 counts licences.

The sandbox organisation gets a mix of users: people with read-write and read
access, one of them disabled, and accounts that take no licence (administrative,
support, non-interactive, and the application users the sandbox seeds for pocc).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from pocc.billing import count_enabled_users
from pocc.dataverse import DataverseClient
from tests.dataverse.conftest import client_for, sandbox_environment
from tests.sandbox_process import SandboxProcess

PROJECT_ROOT = Path(__file__).resolve().parents[1]
READ_WRITE, ADMINISTRATIVE, READ, SUPPORT, NON_INTERACTIVE = 0, 1, 2, 3, 4


def add_user(admin: DataverseClient, name: str, access_mode: int) -> str:
    business_unit = admin.who_am_i().business_unit_id
    return admin.create(
        "systemusers",
        {
            "firstname": name,
            "lastname": "User",
            "domainname": f"{name.lower()}@contoso.example",
            "accessmode": access_mode,
            "businessunitid@odata.bind": f"/businessunits({business_unit})",
        },
    )


def disable(sandbox: SandboxProcess, user_id: str) -> None:
    """Disabling happens in the admin centre, not through the Web API."""
    database = sandbox.data_dir / "dataverse" / "contoso.sqlite3"
    connection = sqlite3.connect(database)

    with connection:
        connection.execute(
            'UPDATE "systemuser" SET isdisabled = 1 WHERE systemuserid = ?', (user_id,)
        )

    connection.close()


def test_usage_counts_enabled_interactive_people_only(
    fresh_sandbox: Callable[..., SandboxProcess],
) -> None:
    sandbox = fresh_sandbox("contoso")
    admin = client_for(sandbox, "admin")
    app = client_for(sandbox)
    before = count_enabled_users(app)

    for number in range(4):
        add_user(admin, f"Writer{number}", READ_WRITE)

    add_user(admin, "Reader", READ)
    leaver = add_user(admin, "Leaver", READ_WRITE)
    add_user(admin, "Admin", ADMINISTRATIVE)
    add_user(admin, "Support", SUPPORT)
    add_user(admin, "Robot", NON_INTERACTIVE)
    disable(sandbox, leaver)

    assert count_enabled_users(app) == before + 5

    environment = {**os.environ, **sandbox_environment(sandbox)}
    done = subprocess.run(
        [sys.executable, "-m", "pocc", "usage", "--org", "contoso"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"contoso: {before + 5} enabled users"
    admin.close()
    app.close()


def test_usage_names_an_unknown_organisation(
    fresh_sandbox: Callable[..., SandboxProcess],
) -> None:
    sandbox = fresh_sandbox("contoso")
    environment = {**os.environ, **sandbox_environment(sandbox)}
    done = subprocess.run(
        [sys.executable, "-m", "pocc", "usage", "--org", "fabrikam"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 2
    assert "fabrikam" in done.stderr
