"""Which record each address went to, recorded so a resumed send can write it again."""

from __future__ import annotations

import uuid

from pocc.dataverse import DataverseClient, Query, column
from pocc.jobs.services import OrganizationServices
from pocc.send.dedupe import Candidate
from pocc.send.recipients import Recipient, recipient_for, write_recipients


def test_writing_the_same_recipients_again_updates_them_in_place(
    services: OrganizationServices, admin: DataverseClient
) -> None:
    # A send resumed after a crash writes its recipients again: the rows it had
    # written are updated (pocc's role needs Write for that), never duplicated.
    activity_id = str(uuid.uuid4())
    contact_id, lead_id = str(uuid.uuid4()), str(uuid.uuid4())
    first = [Recipient("ana@example.org", Candidate("contact", contact_id, "", "Ana"))]
    again = [Recipient("ana@example.org", Candidate("lead", lead_id, "", "Ana L."))]

    write_recipients(services.dataverse, activity_id, str(uuid.uuid4()), first)
    write_recipients(services.dataverse, activity_id, str(uuid.uuid4()), again)

    found = recipient_for(services.dataverse, activity_id, "ana@example.org")
    assert found == {"table": "lead", "id": lead_id}
    rows = admin.query(
        "pocc_sendrecipients",
        Query(filter=column("pocc_campaignactivityid").eq(activity_id)),
    )
    assert len(list(rows)) == 1
