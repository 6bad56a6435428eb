"""Step 10: the billing figure, as the operator asks for it.

pocc is priced per enabled CRM user a month. The seeded organisation gets a staff
of its own (`add_staff`): people with read-write or read access and a
non-interactive account. The demo lists the users as D365's Users view
would and runs `python -m pocc usage`, which must count exactly the enabled,
interactive people among them: application users (pocc's, the sandbox's admin and
its D365 shell sign-ins) take no licence.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass

from pocc.billing import USERS
from pocc.dataverse import DataverseClient, Query
from pocc.demo.console import say, table
from pocc.demo.findings import Findings
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

READ_WRITE, READ, NON_INTERACTIVE = 0, 2, 4
USER_COLUMNS = (
    "fullname",
    "firstname",
    "lastname",
    "isdisabled",
    "accessmode",
    "applicationid",
)
STAFF_NAMESPACE = uuid.UUID("3c0ffee0-5eed-4d5a-9a11-57aff0000000")


@dataclass(frozen=True)
class StaffMember:
    first_name: str
    last_name: str
    access_mode: int = READ_WRITE

    @property
    def licensed(self) -> bool:
        return self.access_mode in (READ_WRITE, READ)


STAFF = (
    StaffMember("Amara", "Okonkwo"),
    StaffMember("Bruno", "Ferreira"),
    StaffMember("Chloé", "Martin"),
    StaffMember("Daniel", "Kowalski"),
    StaffMember("Emi", "Tanaka"),
    StaffMember("Farah", "Haddad"),
    StaffMember("Grace", "Nwosu"),
    StaffMember("Henrik", "Larsen"),
    StaffMember("Isabel", "Ruiz", READ),
    StaffMember("Mailbox", "Router", NON_INTERACTIVE),
)


def add_staff(crm_user: DataverseClient) -> None:
    """The organisation's CRM users, in its root business unit."""
    admin = next(iter(crm_user.query(USERS, Query(select=["_businessunitid_value"]))))
    business_unit = admin["_businessunitid_value"]

    for member in STAFF:
        login = f"{member.first_name}.{member.last_name}".lower()
        user_id = str(uuid.uuid5(STAFF_NAMESPACE, login))
        crm_user.create(
            USERS,
            {
                "systemuserid": user_id,
                "firstname": member.first_name,
                "lastname": member.last_name,
                "domainname": f"{login}@contoso-coffee.example",
                "internalemailaddress": f"{login}@contoso-coffee.example",
                "accessmode": member.access_mode,
                "businessunitid@odata.bind": f"/businessunits({business_unit})",
            },
        )

    licensed = sum(member.licensed for member in STAFF)
    say(
        f"Added {len(STAFF)} CRM users: {licensed} people and 1 non-interactive "
        "account",
        1,
    )


def show_users(crm_user: DataverseClient) -> None:
    query = Query(
        select=USER_COLUMNS,
        orderby=["fullname asc", "lastname asc"],
    )
    table(
        ["User", "Status", "Access mode", "Kind"],
        [
            [
                row.get("fullname")
                or f"{row.get('firstname') or ''} {row.get('lastname') or ''}".strip(),
                "disabled" if row.get("isdisabled") else "enabled",
                ACCESS_MODES.get(row.get("accessmode") or 0, "-"),
                "application user" if row.get("applicationid") else "person",
            ]
            for row in crm_user.query(USERS, query)
        ],
    )


def usage(stack: DemoStack, findings: Findings) -> None:
    """Runs `python -m pocc usage` and checks its figure against the staff added."""
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
    printed = finished.stdout.strip() or finished.stderr.strip()

    for line in printed.splitlines():
        say(line, 2)

    counted = re.search(r"(\d+) enabled users", printed)
    findings.check(
        "billing figure (enabled interactive users)",
        int(counted.group(1)) if counted else printed,
        sum(member.licensed for member in STAFF),
        "the staff seeded is",
    )
