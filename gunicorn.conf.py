"""gunicorn settings for pocc's proxy: `gunicorn app:app` picks this file up.

The proxy's work is short calls to Dataverse, so threads (gthread) rather than many
processes; anything here can be overridden on the command line (`--bind`, ...) or
with GUNICORN_CMD_ARGS.
"""

import multiprocessing

bind = "127.0.0.1:8000"
worker_class = "gthread"
workers = min(4, multiprocessing.cpu_count())
threads = 8
# A Dataverse call may wait out service protection; give it room before recycling.
timeout = 120
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
# Query strings carry OAuth codes and state; the access log keeps the path only.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
