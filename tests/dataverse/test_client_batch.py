"""pocc.dataverse.batch: chunking at 1,000, the multipart wire format, each outcome.

The sandbox tests in test_client_records.py send real batches; these pin the format
and the outcome mapping on a documented answer (reference notes, 2.10).
"""

from __future__ import annotations

import uuid

import pytest

from pocc import errors
from pocc.dataverse.batch import (
    ChangeSet,
    Operation,
    chunks,
    decode,
    encode,
    in_change_sets,
    operations_of,
)

API = "https://org.example.com/api/data/v9.2/"


def creates(count: int) -> list[Operation]:
    return [Operation.create("contacts", {"lastname": f"n{i}"}) for i in range(count)]


def test_work_is_chunked_at_1000_operations():
    sizes = [len(operations_of(chunk)) for chunk in chunks(creates(2500))]

    assert sizes == [1000, 1000, 500]


def test_a_change_set_is_never_split_across_batches():
    items = [*creates(990), ChangeSet(creates(20)), *creates(5)]
    batches = list(chunks(items))

    assert [len(operations_of(chunk)) for chunk in batches] == [990, 25]
    assert isinstance(batches[1][0], ChangeSet)


def test_a_change_set_over_the_limit_is_refused():
    with pytest.raises(ValueError, match="exceeds"):
        list(chunks([ChangeSet(creates(1001))]))


def test_in_change_sets_groups_operations():
    assert [len(c.operations) for c in in_change_sets(creates(7), 3)] == [3, 3, 1]


def test_encoding_follows_the_documented_shape():
    items = [
        Operation.create("contacts", {"lastname": "Ünal"}),
        ChangeSet([Operation.update("contacts", uuid.UUID(int=1), {"firstname": "A"})]),
    ]
    content_type, body = encode(items, API)
    text = body.decode("utf-8")
    boundary = content_type.split("boundary=")[1]

    assert content_type.startswith("multipart/mixed; boundary=batch_")
    assert text.startswith(f"--{boundary}\r\n")
    assert text.endswith(f"--{boundary}--\r\n")
    assert f"POST {API}contacts HTTP/1.1" in text
    assert "Content-Type: multipart/mixed; boundary=changeset_" in text
    assert "Content-ID: 1" in text
    assert f"PATCH {API}contacts(00000000-0000-0000-0000-000000000001) HTTP/1.1" in text
    assert "If-Match: *" in text
    assert '{"lastname": "Ünal"}' in text


GUID = "5531d753-95af-e711-a94e-000d3a11e605"

ANSWER = (
    "--batchresponse_1\r\n"
    "Content-Type: application/http\r\n"
    "Content-Transfer-Encoding: binary\r\n"
    "\r\n"
    "HTTP/1.1 204 No Content\r\n"
    f"OData-EntityId: {API}contacts({GUID})\r\n"
    "\r\n"
    "\r\n"
    "--batchresponse_1\r\n"
    "Content-Type: application/http\r\n"
    "Content-Transfer-Encoding: binary\r\n"
    "\r\n"
    "HTTP/1.1 400 Bad Request\r\n"
    "Content-Type: application/json; odata.metadata=minimal\r\n"
    "\r\n"
    '{"error":{"code":"0x80048d19","message":"Invalid property \'bogus\'"}}\r\n'
    "--batchresponse_1\r\n"
    "Content-Type: application/http\r\n"
    "Content-Transfer-Encoding: binary\r\n"
    "Content-ID: 2\r\n"
    "\r\n"
    "HTTP/1.1 412 Precondition Failed\r\n"
    "Content-Type: application/json\r\n"
    "\r\n"
    '{"error":{"code":"0x80060892","message":"A record with matching key values '
    'already exists."}}\r\n'
    "--batchresponse_1--\r\n"
)


def test_each_operation_gets_its_outcome_and_a_failed_change_set_rolls_back():
    good, bad = creates(2)
    change_set = ChangeSet(creates(3))
    outcomes = decode(
        "multipart/mixed; boundary=batchresponse_1", ANSWER, [good, bad, change_set]
    )

    assert [outcome.ok for outcome in outcomes] == [True, False, False, False, False]
    assert outcomes[0].entity_id == GUID
    assert isinstance(outcomes[1].error, errors.DataverseInvalidRequestError)
    assert "bogus" in str(outcomes[1].error)
    assert all(isinstance(o.error, errors.DuplicateKeyError) for o in outcomes[2:])
    assert [o.rolled_back for o in outcomes[2:]] == [True, False, True]


def test_an_answer_missing_parts_reports_those_operations_as_not_run():
    outcomes = decode(
        "multipart/mixed; boundary=batchresponse_1", ANSWER, [*creates(3), *creates(1)]
    )

    assert outcomes[3].status == 0
    assert isinstance(outcomes[3].error, errors.UnexpectedResponseError)
