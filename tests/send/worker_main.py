"""`python -m tests.send.worker_main`: the real worker loop, its Send held at a point.

It is `python -m pocc worker` with one difference: Send jobs run as
`held_send.HeldSend`, so a test can stop a worker at an exact step and kill it there.
"""

from __future__ import annotations

import logging
import os
import sys

from pocc.config import load_settings
from pocc.jobs.worker import run_worker
from tests.send.held_send import HeldSend, kinds_with

if __name__ == "__main__":
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    sys.exit(run_worker(load_settings(os.environ), kinds=kinds_with(HeldSend)))
