"""`python -m tests.jobs.worker_main`: the real worker loop, with the test kinds.

It is `python -m pocc worker` with one difference: the kinds come from
`kinds_for_tests`, so a test can kill it mid-job and count the steps that ran.
"""

from __future__ import annotations

import logging
import os
import sys

from pocc.config import load_settings
from pocc.jobs.worker import run_worker
from tests.jobs.kinds_for_tests import TEST_KINDS

if __name__ == "__main__":
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    sys.exit(run_worker(load_settings(os.environ), kinds=TEST_KINDS))
