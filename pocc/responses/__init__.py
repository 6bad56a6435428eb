"""Campaign responses: Constant Contact's tracking reports as D365 `campaignresponse`s.

- `kinds`: the five kinds of response (opened, clicked, forwarded, opted out,
  bounced), the report each comes from and how D365 codes it;
- `tracking`: reads a report newest first and stops at what an earlier run stored;
- `recipients`: which D365 record each address of a send went to (the
  `pocc_sendrecipient` rows the Send job wrote);
- `records`: one response as a `campaignresponse` body, with its deterministic id;
- `writer`: `$batch` change sets of responses (and the opt-outs' `donotbulkemail`);
- `retrieval`: one campaign from its watermark to now, then the watermark moved.

The job that runs it every day is `pocc.jobs.kinds.retrieve_responses`.
"""
