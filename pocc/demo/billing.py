"""Step 10: the billing figure, as the operator asks for it.

pocc is priced per enabled CRM user a month. The demo lists the organisation's
users as D365's Users view would (enabled or not, access mode, application user or
person) and runs `python -m pocc usage`, which counts the ones that take a licence.
"""

from __future__ import annotations

import logging
import subprocess
import sys

from pocc.billing import USERS
from pocc.dataverse import DataverseClient, Query
from pocc.demo.console import say, table
from pocc.demo.stack import ORGANIZATION, DemoStack
from pocc.sandbox.process import PROJECT_ROOT

logger = logging.getLogger(__name__)

COMMAND_TIMEOUT_SECONDS = 120
ACCESS_MODES = {
    0: "Read-Write",
    1: "Administrative",
    2: "Read",
    3: "Support User",
    4: "Non-interactive",
    5: "Delegated Admin",
}


def show_users(crm_user: DataverseClient) -> None:
    query = Query(
        select=["fullname", "isdisabled", "accessmode", "applicationid"],
        orderby=["fullname asc"],
    )
    table(
        ["User", "Status", "Access mode", "Kind"],
        [
            [
                row.get("fullname") or "-",
                "disabled" if row.get("isdisabled") else "enabled",
                ACCESS_MODES.get(row.get("accessmode") or 0, "-"),
                "application user" if row.get("applicationid") else "person",
            ]
            for row in crm_user.query(USERS, query)
        ],
    )


def usage(stack: DemoStack) -> str:
    """Runs `python -m pocc usage`; what it printed."""
    say(f"$ python -m pocc usage --org {ORGANIZATION}", 1)
    finished = subprocess.run(
        [sys.executable, "-m", "pocc", "usage", "--org", ORGANIZATION],
        cwd=PROJECT_ROOT,
        env=stack.child_environment(),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    printed = (finished.stdout + finished.stderr).strip()

    for line in printed.splitlines():
        say(line, 2)

    return printed
