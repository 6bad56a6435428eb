"""The daily schedule: when each organisation's campaign responses are retrieved.

- `time_zones`: D365's time zone names (Windows ids) mapped to IANA zones, from the
  data file `windows_zones.json` beside this module.
- `daily`: the next run at a minute of the day in a zone, as a UTC moment.
- `scheduler`: what the worker calls each poll (`DailyScheduler.run_due`): it queues
  a Retrieve responses job and a Refresh statistics job once a day and refreshes the
  billing figure.
"""
