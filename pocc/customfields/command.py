"""`python -m pocc customfields check --org ORG`: the custom field mappings, checked.

The same checks a Send or Sync marketing list job makes before importing, on demand:
every refused mapping with its reason, and (when the organisation is connected to
Constant Contact) the field each usable mapping goes to or would create. Nothing is
changed. Exit status 0 when every mapping is usable, 1 when any is refused or a
service could not be read, 2 when the settings are incomplete.
"""

from __future__ import annotations

import argparse
import logging

from pocc.config import Settings
from pocc.constantcontact import ConstantContactClient
from pocc.customfields.mappings import read_mappings
from pocc.customfields.provisioning import review
from pocc.customfields.validation import check_mappings
from pocc.dataverse import DataverseClient
from pocc.errors import PoccError
from pocc.organization_command import add_organization_argument, run_for_organization

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    add_organization_argument(
        actions.add_parser("check", help="check every active mapping")
    )


def run(args: argparse.Namespace) -> int:
    doing = f"check {args.org}'s custom fields"
    return run_for_organization(args.org, doing, _check)


def _check(settings: Settings, organization: str, dataverse: DataverseClient) -> int:
    mappings = read_mappings(dataverse)
    checked, problems = check_mappings(dataverse, mappings)
    notes = [
        f"{item.mapping.label}: a {item.attribute.type_name} column" for item in checked
    ]

    try:
        client = ConstantContactClient.for_organization(
            settings, organization, dataverse
        )
        notes, refused = review(client, checked)
        problems.extend(refused)
    except PoccError as error:
        notes.append(f"Constant Contact was not checked: {error}")

    print(f"{organization}: {len(mappings)} active custom field mappings")

    for line in notes:
        print(f"  ok       {line}")

    for problem in problems:
        print(f"  refused  {problem}")

    return 1 if problems else 0
