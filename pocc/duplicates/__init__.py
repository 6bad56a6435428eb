"""The email duplicate finder: addresses that several emailable records share.

`pocc.jobs.kinds.find_duplicates` runs the steps:

- `scan`: active accounts, contacts and leads that allow email, page by page, each
  address normalised exactly as Send normalises it (`pocc.send.addresses`);
- `address_index`: every (address, record) pair in a temporary SQLite file, so memory
  holds one page, not the organisation; it yields the shared addresses in order;
- `results`: one `pocc_emailduplicate` row per shared address, naming the record Send
  would use (`pocc.send.dedupe`), and the rows of an earlier scan that no longer
  apply removed.
"""
