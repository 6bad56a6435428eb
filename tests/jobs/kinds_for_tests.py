"""Job kinds used only by the tests of the runner and the worker.

They take the choice values of kinds this issue does not build (Find duplicates,
Sync marketing list), so the runner's machinery is tested on its own. The job's
name carries the parameters: `steps=5 delay=0.2`. Each step appends a line
`<step> <attempt>` to `<POCC_TEST_EFFECTS_DIR>/<job id>`, then saves the checkpoint:
a test reads the file to see which steps ran, and on which attempt.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from pocc.jobs.job_row import JobKindValue
from pocc.jobs.kinds import JobContext, JobKind, Outcome

STEPS_KIND = JobKindValue.FIND_DUPLICATES
WRITER_KIND = JobKindValue.SYNC_MARKETING_LIST
EFFECTS_VARIABLE = "POCC_TEST_EFFECTS_DIR"


def parameters(name: str) -> dict[str, float]:
    values = dict(item.split("=", 1) for item in name.split() if "=" in item)
    return {key: float(value) for key, value in values.items()}


def effects(job_id: str) -> list[tuple[int, int]]:
    """(step, attempt) for every step the job ran, in order."""
    path = Path(os.environ[EFFECTS_VARIABLE]) / job_id

    if not path.exists():
        return []

    pairs = [line.split() for line in path.read_text().splitlines() if line]
    return [(int(step), int(attempt)) for step, attempt in pairs]


class Steps(JobKind):
    """`steps` steps of `delay` seconds each, checkpointed one by one."""

    needs_constant_contact = False

    def run(self, job: JobContext) -> Outcome:
        settings = parameters(job.name)
        steps = int(settings.get("steps", 3))
        delay = settings.get("delay", 0.0)
        done = int(job.checkpoint.get("done", 0))
        attempt = int(job.row.get("pocc_attempts") or 0)
        job.progress.set_total(steps)

        for step in range(done + 1, steps + 1):
            job.stop_if_cancelled()
            time.sleep(delay)
            self._record(job.job_id, step, attempt)
            job.progress.done()
            job.save_checkpoint({"done": step})

        return Outcome.succeeded(f"Ran {steps} steps")

    def _record(self, job_id: str, step: int, attempt: int) -> None:
        folder = Path(os.environ[EFFECTS_VARIABLE])
        folder.mkdir(parents=True, exist_ok=True)

        with (folder / job_id).open("a") as effects_file:
            effects_file.write(f"{step} {attempt}\n")


class WriterSteps(Steps):
    """The same steps under the organisation's writer lease."""

    writes_to_constant_contact = True


class Partly(JobKind):
    needs_constant_contact = False

    def run(self, job: JobContext) -> Outcome:
        job.progress.set_total(3)
        job.progress.sent(2)
        job.progress.skip("refused")
        return Outcome.partly_succeeded(
            "Sent 2 of 3 records", "Constant Contact refused 1 record"
        )


TEST_KINDS = {int(STEPS_KIND): Steps, int(WRITER_KIND): WriterSteps}
