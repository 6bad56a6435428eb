"""Paging through 12,000 rows of the sandbox, written with chunked `$batch` requests."""

from __future__ import annotations

import uuid

from pocc.dataverse import Operation, Query, column

ROWS = 12_000


def count_requests(client, prefix, monkeypatch) -> list[str]:
    """Records each path `client` sends that starts with `prefix`."""
    seen: list[str] = []
    original = client._transport.send

    def counting_send(method, path, **kwargs):
        if path.removeprefix(client.api_base).startswith(prefix):
            seen.append(path)

        return original(method, path, **kwargs)

    monkeypatch.setattr(client._transport, "send", counting_send)
    return seen


def test_12000_rows_are_written_in_batches_and_read_back_page_by_page(
    admin_client, app_client, monkeypatch
):
    marker = f"Paging-{uuid.uuid4().hex[:8]}"
    operations = (
        Operation.create("contacts", {"firstname": marker, "lastname": f"{n:05d}"})
        for n in range(ROWS)
    )
    batches = count_requests(admin_client, "$batch", monkeypatch)
    pages = count_requests(app_client, "contacts", monkeypatch)
    outcomes = admin_client.write_batch(operations)
    query = Query(select=["lastname"], filter=column("firstname").eq(marker))
    lastnames = [row["lastname"] for row in app_client.query("contacts", query)]

    assert len(batches) == 12
    # 5,000-row pages: the first request and two nextLinks.
    assert len(pages) == 3
    assert all(outcome.ok for outcome in outcomes)
    assert len(lastnames) == ROWS
    assert len(set(lastnames)) == ROWS
