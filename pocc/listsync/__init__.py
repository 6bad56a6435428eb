"""Marketing list sync: one D365 marketing list mirrored into one Constant Contact list.

The steps, which `pocc.jobs.kinds.sync_marketing_list` runs in order:

- `target`: the marketing list the job names, and why it cannot be synced;
- `cc_list`: the Constant Contact list named after it, created on the first sync,
  renamed when the marketing list is, its id kept on the marketing list;
- the members are read and sorted exactly as Send does (`pocc.send.plan`), so the
  same records are skipped for the same reasons and one record wins each address;
- `membership`: the Constant Contact list's current members, and removing those who
  left (from the list only: leaving a list is not an opt-out).
"""
