"""Step 4: an administrator maps two columns to Constant Contact custom fields.

A mapping is a `pocc_customfield` row: a table, one of its columns and the name of
the Constant Contact field that receives it. The demo maps a contact's date column
and a lead's choice column before the Send, so their values travel with it: pocc
creates the missing fields in Constant Contact (a date field for the date; a text
field for the choice, which travels as its label), then imports the values. After
the send, the demo looks a contact and a lead up in Constant Contact and shows what
arrived beside what D365 holds.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pocc.customfields.columns import FORMATTED_VALUE
from pocc.customfields.mappings import CUSTOM_FIELDS, TABLE_CHOICES
from pocc.dataverse import DataverseClient
from pocc.demo.console import say, table
from pocc.demo.findings import Findings
from pocc.demo.stack import ORGANIZATION, DemoStack
from pocc.sandbox.process import PROJECT_ROOT
from pocc.sandbox.seed import SeededOrganization
from pocc.sandbox.seed.people import Record

logger = logging.getLogger(__name__)

COMMAND_TIMEOUT_SECONDS = 120
# Constant Contact writes a date custom field as MM/DD/YYYY.
CC_DATE_FORMAT = "%m/%d/%Y"


@dataclass(frozen=True)
class DemoMapping:
    table: str
    column: str
    column_label: str
    cc_name: str
    is_date: bool = False


MAPPINGS = (
    DemoMapping("contact", "anniversary", "Anniversary (date)", "Anniversary", True),
    DemoMapping("lead", "leadsourcecode", "Lead Source (choice)", "Lead source"),
)
ENTITY_SETS = {"contact": "contacts", "lead": "leads"}


def map_fields(crm_user: DataverseClient) -> None:
    """Saves the two mappings as the administrator does on the Custom Fields view."""
    for mapping in MAPPINGS:
        crm_user.create(
            CUSTOM_FIELDS,
            {
                "pocc_name": mapping.cc_name,
                "pocc_table": TABLE_CHOICES[mapping.table],
                "pocc_columnname": mapping.column,
                "pocc_ccname": mapping.cc_name,
            },
        )

    table(
        ["Table", "Column", "Constant Contact custom field"],
        [[item.table, item.column_label, item.cc_name] for item in MAPPINGS],
    )


def check_mappings(stack: DemoStack) -> bool:
    """`python -m pocc customfields check`: what a Send will do with the mappings."""
    command = [sys.executable, "-m", "pocc", "customfields", "check"]
    say(f"$ python -m pocc customfields check --org {ORGANIZATION}", 1)
    finished = subprocess.run(
        [*command, "--org", ORGANIZATION],
        cwd=PROJECT_ROOT,
        env=stack.child_environment(),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )

    for line in (finished.stdout or finished.stderr).splitlines():
        say(line, 2)

    return finished.returncode == 0


def show_arrived(
    crm_user: DataverseClient,
    constant_contact: Any,
    seeded: SeededOrganization,
    findings: Findings,
) -> None:
    """One sent record per mapping, its D365 value beside its Constant Contact one."""
    field_names = {
        item["custom_field_id"]: item.get("label") or item.get("name")
        for item in constant_contact.custom_fields()
    }
    rows = []

    for mapping in MAPPINGS:
        record = _sent_record_with(seeded, mapping)
        held = _d365_value(crm_user, mapping, record)
        arrived = _cc_value(constant_contact, record, mapping, field_names)
        rows.append([mapping.table, record.email, mapping.cc_name, held, arrived])
        findings.check(
            f"{mapping.cc_name} of {mapping.table} {record.id[:8]}…",
            _as_d365(arrived, mapping),
            held,
        )

    table(["Record", "Email", "Custom field", "In D365", "In Constant Contact"], rows)


def _sent_record_with(seeded: SeededOrganization, mapping: DemoMapping) -> Record:
    """An ordinary record with a value, on a static list, its address its own."""
    population = seeded.population
    on_lists = {member for item in seeded.marketing.lists for member in item.member_ids}
    addresses = Counter(
        (record.email or "").strip().lower() for record in population.all()
    )

    for record in population.all():
        if (
            record.table == mapping.table
            and not record.cases
            and record.columns.get(mapping.column) is not None
            and record.id in on_lists
            and addresses[(record.email or "").strip().lower()] == 1
        ):
            return record

    raise LookupError(f"the seed holds no {mapping.table} with {mapping.column} set")


def _d365_value(crm_user: DataverseClient, mapping: DemoMapping, record: Record) -> str:
    row = crm_user.retrieve(
        ENTITY_SETS[mapping.table],
        record.id,
        select=[mapping.column],
        annotations=True,
    )

    if mapping.is_date:
        return str(row.get(mapping.column) or "")[:10]

    return str(row.get(f"{mapping.column}@{FORMATTED_VALUE}") or "")


def _cc_value(
    constant_contact: Any,
    record: Record,
    mapping: DemoMapping,
    field_names: dict[str, str],
) -> str:
    contact = constant_contact.find_contact(record.email or "")

    if contact is None:
        return "(no such contact)"

    full = constant_contact.contact(contact["contact_id"], include=["custom_fields"])

    for item in full.get("custom_fields") or []:
        if field_names.get(item.get("custom_field_id")) == mapping.cc_name:
            return str(item.get("value") or "")

    return "(no value)"


def _as_d365(value: str, mapping: DemoMapping) -> str:
    """A Constant Contact date as D365 writes it, to compare like with like."""
    if not mapping.is_date:
        return value

    try:
        return datetime.strptime(value, CC_DATE_FORMAT).date().isoformat()
    except ValueError:
        return value
