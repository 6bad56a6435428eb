"""What a `python -m pocc` subcommand about one organisation does around its work.

It takes `--org`, reads the settings from the environment, opens a Dataverse client
for the organisation and closes it after. Exit status 2 when the settings are
incomplete, 1 when a service could not be read, otherwise what the work returns.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable

from pocc.config import Settings, load_settings
from pocc.dataverse import DataverseClient
from pocc.errors import ConfigurationError, PoccError

logger = logging.getLogger(__name__)

# The work itself: given the settings, the organisation's name and its client, an
# exit status.
OrganizationWork = Callable[[Settings, str, DataverseClient], int]


def add_organization_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--org", required=True, help="the organisation's name in POCC_ORGS"
    )


def run_for_organization(organization: str, doing: str, work: OrganizationWork) -> int:
    """Runs `work` for `organization`; `doing` names it in the failure message."""
    try:
        settings = load_settings(os.environ)
        dataverse = DataverseClient.from_settings(settings, organization)
    except ConfigurationError as error:
        logger.error("%s", error)
        return 2

    try:
        return work(settings, organization, dataverse)
    except PoccError as error:
        logger.error("could not %s: %s", doing, error)
        return 1
    finally:
        dataverse.close()
