"""The steps of a Send job, one module each; `pocc.jobs.kinds.send` runs them in order.

- `members`: the marketing lists attached to the D365 campaign and their members
  (static lists through their member relationships, dynamic lists by their FetchXML);
- `eligibility`: why a record may not be emailed (inactive, emailing not allowed);
- `addresses`: one normalisation of an address, shared with the duplicate finder;
- `dedupe`: which record wins an address shared by several (the rule is there);
- `mapping`: a D365 record as a Constant Contact import row;
- `plan`: reads every member once and keeps the winners, spooled to a temporary file;
- `imports`: imports the winners in chunks, each started at most once across crashes;
- `recipients`: `pocc_sendrecipient` rows, which record each address was sent to;
- `buckets`: the job's counts, one bucket per member read, and the log of skips;
- `scheduling`: puts the send's list on the campaign activity and schedules it once.
"""
