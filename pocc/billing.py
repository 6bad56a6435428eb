"""The billing figure: how many enabled CRM users an organisation has.

pocc is priced per enabled user per month, counted as Dynamics 365 counts the users
that take a licence: enabled (`isdisabled` false), interactive humans. Application
users (`applicationid` set, pocc's own among them), non-interactive, administrative,
support and delegated-admin users (`accessmode` 1, 3, 4, 5) and the built-in SYSTEM
and INTEGRATION accounts are left out (reference notes, 5.5).

`python -m pocc usage --org ORG` prints the figure; the scheduler stores it on the
configuration (`pocc_enabledusers`) once a day.
"""

from __future__ import annotations

import argparse
import logging
from datetime import datetime, timedelta

from pocc.config import Settings
from pocc.dataverse import DataverseClient, Query, all_of, column
from pocc.jobs.configuration import CONFIGURATIONS
from pocc.jobs.job_row import format_time, parse_time, utc_now
from pocc.organization_command import add_organization_argument, run_for_organization

logger = logging.getLogger(__name__)

USERS = "systemusers"
# accessmode: 0 Read-Write and 2 Read are people working in the app.
INTERACTIVE_ACCESS_MODES = (0, 2)
BUILT_IN_ACCOUNTS = ("SYSTEM", "INTEGRATION")
REFRESH_EVERY = timedelta(days=1)


def count_enabled_users(dataverse: DataverseClient) -> int:
    """Enabled, interactive users; paged, so it is exact beyond `$count`'s 5,000."""
    query = Query(
        select=["systemuserid", "fullname"],
        filter=all_of(
            [
                column("isdisabled").eq(False),
                column("accessmode").in_(INTERACTIVE_ACCESS_MODES),
                column("applicationid").is_null(),
            ]
        ),
    )
    # The built-in accounts are left out here rather than in the filter, where a
    # user without a full name would compare as unknown and drop out too.
    return sum(
        1
        for row in dataverse.query(USERS, query)
        if (row.get("fullname") or "").upper() not in BUILT_IN_ACCOUNTS
    )


def refresh_enabled_users(
    dataverse: DataverseClient,
    configuration: dict,
    now: datetime | None = None,
) -> int | None:
    """Counts and stores the figure when the last count is a day old; the new count.

    `configuration` is the row with `pocc_enableduserscountedon`; None when the
    stored figure is still fresh.
    """
    now = now or utc_now()
    counted_on = parse_time(configuration.get("pocc_enableduserscountedon"))

    if counted_on is not None and now - counted_on < REFRESH_EVERY:
        return None

    users = count_enabled_users(dataverse)
    dataverse.update(
        CONFIGURATIONS,
        configuration["pocc_configurationid"],
        {"pocc_enabledusers": users, "pocc_enableduserscountedon": format_time(now)},
    )
    logger.info("billing figure: %s enabled users", users)
    return users


# The command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_organization_argument(parser)


def run(args: argparse.Namespace) -> int:
    return run_for_organization(args.org, f"count {args.org}'s users", _print_users)


def _print_users(
    settings: Settings, organization: str, dataverse: DataverseClient
) -> int:
    print(f"{organization}: {count_enabled_users(dataverse)} enabled users")
    return 0
