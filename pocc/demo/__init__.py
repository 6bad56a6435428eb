"""The steps of `make demo`, each in its own module; `pocc.sandbox.demo` runs them.

`stack` starts the sandbox, the proxy and a worker; `connect` saves the
configuration and authenticates as an administrator would; `job_follower` creates
jobs as a CRM user would and follows them; `campaigns` and `statistics` show what
D365 then holds; `cross_check` compares it with the Constant Contact account.
"""
