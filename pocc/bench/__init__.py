"""`make bench`: what a Send costs at 2,000, 10,000 and 100,000 recipients.

A benchmark, not a test: it prints figures beside their targets and asserts nothing.
`setup` builds the sandbox (realistic latency, Constant Contact's real rate limit)
and an organisation with one marketing list per size; `send_run` runs each Send in a
real `python -m pocc worker` and measures it; `calls` counts the requests the
sandbox served; `naive` times one-contact-a-call sending; `report` prints it all.
"""
