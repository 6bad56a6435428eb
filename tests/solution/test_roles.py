"""The solution's security roles grant exactly what pocc uses, and say why.

Every privilege of *PowerConstantContact AppUser* is listed here with the reason the
backend needs it (docs/security.md gives the same table for people). A privilege in
the role and not here, or here and not in the role, fails the test.
"""

from __future__ import annotations

from pathlib import Path

from pocc.sandbox.dataverse.solution_reader import read_solution

SOLUTION_DIR = Path(__file__).resolve().parents[2] / "solution"
GLOBAL = "Global"
BASIC = "Basic"

APP_USER_PRIVILEGES = {
    "prvReadpocc_Configuration": (
        GLOBAL,
        "load each organisation's settings and tokens",
    ),
    "prvWritepocc_Configuration": (
        GLOBAL,
        "store tokens, leases, retrieval watermarks, user count, last error",
    ),
    "prvCreatepocc_Campaign": (GLOBAL, "Synchronize imports new CC campaigns"),
    "prvReadpocc_Campaign": (
        GLOBAL,
        "find campaigns by CC id; read the source campaign",
    ),
    "prvWritepocc_Campaign": (
        GLOBAL,
        "Synchronize updates status, previews, statistics",
    ),
    "prvAppendTopocc_Campaign": (GLOBAL, "links and send history point at a campaign"),
    "prvCreatepocc_Job": (GLOBAL, "the scheduler queues the daily response retrieval"),
    "prvReadpocc_Job": (GLOBAL, "the runner finds and claims queued jobs"),
    "prvWritepocc_Job": (GLOBAL, "claim, heartbeat, checkpoint, counts, status, log"),
    "prvCreatepocc_EmailLink": (GLOBAL, "Synchronize records each campaign link"),
    "prvReadpocc_EmailLink": (GLOBAL, "find a link by campaign and CC link id"),
    "prvWritepocc_EmailLink": (GLOBAL, "update click counts"),
    "prvAppendpocc_EmailLink": (GLOBAL, "set the link's campaign lookup"),
    "prvCreatepocc_SendHistory": (GLOBAL, "record each send of a campaign"),
    "prvReadpocc_SendHistory": (GLOBAL, "find a send by campaign and send id"),
    "prvWritepocc_SendHistory": (GLOBAL, "update a send's status and recipients"),
    "prvAppendpocc_SendHistory": (GLOBAL, "set the send's campaign lookup"),
    "prvCreatepocc_SendRecipient": (
        GLOBAL,
        "Send records which record won each address",
    ),
    "prvReadpocc_SendRecipient": (
        GLOBAL,
        "Retrieve responses finds the record sent to, by activity and address",
    ),
    "prvWritepocc_SendRecipient": (
        GLOBAL,
        "a resumed send upserts the recipients of its last chunk again",
    ),
    "prvReadpocc_CustomField": (GLOBAL, "Send maps the configured custom fields"),
    "prvWritepocc_CustomField": (GLOBAL, "store the CC custom field id once created"),
    "prvCreatepocc_EmailDuplicate": (
        GLOBAL,
        "Find duplicates records each shared address",
    ),
    "prvReadpocc_EmailDuplicate": (GLOBAL, "compare a new scan with the last one"),
    "prvWritepocc_EmailDuplicate": (GLOBAL, "update a duplicate that is still there"),
    "prvDeletepocc_EmailDuplicate": (GLOBAL, "remove duplicates that were resolved"),
    "prvReadContact": (GLOBAL, "Send, list sync and duplicates read contacts"),
    "prvWriteContact": (GLOBAL, "an opt-out sets donotbulkemail"),
    "prvAppendToContact": (GLOBAL, "a campaign response's customer party is a contact"),
    "prvReadLead": (GLOBAL, "Send, list sync and duplicates read leads"),
    "prvWriteLead": (GLOBAL, "an opt-out sets donotbulkemail"),
    "prvAppendToLead": (GLOBAL, "a campaign response's customer party is a lead"),
    "prvReadAccount": (GLOBAL, "Send, list sync and duplicates read accounts"),
    "prvWriteAccount": (GLOBAL, "an opt-out sets donotbulkemail"),
    "prvAppendToAccount": (
        GLOBAL,
        "a campaign response's customer party is an account",
    ),
    "prvReadList": (GLOBAL, "read marketing lists and their members"),
    "prvWriteList": (GLOBAL, "store the CC list id on a synchronized list"),
    "prvReadCampaign": (GLOBAL, "read the source campaign and its marketing lists"),
    "prvAppendToCampaign": (GLOBAL, "a campaign response is regarding the campaign"),
    "prvCreateActivity": (GLOBAL, "write campaign responses (activity privileges)"),
    "prvReadActivity": (GLOBAL, "skip responses a previous run already wrote"),
    "prvAppendActivity": (GLOBAL, "set a response's regarding and customer parties"),
    "prvReadUser": (GLOBAL, "count enabled users for the billing figure"),
}

USER_PRIVILEGES = {
    "prvReadpocc_Configuration": (GLOBAL, "see the connection state (not the secrets)"),
    "prvReadpocc_Campaign": (GLOBAL, "see imported campaigns"),
    "prvWritepocc_Campaign": (GLOBAL, "choose the source campaign"),
    "prvAppendpocc_Campaign": (GLOBAL, "set the source campaign lookup"),
    "prvAppendTopocc_Campaign": (GLOBAL, "a job the user creates points at a campaign"),
    "prvCreatepocc_Job": (BASIC, "click Synchronize, Send, ... (creates a job)"),
    "prvReadpocc_Job": (GLOBAL, "follow job progress"),
    "prvWritepocc_Job": (BASIC, "ask to cancel one's own job"),
    "prvAppendpocc_Job": (BASIC, "set the job's campaign and list lookups"),
    "prvReadpocc_EmailLink": (GLOBAL, "see link clicks"),
    "prvReadpocc_SendHistory": (GLOBAL, "see send history"),
    "prvReadpocc_SendRecipient": (GLOBAL, "see which record each send reached"),
    "prvReadActivity": (GLOBAL, "see campaign responses on the campaign form"),
    "prvReadpocc_CustomField": (GLOBAL, "see the field mapping"),
    "prvReadpocc_EmailDuplicate": (GLOBAL, "see duplicate addresses"),
    "prvReadCampaign": (GLOBAL, "pick a source campaign"),
    "prvAppendToCampaign": (GLOBAL, "be the target of the source campaign lookup"),
    "prvReadList": (GLOBAL, "pick a marketing list for a list sync job"),
    "prvAppendToList": (GLOBAL, "be the target of a job's marketing list lookup"),
}


def _role(name: str):
    roles = read_solution(SOLUTION_DIR).roles.values()
    return next(role for role in roles if role.name == name)


def test_app_user_role_grants_exactly_the_privileges_pocc_uses() -> None:
    role = _role("PowerConstantContact AppUser")
    expected = {name: level for name, (level, _) in APP_USER_PRIVILEGES.items()}

    assert sorted(set(role.privileges) - set(expected)) == []
    assert sorted(set(expected) - set(role.privileges)) == []
    assert role.privileges == expected


def test_user_role_grants_exactly_what_crm_users_need() -> None:
    role = _role("PowerConstantContact User")
    expected = {name: level for name, (level, _) in USER_PRIVILEGES.items()}

    assert role.privileges == expected


def test_no_role_may_delete_campaigns_jobs_or_configuration() -> None:
    for name in ("PowerConstantContact AppUser", "PowerConstantContact User"):
        privileges = _role(name).privileges

        assert "prvDeletepocc_Campaign" not in privileges
        assert "prvDeletepocc_Job" not in privileges
        assert "prvDeletepocc_Configuration" not in privileges


def test_security_doc_lists_every_app_user_privilege() -> None:
    text = (SOLUTION_DIR.parent / "docs" / "security.md").read_text()
    rows = {
        line.split("|")[1].strip().strip("`")
        for line in text.splitlines()
        if line.startswith("| `prv")
    }

    assert rows == set(APP_USER_PRIVILEGES) | set(USER_PRIVILEGES)
