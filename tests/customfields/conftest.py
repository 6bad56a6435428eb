"""Fixtures for the custom field tests: the list sync fixtures, reused as they are
(`crm` seeds D365 and removes every mapping when a test ends; `sync_list` runs a
Sync marketing list job)."""

from __future__ import annotations

from tests.listsync import conftest as listsync_fixtures

jobs_sandbox = listsync_fixtures.jobs_sandbox
jobs_environment = listsync_fixtures.jobs_environment
jobs_settings = listsync_fixtures.jobs_settings
admin = listsync_fixtures.admin
services = listsync_fixtures.services
configuration_row = listsync_fixtures.configuration_row
configuration_id = listsync_fixtures.configuration_id
connected = listsync_fixtures.connected
runner_for = listsync_fixtures.runner_for
cc_client = listsync_fixtures.cc_client
crm = listsync_fixtures.crm
sync_list = listsync_fixtures.sync_list
