"""Request bodies JSON cannot carry get the spec's 400, never a 500.

Constant Contact answers an unreadable body with `general.json.malformed` (an array of
`{error_key, error_message}`). Each body below once answered 500 from the sandbox, or
was stored as text that later requests could not encode.
"""

from __future__ import annotations

import uuid

import pytest

from tests.sandbox.constantcontact.spec_client import ContractClient

JSON = {"Content-Type": "application/json"}


def contact_body(extra: str) -> bytes:
    address = f"hostile-{uuid.uuid4().hex[:12]}@example.com"
    return (
        f'{{"email_address": {{"address": "{address}"}}, '
        f'"create_source": "Account"{extra}}}'
    ).encode()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/contacts", contact_body(', "x": ' + "[" * 5000 + "]" * 5000)),
        ("/contacts", contact_body(', "first_name": "\\ud800"')),
        ("/contacts", contact_body(', "first_name": NaN')),
        ("/contact_lists", b'{"name": "\\udfff list"}'),
        ("/contact_lists", b'{"name": ' + b'{"a": ' * 3000 + b"1" + b"}" * 3000 + b"}"),
    ],
    ids=[
        "contact-nested-5000-deep",
        "contact-lone-surrogate",
        "contact-nan",
        "list-lone-surrogate",
        "list-nested-3000-deep",
    ],
)
def test_unreadable_bodies_are_malformed_json(
    cc_api: ContractClient, path: str, body: bytes
) -> None:
    answer = cc_api.post(path, data=body, headers=JSON)

    assert answer.status_code == 400, answer.text
    assert answer.json()[0]["error_key"] == "general.json.malformed"
